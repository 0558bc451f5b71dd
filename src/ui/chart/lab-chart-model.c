/* LabChartModel: the runs, reference lines and options of a chart, and the ranges that
 * hold its visible data. The ranges are computed lazily (ranges_dirty), at the next draw
 * or mapping query, because points arrive far more often than frames. */
#include "lab-chart-model.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* GNOME's palette (blue 3, red 3, green 4, orange 3, purple 3, teal, brown 3, yellow 5):
 * mid-tones that keep their contrast on Adwaita's light and dark backgrounds. */
static const GdkRGBA palette[LAB_CHART_PALETTE_SIZE] = {
  { 0x35 / 255., 0x84 / 255., 0xe4 / 255., 1 },
  { 0xe0 / 255., 0x1b / 255., 0x24 / 255., 1 },
  { 0x2e / 255., 0xc2 / 255., 0x7e / 255., 1 },
  { 0xff / 255., 0x78 / 255., 0x00 / 255., 1 },
  { 0x91 / 255., 0x41 / 255., 0xac / 255., 1 },
  { 0x21 / 255., 0x90 / 255., 0xa4 / 255., 1 },
  { 0x98 / 255., 0x6a / 255., 0x44 / 255., 1 },
  { 0xe5 / 255., 0xa5 / 255., 0x0a / 255., 1 },
};

const GdkRGBA *
lab_chart_palette_color (guint i)
{
  return &palette[i % LAB_CHART_PALETTE_SIZE];
}

gboolean
lab_chart_set_str (char       **str,
                   const char  *value)
{
  if (g_strcmp0 (*str, value) == 0)
    return FALSE;
  g_free (*str);
  *str = g_strdup (value);
  return TRUE;
}

static void
run_free (gpointer data)
{
  LabChartRun *run = data;

  for (guint i = 0; i < LAB_CHART_N_CURVES; i++)
    {
      g_clear_object (&run->series[i]);
      g_clear_pointer (&run->bands[i], g_array_unref);
    }
  g_clear_pointer (&run->label, g_free);
  g_free (run);
}

static void
reference_clear (gpointer data)
{
  g_free (((LabChartReference *) data)->label);
}

void
lab_chart_model_init (LabChartModel *self)
{
  *self = (LabChartModel) {
    .runs = g_ptr_array_new_with_free_func (run_free),
    .references = g_array_new (FALSE, FALSE, sizeof (LabChartReference)),
    .x_axis = lab_axis_new (),
    .y_axis = lab_axis_new (),
    .y_limit_min = NAN,
    .y_limit_max = NAN,
    .time_unit = 1,
    .next_run_id = 1,
    .next_reference_id = 1,
    .ranges_dirty = TRUE,
  };
  g_array_set_clear_func (self->references, reference_clear);
}

void
lab_chart_model_clear (LabChartModel *self)
{
  g_clear_pointer (&self->runs, g_ptr_array_unref);
  g_clear_pointer (&self->references, g_array_unref);
  g_clear_object (&self->x_axis);
  g_clear_object (&self->y_axis);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->x_label, g_free);
  g_clear_pointer (&self->y_label, g_free);
  g_clear_pointer (&self->band_label, g_free);
}

LabChartRun *
lab_chart_model_add_run (LabChartModel *self,
                         const char    *label,
                         const GdkRGBA *color)
{
  LabChartRun *run = g_new0 (LabChartRun, 1);

  run->id = self->next_run_id++;
  run->label = g_strdup (label != NULL ? label : "");
  run->color = color != NULL ? *color : *lab_chart_palette_color (run->id - 1);
  run->visible = TRUE;
  run->best_epoch = -1;
  run->diverged_epoch = -1;
  run->fork_epoch = -1;
  for (guint i = 0; i < LAB_CHART_N_CURVES; i++)
    {
      run->series[i] = lab_series_new ();
      run->bands[i] = g_array_new (FALSE, FALSE, sizeof (LabChartBandPoint));
    }
  g_ptr_array_add (self->runs, run);
  return run;
}

LabChartRun *
lab_chart_model_find_run (LabChartModel *self,
                          guint          run_id)
{
  for (guint i = 0; i < self->runs->len; i++)
    {
      LabChartRun *run = g_ptr_array_index (self->runs, i);
      if (run->id == run_id)
        return run;
    }
  return NULL;
}

void
lab_chart_model_remove_run (LabChartModel *self,
                            LabChartRun   *run)
{
  g_ptr_array_remove (self->runs, run);
}

guint
lab_chart_model_add_reference (LabChartModel *self,
                               double         value,
                               const char    *label)
{
  LabChartReference reference = { self->next_reference_id++, value, g_strdup (label != NULL ? label : "") };

  g_array_append_val (self->references, reference);
  return reference.id;
}

gboolean
lab_chart_model_remove_reference (LabChartModel *self,
                                  guint          reference_id)
{
  for (guint i = 0; i < self->references->len; i++)
    if (g_array_index (self->references, LabChartReference, i).id == reference_id)
      {
        g_array_remove_index (self->references, i);
        return TRUE;
      }
  return FALSE;
}

/* The legend's keys ask "does any visible run have ...": one loop, three questions. */
typedef gboolean (*RunTest) (const LabChartRun *run);

static gboolean
any_visible_run (const LabChartModel *self,
                 RunTest              test)
{
  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (self->runs, i);
      if (run->visible && test (run))
        return TRUE;
    }
  return FALSE;
}

static gboolean
run_has_best (const LabChartRun *run)
{
  return run->best_epoch >= 0;
}

static gboolean
run_has_diverged (const LabChartRun *run)
{
  return run->diverged_epoch >= 0;
}

static gboolean
run_has_band (const LabChartRun *run)
{
  for (guint c = 0; c < LAB_CHART_N_CURVES; c++)
    if (run->bands[c]->len > 0)
      return TRUE;
  return FALSE;
}

gboolean
lab_chart_model_any_best (const LabChartModel *self)
{
  return any_visible_run (self, run_has_best);
}

gboolean
lab_chart_model_any_diverged (const LabChartModel *self)
{
  return any_visible_run (self, run_has_diverged);
}

gboolean
lab_chart_model_any_band (const LabChartModel *self)
{
  return any_visible_run (self, run_has_band);
}

const LabChartRun *
lab_chart_model_fork_parent (const LabChartModel *self,
                             const LabChartRun   *run)
{
  if (run->fork_parent == 0 || run->fork_epoch < 0)
    return NULL;
  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *other = g_ptr_array_index (self->runs, i);
      if (other->id == run->fork_parent)
        return other->visible ? other : NULL;
    }
  return NULL;
}

gboolean
lab_chart_model_any_fork (const LabChartModel *self)
{
  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (self->runs, i);
      if (run->visible && lab_chart_model_fork_parent (self, run) != NULL)
        return TRUE;
    }
  return FALSE;
}

gboolean
lab_chart_run_diverged_at (const LabChartRun *run,
                           LabChartXMode      x_mode,
                           double            *x)
{
  if (run->diverged_epoch < 0)
    return FALSE;
  *x = lab_chart_x_of (x_mode, run->diverged_epoch, run->diverged_seconds);
  return isfinite (*x);
}

/* What the visible data spans, gathered over curves and bands alike. */
typedef struct {
  GArray *values;       /* y values that set the range, of double */
  GArray *keep;         /* each curve's first value, which always shows */
  double x_min;         /* the smallest x > 0 (a log x axis starts there) */
  double x_max;
} Extent;

/* first and last: the x of a curve's ends (points come in increasing x). x_min only
 * matters on a log axis, where rates are all > 0: an x <= 0 at the start is left out. */
static void
extent_add_x (Extent *extent,
              double  first,
              double  last)
{
  if (first > 0 || last > 0)
    extent->x_min = MIN (extent->x_min, first > 0 ? first : last);
  extent->x_max = MAX (extent->x_max, last);
}

static gboolean
have_epoch_points (const LabChartModel *self)
{
  for (guint i = 0; i < self->runs->len; i++)
    {
      LabChartRun *run = g_ptr_array_index (self->runs, i);
      guint n_train = 0, n_val = 0;

      if (!run->visible)
        continue;
      lab_series_get_points (run->series[LAB_CHART_CURVE_TRAIN], &n_train);
      lab_series_get_points (run->series[LAB_CHART_CURVE_VAL], &n_val);
      if (n_train + n_val > 0)
        return TRUE;
    }
  return FALSE;
}

static void
extent_add_run (Extent              *extent,
                const LabChartModel *self,
                const LabChartRun   *run,
                gboolean             epochs_shown)
{
  double x;

  for (guint c = 0; c < LAB_CHART_N_CURVES; c++)
    {
      guint n;
      const LabChartPoint *p = lab_series_get_points (run->series[c], &n);
      const GArray *band = run->bands[c];
      const LabChartBandPoint *b = (const LabChartBandPoint *) (gconstpointer) band->data;
      /* The faint batch trace sets the y range only until the first epoch ends:
       * its noise would otherwise squash the curves the class is looking at. */
      gboolean for_y = c != LAB_CHART_CURVE_BATCH || !epochs_shown;
      gboolean for_x = c != LAB_CHART_CURVE_BATCH || self->show_batches || !epochs_shown;

      if (n > 0 && for_x)
        extent_add_x (extent, lab_chart_point_x (&p[0], self->x_mode), lab_chart_point_x (&p[n - 1], self->x_mode));
      if (band->len > 0 && for_x)
        extent_add_x (extent, lab_chart_x_of (self->x_mode, b[0].epoch, b[0].seconds),
                      lab_chart_x_of (self->x_mode, b[band->len - 1].epoch, b[band->len - 1].seconds));
      if (!for_y)
        continue;
      for (guint k = 0; k < n; k++)
        g_array_append_val (extent->values, p[k].value);
      if (n > 0)
        g_array_append_val (extent->keep, p[0].value);
      for (guint k = 0; k < band->len; k++)
        {
          g_array_append_val (extent->values, b[k].lower);
          g_array_append_val (extent->values, b[k].upper);
        }
    }

  if (lab_chart_run_diverged_at (run, self->x_mode, &x))
    extent_add_x (extent, x, x);
}

static void
fit_x (LabChartModel *self,
       const Extent  *extent)
{
  /* Long runs count in minutes or hours: "90 min" reads better than "5400". */
  if (self->x_mode == LAB_CHART_X_TIME && !self->log_x)
    self->time_unit = extent->x_max > 3 * 3600 ? 3600 : extent->x_max > 600 ? 60 : 1;
  else
    self->time_unit = 1;
  lab_axis_set_unit (self->x_axis, self->time_unit);
  lab_axis_set_log (self->x_axis, self->log_x);
  /* Training starts at 0; a log axis (a sweep of rates) starts where its data does. */
  lab_axis_set_limits (self->x_axis, self->log_x ? NAN : 0, NAN);
  if (self->log_x)
    lab_axis_fit (self->x_axis, extent->x_min, extent->x_max);
  else
    lab_axis_fit (self->x_axis, 0, extent->x_max);
}

void
lab_chart_model_ensure_ranges (LabChartModel *self)
{
  g_autoptr(GArray) values = NULL;
  g_autoptr(GArray) keep = NULL;
  Extent extent;
  gboolean epochs_shown;
  double y_min = NAN, y_max = NAN;
  double fitted[G_N_ELEMENTS (self->fitted)];

  if (!self->ranges_dirty)
    return;
  self->ranges_dirty = FALSE;

  values = g_array_new (FALSE, FALSE, sizeof (double));
  keep = g_array_new (FALSE, FALSE, sizeof (double));
  /* A linear x axis shows at least 5 epochs or 10 s, so one epoch is not the whole width. */
  extent = (Extent) { values, keep, INFINITY,
                      self->log_x ? -INFINITY : self->x_mode == LAB_CHART_X_EPOCH ? 5 : 10 };
  epochs_shown = have_epoch_points (self);
  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (self->runs, i);
      if (run->visible)
        extent_add_run (&extent, self, run, epochs_shown);
    }

  fit_x (self, &extent);
  lab_axis_set_log (self->y_axis, self->log_y);
  lab_axis_set_limits (self->y_axis, self->y_limit_min, self->y_limit_max);
  lab_axis_robust_range ((const double *) (gpointer) values->data, values->len,
                         (const double *) (gpointer) keep->data, keep->len,
                         self->log_y, &y_min, &y_max);
  lab_axis_fit (self->y_axis, y_min, y_max);

  lab_axis_get_range (self->x_axis, &fitted[0], &fitted[1]);
  lab_axis_get_range (self->y_axis, &fitted[2], &fitted[3]);
  fitted[4] = self->time_unit;
  fitted[5] = self->log_x;
  fitted[6] = self->log_y;
  if (memcmp (fitted, self->fitted, sizeof fitted) != 0)
    {
      memcpy (self->fitted, fitted, sizeof fitted);
      self->ranges_serial++;
    }
}

const char *
lab_chart_model_x_title (const LabChartModel *self)
{
  if (self->x_label != NULL)
    return self->x_label;
  if (self->x_mode == LAB_CHART_X_EPOCH)
    return _("Epoch");
  return self->time_unit >= 3600 ? _("Time (h)") : self->time_unit >= 60 ? _("Time (min)") : _("Time (s)");
}

double
lab_chart_model_snap_x (const LabChartModel *self,
                        double               x)
{
  if (self->x_mode == LAB_CHART_X_EPOCH && !self->log_x && isfinite (x))
    return round (x);
  return x;
}
