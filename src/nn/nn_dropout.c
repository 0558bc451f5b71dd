/* nn_dropout: inverted dropout with a counter-based mask. Each element's draw hashes
 * (seed, index), so the mask is the same whatever the thread count or loop order, and
 * a run can be replayed from its seed. */
#include "nn_dropout.h"

#include "nn_rng.h"
#include "nn_threads.h"

float nn_dropout_uniform(uint64_t seed, size_t i)
{
    return (float)(nn_rng_mix(seed, (uint64_t)i, 0) >> 40) * 0x1.0p-24f;
}

void nn_dropout_forward(float *out, float *mask, const float *inp, size_t n, float rate,
                        uint64_t seed)
{
    /* Scaling the kept units by 1/(1-rate) keeps each unit's expected value, so
     * evaluation needs no dropout layer at all. */
    const float scale = 1.0f / (1.0f - rate);
#pragma omp parallel for schedule(static) if (n >= NN_PARALLEL_MIN_FLOATS)
    for (size_t i = 0; i < n; i++) {
        float m = (rate <= 0.0f || nn_dropout_uniform(seed, i) >= rate) ? scale : 0.0f;
        mask[i] = m;
        out[i] = inp[i] * m;
    }
}

void nn_dropout_backward(float *dinp, const float *dout, const float *mask, size_t n)
{
#pragma omp parallel for schedule(static) if (n >= NN_PARALLEL_MIN_FLOATS)
    for (size_t i = 0; i < n; i++)
        dinp[i] += dout[i] * mask[i];
}
