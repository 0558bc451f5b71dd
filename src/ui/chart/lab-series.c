/* LabSeries: one curve's points and a cached smoothed copy. The chart redraws many times
 * per data change (hover, resize), so the smoothing is computed once per change, and an
 * append only smooths the new points. */
#include "lab-series.h"

#include <math.h>
#include <string.h>

struct _LabSeries
{
  GObject parent_instance;

  GArray *points;          /* of LabChartPoint, in increasing x */
  GArray *smoothed;        /* of LabChartPoint: the first n_smoothed points are valid */
  guint n_smoothed;
  double smoothed_for;     /* the smoothing factor of smoothed */
  double ema_last;         /* the running average after n_smoothed points (not debiased) */
  guint ema_count;         /* finite values in it */
};

G_DEFINE_FINAL_TYPE (LabSeries, lab_series, G_TYPE_OBJECT)

static void
lab_series_finalize (GObject *object)
{
  LabSeries *self = LAB_SERIES (object);

  g_clear_pointer (&self->points, g_array_unref);
  g_clear_pointer (&self->smoothed, g_array_unref);

  G_OBJECT_CLASS (lab_series_parent_class)->finalize (object);
}

static void
lab_series_class_init (LabSeriesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lab_series_finalize;
}

static void
lab_series_init (LabSeries *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));
  self->smoothed = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));
  self->smoothed_for = -1;
}

LabSeries *
lab_series_new (void)
{
  return g_object_new (LAB_TYPE_SERIES, NULL);
}

static void
forget_smoothing (LabSeries *self)
{
  self->n_smoothed = 0;
  self->ema_last = 0;
  self->ema_count = 0;
}

/* A new history: the smoothing starts over. */
void
lab_series_set_points (LabSeries           *self,
                       const LabChartPoint *points,
                       guint                n_points)
{
  g_return_if_fail (LAB_IS_SERIES (self));

  forget_smoothing (self);
  g_array_set_size (self->points, 0);
  lab_series_append_points (self, points, n_points);
}

LabSeriesChange
lab_series_update_points (LabSeries           *self,
                          const LabChartPoint *points,
                          guint                n_points)
{
  guint n_old;

  g_return_val_if_fail (LAB_IS_SERIES (self), LAB_SERIES_UNCHANGED);
  g_return_val_if_fail (points != NULL || n_points == 0, LAB_SERIES_UNCHANGED);

  n_old = self->points->len;
  if (n_points >= n_old &&
      (n_old == 0 || memcmp (self->points->data, points, n_old * sizeof (LabChartPoint)) == 0))
    {
      if (n_points == n_old)
        return LAB_SERIES_UNCHANGED;
      lab_series_append_points (self, points + n_old, n_points - n_old);
      return LAB_SERIES_APPENDED;
    }
  lab_series_set_points (self, points, n_points);
  return LAB_SERIES_REPLACED;
}

void
lab_series_append_points (LabSeries           *self,
                          const LabChartPoint *points,
                          guint                n_points)
{
  g_return_if_fail (LAB_IS_SERIES (self));
  g_return_if_fail (points != NULL || n_points == 0);

  g_array_append_vals (self->points, points, n_points);
}

const LabChartPoint *
lab_series_get_points (LabSeries *self,
                       guint     *n_points)
{
  g_return_val_if_fail (LAB_IS_SERIES (self), NULL);

  if (n_points != NULL)
    *n_points = self->points->len;
  return (const LabChartPoint *) (gpointer) self->points->data;
}

/* One step of the moving average; shared by the incremental cache and lab_smooth_ema so
 * the two can never disagree. */
static double
ema_step (double  *last,
          guint   *count,
          double   value,
          double   smoothing)
{
  if (!isfinite (value))
    return value;
  *last = *last * smoothing + (1 - smoothing) * value;
  *count += 1;
  return *last / (1 - pow (smoothing, *count));
}

void
lab_smooth_ema (LabChartPoint       *out,
                const LabChartPoint *in,
                guint                n_points,
                double               smoothing)
{
  double last = 0;
  guint count = 0;

  g_return_if_fail (out != NULL || n_points == 0);
  g_return_if_fail (in != NULL || n_points == 0);

  smoothing = CLAMP (smoothing, 0, 0.99);
  for (guint i = 0; i < n_points; i++)
    {
      LabChartPoint p = in[i];
      p.value = ema_step (&last, &count, p.value, smoothing);
      out[i] = p;
    }
}

const LabChartPoint *
lab_series_get_smoothed (LabSeries *self,
                         double     smoothing,
                         guint     *n_points)
{
  g_return_val_if_fail (LAB_IS_SERIES (self), NULL);

  smoothing = CLAMP (smoothing, 0, 0.99);
  if (smoothing == 0)
    return lab_series_get_points (self, n_points);

  if (smoothing != self->smoothed_for)
    {
      forget_smoothing (self);
      self->smoothed_for = smoothing;
    }

  g_array_set_size (self->smoothed, self->points->len);
  for (guint i = self->n_smoothed; i < self->points->len; i++)
    {
      LabChartPoint p = g_array_index (self->points, LabChartPoint, i);
      p.value = ema_step (&self->ema_last, &self->ema_count, p.value, smoothing);
      g_array_index (self->smoothed, LabChartPoint, i) = p;
    }
  self->n_smoothed = self->points->len;

  if (n_points != NULL)
    *n_points = self->smoothed->len;
  return (const LabChartPoint *) (gpointer) self->smoothed->data;
}

gboolean
lab_series_find_nearest (LabSeries     *self,
                         double         x,
                         LabChartXMode  x_mode,
                         guint         *index)
{
  const LabChartPoint *p;
  guint n, lo, hi;
  double first, last, half_spacing;

  g_return_val_if_fail (LAB_IS_SERIES (self), FALSE);

  p = lab_series_get_points (self, &n);
  if (n == 0 || !isfinite (x))
    return FALSE;

  first = lab_chart_point_x (&p[0], x_mode);
  last = lab_chart_point_x (&p[n - 1], x_mode);
  half_spacing = n > 1 ? 0.5 * (last - first) / (n - 1) : 0.5;
  if (x < first - half_spacing || x > last + half_spacing)
    return FALSE;

  /* Binary search for the first point at or after x, then pick the nearer neighbour. */
  lo = 0;
  hi = n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (lab_chart_point_x (&p[mid], x_mode) < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == n)
    lo = n - 1;
  else if (lo > 0 && x - lab_chart_point_x (&p[lo - 1], x_mode) <= lab_chart_point_x (&p[lo], x_mode) - x)
    lo = lo - 1;

  if (index != NULL)
    *index = lo;
  return TRUE;
}
