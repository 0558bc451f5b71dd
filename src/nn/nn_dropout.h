/* nn_dropout: inverted dropout (kept units are scaled by 1/(1-rate) during training, so
 * evaluation is the identity). The mask is counter-based: element i keeps iff
 * nn_dropout_uniform(seed, i) >= rate, so a seed gives the same mask on any thread count. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* The uniform draw in [0,1) for element i: top 24 bits of nn_rng_mix(seed, i, 0) / 2^24. */
float nn_dropout_uniform(uint64_t seed, size_t i);

/* inp (n) -> out (n), mask (n): mask[i] = keep ? 1/(1-rate) : 0, out = inp * mask.
 * out may alias inp. rate 0 gives a mask of all ones. rate must be in [0,1). */
void nn_dropout_forward(float *out, float *mask, const float *inp, size_t n, float rate,
                        uint64_t seed);
/* dinp += dout * mask. */
void nn_dropout_backward(float *dinp, const float *dout, const float *mask, size_t n);
