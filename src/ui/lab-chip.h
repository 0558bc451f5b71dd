/* lab-chip: one chip as the galleries draw it: its pixels with, optionally, where the
 * network looked blended over them and the box the generator drew its defect in; and its
 * history as a strip of epochs, green where the network was right, red where wrong. */
#pragma once

#include <gtk/gtk.h>
#include "data_dataset.h"

G_BEGIN_DECLS

/* Image index of set, enlarged by whole pixels towards target. map (height, width) in
 * [0, 1] or NULL, blended at opacity (train_heatmap.h); show_box outlines the image's
 * defect box when the set has one for it. */
GdkTexture *lab_chip_texture_new (const DataSet *set,
                                  int            index,
                                  const float   *map,
                                  double         opacity,
                                  gboolean       show_box,
                                  int            target);

/* right (n_epochs): 1 where the chip was right at that epoch. Fills width x height. */
void        lab_chip_draw_strip  (cairo_t       *cr,
                                  const guint8  *right,
                                  int            n_epochs,
                                  int            width,
                                  int            height);

G_END_DECLS
