/* fuzz_history: history.csv (train_history_parse), which Keras's CSVLogger writes too. A
 * history that parses is written back and parses again to as many epochs. Seeds:
 * fuzz/corpus/fuzz_history/. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "train_history.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GArray *epochs = train_history_parse((const char *) data, size, "history.csv", NULL);
    if (epochs == NULL)
        return 0;
    char *text = train_history_format((const TrainEpoch *) (gpointer) epochs->data,
                                      (int) epochs->len);
    GArray *again = train_history_parse(text, strlen(text), "written", NULL);
    if (again == NULL || again->len != epochs->len)
        abort();
    g_array_unref(again);
    g_free(text);
    g_array_unref(epochs);
    return 0;
}
