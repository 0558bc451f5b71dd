/* nn_dense: the fully connected layer as GEMMs over the batch. The weight stays in
 * PyTorch's (OUT,IN) layout; the transposes are folded into the GEMM flags. */
#include "nn_dense.h"

#include <cblas.h>
#include <stddef.h>
#include <string.h>

void nn_dense_forward(float *out, const float *inp, const float *weight, const float *bias,
                      int B, int IN, int OUT)
{
    /* Start from the bias and let the GEMM accumulate onto it (beta = 1). */
    for (int b = 0; b < B; b++) {
        if (bias)
            memcpy(out + (size_t)b * OUT, bias, OUT * sizeof(float));
        else
            memset(out + (size_t)b * OUT, 0, OUT * sizeof(float));
    }
    /* out (B,OUT) += inp (B,IN) x weight^T (IN,OUT) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OUT, IN,
                1.0f, inp, IN, weight, IN, 1.0f, out, OUT);
}

void nn_dense_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                       const float *inp, const float *weight, int B, int IN, int OUT)
{
    if (dbias)
        for (int b = 0; b < B; b++)
            for (int o = 0; o < OUT; o++)
                dbias[o] += dout[(size_t)b * OUT + o];
    /* dweight (OUT,IN) += dout^T (OUT,B) x inp (B,IN) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OUT, IN, B,
                1.0f, dout, OUT, inp, IN, 1.0f, dweight, IN);
    /* dinp (B,IN) += dout (B,OUT) x weight (OUT,IN) */
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, IN, OUT,
                    1.0f, dout, OUT, weight, IN, 1.0f, dinp, IN);
}

void nn_dense_forward_naive(float *out, const float *inp, const float *weight,
                            const float *bias, int B, int IN, int OUT)
{
    for (int b = 0; b < B; b++)
        for (int o = 0; o < OUT; o++) {
            float sum = bias ? bias[o] : 0.0f;
            for (int i = 0; i < IN; i++)
                sum += inp[(size_t)b * IN + i] * weight[(size_t)o * IN + i];
            out[(size_t)b * OUT + o] = sum;
        }
}

void nn_dense_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
                             const float *inp, const float *weight, int B, int IN, int OUT)
{
    for (int b = 0; b < B; b++)
        for (int o = 0; o < OUT; o++) {
            float d = dout[(size_t)b * OUT + o];
            if (dbias)
                dbias[o] += d;
            for (int i = 0; i < IN; i++) {
                dweight[(size_t)o * IN + i] += inp[(size_t)b * IN + i] * d;
                if (dinp)
                    dinp[(size_t)b * IN + i] += weight[(size_t)o * IN + i] * d;
            }
        }
}
