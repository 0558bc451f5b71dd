/* nn_relu: max(x, 0) over a flat array. Elementwise and memory-bound, so the only
 * speed-up is spreading the array over the cores. */
#include "nn_relu.h"

#include "nn_threads.h"

void nn_relu_forward(float *out, const float *inp, size_t n)
{
#pragma omp parallel for schedule(static) if (n >= NN_PARALLEL_MIN_FLOATS)
    for (size_t i = 0; i < n; i++)
        out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void nn_relu_backward(float *dinp, const float *dout, const float *out, size_t n)
{
#pragma omp parallel for schedule(static) if (n >= NN_PARALLEL_MIN_FLOATS)
    for (size_t i = 0; i < n; i++)
        dinp[i] += out[i] > 0.0f ? dout[i] : 0.0f;
}
