/* LabAxis: value <-> 0..1 along one side of a chart, round ranges and tick labels.
 * Kept apart from drawing so the arithmetic the pixels rest on is tested on its own
 * (Sysprof's SysprofAxis split, without its GtkWidget machinery). */
#include "lab-axis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct _LabAxis
{
  GObject parent_instance;

  double limit_min;   /* NAN: automatic */
  double limit_max;
  double min;         /* the range shown */
  double max;
  double step;        /* linear tick spacing for this range */
  double unit;        /* labels count in units of this (60: minutes for a time axis in s) */
  guint log : 1;
};

/* The smallest span a fitted range has: a quarter of its largest magnitude (linear), a
 * factor of ~3 (log). */
#define LAB_AXIS_MIN_SPAN 0.25
#define LAB_AXIS_MIN_LOG_SPAN 3.2

G_DEFINE_FINAL_TYPE (LabAxis, lab_axis, G_TYPE_OBJECT)

static void
lab_axis_class_init (LabAxisClass *klass)
{
}

static void
lab_axis_init (LabAxis *self)
{
  self->limit_min = NAN;
  self->limit_max = NAN;
  self->min = 0;
  self->max = 1;
  self->step = 0.2;
  self->unit = 1;
}

LabAxis *
lab_axis_new (void)
{
  return g_object_new (LAB_TYPE_AXIS, NULL);
}

void
lab_axis_set_log (LabAxis  *self,
                  gboolean  log)
{
  g_return_if_fail (LAB_IS_AXIS (self));
  self->log = !!log;
}

gboolean
lab_axis_get_log (LabAxis *self)
{
  g_return_val_if_fail (LAB_IS_AXIS (self), FALSE);
  return self->log;
}

void
lab_axis_set_unit (LabAxis *self,
                   double   unit)
{
  g_return_if_fail (LAB_IS_AXIS (self));
  g_return_if_fail (unit > 0);
  self->unit = unit;
}

void
lab_axis_set_limits (LabAxis *self,
                     double   min,
                     double   max)
{
  g_return_if_fail (LAB_IS_AXIS (self));
  self->limit_min = min;
  self->limit_max = max;
}

/* 1, 2 or 5 times a power of ten, near span / 5: five or so labelled ticks read best. */
static double
nice_step (double span)
{
  double raw = span / 5;
  double magnitude = pow (10, floor (log10 (raw)));
  double fraction = raw / magnitude;

  if (fraction < 1.5)
    return magnitude;
  if (fraction < 3)
    return 2 * magnitude;
  if (fraction < 7)
    return 5 * magnitude;
  return 10 * magnitude;
}

/* The largest 1-2-5 x 10^k <= value (down) or the smallest >= value (up), value > 0. */
static double
round_125 (double   value,
           gboolean up)
{
  static const double mantissas[] = { 1, 2, 5, 10 };
  double decade = pow (10, floor (log10 (value)));

  if (up)
    {
      for (guint i = 0; i < G_N_ELEMENTS (mantissas); i++)
        if (mantissas[i] * decade >= value * (1 - 1e-9))
          return mantissas[i] * decade;
      return 10 * decade;
    }
  for (int i = G_N_ELEMENTS (mantissas) - 1; i >= 0; i--)
    if (mantissas[i] * decade <= value * (1 + 1e-9))
      return mantissas[i] * decade;
  return decade;
}

static void
fit_linear (LabAxis *self,
            double   lo,
            double   hi)
{
  gboolean fixed_min = isfinite (self->limit_min);
  gboolean fixed_max = isfinite (self->limit_max);

  if (fixed_min)
    lo = self->limit_min;
  if (fixed_max)
    hi = self->limit_max;
  if (!isfinite (lo) || !isfinite (hi))
    {
      lo = isfinite (lo) ? lo : (isfinite (hi) ? hi - 1 : 0);
      hi = isfinite (hi) ? hi : lo + 1;
    }
  if (hi < lo)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }
  if (hi - lo < 1e-12 * MAX (1, fabs (hi)))
    {
      /* One value (the first epoch): centre it in a round range around it. */
      double half = fabs (lo) > 0 ? fabs (lo) * 0.1 : 0.5;
      if (!fixed_min)
        lo -= half;
      if (!fixed_max)
        hi += half;
      if (hi <= lo)
        hi = lo + 1;
    }

  /* A flat curve must look flat: a loss sitting at chance (0.693) with noise in its
   * fourth decimal would otherwise fill the whole height and read as a wild curve. The
   * range spans at least this fraction of its largest magnitude, centred on the data. */
  if (!fixed_min && !fixed_max && hi - lo < LAB_AXIS_MIN_SPAN * MAX (fabs (lo), fabs (hi)))
    {
      double mid = (lo + hi) / 2, half = LAB_AXIS_MIN_SPAN * MAX (fabs (lo), fabs (hi)) / 2;
      lo = mid - half;
      hi = mid + half;
    }

  /* Round steps in the unit the labels use: 5 minutes, not 300 s. */
  self->step = nice_step ((hi - lo) / self->unit) * self->unit;
  self->min = fixed_min ? lo : floor (lo / self->step + 1e-9) * self->step;
  self->max = fixed_max ? hi : ceil (hi / self->step - 1e-9) * self->step;
  if (self->max <= self->min)
    self->max = self->min + self->step;
}

static void
fit_log (LabAxis *self,
         double   lo,
         double   hi)
{
  if (isfinite (self->limit_min) && self->limit_min > 0)
    lo = self->limit_min;
  if (isfinite (self->limit_max) && self->limit_max > 0)
    hi = self->limit_max;
  if (!(isfinite (lo) && lo > 0))
    lo = (isfinite (hi) && hi > 0) ? hi / 10 : 1;
  if (!(isfinite (hi) && hi > 0))
    hi = lo * 10;
  if (hi < lo)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }

  /* The same on a log axis: at least a factor of LAB_AXIS_MIN_LOG_SPAN, so a constant
   * learning rate is a line across the middle, not along an edge. */
  if (!(isfinite (self->limit_min) && self->limit_min > 0) &&
      !(isfinite (self->limit_max) && self->limit_max > 0) && hi / lo < LAB_AXIS_MIN_LOG_SPAN)
    {
      double mid = sqrt (lo * hi), half = sqrt (LAB_AXIS_MIN_LOG_SPAN);
      lo = mid / half;
      hi = mid * half;
    }
  self->min = isfinite (self->limit_min) && self->limit_min > 0 ? lo : round_125 (lo, FALSE);
  self->max = isfinite (self->limit_max) && self->limit_max > 0 ? hi : round_125 (hi, TRUE);
  if (self->max <= self->min)
    self->max = round_125 (self->min * 1.5, TRUE);
  self->step = 0;
}

void
lab_axis_fit (LabAxis *self,
              double   data_min,
              double   data_max)
{
  g_return_if_fail (LAB_IS_AXIS (self));

  if (self->log)
    fit_log (self, data_min, data_max);
  else
    fit_linear (self, data_min, data_max);
}

void
lab_axis_get_range (LabAxis *self,
                    double  *min,
                    double  *max)
{
  g_return_if_fail (LAB_IS_AXIS (self));

  if (min != NULL)
    *min = self->min;
  if (max != NULL)
    *max = self->max;
}

void
lab_axis_get_map (LabAxis    *self,
                  LabAxisMap *map)
{
  g_return_if_fail (LAB_IS_AXIS (self));
  g_return_if_fail (map != NULL);

  map->log = self->log;
  if (self->log)
    {
      map->origin = log10 (self->min);
      map->scale = 1 / (log10 (self->max) - log10 (self->min));
    }
  else
    {
      map->origin = self->min;
      map->scale = 1 / (self->max - self->min);
    }
}

double
lab_axis_normalize (LabAxis *self,
                    double   value)
{
  LabAxisMap map;

  g_return_val_if_fail (LAB_IS_AXIS (self), NAN);

  lab_axis_get_map (self, &map);
  return lab_axis_map_normalize (&map, value);
}

double
lab_axis_denormalize (LabAxis *self,
                      double   unit)
{
  g_return_val_if_fail (LAB_IS_AXIS (self), NAN);

  if (self->log)
    return pow (10, log10 (self->min) + unit * (log10 (self->max) - log10 (self->min)));
  return self->min + unit * (self->max - self->min);
}

static void
format_linear (char   *label,
               gsize   size,
               double  value,
               double  step)
{
  int decimals = step >= 1 ? 0 : (int) ceil (-log10 (step) - 1e-9);

  if (fabs (value) < step * 1e-6)
    value = 0;   /* no "-0.0" */
  if (fabs (value) >= 1e5)
    g_snprintf (label, size, "%.3g", value);
  else
    g_snprintf (label, size, "%.*f", MIN (decimals, 8), value);
}

static void
format_log (char   *label,
            gsize   size,
            double  value)
{
  /* Below 0.01 as a rate is written everywhere else in the app ("1e-3", "5e-4"), which
   * also keeps a short learning-rate chart's labels narrow enough for their column. */
  if (value >= 1e-2 && value < 1e5)
    g_snprintf (label, size, "%g", value);
  else
    {
      int exponent = (int) floor (log10 (value) + 1e-9);
      double mantissa = value / pow (10, exponent);

      if (fabs (mantissa - 1) < 1e-6)
        g_snprintf (label, size, "1e%d", exponent);
      else
        g_snprintf (label, size, "%.0fe%d", mantissa, exponent);
    }
}

GArray *
lab_axis_get_ticks (LabAxis *self)
{
  GArray *ticks;

  g_return_val_if_fail (LAB_IS_AXIS (self), NULL);

  ticks = g_array_new (FALSE, TRUE, sizeof (LabAxisTick));

  if (!self->log)
    {
      double first = ceil (self->min / self->step - 1e-9);
      double last = floor (self->max / self->step + 1e-9);

      for (double k = first; k <= last && ticks->len < 100; k++)
        {
          LabAxisTick tick = { .value = k * self->step, .major = TRUE };
          format_linear (tick.label, sizeof tick.label, tick.value / self->unit, self->step / self->unit);
          g_array_append_val (ticks, tick);
        }
      return ticks;
    }

  {
    double decades = log10 (self->max / self->min);
    /* Over a short range decades alone leave the axis unlabelled: name 2x and 5x too. */
    gboolean label_minor = decades <= 2.01;
    int first = (int) floor (log10 (self->min) + 1e-9);
    int last = (int) ceil (log10 (self->max) - 1e-9);

    for (int e = first; e <= last && ticks->len < 400; e++)
      for (int m = 1; m <= 9; m++)
        {
          double value = m * pow (10, e);
          LabAxisTick tick = { .value = value, .major = m == 1 };

          if (value < self->min * (1 - 1e-9) || value > self->max * (1 + 1e-9))
            continue;
          /* With more than ~8 decades the minor ticks are only noise. */
          if (m != 1 && decades > 8)
            continue;
          if (m == 1 || (label_minor && (m == 2 || m == 5)))
            format_log (tick.label, sizeof tick.label, value);
          g_array_append_val (ticks, tick);
        }
  }
  return ticks;
}

void
lab_axis_fit_labels (const LabAxisTick *ticks,
                     guint              n,
                     const double      *center,
                     const double      *half,
                     double             gap,
                     gboolean          *keep)
{
  g_return_if_fail (n == 0 || (ticks != NULL && center != NULL && half != NULL && keep != NULL));

  for (guint i = 0; i < n; i++)
    keep[i] = FALSE;
  /* Two passes, majors then the rest; n is a few dozen, so each label is checked against
   * every kept one. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        gboolean fits = TRUE;

        if (ticks[i].label[0] == 0 || !isfinite (center[i]) || (pass == 0) != !!ticks[i].major)
          continue;
        for (guint j = 0; j < n && fits; j++)
          if (keep[j] && fabs (center[i] - center[j]) < half[i] + half[j] + gap)
            fits = FALSE;
        keep[i] = fits;
      }
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;
  return (x > y) - (x < y);
}

gboolean
lab_axis_robust_range (const double *values,
                       guint         n_values,
                       const double *keep,
                       guint         n_keep,
                       gboolean      log,
                       double       *min,
                       double       *max)
{
  g_autofree double *sorted = NULL;
  double lo = INFINITY, hi = -INFINITY;
  double fence_lo = -INFINITY, fence_hi = INFINITY;
  guint n = 0;

  g_return_val_if_fail (values != NULL || n_values == 0, FALSE);
  g_return_val_if_fail (keep != NULL || n_keep == 0, FALSE);

  /* Work in log space on a log axis: a fence of 1.5 spreads then means a factor. */
  sorted = g_new (double, MAX (n_values, 1));
  for (guint i = 0; i < n_values; i++)
    {
      double v = values[i];
      if (!isfinite (v) || (log && v <= 0))
        continue;
      sorted[n++] = log ? log10 (v) : v;
    }

  if (n > 0)
    {
      double p10, p90, spread;

      qsort (sorted, n, sizeof (double), compare_doubles);
      p10 = sorted[(guint) floor (0.1 * (n - 1))];
      p90 = sorted[(guint) ceil (0.9 * (n - 1))];
      /* A floor on the spread, so flat data does not fence out its own small wiggles. */
      spread = MAX (p90 - p10, log ? 0.3 : 0.25 * MAX (fabs (p10), fabs (p90)));
      if (spread <= 0)
        spread = 1;
      fence_lo = p10 - 1.5 * spread;
      fence_hi = p90 + 1.5 * spread;

      for (guint i = 0; i < n; i++)
        if (sorted[i] >= fence_lo && sorted[i] <= fence_hi)
          {
            lo = MIN (lo, sorted[i]);
            hi = MAX (hi, sorted[i]);
          }
    }

  for (guint i = 0; i < n_keep; i++)
    {
      double v = keep[i];
      if (!isfinite (v) || (log && v <= 0))
        continue;
      v = log ? log10 (v) : v;
      /* A first value far beyond the fence is no initial loss but a first epoch that
       * exploded (a sweep's 1e-1 at 14000): kept, it would flatten every other curve. */
      if (n > 0 && v > fence_hi + (fence_hi - fence_lo))
        continue;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
    }

  if (!(lo <= hi))
    return FALSE;

  if (min != NULL)
    *min = log ? pow (10, lo) : lo;
  if (max != NULL)
    *max = log ? pow (10, hi) : hi;
  return TRUE;
}
