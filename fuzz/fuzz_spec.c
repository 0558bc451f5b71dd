/* fuzz_spec: the network spec a user types. Whatever parses is written back and must
 * parse to the same layers, and be written the same again (nn_spec.h's promise: a run's
 * best.ckpt names a network that loads). Seeds: fuzz/corpus/fuzz_spec/. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "nn_spec.h"

static int
same_layers(const nn_spec *a, const nn_spec *b)
{
    if (a->n_layers != b->n_layers)
        return 0;
    for (int i = 0; i < a->n_layers; i++)
        if (a->layers[i].kind != b->layers[i].kind || a->layers[i].units != b->layers[i].units ||
            a->layers[i].kernel != b->layers[i].kernel ||
            memcmp(&a->layers[i].rate, &b->layers[i].rate, sizeof(float)) != 0)
            return 0;
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[4096];
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    nn_spec spec, again;
    nn_error err;
    if (nn_spec_parse(&spec, text, &err) != NN_OK)
        return 0;
    char canonical[NN_SPEC_MAX_TEXT], twice[NN_SPEC_MAX_TEXT];
    nn_spec_format(&spec, canonical, sizeof canonical);
    if (nn_spec_parse(&again, canonical, &err) != NN_OK || !same_layers(&spec, &again))
        abort();
    nn_spec_format(&again, twice, sizeof twice);
    if (strcmp(canonical, twice) != 0)
        abort();
    return 0;
}
