/* LabChart's runs, bands and reference lines: the public API that writes the model. Each
 * function checks its arguments, changes the model and says what changed
 * (lab_chart_changed), which decides what is measured and drawn again. */
#include "lab-chart-private.h"

#include <math.h>

/* What a change of a run's look, presence or visibility touches: its range, every drawing,
 * and the legend. */
#define RUNS_CHANGED (LAB_CHART_CHANGE_RANGES | LAB_CHART_CHANGE_STYLE | LAB_CHART_CHANGE_LAYOUT)

/* The run, or NULL with a message naming the caller: an id the chart never gave, or one of
 * a run already removed, is a bug of the caller. */
static LabChartRun *
lookup_run (LabChart   *self,
            guint       run_id,
            const char *caller)
{
  LabChartRun *run = lab_chart_model_find_run (&self->model, run_id);

  if (run == NULL)
    g_critical ("%s: the chart has no run %u", caller, run_id);
  return run;
}

guint
lab_chart_add_run (LabChart      *self,
                   const char    *label,
                   const GdkRGBA *color)
{
  LabChartRun *run;

  g_return_val_if_fail (LAB_IS_CHART (self), 0);

  run = lab_chart_model_add_run (&self->model, label, color);
  lab_chart_changed (self, RUNS_CHANGED);
  return run->id;
}

void
lab_chart_remove_run (LabChart *self,
                      guint     run_id)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));

  if ((run = lab_chart_model_find_run (&self->model, run_id)) == NULL)
    return;
  lab_chart_model_remove_run (&self->model, run);
  lab_chart_changed (self, RUNS_CHANGED);
}

void
lab_chart_clear_runs (LabChart *self)
{
  g_return_if_fail (LAB_IS_CHART (self));

  g_ptr_array_set_size (self->model.runs, 0);
  lab_chart_changed (self, RUNS_CHANGED);
}

guint
lab_chart_get_n_runs (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), 0);
  return self->model.runs->len;
}

void
lab_chart_set_run_label (LabChart   *self,
                         guint       run_id,
                         const char *label)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));

  if ((run = lookup_run (self, run_id, G_STRFUNC)) == NULL)
    return;
  if (lab_chart_set_str (&run->label, label != NULL ? label : ""))
    lab_chart_changed (self, LAB_CHART_CHANGE_LAYOUT);   /* the legend's rows may change */
}

void
lab_chart_set_run_color (LabChart      *self,
                         guint          run_id,
                         const GdkRGBA *color)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (color != NULL);

  if ((run = lookup_run (self, run_id, G_STRFUNC)) == NULL)
    return;
  run->color = *color;
  lab_chart_changed (self, LAB_CHART_CHANGE_STYLE);
}

void
lab_chart_set_run_visible (LabChart *self,
                           guint     run_id,
                           gboolean  visible)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));

  if ((run = lookup_run (self, run_id, G_STRFUNC)) == NULL || run->visible == !!visible)
    return;
  run->visible = !!visible;
  lab_chart_changed (self, RUNS_CHANGED);
}

gboolean
lab_chart_get_run_visible (LabChart *self,
                           guint     run_id)
{
  LabChartRun *run;

  g_return_val_if_fail (LAB_IS_CHART (self), FALSE);

  run = lookup_run (self, run_id, G_STRFUNC);
  return run != NULL && run->visible;
}

/* set and append: the app hands the whole history at every update (an update that only
 * grew is an append, see lab_series_update_points); a benchmark or a live feed appends.
 * The one place both check what they were given. */
static void
take_points (LabChart            *self,
             guint                run_id,
             LabChartCurve        curve,
             const LabChartPoint *points,
             guint                n_points,
             gboolean             append,
             const char          *caller)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (curve < LAB_CHART_N_CURVES);
  g_return_if_fail (points != NULL || n_points == 0);

  if ((run = lookup_run (self, run_id, caller)) == NULL)
    return;
  if (append && n_points == 0)
    return;
  if (append)
    lab_series_append_points (run->series[curve], points, n_points);
  else if (lab_series_update_points (run->series[curve], points, n_points) == LAB_SERIES_UNCHANGED)
    return;
  lab_chart_changed (self, curve == LAB_CHART_CURVE_BATCH ? LAB_CHART_CHANGE_BATCHES : LAB_CHART_CHANGE_EPOCHS);
}

void
lab_chart_set_run_points (LabChart            *self,
                          guint                run_id,
                          LabChartCurve        curve,
                          const LabChartPoint *points,
                          guint                n_points)
{
  take_points (self, run_id, curve, points, n_points, FALSE, G_STRFUNC);
}

void
lab_chart_append_run_points (LabChart            *self,
                             guint                run_id,
                             LabChartCurve        curve,
                             const LabChartPoint *points,
                             guint                n_points)
{
  take_points (self, run_id, curve, points, n_points, TRUE, G_STRFUNC);
}

const LabChartPoint *
lab_chart_get_run_points (LabChart      *self,
                          guint          run_id,
                          LabChartCurve  curve,
                          guint         *n_points)
{
  LabChartRun *run;

  g_return_val_if_fail (LAB_IS_CHART (self), NULL);
  g_return_val_if_fail (curve < LAB_CHART_N_CURVES, NULL);

  if ((run = lookup_run (self, run_id, G_STRFUNC)) == NULL)
    {
      if (n_points != NULL)
        *n_points = 0;
      return NULL;
    }
  return lab_series_get_points (run->series[curve], n_points);
}

/* Moves a marker of a run (the best epoch; the divergence, which has a time too): an
 * epoch < 0 or NaN is none. One that appears or goes adds or drops the legend's key. */
static void
move_marker (LabChart       *self,
             double         *at_epoch,
             double         *at_seconds,
             double          epoch,
             double          seconds,
             LabChartChange  also)
{
  LabChartChange change;

  g_assert (LAB_IS_CHART (self));

  epoch = isfinite (epoch) && epoch >= 0 ? epoch : -1;
  seconds = epoch < 0 ? 0 : seconds;
  if (*at_epoch == epoch && (at_seconds == NULL || *at_seconds == seconds))
    return;
  change = LAB_CHART_CHANGE_EPOCHS | also | ((*at_epoch < 0) != (epoch < 0) ? LAB_CHART_CHANGE_LAYOUT : 0);
  *at_epoch = epoch;
  if (at_seconds != NULL)
    *at_seconds = seconds;
  lab_chart_changed (self, change);
}

void
lab_chart_set_run_best_epoch (LabChart *self,
                              guint     run_id,
                              double    epoch)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));

  if ((run = lookup_run (self, run_id, G_STRFUNC)) != NULL)
    move_marker (self, &run->best_epoch, NULL, epoch, 0, 0);
}

void
lab_chart_set_run_diverged (LabChart *self,
                            guint     run_id,
                            double    epoch,
                            double    seconds)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));

  /* The X widens the x range to where the run stopped. */
  if ((run = lookup_run (self, run_id, G_STRFUNC)) != NULL)
    move_marker (self, &run->diverged_epoch, &run->diverged_seconds, epoch, seconds, LAB_CHART_CHANGE_RANGES);
}

void
lab_chart_set_run_band (LabChart                *self,
                        guint                    run_id,
                        LabChartCurve            curve,
                        const LabChartBandPoint *points,
                        guint                    n_points)
{
  LabChartRun *run;
  gboolean had_band;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (curve < LAB_CHART_N_CURVES);
  g_return_if_fail (points != NULL || n_points == 0);

  if ((run = lookup_run (self, run_id, G_STRFUNC)) == NULL)
    return;
  had_band = run->bands[curve]->len > 0;
  if (!had_band && n_points == 0)
    return;
  g_array_set_size (run->bands[curve], 0);
  g_array_append_vals (run->bands[curve], points, n_points);
  lab_chart_changed (self, LAB_CHART_CHANGE_EPOCHS |
                           (had_band != (n_points > 0) ? LAB_CHART_CHANGE_LAYOUT : 0));
}

guint
lab_chart_add_reference_line (LabChart   *self,
                              double      value,
                              const char *label)
{
  guint id;

  g_return_val_if_fail (LAB_IS_CHART (self), 0);
  g_return_val_if_fail (isfinite (value), 0);

  id = lab_chart_model_add_reference (&self->model, value, label);
  lab_chart_changed (self, LAB_CHART_CHANGE_STYLE | LAB_CHART_CHANGE_LAYOUT);
  return id;
}

void
lab_chart_remove_reference_line (LabChart *self,
                                 guint     line_id)
{
  g_return_if_fail (LAB_IS_CHART (self));

  if (lab_chart_model_remove_reference (&self->model, line_id))
    lab_chart_changed (self, LAB_CHART_CHANGE_STYLE | LAB_CHART_CHANGE_LAYOUT);
}

void
lab_chart_set_run_fork (LabChart *self,
                        guint     run_id,
                        guint     parent_id,
                        double    epoch)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));

  if ((run = lookup_run (self, run_id, G_STRFUNC)) == NULL)
    return;
  if (parent_id == 0 || parent_id == run_id || !(epoch >= 0))
    parent_id = 0, epoch = -1;
  if (run->fork_parent == parent_id && run->fork_epoch == epoch)
    return;
  run->fork_parent = parent_id;
  run->fork_epoch = epoch;
  /* The legend's key to the fork ring comes and goes with the forks. */
  lab_chart_changed (self, LAB_CHART_CHANGE_EPOCHS | LAB_CHART_CHANGE_LAYOUT);
}
