/* The chart's stack of layers, bottom first, and the few drawing helpers layers share.
 * The stack is the one place that says what is drawn over what (within a slot; each class
 * names its slot): adding a layer kind is a line here. */
#include "lab-chart-layer.h"

#include <math.h>
#include <pango/pangocairo.h>

#include "lab-text.h"

static const LabChartLayerClass *const stack[] = {
  &lab_grid_layer,
  &lab_batch_layer,
  &lab_reference_layer,
  &lab_band_layer,
  &lab_curve_layer,
  &lab_marker_layer,
  &lab_fork_layer,
  &lab_legend_layer,
  &lab_hover_layer,
};

guint
lab_chart_layers_stale_slots (LabChartChange change)
{
  guint slots = 0;

  for (guint i = 0; i < G_N_ELEMENTS (stack); i++)
    if ((stack[i]->redraw_on & change) != 0 && stack[i]->slot < LAB_CHART_N_CACHED_SLOTS)
      slots |= LAB_CHART_SLOT_BIT (stack[i]->slot);
  return slots;
}

static void
clip_to_plot (const LabChartDrawContext *dc)
{
  const cairo_rectangle_t *a = &dc->proj.area;

  cairo_new_path (dc->cr);
  cairo_rectangle (dc->cr, a->x, a->y - 2, a->width + 2, a->height + 3);
  cairo_clip (dc->cr);
}

static void
draw_runs (const LabChartDrawContext *dc,
           const LabChartLayerClass  *layer)
{
  for (guint i = 0; i < dc->model->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (dc->model->runs, i);
      if (run->visible)
        layer->draw_run (dc, run);
    }
}

void
lab_chart_layers_draw_slot (const LabChartDrawContext *dc,
                            LabChartSlot               slot)
{
  for (guint i = 0; i < G_N_ELEMENTS (stack); i++)
    {
      if (stack[i]->slot != slot)
        continue;
      cairo_save (dc->cr);
      if (stack[i]->clip)
        clip_to_plot (dc);
      if (stack[i]->draw != NULL)
        stack[i]->draw (dc);
      if (stack[i]->draw_run != NULL)
        draw_runs (dc, stack[i]);
      cairo_restore (dc->cr);
    }
}

GdkRGBA
lab_chart_with_alpha (const GdkRGBA *color,
                      double         alpha)
{
  GdkRGBA c = *color;
  c.alpha *= alpha;
  return c;
}

void
lab_chart_set_ink (const LabChartDrawContext *dc,
                   double                     alpha)
{
  GdkRGBA ink = lab_chart_with_alpha (&dc->ink, alpha);

  gdk_cairo_set_source_rgba (dc->cr, &ink);
}

void
lab_chart_show_text (const LabChartDrawContext *dc,
                     PangoLayout               *layout,
                     double                     x,
                     double                     y,
                     double                     xalign,
                     double                     yalign)
{
  lab_text_show (dc->cr, layout, x, y, xalign, yalign);
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   w,
                   double   h,
                   double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

void
lab_chart_draw_box (const LabChartDrawContext *dc,
                    double                     x,
                    double                     y,
                    double                     w,
                    double                     h)
{
  GdkRGBA bg = lab_chart_with_alpha (&dc->background, 0.9);

  rounded_rectangle (dc->cr, x, y, w, h, 6);
  gdk_cairo_set_source_rgba (dc->cr, &bg);
  cairo_fill_preserve (dc->cr);
  lab_chart_set_ink (dc, 0.18);
  cairo_set_line_width (dc->cr, 1);
  cairo_stroke (dc->cr);
}

void
lab_chart_draw_swatch (const LabChartDrawContext *dc,
                       double                     x,
                       double                     y,
                       double                     length,
                       const GdkRGBA             *color,
                       gboolean                   dashed)
{
  cairo_t *cr = dc->cr;

  cairo_save (cr);
  cairo_new_path (cr);
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + length, y);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, LAB_CHART_CURVE_WIDTH);
  if (dashed)
    {
      /* The dashes of lab_line_layer_draw at the curves' width. */
      double dashes[] = { 4 * LAB_CHART_CURVE_WIDTH, 2.5 * LAB_CHART_CURVE_WIDTH };
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}
