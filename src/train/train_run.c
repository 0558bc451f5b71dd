/* train_run: the public side of a training run: creation, the controls a consumer calls
 * from its own thread (start, pause, stop, cancel), the copies of the record it reads
 * under the run's mutex, and the one merged idle notification that tells it of news.
 * The training loop itself is train_worker.c; the run folder is train_record.c. */
#include "train_run_private.h"

#include <errno.h>
#include <math.h>
#include <string.h>

const char *train_status_to_string(TrainStatus status)
{
    switch (status) {
    case TRAIN_STATUS_READY: return "ready";
    case TRAIN_STATUS_LOADING: return "loading";
    case TRAIN_STATUS_RUNNING: return "running";
    case TRAIN_STATUS_PAUSED: return "paused";
    case TRAIN_STATUS_FINISHED: return "finished";
    case TRAIN_STATUS_STOPPED: return "stopped";
    case TRAIN_STATUS_EARLY_STOPPED: return "early-stopped";
    case TRAIN_STATUS_DIVERGED: return "diverged";
    case TRAIN_STATUS_FAILED: return "failed";
    }
    return "unknown";
}

gboolean train_status_is_active(TrainStatus status)
{
    return status == TRAIN_STATUS_LOADING || status == TRAIN_STATUS_RUNNING ||
           status == TRAIN_STATUS_PAUSED;
}

TrainRun *train_run_new(const TrainConfig *config, DataSet *dataset)
{
    g_return_val_if_fail(config != NULL, NULL);

    TrainRun *run = g_new0(TrainRun, 1);
    g_atomic_ref_count_init(&run->ref);
    train_config_copy(&run->config, config);
    g_mutex_init(&run->mutex);
    g_cond_init(&run->cond);
    run->name = g_strdup(config->name);
    run->epochs = g_array_new(FALSE, TRUE, sizeof(TrainEpoch));
    run->batches = g_array_new(FALSE, TRUE, sizeof(TrainBatchPoint));
    run->predictions = g_array_new(FALSE, TRUE, sizeof(TrainPrediction));
    run->cancellable = g_cancellable_new();
    run->dataset = dataset ? data_set_ref(dataset) : NULL;
    run->progress = (TrainProgress) {
        .status = TRAIN_STATUS_READY,
        .epochs = config->epochs,
        .eta_seconds = -1,
        .best_epoch = -1,
        .best_val_loss = INFINITY,
        .diverged_epoch = -1,
        .diverged_batch = -1,
    };
    return run;
}

TrainRun *train_run_ref(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    g_atomic_ref_count_inc(&run->ref);
    return run;
}

static void
train_run_finalize(TrainRun *run)
{
    /* The worker held a reference until its very end, so it has finished or is about
     * to return; when this is that worker's own last reference, it cannot join itself. */
    if (run->thread) {
        if (g_thread_self() == run->thread)
            g_thread_unref(run->thread);
        else
            g_thread_join(run->thread);
    }
    if (run->notify_destroy)
        run->notify_destroy(run->notify_data);
    g_clear_pointer(&run->notify_context, g_main_context_unref);
    g_clear_pointer(&run->val_batcher, data_batcher_free);
    g_clear_pointer(&run->model, nn_model_free);
    nn_optimizer_free(&run->optimizer);
    g_clear_pointer(&run->dataset, data_set_unref);
    g_clear_pointer(&run->class_names, g_strfreev);
    g_clear_pointer(&run->val_sources, g_strfreev);
    g_free(run->val_indices);
    g_free(run->val_labels);
    g_free(run->train_indices);
    g_array_unref(run->epochs);
    g_array_unref(run->batches);
    g_array_unref(run->predictions);
    g_clear_object(&run->cancellable);
    g_free(run->message);
    g_free(run->name);
    g_free(run->output_dir);
    train_config_clear(&run->config);
    g_mutex_clear(&run->mutex);
    g_cond_clear(&run->cond);
    g_free(run);
}

void train_run_unref(TrainRun *run)
{
    g_return_if_fail(run != NULL);
    if (g_atomic_ref_count_dec(&run->ref))
        train_run_finalize(run);
}

const TrainConfig *train_run_get_config(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    return &run->config;
}

char *train_run_dup_name(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    char *name = g_strdup(run->name);
    g_mutex_unlock(&run->mutex);
    if (name == NULL || name[0] == '\0') {
        g_free(name);
        g_autofree char *lr = train_format_lr(run->config.lr);
        name = g_strdup_printf("%s, lr %s%s", run->config.model, lr,
                               run->config.dropout ? "" : ", dropout off");
    }
    return name;
}

void train_run_set_name(TrainRun *run, const char *name)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    g_free(run->name);
    run->name = g_strdup(name);
    g_free(run->config.name);
    run->config.name = g_strdup(name);
    g_mutex_unlock(&run->mutex);
    /* A finished run's folder keeps the new name; a running one writes it next epoch. */
    if (run->output_dir && !train_status_is_active(train_run_get_status(run)))
        train_record_write_config(run, NULL);
}

void train_run_set_output_dir(TrainRun *run, const char *dir)
{
    g_return_if_fail(run != NULL);
    g_return_if_fail(!run->started);

    g_free(run->output_dir);
    run->output_dir = g_strdup(dir);
}

const char *train_run_get_output_dir(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    return run->output_dir;
}

static gboolean
notify_dispatch(gpointer data)
{
    TrainRun *run = data;

    /* Cleared before calling out, so news that arrives while the consumer reads
     * schedules the next notification rather than being lost. */
    g_mutex_lock(&run->mutex);
    run->notify_pending = FALSE;
    TrainRunNotify notify = run->notify;
    gpointer user_data = run->notify_data;
    g_mutex_unlock(&run->mutex);
    if (notify)
        notify(run, user_data);
    return G_SOURCE_REMOVE;
}

void train_run_schedule_notify_locked(TrainRun *run)
{
    if (run->notify == NULL || run->notify_pending)
        return;
    run->notify_pending = TRUE;
    GSource *source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_LOW);
    g_source_set_callback(source, notify_dispatch, train_run_ref(run),
                          (GDestroyNotify) train_run_unref);
    g_source_set_static_name(source, "[lrlab] training run news");
    g_source_attach(source, run->notify_context);
    g_source_unref(source);
}

void train_run_set_notify(TrainRun *run, GMainContext *ctx, TrainRunNotify notify,
                          gpointer user_data, GDestroyNotify destroy)
{
    g_return_if_fail(run != NULL);

    if (ctx == NULL)
        ctx = g_main_context_get_thread_default();
    if (ctx == NULL)
        ctx = g_main_context_default();

    g_mutex_lock(&run->mutex);
    GDestroyNotify old_destroy = run->notify_destroy;
    gpointer old_data = run->notify_data;
    g_clear_pointer(&run->notify_context, g_main_context_unref);
    run->notify_context = g_main_context_ref(ctx);
    run->notify = notify;
    run->notify_data = user_data;
    run->notify_destroy = destroy;
    g_mutex_unlock(&run->mutex);
    if (old_destroy)
        old_destroy(old_data);
}

gboolean train_run_start(TrainRun *run, GError **error)
{
    g_return_val_if_fail(run != NULL, FALSE);

    if (run->started || run->loaded_from_disk) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                            run->loaded_from_disk
                                ? "A run read back from its folder cannot be started again."
                                : "This run has already been started.");
        return FALSE;
    }
    if (!train_config_validate(&run->config, error))
        return FALSE;
    if (run->dataset && (run->dataset->height != run->config.size ||
                         run->dataset->width != run->config.size)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "The dataset's images are %dx%d but the run's input size is %d.",
                    run->dataset->width, run->dataset->height, run->config.size);
        return FALSE;
    }
    /* The folder and its config.ini are made here, so a bad --out is reported at once
     * and not after the dataset was generated. */
    if (run->output_dir) {
        if (g_mkdir_with_parents(run->output_dir, 0755) != 0) {
            int saved = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                        "Cannot create the run folder %s: %s", run->output_dir,
                        g_strerror(saved));
            return FALSE;
        }
        if (!train_record_write_config(run, error) || !train_record_write_epoch(run, NULL, NULL, error) ||
            !train_record_write_status(run, error))
            return FALSE;
    }

    run->started = TRUE;
    g_mutex_lock(&run->mutex);
    run->progress.status = TRAIN_STATUS_LOADING;
    g_mutex_unlock(&run->mutex);
    run->thread = g_thread_try_new("lrlab-train", train_run_worker, train_run_ref(run), error);
    if (run->thread == NULL) {
        g_mutex_lock(&run->mutex);
        run->progress.status = TRAIN_STATUS_FAILED;
        run->worker_done = TRUE;
        g_mutex_unlock(&run->mutex);
        train_run_unref(run);
        return FALSE;
    }
    return TRUE;
}

void train_run_pause(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    run->pause_requested = TRUE;
    g_mutex_unlock(&run->mutex);
}

void train_run_resume(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    run->pause_requested = FALSE;
    g_cond_broadcast(&run->cond);
    g_mutex_unlock(&run->mutex);
}

void train_run_stop(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    run->stop_requested = TRUE;
    g_cond_broadcast(&run->cond);
    g_mutex_unlock(&run->mutex);
}

void train_run_cancel(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_atomic_int_set(&run->cancel_requested, 1);
    g_cancellable_cancel(run->cancellable);
    g_mutex_lock(&run->mutex);
    run->stop_requested = TRUE;
    g_cond_broadcast(&run->cond);
    g_mutex_unlock(&run->mutex);
}

void train_run_wait(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    while (run->started && !run->worker_done)
        g_cond_wait(&run->cond, &run->mutex);
    g_mutex_unlock(&run->mutex);
}

TrainProgress train_run_get_progress(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, (TrainProgress) { 0 });

    g_mutex_lock(&run->mutex);
    TrainProgress progress = run->progress;
    g_mutex_unlock(&run->mutex);
    return progress;
}

TrainStatus train_run_get_status(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, TRAIN_STATUS_FAILED);

    g_mutex_lock(&run->mutex);
    TrainStatus status = run->progress.status;
    g_mutex_unlock(&run->mutex);
    return status;
}

char *train_run_dup_message(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    char *message = g_strdup(run->message);
    g_mutex_unlock(&run->mutex);
    return message;
}

static GArray *
copy_array_from(GArray *array, guint from)
{
    GArray *copy = g_array_sized_new(FALSE, TRUE, g_array_get_element_size(array),
                                     array->len > from ? array->len - from : 0);
    if (array->len > from)
        g_array_append_vals(copy, array->data + (gsize) from * g_array_get_element_size(array),
                            array->len - from);
    return copy;
}

GArray *train_run_dup_epochs(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    GArray *copy = copy_array_from(run->epochs, 0);
    g_mutex_unlock(&run->mutex);
    return copy;
}

GArray *train_run_dup_batches(TrainRun *run, guint from)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    GArray *copy = copy_array_from(run->batches, from);
    g_mutex_unlock(&run->mutex);
    return copy;
}

/* The fields below are set once, under the mutex, before the status leaves LOADING;
 * reading the pointer under the mutex is enough since they never change afterwards. */
#define GET_ONCE(type, field)                     \
    g_mutex_lock(&run->mutex);                    \
    type value_ = (type) run->field;              \
    g_mutex_unlock(&run->mutex);                  \
    return value_

DataSet *train_run_get_dataset(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    /* Before loading finished a given dataset is already here; the header promises NULL
     * until the split exists, so galleries never see a dataset without its split. */
    g_mutex_lock(&run->mutex);
    DataSet *set = run->val_indices ? run->dataset : NULL;
    g_mutex_unlock(&run->mutex);
    return set;
}

const int *train_run_get_val_indices(TrainRun *run, int *n_val)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    const int *indices = run->val_indices;
    if (n_val)
        *n_val = indices ? run->n_val : 0;
    g_mutex_unlock(&run->mutex);
    return indices;
}

const int *train_run_get_train_indices(TrainRun *run, int *n_train)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    const int *indices = run->train_indices;
    if (n_train)
        *n_train = indices ? run->n_train : 0;
    g_mutex_unlock(&run->mutex);
    return indices;
}

int train_run_get_num_classes(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, 0);
    GET_ONCE(int, num_classes);
}

const char *const *train_run_get_class_names(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    GET_ONCE(const char *const *, class_names);
}

const char *const *train_run_get_val_sources(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    GET_ONCE(const char *const *, val_sources);
}

int train_run_get_n_prediction_epochs(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, 0);

    g_mutex_lock(&run->mutex);
    int n = run->n_val > 0 ? (int) (run->predictions->len / run->n_val) : 0;
    g_mutex_unlock(&run->mutex);
    return n;
}

gboolean train_run_get_predictions(TrainRun *run, int epoch, TrainPrediction *out)
{
    g_return_val_if_fail(run != NULL && out != NULL, FALSE);

    g_mutex_lock(&run->mutex);
    gboolean ok = run->n_val > 0 && epoch >= 0 &&
                  (guint) (epoch + 1) * run->n_val <= run->predictions->len;
    if (ok)
        memcpy(out, &g_array_index(run->predictions, TrainPrediction, (gsize) epoch * run->n_val),
               sizeof(TrainPrediction) * run->n_val);
    g_mutex_unlock(&run->mutex);
    return ok;
}

gboolean train_run_evaluate(TrainRun *run, double *val_loss, double *val_accuracy,
                            GError **error)
{
    g_return_val_if_fail(run != NULL, FALSE);

    g_mutex_lock(&run->mutex);
    gboolean ready = run->worker_done && run->model != NULL && run->dataset != NULL &&
                     run->val_indices != NULL;
    g_mutex_unlock(&run->mutex);
    if (!ready) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                            "This run has no trained model to evaluate (it is still "
                            "running, never built one, or was read from disk).");
        return FALSE;
    }
    double loss = 0, accuracy = 0;
    /* A finished run's cancel flag may be set (it was stopped); evaluation must not
     * stop at it. */
    gint cancel = g_atomic_int_get(&run->cancel_requested);
    g_atomic_int_set(&run->cancel_requested, 0);
    run->val_batcher = data_batcher_new(run->dataset, run->val_indices, run->n_val, run->chunk,
                                        FALSE, NULL, &run->norm, run->config.seed);
    train_run_validate(run, &loss, &accuracy, NULL);
    g_clear_pointer(&run->val_batcher, data_batcher_free);
    g_atomic_int_set(&run->cancel_requested, cancel);
    if (val_loss)
        *val_loss = loss;
    if (val_accuracy)
        *val_accuracy = accuracy;
    return TRUE;
}
