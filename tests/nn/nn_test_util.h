/* nn_test_util: what the engine's test programs share (each is one file, so these are
 * static inline): a model from a spec text, and reproducible random inputs. */
#pragma once
#include <glib.h>

#include "nn_model.h"
#include "nn_rng.h"
#include "nn_spec.h"

static inline nn_model *make_model(const char *text, int H, int W, int C, int B, uint64_t seed)
{
    nn_spec spec;
    nn_error err;
    g_assert_cmpint(nn_spec_parse(&spec, text, &err), ==, NN_OK);
    nn_model *m = NULL;
    nn_status st = nn_model_create(&m, &spec, H, W, C, B, seed, 0, NN_OPTIMIZER_ADAM, &err);
    if (st != NN_OK)
        g_error("%s: %s", text, err.message);
    return m;
}

/* n floats uniform in [lo, hi) from seed; g_free them. */
static inline float *random_floats(uint64_t seed, size_t n, float lo, float hi)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    float *x = g_new(float, n);
    for (size_t i = 0; i < n; i++)
        x[i] = nn_rng_uniform_range(&rng, lo, hi);
    return x;
}
