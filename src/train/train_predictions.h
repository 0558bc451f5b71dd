/* train_predictions: the model's answer for every validation image after every epoch, in
 * one checksummed binary file (predictions.bin), so the app can show which chips were
 * misclassified at any epoch of a run read back from disk. The rest of the run folder,
 * and when this file is written: docs/run-folder.md.
 * Format v1, little-endian:
 *   magic "LRLABPRD" | u32 version | u32 num_classes | u32 n_val | u32 n_epochs
 *   | i32 val_index[n_val] | i32 val_label[n_val]
 *   | n_val x (u32 length, bytes): the image's source ("synthetic/defect/000123", a path)
 *   | n_epochs x n_val x (u8 predicted, f32 confidence, f32 true_probability)
 *   | u64 FNV-1a of every byte before it */
#pragma once
#include <glib.h>
#include "train_types.h"

#define TRAIN_PREDICTIONS_VERSION 1u

typedef struct {
    int num_classes;
    int n_val;
    int *val_indices;        /* (n_val) into the dataset */
    int *val_labels;         /* (n_val) true class */
    char **val_sources;      /* (n_val) NULL-terminated */
    int n_epochs;
    TrainPrediction *predictions;   /* (n_epochs, n_val) */
} TrainPredictionsFile;

void train_predictions_file_clear(TrainPredictionsFile *file);

/* Writes the file atomically. sources may be NULL (then empty strings). */
gboolean train_predictions_save(const char *path, int num_classes, int n_val,
                                const int *val_indices, const int *val_labels,
                                const char *const *sources,
                                const TrainPrediction *predictions, int n_epochs,
                                GError **error);

/* Reads and verifies the file (size, version, checksum); on failure the error says what
 * is wrong ("truncated", "checksum mismatch") and file is left cleared. */
gboolean train_predictions_load(const char *path, TrainPredictionsFile *file, GError **error);
