/* nn_maxpool: 2x2/2 max pooling in NHWC. A window's four inputs are two pairs of
 * neighbouring pixels, each C contiguous floats, so the fast forward compares four
 * channel vectors; backward writes each window's gradient to its recorded winner and 0
 * to the other three. */
#include "nn_maxpool.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

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

/* One window row's gradient: the four inputs of channel c are p00[c] p01[c] (top pair)
 * and p10[c] p11[c]; base is p00's flat index, row the input row's length in floats.
 * Parameters, not locals, carry the restrict: gcc honours it there, and the project
 * builds with -fno-strict-aliasing, so without it the int loads could alias the float
 * stores and the loop would not be vectorised (3.5x slower in the model, measured). */
static void window_backward(float *restrict p00, float *restrict p01, float *restrict p10,
                            float *restrict p11, const float *restrict d,
                            const int *restrict a, int base, int row, int C)
{
    for (int c = 0; c < C; c++) {
        /* the winner's offset from channel c's first window input: 0, C, row or row+C
         * (ints: argmax holds flat indices as ints) */
        const int k = a[c] - base - c;
        const float g = d[c];
        p00[c] = k == 0 ? g : 0.0f;
        p01[c] = k == C ? g : 0.0f;
        p10[c] = k == row ? g : 0.0f;
        p11[c] = k == row + C ? g : 0.0f;
    }
}

/* One pass of writes over dinp, a window row (two input rows) at a time: each input gets
 * its window's gradient if it won, else 0. Clearing dinp and scattering into it (the
 * reference below, and this function until 2026-12) passes over it twice, the second
 * time reading it back: the seed net's first pool (67 MB of dinp at 64x64, batch 64)
 * went from 16 to 9 ms a training step in bench_engine's per-layer table. */
void nn_maxpool_backward(float *dinp, const float *dout, const int *argmax,
                         int B, int H, int W, int C)
{
    const int OH = H / 2, OW = W / 2, pairs = (H + 1) / 2;   /* row pairs per image */
    const size_t row = (size_t)W * C;
    const size_t n = (size_t)B * H * W * C;
#pragma omp parallel for schedule(static) if (n >= NN_PARALLEL_MIN_FLOATS)
    for (int bp = 0; bp < B * pairs; bp++) {
        const int b = bp / pairs, y = 2 * (bp % pairs);
        float *r0 = dinp + ((size_t)b * H + y) * row;
        if (y == H - 1) {
            /* an odd last row: no window covers it, and this iteration has only it */
            memset(r0, 0, row * sizeof(float));
            continue;
        }
        float *r1 = r0 + row;
        const int oy = y / 2;
        for (int ox = 0; ox < OW; ox++) {
            const size_t o = (((size_t)b * OH + oy) * OW + ox) * C;
            float *p00 = r0 + (size_t)2 * ox * C, *p10 = r1 + (size_t)2 * ox * C;
            window_backward(p00, p00 + C, p10, p10 + C, dout + o, argmax + o,
                            (int)(p00 - dinp), (int)row, C);
        }
        if (W % 2) {
            /* an odd last column: no window covers it either */
            memset(r0 + row - C, 0, (size_t)C * sizeof(float));
            memset(r1 + row - C, 0, (size_t)C * sizeof(float));
        }
    }
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
    memset(dinp, 0, (size_t)B * H * W * C * sizeof(float));
    const size_t n = (size_t)B * (H / 2) * (W / 2) * C;
    for (size_t i = 0; i < n; i++)
        dinp[argmax[i]] += dout[i];
}
