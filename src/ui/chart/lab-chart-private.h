/* What the files of LabChart share (lab-chart.c the widget and its options, lab-chart-runs.c
 * the runs, bands and reference lines, lab-chart-draw.c the drawing path), in GNOME Text
 * Editor's way of splitting one type across files; and what the export, the benchmark and
 * the tests may reach: the draw function with explicit colours, the hover without a pointer,
 * and counters that show what a change recomputed. */
#pragma once

#include "lab-chart.h"
#include "lab-chart-cache.h"
#include "lab-chart-layer.h"
#include "lab-chart-layout.h"
#include "lab-chart-model.h"

G_BEGIN_DECLS

struct _LabChart
{
  GtkWidget parent_instance;

  LabChartModel   model;
  LabChartLayout *layout;
  LabChartHover  *hover;
  LabChartCache   cache;

  guint  stale_slots;         /* made stale by new points, dropped at the next data redraw */
  guint  data_redraw_source;  /* the pending throttled redraw */
  gint64 last_data_redraw;    /* monotonic us */
};

/* Every change to what the chart shows goes through here: it marks what is stale (ranges,
 * layout, hover text, cached slots) and asks for a frame; nothing is drawn now. */
void lab_chart_changed            (LabChart                *self,
                                   LabChartChange           change);

/* The model's ranges and the layout, up to date for a drawing width px wide. */
void lab_chart_ensure_layout      (LabChart                *self,
                                   int                      width);

/* lab-chart-draw.c: the one drawing path. */
void lab_chart_snapshot_layers    (LabChart                *self,
                                   GtkSnapshot             *snapshot,
                                   int                      width,
                                   int                      height);
/* ink: axes and text; background: what the legend and hover box sit on. The export draws
 * onto white paper with dark ink whatever the desktop's style. */
void lab_chart_draw_with_colors   (LabChart                *self,
                                   cairo_t                 *cr,
                                   int                      width,
                                   int                      height,
                                   const GdkRGBA           *ink,
                                   const GdkRGBA           *background);

/* Puts the hover line at x (an epoch, or seconds) as the pointer would; NAN removes it.
 * For the figure and visual checks, where there is no pointer. */
void lab_chart_set_hover          (LabChart                *self,
                                   double                   x_value);
/* What the motion controller does with a pointer at (x, y) px; for tests too. */
void lab_chart_pointer_moved      (LabChart                *self,
                                   double                   x,
                                   double                   y);

/* Counters for tests: what was recomputed since the chart was made. */
typedef struct {
  guint layouts;                              /* legend and plot area measured */
  guint tick_layouts;                         /* tick labels laid out */
  guint hover_texts;                          /* hover box text built */
  guint slot_draws[LAB_CHART_N_CACHED_SLOTS]; /* cached slots drawn for the screen */
} LabChartStats;

void lab_chart_get_stats          (LabChart                *self,
                                   LabChartStats           *stats);

G_END_DECLS
