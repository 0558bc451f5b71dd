/* lab-image: uint8 RGB images (a DataSet's pixels) as GdkTextures for the galleries,
 * enlarged by whole pixels so a 32x32 chip stays sharp instead of turning to blur. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* pixels: (height, width, 3). scale >= 1 repeats each pixel scale x scale times. */
GdkTexture *lab_texture_new_from_rgb (const guint8 *pixels,
                                      int           width,
                                      int           height,
                                      int           scale);
/* The whole-pixel factor that brings side closest to target without exceeding it (>= 1). */
int         lab_texture_scale_for    (int           side,
                                      int           target);

G_END_DECLS
