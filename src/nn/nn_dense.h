/* nn_dense: the fully connected layer, out = inp W^T + b, one sgemm each way.
 * Weight is (OUT,IN), PyTorch's nn.Linear layout, so checkpoints compare directly. */
#pragma once

/* inp (B,IN), weight (OUT,IN), bias (OUT) -> out (B,OUT). */
void nn_dense_forward(float *out, const float *inp, const float *weight, const float *bias,
                      int B, int IN, int OUT);
void nn_dense_forward_naive(float *out, const float *inp, const float *weight,
                            const float *bias, int B, int IN, int OUT);

/* dout (B,OUT). ACCUMULATES into dinp (B,IN) (may be NULL), dweight (OUT,IN), dbias (OUT). */
void nn_dense_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                       const float *inp, const float *weight, int B, int IN, int OUT);
void nn_dense_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
                             const float *inp, const float *weight, int B, int IN, int OUT);
