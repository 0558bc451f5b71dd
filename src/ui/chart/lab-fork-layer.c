/* The fork layer: where a run branches off its parent. A fork's record starts with its
 * parent's first epochs (they are its own too), so the curve layer draws a fork only from
 * its branch epoch on while the parent is visible (lab_chart_run_shared_points); this layer
 * puts an open ring in the fork's colour at the branch point of its training and validation
 * curves, the node the branch leaves from. Smoothing runs over the whole record, so the
 * branch starts exactly on the parent's smoothed curve. */
#include "lab-chart-layer.h"

#include <math.h>

/* The parent, when it is on this chart and shown. */
static const LabChartRun *
visible_parent (const LabChartModel *model,
                const LabChartRun   *run)
{
  if (run->fork_parent == 0 || run->fork_epoch < 0)
    return NULL;
  for (guint i = 0; i < model->runs->len; i++)
    {
      const LabChartRun *other = g_ptr_array_index (model->runs, i);
      if (other->id == run->fork_parent)
        return other->visible ? other : NULL;
    }
  return NULL;
}

guint
lab_chart_run_shared_points (const LabChartModel *model,
                             const LabChartRun   *run,
                             const LabChartPoint *points,
                             guint                n_points)
{
  guint n = 0;

  if (visible_parent (model, run) == NULL)
    return 0;
  while (n < n_points && points[n].epoch < run->fork_epoch)
    n++;
  return n;
}

static void
draw_ring (const LabChartDrawContext *dc,
           double                     x,
           double                     y,
           const GdkRGBA             *color)
{
  cairo_t *cr = dc->cr;

  cairo_new_path (cr);
  cairo_arc (cr, x, y, 7, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &dc->background);
  cairo_fill (cr);
  cairo_arc (cr, x, y, 4.5, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 2.5);
  cairo_stroke (cr);
}

static void
fork_layer_draw_run (const LabChartDrawContext *dc,
                     const LabChartRun         *run)
{
  if (visible_parent (dc->model, run) == NULL)
    return;
  for (guint c = LAB_CHART_CURVE_TRAIN; c <= LAB_CHART_CURVE_VAL; c++)
    {
      guint index, n;
      const LabChartPoint *p;
      double x, y;

      if (!lab_series_find_nearest (run->series[c], run->fork_epoch, LAB_CHART_X_EPOCH, &index))
        continue;
      p = lab_series_get_smoothed (run->series[c], dc->model->smoothing, &n);
      if (index >= n || fabs (p[index].epoch - run->fork_epoch) > 0.5)
        continue;
      x = lab_chart_projection_x (&dc->proj, lab_chart_point_x (&p[index], dc->proj.x_mode));
      y = lab_chart_projection_y (&dc->proj, p[index].value);
      if (isfinite (x) && isfinite (y))
        draw_ring (dc, x, y, &run->color);
    }
}

const LabChartLayerClass lab_fork_layer = {
  .name = "forks", .slot = LAB_CHART_SLOT_EPOCHS, .redraw_on = LAB_CHART_CHANGE_EPOCHS,
  .clip = TRUE, .draw_run = fork_layer_draw_run,
};
