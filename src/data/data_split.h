/* data_split: the stratified train/validation split (seeded; identical for every run that
 * shares the seed, so runs compare on the same validation images) and the per-channel
 * normalisation computed on the training split. */
#pragma once
#include <glib.h>
#include "data_dataset.h"

typedef struct {
    int *train;   /* indices into the DataSet */
    int n_train;
    int *val;
    int n_val;
} DataSplit;

/* Uses set->given_split when the folder had train/val folders; otherwise stratified:
 * round(val_fraction * n_c) of each class c go to validation. */
DataSplit *data_split_new(const DataSet *set, double val_fraction, guint64 seed);
void data_split_free(DataSplit *split);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DataSplit, data_split_free)

typedef struct {
    float mean[3];   /* per channel, in 0..255 units */
    float std[3];
} DataNormalization;

DataNormalization data_normalization_compute(const DataSet *set, const int *indices, int n);

/* dst (height*width*3 floats) = (src - mean) / std. */
void data_normalize_image(float *dst, const guint8 *src, int n_pixels,
                          const DataNormalization *norm);
