/* fuzz_tfevents: libFuzzer target for the TensorBoard event-file reader
 * (train_tfevents_parse) and what the import makes of its scalars' tags. Any input must
 * give a clean TRUE or FALSE-with-error, never a read out of bounds, a leak or an abort.
 * Seeds in fuzz/corpus/fuzz_tfevents/: a file LR Lab wrote, one cut mid-record, a
 * Keras-style file with tensor scalars. */
#include <stddef.h>
#include <stdint.h>

#include "train_tfevents.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TrainTfEventsFile file;
    GError *error = NULL;

    if (train_tfevents_parse(data, size, "fuzz", &file, &error)) {
        /* A successful read is consistent: whole records within the input. */
        if (file.valid_length > size || (file.truncated != (file.valid_length < size)))
            __builtin_trap();
        for (guint i = 0; i < file.scalars->len; i++)
            if (g_array_index(file.scalars, TrainTfScalar, i).tag == NULL)
                __builtin_trap();
        train_tfevents_file_clear(&file);
    } else {
        if (error == NULL)
            __builtin_trap();
        g_error_free(error);
    }
    return 0;
}
