/* nn_softmax_xent: softmax + cross-entropy per row. The loss is computed as
 * log-sum-exp minus the label's logit rather than -log(prob), which would be log(0) =
 * inf for a confidently wrong prediction whose probability underflows. */
#include "nn_softmax_xent.h"

#include <math.h>
#include <stddef.h>

/* Rows are few (a batch) and short (the classes), far below the cost of waking threads,
 * so this runs on the calling thread; it also keeps the mean's summation order fixed. */
float nn_softmax_xent_forward(float *probs, float *losses, const float *logits,
                              const int *labels, int B, int K)
{
    double total = 0.0;
    for (int b = 0; b < B; b++) {
        const float *z = logits + (size_t)b * K;
        float *p = probs + (size_t)b * K;
        float maxz = z[0];
        for (int k = 1; k < K; k++)
            if (z[k] > maxz)
                maxz = z[k];
        double sum = 0.0;
        for (int k = 0; k < K; k++) {
            p[k] = expf(z[k] - maxz);
            sum += p[k];
        }
        for (int k = 0; k < K; k++)
            p[k] = (float)(p[k] / sum);
        if (labels) {
            double loss = (double)maxz + log(sum) - (double)z[labels[b]];
            if (losses)
                losses[b] = (float)loss;
            total += loss;
        }
    }
    return labels && B > 0 ? (float)(total / B) : 0.0f;
}

void nn_softmax_xent_backward(float *dlogits, const float *probs, const int *labels,
                              int B, int K)
{
    const float inv_b = 1.0f / (float)B;
    for (int b = 0; b < B; b++) {
        float *d = dlogits + (size_t)b * K;
        const float *p = probs + (size_t)b * K;
        for (int k = 0; k < K; k++)
            d[k] += (p[k] - (k == labels[b] ? 1.0f : 0.0f)) * inv_b;
    }
}
