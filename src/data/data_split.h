/* data_split: the stratified train/validation split (seeded; identical for every run that
 * shares the seed, so runs compare on the same validation images) and the per-channel
 * normalisation computed on the training split. */
#pragma once
#include <glib.h>
#include "data_dataset.h"

typedef struct {
    int *train;   /* indices into the DataSet, ascending */
    int n_train;
    int *val;     /* ascending */
    int n_val;
} DataSplit;

#define DATA_SPLIT_DEFAULT_VAL_FRACTION 0.25

/* When set->given_split is set (a folder with train/ and val/ folders) it decides and
 * val_fraction and seed are ignored; test images go to neither list. When the folder gave
 * train/ but no val/ images, its train images are split as below.
 * Otherwise stratified: of each class c with n_c images, round(val_fraction * n_c) go to
 * validation, clamped to [1, n_c - 1] when n_c >= 2 and val_fraction > 0 (so every class
 * is seen in both); a class with one image trains. The images of class c are shuffled by
 * xoshiro256** seeded with nn_rng_mix(seed, 0x5b117, c): the split depends only on the
 * seed, the fraction and the labels. val_fraction in [0, 1). */
DataSplit *data_split_new(const DataSet *set, double val_fraction, guint64 seed);
void data_split_free(DataSplit *split);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DataSplit, data_split_free)

typedef struct {
    float mean[3];   /* per channel, in 0..255 units */
    float std[3];    /* population std; 1 for a constant channel (nothing to scale) */
} DataNormalization;

/* Mean and std of each channel over the images indices (n) only: pass the training split,
 * so nothing about the validation images leaks into training. */
DataNormalization data_normalization_compute(const DataSet *set, const int *indices, int n);

/* The identity (mean 0, std 1): raw 0..255 values as floats. */
DataNormalization data_normalization_identity(void);

/* dst (n_pixels*3 floats) = (src - mean) / std, src (n_pixels*3) uint8 RGB. */
void data_normalize_image(float *dst, const guint8 *src, int n_pixels,
                          const DataNormalization *norm);
