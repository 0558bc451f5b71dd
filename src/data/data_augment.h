/* data_augment: label-preserving changes to training images, each a toggle with a
 * strength. Deterministic per (seed, epoch, image index): the same triple always gives
 * the same image, whichever thread computes it. Validation images are never augmented. */
#pragma once
#include <glib.h>

typedef enum {
    DATA_AUGMENT_HFLIP      = 1 << 0,  /* horizontal flip, probability = strength */
    DATA_AUGMENT_VFLIP      = 1 << 1,  /* vertical flip, probability = strength */
    DATA_AUGMENT_ROT90      = 1 << 2,  /* with probability = strength, a turn of 90, 180 or
                                        * 270 degrees (uniform); square images only */
    DATA_AUGMENT_ROTATE     = 1 << 3,  /* small angle, +-strength*30 degrees */
    DATA_AUGMENT_TRANSLATE  = 1 << 4,  /* random crop/shift, +-strength*25% of the side */
    DATA_AUGMENT_COLOR      = 1 << 5,  /* brightness/contrast, +-strength*40% */
    DATA_AUGMENT_NOISE      = 1 << 6,  /* Gaussian noise, sigma = strength*25 levels */
} DataAugmentFlags;

#define DATA_AUGMENT_N_KINDS 7

typedef struct {
    guint flags;                              /* DataAugmentFlags */
    float strength[DATA_AUGMENT_N_KINDS];     /* 0..1, indexed by bit position */
} DataAugmentConfig;

/* Everything off; strengths at sensible defaults for when they are switched on. */
DataAugmentConfig data_augment_config_default(void);

/* Parses "flip,rot90,noise" / "none" (for lrlab-train --augment) into config (flags set,
 * default strengths); a word may carry its strength, "noise=0.2". Returns FALSE with
 * G_OPTION_ERROR_BAD_VALUE naming the bad word and the known ones on error (config is
 * then untouched). Names: none hflip vflip flip(=both) rot90 rotate translate color noise. */
gboolean data_augment_config_parse(DataAugmentConfig *config, const char *text, GError **error);

/* The inverse of parse for the kinds switched on: "hflip,noise=0.2" (strengths written
 * only when they differ from the default) or "none". Free with g_free. */
char *data_augment_config_to_string(const DataAugmentConfig *config);

/* Short name of kind bit i ("hflip", ...), for UIs and CSV; NULL out of range. */
const char *data_augment_kind_name(int i);

/* dst = augment(src), both (height, width, 3) uint8. src and dst must not alias.
 * Geometry first (flips, quarter turn, then one bilinear warp for rotation + shift with
 * the border replicated), then brightness/contrast, then noise. Every random number is
 * drawn from xoshiro256** seeded with nn_rng_mix(seed, epoch, index), in a fixed order
 * whatever is switched on, so toggling one kind never changes what another one does. */
void data_augment_image(guint8 *dst, const guint8 *src, int height, int width,
                        const DataAugmentConfig *config, guint64 seed, int epoch, int index);

/* The app's preview: dst (n_variants, height, width, 3) = image `index` as the training
 * will see it in epochs 0 .. n_variants-1, i.e. variant v is
 * data_augment_image(dst + v*H*W*3, src, H, W, config, seed, v, index). With the seed and
 * dataset index the DataBatcher uses, the preview shows exactly the trained images. */
void data_augment_variants(guint8 *dst, int n_variants, const guint8 *src, int height,
                           int width, const DataAugmentConfig *config, guint64 seed,
                           int index);

/* Exact pixel permutations, exposed for tests and for anyone who needs one. dst != src.
 * rot90 turns counter-clockwise by quarter_turns*90 degrees; width == height unless
 * quarter_turns is even. */
void data_augment_hflip(guint8 *dst, const guint8 *src, int height, int width);
void data_augment_vflip(guint8 *dst, const guint8 *src, int height, int width);
void data_augment_rot90(guint8 *dst, const guint8 *src, int height, int width,
                        int quarter_turns);
