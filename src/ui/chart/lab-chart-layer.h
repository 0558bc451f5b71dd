/* LabChartLayerClass: one kind of thing a chart draws (grid and axes, batch traces,
 * reference lines, bands, curves, markers, legend, hover), as a small table of functions in
 * darknet's way. A layer reads the chart's model and its cached layout and draws into a
 * Cairo context; it never computes a range or measures text itself.
 *
 * Why a table and not Sysprof's GtkWidget layers or a GObject class with a snapshot vfunc:
 * every layer must draw into any cairo_t (the cached screen images, PNG, SVG, PDF) through
 * one path, and a layer has no state of its own (the data is the model's), so instances,
 * properties and type registration would only carry one function and two flags.
 *
 * A new layer kind is a file with a draw or draw_run function and one line in the stack in
 * lab-chart-layer.c; its slot and redraw_on say when the cache draws it again, without
 * touching the widget. What the next charts need, in those terms:
 * - seed bands: a run per group whose curves are the means, lab_chart_set_run_band for
 *   the spread, lab_chart_set_band_label for the legend's key (no new layer);
 * - the chance level: lab_chart_add_reference_line (no new layer);
 * - an LR finder or U-curve: "log-x" and "x-label", the rates in the points' epoch field;
 * - the LR per batch: a third LabChart with the batch curve only, "log-y";
 * - fork points: a field on LabChartRun (the parent, the epoch k) set through
 *   lab-chart-runs.c, and a lab-fork-layer.c whose draw_run strokes the branch from the
 *   parent's point at k, redraw_on EPOCHS. */
#pragma once

#include <cairo.h>
#include <gtk/gtk.h>

#include "lab-chart-cache.h"
#include "lab-chart-layout.h"
#include "lab-chart-model.h"
#include "lab-chart-projection.h"

G_BEGIN_DECLS

/* What changed, as the widget reports it (lab_chart_changed). STYLE and LAYOUT redraw every
 * layer; a layer's redraw_on lists the data changes that make it alone stale. */
typedef enum {
  LAB_CHART_CHANGE_BATCHES = 1 << 0,   /* batch points arrived */
  LAB_CHART_CHANGE_EPOCHS  = 1 << 1,   /* epoch points, bands, a best epoch, a divergence */
  LAB_CHART_CHANGE_STYLE   = 1 << 2,   /* colours, smoothing, visibility, options, lines */
  LAB_CHART_CHANGE_RANGES  = 1 << 3,   /* a range may move: fitted again before the next use */
  LAB_CHART_CHANGE_LAYOUT  = 1 << 4,   /* a title, a label, the legend's entries */
  LAB_CHART_CHANGE_HOVER   = 1 << 5,   /* the pointer moved to another x */
} LabChartChange;

typedef struct _LabChartHover LabChartHover;

/* Everything a layer draws with, gathered once per draw. */
typedef struct {
  cairo_t            *cr;
  LabChartModel      *model;
  LabChartLayout     *layout;       /* measured for width */
  LabChartHover      *hover;
  LabChartProjection  proj;         /* plot area and axes, frozen for this draw */
  int                 width;
  int                 height;
  GdkRGBA             ink;          /* axes and text */
  GdkRGBA             background;   /* what the legend and hover box sit on */
} LabChartDrawContext;

/* A layer draws the whole chart's worth (draw), or one run at a time (draw_run, called for
 * each visible run in the order they were added, as Sysprof's layers draw one series). */
typedef struct {
  const char     *name;
  LabChartSlot    slot;        /* the cached drawing it goes into */
  LabChartChange  redraw_on;   /* besides STYLE and LAYOUT */
  gboolean        clip;        /* drawn inside the plot area only */
  void          (*draw)     (const LabChartDrawContext *dc);
  void          (*draw_run) (const LabChartDrawContext *dc,
                             const LabChartRun         *run);
} LabChartLayerClass;

/* The layer kinds, one per file. */
extern const LabChartLayerClass lab_grid_layer;        /* lab-grid-layer.c: grid, ticks, axes, titles */
extern const LabChartLayerClass lab_reference_layer;   /* lab-reference-layer.c */
extern const LabChartLayerClass lab_batch_layer;       /* lab-curve-layer.c: faint batch traces */
extern const LabChartLayerClass lab_band_layer;        /* lab-band-layer.c */
extern const LabChartLayerClass lab_curve_layer;       /* lab-curve-layer.c: training, validation */
extern const LabChartLayerClass lab_marker_layer;      /* lab-marker-layer.c: best epoch, diverged */
extern const LabChartLayerClass lab_fork_layer;        /* lab-fork-layer.c: where a fork branches */
extern const LabChartLayerClass lab_legend_layer;      /* lab-legend-layer.c */
extern const LabChartLayerClass lab_hover_layer;       /* lab-hover-layer.c */

/* The slots (LAB_CHART_SLOT_BIT mask) holding a layer that change makes stale. */
guint   lab_chart_layers_stale_slots (LabChartChange             change);
/* Draws the layers of slot, bottom first. */
void    lab_chart_layers_draw_slot   (const LabChartDrawContext *dc,
                                      LabChartSlot               slot);

/* What layers share. */
GdkRGBA lab_chart_with_alpha         (const GdkRGBA             *color,
                                      double                     alpha);
void    lab_chart_set_ink            (const LabChartDrawContext *dc,
                                      double                     alpha);
/* Shows layout with its anchor at (x, y); xalign/yalign 0 = left/top, 0.5 centre, 1 right/bottom. */
void    lab_chart_show_text          (const LabChartDrawContext *dc,
                                      PangoLayout               *layout,
                                      double                     x,
                                      double                     y,
                                      double                     xalign,
                                      double                     yalign);
/* A rounded box of the background, outlined faintly: the hover's and a label's. */
void    lab_chart_draw_box           (const LabChartDrawContext *dc,
                                      double                     x,
                                      double                     y,
                                      double                     w,
                                      double                     h);
/* The line styles of the curves, as the legend's key shows them. */
#define LAB_CHART_CURVE_WIDTH 2.5
void    lab_chart_draw_swatch        (const LabChartDrawContext *dc,
                                      double                     x,
                                      double                     y,
                                      double                     length,
                                      const GdkRGBA             *color,
                                      gboolean                   dashed);

/* The markers' shapes (lab-marker-layer.c), which the legend's key draws too. */
typedef enum {
  LAB_MARKER_BEST,       /* a dot: the best epoch */
  LAB_MARKER_DIVERGED,   /* an X: where the loss became NaN or infinite */
  LAB_MARKER_FORK,       /* an open ring: where a fork leaves its parent (lab-fork-layer.c) */
} LabMarkerShape;

void    lab_marker_draw              (const LabChartDrawContext *dc,
                                      LabMarkerShape             shape,
                                      double                     x,
                                      double                     y,
                                      const GdkRGBA             *color);
/* How many of a fork's first points (sorted by epoch) its parent draws already: those
 * before the fork epoch while the parent is visible, else none (lab-fork-layer.c). */
guint   lab_chart_run_shared_points  (const LabChartModel       *model,
                                      const LabChartRun         *run,
                                      const LabChartPoint       *points,
                                      guint                      n_points);

/* A band's fill and alpha (lab-band-layer.c), which the legend's key shows too. */
#define LAB_CHART_BAND_ALPHA 0.2

G_END_DECLS
