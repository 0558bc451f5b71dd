/* train_worker: the training loop of one run and all the state it needs (model, optimizer,
 * normalisation, batchers, the best weights, the record it writes to the run folder).
 * It knows nothing of TrainRun: its news leaves it only through the TrainWorkerHost its
 * owner hands in, so the run depends on the worker and never the other way round.
 * Private to src/train.
 *
 * Ownership: train_worker_run() is the body of the worker thread; from its first line
 * until it calls host->finish, every field is that thread's alone. After finish returns,
 * the worker thread touches nothing, and the state belongs to whoever saw finish (the
 * run: train_worker_evaluate, train_worker_free). train_worker_cancel is the one call
 * safe from any thread at any time. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"
#include "train_config.h"
#include "train_ratios.h"
#include "train_record.h"
#include "train_resume.h"
#include "train_types.h"

typedef struct _TrainWorker TrainWorker;

/* The dataset and its split, once loaded: fixed from here on. */
typedef struct {
    DataSet *dataset;                 /* borrowed: the owner takes a reference */
    const TrainRecordSplit *record;   /* class names and validation images */
    const int *train_indices;         /* (n_train) into the dataset */
    int n_train;
    TrainRatioLog *ratios;            /* the per-tensor update ratios (take a reference) */
    /* The epochs the run starts with (a resume's or a fork's; none for a fresh run), and
     * every class's probability for their validation images (n_epochs, record->n_val,
     * record->num_classes). */
    const TrainEpoch *epochs;
    int n_epochs;
    const float *probabilities;
} TrainWorkerSplit;

/* What the worker tells its owner, and the one thing it asks (may it go on?). Each call
 * but loading comes from the worker thread and carries the worker's progress so far. The
 * records (files) of each step are already on disk when the step is published, so what
 * a consumer has shown is never lost. */
typedef struct {
    /* Dataset loading; from the loader's threads. */
    void (*loading)(gpointer owner, int done, int total);
    void (*split)(gpointer owner, const TrainWorkerSplit *split, const TrainProgress *progress);
    /* Before every batch: blocks while the user has paused the run, adding the time
     * paused to *paused_us. FALSE when the run must end (stop or cancel). */
    gboolean (*wait_while_paused)(gpointer owner, gint64 *paused_us);
    void (*batch)(gpointer owner, const TrainBatchPoint *point, const TrainProgress *progress);
    /* probabilities: every class's for each validation image, (split->record->n_val,
     * num_classes). */
    void (*epoch)(gpointer owner, const TrainEpoch *epoch, const float *probabilities,
                  const TrainProgress *progress);
    /* The last call: the final status, and message for the user (FAILED, DIVERGED) or
     * NULL. The worker's state is the owner's once this is called. */
    void (*finish)(gpointer owner, const TrainProgress *progress, const char *message);
} TrainWorkerHost;

/* config is copied; dataset may be NULL (then loaded from config), else a ref is taken;
 * output_dir NULL keeps no records. host (static) and owner outlive the worker. */
TrainWorker *train_worker_new(const TrainConfig *config, DataSet *dataset,
                              const char *output_dir, const TrainWorkerHost *host,
                              gpointer owner);
void train_worker_free(TrainWorker *worker);

/* Before train_worker_run: the run continues from start (train_resume.h; borrowed, outlives
 * the worker) instead of from fresh weights. A resume writes nothing into its folder until
 * its data and checkpoint have passed the checks. */
void train_worker_set_start(TrainWorker *worker, TrainStart *start);

/* The worker thread's body: loads, prepares, trains, ends with host->finish. */
void train_worker_run(TrainWorker *worker);

/* Any thread: the engine stops between layers, loading at its next check. */
void train_worker_cancel(TrainWorker *worker);

/* After finish: whether there is a trained model (FALSE when the run failed before
 * building one), and the validation loss and accuracy of its current weights. The pass
 * runs on a short-lived thread set up as the worker's was (its engine thread count and
 * priority), so it reproduces the numbers the worker recorded; the caller waits. */
gboolean train_worker_has_model(const TrainWorker *worker);
gboolean train_worker_evaluate(TrainWorker *worker, double *val_loss, double *val_accuracy,
                               GError **error);
