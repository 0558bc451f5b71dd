/* nn_softmax_xent: softmax and cross-entropy fused, as PyTorch's CrossEntropyLoss with
 * reduction='mean'. Fused because the gradient is then simply probs - onehot, and the
 * log-sum-exp stays stable for logits like +-1000 (the max is subtracted first). */
#pragma once

/* logits (B,K), labels (B) in [0,K) -> probs (B,K), losses (B) (may be NULL).
 * labels may be NULL: then only probs are computed and 0 is returned.
 * Returns the MEAN loss over the batch. */
float nn_softmax_xent_forward(float *probs, float *losses, const float *logits,
                              const int *labels, int B, int K);

/* ACCUMULATES dlogits (B,K) += (probs - onehot(labels)) / B. */
void nn_softmax_xent_backward(float *dlogits, const float *probs, const int *labels,
                              int B, int K);
