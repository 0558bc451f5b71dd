/* data_batcher: batches of normalised float images for the engine, in a seeded shuffled
 * order per epoch, prepared one batch ahead in a background thread while the engine
 * computes the current one. Training batches are augmented; validation ones never. */
#pragma once
#include <glib.h>
#include "data_dataset.h"
#include "data_augment.h"
#include "data_split.h"

typedef struct {
    int size;            /* images in this batch (the last one may be short) */
    float *images;       /* (size, H, W, 3) normalised, NHWC, owned by the batcher */
    int *labels;         /* (size) */
    int *indices;        /* (size) indices into the DataSet */
} DataBatch;

typedef struct _DataBatcher DataBatcher;

/* indices (n) are copied; the batcher holds a reference on set. augment may be NULL (no
 * augmentation, e.g. validation) and is copied, as is norm (NULL = identity). Image
 * indices[k] in epoch e is data_augment_image(..., seed, e, indices[k]): the same
 * image the app's preview shows for that seed. With shuffle, epoch e's order is a
 * Fisher-Yates shuffle of indices by xoshiro256** seeded with
 * nn_rng_mix(seed, e, G_MAXUINT64) (a stream no image index uses); without, the order
 * of indices. Each batcher owns one background thread. */
DataBatcher *data_batcher_new(DataSet *set, const int *indices, int n, int batch_size,
                              gboolean shuffle, const DataAugmentConfig *augment,
                              const DataNormalization *norm, guint64 seed);
/* The bytes a batcher of images height x width in batches of batch_size allocates: its
 * slots of normalised floats, labels and indices, and one image of scratch. What a run
 * counts before it makes one (train_plan.h). */
gsize data_batcher_bytes(int height, int width, int batch_size);

/* Stops the background thread (at once, even mid-batch) and frees everything. */
void data_batcher_free(DataBatcher *batcher);

int data_batcher_batches_per_epoch(const DataBatcher *batcher);

/* Starts an epoch (shuffles with (seed, epoch); starts preparing the first batch). May be
 * called mid-epoch: the unfinished epoch is dropped. */
void data_batcher_start_epoch(DataBatcher *batcher, int epoch);

/* The next batch of the epoch, valid until the next call (or start_epoch/free); FALSE at
 * the epoch's end. Blocks only when the background thread has not finished it yet. */
gboolean data_batcher_next(DataBatcher *batcher, DataBatch *batch);

/* Totals since creation, for benchmarks and the app's diagnostics: seconds the
 * background thread spent preparing batches, seconds callers spent blocked in
 * data_batcher_next, and batches prepared. Any pointer may be NULL. */
void data_batcher_timings(DataBatcher *batcher, double *prepare_seconds,
                          double *wait_seconds, int *batches_prepared);
