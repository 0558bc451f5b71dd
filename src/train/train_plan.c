/* train_plan: a run's memory, counted once for everyone who asks (see train_plan.h). */
#include "train_plan.h"

#include <glib/gi18n.h>
#include <string.h>

#include "data_batcher.h"

gboolean train_plan_memory(const TrainConfig *config, const nn_spec *spec, TrainPlan *plan,
                           GError **error)
{
    g_return_val_if_fail(config != NULL && spec != NULL && plan != NULL, FALSE);

    nn_error err;
    memset(plan, 0, sizeof *plan);
    if (nn_model_estimate(spec, config->size, config->size, 3, config->batch_size,
                          config->optimizer, &plan->model, &err) != NN_OK) {
        memset(plan, 0, sizeof *plan);
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, err.message);
        return FALSE;
    }
    /* The worker's two batchers: training at batch_size, validation in chunks of it. */
    plan->batcher_bytes = 2 * data_batcher_bytes(config->size, config->size, config->batch_size);
    plan->total_bytes = plan->model.total_bytes + plan->batcher_bytes;
    plan->limit_bytes = train_config_memory_limit(config);
    if (plan->limit_bytes == 0 || plan->total_bytes <= plan->limit_bytes)
        return TRUE;

    g_autofree char *need = g_format_size(plan->total_bytes);
    g_autofree char *network = g_format_size(plan->model.total_bytes);
    g_autofree char *batches = g_format_size(plan->batcher_bytes);
    g_autofree char *limit = g_format_size(plan->limit_bytes);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                _("Too big for this computer: training needs %s at batch size %d (the network "
                "%s, its batches %s), but the memory limit is %s. Choose a smaller batch, "
                "image size or network."), need, config->batch_size, network, batches, limit);
    return FALSE;
}
