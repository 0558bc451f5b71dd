/* train_worker: the training loop of one run, in its own thread. It owns the model while
 * it runs, writes each epoch's records, and tells its owner of each batch and epoch
 * through TrainWorkerHost (train_worker.h), which takes the owner's lock on its behalf.
 * Each batch is one forward and one backward over the whole batch (whole-batch GEMMs are
 * what makes the engine fast); a cancel is noticed between layers through the model's
 * cancel flag (nn_model_set_cancel_flag). Just over 800 lines: its state is private to
 * it (the owner sees it only through the host), and the loop reads best in one file. */
#include "train_worker.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_batcher.h"
#include "data_split.h"
#include "train_model.h"
#include "nn_model.h"
#include "nn_optim.h"
#include "nn_rng.h"
#include "nn_threads.h"
#include "train_checkpoints.h"
#include "train_best.h"
#include "train_dataset.h"
#include "train_plan.h"
#include "train_process.h"
#include "train_tfevents.h"
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
    int *test_indices, n_test;       /* the set's given test images: scored at the end */
    float *best_params;              /* the best epoch's weights: restore_best with early
                                      * stopping, and the test split's score at the end */
    GArray *epochs;                  /* TrainEpoch: what history.csv holds */
    TrainHistoryText history_text;   /* history.csv's text so far (formats new epochs only) */
    GArray *probabilities;           /* float, (n_val, classes) per epoch: predictions.bin */
    TrainProgress progress;          /* what the owner last heard, plus what is new */
    char *message;                   /* for the user, when FAILED or DIVERGED */

    /* Per-epoch checkpoints, resuming and the update ratios (train_resume.h,
     * train_ratios.h). */
    TrainStart *start;               /* borrowed; NULL: a fresh run */
    char *withheld_dir;              /* a resume's folder until its checks passed */
    guint64 data_hash;               /* of the dataset and split, in every checkpoint */
    TrainResumeState resume;         /* where the loop starts: epochs done, schedule, best */
    double inherited_seconds;        /* the epochs before the start took this long */
    TrainRatioLog *ratios;
    size_t *tensor_ends;             /* (n_tensors) the model's tensors in the flat buffer */
    double *update_norm, *weight_norm; /* (n_tensors) of the last step */
    float *ratio_row;                /* (n_tensors) */
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
    w->probabilities = g_array_new(FALSE, TRUE, sizeof(float));
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
    g_free(w->test_indices);
    g_free(w->best_params);
    train_record_split_clear(&w->record_split);
    g_clear_pointer(&w->set, data_set_unref);
    g_array_unref(w->epochs);
    train_history_text_clear(&w->history_text);
    g_array_unref(w->probabilities);
    g_clear_object(&w->cancellable);
    g_free(w->message);
    g_free(w->output_dir);
    g_free(w->withheld_dir);
    g_clear_pointer(&w->ratios, train_ratio_log_unref);
    g_free(w->tensor_ends);
    g_free(w->update_norm);
    g_free(w->weight_norm);
    g_free(w->ratio_row);
    train_config_clear(&w->config);
    g_free(w);
}

void train_worker_set_start(TrainWorker *w, TrainStart *start)
{
    w->start = start;
    /* A fork's folder is new (train_run_start made it); a resume's is the record of a run
     * that must stay as it is should the data or the checkpoint not pass. */
    if (start && !train_start_is_fork(start)) {
        w->withheld_dir = g_steal_pointer(&w->output_dir);
    }
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

/* The tensor table the measured optimizer step sums over, and the log it feeds. */
static void
prepare_ratios(TrainWorker *w)
{
    const int nk = nn_model_num_tensors(w->model);
    g_autofree nn_tensor_info *tensors = g_new(nn_tensor_info, MAX(nk, 1));
    w->tensor_ends = g_new(size_t, MAX(nk, 1));
    for (int k = 0; k < nk; k++) {
        tensors[k] = *nn_model_tensor(w->model, k);
        w->tensor_ends[k] = tensors[k].offset + tensors[k].size;
    }
    w->update_norm = g_new0(double, MAX(nk, 1));
    w->weight_norm = g_new0(double, MAX(nk, 1));
    w->ratio_row = g_new0(float, MAX(nk, 1));
    w->ratios = train_ratio_log_new(tensors, nk);
}

/* The epochs a start brings, as if this run had trained them: the records, the ratio rows
 * (when their tensors are this model's), the progress and the early-stopping state. */
static void
take_start_records(TrainWorker *w)
{
    const GArray *epochs = train_start_epochs(w->start);
    const int k = w->resume.epochs_done;
    const guint n_answers = (guint) w->record_split.n_val * w->record_split.num_classes;
    TrainRatioLog *ratios = train_start_ratios(w->start);

    g_array_append_vals(w->epochs, epochs->data, k);
    g_array_append_vals(w->probabilities, train_start_probabilities(w->start), (guint) k * n_answers);
    /* The start's rows (already cut to k epochs) go on growing, when they are this model's
     * tensors' (a folder written before the ratios were recorded has none). */
    if (ratios && train_ratio_log_n_tensors(ratios) == train_ratio_log_n_tensors(w->ratios)) {
        train_ratio_log_unref(w->ratios);
        w->ratios = train_ratio_log_ref(ratios);
    }
    TrainProgress *p = &w->progress;
    for (int e = 0; e < k; e++)
        w->inherited_seconds += g_array_index(epochs, TrainEpoch, e).seconds;
    if (w->resume.best_epoch >= 0 && w->resume.best_epoch < k) {
        const TrainEpoch *best = &g_array_index(epochs, TrainEpoch, w->resume.best_epoch);
        p->best_epoch = best->epoch;
        p->best_val_loss = best->val_loss;
        p->best_val_accuracy = best->val_accuracy;
    }
    p->epoch = MIN(k, w->config.epochs - 1);
    p->elapsed = w->inherited_seconds;
}

/* Where the loop starts: epoch 0 from the fresh weights, or after the start's epochs from
 * its checkpoint. FALSE with *message when the start does not fit (changed data, a damaged
 * checkpoint); a resume's folder is then untouched. */
static gboolean
start_from(TrainWorker *w, char **message)
{
    g_autoptr(GError) error = NULL;
    const TrainConfig *c = &w->config;

    w->resume = (TrainResumeState) {
        .data_hash = w->data_hash, .best_epoch = -1, .best_val_loss = INFINITY,
    };
    train_schedule_state_init(&w->resume.schedule, c->lr);
    if ((c->restore_best && c->early_stop_patience > 0) || w->n_test > 0)
        w->best_params = g_new(float, nn_model_num_parameters(w->model));
    if (w->start != NULL &&
        !train_start_apply(w->start, c, w->data_hash, &w->record_split, w->model,
                           &w->optimizer, w->best_params, &w->resume, &error)) {
        *message = g_strdup(error->message);
        return FALSE;
    }
    w->schedule_state = w->resume.schedule;
    if (w->start == NULL)
        return TRUE;
    take_start_records(w);
    if (w->withheld_dir)
        w->output_dir = g_steal_pointer(&w->withheld_dir);
    return TRUE;
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
        message = g_strdup_printf(_("The dataset's images are %dx%d but the run's input size is %d."),
                                  set->width, set->height, c->size);
        goto failed;
    }
    if (!train_config_build_spec(c, set->num_classes, &spec, &error)) {
        message = g_strdup(error->message);
        goto failed;
    }

    split = data_split_new(set, c->val_split, c->split_seed);
    if (split == NULL || split->n_train == 0 || split->n_val == 0) {
        message = g_strdup_printf(_("%d images are too few to split into training and "
                                  "validation images with a validation split of %g."),
                                  set->count, c->val_split);
        goto failed;
    }

    /* The network and the batchers, counted together before either is allocated. */
    TrainPlan plan;
    if (!train_plan_memory(c, &spec, &plan, &error)) {
        message = g_strdup(error->message);
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

    w->norm = data_normalization_compute(set, split->train, split->n_train);
    w->split = g_steal_pointer(&split);
    w->train_batcher = data_batcher_new(set, w->split->train, w->split->n_train,
                                        c->batch_size, TRUE, &c->augment, &w->norm, c->seed);
    w->val_batcher = val_batcher_new(w);
    build_record_split(&w->record_split, set, w->split);
    w->test_indices = set->given_split ? g_new(int, MAX(set->count, 1)) : NULL;
    for (int i = 0; set->given_split && i < set->count; i++)
        if (set->given_split[i] == DATA_SPLIT_TEST)
            w->test_indices[w->n_test++] = i;
    w->progress.batches_per_epoch = data_batcher_batches_per_epoch(w->train_batcher);
    w->data_hash = train_data_hash(set, w->split);
    prepare_ratios(w);
    if (!start_from(w, &message))
        goto failed;
    w->progress.status = TRAIN_STATUS_RUNNING;
    return TRUE;

failed:
    fail(w, TRAIN_STATUS_FAILED, message);
    return FALSE;
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
        correct += train_argmax(probs + (size_t) i * C, C) == batch->labels[i];
    nn_model_backward(m);
    if (nn_model_cancelled(m))
        return STEP_CANCELLED;
    /* The step that also measures how far it moved each tensor (train_ratios.h). */
    nn_update_norms norms = { w->tensor_ends, nn_model_num_tensors(m), w->update_norm,
                              w->weight_norm };
    nn_optimizer_step_measured(&w->optimizer, nn_model_params(m), nn_model_grads(m), &norms);
    for (int k = 0; k < norms.n_tensors; k++)
        w->ratio_row[k] = w->weight_norm[k] > 0 ? (float) (w->update_norm[k] / w->weight_norm[k])
                                                : NAN;
    *loss_out = loss;
    *correct_out = correct;
    return STEP_OK;
}

/* Per-image forward passes over batcher's images with the model's current weights; the
 * plain evaluation both the epoch's validation and train_worker_evaluate use.
 * probabilities ((images, classes), every class's) may be NULL. cancel (NULL: never) is checked before each chunk, and the
 * model checks its own flag between layers. FALSE when cancelled. */
static gboolean
validate(nn_model *m, DataBatcher *batcher, const gint *cancel, double *val_loss,
         double *val_accuracy, float *probabilities)
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
        for (int i = 0; i < batch.size; i++)
            correct += train_argmax(probs + (size_t) i * C, C) == batch.labels[i];
        if (probabilities)
            memcpy(probabilities + (size_t) done * C, probs, sizeof(float) * batch.size * C);
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
    /* Translators: "The loss became NaN" or "The loss became infinite". */
    const char *what = isnan(loss) ? "NaN" : _("infinite");
    g_autofree char *message =
        batch >= 0
            ? g_strdup_printf(_("The loss became %s at epoch %d, batch %d: the learning rate %s "
                              "is too high for this network; try %s or lower."),
                              what, epoch + 1, batch + 1, lr, lower)
            : g_strdup_printf(_("The validation loss became %s at epoch %d: the learning rate "
                              "%s is too high for this network; try %s or lower."),
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

/* The epoch's checkpoint: a model file (train_model.h) whose [resume] group says how to
 * continue from it, in checkpoints/, then best.ckpt as the same file when the epoch is the
 * best. Each replaces its file atomically: a failure leaves the previous ones as they were. */
static gboolean
save_checkpoint(TrainWorker *w, const TrainEpoch *record, gboolean best_improved,
                GError **error)
{
    g_autofree char *dir = g_build_filename(w->output_dir, TRAIN_CHECKPOINTS_DIR, NULL);
    g_autofree char *path = train_checkpoints_path(w->output_dir, record->epoch + 1);
    g_autofree char *best = g_build_filename(w->output_dir, "best.ckpt", NULL);
    g_autoptr(GKeyFile) extra = g_key_file_new();
    TrainModelInfo info;

    if (g_mkdir_with_parents(dir, 0755) != 0) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), _("Cannot create %s: %s"),
                    dir, g_strerror(saved));
        return FALSE;
    }
    /* A model file that can be used on its own: the classes, the normalisation and the
     * resize mode travel with the weights. */
    train_model_info_init(&info);
    info.has_info = TRUE;
    info.num_classes = w->record_split.num_classes;
    info.class_names = w->record_split.class_names;   /* borrowed for the save */
    info.norm = w->norm;
    info.resize = w->config.resize;
    info.epoch = record->epoch;
    train_resume_state_save(&w->resume, extra);
    if (!train_model_save(path, w->model, &w->optimizer, &info, extra, error))
        return FALSE;
    return !best_improved || train_checkpoints_share(path, best, error);
}

/* Records the finished epoch in the worker's own arrays and, with an output folder, on
 * disk, before it is published. The order makes the folder consistent whenever the
 * program dies or a write fails (a full disk): the checkpoint, best.ckpt, the ratios, then
 * predictions.bin and last history.csv, which decides what the folder holds (a reader
 * takes its epochs and ignores anything the others have beyond them). A run that cannot
 * keep its records stops rather than train unrecorded; the previous epoch's files are
 * whole, and status.ini says why it stopped. */
static gboolean
save_epoch(TrainWorker *w, const TrainEpoch *record, const float *probabilities,
           gboolean best_improved)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    const guint n_answers = (guint) w->record_split.n_val * w->record_split.num_classes;

    g_array_append_vals(w->epochs, record, 1);
    g_array_append_vals(w->probabilities, probabilities, n_answers);
    train_ratio_log_end_epoch(w->ratios, record->epoch);
    if (w->output_dir == NULL)
        return TRUE;
    if (!save_checkpoint(w, record, best_improved, &error))
        message = g_strdup_printf(_("Cannot save the epoch's checkpoint: %s"), error->message);
    else if (!train_ratio_log_save_epochs(w->ratios, w->output_dir, &error) ||
             !train_ratio_log_append_batches(w->ratios, w->output_dir, record->epoch, &error) ||
             !train_record_write_epochs_cached(w->output_dir, &w->record_split,
                                               (const TrainEpoch *) w->epochs->data,
                                               (int) w->epochs->len,
                                               (const float *) w->probabilities->data,
                                               &w->history_text, &error))
        message = g_strdup_printf(_("Cannot write the run's records: %s"), error->message);
    if (message == NULL)
        return TRUE;

    fail(w, TRAIN_STATUS_FAILED, message);
    /* The epoch is never published: status.ini must not count it. */
    g_array_set_size(w->epochs, w->epochs->len - 1);
    g_array_set_size(w->probabilities, w->probabilities->len - n_answers);
    train_ratio_log_truncate(w->ratios, (int) w->epochs->len);
    return FALSE;
}

/* After an epoch is recorded and published: the ring drops the checkpoints it does not
 * keep. Never before the record: the last recorded epoch's checkpoint is always there. A
 * file that will not go stays, and the next epoch tries again. */
static void
prune_checkpoints(TrainWorker *w, int epochs_done)
{
    if (w->output_dir && w->config.keep_last > 0)
        train_checkpoints_prune(w->output_dir, w->config.keep_last, w->config.keep_every,
                                epochs_done, w->resume.best_epoch + 1, NULL, NULL, NULL);
}

static void
train(TrainWorker *w)
{
    const TrainConfig *c = &w->config;
    TrainProgress *p = &w->progress;
    const gint64 run_start = now_us();
    gint64 paused_us = 0;
    const size_t n_answers = (size_t) w->record_split.n_val * w->record_split.num_classes;
    const size_t n_params = nn_model_num_parameters(w->model);
    g_autofree float *probabilities = g_new0(float, MAX(n_answers, 1));
    const int bpe = data_batcher_batches_per_epoch(w->train_batcher);
    /* A resumed or forked run starts after the epochs it brings; early stopping's state
     * comes with them. */
    const int first = w->resume.epochs_done;
    double best_val_loss = w->resume.best_val_loss;
    int epochs_without_improvement = w->resume.epochs_without_improvement;

    for (int epoch = first; epoch < c->epochs; epoch++) {
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
            train_ratio_log_append(w->ratios, epoch, b, w->ratio_row);
            loss_sum += loss * batch.size;
            correct += batch_correct;
            seen += batch.size;
            train_seconds = seconds_since(epoch_start, paused_us - paused_before);

            double elapsed = w->inherited_seconds + seconds_since(run_start, paused_us);
            double here = seconds_since(run_start, paused_us);
            double done = (epoch - first + (double) (b + 1) / bpe) / (c->epochs - first);
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
            p->eta_seconds = here / done - here;
            w->host->batch(w->owner, &point, p);
            b++;
        }

        double val_loss, val_accuracy;
        if (!validate(w->model, w->val_batcher, &w->cancel, &val_loss, &val_accuracy,
                      probabilities))
            goto stopped;
        if (!isfinite(val_loss)) {
            diverge(w, epoch, -1, val_loss);
            return;
        }
        /* The rate the epoch ended with is its record's; plateau then reads the loss. */
        const double epoch_lr = w->optimizer.config.lr;
        train_schedule_end_epoch(&c->schedule, &w->schedule_state, val_loss);

        gboolean improved = train_best_improves(best_val_loss, val_loss,
                                                c->early_stop_min_delta);
        if (improved) {
            best_val_loss = val_loss;
            epochs_without_improvement = 0;
            if (w->best_params)
                memcpy(w->best_params, nn_model_params(w->model), n_params * sizeof(float));
        } else {
            epochs_without_improvement++;
        }
        /* What the epoch's checkpoint continues from. */
        w->resume.epochs_done = epoch + 1;
        w->resume.schedule = w->schedule_state;
        w->resume.best_val_loss = best_val_loss;
        if (improved)
            w->resume.best_epoch = epoch;
        w->resume.epochs_without_improvement = epochs_without_improvement;

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
        if (!save_epoch(w, &record, probabilities, improved))
            return;
        train_tfevents_log_epoch(w->output_dir, &record);   /* TensorBoard's copy */
        if (improved) {
            p->best_epoch = epoch;
            p->best_val_loss = val_loss;
            p->best_val_accuracy = val_accuracy;
        }
        p->epoch = MIN(epoch + 1, c->epochs - 1);
        p->batch = epoch + 1 < c->epochs ? 0 : bpe;
        p->elapsed = w->inherited_seconds + seconds_since(run_start, paused_us);
        p->eta_seconds = seconds_since(run_start, paused_us) / (epoch + 1 - first) *
                         (c->epochs - epoch - 1);
        if (early_stop || epoch + 1 == c->epochs) {
            p->status = early_stop ? TRAIN_STATUS_EARLY_STOPPED : TRAIN_STATUS_FINISHED;
            p->eta_seconds = 0;
        }
        w->host->epoch(w->owner, &record, probabilities, p);
        prune_checkpoints(w, epoch + 1);

        if (w->output_dir)
            write_status(w, NULL);   /* informative; history is the record */
        if (early_stop && c->restore_best && w->best_params)
            memcpy(nn_model_params(w->model), w->best_params, n_params * sizeof(float));
        if (early_stop)
            return;
    }
    return;

stopped:
    p->status = TRAIN_STATUS_STOPPED;
    p->eta_seconds = -1;
}

/* The test split's score with the best epoch's weights, once the run has ended well
 * enough to have one (any finished epoch; not when cancelled, failed or diverged). The
 * model keeps its current weights afterwards, which train_worker_evaluate reads. */
static void
score_test_split(TrainWorker *w)
{
    TrainProgress *p = &w->progress;
    const gboolean ended_well = p->status == TRAIN_STATUS_FINISHED ||
                                p->status == TRAIN_STATUS_EARLY_STOPPED ||
                                p->status == TRAIN_STATUS_STOPPED;
    if (w->n_test == 0 || !ended_well || w->best_params == NULL || p->best_epoch < 0 ||
        cancelled(w))
        return;
    const size_t n = nn_model_num_parameters(w->model);
    float *params = nn_model_params(w->model);
    g_autofree float *current = g_memdup2(params, n * sizeof(float));
    memcpy(params, w->best_params, n * sizeof(float));
    DataBatcher *batcher = data_batcher_new(w->set, w->test_indices, w->n_test, w->chunk, FALSE,
                                            NULL, &w->norm, w->config.seed);
    double loss, accuracy;
    if (validate(w->model, batcher, &w->cancel, &loss, &accuracy, NULL))
        p->test = (TrainTestScore) { w->n_test, p->best_epoch, loss, accuracy };
    data_batcher_free(batcher);
    memcpy(params, current, n * sizeof(float));
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
    /* The split is known now: a predictions file that names the images, with the epochs a
     * resumed or forked run brings (none for a fresh one), and the ratios' files. A resume
     * that fell back to an earlier checkpoint drops the epochs after it here. */
    if (w->output_dir &&
        (!train_record_write_epochs_cached(w->output_dir, &w->record_split,
                                           (const TrainEpoch *) w->epochs->data,
                                           (int) w->epochs->len,
                                           (const float *) w->probabilities->data,
                                           &w->history_text, &error) ||
         !train_ratio_log_save_epochs(w->ratios, w->output_dir, &error) ||
         !train_ratio_log_rewrite_batches(w->ratios, w->output_dir, &error) ||
         !write_status(w, &error))) {
        g_autofree char *message = g_strdup_printf(_("Cannot write the run's records: %s"),
                                                   error->message);
        fail(w, TRAIN_STATUS_FAILED, message);
        goto done;
    }
    TrainWorkerSplit news = {
        .dataset = w->set,
        .record = &w->record_split,
        .train_indices = w->split->train,
        .n_train = w->split->n_train,
        .ratios = w->ratios,
        .epochs = (const TrainEpoch *) w->epochs->data,
        .n_epochs = (int) w->epochs->len,
        .probabilities = (const float *) w->probabilities->data,
    };
    w->host->split(w->owner, &news, &w->progress);
    train(w);
    score_test_split(w);

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
