/* The grid layer: grid lines and tick labels of both axes (linear or log alike: the ticks
 * come from LabAxis), the two axis lines, the axis titles and the chart's title. It changes
 * only with the ranges and the layout, both of which redraw every layer. */
#include "lab-chart-layer.h"

#include <math.h>

/* One axis' ticks: a grid line across the plot and the label beside the axis. */
static void
draw_ticks (const LabChartDrawContext *dc,
            GtkOrientation             axis)
{
  const cairo_rectangle_t *a = &dc->proj.area;
  cairo_t *cr = dc->cr;
  guint n;
  const LabTickLabel *ticks = lab_chart_layout_get_ticks (dc->layout, dc->model, axis, &n);

  for (guint i = 0; i < n; i++)
    {
      gboolean along_x = axis == GTK_ORIENTATION_HORIZONTAL;
      double at = along_x ? lab_chart_projection_x (&dc->proj, ticks[i].tick.value)
                          : lab_chart_projection_y (&dc->proj, ticks[i].tick.value);

      at = floor (at) + 0.5;
      lab_chart_set_ink (dc, ticks[i].tick.major ? 0.12 : 0.05);
      if (along_x)
        {
          cairo_move_to (cr, at, a->y);
          cairo_line_to (cr, at, a->y + a->height);
        }
      else
        {
          cairo_move_to (cr, a->x, at);
          cairo_line_to (cr, a->x + a->width, at);
        }
      cairo_stroke (cr);
      if (ticks[i].text == NULL)
        continue;
      lab_chart_set_ink (dc, 0.8);
      if (along_x)
        lab_chart_show_text (dc, ticks[i].text, at, a->y + a->height + 6, 0.5, 0);
      else
        lab_chart_show_text (dc, ticks[i].text, a->x - 8, at, 1, 0.5);
    }
}

static void
grid_layer_draw (const LabChartDrawContext *dc)
{
  const cairo_rectangle_t *a = &dc->proj.area;
  cairo_t *cr = dc->cr;
  PangoLayout *y_title = lab_chart_layout_get_y_title (dc->layout);
  PangoLayout *title = lab_chart_layout_get_title (dc->layout);

  cairo_set_line_width (cr, 1);
  draw_ticks (dc, GTK_ORIENTATION_VERTICAL);
  draw_ticks (dc, GTK_ORIENTATION_HORIZONTAL);

  /* The two axis lines, over the grid. */
  lab_chart_set_ink (dc, 0.55);
  cairo_move_to (cr, floor (a->x) + 0.5, a->y);
  cairo_line_to (cr, floor (a->x) + 0.5, floor (a->y + a->height) + 0.5);
  cairo_line_to (cr, a->x + a->width, floor (a->y + a->height) + 0.5);
  cairo_stroke (cr);

  lab_chart_set_ink (dc, 0.9);
  lab_chart_show_text (dc, lab_chart_layout_get_x_title (dc->layout, dc->model),
                       a->x + a->width / 2, a->y + a->height + 30, 0.5, 0);
  if (y_title != NULL)
    {
      /* Turned upright it runs along the plot's height: a short chart (the learning
       * rate's) ellipsizes a long title rather than writing it over the tick labels. */
      pango_layout_set_ellipsize (y_title, PANGO_ELLIPSIZE_END);
      pango_layout_set_width (y_title, (int) (a->height * PANGO_SCALE));
      cairo_save (cr);
      cairo_translate (cr, 8, a->y + a->height / 2);
      cairo_rotate (cr, -G_PI / 2);
      lab_chart_show_text (dc, y_title, 0, 0, 0.5, 0);
      cairo_restore (cr);
    }
  if (title != NULL)
    lab_chart_show_text (dc, title, a->x + a->width / 2, 14, 0.5, 0);
}

const LabChartLayerClass lab_grid_layer = {
  .name = "grid", .slot = LAB_CHART_SLOT_BATCHES, .draw = grid_layer_draw,
};
