/* nn_winograd: 3x3 "same" convolutions (stride 1, NHWC) by Winograd's minimal filtering
 * F(m x m, 3x3) (Lavin & Gray 2016), m = 2 or 4: forward, input gradient and weight
 * gradient, each as (m+2)^2 GEMMs over batches of tiles. nn_conv2d dispatches here. */
#pragma once
#include <stddef.h>

/* The tile side nn_conv2d uses for a shape: 4 or 2, or 0 for "use im2col" (K != 3, few
 * input channels, where the transforms cost more than the multiplies they save). */
int nn_winograd_tile(int H, int W, int C, int OC, int K);

/* Overrides that rule for every 3x3 convolution in the process: 0 = always im2col,
 * 2 or 4 = always that tile, -1 = back to the rule. For the benchmarks (one binary
 * measures both paths) and for runs that must follow PyTorch's float32 rounding closely
 * (the parity tests: see nn_winograd.c on accuracy). Not thread-safe: set it before
 * training starts. */
void nn_winograd_set_tile(int m);

/* Tiles per chunk (the unit a thread transforms and multiplies at once) for a shape,
 * and the scratch floats a chunk size needs (for forward and backward alike, one buffer
 * set per core: the same whatever nn_set_threads() says). */
size_t nn_winograd_chunk_tiles(int B, int H, int W, int C, int OC, int m);
size_t nn_winograd_scratch_floats(int C, int OC, int m, size_t chunk_tiles);

/* inp (B,H,W,C), weight (OC,3,3,C), bias (OC) or NULL -> out (B,H,W,OC) (overwritten),
 * then max(out, 0) if relu (bit-identical to a separate nn_relu_forward). m is the tile
 * side (2 or 4); scratch holds nn_winograd_scratch_floats(...) floats. */
void nn_winograd_forward(float *out, const float *inp, const float *weight,
                         const float *bias, float *scratch, int B, int H, int W, int C,
                         int OC, int m, size_t chunk_tiles, int relu);

/* dout (B,H,W,OC). ACCUMULATES into dinp (B,H,W,C) (may be NULL) and dweight
 * (OC,3,3,C). The bias gradient is a column sum of dout: nn_conv2d does it. */
void nn_winograd_backward(float *dinp, float *dweight, const float *dout, const float *inp,
                          const float *weight, float *scratch, int B, int H, int W, int C,
                          int OC, int m, size_t chunk_tiles);
