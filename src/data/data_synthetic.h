/* data_synthetic: the built-in IC-chip inspection dataset, drawn with Cairo. Top views of
 * DIP, SOIC and QFP packages on trays, PCB green or dark backgrounds, with defects
 * (missing pin, bent pin, chipped corner, crack, scratch, particle, burn mark, missing
 * or smeared marking). Same parameters and seed give byte-identical images. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"

typedef enum {
    DATA_DEFECT_MISSING_PIN,
    DATA_DEFECT_BENT_PIN,
    DATA_DEFECT_CHIPPED_CORNER,
    DATA_DEFECT_CRACK,
    DATA_DEFECT_SCRATCH,
    DATA_DEFECT_PARTICLE,
    DATA_DEFECT_BURN_MARK,
    DATA_DEFECT_BAD_MARKING,
    DATA_N_DEFECTS,
} DataDefectKind;

typedef struct {
    int images_per_class;   /* default: DATA_SYNTHETIC_DEFAULT_PER_CLASS */
    int size;               /* square side in pixels, 16..384; default 64 */
    double difficulty;      /* 0 (large, contrasted defects) .. 1 (small, faint); default 0.5 */
    double label_noise;     /* fraction of labels flipped to another class, 0..0.5; default 0 */
    gboolean multiclass;    /* FALSE: classes good, defect. TRUE: good + one per defect kind */
    guint64 seed;
    int threads;            /* 0 = all cores */
} DataSyntheticParams;

/* The defaults the app and lrlab-train start from. */
DataSyntheticParams data_synthetic_params_default(void);

/* Progress callback: called from worker threads, possibly concurrently; done/total images. */
typedef void (*DataProgressFunc)(int done, int total, gpointer user_data);

/* Generates the dataset. Returns NULL with G_IO_ERROR_CANCELLED when cancelled, or
 * G_IO_ERROR_INVALID_ARGUMENT for out-of-range parameters (the message names the one). */
DataSet *data_synthetic_generate(const DataSyntheticParams *params, DataProgressFunc progress,
                                 gpointer progress_data, GCancellable *cancellable,
                                 GError **error);

/* Writes every image as PNG under dir/<class>/<nnnnnn>.png (the image-folder layout). */
gboolean data_synthetic_export(const DataSet *set, const char *dir, GError **error);
