/* train_run: one training run in a worker thread, and its record. The consumer (the app's
 * main loop, lrlab-train) reads the latest state under the run's mutex and is told of news
 * through at most one pending idle callback on its GMainContext (G_PRIORITY_LOW): a fast
 * run never floods a main loop, and a slow consumer never stalls training.
 * A run with an output folder writes config.ini, history.csv (Keras CSVLogger columns
 * epoch,accuracy,loss,val_accuracy,val_loss,lr plus seconds), best.ckpt and
 * predictions.bin atomically after every epoch, and status.ini (status and message):
 * docs/run-folder.md describes every file, who writes it when, and how it is read back.
 *
 * Lifetime: a started run holds a reference to itself until its worker ends, so dropping
 * the last consumer reference does not stop it: call train_run_cancel() first.
 * The records it hands out (TrainEpoch, TrainBatchPoint, TrainPrediction, TrainProgress)
 * are in train_types.h, with how they are numbered. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"
#include "train_config.h"
#include "train_ratios.h"
#include "train_resume.h"
#include "train_types.h"

typedef struct _TrainRun TrainRun;

typedef void (*TrainRunNotify)(TrainRun *run, gpointer user_data);

/* dataset may be NULL: the worker then builds it from config (synthetic or folder).
 * When given (a ref is taken), it must match config->size. */
TrainRun *train_run_new(const TrainConfig *config, DataSet *dataset);
TrainRun *train_run_ref(TrainRun *run);
void train_run_unref(TrainRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainRun, train_run_unref)

const TrainConfig *train_run_get_config(TrainRun *run);
/* The run's display name (config->name or a generated one); settable (rename). */
char *train_run_dup_name(TrainRun *run);
void train_run_set_name(TrainRun *run, const char *name);

/* Output folder for the records (NULL: keep in memory only). Call before start. */
void train_run_set_output_dir(TrainRun *run, const char *dir);
const char *train_run_get_output_dir(TrainRun *run);

/* notify runs on ctx (NULL = the thread-default context at this call) whenever there is
 * news; at most one is pending at any time. */
void train_run_set_notify(TrainRun *run, GMainContext *ctx, TrainRunNotify notify,
                          gpointer user_data, GDestroyNotify destroy);

/* Before start: the run continues from start (train_resume.h; the run takes it) instead of
 * from fresh weights. A resume trains in the folder it resumes (set as the output folder
 * when none is); a fork needs a folder of its own, which start fills with the parent's
 * first epochs. train_run_start then fails, saying why, when the run's settings do not fit
 * the start; the worker fails the run when the data or the checkpoint does not, and a
 * resume's folder is left as it was. */
void train_run_set_start(TrainRun *run, TrainStart *start);
const TrainStart *train_run_get_start(TrainRun *run);

gboolean train_run_start(TrainRun *run, GError **error);
void train_run_pause(TrainRun *run);
void train_run_resume(TrainRun *run);
void train_run_stop(TrainRun *run);     /* after the current batch; keeps finished epochs */
/* As soon as possible: the engine checks between layers (nn_model_set_cancel_flag; the
 * largest layer of the paper network at 64x64, batch 64, takes well under 200 ms), and the
 * worker during dataset loading and while paused. Finished epochs are kept. */
void train_run_cancel(TrainRun *run);
void train_run_wait(TrainRun *run);     /* joins the worker */

TrainProgress train_run_get_progress(TrainRun *run);
TrainStatus train_run_get_status(TrainRun *run);
/* A sentence for the user when FAILED or DIVERGED (else NULL). */
char *train_run_dup_message(TrainRun *run);

/* Copies of the record so far (GArray of TrainEpoch / TrainBatchPoint). from: the first
 * index wanted, so a consumer fetches only what is new. */
GArray *train_run_dup_epochs(TrainRun *run);
GArray *train_run_dup_batches(TrainRun *run, guint from);
/* The epochs from index `from` on: what a consumer that holds the first `from` lacks
 * (the app's LabRun, whose every notify would otherwise copy the whole history). */
GArray *train_run_dup_epochs_from(TrainRun *run, guint from);

/* The dataset and validation split (for galleries); NULL before loading finished, and for
 * a run read back until train_run_attach_images. */
DataSet *train_run_get_dataset(TrainRun *run);              /* borrowed */
const int *train_run_get_val_indices(TrainRun *run, int *n_val);
const int *train_run_get_train_indices(TrainRun *run, int *n_train);
/* Each validation image's index into train_run_get_dataset's set, in the order of the
 * predictions: the split's indices for a run that trained here; for a run read back,
 * whose attached set holds only the validation images found again, an index into that
 * or -1 for an image that is gone. NULL while there is no dataset. Borrowed. */
const int *train_run_get_val_images(TrainRun *run);
/* A run read back from its folder gets its images back (train_images.h): images holds
 * the validation images found, val_images (n_val) says where each one is. Once; FALSE
 * (nothing changes) for a run that trained here or already has them. */
gboolean train_run_attach_images(TrainRun *run, DataSet *images, const int *val_images);
/* Predictions for every validation image at `epoch` (n_val entries), or FALSE. */
gboolean train_run_get_predictions(TrainRun *run, int epoch, TrainPrediction *out);
/* Every class's probability for every validation image at `epoch`, (n_val, num_classes)
 * in out, or FALSE: also for a run read from a folder whose predictions.bin is of
 * version 1, which kept only the predictions. */
gboolean train_run_get_probabilities(TrainRun *run, int epoch, float *out);

/* Class count and names (NULL-terminated) of the run's dataset; 0/NULL before loading
 * finished. Borrowed. */
int train_run_get_num_classes(TrainRun *run);
const char *const *train_run_get_class_names(TrainRun *run);
/* The source ("synthetic/defect/000123" or a file path) of each validation image, in the
 * order of train_run_get_val_indices and of the predictions. Borrowed, NULL-terminated. */
const char *const *train_run_get_val_sources(TrainRun *run);
/* The true class of each validation image, in the same order. Borrowed. */
const int *train_run_get_val_labels(TrainRun *run);
/* Number of epochs whose predictions are kept (= finished epochs). */
int train_run_get_n_prediction_epochs(TrainRun *run);

/* The update/weight ratio of every parameter tensor after every step (train_ratios.h): a
 * new reference, or NULL before the model exists (or for a folder without the record). */
TrainRatioLog *train_run_dup_update_ratios(TrainRun *run);

/* Evaluates the model's current weights on the validation split, after the worker ended
 * (after early stopping with restore_best these are the best epoch's weights). The pass
 * runs on a short-lived thread set up as the worker's was, so it gives the numbers the
 * worker recorded; the caller waits for it, and only one caller may evaluate at a time.
 * FALSE with an error when the run has no model (never started, failed before building
 * it, or read from disk). */
gboolean train_run_evaluate(TrainRun *run, double *val_loss, double *val_accuracy,
                            GError **error);
/* Frees the trained model of a run whose worker has ended (its record stays: epochs,
 * predictions, best.ckpt on disk); train_run_evaluate then says there is no model. For
 * runs that follow one another and would not all fit in memory (a sweep, seeds). Not
 * while another thread evaluates the run. No-op while the worker runs. */
void train_run_release_model(TrainRun *run);

/* A run read back from its folder (no worker; status as saved). A run whose program died
 * mid-run (status still "running" on disk) comes back STOPPED with its finished epochs.
 * On a corrupt or partial folder returns NULL with an error naming the file and what is
 * wrong. */
TrainRun *train_run_load(const char *dir, GError **error);
