/* The marker layer: a dot on the validation curve at each run's best epoch (early
 * stopping's choice) and an X where a run diverged. The shapes (and the fork layer's ring)
 * are shared with the legend's key, which draws the same markers. */
#include "lab-chart-layer.h"

#include <math.h>

/* The halo under a round marker: a disc of the background that cuts the line it sits on. */
static void
background_disc (const LabChartDrawContext *dc,
                 double                     x,
                 double                     y,
                 double                     radius)
{
  cairo_arc (dc->cr, x, y, radius, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (dc->cr, &dc->background);
  cairo_fill (dc->cr);
}

/* Each shape has a halo of the background, so it stands out from the line it sits on. */
void
lab_marker_draw (const LabChartDrawContext *dc,
                 LabMarkerShape             shape,
                 double                     x,
                 double                     y,
                 const GdkRGBA             *color)
{
  cairo_t *cr = dc->cr;

  cairo_save (cr);
  cairo_new_path (cr);
  switch (shape)
    {
    case LAB_MARKER_BEST:
      background_disc (dc, x, y, 6.5);
      cairo_arc (cr, x, y, 5, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, color);
      cairo_fill (cr);
      break;
    case LAB_MARKER_DIVERGED:
      cairo_move_to (cr, x - 6, y - 6);
      cairo_line_to (cr, x + 6, y + 6);
      cairo_move_to (cr, x + 6, y - 6);
      cairo_line_to (cr, x - 6, y + 6);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_line_width (cr, 6);
      gdk_cairo_set_source_rgba (cr, &dc->background);
      cairo_stroke_preserve (cr);
      cairo_set_line_width (cr, 3.5);
      gdk_cairo_set_source_rgba (cr, color);
      cairo_stroke (cr);
      break;
    case LAB_MARKER_FORK:
      background_disc (dc, x, y, 7);
      cairo_arc (cr, x, y, 4.5, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, color);
      cairo_set_line_width (cr, 2.5);
      cairo_stroke (cr);
      break;
    default:
      g_assert_not_reached ();
    }
  cairo_restore (cr);
}

/* The row of a value pinned inside the plot, FALSE where it has no place (NAN). */
static gboolean
pinned_row (const LabChartDrawContext *dc,
            double                     value,
            double                    *y)
{
  const cairo_rectangle_t *a = &dc->proj.area;

  *y = lab_chart_projection_y (&dc->proj, value);
  if (!isfinite (*y))
    return FALSE;
  *y = CLAMP (*y, a->y, a->y + a->height);
  return TRUE;
}

static void
draw_best (const LabChartDrawContext *dc,
           const LabChartRun         *run)
{
  LabSeries *val = run->series[LAB_CHART_CURVE_VAL];
  const LabChartPoint *p;
  guint index;
  double x, y;

  if (run->best_epoch < 0 || !lab_series_find_nearest (val, run->best_epoch, LAB_CHART_X_EPOCH, &index))
    return;
  /* On the curve as drawn, smoothed or not. */
  p = lab_series_get_smoothed (val, dc->model->smoothing, NULL);
  x = lab_chart_projection_x (&dc->proj, lab_chart_point_x (&p[index], dc->proj.x_mode));
  if (isfinite (x) && pinned_row (dc, p[index].value, &y))
    lab_marker_draw (dc, LAB_MARKER_BEST, x, y, &run->color);
}

static void
draw_diverged (const LabChartDrawContext *dc,
               const LabChartRun         *run)
{
  const cairo_rectangle_t *a = &dc->proj.area;
  const LabChartPoint *p;
  double x_value, x, y, value = NAN;
  guint n;

  if (!lab_chart_run_diverged_at (run, dc->proj.x_mode, &x_value))
    return;
  x = lab_chart_projection_x (&dc->proj, x_value);
  if (!isfinite (x))
    return;

  /* The X sits where the training curve was last seen, pinned inside the plot: a
   * diverged loss is usually far above the top edge. */
  p = lab_series_get_smoothed (run->series[LAB_CHART_CURVE_TRAIN], dc->model->smoothing, &n);
  for (guint i = n; i > 0 && !isfinite (value); i--)
    if (isfinite (p[i - 1].value) && (!dc->model->log_y || p[i - 1].value > 0))
      value = p[i - 1].value;
  if (!isfinite (value) || !pinned_row (dc, value, &y))
    y = a->y;
  y = CLAMP (y, a->y + 9, a->y + a->height - 9);
  lab_marker_draw (dc, LAB_MARKER_DIVERGED, x, y, &run->color);
}

static void
marker_layer_draw_run (const LabChartDrawContext *dc,
                       const LabChartRun         *run)
{
  draw_best (dc, run);
  draw_diverged (dc, run);
}

const LabChartLayerClass lab_marker_layer = {
  .name = "markers", .slot = LAB_CHART_SLOT_EPOCHS, .redraw_on = LAB_CHART_CHANGE_EPOCHS,
  .clip = TRUE, .draw_run = marker_layer_draw_run,
};
