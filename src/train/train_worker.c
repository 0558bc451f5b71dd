/* train_worker: the training loop of one run, in its own thread. It owns the model while
 * it runs and publishes each batch and epoch under the run's mutex, then asks for one
 * merged notification. Each batch is one forward and one backward over the whole batch
 * (whole-batch GEMMs are what makes the engine fast); a cancel is noticed between layers
 * through the model's cancel flag (nn_model_set_cancel_flag). */
#include "train_run_private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_folder.h"
#include "data_synthetic.h"
#include "nn_checkpoint.h"
#include "nn_rng.h"
#include "nn_threads.h"
#include "train_dataset.h"
#include "train_process.h"

/* Streams of the run's seed (nn_rng_mix) so that model init, dropout masks, shuffling and
 * the split each get their own independent randomness. */
#define TRAIN_STREAM_DROPOUT 0xd7009u

static gint64
now_us(void)
{
    return g_get_monotonic_time();
}

static gsize
default_memory_limit(void)
{
    return train_default_memory_limit();
}

static void
fail_locked(TrainRun *run, TrainStatus status, const char *message)
{
    run->progress.status = status;
    g_free(run->message);
    run->message = g_strdup(message);
}

static void
fail(TrainRun *run, TrainStatus status, const char *message)
{
    g_mutex_lock(&run->mutex);
    fail_locked(run, status, message);
    g_mutex_unlock(&run->mutex);
}

static void
on_load_progress(int done, int total, gpointer user_data)
{
    TrainRun *run = user_data;

    g_mutex_lock(&run->mutex);
    run->progress.load_done = MAX(run->progress.load_done, done);
    run->progress.load_total = total;
    train_run_schedule_notify_locked(run);
    g_mutex_unlock(&run->mutex);
}

static DataSet *
load_dataset(TrainRun *run, GError **error)
{
    return train_dataset_load(&run->config, NULL, on_load_progress, run, run->cancellable, error);
}

/* Publishes the dataset and its split; from here on they never change. */
static void
publish_split(TrainRun *run, DataSet *set, const DataSplit *split, int batches_per_epoch)
{
    g_mutex_lock(&run->mutex);
    if (run->dataset == NULL)
        run->dataset = data_set_ref(set);
    run->num_classes = set->num_classes;
    run->class_names = g_strdupv(set->class_names);
    run->n_val = split->n_val;
    run->val_indices = g_memdup2(split->val, sizeof(int) * split->n_val);
    run->val_labels = g_new(int, split->n_val);
    run->val_sources = g_new0(char *, split->n_val + 1);
    for (int i = 0; i < split->n_val; i++) {
        run->val_labels[i] = set->labels[split->val[i]];
        run->val_sources[i] = g_strdup(set->sources && set->sources[split->val[i]]
                                           ? set->sources[split->val[i]]
                                           : "");
    }
    run->n_train = split->n_train;
    run->train_indices = g_memdup2(split->train, sizeof(int) * split->n_train);
    run->progress.batches_per_epoch = batches_per_epoch;
    run->progress.status = TRAIN_STATUS_RUNNING;
    train_run_schedule_notify_locked(run);
    g_mutex_unlock(&run->mutex);
}

/* Sets up the model, optimizer and validation batcher. FALSE with the run failed. */
static gboolean
prepare(TrainRun *run, DataSet *set, DataSplit **split_out, DataBatcher **train_out)
{
    const TrainConfig *c = &run->config;
    g_autofree char *message = NULL;
    g_autoptr(DataSplit) split = NULL;
    g_autoptr(GError) error = NULL;
    nn_spec spec;
    nn_error err;

    if (set->height != c->size || set->width != c->size) {
        message = g_strdup_printf("The dataset's images are %dx%d but the run's input size is %d.",
                                  set->width, set->height, c->size);
        goto failed;
    }
    if (!train_config_build_spec(c, set->num_classes, &spec, &error)) {
        message = g_strdup(error->message);
        goto failed;
    }

    split = data_split_new(set, c->val_split, c->split_seed);
    if (split == NULL || split->n_train == 0 || split->n_val == 0) {
        message = g_strdup_printf("%d images are too few to split into training and "
                                  "validation images with a validation split of %g.",
                                  set->count, c->val_split);
        goto failed;
    }

    nn_memory_estimate estimate;
    if (nn_model_estimate(&spec, c->size, c->size, 3, c->batch_size, c->optimizer, &estimate,
                          &err) != NN_OK) {
        message = g_strdup(err.message);
        goto failed;
    }
    run->chunk = c->batch_size;
    gsize limit = c->memory_limit ? c->memory_limit : default_memory_limit();
    if (nn_model_create(&run->model, &spec, c->size, c->size, 3, run->chunk, c->seed, limit,
                        c->optimizer, &err) != NN_OK) {
        message = g_strdup(err.message);
        goto failed;
    }
    nn_model_set_cancel_flag(run->model, &run->cancel_requested);
    /* Weights come from the seed alone (identical for every lr of a sweep); dropout
     * masks from a stream derived from it. */
    nn_model_set_dropout_seed(run->model, nn_rng_mix(c->seed, TRAIN_STREAM_DROPOUT, 0));

    nn_optimizer_config oc = nn_optimizer_config_default(c->optimizer);
    oc.lr = c->lr;
    oc.momentum = c->momentum;
    oc.nesterov = c->nesterov;
    oc.weight_decay = c->weight_decay_on ? c->weight_decay : 0.0;
    oc.decoupled = c->decoupled;
    if (nn_optimizer_init(&run->optimizer, &oc, nn_model_num_parameters(run->model), &err)
        != NN_OK) {
        message = g_strdup(err.message);
        goto failed;
    }

    run->norm = data_normalization_compute(set, split->train, split->n_train);
    *train_out = data_batcher_new(set, split->train, split->n_train, c->batch_size, TRUE,
                                  &c->augment, &run->norm, c->seed);
    run->val_batcher = data_batcher_new(set, split->val, split->n_val, run->chunk, FALSE,
                                        NULL, &run->norm, c->seed);
    publish_split(run, set, split, data_batcher_batches_per_epoch(*train_out));
    *split_out = g_steal_pointer(&split);
    return TRUE;

failed:
    fail(run, TRAIN_STATUS_FAILED, message);
    return FALSE;
}

static int
argmax(const float *p, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (p[i] > p[best])
            best = i;
    return best;
}

static gboolean
cancelled(TrainRun *run)
{
    return g_atomic_int_get(&run->cancel_requested) != 0;
}

typedef enum { STEP_OK, STEP_CANCELLED, STEP_DIVERGED } StepResult;

/* One optimizer step on batch. A cancel between layers leaves partial gradients, which
 * are thrown away (no step): the record stays at the last finished epoch. */
static StepResult
train_step(TrainRun *run, const DataBatch *batch, double *loss_out, int *correct_out)
{
    nn_model *m = run->model;
    const int B = batch->size, C = nn_model_num_classes(m);
    int correct = 0;

    if (cancelled(run))
        return STEP_CANCELLED;
    nn_model_zero_grad(m);
    float loss = nn_model_forward(m, batch->images, batch->labels, B, 1);
    if (nn_model_cancelled(m))
        return STEP_CANCELLED;
    if (!isfinite(loss)) {
        *loss_out = loss;
        return STEP_DIVERGED;
    }
    const float *probs = nn_model_probs(m);
    for (int i = 0; i < B; i++)
        correct += argmax(probs + (size_t) i * C, C) == batch->labels[i];
    nn_model_backward(m);
    if (nn_model_cancelled(m))
        return STEP_CANCELLED;
    nn_optimizer_step(&run->optimizer, nn_model_params(m), nn_model_grads(m));
    *loss_out = loss;
    *correct_out = correct;
    return STEP_OK;
}

gboolean train_run_validate(TrainRun *run, double *val_loss, double *val_accuracy,
                            TrainPrediction *predictions)
{
    nn_model *m = run->model;
    const int C = nn_model_num_classes(m);
    double loss_sum = 0;
    int correct = 0, done = 0;
    DataBatch batch;

    data_batcher_start_epoch(run->val_batcher, 0);
    while (data_batcher_next(run->val_batcher, &batch)) {
        if (cancelled(run))
            return FALSE;
        float loss = nn_model_forward(m, batch.images, batch.labels, batch.size, 0);
        if (nn_model_cancelled(m))
            return FALSE;
        loss_sum += (double) loss * batch.size;
        const float *probs = nn_model_probs(m);
        for (int i = 0; i < batch.size; i++) {
            const float *p = probs + (size_t) i * C;
            int predicted = argmax(p, C);
            correct += predicted == batch.labels[i];
            if (predictions)
                predictions[done + i] = (TrainPrediction) {
                    .predicted = (guint8) predicted,
                    .confidence = p[predicted],
                    .true_probability = p[batch.labels[i]],
                };
        }
        done += batch.size;
    }
    *val_loss = done ? loss_sum / done : NAN;
    *val_accuracy = done ? (double) correct / done : 0;
    return TRUE;
}

/* Waits while paused. FALSE when the run must end (stop or cancel). */
static gboolean
wait_while_paused(TrainRun *run, gint64 *paused_us)
{
    g_mutex_lock(&run->mutex);
    if (run->pause_requested && !run->stop_requested) {
        gint64 t0 = now_us();
        run->progress.status = TRAIN_STATUS_PAUSED;
        run->progress.eta_seconds = -1;
        train_run_schedule_notify_locked(run);
        while (run->pause_requested && !run->stop_requested)
            g_cond_wait(&run->cond, &run->mutex);
        run->progress.status = TRAIN_STATUS_RUNNING;
        train_run_schedule_notify_locked(run);
        *paused_us += now_us() - t0;
    }
    gboolean go_on = !run->stop_requested;
    g_mutex_unlock(&run->mutex);
    return go_on;
}

static void
diverge(TrainRun *run, int epoch, int batch, double loss)
{
    g_autofree char *lr = train_format_lr(run->config.lr);
    g_autofree char *lower = train_format_lr(run->config.lr / 100);
    const char *what = isnan(loss) ? "NaN" : "infinite";
    g_autofree char *message =
        batch >= 0
            ? g_strdup_printf("The loss became %s at epoch %d, batch %d: the learning rate %s "
                              "is too high for this network; try %s or lower.",
                              what, epoch + 1, batch + 1, lr, lower)
            : g_strdup_printf("The validation loss became %s at epoch %d: the learning rate "
                              "%s is too high for this network; try %s or lower.",
                              what, epoch + 1, lr, lower);
    g_mutex_lock(&run->mutex);
    fail_locked(run, TRAIN_STATUS_DIVERGED, message);
    run->progress.diverged_epoch = epoch;
    run->progress.diverged_batch = batch;
    g_mutex_unlock(&run->mutex);
}

static double
seconds_since(gint64 start, gint64 paused_us)
{
    return (double) (now_us() - start - paused_us) / G_USEC_PER_SEC;
}

/* Saves the finished epoch (and the best weights when they improved) before it is
 * published. A run that cannot keep its records stops rather than train unrecorded. */
static gboolean
save_epoch(TrainRun *run, const TrainEpoch *record, const TrainPrediction *predictions,
           gboolean best_improved)
{
    g_autoptr(GError) error = NULL;

    if (run->output_dir == NULL)
        return TRUE;
    if (best_improved) {
        g_autofree char *path = g_build_filename(run->output_dir, "best.ckpt", NULL);
        nn_error err;
        if (nn_checkpoint_save(path, run->model, &run->optimizer, &err) != NN_OK) {
            g_autofree char *message = g_strdup_printf("Cannot save the best weights: %s",
                                                       err.message);
            fail(run, TRAIN_STATUS_FAILED, message);
            return FALSE;
        }
    }
    if (!train_record_write_epoch(run, record, predictions, &error)) {
        g_autofree char *message = g_strdup_printf("Cannot write the run's records: %s",
                                                   error->message);
        fail(run, TRAIN_STATUS_FAILED, message);
        return FALSE;
    }
    return TRUE;
}

static void
train(TrainRun *run, DataBatcher *train_batcher)
{
    const TrainConfig *c = &run->config;
    const gint64 run_start = now_us();
    gint64 paused_us = 0;
    const int n_val = run->n_val;
    const size_t n_params = nn_model_num_parameters(run->model);
    const gboolean keep_best = c->restore_best && c->early_stop_patience > 0;
    g_autofree float *best_params = keep_best ? g_new(float, n_params) : NULL;
    g_autofree TrainPrediction *predictions = g_new0(TrainPrediction, n_val);
    const int bpe = data_batcher_batches_per_epoch(train_batcher);
    double best_val_loss = INFINITY;
    int epochs_without_improvement = 0;

    for (int epoch = 0; epoch < c->epochs; epoch++) {
        const gint64 epoch_start = now_us(), paused_before = paused_us;
        double loss_sum = 0, train_seconds = 0;
        int correct = 0, seen = 0, b = 0;
        DataBatch batch;

        data_batcher_start_epoch(train_batcher, epoch);
        while (data_batcher_next(train_batcher, &batch)) {
            if (!wait_while_paused(run, &paused_us))
                goto stopped;
            double loss;
            int batch_correct;
            switch (train_step(run, &batch, &loss, &batch_correct)) {
            case STEP_CANCELLED:
                goto stopped;
            case STEP_DIVERGED:
                diverge(run, epoch, b, loss);
                return;
            case STEP_OK:
                break;
            }
            loss_sum += loss * batch.size;
            correct += batch_correct;
            seen += batch.size;
            train_seconds = seconds_since(epoch_start, paused_us - paused_before);

            double elapsed = seconds_since(run_start, paused_us);
            double done = (epoch + (double) (b + 1) / bpe) / c->epochs;
            TrainBatchPoint point = {
                .epoch = epoch,
                .batch = b,
                .loss = loss,
                .accuracy = (double) batch_correct / batch.size,
                .lr = c->lr,
                .elapsed = elapsed,
            };
            g_mutex_lock(&run->mutex);
            g_array_append_val(run->batches, point);
            run->progress.epoch = epoch;
            run->progress.batch = b + 1;
            run->progress.elapsed = elapsed;
            run->progress.images_per_second = train_seconds > 0 ? seen / train_seconds : 0;
            run->progress.eta_seconds = elapsed / done - elapsed;
            train_run_schedule_notify_locked(run);
            g_mutex_unlock(&run->mutex);
            b++;
        }

        double val_loss, val_accuracy;
        if (!train_run_validate(run, &val_loss, &val_accuracy, predictions))
            goto stopped;
        if (!isfinite(val_loss)) {
            diverge(run, epoch, -1, val_loss);
            return;
        }

        gboolean improved = val_loss < best_val_loss - c->early_stop_min_delta;
        if (improved) {
            best_val_loss = val_loss;
            epochs_without_improvement = 0;
            if (best_params)
                memcpy(best_params, nn_model_params(run->model), n_params * sizeof(float));
        } else {
            epochs_without_improvement++;
        }

        TrainEpoch record = {
            .epoch = epoch,
            .loss = seen ? loss_sum / seen : NAN,
            .accuracy = seen ? (double) correct / seen : 0,
            .val_loss = val_loss,
            .val_accuracy = val_accuracy,
            .lr = c->lr,
            .seconds = seconds_since(epoch_start, paused_us - paused_before),
            .images_per_second = train_seconds > 0 ? seen / train_seconds : 0,
        };
        gboolean early_stop =
            c->early_stop_patience > 0 && epochs_without_improvement >= c->early_stop_patience;
        if (!save_epoch(run, &record, predictions, improved))
            return;
        g_mutex_lock(&run->mutex);
        g_array_append_val(run->epochs, record);
        g_array_append_vals(run->predictions, predictions, n_val);
        if (improved) {
            run->progress.best_epoch = epoch;
            run->progress.best_val_loss = val_loss;
            run->progress.best_val_accuracy = val_accuracy;
        }
        run->progress.epoch = MIN(epoch + 1, c->epochs - 1);
        run->progress.batch = epoch + 1 < c->epochs ? 0 : bpe;
        run->progress.elapsed = seconds_since(run_start, paused_us);
        run->progress.eta_seconds = run->progress.elapsed / (epoch + 1) * (c->epochs - epoch - 1);
        if (early_stop || epoch + 1 == c->epochs) {
            run->progress.status = early_stop ? TRAIN_STATUS_EARLY_STOPPED
                                              : TRAIN_STATUS_FINISHED;
            run->progress.eta_seconds = 0;
        }
        train_run_schedule_notify_locked(run);
        g_mutex_unlock(&run->mutex);

        if (run->output_dir)
            train_record_write_status(run, NULL);   /* informative; history is the record */
        if (early_stop && best_params)
            memcpy(nn_model_params(run->model), best_params, n_params * sizeof(float));
        if (early_stop)
            return;
    }
    return;

stopped:
    g_mutex_lock(&run->mutex);
    run->progress.status = TRAIN_STATUS_STOPPED;
    run->progress.eta_seconds = -1;
    g_mutex_unlock(&run->mutex);
}

gpointer train_run_worker(gpointer data)
{
    TrainRun *run = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = run->dataset ? data_set_ref(run->dataset) : NULL;
    g_autoptr(DataSplit) split = NULL;
    DataBatcher *train_batcher = NULL;

    /* OpenMP's thread count is per thread: set it on the thread that runs the engine. */
    train_process_lower_thread_priority();
    nn_set_threads(run->config.threads);

    if (set == NULL) {
        set = load_dataset(run, &error);
        if (set == NULL) {
            if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                fail(run, TRAIN_STATUS_STOPPED, NULL);
            else
                fail(run, TRAIN_STATUS_FAILED, error->message);
            goto done;
        }
    }
    if (cancelled(run)) {
        fail(run, TRAIN_STATUS_STOPPED, NULL);
        goto done;
    }
    if (!prepare(run, set, &split, &train_batcher))
        goto done;
    if (run->output_dir) {
        /* The split is known now: an empty predictions file that names the images. */
        if (!train_record_write_epoch(run, NULL, NULL, &error) ||
            !train_record_write_status(run, &error)) {
            g_autofree char *message = g_strdup_printf("Cannot write the run's records: %s",
                                                       error->message);
            fail(run, TRAIN_STATUS_FAILED, message);
            goto done;
        }
    }
    train(run, train_batcher);

done:
    g_clear_pointer(&train_batcher, data_batcher_free);
    /* A finished run keeps its model (train_run_evaluate) but not a batcher thread;
     * evaluation makes a new one. */
    g_clear_pointer(&run->val_batcher, data_batcher_free);
    g_mutex_lock(&run->mutex);
    if (train_status_is_active(run->progress.status))
        run->progress.status = TRAIN_STATUS_STOPPED;
    run->progress.eta_seconds = 0;
    g_mutex_unlock(&run->mutex);
    /* The final status reaches the folder before train_run_wait() returns. */
    if (run->output_dir)
        train_record_write_status(run, NULL);

    g_mutex_lock(&run->mutex);
    run->worker_done = TRUE;
    g_cond_broadcast(&run->cond);
    train_run_schedule_notify_locked(run);
    g_mutex_unlock(&run->mutex);

    train_run_unref(run);
    return NULL;
}
