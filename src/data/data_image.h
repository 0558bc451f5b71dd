/* data_image: one image file as a trained network sees it, for applying a model to new
 * files (lrlab-predict): decoded exactly as the folder loader decodes a training image
 * (the same function), and what the file was before that, so a caller can say that images
 * of another size or channel count were converted. */
#pragma once
#include "data_folder.h"

typedef struct {
    int width, height;   /* the file's own size; 0 when unknown */
    int channels;        /* 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA; 0 unknown (only PNG and
                          * JPEG headers are read for it) */
} DataImageInfo;

/* Whether a file name is one the folder loader takes as an image (its extension, and not
 * a hidden or system file). */
gboolean data_image_is_image_name(const char *name);

/* Decodes path into dst (size, size, 3) resized by resize, as data_folder_load would;
 * info (may be NULL) receives the file's size and channels. Returns NULL, or why the file
 * cannot be used (newly allocated: "not an image: ...", "truncated: ..."). */
char *data_image_load(const char *path, int size, DataResizeMode resize, guint8 *dst,
                      DataImageInfo *info);
