/* nn_maxpool: 2x2/2 max pooling in NHWC. A window's four inputs are two pairs of
 * neighbouring pixels, each C contiguous floats, so the fast forward compares four
 * channel vectors; backward scatters through the recorded argmax. */
#include "nn_maxpool.h"

#include <math.h>
#include <stddef.h>

#include "nn_threads.h"

/* PyTorch's rule, kept exactly so the parity tests agree on ties and NaNs: a strictly
 * greater value or any NaN takes the window. */
static inline int pool_takes(float v, float m)
{
    return v > m || isnan(v);
}

void nn_maxpool_forward(float *out, int *argmax, const float *inp, int B, int H, int W, int C)
{
    const int OH = H / 2, OW = W / 2;
    const size_t row = (size_t)W * C;
    const size_t n = (size_t)B * OH * OW * C;
#pragma omp parallel for schedule(static) if (n >= NN_PARALLEL_MIN_FLOATS)
    for (int boy = 0; boy < B * OH; boy++) {
        int b = boy / OH, oy = boy % OH;
        for (int ox = 0; ox < OW; ox++) {
            size_t i00 = (((size_t)b * H + 2 * oy) * W + 2 * ox) * C;
            size_t i01 = i00 + C, i10 = i00 + row, i11 = i10 + C;
            float *o = out + ((size_t)boy * OW + ox) * C;
            int *a = argmax + ((size_t)boy * OW + ox) * C;
            for (int c = 0; c < C; c++) {
                /* The first input needs no test: it beats the -inf start unless it is
                 * -inf, and then the start index is its own anyway. */
                float m = inp[i00 + c];
                size_t k = i00 + c;
                if (pool_takes(inp[i01 + c], m)) { m = inp[i01 + c]; k = i01 + c; }
                if (pool_takes(inp[i10 + c], m)) { m = inp[i10 + c]; k = i10 + c; }
                if (pool_takes(inp[i11 + c], m)) { m = inp[i11 + c]; k = i11 + c; }
                o[c] = m;
                a[c] = (int)k;
            }
        }
    }
}

void nn_maxpool_backward(float *dinp, const float *dout, const int *argmax,
                         int B, int H, int W, int C)
{
    /* Windows do not overlap, so no two outputs scatter into the same input. */
    const size_t n = (size_t)B * (H / 2) * (W / 2) * C;
#pragma omp parallel for schedule(static) if (n >= NN_PARALLEL_MIN_FLOATS)
    for (size_t i = 0; i < n; i++)
        dinp[argmax[i]] += dout[i];
}

void nn_maxpool_forward_naive(float *out, int *argmax, const float *inp,
                              int B, int H, int W, int C)
{
    const int OH = H / 2, OW = W / 2;
    for (int b = 0; b < B; b++)
    for (int oy = 0; oy < OH; oy++)
    for (int ox = 0; ox < OW; ox++)
    for (int c = 0; c < C; c++) {
        float m = -INFINITY;
        int k = (int)((((size_t)b * H + 2 * oy) * W + 2 * ox) * C + c);
        for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            int i = (int)((((size_t)b * H + 2 * oy + dy) * W + 2 * ox + dx) * C + c);
            if (pool_takes(inp[i], m)) {
                m = inp[i];
                k = i;
            }
        }
        size_t o = (((size_t)b * OH + oy) * OW + ox) * C + c;
        out[o] = m;
        argmax[o] = k;
    }
}

void nn_maxpool_backward_naive(float *dinp, const float *dout, const int *argmax,
                               int B, int H, int W, int C)
{
    const size_t n = (size_t)B * (H / 2) * (W / 2) * C;
    for (size_t i = 0; i < n; i++)
        dinp[argmax[i]] += dout[i];
}
