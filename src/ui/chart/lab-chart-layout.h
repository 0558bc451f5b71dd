/* LabChartLayout: where a chart's text goes and what it measures, as ready Pango layouts:
 * the title, the legend's items flowed into rows, the plot area below them, the tick labels
 * and axis titles. Computed when the width, the fonts or the text change, never on pointer
 * motion or per frame; the tick labels when the ranges move. Layers only show what it holds. */
#pragma once

#include <cairo.h>
#include <pango/pango.h>

#include "lab-axis.h"
#include "lab-chart-model.h"

G_BEGIN_DECLS

/* Fixed margins (px) around the plot area: wide enough for tick labels such as "0.0001"
 * at the default font, and fixed so that a value maps to the same pixel whatever the data. */
#define LAB_CHART_MARGIN_LEFT       76
#define LAB_CHART_MARGIN_RIGHT      24
#define LAB_CHART_MARGIN_TOP        20
#define LAB_CHART_MARGIN_TOP_TITLE  52
#define LAB_CHART_MARGIN_BOTTOM     58

/* The plot area's left edge and width: fixed margins, whatever the legend, so mapping an
 * x needs no layout. */
static inline void
lab_chart_plot_columns (int     width,
                        double *left,
                        double *plot_width)
{
  *left = LAB_CHART_MARGIN_LEFT;
  *plot_width = MAX (1, width - LAB_CHART_MARGIN_LEFT - LAB_CHART_MARGIN_RIGHT);
}

#define LAB_LEGEND_SWATCH      28
#define LAB_LEGEND_SWATCH_GAP  7

/* The legend sits in a band above the plot, never over the data: one item per visible run,
 * then the key to the line styles, band and markers. */
typedef enum {
  LAB_LEGEND_RUN,
  LAB_LEGEND_TRAIN,
  LAB_LEGEND_VAL,
  LAB_LEGEND_BAND,
  LAB_LEGEND_BEST,
  LAB_LEGEND_DIVERGED,
  LAB_LEGEND_FORK,
} LabLegendKind;

typedef struct {
  LabLegendKind      kind;
  const LabChartRun *run;       /* for LAB_LEGEND_RUN; valid until the layout is computed again */
  PangoLayout       *text;
  double             x, y;      /* top left, px */
  double             width, height;
} LabLegendItem;

typedef struct {
  LabAxisTick  tick;
  PangoLayout *text;            /* NULL for an unlabelled (minor) tick */
} LabTickLabel;

typedef struct _LabChartLayout LabChartLayout;

LabChartLayout      *lab_chart_layout_new            (void);
void                 lab_chart_layout_free           (LabChartLayout      *self);
/* The title, a label or the legend's entries changed: measured again at the next ensure. */
void                 lab_chart_layout_invalidate     (LabChartLayout      *self);
/* Brings the layout up to date for width and the widget's fonts (widget_context, whose
 * serial tells a font change); costs a comparison when nothing changed. */
void                 lab_chart_layout_ensure         (LabChartLayout      *self,
                                                      const LabChartModel *model,
                                                      PangoContext        *widget_context,
                                                      int                  width);
/* Moves each time the layout is computed; drawings made for another generation are stale. */
guint                lab_chart_layout_get_generation (LabChartLayout      *self);
/* For tests: how many times the tick labels were laid out. */
guint                lab_chart_layout_get_n_tick_layouts (LabChartLayout  *self);

void                 lab_chart_layout_get_plot_area  (LabChartLayout      *self,
                                                      int                  height,
                                                      cairo_rectangle_t   *area);
const LabLegendItem *lab_chart_layout_get_legend     (LabChartLayout      *self,
                                                      guint               *n_items);
/* NULL when there is no title, or no y label. */
PangoLayout         *lab_chart_layout_get_title      (LabChartLayout      *self);
PangoLayout         *lab_chart_layout_get_y_title    (LabChartLayout      *self);
/* The label of model->references' i-th line; NULL when it has none. */
PangoLayout         *lab_chart_layout_get_reference_label (LabChartLayout *self,
                                                           guint           i);
/* The x title and the ticks follow the ranges (a time axis in minutes): laid out again when
 * model->ranges_serial moved. */
PangoLayout         *lab_chart_layout_get_x_title    (LabChartLayout      *self,
                                                      const LabChartModel *model);
const LabTickLabel  *lab_chart_layout_get_ticks      (LabChartLayout      *self,
                                                      const LabChartModel *model,
                                                      GtkOrientation       axis,
                                                      guint               *n_ticks);
/* A layout in the chart's font, scale times its size: for text the layout does not hold
 * (the hover box's). Valid with the fonts of this generation. */
PangoLayout         *lab_chart_layout_new_text       (LabChartLayout      *self,
                                                      const char          *text,
                                                      double               scale,
                                                      gboolean             bold);

G_END_DECLS
