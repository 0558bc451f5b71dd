/* What lab-chart.c shares with lab-chart-export.c: the draw function with explicit colours,
 * so an export onto white paper uses dark ink whatever the desktop's style. */
#pragma once

#include "lab-chart.h"

G_BEGIN_DECLS

/* ink: axes and text; background: what the legend and hover box sit on. */
void lab_chart_draw_with_colors (LabChart      *self,
                                 cairo_t       *cr,
                                 int            width,
                                 int            height,
                                 const GdkRGBA *ink,
                                 const GdkRGBA *background);

/* Puts the hover line at x (an epoch, or seconds) as the pointer would; NAN removes it.
 * For the figure and visual checks, where there is no pointer. */
void lab_chart_set_hover (LabChart *self,
                          double    x_value);

G_END_DECLS
