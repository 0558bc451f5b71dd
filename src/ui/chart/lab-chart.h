/* LabChart: one metric (loss or accuracy) of several training runs on one plot. Each run
 * shows a training curve (solid), a validation curve (dashed) in the run's colour and,
 * optionally, a faint per-batch trace and a band (the spread of a group of seeds); hover
 * shows the values at the epoch under the pointer; reference lines mark levels such as
 * chance. One draw function (lab_chart_draw) serves the widget and the PNG/SVG/PDF export. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A point of a curve. epoch is fractional for batches (epoch 3, batch 16 of 32 = 3.5);
 * seconds is wall time since the run started (used when the x axis shows time). */
typedef struct {
  double epoch;
  double seconds;
  double value;
} LabChartPoint;

/* A point of a band: the spread of a curve at one x, e.g. the lowest and highest value (or
 * mean - std and mean + std) over the seeds of a group of runs. */
typedef struct {
  double epoch;
  double seconds;
  double lower;
  double upper;
} LabChartBandPoint;

typedef enum {
  LAB_CHART_CURVE_TRAIN,   /* per-epoch training metric: solid line */
  LAB_CHART_CURVE_VAL,     /* per-epoch validation metric: dashed line */
  LAB_CHART_CURVE_BATCH,   /* per-batch training metric: faint, raw (never smoothed) */
} LabChartCurve;

typedef enum /*< underscore_name=lab_chart_x_mode >*/ {
  LAB_CHART_X_EPOCH,
  LAB_CHART_X_TIME,        /* seconds since each run started */
} LabChartXMode;

#define LAB_CHART_N_CURVES 3
#define LAB_CHART_PALETTE_SIZE 8

#define LAB_TYPE_CHART (lab_chart_get_type ())
G_DECLARE_FINAL_TYPE (LabChart, lab_chart, LAB, CHART, GtkWidget)

GtkWidget     *lab_chart_new                 (void);

/* Properties: "title", "x-label", "y-label", "smoothing", "log-x", "log-y", "x-mode",
 * "show-batches", "band-label". */
void           lab_chart_set_title           (LabChart            *self,
                                              const char          *title);
const char    *lab_chart_get_title           (LabChart            *self);
void           lab_chart_set_y_label         (LabChart            *self,
                                              const char          *y_label);
const char    *lab_chart_get_y_label         (LabChart            *self);
/* The x axis' title; NULL names it after the x mode ("Epoch", "Time (min)"). */
void           lab_chart_set_x_label         (LabChart            *self,
                                              const char          *x_label);
const char    *lab_chart_get_x_label         (LabChart            *self);
/* Exponential moving average applied to the training and validation curves, like
 * TensorBoard's smoothing slider (with its debiasing, so the start is not pulled to 0).
 * 0 = raw, clamped to 0..0.99. The batch trace stays raw. */
void           lab_chart_set_smoothing       (LabChart            *self,
                                              double               smoothing);
double         lab_chart_get_smoothing       (LabChart            *self);
void           lab_chart_set_log_y           (LabChart            *self,
                                              gboolean             log_y);
gboolean       lab_chart_get_log_y           (LabChart            *self);
/* A log x axis, for charts whose x spans decades (a learning-rate finder's rates, in the
 * points' epoch field): the range fits the data instead of starting at 0, and the hover
 * no longer snaps to whole epochs. */
void           lab_chart_set_log_x           (LabChart            *self,
                                              gboolean             log_x);
gboolean       lab_chart_get_log_x           (LabChart            *self);
void           lab_chart_set_x_mode          (LabChart            *self,
                                              LabChartXMode        x_mode);
LabChartXMode  lab_chart_get_x_mode          (LabChart            *self);
void           lab_chart_set_show_batches    (LabChart            *self,
                                              gboolean             show_batches);
gboolean       lab_chart_get_show_batches    (LabChart            *self);
/* No legend (TRUE by default): for a small chart under others that name the same runs,
 * such as the learning rate under loss and accuracy. */
void           lab_chart_set_legend_visible  (LabChart            *self,
                                              gboolean             visible);
/* Fixes the y range (e.g. 0..1 for accuracy); NAN for either end means automatic. */
void           lab_chart_set_y_limits        (LabChart            *self,
                                              double               min,
                                              double               max);

/* Runs. Ids start at 1 and are never reused; color NULL takes the next palette colour. */
guint          lab_chart_add_run             (LabChart            *self,
                                              const char          *label,
                                              const GdkRGBA       *color);
void           lab_chart_remove_run          (LabChart            *self,
                                              guint                run_id);
void           lab_chart_clear_runs          (LabChart            *self);
guint          lab_chart_get_n_runs          (LabChart            *self);
void           lab_chart_set_run_label       (LabChart            *self,
                                              guint                run_id,
                                              const char          *label);
void           lab_chart_set_run_color       (LabChart            *self,
                                              guint                run_id,
                                              const GdkRGBA       *color);
void           lab_chart_set_run_visible     (LabChart            *self,
                                              guint                run_id,
                                              gboolean             visible);
gboolean       lab_chart_get_run_visible     (LabChart            *self,
                                              guint                run_id);
/* Replaces a curve's points (copied). Non-finite values are kept but not drawn. */
void           lab_chart_set_run_points      (LabChart            *self,
                                              guint                run_id,
                                              LabChartCurve        curve,
                                              const LabChartPoint *points,
                                              guint                n_points);
/* Appends to a curve: cheaper than set when a few batch points arrive. */
void           lab_chart_append_run_points   (LabChart            *self,
                                              guint                run_id,
                                              LabChartCurve        curve,
                                              const LabChartPoint *points,
                                              guint                n_points);
/* A curve's points as the chart holds them (borrowed, valid until the curve changes):
 * what a feed that only appends has handed over already. */
const LabChartPoint *lab_chart_get_run_points (LabChart           *self,
                                              guint                run_id,
                                              LabChartCurve        curve,
                                              guint               *n_points);
/* A marker on the validation curve at the best epoch (early stopping's choice); <0 none. */
void           lab_chart_set_run_best_epoch  (LabChart            *self,
                                              guint                run_id,
                                              double               epoch);
/* An X where the run diverged (NaN/inf loss) and its curves end; epoch <0 = none. */
void           lab_chart_set_run_diverged    (LabChart            *self,
                                              guint                run_id,
                                              double               epoch,
                                              double               seconds);

/* Makes run a branch of parent_id after `epoch` (an x value of the epoch axis): while the
 * parent is visible, the run's curves are drawn from that epoch on only, starting where
 * the parent's pass (the epochs before are the parent's, drawn once), with a ring at the
 * branch point. parent_id 0 or epoch < 0: not a fork. */
void           lab_chart_set_run_fork        (LabChart            *self,
                                              guint                run_id,
                                              guint                parent_id,
                                              double               epoch);

/* A band around one curve of a run: the area between lower and upper, in the run's colour,
 * under the curves; hidden with the run. Replaces the run's band for that curve (copied);
 * n_points 0 removes it. A non-finite bound breaks the band. Bands count in the y range. */
void           lab_chart_set_run_band        (LabChart                *self,
                                              guint                    run_id,
                                              LabChartCurve            curve,
                                              const LabChartBandPoint *points,
                                              guint                    n_points);
/* The legend's key for the bands, e.g. "min-max of 3 seeds"; NULL (the default): no key. */
void           lab_chart_set_band_label      (LabChart            *self,
                                              const char          *band_label);
const char    *lab_chart_get_band_label      (LabChart            *self);

/* A horizontal line at value with a label at its right end: the chance level of a metric,
 * ln(classes) for a loss or 1/classes for an accuracy. It shows when value lies in the y
 * range and never widens it. Ids start at 1 and are never reused. */
guint          lab_chart_add_reference_line  (LabChart            *self,
                                              double               value,
                                              const char          *label);
void           lab_chart_remove_reference_line (LabChart          *self,
                                                guint              line_id);

/* The values at x (an epoch, or seconds in time mode) of every visible run, one line per
 * run, as the hover box shows them; a newly allocated string. */
char          *lab_chart_describe_at         (LabChart            *self,
                                              double               x_value);

/* Draws the whole chart (title, axes, bands, curves, reference lines, markers, legend;
 * hover line if any) into a width x height area at cr's origin, through the same layers
 * as the widget's snapshot (lab-chart-draw.c); the export calls it. */
void           lab_chart_draw                (LabChart            *self,
                                              cairo_t             *cr,
                                              int                  width,
                                              int                  height);

/* Mapping, for tests and the hover: pixel coordinates in a width x height drawing. */
void           lab_chart_get_plot_area       (LabChart            *self,
                                              int                  width,
                                              int                  height,
                                              cairo_rectangle_t   *area);
double         lab_chart_value_to_pixel_x    (LabChart            *self,
                                              double               x_value,
                                              int                  width);
/* y depends on the width too: a narrow chart wraps its legend into more rows. */
double         lab_chart_value_to_pixel_y    (LabChart            *self,
                                              double               value,
                                              int                  width,
                                              int                  height);
double         lab_chart_pixel_to_value_x    (LabChart            *self,
                                              double               pixel_x,
                                              int                  width);
void           lab_chart_get_x_range         (LabChart            *self,
                                              double              *min,
                                              double              *max);
void           lab_chart_get_y_range         (LabChart            *self,
                                              double              *min,
                                              double              *max);

/* 8 colours readable on light and dark backgrounds; i wraps around. */
const GdkRGBA *lab_chart_palette_color       (guint                i);

G_END_DECLS
