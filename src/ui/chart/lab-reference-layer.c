/* The reference layer: horizontal lines at fixed values with a label at their right end,
 * such as the chance level (ln(classes) for a loss, 1/classes for an accuracy): a curve that
 * stays on it has learnt nothing. Drawn over the grid and the batch traces, under the curves. */
#include "lab-chart-layer.h"

#include <math.h>

#define LABEL_PAD 3

static void
draw_label (const LabChartDrawContext *dc,
            PangoLayout               *label,
            double                     y)
{
  const cairo_rectangle_t *a = &dc->proj.area;
  double right = a->x + a->width - 8;
  double top;
  int w, h;

  /* On a box above the line, or below it when the line runs along the top edge. */
  pango_layout_get_pixel_size (label, &w, &h);
  top = y - 2 - h - 2 * LABEL_PAD;
  if (top < a->y)
    top = y + 2;
  lab_chart_draw_box (dc, floor (right - w - LABEL_PAD) + 0.5, floor (top) + 0.5,
                      w + 2 * LABEL_PAD, h + 2 * LABEL_PAD);
  lab_chart_set_ink (dc, 0.8);
  lab_chart_show_text (dc, label, right, top + LABEL_PAD, 1, 0);
}

static void
reference_layer_draw (const LabChartDrawContext *dc)
{
  const cairo_rectangle_t *a = &dc->proj.area;
  const GArray *references = dc->model->references;
  cairo_t *cr = dc->cr;
  static const double dashes[] = { 6, 4 };

  for (guint i = 0; i < references->len; i++)
    {
      const LabChartReference *reference = &g_array_index (references, LabChartReference, i);
      PangoLayout *label = lab_chart_layout_get_reference_label (dc->layout, i);
      double y = lab_chart_projection_y (&dc->proj, reference->value);

      /* Out of the range it is not shown: it never widens the range either. */
      if (!isfinite (y) || y < a->y - 0.5 || y > a->y + a->height + 0.5)
        continue;
      y = floor (y) + 0.5;

      cairo_save (cr);
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
      cairo_set_line_width (cr, 1.5);
      lab_chart_set_ink (dc, 0.55);
      cairo_move_to (cr, a->x, y);
      cairo_line_to (cr, a->x + a->width, y);
      cairo_stroke (cr);
      cairo_restore (cr);
      if (label != NULL)
        draw_label (dc, label, y);
    }
}

const LabChartLayerClass lab_reference_layer = {
  .name = "references", .slot = LAB_CHART_SLOT_BATCHES, .draw = reference_layer_draw,
};
