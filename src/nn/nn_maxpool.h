/* nn_maxpool: 2x2 max pooling with stride 2 (floor: an odd last row/column is dropped),
 * NHWC. The forward records which input won each window, so backward knows where each
 * window's gradient goes. */
#pragma once

/* inp (B,H,W,C) -> out (B,H/2,W/2,C); argmax (B,H/2,W/2,C) holds the flat index into inp
 * of each window's max: the first max in row-major window order, and a NaN wins (the last
 * NaN, as PyTorch's `val > max || isnan(val)` scan). H and W are the INPUT dims. */
void nn_maxpool_forward(float *out, int *argmax, const float *inp, int B, int H, int W, int C);
void nn_maxpool_forward_naive(float *out, int *argmax, const float *inp,
                              int B, int H, int W, int C);

/* dout (B,H/2,W/2,C) -> dinp (B,H,W,C). WRITES every element of dinp (it need not be
 * cleared): dinp[argmax[i]] = dout[i], 0 at every input that did not win its window and
 * at an odd last row or column. */
void nn_maxpool_backward(float *dinp, const float *dout, const int *argmax,
                         int B, int H, int W, int C);
void nn_maxpool_backward_naive(float *dinp, const float *dout, const int *argmax,
                               int B, int H, int W, int C);
