/* nn_conv2d: 2-D convolution, stride 1, "same" padding, odd kernel size K, NHWC layout.
 * The fast path is im2col + one sgemm per chunk of output pixels (darknet style), each
 * thread owning whole chunks; the input gradient is the same convolution run on dout
 * with the flipped weight. The naive loops beside it are the tests' reference. */
#pragma once
#include <stddef.h>

/* Floats of scratch the fast forward and backward need for these shapes (per core: the
 * im2col buffer of one chunk, bounded to ~4 MiB whatever the batch, and a partial weight
 * gradient; plus one flipped weight).
 * The same scratch serves forward and backward; it need not be zeroed. It holds one
 * buffer per core, so it is the same whatever nn_set_threads() says. */
size_t nn_conv2d_scratch_floats(int B, int H, int W, int C, int OC, int K);

/* inp (B,H,W,C), weight (OC,K,K,C), bias (OC) -> out (B,H,W,OC).
 * scratch holds nn_conv2d_scratch_floats(...) floats. */
void nn_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                       float *scratch, int B, int H, int W, int C, int OC, int K);
void nn_conv2d_forward_naive(float *out, const float *inp, const float *weight,
                             const float *bias, int B, int H, int W, int C, int OC, int K);
/* The forward followed by ReLU (out = max(conv, 0)), bit-identical to nn_conv2d_forward
 * then nn_relu_forward(out, out, n) but without the ReLU's extra pass over the output
 * (67 MB for the seed net's first layer at batch 64: ~11 ms on one core). */
void nn_conv2d_forward_relu(float *out, const float *inp, const float *weight,
                            const float *bias, float *scratch, int B, int H, int W, int C,
                            int OC, int K);

/* dout (B,H,W,OC). ACCUMULATES into dinp (B,H,W,C) (may be NULL: the first layer needs
 * no input gradient), dweight (OC,K,K,C) and dbias (OC). */
void nn_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, float *scratch,
                        int B, int H, int W, int C, int OC, int K);
void nn_conv2d_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
                              const float *inp, const float *weight,
                              int B, int H, int W, int C, int OC, int K);

/* The same with an explicit chunk of output pixels per GEMM (1 <= chunk_rows; scratch
 * must hold nn_conv2d_chunk_scratch_floats(C, OC, K, chunk_rows) floats). The plain
 * calls use nn_conv2d_chunk_rows(); the tests use small chunks to cover the chunk
 * boundaries and the benchmark to choose the default. */
size_t nn_conv2d_chunk_rows(int B, int H, int W, int C, int OC, int K);
size_t nn_conv2d_chunk_scratch_floats(int C, int OC, int K, size_t chunk_rows);
void nn_conv2d_forward_chunked(float *out, const float *inp, const float *weight,
                               const float *bias, float *scratch, int B, int H, int W, int C,
                               int OC, int K, size_t chunk_rows);
void nn_conv2d_backward_chunked(float *dinp, float *dweight, float *dbias, const float *dout,
                                const float *inp, const float *weight, float *scratch,
                                int B, int H, int W, int C, int OC, int K, size_t chunk_rows);
