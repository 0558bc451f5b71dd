/* nn_layer_pool: 2x2 max pooling as a model layer (spec token p): the plan (it fails
 * when the feature map would shrink below 1x1), forward recording each window's winner,
 * backward writing each window's gradient to its winner (and 0 to the rest). */
#include <stdio.h>

#include "nn_layer.h"
#include "nn_maxpool.h"

static nn_status pool_plan(nn_layer *L, const nn_layer_plan_args *a, nn_error *err)
{
    if (L->h / 2 < 1 || L->w / 2 < 1)
        return nn_error_set(err, NN_ERR_SPEC,
                            "token %d '%s': the feature map shrinks below 1x1 here "
                            "(%dx%d -> %dx%d) for a %dx%d input; remove a pooling layer "
                            "or use a larger input",
                            a->index, a->token, L->h, L->w, L->h / 2, L->w / 2, a->input_h,
                            a->input_w);
    L->oh = L->h / 2, L->ow = L->w / 2, L->oc = L->c;
    L->aux_size = (size_t)L->oh * L->ow * L->oc;   /* the argmax, ints */
    snprintf(L->name, sizeof L->name, "pool%d %dx%d->%dx%d", L->ordinal, L->h, L->w, L->oh,
             L->ow);
    return NN_OK;
}

static const float *pool_forward(nn_layer *L, const nn_layer_pass *p, const float *inp,
                                 float *out)
{
    nn_maxpool_forward(out, (int *)(p->acts + L->aux_off), inp, p->B, L->h, L->w, L->c);
    return out;
}

static void pool_backward(const nn_layer *L, const nn_layer_pass *p, float *dinp,
                          const float *dout)
{
    nn_maxpool_backward(dinp, dout, (const int *)(p->acts + L->aux_off), p->B, L->h, L->w,
                        L->c);
}

const nn_layer_ops nn_layer_pool = {
    .applies_relu_below = 1,
    .writes_dinp = 1,
    .plan = pool_plan,
    .forward = pool_forward,
    .backward = pool_backward,
};
