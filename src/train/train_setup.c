/* train_setup: a run's network and optimizer from its config (see train_setup.h). */
#include "train_setup.h"

#include "nn_rng.h"

/* Streams of the run's seed (nn_rng_mix) so that model init, dropout masks, shuffling and
 * the split each get their own independent randomness. */
#define TRAIN_STREAM_DROPOUT 0xd7009u

nn_status train_setup_model(nn_model **out, const TrainConfig *c, const nn_spec *spec,
                            nn_error *err)
{
    nn_status status = nn_model_create(out, spec, c->size, c->size, 3, c->batch_size, c->seed,
                                       train_config_memory_limit(c), c->optimizer, err);
    if (status != NN_OK)
        return status;
    nn_model_set_dropout_seed(*out, nn_rng_mix(c->seed, TRAIN_STREAM_DROPOUT, 0));
    return NN_OK;
}

nn_status train_setup_optimizer(nn_optimizer *opt, const TrainConfig *c, size_t n_params,
                                nn_error *err)
{
    nn_optimizer_config oc = nn_optimizer_config_default(c->optimizer);
    oc.lr = c->lr;
    oc.momentum = c->momentum;
    oc.nesterov = c->nesterov;
    oc.weight_decay = c->weight_decay_on ? c->weight_decay : 0.0;
    oc.decoupled = c->decoupled;
    return nn_optimizer_init(opt, &oc, n_params, err);
}
