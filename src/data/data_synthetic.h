/* data_synthetic: the built-in IC-chip inspection dataset, drawn with Cairo. Top views of
 * DIP, SOIC and QFP packages on trays, PCB green or dark backgrounds, with defects
 * (missing pin, bent pin, chipped corner, crack, scratch, particle, burn mark, missing
 * or smeared marking). Same parameters and seed give byte-identical images. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"

/* The defaults, kept here so the training presets can be tuned against them in one place.
 * Calibrated with our engine: lrlab-train --model small --lr 1e-3 --batch 64 --dropout off,
 * 0.25 validation split (1500 training images). At 1000 per class, difficulty 0, seed 1,
 * validation accuracy by epoch 1-15: .53 .50 .50 .69 .59 .73 .81 .83 .84 .88 .87 .89 .89
 * .91 .90 (seed 2: .82 at epoch 8, .88 at 15). The validation loss is lowest at epoch 12
 * (0.31) and then rises (0.64 at epoch 28) while the training loss falls to 0.0004: it
 * learns, then overfits. With the preset's dropout on, 1e-3 starts later and reaches
 * 0.78 at epoch 10, 0.81 at 11, 0.87 at 15; over 10 epochs 1e-1 explodes, 1e-2 sits at
 * chance, 1e-4 and 1e-5 crawl (best 0.55, 0.54). Harder is much slower: at
 * difficulty 0.1 ~0.80 took 12 epochs (0.78 best with seed 2), at 0.25 only 0.65 after
 * 15, and the old default (difficulty 0.5, 600 per class, smaller defects, wider nuisance
 * ranges) stayed near chance. More images helped most (600 per class stayed near chance
 * for 15 epochs even at difficulty 0 in an earlier version of these changes; 1000 costs
 * ~2-3 s per epoch on 2 cores). Pin and marking defects stay subtle at 64x64, so the
 * two-class set leaves them out at difficulty 0 (see kind_weight in
 * data_synthetic_scene.c). Retune here. */
#define DATA_SYNTHETIC_DEFAULT_PER_CLASS 1000
#define DATA_SYNTHETIC_DEFAULT_SIZE 64
#define DATA_SYNTHETIC_DEFAULT_DIFFICULTY 0.0
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
    double difficulty;      /* 0 (large defects, tame scenes) .. 1 (small, faint, varied); default 0 */
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
 * set->defect_boxes[i] is where image i's defect is (what data_synthetic_draw reports for
 * it; empty for a good chip), e.g. to check that a saliency map looks at the defect.
 * Returns NULL with G_IO_ERROR_CANCELLED when cancelled, or
 * G_IO_ERROR_INVALID_ARGUMENT for out-of-range parameters (the message names the one). */
DataSet *data_synthetic_generate(const DataSyntheticParams *params, DataProgressFunc progress,
                                 gpointer progress_data, GCancellable *cancellable,
                                 GError **error);

/* The defect kind data_synthetic_generate draws image `index` with under params (a
 * DataDefectKind), or -1 for a good chip: in the multiclass set the class's kind, in the
 * two-class set drawn from (seed, index) and the difficulty. Label noise does not change
 * it (it relabels, the pixels stay). */
int data_synthetic_defect_of(const DataSyntheticParams *params, int index);

/* Writes every image as PNG under dir/<class>/<nnnnnn>.png (the image-folder layout) and
 * the class order as dir/classes.txt (DATA_FOLDER_CLASS_ORDER_FILE), so that loading the
 * folder numbers the classes as the set does (good = 0, not alphabetically). */
gboolean data_synthetic_export(const DataSet *set, const char *dir, GError **error);

/* Where a defect was drawn, in pixels (empty when none was): the DataBox that
 * set->defect_boxes holds per image. */
typedef DataBox DataSyntheticBox;

/* Draws one image into rgb (size, size, 3): the chip, background, lighting and noise of
 * image `index` under `seed`, with the given defect (a DataDefectKind, or -1 for a good
 * chip). The scene does not depend on the defect, so drawing an index with and without
 * its defect shows exactly what the defect changes; box (may be NULL) receives where
 * that is. data_synthetic_generate draws its images with this; the contact sheet and the
 * tests call it directly. */
void data_synthetic_draw(guint8 *rgb, int size, double difficulty, guint64 seed, int index,
                         int defect, DataSyntheticBox *box);
