/* nn_layer_conv: a convolution and its ReLU as a model layer (spec token cN, cNkK): the
 * plan (shapes, weights, the algorithm it runs and the scratch that needs), forward and
 * backward over nn_conv2d's explicit-algorithm calls. */
#include <stdio.h>

#include "nn_layer.h"

static nn_status conv_plan(nn_layer *L, const nn_layer_plan_args *a, nn_error *err)
{
    const int K = L->spec.kernel, OC = L->spec.units;
    if (OC < 1 || K < 1 || K % 2 == 0)
        return nn_layer_invalid(a, err);
    L->oh = L->h, L->ow = L->w, L->oc = OC;
    L->relu = 1;
    L->weight_ndim = 4;   /* (OC, K, K, C) */
    L->weight_shape[0] = OC, L->weight_shape[1] = K, L->weight_shape[2] = K;
    L->weight_shape[3] = L->c;
    L->flops = 2LL * L->h * L->w * OC * K * K * L->c;
    snprintf(L->name, sizeof L->name, "conv%d %d->%d %dx%d", L->ordinal, L->c, OC, L->h,
             L->w);
    L->conv_algo = nn_conv2d_algo_for(a->conv_algo, L->h, L->w, L->c, OC, K);
    L->scratch_floats = nn_conv2d_algo_scratch_floats(a->max_batch, L->h, L->w, L->c, OC, K,
                                                      L->conv_algo);
    return NN_OK;
}

static const float *conv_forward(nn_layer *L, const nn_layer_pass *p, const float *inp,
                                 float *out)
{
    /* the ReLU is applied while each chunk of the output is in cache */
    nn_conv2d_forward_algo(out, inp, p->params + L->weight_off, p->params + L->bias_off,
                           p->scratch, p->B, L->h, L->w, L->c, L->oc, L->spec.kernel,
                           L->conv_algo, 1);
    return out;
}

static void conv_backward(const nn_layer *L, const nn_layer_pass *p, float *dinp,
                          const float *dout)
{
    nn_conv2d_backward_algo(dinp, p->grads + L->weight_off, p->grads + L->bias_off, dout,
                            L->inp, p->params + L->weight_off, p->scratch, p->B, L->h, L->w,
                            L->c, L->oc, L->spec.kernel, L->conv_algo);
}

const nn_layer_ops nn_layer_conv = {
    .tensor_prefix = "conv",
    .plan = conv_plan,
    .init = nn_layer_init_default,
    .forward = conv_forward,
    .backward = conv_backward,
};
