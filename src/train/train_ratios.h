/* train_ratios: how much each parameter tensor moves per optimizer step, as the update/weight
 * ratio ||W_after - W_before|| / ||W_before|| of the update actually applied (momentum,
 * Adam's scaling and weight decay included, not the raw gradient). Recorded after every
 * batch by the worker (nn_optimizer_step_measured sums it in the optimizer's own loop) and
 * averaged per epoch, kept in memory for the app and in the run folder:
 *
 *   update-ratio.csv          epoch,<tensor>[shape],...   one line per finished epoch: the
 *                             mean over the epoch's steps of each tensor's ratio
 *   update-ratio-batches.csv  epoch,batch,<tensor>[shape],...   one line per step
 *
 * Columns are named after the tensors with their shape, "conv1.weight[8x3x3x3]", numbers
 * in the C locale with 9 significant digits (a float's worth). The per-epoch file is
 * replaced atomically after every epoch; the per-batch one grows by appending the epoch's
 * lines (rewriting a 100 000-line file every epoch would cost more than the epoch's
 * optimizer steps). Both are written before history.csv, so a reader takes the epochs
 * history.csv has and ignores any beyond them (or a last line cut short by a kill).
 *
 * The rule of thumb (~1e-3 per step, far below: the layer barely learns; far above:
 * unstable) comes from SGD, where the step is the rate times the gradient. Adam divides
 * each gradient by its own running size, so its steps are about the rate whatever the
 * gradient: its ratio mostly says how large the rate is against the weights.
 *
 * A TrainRatioLog is written by the worker and read by the app at the same time: it has its
 * own lock (not the run's). */
#pragma once
#include <glib.h>
#include "nn_model.h"

/* The band the app draws: a step of 1e-4..1e-2 of the weights is what SGD's rule calls
 * healthy; the line at 1e-3. */
#define TRAIN_RATIO_GOOD 1e-3
#define TRAIN_RATIO_LOW 1e-4
#define TRAIN_RATIO_HIGH 1e-2

typedef struct _TrainRatioLog TrainRatioLog;

/* Where a row of ratios belongs: the epoch (from 0) and the batch in it (from 0). */
typedef struct {
    int epoch;
    int batch;
} TrainRatioKey;

/* An empty log for these tensors (copied; the offsets are not used). */
TrainRatioLog *train_ratio_log_new(const nn_tensor_info *tensors, int n_tensors);
TrainRatioLog *train_ratio_log_ref(TrainRatioLog *log);
void train_ratio_log_unref(TrainRatioLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainRatioLog, train_ratio_log_unref)

int train_ratio_log_n_tensors(TrainRatioLog *log);
/* Tensor k's name and shape; valid as long as the log. */
const nn_tensor_info *train_ratio_log_tensor(TrainRatioLog *log, int k);
/* "conv1.weight[8x3x3x3]": the column name and what the app's hover says. Newly allocated. */
char *train_ratio_log_describe_tensor(TrainRatioLog *log, int k);

/* The worker's side: one step's ratios (n_tensors), then the end of the epoch, which
 * averages the epoch's steps into its epoch row. */
void train_ratio_log_append(TrainRatioLog *log, int epoch, int batch, const float *ratios);
void train_ratio_log_end_epoch(TrainRatioLog *log, int epoch);
/* Keeps the first n_epochs epochs' rows (batch and epoch rows), drops the rest: a resumed
 * or forked run continues from there. */
void train_ratio_log_truncate(TrainRatioLog *log, int n_epochs);

guint train_ratio_log_n_batches(TrainRatioLog *log);
guint train_ratio_log_n_epochs(TrainRatioLog *log);
/* Appends the rows from index `from` on to values (floats, n_tensors per row) and keys
 * (TrainRatioKey, may be NULL); returns how many rows. A consumer keeps its own arrays and
 * fetches only what is new. */
guint train_ratio_log_copy_batches(TrainRatioLog *log, guint from, GArray *values, GArray *keys);
guint train_ratio_log_copy_epochs(TrainRatioLog *log, guint from, GArray *values);

/* The files, in dir. save_epochs replaces update-ratio.csv with every epoch row;
 * append_batches adds the batch rows of epochs >= from_epoch to update-ratio-batches.csv
 * (creating it with its header when from_epoch is 0 or the file is missing). rewrite_batches
 * replaces the whole batch file atomically (after a truncate). */
gboolean train_ratio_log_save_epochs(TrainRatioLog *log, const char *dir, GError **error);
gboolean train_ratio_log_append_batches(TrainRatioLog *log, const char *dir, int from_epoch,
                                        GError **error);
gboolean train_ratio_log_rewrite_batches(TrainRatioLog *log, const char *dir, GError **error);

/* Reads both files of dir, keeping the first n_epochs epochs. NULL without an error when
 * the folder has no ratio files (runs of LR Lab before this record existed); NULL with an
 * error naming the file and line when one is malformed. */
TrainRatioLog *train_ratio_log_read(const char *dir, int n_epochs, GError **error);

/* The one-sentence reading of the last finished epoch for the diagnosis line, or NULL when
 * every weight tensor is within a factor of 10 of the band (1e-5 .. 1e-1): "conv1 updates 1e-6 of its
 * weights per step: the rate is too low for this layer". Adam gets its own wording, since
 * its ratio follows the rate rather than the gradient. */
char *train_ratio_log_diagnose(TrainRatioLog *log, gboolean adam);
