/* The band layer: the area between a lower and an upper series, in the run's colour at a
 * low alpha, under the curves. What a group of seeds needs: its mean is the run's curve,
 * its min-max (or mean +- std) the band, and both hide with the run. */
#include "lab-chart-layer.h"

#include <math.h>

/* How far outside the plot a bound may be pinned: the chart clips, and a bound of 1e30
 * would overflow Cairo's fixed-point coordinates. */
#define PIN_SLACK 8

/* The pixel column and the two rows of a band point; FALSE where the band breaks. */
static gboolean
band_point_to_pixel (const LabChartDrawContext *dc,
                     const LabChartBandPoint   *point,
                     double                    *x,
                     double                    *y_upper,
                     double                    *y_lower)
{
  const LabChartProjection *proj = &dc->proj;

  *x = lab_chart_projection_x (proj, lab_chart_x_of (proj->x_mode, point->epoch, point->seconds));
  *y_upper = lab_chart_projection_y_pinned (proj, point->upper, PIN_SLACK);
  *y_lower = lab_chart_projection_y_pinned (proj, point->lower, PIN_SLACK);
  if (!isfinite (point->upper) || !isfinite (point->lower) || !isfinite (*x) ||
      !isfinite (lab_chart_projection_y (proj, point->upper)))
    return FALSE;
  /* mean - std <= 0 has no place on a log axis: the band reaches down to the bottom edge. */
  if (!isfinite (lab_chart_projection_y (proj, point->lower)))
    *y_lower = proj->area.y + proj->area.height + PIN_SLACK;
  return TRUE;
}

/* One unbroken stretch: along the upper bound, back along the lower, filled. A stretch of
 * one point is a bar a few pixels wide, so the first epoch of a group shows. */
static void
fill_stretch (const LabChartDrawContext *dc,
              const LabChartBandPoint   *points,
              guint                      n)
{
  cairo_t *cr = dc->cr;
  double x, y_upper, y_lower;

  cairo_new_path (cr);
  if (n == 1)
    {
      band_point_to_pixel (dc, &points[0], &x, &y_upper, &y_lower);
      cairo_rectangle (cr, x - 2, y_upper, 4, MAX (y_lower - y_upper, 1));
      cairo_fill (cr);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      band_point_to_pixel (dc, &points[i], &x, &y_upper, &y_lower);
      cairo_line_to (cr, x, y_upper);
    }
  for (guint i = n; i > 0; i--)
    {
      band_point_to_pixel (dc, &points[i - 1], &x, &y_upper, &y_lower);
      cairo_line_to (cr, x, y_lower);
    }
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
fill_band (const LabChartDrawContext *dc,
           const GArray              *band,
           const GdkRGBA             *color)
{
  const LabChartBandPoint *points = (const LabChartBandPoint *) (gconstpointer) band->data;
  GdkRGBA fill = lab_chart_with_alpha (color, LAB_CHART_BAND_ALPHA);
  guint start = 0;

  gdk_cairo_set_source_rgba (dc->cr, &fill);
  while (start < band->len)
    {
      guint end = start;
      double x, y_upper, y_lower;

      while (end < band->len && band_point_to_pixel (dc, &points[end], &x, &y_upper, &y_lower))
        end++;
      if (end > start)
        fill_stretch (dc, points + start, end - start);
      start = end + 1;
    }
}

static void
band_layer_draw_run (const LabChartDrawContext *dc,
                     const LabChartRun         *run)
{
  for (guint c = 0; c < LAB_CHART_N_CURVES; c++)
    {
      /* A band around the batch trace shows with the trace. */
      if (c == LAB_CHART_CURVE_BATCH && !dc->model->show_batches)
        continue;
      if (run->bands[c]->len > 0)
        fill_band (dc, run->bands[c], &run->color);
    }
}

const LabChartLayerClass lab_band_layer = {
  .name = "bands", .slot = LAB_CHART_SLOT_EPOCHS, .redraw_on = LAB_CHART_CHANGE_EPOCHS,
  .clip = TRUE, .draw_run = band_layer_draw_run,
};
