/* data_synthetic: the built-in IC-chip inspection dataset, drawn with Cairo. Top views of
 * DIP, SOIC and QFP packages on trays, PCB green or dark backgrounds, with defects
 * (missing pin, bent pin, chipped corner, crack, scratch, particle, burn mark, missing
 * or smeared marking). Same parameters and seed give byte-identical images. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"

/* The defaults, kept here so the training presets can be tuned against them in one place.
 * 600 per class at 64x64 with a 0.25 validation split gives 900 training images. Measured
 * with a PyTorch probe (conv 16-32-64-64 each + 2x2 max pool, dense 128, dense 2; Adam 1e-3,
 * batch 32): at difficulty 0.5 the validation loss falls from 0.693 to ~0.63 (accuracy
 * ~0.61) by epoch 9, then rises (0.79 at epoch 17) while the training loss keeps falling
 * (0.35): it learns, then overfits. With defects 1.3-1.5x smaller and fainter (difficulty
 * ~0.75) it only memorised within 20 epochs, even with 1000 per class. Pin and marking
 * defects stay subtle at 64x64, so accuracy is capped well below 100%. Retune here. */
#define DATA_SYNTHETIC_DEFAULT_PER_CLASS 600
#define DATA_SYNTHETIC_DEFAULT_SIZE 64
#define DATA_SYNTHETIC_DEFAULT_DIFFICULTY 0.5
#define DATA_SYNTHETIC_MIN_SIZE 16
#define DATA_SYNTHETIC_MAX_SIZE 384
#define DATA_SYNTHETIC_MAX_PER_CLASS 100000

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

/* "missing_pin", "bent_pin", ...: the multiclass class names (class kind + 1). */
const char *data_defect_kind_name(DataDefectKind kind);

typedef struct {
    int images_per_class;   /* default: DATA_SYNTHETIC_DEFAULT_PER_CLASS; 1..100000 */
    int size;               /* square side in pixels, 16..384; default 64 */
    double difficulty;      /* 0 (large, contrasted defects) .. 1 (smaller, fainter); default 0.5 */
    double label_noise;     /* fraction of labels flipped to another class, 0..0.5; default 0 */
    gboolean multiclass;    /* FALSE: classes good, defect. TRUE: good + one per defect kind */
    guint64 seed;
    int threads;            /* 0 = all cores */
} DataSyntheticParams;

/* The defaults the app and lrlab-train start from. */
DataSyntheticParams data_synthetic_params_default(void);

/* Progress callback: called from worker threads, possibly concurrently; done/total images. */
typedef void (*DataProgressFunc)(int done, int total, gpointer user_data);

/* Generates the dataset. Image i has class i % num_classes (so every prefix is balanced);
 * in the two-class set a defective image's kind is drawn from (seed, i). label_noise then
 * relabels exactly round(label_noise * count) images (the pixels stay as drawn).
 * Returns NULL with G_IO_ERROR_CANCELLED when cancelled, or
 * G_IO_ERROR_INVALID_ARGUMENT for out-of-range parameters (the message names the one). */
DataSet *data_synthetic_generate(const DataSyntheticParams *params, DataProgressFunc progress,
                                 gpointer progress_data, GCancellable *cancellable,
                                 GError **error);

/* Writes every image as PNG under dir/<class>/<nnnnnn>.png (the image-folder layout). */
gboolean data_synthetic_export(const DataSet *set, const char *dir, GError **error);

/* Where a defect was drawn, in pixels (empty when none was). */
typedef struct {
    int x, y, width, height;
} DataSyntheticBox;

/* Draws one image into rgb (size, size, 3): the chip, background, lighting and noise of
 * image `index` under `seed`, with the given defect (a DataDefectKind, or -1 for a good
 * chip). The scene does not depend on the defect, so drawing an index with and without
 * its defect shows exactly what the defect changes; box (may be NULL) receives where
 * that is. data_synthetic_generate draws its images with this; the contact sheet and the
 * tests call it directly. */
void data_synthetic_draw(guint8 *rgb, int size, double difficulty, guint64 seed, int index,
                         int defect, DataSyntheticBox *box);
