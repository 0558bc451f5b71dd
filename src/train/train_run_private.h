/* train_run_private: the TrainRun struct, shared by the units that make up a run: the
 * public object (train_run.c), its worker loop (train_worker.c) and its folder of records
 * (train_record.c). Nothing outside src/train includes this. */
#pragma once
#include "train_run.h"
#include "data_split.h"
#include "data_batcher.h"
#include "nn_model.h"
#include "nn_optim.h"

struct _TrainRun {
    gatomicrefcount ref;
    TrainConfig config;              /* copied at creation, never changed (name aside) */

    /* Everything below mutex is read by the consumer and written by the worker. */
    GMutex mutex;
    GCond cond;                      /* pause/resume, worker done */
    char *name;
    char *output_dir;
    char *message;
    TrainProgress progress;
    GArray *epochs;                  /* TrainEpoch */
    GArray *batches;                 /* TrainBatchPoint */
    GArray *predictions;             /* TrainPrediction, n_val per finished epoch */

    /* Set once by the worker when loading is done (or by train_run_load), then
     * immutable: the getters hand out borrowed pointers. */
    DataSet *dataset;
    int num_classes;
    char **class_names;
    int *val_indices, n_val;
    int *val_labels;
    char **val_sources;
    int *train_indices, n_train;

    /* The consumer's notify: at most one idle source pending (notify_pending). */
    GMainContext *notify_context;
    TrainRunNotify notify;
    gpointer notify_data;
    GDestroyNotify notify_destroy;
    gboolean notify_pending;

    /* Control. cancel is also read without the lock between layers of work. */
    GThread *thread;
    gboolean started, worker_done, loaded_from_disk;
    gboolean pause_requested, stop_requested;
    gint cancel_requested;           /* atomic */
    GCancellable *cancellable;       /* dataset loading */

    /* The worker's model, kept after it ends for train_run_evaluate(). Touched only by
     * the worker while it runs, and by the consumer after worker_done. */
    nn_model *model;
    nn_optimizer optimizer;
    DataNormalization norm;
    DataBatcher *val_batcher;        /* plain, in split order, run->chunk per batch */
    int chunk;                       /* images per forward/backward call */
};

/* With run->mutex held: schedules the consumer's notify unless one is pending. */
void train_run_schedule_notify_locked(TrainRun *run);

/* The worker (train_worker.c); holds a reference, given by train_run_start. */
gpointer train_run_worker(gpointer data);

/* Per-image forward passes over the validation split with the model's current weights,
 * in run->chunk pieces; predictions (n_val) may be NULL. Returns FALSE when cancelled.
 * Used by the worker after every epoch and by train_run_evaluate. */
gboolean train_run_validate(TrainRun *run, double *val_loss, double *val_accuracy,
                            TrainPrediction *predictions);

/* train_record.c: the run folder. */
gboolean train_record_write_config(TrainRun *run, GError **error);
/* Writes predictions.bin and history.csv with the epochs so far plus `pending` (and its
 * n_val predictions) when not NULL: the worker saves an epoch before publishing it, so
 * whatever a consumer has shown is already on disk. */
gboolean train_record_write_epoch(TrainRun *run, const TrainEpoch *pending,
                                  const TrainPrediction *pending_predictions, GError **error);
gboolean train_record_write_status(TrainRun *run, GError **error);
