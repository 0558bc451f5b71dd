/* nn_winograd: 3x3 "same" convolutions (stride 1, NHWC) by Winograd's minimal filtering
 * F(m x m, 3x3) (Lavin & Gray 2016), m = 2 or 4: forward, input gradient and weight
 * gradient, each as (m+2)^2 GEMMs over batches of tiles. nn_conv2d's _algo calls
 * dispatch here. */
#pragma once
#include <stddef.h>

/* The rule behind NN_CONV_ALGO_AUTO: the tile side worth using for a shape, 4 or 2, or
 * 0 for "use im2col" (K != 3, few input channels, where the transforms cost more than
 * the multiplies they save). A pure function of the shape: a caller that wants another
 * algorithm names it (nn_conv2d_forward_algo, nn_model_set_conv_algorithm). */
int nn_winograd_tile(int H, int W, int C, int OC, int K);

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
