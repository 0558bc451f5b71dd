/* LabLineLayer: draws one curve (a run's training, validation or batch series) in a plot
 * area, through the draw's projection. The primitive under the curve layers (lab-curve-layer.c)
 * and whatever else draws a series (an LR curve, a seed group's mean): a plain function, as a
 * layer object would only carry the three style fields below. */
#pragma once

#include <cairo.h>
#include <gdk/gdk.h>

#include "lab-chart-projection.h"

G_BEGIN_DECLS

typedef struct {
  GdkRGBA  color;
  double   line_width;
  gboolean dashed;
} LabLineStyle;

/* Strokes the finite points in order; a non-finite value breaks the line. When there are
 * more points than pixel columns (a 10 000-batch trace), it fills instead the band between
 * each column's lowest and highest point: what the eye sees of such a trace, at the cost
 * of the chart's width rather than of the number of points. */
void lab_line_layer_draw (cairo_t                  *cr,
                          const LabChartProjection *proj,
                          const LabChartPoint      *points,
                          guint                     n_points,
                          const LabLineStyle       *style);

G_END_DECLS
