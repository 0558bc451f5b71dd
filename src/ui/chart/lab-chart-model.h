/* LabChartModel: what a LabChart shows, whatever draws it: the runs with their curves,
 * bands and markers, the reference lines, the options, and the two axes whose ranges hold
 * the visible data. Plain data and arithmetic: no widget, no Pango, no Cairo. The widget
 * (lab-chart.c, lab-chart-runs.c) writes it; layers and the layout read it. */
#pragma once

#include "lab-axis.h"
#include "lab-chart.h"
#include "lab-series.h"

G_BEGIN_DECLS

typedef struct {
  guint      id;
  char      *label;
  GdkRGBA    color;
  gboolean   visible;
  LabSeries *series[LAB_CHART_N_CURVES];
  GArray    *bands[LAB_CHART_N_CURVES];   /* of LabChartBandPoint; empty: no band */
  double     best_epoch;                  /* <0: none */
  double     diverged_epoch;              /* <0: none */
  double     diverged_seconds;
  /* A fork of another run (lab_chart_set_run_fork): its curves leave the parent's at
   * fork_epoch, and while the parent is shown they are drawn from there only. */
  guint      fork_parent;                 /* 0: not a fork (or no parent on this chart) */
  double     fork_epoch;                  /* <0: none */
} LabChartRun;

typedef struct {
  guint  id;
  double value;
  char  *label;
} LabChartReference;

typedef struct {
  GPtrArray    *runs;             /* of LabChartRun, in the order they were added */
  GArray       *references;       /* of LabChartReference */
  LabAxis      *x_axis;
  LabAxis      *y_axis;
  char         *title;
  char         *x_label;          /* NULL: named after the x mode */
  char         *y_label;
  char         *band_label;       /* the legend's key for bands; NULL: none */
  double        smoothing;
  double        y_limit_min;      /* NAN: automatic */
  double        y_limit_max;
  LabChartXMode x_mode;
  double        time_unit;        /* seconds per x label unit in time mode: 1, 60 or 3600 */
  guint         next_run_id;
  guint         next_reference_id;
  /* Whole gbooleans, not bit-fields: the widget's flag setter takes their address. */
  gboolean      log_x;
  gboolean      log_y;
  gboolean      show_batches;
  gboolean      hide_legend;      /* a chart under another that names the same runs */
  gboolean      ranges_dirty;     /* recomputed at the next ensure_ranges */
  guint         ranges_serial;    /* moves whenever a range, a log flag or the time unit does */
  double        fitted[7];        /* x min, max, y min, max, time unit, log x, log y of that serial */
} LabChartModel;

void          lab_chart_model_init             (LabChartModel       *self);
void          lab_chart_model_clear            (LabChartModel       *self);

/* Ids start at 1 and are never reused; color NULL takes the next palette colour. */
LabChartRun  *lab_chart_model_add_run          (LabChartModel       *self,
                                                const char          *label,
                                                const GdkRGBA       *color);
LabChartRun  *lab_chart_model_find_run         (LabChartModel       *self,
                                                guint                run_id);
void          lab_chart_model_remove_run       (LabChartModel       *self,
                                                LabChartRun         *run);
guint         lab_chart_model_add_reference    (LabChartModel       *self,
                                                double               value,
                                                const char          *label);
gboolean      lab_chart_model_remove_reference (LabChartModel       *self,
                                                guint                reference_id);

/* Any visible run with a best epoch, a divergence, a band: the legend's keys. */
gboolean      lab_chart_model_any_best         (const LabChartModel *self);
gboolean      lab_chart_model_any_diverged     (const LabChartModel *self);
gboolean      lab_chart_model_any_band         (const LabChartModel *self);
/* Any visible fork whose parent is shown: a ring marks its branch point. */
gboolean      lab_chart_model_any_fork         (const LabChartModel *self);
/* A fork's parent when it is on this chart and shown, else NULL: then the fork's first
 * epochs are the parent's on the chart too (drawn once, described once). */
const LabChartRun *lab_chart_model_fork_parent (const LabChartModel *self,
                                                const LabChartRun   *run);

/* Where a run diverged in the x mode; FALSE if it did not. */
gboolean      lab_chart_run_diverged_at        (const LabChartRun   *run,
                                                LabChartXMode        x_mode,
                                                double              *x);

/* Fits both axes to the visible data if anything changed since the last call (robust to a
 * diverged run, see lab_axis_robust_range); moves ranges_serial when the result differs. */
void          lab_chart_model_ensure_ranges    (LabChartModel       *self);

/* The x axis' title: x_label, or the x mode's name in the time unit ("Time (min)"). */
const char   *lab_chart_model_x_title          (const LabChartModel *self);

/* Where the hover settles for x: whole epochs on a linear epoch axis, where the per-epoch
 * points are; x itself otherwise. */
double        lab_chart_model_snap_x           (const LabChartModel *self,
                                                double               x);

/* g_set_str() is GLib 2.76; Debian 12 has 2.74. TRUE if *str changed. */
gboolean      lab_chart_set_str                (char               **str,
                                                const char          *value);

G_END_DECLS
