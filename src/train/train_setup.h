/* train_setup: the network and optimizer a run's config gives, built one way for the run's
 * worker and for the learning-rate finder, so the finder starts from exactly the weights
 * the run would start from (same seed, same spec, same dropout stream) and steps with the
 * same optimizer. Private to src/train. */
#pragma once
#include "nn_model.h"
#include "nn_optim.h"
#include "train_config.h"

/* The model for spec (train_config_build_spec) at config's input size and batch, its
 * weights drawn from config->seed alone (identical for every rate of a sweep), within
 * train_config_memory_limit(config), with its dropout masks from a stream derived from
 * the seed. */
nn_status train_setup_model(nn_model **out, const TrainConfig *config, const nn_spec *spec,
                            nn_error *err);

/* config's optimizer (Adam or SGD, momentum, weight decay) at config->lr for n_params. */
nn_status train_setup_optimizer(nn_optimizer *opt, const TrainConfig *config,
                                size_t n_params, nn_error *err);
