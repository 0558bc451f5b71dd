/* The fork layer: where a run branches off its parent. A fork's record starts with its
 * parent's first epochs (they are its own too), so the curve layer draws a fork only from
 * its branch epoch on while the parent is visible (lab_chart_run_shared_points); this layer
 * puts an open ring in the fork's colour at the branch point of its training and validation
 * curves, the node the branch leaves from (LAB_MARKER_FORK, which the legend's key shows
 * too). Smoothing runs over the whole record, so the branch starts exactly on the parent's
 * smoothed curve. */
#include "lab-chart-layer.h"

#include <math.h>

guint
lab_chart_run_shared_points (const LabChartModel *model,
                             const LabChartRun   *run,
                             const LabChartPoint *points,
                             guint                n_points)
{
  guint n = 0;

  if (lab_chart_model_fork_parent (model, run) == NULL)
    return 0;
  while (n < n_points && points[n].epoch < run->fork_epoch)
    n++;
  return n;
}

static void
fork_layer_draw_run (const LabChartDrawContext *dc,
                     const LabChartRun         *run)
{
  if (lab_chart_model_fork_parent (dc->model, run) == NULL)
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
        lab_marker_draw (dc, LAB_MARKER_FORK, x, y, &run->color);
    }
}

const LabChartLayerClass lab_fork_layer = {
  .name = "forks", .slot = LAB_CHART_SLOT_EPOCHS, .redraw_on = LAB_CHART_CHANGE_EPOCHS,
  .clip = TRUE, .draw_run = fork_layer_draw_run,
};
