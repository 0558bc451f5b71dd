/* nn_layer_dense: a fully connected layer as a model layer (spec token fN; a ReLU after
 * it unless it is the last): the plan (flattening whatever comes in), forward and
 * backward over nn_dense. */
#include <limits.h>
#include <stdio.h>

#include "nn_dense.h"
#include "nn_layer.h"
#include "nn_relu.h"

static nn_status dense_plan(nn_layer *L, const nn_layer_plan_args *a, nn_error *err)
{
    const size_t in = (size_t)L->h * L->w * L->c;
    const int OUT = L->spec.units;
    if (OUT < 1)
        return nn_layer_invalid(a, err);
    /* the kernels take int sizes */
    if (in > INT_MAX / 2 || in > (size_t)INT_MAX / (size_t)OUT)
        return nn_error_set(err, NN_ERR_SPEC,
                            "token %d '%s': this dense layer would have %zu x %d weights, "
                            "too many; add pooling before it or use a smaller input",
                            a->index, a->token, in, OUT);
    L->oh = 1, L->ow = 1, L->oc = OUT;
    L->relu = !a->last;
    L->weight_ndim = 2;   /* (OUT, IN) */
    L->weight_shape[0] = OUT, L->weight_shape[1] = (int)in;
    L->flops = 2LL * (long long)in * OUT;
    snprintf(L->name, sizeof L->name, "fc%d %zu->%d", L->ordinal, in, OUT);
    return NN_OK;
}

static const float *dense_forward(nn_layer *L, const nn_layer_pass *p, const float *inp,
                                  float *out)
{
    const int IN = (int)((size_t)L->h * L->w * L->c);
    nn_dense_forward(out, inp, p->params + L->weight_off, p->params + L->bias_off, p->B, IN,
                     L->oc);
    if (L->relu)
        nn_relu_forward(out, out, (size_t)p->B * L->oc);
    return out;
}

static void dense_backward(const nn_layer *L, const nn_layer_pass *p, float *dinp,
                           const float *dout)
{
    const int IN = (int)((size_t)L->h * L->w * L->c);
    nn_dense_backward(dinp, p->grads + L->weight_off, p->grads + L->bias_off, dout, L->inp,
                      p->params + L->weight_off, p->B, IN, L->oc);
}

const nn_layer_ops nn_layer_dense = {
    .tensor_prefix = "fc",
    .plan = dense_plan,
    .init = nn_layer_init_default,
    .forward = dense_forward,
    .backward = dense_backward,
};
