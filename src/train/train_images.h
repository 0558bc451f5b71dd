/* train_images: the validation images of a run read back from its folder, so the app's
 * galleries show them again after a restart: the built-in chips are regenerated from the
 * recorded parameters (and checked against the recorded sources, so a generator that
 * changed is reported rather than shown under the wrong answers), a user's folder is
 * reloaded by path and matched by file path (so files added or removed since do not shift
 * the rest). A run folder keeps no pixels; this is where they come back from. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"
#include "train_run.h"

typedef struct {
    DataSet *images;   /* the validation images found, in split order; recorded labels */
    int *val_images;   /* (n_val) each validation image's index into images, -1 if gone */
    int n_val;
    int n_missing;     /* validation images no longer in the folder */
} TrainImages;

void train_images_clear(TrainImages *images);

/* The images of run (one read back with train_run_load; a live run has its own) from its
 * config. FALSE with an error a user can read: G_IO_ERROR_NOT_FOUND when the folder is
 * gone ("The folder ... is gone"), INVALID_DATA when what was regenerated or reloaded
 * does not match the record at all, the loader's error otherwise, CANCELLED. */
gboolean train_images_load(TrainRun *run, TrainImages *out, GCancellable *cancellable,
                           GError **error);

/* The same in a thread; callback on the caller's thread-default context. */
void train_images_load_async(TrainRun *run, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
gboolean train_images_load_finish(GAsyncResult *result, TrainImages *out, GError **error);
