/* LabSeries: the points of one curve of one run (a GArray, as Sysprof's series hold
 * theirs) and its smoothed copy, kept up to date incrementally as points are appended. */
#pragma once

#include "lab-chart.h"

G_BEGIN_DECLS

#define LAB_TYPE_SERIES (lab_series_get_type ())
G_DECLARE_FINAL_TYPE (LabSeries, lab_series, LAB, SERIES, GObject)

/* The x of a point (a curve's or a band's) in the chart's x mode. */
static inline double
lab_chart_x_of (LabChartXMode x_mode,
                double        epoch,
                double        seconds)
{
  return x_mode == LAB_CHART_X_TIME ? seconds : epoch;
}

static inline double
lab_chart_point_x (const LabChartPoint *point,
                   LabChartXMode        x_mode)
{
  return lab_chart_x_of (x_mode, point->epoch, point->seconds);
}

LabSeries           *lab_series_new            (void);
void                 lab_series_set_points     (LabSeries           *self,
                                                const LabChartPoint *points,
                                                guint                n_points);
typedef enum {
  LAB_SERIES_UNCHANGED,
  LAB_SERIES_APPENDED,
  LAB_SERIES_REPLACED,
} LabSeriesChange;

/* Like set_points, but keeps what it can: the app hands the whole history at every update,
 * and a history that only grew is an append (the smoothing continues from where it was). */
LabSeriesChange      lab_series_update_points  (LabSeries           *self,
                                                const LabChartPoint *points,
                                                guint                n_points);
void                 lab_series_append_points  (LabSeries           *self,
                                                const LabChartPoint *points,
                                                guint                n_points);
const LabChartPoint *lab_series_get_points     (LabSeries           *self,
                                                guint               *n_points);
/* The points with their values smoothed (see lab_smooth_ema); smoothing 0 returns the
 * points themselves. Valid until the series changes. */
const LabChartPoint *lab_series_get_smoothed   (LabSeries           *self,
                                                double               smoothing,
                                                guint               *n_points);
/* The index of the point nearest to x along the x axis; FALSE when empty or when x lies
 * more than half a point spacing outside the curve. Points are in increasing x. */
gboolean             lab_series_find_nearest   (LabSeries           *self,
                                                double               x,
                                                LabChartXMode        x_mode,
                                                guint               *index);

/* TensorBoard's smoothing: an exponential moving average last = w last + (1 - w) v,
 * divided by the debias factor 1 - w^k (k finite values so far) so the curve starts at
 * the first value instead of being pulled to 0. Non-finite values pass through and do
 * not enter the average. out may equal in. */
void                 lab_smooth_ema            (LabChartPoint       *out,
                                                const LabChartPoint *in,
                                                guint                n_points,
                                                double               smoothing);

G_END_DECLS
