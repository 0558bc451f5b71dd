/* nn_layer_dropout: inverted dropout as a model layer (spec token dR): in training a
 * fresh mask per forward (or one the caller injected), in evaluation the identity. */
#include <stdio.h>
#include <string.h>

#include "nn_dropout.h"
#include "nn_layer.h"

static nn_status dropout_plan(nn_layer *L, const nn_layer_plan_args *a, nn_error *err)
{
    if (!(L->spec.rate >= 0.0f && L->spec.rate < 1.0f))
        return nn_layer_invalid(a, err);
    L->oh = L->h, L->ow = L->w, L->oc = L->c;
    L->dropout_index = L->ordinal - 1;
    L->aux_size = (size_t)L->h * L->w * L->c;   /* the mask */
    snprintf(L->name, sizeof L->name, "dropout%d %g", L->ordinal, (double)L->spec.rate);
    return NN_OK;
}

static const float *dropout_forward(nn_layer *L, const nn_layer_pass *p, const float *inp,
                                    float *out)
{
    if (!p->training)
        return inp;   /* evaluation: the identity, no copy */
    const size_t n = (size_t)p->B * L->oh * L->ow * L->oc;
    float *mask = p->acts + L->aux_off;
    const float *inject = p->injected_mask[L->dropout_index];
    if (inject) {
        /* a mask the caller chose: out = inp * mask */
        memcpy(mask, inject, n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            out[i] = inp[i] * mask[i];
    } else {
        uint64_t seed = nn_rng_mix(p->dropout_seed, p->forward_counter,
                                   (uint64_t)L->dropout_index);
        nn_dropout_forward(out, mask, inp, n, L->spec.rate, seed);
    }
    return out;
}

static void dropout_backward(const nn_layer *L, const nn_layer_pass *p, float *dinp,
                             const float *dout)
{
    nn_dropout_backward(dinp, dout, p->acts + L->aux_off,
                        (size_t)p->B * L->oh * L->ow * L->oc);
}

const nn_layer_ops nn_layer_dropout = {
    .plan = dropout_plan,
    .forward = dropout_forward,
    .backward = dropout_backward,
};
