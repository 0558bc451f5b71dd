/* train_plan: what a run needs in memory before anything is allocated: the network
 * (nn_model_estimate at the run's batch size: weights, gradients, optimizer state,
 * activations, scratch) and what the run allocates around it, the two batchers' buffers
 * (data_batcher_bytes), against train_config_memory_limit. One function for the worker's
 * prepare(), the settings panel's estimate and lrlab-train's plan, so that what the panel
 * and the plan say fits is what the worker then builds, and what does not fit is refused
 * in words before a multi-gigabyte allocation can abort the program. The dataset's own
 * pixels are checked where they are made (data_folder_load's memory limit). */
#pragma once
#include <gio/gio.h>
#include "nn_model.h"
#include "train_config.h"

typedef struct {
    nn_memory_estimate model;  /* the network at config->batch_size */
    gsize batcher_bytes;       /* the training and validation batchers (both batch_size) */
    gsize total_bytes;         /* model.total_bytes + batcher_bytes */
    gsize limit_bytes;         /* train_config_memory_limit; 0: no limit known */
} TrainPlan;

/* spec: the network the run trains (train_config_build_spec, or the panel's typed spec).
 * FALSE with G_IO_ERROR_INVALID_ARGUMENT and the engine's words when the spec does not
 * fit the input size (plan zeroed), or G_IO_ERROR_NO_SPACE when total_bytes is over the
 * limit: "Too big for this computer: training needs 29.0 GB at batch size 4096 (the
 * network 1.2 GB, its batches 27.8 GB), but the memory limit is 17.2 GB. ..." (plan
 * filled, so a caller can word it itself). */
gboolean train_plan_memory(const TrainConfig *config, const nn_spec *spec, TrainPlan *plan,
                           GError **error);
