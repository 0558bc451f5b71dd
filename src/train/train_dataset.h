/* train_dataset: the one way from a TrainConfig to the DataSet it trains on, synthetic
 * chips or a user's folder, for the run's worker, lrlab-train and the app's settings
 * panel alike: the same settings give the same images wherever they are loaded. */
#pragma once
#include <gio/gio.h>
#include "data_folder.h"
#include "train_config.h"
#include "train_notifier.h"

/* The state of a loading's TrainNotifier: images done of total (0 of 0 while a folder
 * is still being listed). */
typedef struct {
    int done, total;
} TrainLoadProgress;

/* Generates or loads config's images at config->size: synthetic from config->synthetic
 * (its seed is the data seed), a folder with config->resize and at most
 * train_config_memory_limit(config) bytes. report (may be NULL) receives the files a
 * folder skipped and a class-imbalance warning; it is cleared first, and empty for
 * synthetic data. progress is called from the loading threads (see DataProgressFunc).
 * NULL with G_IO_ERROR_CANCELLED when cancelled, or the loader's message. */
DataSet *train_dataset_load(const TrainConfig *config, DataFolderReport *report,
                            DataProgressFunc progress, gpointer progress_data,
                            GCancellable *cancellable, GError **error);

/* The same in a thread of its own; progress (may be NULL) is published to notifier as a
 * TrainLoadProgress, the notifier made with train_notifier_new(ctx,
 * sizeof(TrainLoadProgress)). callback runs on the caller's thread-default context. */
void train_dataset_load_async(const TrainConfig *config, TrainNotifier *notifier,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
/* The set (a new reference) or NULL with the error; report as for train_dataset_load. */
DataSet *train_dataset_load_finish(GAsyncResult *result, DataFolderReport *report,
                                   GError **error);
