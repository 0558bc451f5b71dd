/* LabChartHover: the x under the pointer and what the hover shows there, a line across the
 * plot and a box with each visible run's values at the nearest epoch. The box's text is
 * built and measured once per change (another epoch, new data, other fonts), not per
 * frame; lab_hover_layer draws it, and the widget's snapshot draws the same two parts in
 * nodes of their own size. */
#pragma once

#include "lab-chart-layer.h"

G_BEGIN_DECLS

LabChartHover *lab_chart_hover_new          (void);
void           lab_chart_hover_free         (LabChartHover             *self);
/* x_value: an epoch, or seconds in time mode; NAN when the pointer is off the plot.
 * TRUE if what the hover shows moved (on an epoch axis it snaps to whole epochs). */
gboolean       lab_chart_hover_set_x        (LabChartHover             *self,
                                             const LabChartModel       *model,
                                             double                     x_value);
/* The data changed: the text is built again when next drawn. */
void           lab_chart_hover_invalidate   (LabChartHover             *self);
/* For tests: how many times the box's text was built. */
guint          lab_chart_hover_get_n_texts  (LabChartHover             *self);

/* The values at x of every visible run, a header then one line per run; as the box shows
 * them (lab_chart_describe_at). Newly allocated. */
char          *lab_chart_hover_describe     (const LabChartModel       *model,
                                             double                     x_value);

/* Where the line and the box go for this draw; FALSE when there is no hover or the x is
 * off the range. Builds the text if it is stale. */
gboolean       lab_chart_hover_place        (LabChartHover             *self,
                                             const LabChartDrawContext *dc,
                                             double                    *line_x,
                                             graphene_rect_t           *box);
GdkRGBA        lab_chart_hover_line_color   (const LabChartDrawContext *dc);
/* The box with its text, after lab_chart_hover_place gave box. */
void           lab_chart_hover_draw_box     (LabChartHover             *self,
                                             const LabChartDrawContext *dc,
                                             const graphene_rect_t     *box);

G_END_DECLS
