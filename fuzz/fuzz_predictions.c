/* fuzz_predictions: predictions.bin's reader (train_predictions_load, format v1), half of
 * the inputs with a correct checksum so the fuzzer gets past it. Seeds:
 * fuzz/corpus/fuzz_predictions/ (fuzz_make_seeds). */
#include <stdlib.h>

#include "fuzz_util.h"
#include "train_predictions.h"

/* Where the predictions are read to, so that reading them is not optimised away. */
static volatile float sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *input = size > 0 && data[0] & 1 ? fuzz_with_checksum(data, size) : NULL;
    TrainPredictionsFile file = { 0 };
    if (train_predictions_load(fuzz_file(input ? input : data, size), &file, NULL)) {
        /* What loaded is whole: every source is a string, every prediction readable. */
        for (int i = 0; i < file.n_val; i++)
            if (file.val_sources[i] == NULL)
                abort();
        for (int i = 0; i < file.n_epochs * file.n_val; i++)
            sink += file.predictions[i].confidence;
    }
    train_predictions_file_clear(&file);
    free(input);
    return 0;
}
