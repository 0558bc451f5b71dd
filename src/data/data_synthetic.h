/* data_synthetic: the built-in IC-chip inspection dataset, drawn with Cairo. Top views of
 * DIP, SOIC and QFP packages on trays, PCB green or dark backgrounds, with defects
 * (missing pin, bent pin, chipped corner, crack, scratch, particle, burn mark, missing
 * or smeared marking). Same parameters and seed give byte-identical images. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"

/* The defaults, kept here so the training presets can be tuned against them in one place.
 * Calibrated with our engine: lrlab-train --model small --lr 1e-3 --batch 64, dropout on
 * (the preset's), 0.25 validation split, difficulty 0.
 *
 * Why 2500 per class (issue 12, "the first seconds"): the network must first break the
 * symmetry of its start (every image scored 1/2, loss ln 2) and that takes a number of
 * Adam steps, not of epochs. At 1000 per class an epoch is only 24 steps (the student's
 * real chips give ~190), so a good rate sat at chance for up to 7 epochs and looked like
 * one that crawls (seeds 1-5, 10 epochs: best 0.78 0.75 0.69 0.79 0.79). Initialisation
 * (He, Glorot, zero biases), a global-pooling head, fewer convolutions and smaller
 * batches did not help (first-seconds-findings.md); more steps per epoch did. 2000 per
 * class still left seed 2 at chance for 3 epochs; at 2500 (59 steps an epoch) seeds 1-5
 * at 1e-3 read, epochs 1-10:
 *   1: .50 .55 .77 .83 .90 .91 .92 .94 .92 .95
 *   2: .50 .55 .69 .75 .87 .86 .89 .93 .92 .94
 *   3: .50 .62 .74 .83 .92 .90 .93 .95 .96 .95
 *   4: .50 .63 .68 .75 .82 .85 .91 .91 .93 .94
 *   5: .52 .57 .64 .80 .86 .90 .89 .93 .92 .92
 * (off chance by epoch 3, >= 0.85 by epoch 6), while 1e-4 crawls (seed 1: 0.59 at epoch
 * 4, 0.76 at 10) and 1e-1 fails; with dropout off the validation loss turns up after its
 * minimum while the training loss falls on (the overfitting lesson, later than before).
 * 3000 per class is a little faster still, but every epoch costs the teacher 20% more
 * waiting: an epoch of the small preset is ~2.5 times the old one (about 5 s on 2 cores).
 * Harder is much slower: at difficulty 0.1 ~0.80 took 12 epochs at 1000 per class, at
 * 0.25 only 0.65 after 15. Pin and marking defects stay subtle at 64x64, so the two-class
 * set leaves them out at difficulty 0 (see kind_weight in data_synthetic_scene.c).
 * Retune here. */
#define DATA_SYNTHETIC_DEFAULT_PER_CLASS 2500
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
