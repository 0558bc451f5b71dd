/* The curve layers: each visible run's faint per-batch trace (lab_batch_layer, redrawn with
 * every batch) and its training and validation curves (lab_curve_layer, once an epoch),
 * all stroked by lab_line_layer_draw. Two classes in one file: they are one job, a run's
 * series as lines, split only because their data arrives at different rates. */
#include "lab-chart-layer.h"
#include "lab-line-layer.h"

#include <math.h>

#define BATCH_ALPHA 0.22
#define RAW_ALPHA   0.30

/* The faint batch traces, under every run's epoch curves. */
static void
batch_layer_draw_run (const LabChartDrawContext *dc,
                      const LabChartRun         *run)
{
  LabLineStyle style = { lab_chart_with_alpha (&run->color, BATCH_ALPHA), 1, FALSE };
  const LabChartPoint *p;
  guint n;

  if (!dc->model->show_batches)
    return;
  p = lab_series_get_points (run->series[LAB_CHART_CURVE_BATCH], &n);
  lab_line_layer_draw (dc->cr, &dc->proj, p, n, &style);
}

const LabChartLayerClass lab_batch_layer = {
  .name = "batches", .slot = LAB_CHART_SLOT_BATCHES, .redraw_on = LAB_CHART_CHANGE_BATCHES,
  .clip = TRUE, .draw_run = batch_layer_draw_run,
};

/* Dots on the points when there are few: one epoch alone would otherwise be invisible. */
static void
draw_point_dots (const LabChartDrawContext *dc,
                 const LabChartPoint       *points,
                 guint                      n_points,
                 const GdkRGBA             *color)
{
  if (n_points == 0 || n_points * 16 > dc->proj.area.width)
    return;
  gdk_cairo_set_source_rgba (dc->cr, color);
  for (guint i = 0; i < n_points; i++)
    {
      double x = lab_chart_projection_x (&dc->proj, lab_chart_point_x (&points[i], dc->proj.x_mode));
      double y = lab_chart_projection_y (&dc->proj, points[i].value);

      if (!isfinite (x) || !isfinite (y))
        continue;
      cairo_new_sub_path (dc->cr);
      cairo_arc (dc->cr, x, y, 3, 0, 2 * G_PI);
    }
  cairo_fill (dc->cr);
}

static void
curve_layer_draw_run (const LabChartDrawContext *dc,
                      const LabChartRun         *run)
{
  double smoothing = dc->model->smoothing;

  for (guint c = LAB_CHART_CURVE_TRAIN; c <= LAB_CHART_CURVE_VAL; c++)
    {
      gboolean dashed = c == LAB_CHART_CURVE_VAL;
      LabLineStyle style = { run->color, LAB_CHART_CURVE_WIDTH, dashed };
      const LabChartPoint *p;
      guint n;

      guint shared;

      /* Smoothing hides the real values: keep them faintly visible underneath. A fork's
       * epochs before its branch point are its parent's, drawn once, by the parent. */
      if (smoothing > 0)
        {
          LabLineStyle raw = { lab_chart_with_alpha (&run->color, RAW_ALPHA), 1.5, dashed };
          p = lab_series_get_points (run->series[c], &n);
          shared = lab_chart_run_shared_points (dc->model, run, p, n);
          lab_line_layer_draw (dc->cr, &dc->proj, p + shared, n - shared, &raw);
        }

      p = lab_series_get_smoothed (run->series[c], smoothing, &n);
      shared = lab_chart_run_shared_points (dc->model, run, p, n);
      lab_line_layer_draw (dc->cr, &dc->proj, p + shared, n - shared, &style);
      draw_point_dots (dc, p + shared, n - shared, &run->color);
    }
}

const LabChartLayerClass lab_curve_layer = {
  .name = "curves", .slot = LAB_CHART_SLOT_EPOCHS, .redraw_on = LAB_CHART_CHANGE_EPOCHS,
  .clip = TRUE, .draw_run = curve_layer_draw_run,
};
