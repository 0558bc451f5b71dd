/* nn_layer: the table of layer kinds, and what the kinds share: PyTorch's default
 * initialisation and the plan's message for an out-of-range layer. */
#include "nn_layer.h"

#include <math.h>

const nn_layer_ops *nn_layer_ops_of(nn_layer_kind kind)
{
    static const nn_layer_ops *const kinds[] = {
        [NN_LAYER_CONV] = &nn_layer_conv,
        [NN_LAYER_POOL] = &nn_layer_pool,
        [NN_LAYER_DENSE] = &nn_layer_dense,
        [NN_LAYER_DROPOUT] = &nn_layer_dropout,
    };
    if ((int)kind < 0 || (size_t)kind >= sizeof kinds / sizeof kinds[0])
        return NULL;
    return kinds[kind];
}

void nn_layer_init_default(const nn_layer *L, float *params, nn_rng *rng)
{
    size_t n_weight = 1;
    for (int d = 0; d < L->weight_ndim; d++)
        n_weight *= (size_t)L->weight_shape[d];
    /* fan_in = C*K*K for a conv, IN for a dense layer: the weight's size per output */
    float bound = (float)(1.0 / sqrt((double)(n_weight / (size_t)L->weight_shape[0])));
    for (size_t i = 0; i < n_weight; i++)
        params[L->weight_off + i] = nn_rng_uniform_range(rng, -bound, bound);
    for (int i = 0; i < L->oc; i++)
        params[L->bias_off + i] = nn_rng_uniform_range(rng, -bound, bound);
}

nn_status nn_layer_invalid(const nn_layer_plan_args *a, nn_error *err)
{
    return nn_error_set(err, NN_ERR_SPEC, "token %d '%s': invalid layer", a->index, a->token);
}
