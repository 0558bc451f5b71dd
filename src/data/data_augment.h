/* data_augment: label-preserving changes to training images, each a toggle with a
 * strength. Deterministic per (seed, epoch, image index): the same triple always gives
 * the same image, whichever thread computes it. Validation images are never augmented. */
#pragma once
#include <glib.h>

typedef enum {
    DATA_AUGMENT_HFLIP      = 1 << 0,  /* horizontal flip, probability = strength */
    DATA_AUGMENT_VFLIP      = 1 << 1,  /* vertical flip, probability = strength */
    DATA_AUGMENT_ROT90      = 1 << 2,  /* 0/90/180/270 degrees, probability = strength */
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

/* Parses "flip,rot90,noise" / "none" (for lrlab-train --augment); NULL on error with a
 * message naming the bad word. Names: hflip vflip flip(=both) rot90 rotate translate color noise. */
gboolean data_augment_config_parse(DataAugmentConfig *config, const char *text, GError **error);

/* Short name of kind bit i ("hflip", ...), for UIs and CSV. */
const char *data_augment_kind_name(int i);

/* dst = augment(src), both (height, width, 3) uint8. src and dst must not alias. */
void data_augment_image(guint8 *dst, const guint8 *src, int height, int width,
                        const DataAugmentConfig *config, guint64 seed, int epoch, int index);
