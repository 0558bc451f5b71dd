/* fuzz_checkpoint: best.ckpt's reader (nn_checkpoint.h, format v1): peek at the header,
 * then load into the network the seeds were saved from, with and without its optimizer.
 * A file is loaded whole or refused with a message; nothing else. Half the inputs get a
 * correct checksum (fuzz_with_checksum) so the fuzzer reaches the header and payload
 * checks behind it. Seeds: fuzz/corpus/fuzz_checkpoint/ (fuzz_make_seeds). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "nn_checkpoint.h"

/* The network of the seeds. */
#define FUZZ_CKPT_SPEC "c2-p-f4-d0.5-f2"
#define FUZZ_CKPT_SIDE 4

static nn_model *model;
static nn_optimizer adam;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    nn_spec spec;
    nn_error err;
    nn_optimizer_config config = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    if (nn_spec_parse(&spec, FUZZ_CKPT_SPEC, &err) != NN_OK ||
        nn_model_create(&model, &spec, FUZZ_CKPT_SIDE, FUZZ_CKPT_SIDE, 3, 1, 1, 0,
                        NN_OPTIMIZER_ADAM, &err) != NN_OK ||
        nn_optimizer_init(&adam, &config, nn_model_num_parameters(model), &err) != NN_OK)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *input = size > 0 && data[0] & 1 ? fuzz_with_checksum(data, size) : NULL;
    const char *path = fuzz_file(input ? input : data, size);
    char spec_text[NN_SPEC_MAX_TEXT];
    int h, w, c;
    nn_error err;

    if (nn_checkpoint_peek(path, spec_text, sizeof spec_text, &h, &w, &c, &err) == NN_OK &&
        strlen(spec_text) >= sizeof spec_text)
        abort();
    nn_checkpoint_load(path, model, NULL, &err);
    nn_checkpoint_load(path, model, &adam, &err);
    free(input);
    return 0;
}
