/* The grid layer: grid lines and tick labels of both axes (linear or log alike: the ticks
 * come from LabAxis), the two axis lines, the axis titles and the chart's title. It changes
 * only with the ranges and the layout, both of which redraw every layer. */
#include "lab-chart-layer.h"

#include <math.h>

/* Tick labels closer than this are thinned out (pixels). */
#define LABEL_GAP 4

/* One axis' ticks: a grid line across the plot and, where it fits, the label beside the
 * axis. Returns the widest label drawn (pixels), which places the y title clear of them. */
static int
draw_ticks (const LabChartDrawContext *dc,
            GtkOrientation             axis)
{
  const cairo_rectangle_t *a = &dc->proj.area;
  cairo_t *cr = dc->cr;
  gboolean along_x = axis == GTK_ORIENTATION_HORIZONTAL;
  guint n;
  const LabTickLabel *ticks = lab_chart_layout_get_ticks (dc->layout, dc->model, axis, &n);
  g_autofree LabAxisTick *axis_ticks = g_new0 (LabAxisTick, MAX (n, 1));
  g_autofree double *at = g_new0 (double, MAX (n, 1));
  g_autofree double *half = g_new0 (double, MAX (n, 1));
  g_autofree int *width = g_new0 (int, MAX (n, 1));
  g_autofree gboolean *keep = g_new0 (gboolean, MAX (n, 1));
  int widest = 0;

  for (guint i = 0; i < n; i++)
    {
      int h = 0;

      axis_ticks[i] = ticks[i].tick;
      if (ticks[i].text == NULL)
        axis_ticks[i].label[0] = 0;
      else
        pango_layout_get_pixel_size (ticks[i].text, &width[i], &h);
      at[i] = along_x ? lab_chart_projection_x (&dc->proj, ticks[i].tick.value)
                      : lab_chart_projection_y (&dc->proj, ticks[i].tick.value);
      at[i] = floor (at[i]) + 0.5;
      half[i] = (along_x ? width[i] : h) / 2.0;
    }
  /* A short chart has no room for every label of a log axis: "2e-3 1e-3 5e-4" would
   * touch. The grid lines all stay; only labels are dropped. */
  lab_axis_fit_labels (axis_ticks, n, at, half, LABEL_GAP, keep);

  for (guint i = 0; i < n; i++)
    {
      lab_chart_set_ink (dc, ticks[i].tick.major ? 0.12 : 0.05);
      if (along_x)
        {
          cairo_move_to (cr, at[i], a->y);
          cairo_line_to (cr, at[i], a->y + a->height);
        }
      else
        {
          cairo_move_to (cr, a->x, at[i]);
          cairo_line_to (cr, a->x + a->width, at[i]);
        }
      cairo_stroke (cr);
      if (!keep[i])
        continue;
      lab_chart_set_ink (dc, 0.8);
      if (along_x)
        lab_chart_show_text (dc, ticks[i].text, at[i], a->y + a->height + 6, 0.5, 0);
      else
        {
          widest = MAX (widest, width[i]);
          lab_chart_show_text (dc, ticks[i].text, a->x - 8, at[i], 1, 0.5);
        }
    }
  return widest;
}

static void
grid_layer_draw (const LabChartDrawContext *dc)
{
  const cairo_rectangle_t *a = &dc->proj.area;
  cairo_t *cr = dc->cr;
  PangoLayout *y_title = lab_chart_layout_get_y_title (dc->layout);
  PangoLayout *title = lab_chart_layout_get_title (dc->layout);
  int widest_y_label;

  cairo_set_line_width (cr, 1);
  widest_y_label = draw_ticks (dc, GTK_ORIENTATION_VERTICAL);
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
      int title_height;
      double left;

      pango_layout_set_ellipsize (y_title, PANGO_ELLIPSIZE_END);
      pango_layout_set_width (y_title, (int) (a->height * PANGO_SCALE));
      pango_layout_get_pixel_size (y_title, NULL, &title_height);
      /* 8 px from the edge, or further left when wide labels ("5e-4") would touch it. */
      left = MAX (0, MIN (8, a->x - 8 - widest_y_label - LABEL_GAP - title_height));
      cairo_save (cr);
      cairo_translate (cr, left, a->y + a->height / 2);
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
