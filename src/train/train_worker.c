/* train_worker: the training loop of one run, in its own thread. It owns the model while
 * it runs, writes each epoch's records, and tells its owner of each batch and epoch
 * through TrainWorkerHost (train_worker.h), which takes the owner's lock on its behalf.
 * Each batch is one forward and one backward over the whole batch (whole-batch GEMMs are
 * what makes the engine fast); a cancel is noticed between layers through the model's
 * cancel flag (nn_model_set_cancel_flag). */
#include "train_worker.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_batcher.h"
#include "data_split.h"
#include "nn_checkpoint.h"
#include "nn_model.h"
#include "nn_optim.h"
#include "nn_rng.h"
#include "nn_threads.h"
#include "train_dataset.h"
#include "train_process.h"
#include "train_setup.h"

struct _TrainWorker {
    /* Fixed at creation. */
    TrainConfig config;
    char *output_dir;                /* NULL: no records */
    const TrainWorkerHost *host;
    gpointer owner;
    gint cancel;                     /* atomic; the model reads it between layers */
    GCancellable *cancellable;       /* dataset loading */

    /* The worker thread's until finish, then the owner's (train_worker.h). */
    DataSet *set;
    DataSplit *split;                /* set once prepare() succeeded */
    TrainRecordSplit record_split;   /* what predictions.bin and status.ini name */
    nn_model *model;
    nn_optimizer optimizer;          /* config.lr is the rate of the batch being trained */
    TrainScheduleState schedule_state; /* what the schedule learned (plateau); checkpointed */
    DataNormalization norm;
    int chunk;                       /* images per forward/backward call */
    DataBatcher *train_batcher;      /* shuffled, augmented, batch_size per batch */
    DataBatcher *val_batcher;        /* plain, in split order, chunk per batch */
    GArray *epochs;                  /* TrainEpoch: what history.csv holds */
    GArray *predictions;             /* TrainPrediction, n_val per epoch: predictions.bin */
    TrainProgress progress;          /* what the owner last heard, plus what is new */
    char *message;                   /* for the user, when FAILED or DIVERGED */
};

TrainWorker *train_worker_new(const TrainConfig *config, DataSet *dataset,
                              const char *output_dir, const TrainWorkerHost *host,
                              gpointer owner)
{
    TrainWorker *w = g_new0(TrainWorker, 1);
    train_config_copy(&w->config, config);
    w->output_dir = g_strdup(output_dir);
    w->host = host;
    w->owner = owner;
    w->cancellable = g_cancellable_new();
    w->set = dataset ? data_set_ref(dataset) : NULL;
    w->epochs = g_array_new(FALSE, TRUE, sizeof(TrainEpoch));
    w->predictions = g_array_new(FALSE, TRUE, sizeof(TrainPrediction));
    w->progress = train_progress_init(config->epochs);
    w->progress.status = TRAIN_STATUS_LOADING;
    return w;
}

void train_worker_free(TrainWorker *w)
{
    if (w == NULL)
        return;
    g_clear_pointer(&w->train_batcher, data_batcher_free);
    g_clear_pointer(&w->val_batcher, data_batcher_free);
    g_clear_pointer(&w->model, nn_model_free);
    nn_optimizer_free(&w->optimizer);
    g_clear_pointer(&w->split, data_split_free);
    train_record_split_clear(&w->record_split);
    g_clear_pointer(&w->set, data_set_unref);
    g_array_unref(w->epochs);
    g_array_unref(w->predictions);
    g_clear_object(&w->cancellable);
    g_free(w->message);
    g_free(w->output_dir);
    train_config_clear(&w->config);
    g_free(w);
}

void train_worker_cancel(TrainWorker *w)
{
    g_atomic_int_set(&w->cancel, 1);
    g_cancellable_cancel(w->cancellable);
}

static gint64
now_us(void)
{
    return g_get_monotonic_time();
}

/* The run ends with status and message; the owner hears it at finish. */
static void
fail(TrainWorker *w, TrainStatus status, const char *message)
{
    w->progress.status = status;
    g_free(w->message);
    w->message = g_strdup(message);
}

static void
on_load_progress(int done, int total, gpointer user_data)
{
    TrainWorker *w = user_data;

    w->host->loading(w->owner, done, total);
}

static DataSet *
load_dataset(TrainWorker *w, GError **error)
{
    return train_dataset_load(&w->config, NULL, on_load_progress, w, w->cancellable, error);
}

/* The split as the records name it: class names, and the label and source of each
 * validation image. */
static void
build_record_split(TrainRecordSplit *out, const DataSet *set, const DataSplit *split)
{
    out->num_classes = set->num_classes;
    out->class_names = g_strdupv(set->class_names);
    out->n_val = split->n_val;
    out->val_indices = g_memdup2(split->val, sizeof(int) * split->n_val);
    out->val_labels = g_new(int, split->n_val);
    out->val_sources = g_new0(char *, split->n_val + 1);
    for (int i = 0; i < split->n_val; i++) {
        out->val_labels[i] = set->labels[split->val[i]];
        out->val_sources[i] = g_strdup(set->sources && set->sources[split->val[i]]
                                           ? set->sources[split->val[i]]
                                           : "");
    }
}

/* The validation images in split order, chunk at a time, never augmented. */
static DataBatcher *
val_batcher_new(TrainWorker *w)
{
    return data_batcher_new(w->set, w->split->val, w->split->n_val, w->chunk, FALSE, NULL,
                            &w->norm, w->config.seed);
}

/* Sets up the model, optimizer and batchers. FALSE with the run failed. */
static gboolean
prepare(TrainWorker *w)
{
    const TrainConfig *c = &w->config;
    DataSet *set = w->set;
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
    w->chunk = c->batch_size;
    /* Weights come from the seed alone (identical for every lr of a sweep, and for the
     * learning-rate finder); dropout masks from a stream derived from it. */
    if (train_setup_model(&w->model, c, &spec, &err) != NN_OK) {
        message = g_strdup(err.message);
        goto failed;
    }
    nn_model_set_cancel_flag(w->model, &w->cancel);

    if (train_setup_optimizer(&w->optimizer, c, nn_model_num_parameters(w->model), &err)
        != NN_OK) {
        message = g_strdup(err.message);
        goto failed;
    }

    train_schedule_state_init(&w->schedule_state, c->lr);

    w->norm = data_normalization_compute(set, split->train, split->n_train);
    w->split = g_steal_pointer(&split);
    w->train_batcher = data_batcher_new(set, w->split->train, w->split->n_train,
                                        c->batch_size, TRUE, &c->augment, &w->norm, c->seed);
    w->val_batcher = val_batcher_new(w);
    build_record_split(&w->record_split, set, w->split);
    w->progress.batches_per_epoch = data_batcher_batches_per_epoch(w->train_batcher);
    w->progress.status = TRAIN_STATUS_RUNNING;
    return TRUE;

failed:
    fail(w, TRAIN_STATUS_FAILED, message);
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
cancelled(TrainWorker *w)
{
    return g_atomic_int_get(&w->cancel) != 0;
}

typedef enum { STEP_OK, STEP_CANCELLED, STEP_DIVERGED } StepResult;

/* One optimizer step on batch. A cancel between layers leaves partial gradients, which
 * are thrown away (no step): the record stays at the last finished epoch. */
static StepResult
train_step(TrainWorker *w, const DataBatch *batch, double *loss_out, int *correct_out)
{
    nn_model *m = w->model;
    const int B = batch->size, C = nn_model_num_classes(m);
    int correct = 0;

    if (cancelled(w))
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
    nn_optimizer_step(&w->optimizer, nn_model_params(m), nn_model_grads(m));
    *loss_out = loss;
    *correct_out = correct;
    return STEP_OK;
}

/* Per-image forward passes over batcher's images with the model's current weights; the
 * plain evaluation both the epoch's validation and train_worker_evaluate use. predictions
 * (one per image) may be NULL. cancel (NULL: never) is checked before each chunk, and the
 * model checks its own flag between layers. FALSE when cancelled. */
static gboolean
validate(nn_model *m, DataBatcher *batcher, const gint *cancel, double *val_loss,
         double *val_accuracy, TrainPrediction *predictions)
{
    const int C = nn_model_num_classes(m);
    double loss_sum = 0;
    int correct = 0, done = 0;
    DataBatch batch;

    data_batcher_start_epoch(batcher, 0);
    while (data_batcher_next(batcher, &batch)) {
        if (cancel && g_atomic_int_get(cancel))
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

static void
diverge(TrainWorker *w, int epoch, int batch, double loss)
{
    /* The rate in effect when it happened (a schedule may have raised it); the advice
     * starts from the run's configured rate. */
    g_autofree char *lr = train_format_lr(w->optimizer.config.lr);
    g_autofree char *lower = train_format_lr(w->config.lr / 100);
    const char *what = isnan(loss) ? "NaN" : "infinite";
    g_autofree char *message =
        batch >= 0
            ? g_strdup_printf("The loss became %s at epoch %d, batch %d: the learning rate %s "
                              "is too high for this network; try %s or lower.",
                              what, epoch + 1, batch + 1, lr, lower)
            : g_strdup_printf("The validation loss became %s at epoch %d: the learning rate "
                              "%s is too high for this network; try %s or lower.",
                              what, epoch + 1, lr, lower);
    fail(w, TRAIN_STATUS_DIVERGED, message);
    w->progress.diverged_epoch = epoch;
    w->progress.diverged_batch = batch;
}

static double
seconds_since(gint64 start, gint64 paused_us)
{
    return (double) (now_us() - start - paused_us) / G_USEC_PER_SEC;
}

/* status.ini from the worker's own progress. Informative while training (history.csv is
 * the record), so callers may ignore a failure. */
static gboolean
write_status(TrainWorker *w, GError **error)
{
    return train_record_write_status(w->output_dir, &w->progress, w->message,
                                     (int) w->epochs->len, &w->record_split, error);
}

/* Records the finished epoch (and the best weights when they improved) in the worker's
 * own arrays and, with an output folder, on disk, before it is published. A run that
 * cannot keep its records stops rather than train unrecorded. */
static gboolean
save_epoch(TrainWorker *w, const TrainEpoch *record, const TrainPrediction *predictions,
           gboolean best_improved)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    const int n_val = w->record_split.n_val;

    g_array_append_vals(w->epochs, record, 1);
    g_array_append_vals(w->predictions, predictions, n_val);
    if (w->output_dir == NULL)
        return TRUE;
    if (best_improved) {
        g_autofree char *path = g_build_filename(w->output_dir, "best.ckpt", NULL);
        nn_error err;
        if (nn_checkpoint_save(path, w->model, &w->optimizer, &err) != NN_OK)
            message = g_strdup_printf("Cannot save the best weights: %s", err.message);
    }
    if (message == NULL &&
        !train_record_write_epochs(w->output_dir, &w->record_split,
                                   (const TrainEpoch *) w->epochs->data, (int) w->epochs->len,
                                   (const TrainPrediction *) w->predictions->data, &error))
        message = g_strdup_printf("Cannot write the run's records: %s", error->message);
    if (message == NULL)
        return TRUE;

    fail(w, TRAIN_STATUS_FAILED, message);
    /* The epoch is never published: status.ini must not count it. */
    g_array_set_size(w->epochs, w->epochs->len - 1);
    g_array_set_size(w->predictions, w->predictions->len - n_val);
    return FALSE;
}

static void
train(TrainWorker *w)
{
    const TrainConfig *c = &w->config;
    TrainProgress *p = &w->progress;
    const gint64 run_start = now_us();
    gint64 paused_us = 0;
    const int n_val = w->record_split.n_val;
    const size_t n_params = nn_model_num_parameters(w->model);
    const gboolean keep_best = c->restore_best && c->early_stop_patience > 0;
    g_autofree float *best_params = keep_best ? g_new(float, n_params) : NULL;
    g_autofree TrainPrediction *predictions = g_new0(TrainPrediction, n_val);
    const int bpe = data_batcher_batches_per_epoch(w->train_batcher);
    double best_val_loss = INFINITY;
    int epochs_without_improvement = 0;

    for (int epoch = 0; epoch < c->epochs; epoch++) {
        const gint64 epoch_start = now_us(), paused_before = paused_us;
        double loss_sum = 0, train_seconds = 0;
        int correct = 0, seen = 0, b = 0;
        DataBatch batch;

        data_batcher_start_epoch(w->train_batcher, epoch);
        while (data_batcher_next(w->train_batcher, &batch)) {
            if (!w->host->wait_while_paused(w->owner, &paused_us))
                goto stopped;
            /* The optimizer reads its rate at every step: the schedule sets it per batch. */
            w->optimizer.config.lr = train_schedule_rate(&c->schedule, &w->schedule_state,
                                                         c->lr, epoch, b, bpe, c->epochs);
            double loss;
            int batch_correct;
            switch (train_step(w, &batch, &loss, &batch_correct)) {
            case STEP_CANCELLED:
                goto stopped;
            case STEP_DIVERGED:
                diverge(w, epoch, b, loss);
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
                .lr = w->optimizer.config.lr,
                .elapsed = elapsed,
            };
            p->epoch = epoch;
            p->batch = b + 1;
            p->elapsed = elapsed;
            p->images_per_second = train_seconds > 0 ? seen / train_seconds : 0;
            p->eta_seconds = elapsed / done - elapsed;
            w->host->batch(w->owner, &point, p);
            b++;
        }

        double val_loss, val_accuracy;
        if (!validate(w->model, w->val_batcher, &w->cancel, &val_loss, &val_accuracy,
                      predictions))
            goto stopped;
        if (!isfinite(val_loss)) {
            diverge(w, epoch, -1, val_loss);
            return;
        }
        /* The rate the epoch ended with is its record's; plateau then reads the loss. */
        const double epoch_lr = w->optimizer.config.lr;
        train_schedule_end_epoch(&c->schedule, &w->schedule_state, val_loss);

        gboolean improved = val_loss < best_val_loss - c->early_stop_min_delta;
        if (improved) {
            best_val_loss = val_loss;
            epochs_without_improvement = 0;
            if (best_params)
                memcpy(best_params, nn_model_params(w->model), n_params * sizeof(float));
        } else {
            epochs_without_improvement++;
        }

        TrainEpoch record = {
            .epoch = epoch,
            .loss = seen ? loss_sum / seen : NAN,
            .accuracy = seen ? (double) correct / seen : 0,
            .val_loss = val_loss,
            .val_accuracy = val_accuracy,
            .lr = epoch_lr,
            .seconds = seconds_since(epoch_start, paused_us - paused_before),
            .images_per_second = train_seconds > 0 ? seen / train_seconds : 0,
        };
        gboolean early_stop =
            c->early_stop_patience > 0 && epochs_without_improvement >= c->early_stop_patience;
        if (!save_epoch(w, &record, predictions, improved))
            return;
        if (improved) {
            p->best_epoch = epoch;
            p->best_val_loss = val_loss;
            p->best_val_accuracy = val_accuracy;
        }
        p->epoch = MIN(epoch + 1, c->epochs - 1);
        p->batch = epoch + 1 < c->epochs ? 0 : bpe;
        p->elapsed = seconds_since(run_start, paused_us);
        p->eta_seconds = p->elapsed / (epoch + 1) * (c->epochs - epoch - 1);
        if (early_stop || epoch + 1 == c->epochs) {
            p->status = early_stop ? TRAIN_STATUS_EARLY_STOPPED : TRAIN_STATUS_FINISHED;
            p->eta_seconds = 0;
        }
        w->host->epoch(w->owner, &record, predictions, p);

        if (w->output_dir)
            write_status(w, NULL);   /* informative; history is the record */
        if (early_stop && best_params)
            memcpy(nn_model_params(w->model), best_params, n_params * sizeof(float));
        if (early_stop)
            return;
    }
    return;

stopped:
    p->status = TRAIN_STATUS_STOPPED;
    p->eta_seconds = -1;
}

void train_worker_run(TrainWorker *w)
{
    g_autoptr(GError) error = NULL;

    /* OpenMP's thread count is per thread: set it on the thread that runs the engine. */
    train_process_lower_thread_priority();
    nn_set_threads(w->config.threads);

    if (w->set == NULL) {
        w->set = load_dataset(w, &error);
        if (w->set == NULL) {
            if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                fail(w, TRAIN_STATUS_STOPPED, NULL);
            else
                fail(w, TRAIN_STATUS_FAILED, error->message);
            goto done;
        }
    }
    if (cancelled(w)) {
        fail(w, TRAIN_STATUS_STOPPED, NULL);
        goto done;
    }
    if (!prepare(w))
        goto done;
    /* The split is known now: an empty predictions file that names the images. */
    if (w->output_dir &&
        (!train_record_write_epochs(w->output_dir, &w->record_split, NULL, 0, NULL, &error) ||
         !write_status(w, &error))) {
        g_autofree char *message = g_strdup_printf("Cannot write the run's records: %s",
                                                   error->message);
        fail(w, TRAIN_STATUS_FAILED, message);
        goto done;
    }
    TrainWorkerSplit news = {
        .dataset = w->set,
        .record = &w->record_split,
        .train_indices = w->split->train,
        .n_train = w->split->n_train,
    };
    w->host->split(w->owner, &news, &w->progress);
    train(w);

done:
    /* A finished run keeps its model (train_worker_evaluate) but not the batchers'
     * threads; evaluation makes its own. */
    g_clear_pointer(&w->train_batcher, data_batcher_free);
    g_clear_pointer(&w->val_batcher, data_batcher_free);
    if (train_status_is_active(w->progress.status))
        w->progress.status = TRAIN_STATUS_STOPPED;
    w->progress.eta_seconds = 0;
    /* The final status reaches the folder before the owner hears the run ended. */
    if (w->output_dir)
        write_status(w, NULL);
    w->host->finish(w->owner, &w->progress, w->message);
}

gboolean train_worker_has_model(const TrainWorker *w)
{
    return w->model != NULL && w->split != NULL;
}

typedef struct {
    TrainWorker *worker;
    double loss, accuracy;
} Evaluation;

static gpointer
evaluate_thread(gpointer data)
{
    Evaluation *e = data;
    TrainWorker *w = e->worker;

    train_process_lower_thread_priority();
    nn_set_threads(w->config.threads);
    /* A stopped run's cancel flag is set; its evaluation must not stop at it. */
    nn_model_set_cancel_flag(w->model, NULL);
    DataBatcher *batcher = val_batcher_new(w);
    validate(w->model, batcher, NULL, &e->loss, &e->accuracy, NULL);
    data_batcher_free(batcher);
    nn_model_set_cancel_flag(w->model, &w->cancel);
    return NULL;
}

gboolean train_worker_evaluate(TrainWorker *w, double *val_loss, double *val_accuracy,
                               GError **error)
{
    g_return_val_if_fail(w != NULL && train_worker_has_model(w), FALSE);

    Evaluation e = { .worker = w };
    GThread *thread = g_thread_try_new("lrlab-evaluate", evaluate_thread, &e, error);
    if (thread == NULL)
        return FALSE;
    g_thread_join(thread);
    if (val_loss)
        *val_loss = e.loss;
    if (val_accuracy)
        *val_accuracy = e.accuracy;
    return TRUE;
}
