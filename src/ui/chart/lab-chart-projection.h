/* LabChartProjection: value -> pixel for one draw, frozen: the plot area and both axes'
 * maps. Every layer places its points through it, so a log x or y axis is a flag of LabAxis
 * that no layer has to know about. Header only: it sits in loops over 10 000 points. */
#pragma once

#include <cairo.h>

#include "lab-axis.h"
#include "lab-chart.h"

G_BEGIN_DECLS

typedef struct {
  cairo_rectangle_t area;   /* the plot area, px */
  LabAxisMap        x_map;
  LabAxisMap        y_map;
  LabChartXMode     x_mode; /* which field of a point is its x */
} LabChartProjection;

static inline void
lab_chart_projection_init (LabChartProjection      *proj,
                           const cairo_rectangle_t *area,
                           LabAxis                 *x_axis,
                           LabAxis                 *y_axis,
                           LabChartXMode            x_mode)
{
  proj->area = *area;
  proj->x_mode = x_mode;
  lab_axis_get_map (x_axis, &proj->x_map);
  lab_axis_get_map (y_axis, &proj->y_map);
}

/* Pixel column of x; NAN where the axis has no place for it (<= 0 on a log axis). */
static inline double
lab_chart_projection_x (const LabChartProjection *proj,
                        double                    x_value)
{
  return proj->area.x + lab_axis_map_normalize (&proj->x_map, x_value) * proj->area.width;
}

/* Pixel row of a value, unclamped; NAN where the axis has no place for it. */
static inline double
lab_chart_projection_y (const LabChartProjection *proj,
                        double                    value)
{
  return proj->area.y + (1 - lab_axis_map_normalize (&proj->y_map, value)) * proj->area.height;
}

/* Pixel row of a value pinned to slack px outside the area: a diverged loss of 1e30 would
 * overflow Cairo's fixed-point coordinates, and the chart clips anyway. */
static inline double
lab_chart_projection_y_pinned (const LabChartProjection *proj,
                               double                    value,
                               double                    slack)
{
  return __builtin_fmin (__builtin_fmax (lab_chart_projection_y (proj, value), proj->area.y - slack),
                         proj->area.y + proj->area.height + slack);
}

G_END_DECLS
