/* train_predictions: every class's probability for every validation image after every
 * epoch, in one checksummed binary file (predictions.bin), so the app can show which chips
 * were misclassified, how sure the network was of each class and when each chip was
 * learned, for any epoch of a run read back from disk. The rest of the run folder, and
 * when this file is written: docs/run-folder.md. The exported train.py writes the same
 * bytes from Python, so this layout is a contract: change it only with a new version.
 * Format v2, little-endian:
 *   magic "LRLABPRD" (8 bytes) | u32 version = 2 | u32 num_classes (2..65535)
 *   | u32 n_val | u32 n_epochs
 *   | i32 val_index[n_val]     index into the dataset, 0 <= index
 *   | i32 val_label[n_val]     true class, 0 <= label < num_classes
 *   | n_val x (u32 length, length bytes of UTF-8, no NUL): each image's source
 *                              ("synthetic/defect/000123" or a file path)
 *   | n_epochs x n_val x num_classes f32: every class's softmax probability, epoch-major,
 *                              then image, then class
 *   | u64 FNV-1a 64 (offset 14695981039346656037, prime 1099511628211) of every byte
 *     before it
 * The predicted class is the argmax (the first of equal maxima), derived on read. A run
 * writes the file before its dataset is known with num_classes = n_val = n_epochs = 0.
 * Version 1 (LR Lab's first) kept per image and epoch only (u8 predicted, f32 confidence,
 * f32 true_probability) in place of the probabilities, at most 256 classes; it still
 * reads, without probabilities. */
#pragma once
#include <glib.h>
#include "train_types.h"

#define TRAIN_PREDICTIONS_VERSION 2u
#define TRAIN_PREDICTIONS_MAX_CLASSES 65535

typedef struct {
    guint32 version;         /* as read: 1 or 2 */
    int num_classes;
    int n_val;
    int *val_indices;        /* (n_val) into the dataset */
    int *val_labels;         /* (n_val) true class */
    char **val_sources;      /* (n_val) NULL-terminated */
    int n_epochs;
    float *probabilities;    /* (n_epochs, n_val, num_classes); NULL from a version 1 file */
    TrainPrediction *predictions;   /* (n_epochs, n_val): derived, or version 1's */
} TrainPredictionsFile;

void train_predictions_file_clear(TrainPredictionsFile *file);

/* Writes a version 2 file atomically. sources may be NULL (then empty strings);
 * probabilities is (n_epochs, n_val, num_classes). */
gboolean train_predictions_save(const char *path, int num_classes, int n_val,
                                const int *val_indices, const int *val_labels,
                                const char *const *sources, const float *probabilities,
                                int n_epochs, GError **error);

/* Reads and verifies the file (size, version, checksum, every label and index in range);
 * on failure the error (G_IO_ERROR_INVALID_DATA, or NOT_SUPPORTED for another version)
 * says what is wrong ("truncated", "checksum mismatch", "validation image 3 is of class
 * 7 but there are 2 classes") and file is left cleared. */
gboolean train_predictions_load(const char *path, TrainPredictionsFile *file, GError **error);
