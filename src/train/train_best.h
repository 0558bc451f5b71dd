/* train_best: which epoch of a run is its best, in one definition for every place that
 * names it: the worker (best.ckpt, status.ini's best-epoch, early stopping), a folder read
 * back (train_run_load) and lrlab-train's summary table. The best epoch has the lowest
 * validation loss, where a later epoch only counts as better when it beats the best so
 * far by more than min_delta (Keras's EarlyStopping rule): with --min-delta the best is
 * the first epoch of a plateau, not its noisy lowest point. */
#pragma once
#include <glib.h>
#include "train_types.h"

/* Whether an epoch of validation loss val_loss beats best_val_loss (INFINITY before the
 * first epoch) by more than min_delta. A non-finite loss never does. */
gboolean train_best_improves(double best_val_loss, double val_loss, double min_delta);

/* The best of epochs (n) by that rule, or -1 when none has a finite validation loss. */
int train_best_epoch(const TrainEpoch *epochs, int n, double min_delta);
