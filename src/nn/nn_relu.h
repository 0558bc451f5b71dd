/* nn_relu: the rectifier, elementwise over n floats. Backward reads the forward's output
 * (not its input), so the forward may run in place and keep only one buffer. */
#pragma once
#include <stddef.h>

/* out = max(inp, 0). out may alias inp. */
void nn_relu_forward(float *out, const float *inp, size_t n);
/* dinp += dout * (out > 0). */
void nn_relu_backward(float *dinp, const float *dout, const float *out, size_t n);
