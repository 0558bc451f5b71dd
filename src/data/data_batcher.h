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

/* indices (n) are copied. augment may be NULL (no augmentation, e.g. validation). */
DataBatcher *data_batcher_new(DataSet *set, const int *indices, int n, int batch_size,
                              gboolean shuffle, const DataAugmentConfig *augment,
                              const DataNormalization *norm, guint64 seed);
void data_batcher_free(DataBatcher *batcher);

int data_batcher_batches_per_epoch(const DataBatcher *batcher);

/* Starts an epoch (shuffles with (seed, epoch); starts preparing the first batch). */
void data_batcher_start_epoch(DataBatcher *batcher, int epoch);

/* The next batch of the epoch, valid until the next call; FALSE at the epoch's end. */
gboolean data_batcher_next(DataBatcher *batcher, DataBatch *batch);
