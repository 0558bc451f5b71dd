/* nn_conv2d: 2-D convolution, stride 1, "same" padding, odd kernel size K, NHWC layout.
 * The plain calls are im2col + one sgemm per chunk of output pixels (darknet style), each
 * thread owning whole chunks; the input gradient is the same convolution run on dout
 * with the flipped weight. The _algo calls run the algorithm the caller names, Winograd
 * (nn_winograd.h) included: nothing here picks one behind the caller's back. The naive
 * loops beside them are the tests' reference. */
#pragma once
#include <stddef.h>

/* How a convolution is computed. */
typedef enum {
    NN_CONV_ALGO_AUTO = 0,     /* nn_conv2d_algo_for's rule */
    NN_CONV_ALGO_IM2COL,       /* im2col + GEMM, any kernel size */
    NN_CONV_ALGO_WINOGRAD2,    /* Winograd F(2x2,3x3) */
    NN_CONV_ALGO_WINOGRAD4,    /* Winograd F(4x4,3x3) */
} nn_conv_algo;

/* The algorithm that computes this convolution when `requested` is asked for: AUTO is
 * nn_winograd_tile's rule (F(4x4) for 3x3 kernels with enough channels in and out, else
 * im2col; the measurements are there); Winograd asked for a kernel other than 3x3 is
 * im2col. Never AUTO. */
nn_conv_algo nn_conv2d_algo_for(nn_conv_algo requested, int H, int W, int C, int OC, int K);

/* "im2col", "Winograd F(2x2,3x3)", "Winograd F(4x4,3x3)" or "auto". */
const char *nn_conv_algo_name(nn_conv_algo algo);

/* Floats of scratch the plain forward and backward need for these shapes (per core: the
 * im2col buffer of one chunk, bounded to ~4 MiB whatever the batch, and a partial weight
 * gradient; plus one flipped weight), and the _algo calls with `algo` (AUTO resolved by
 * nn_conv2d_algo_for).
 * The same scratch serves forward and backward; it need not be zeroed. It holds one
 * buffer per core, so it is the same whatever nn_set_threads() says. */
size_t nn_conv2d_scratch_floats(int B, int H, int W, int C, int OC, int K);
size_t nn_conv2d_algo_scratch_floats(int B, int H, int W, int C, int OC, int K,
                                     nn_conv_algo algo);

/* inp (B,H,W,C), weight (OC,K,K,C), bias (OC) -> out (B,H,W,OC), by im2col.
 * scratch holds nn_conv2d_scratch_floats(...) floats. */
void nn_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                       float *scratch, int B, int H, int W, int C, int OC, int K);
void nn_conv2d_forward_naive(float *out, const float *inp, const float *weight,
                             const float *bias, int B, int H, int W, int C, int OC, int K);
/* The same by `algo` (AUTO: nn_conv2d_algo_for's choice), scratch holding
 * nn_conv2d_algo_scratch_floats(..., algo) floats; relu = 1 then applies max(out, 0),
 * bit-identical to a separate nn_relu_forward but without its extra pass over the
 * output (67 MB for the seed net's first layer at batch 64: ~11 ms on one core). */
void nn_conv2d_forward_algo(float *out, const float *inp, const float *weight,
                            const float *bias, float *scratch, int B, int H, int W, int C,
                            int OC, int K, nn_conv_algo algo, int relu);

/* dout (B,H,W,OC). ACCUMULATES into dinp (B,H,W,C) (may be NULL: the first layer needs
 * no input gradient), dweight (OC,K,K,C) and dbias (OC); by im2col. */
void nn_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, float *scratch,
                        int B, int H, int W, int C, int OC, int K);
void nn_conv2d_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
                              const float *inp, const float *weight,
                              int B, int H, int W, int C, int OC, int K);
/* The same by `algo`, with nn_conv2d_forward_algo's scratch. */
void nn_conv2d_backward_algo(float *dinp, float *dweight, float *dbias, const float *dout,
                             const float *inp, const float *weight, float *scratch,
                             int B, int H, int W, int C, int OC, int K, nn_conv_algo algo);

/* im2col with an explicit chunk of output pixels per GEMM (1 <= chunk_rows; scratch
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
