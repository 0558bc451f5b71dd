/* lab-chip: the chip picture (heatmap and defect box drawn into its pixels before the
 * whole-pixel enlargement, so both stay as sharp as the chip) and the epoch strip. */
#include "config.h"

#include <string.h>

#include "lab-chip.h"
#include "lab-image.h"
#include "train_heatmap.h"

/* The box's edge in white with a dark ring outside it: visible on a bright chip, on a dark
 * one and on every colour of the map. */
static void
outline_box (guint8       *rgb,
             int           width,
             int           height,
             const DataBox *box)
{
  static const guint8 colors[2][3] = { { 255, 255, 255 }, { 20, 20, 20 } };

  for (int ring = 0; ring < 2; ring++)
    {
      int x0 = box->x - ring, y0 = box->y - ring;
      int x1 = box->x + box->width - 1 + ring, y1 = box->y + box->height - 1 + ring;

      for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
          {
            if ((y != y0 && y != y1 && x != x0 && x != x1) || x < 0 || y < 0 || x >= width || y >= height)
              continue;
            memcpy (rgb + ((gsize) y * width + x) * 3, colors[ring], 3);
          }
    }
}

GdkTexture *
lab_chip_texture_new (const DataSet *set,
                      int            index,
                      const float   *map,
                      double         opacity,
                      gboolean       show_box,
                      int            target)
{
  g_autofree guint8 *rgb = NULL;
  const int w = set->width, h = set->height;

  g_return_val_if_fail (set != NULL && index >= 0 && index < set->count, NULL);

  rgb = g_memdup2 (data_set_image (set, index), (gsize) w * h * 3);
  if (map != NULL)
    train_heatmap_overlay (rgb, rgb, map, w, h, opacity);
  if (show_box && set->defect_boxes != NULL && set->defect_boxes[index].width > 0)
    outline_box (rgb, w, h, &set->defect_boxes[index]);
  return lab_texture_new_from_rgb (rgb, w, h, lab_texture_scale_for (MAX (w, h), target));
}

void
lab_chip_draw_strip (cairo_t      *cr,
                     const guint8 *right,
                     int           n_epochs,
                     int           width,
                     int           height)
{
  /* Adwaita's success and error colours. */
  static const double green[3] = { 0.18, 0.76, 0.49 }, red[3] = { 0.88, 0.11, 0.14 };
  const double cell = (double) width / MAX (n_epochs, 1);

  for (int e = 0; e < n_epochs; e++)
    {
      const double *c = right[e] ? green : red;

      cairo_set_source_rgb (cr, c[0], c[1], c[2]);
      /* a hairline gap between epochs while they are wide enough to count */
      cairo_rectangle (cr, e * cell, 0, cell > 4 ? cell - 1 : cell, height);
      cairo_fill (cr);
    }
}
