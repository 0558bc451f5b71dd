/* LabAxis: maps a value to 0..1 along one side of a chart (linear or log), picks a range
 * that holds the data with round ends, and lists the ticks to label (1-2-5 steps on a
 * linear axis, decades on a log axis). Pure arithmetic: no widget, no drawing. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct {
  double   value;
  gboolean major;      /* labelled, with a grid line; minor ticks are log-axis 2..9 */
  char     label[24];
} LabAxisTick;

#define LAB_TYPE_AXIS (lab_axis_get_type ())
G_DECLARE_FINAL_TYPE (LabAxis, lab_axis, LAB, AXIS, GObject)

LabAxis  *lab_axis_new           (void);
void      lab_axis_set_log       (LabAxis      *self,
                                  gboolean      log);
gboolean  lab_axis_get_log       (LabAxis      *self);
/* Tick steps and labels count in this unit (values stay in the axis' own): a time axis in
 * seconds labelled in minutes has unit 60. 1 by default; linear axes only. */
void      lab_axis_set_unit      (LabAxis      *self,
                                  double        unit);
/* NAN for either end means "fit the data". */
void      lab_axis_set_limits    (LabAxis      *self,
                                  double        min,
                                  double        max);
/* Sets the range to hold data_min..data_max, widened to round tick values; the limits
 * win over the data. A non-finite or empty data range gives 0..1 (1..10 on a log axis).
 * Without limits the range spans at least a quarter of its largest magnitude (a factor
 * of about 3 on a log axis), centred on the data: a flat curve looks flat. */
void      lab_axis_fit           (LabAxis      *self,
                                  double        data_min,
                                  double        data_max);
void      lab_axis_get_range     (LabAxis      *self,
                                  double       *min,
                                  double       *max);
/* 0 at min, 1 at max; outside 0..1 for values out of range; NAN for values <= 0 on a log
 * axis and for non-finite values. */
double    lab_axis_normalize     (LabAxis      *self,
                                  double        value);
double    lab_axis_denormalize   (LabAxis      *self,
                                  double        unit);
/* The mapping frozen for one draw: normalising 10 000 batch points through the GObject
 * call costs more than drawing them. */
typedef struct {
  double origin;      /* min, or log10 (min) */
  double scale;       /* 1 / (max - min), or 1 / log10 (max / min) */
  gboolean log;
} LabAxisMap;

void      lab_axis_get_map       (LabAxis      *self,
                                  LabAxisMap   *map);

/* Same result as lab_axis_normalize. */
static inline double
lab_axis_map_normalize (const LabAxisMap *map,
                        double            value)
{
  if (map->log)
    return value > 0 && __builtin_isfinite (value) ? (__builtin_log10 (value) - map->origin) * map->scale : __builtin_nan ("");
  return __builtin_isfinite (value) ? (value - map->origin) * map->scale : __builtin_nan ("");
}

/* The ticks inside the range, in increasing order; labels formatted for this range. */
GArray   *lab_axis_get_ticks     (LabAxis      *self);

/* Which of n labels fit along an axis drawn at some pixel length. Label i is centred at
 * center[i] and reaches half[i] pixels either way along the axis; a label that would come
 * within gap pixels of one already kept is dropped. Major ticks are placed first, then the
 * others in order: a short log axis (the learning-rate chart) keeps 1e-4 and 1e-3 rather
 * than 1e-4 and 2e-4. keep[i] is FALSE for a tick without a label. */
void      lab_axis_fit_labels    (const LabAxisTick *ticks,
                                  guint              n,
                                  const double      *center,
                                  const double      *half,
                                  double             gap,
                                  gboolean          *keep);

/* The range an autoscaling axis should show for values, robust to a diverged run: values
 * that are non-finite (or <= 0 on a log axis) are ignored, and values above an outlier fence
 * (p90 + 1.5 (p90 - p10), in log space on a log axis) are left out unless listed in keep
 * (each curve's first value: the initial loss must always show), unless one lies beyond the
 * fence by more than the fence's own width (a first epoch that exploded). FALSE if no
 * value counts. */
gboolean  lab_axis_robust_range  (const double *values,
                                  guint         n_values,
                                  const double *keep,
                                  guint         n_keep,
                                  gboolean      log,
                                  double       *min,
                                  double       *max);

G_END_DECLS
