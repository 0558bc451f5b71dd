/* Tests of LabChart: the value -> pixel mapping (linear, log y, log x), robust autorange
 * with a diverged run, smoothing, the hover text, hiding runs, bands, reference lines,
 * PNG/SVG/PDF export, and what a change recomputes (no layout on pointer motion). They
 * draw through lab_chart_draw onto image surfaces and check pixels, as the screen would
 * show, or read the counters of lab-chart-private.h.
 * Over 800 lines on purpose: one widget's cases sharing one set of helpers (render,
 * count_color, the realistic chart, the widget's frames); split, they would need a helper
 * header of their own for no gain in reading. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "lab-axis.h"
#include "lab-chart.h"
#include "lab-chart-export.h"
#include "lab-chart-private.h"
#include "lab-series.h"

/* The plot area is 76 + 700 + 24 px wide and ends 58 px above the bottom; its top is under
 * the title and the legend's row, which depend on the font: the tests read it back. */
#define W 800
#define H 510

/* The pixel row of a value at fraction u of the plot area's height, from the bottom. */
static double
row_at (LabChart *chart,
        double    u)
{
  cairo_rectangle_t area;
  lab_chart_get_plot_area (chart, W, H, &area);
  return area.y + (1 - u) * area.height;
}

static LabChart *
new_chart (void)
{
  LabChart *chart = LAB_CHART (g_object_ref_sink (lab_chart_new ()));
  lab_chart_set_title (chart, "Loss");
  lab_chart_set_y_label (chart, "Loss");
  return chart;
}

/* n epoch points at epochs 1..n, value f(i) for i = 0..n-1 given as an array. */
static void
set_curve (LabChart      *chart,
           guint          run,
           LabChartCurve  curve,
           const double  *values,
           guint          n)
{
  g_autofree LabChartPoint *p = g_new (LabChartPoint, n);

  for (guint i = 0; i < n; i++)
    p[i] = (LabChartPoint) { .epoch = i + 1, .seconds = 2.0 * (i + 1), .value = values[i] };
  lab_chart_set_run_points (chart, run, curve, p, n);
}

static void
test_mapping_linear (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  double values[10] = { 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1 };
  cairo_rectangle_t area;
  double min, max;
  guint run = lab_chart_add_run (chart, "lr 1e-3", NULL);

  set_curve (chart, run, LAB_CHART_CURVE_TRAIN, values, 10);

  lab_chart_get_plot_area (chart, W, H, &area);
  g_assert_cmpfloat (area.x, ==, 76);
  g_assert_cmpfloat (area.width, ==, 700);
  g_assert_cmpfloat (area.y + area.height, ==, H - 58);
  /* Under the title (~30 px) and one legend row. */
  g_assert_cmpfloat (area.y, >=, 60);
  g_assert_cmpfloat (area.y, <=, 120);

  /* 0.1..0.9 rounds out to 0..1 in steps of 0.2; epochs 1..10 to 0..10 in steps of 2. */
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat_with_epsilon (min, 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (max, 1, 1e-12);
  lab_chart_get_x_range (chart, &min, &max);
  g_assert_cmpfloat_with_epsilon (min, 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (max, 10, 1e-12);

  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 1.0, W, H), area.y, 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 0.5, W, H), row_at (chart, 0.5), 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 0.25, W, H), row_at (chart, 0.25), 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 0.0, W, H), 452, 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_x (chart, 0, W), 76, 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_x (chart, 5, W), 426, 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_x (chart, 10, W), 776, 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_pixel_to_value_x (chart, 426, W), 5, 1e-9);

  /* Fixed limits (accuracy in 0..1) win over the data. */
  lab_chart_set_y_limits (chart, 0, 2);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 0.5, W, H), row_at (chart, 0.25), 1e-9);
}

static void
test_mapping_log (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  double values[4] = { 0.9, 0.05, 0.004, 0.001 };
  double min, max;
  guint run = lab_chart_add_run (chart, "run", NULL);

  set_curve (chart, run, LAB_CHART_CURVE_TRAIN, values, 4);
  lab_chart_set_log_y (chart, TRUE);

  /* 0.001..0.9: three decades, 0.001..1; each decade is a third of the height. */
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat_with_epsilon (min, 0.001, 1e-15);
  g_assert_cmpfloat_with_epsilon (max, 1, 1e-12);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 1, W, H), row_at (chart, 1), 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 0.1, W, H), row_at (chart, 2.0 / 3), 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 0.01, W, H), row_at (chart, 1.0 / 3), 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 0.001, W, H), 452, 1e-9);
  /* 0.5 sits log10(2) of a decade below 1. */
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_y (chart, 0.5, W, H), row_at (chart, 1 - log10 (2) / 3), 1e-9);
  /* Zero and negative values have no place on a log axis. */
  g_assert_true (isnan (lab_chart_value_to_pixel_y (chart, 0, W, H)));
}

static void
test_axis_ticks (void)
{
  g_autoptr(LabAxis) axis = lab_axis_new ();
  g_autoptr(GArray) ticks = NULL;
  g_autoptr(GArray) log_ticks = NULL;
  static const char *linear_labels[] = { "0.0", "0.5", "1.0", "1.5", "2.0", "2.5" };
  GString *labels = g_string_new (NULL);
  double min, max;

  /* 1-2-5 steps: 0.37..2.31 spans 1.94, so steps of 0.5 and a range of 0..2.5. */
  lab_axis_fit (axis, 0.37, 2.31);
  lab_axis_get_range (axis, &min, &max);
  g_assert_cmpfloat_with_epsilon (min, 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (max, 2.5, 1e-12);
  ticks = lab_axis_get_ticks (axis);
  g_assert_cmpuint (ticks->len, ==, G_N_ELEMENTS (linear_labels));
  for (guint i = 0; i < ticks->len; i++)
    g_assert_cmpstr (g_array_index (ticks, LabAxisTick, i).label, ==, linear_labels[i]);

  /* A log axis over 1e-6..1e-1 labels its decades only. */
  lab_axis_set_log (axis, TRUE);
  lab_axis_fit (axis, 2e-6, 0.08);
  lab_axis_get_range (axis, &min, &max);
  g_assert_cmpfloat_with_epsilon (min / 1e-6, 2, 1e-9);
  g_assert_cmpfloat_with_epsilon (max, 0.1, 1e-12);
  log_ticks = lab_axis_get_ticks (axis);
  for (guint i = 0; i < log_ticks->len; i++)
    {
      const LabAxisTick *tick = &g_array_index (log_ticks, LabAxisTick, i);
      if (tick->label[0] != 0)
        g_string_append_printf (labels, "%s ", tick->label);
    }
  g_assert_cmpstr (labels->str, ==, "1e-5 1e-4 1e-3 0.01 0.1 ");
  g_string_free (labels, TRUE);

  /* The learning-rate chart is short: at 90 px its 1-2-5 labels over 1e-4..5e-3 would
   * touch, so the decades stay and only minors with room keep theirs; at 400 px all fit. */
  {
    g_autoptr(LabAxis) rate = lab_axis_new ();
    g_autoptr(GArray) rate_ticks = NULL;
    static const struct { double length; const char *kept; } cases[] = {
      { 90, "1e-4 1e-3 5e-3 " }, { 400, "1e-4 2e-4 5e-4 1e-3 2e-3 5e-3 " },
    };

    lab_axis_set_log (rate, TRUE);
    lab_axis_fit (rate, 1e-4, 5e-3);
    rate_ticks = lab_axis_get_ticks (rate);
    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        guint n = rate_ticks->len;
        g_autofree double *center = g_new (double, n);
        g_autofree double *half = g_new (double, n);
        g_autofree gboolean *keep = g_new (gboolean, n);
        g_autoptr(GString) kept = g_string_new (NULL);

        for (guint i = 0; i < n; i++)
          {
            /* Pixels from the top, as the chart draws them; labels 15 px tall. */
            center[i] = (1 - lab_axis_normalize (rate, g_array_index (rate_ticks, LabAxisTick, i).value)) * cases[c].length;
            half[i] = 7.5;
          }
        lab_axis_fit_labels ((const LabAxisTick *) (gpointer) rate_ticks->data, n, center, half, 4, keep);
        for (guint i = 0; i < n; i++)
          if (keep[i])
            g_string_append_printf (kept, "%s ", g_array_index (rate_ticks, LabAxisTick, i).label);
        g_assert_cmpstr (kept->str, ==, cases[c].kept);
      }
  }

  /* A time axis in seconds labelled in minutes: 0..23 min in steps of 5 min. */
  {
    g_autoptr(LabAxis) time = lab_axis_new ();
    g_autoptr(GArray) time_ticks = NULL;

    lab_axis_set_unit (time, 60);
    lab_axis_set_limits (time, 0, NAN);
    lab_axis_fit (time, 0, 23 * 60);
    lab_axis_get_range (time, &min, &max);
    g_assert_cmpfloat_with_epsilon (max, 25 * 60, 1e-9);
    time_ticks = lab_axis_get_ticks (time);
    g_assert_cmpuint (time_ticks->len, ==, 6);
    g_assert_cmpfloat_with_epsilon (g_array_index (time_ticks, LabAxisTick, 1).value, 300, 1e-9);
    g_assert_cmpstr (g_array_index (time_ticks, LabAxisTick, 1).label, ==, "5");
  }
}

/* What a newcomer saw: four epochs at chance, 0.6931 to 0.6935, zoomed to fill the whole
 * height. A flat curve must look flat: the range spans at least a quarter of its values,
 * the curve in its middle; a constant learning rate on a log axis lies inside it. */
static void
test_autorange_flat (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  double flat[4] = { 0.6935, 0.6931, 0.6933, 0.6932 };
  double rate[4] = { 1e-3, 1e-3, 1e-3, 1e-3 };
  double min, max;
  guint run = lab_chart_add_run (chart, "lr 1e-3", NULL);

  set_curve (chart, run, LAB_CHART_CURVE_TRAIN, flat, 4);
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat (max - min, >=, 0.25 * 0.6935);
  g_assert_cmpfloat (min, <, 0.6931 - 0.05);
  g_assert_cmpfloat (max, >, 0.6935 + 0.05);
  /* The curve's wiggle is a few pixels, not the plot's height. */
  g_assert_cmpfloat (fabs (lab_chart_value_to_pixel_y (chart, 0.6935, W, H) -
                           lab_chart_value_to_pixel_y (chart, 0.6931, W, H)), <, 3);

  set_curve (chart, run, LAB_CHART_CURVE_TRAIN, rate, 4);
  lab_chart_set_log_y (chart, TRUE);
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat (min, <, 1e-3 / 1.5);
  g_assert_cmpfloat (max, >, 1e-3 * 1.5);

  /* A sweep's 1e-1 whose first epoch exploded (14000, then chance): the other rates'
   * curves keep the height; the initial losses near 0.7 still show. */
  {
    double good[10] = { 0.69, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.18, 0.16, 0.15 };
    double exploded[10] = { 14000, 0.7, 0.69, 0.7, 0.69, 0.7, 0.69, 0.7, 0.69, 0.7 };
    guint other = lab_chart_add_run (chart, "lr 1e-1", NULL);

    lab_chart_set_log_y (chart, FALSE);
    set_curve (chart, run, LAB_CHART_CURVE_TRAIN, good, 10);
    set_curve (chart, other, LAB_CHART_CURVE_TRAIN, exploded, 10);
    lab_chart_get_y_range (chart, &min, &max);
    g_assert_cmpfloat (max, >=, 0.7);
    g_assert_cmpfloat (max, <=, 2);
  }
}

/* A chart under others that name the same runs (the learning rate's) has no legend: its
 * plot starts right under the title. */
static void
test_no_legend (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  double values[3] = { 1e-3, 1e-3, 1e-3 };
  cairo_rectangle_t with, without;
  guint run = lab_chart_add_run (chart, "a run with a long name", NULL);

  set_curve (chart, run, LAB_CHART_CURVE_TRAIN, values, 3);
  lab_chart_get_plot_area (chart, W, H, &with);
  lab_chart_set_legend_visible (chart, FALSE);
  lab_chart_get_plot_area (chart, W, H, &without);
  g_assert_cmpfloat (without.y, <, with.y - 10);
  g_assert_cmpfloat (without.y + without.height, ==, with.y + with.height);
  lab_chart_set_legend_visible (chart, TRUE);
  lab_chart_get_plot_area (chart, W, H, &without);
  g_assert_cmpfloat (without.y, ==, with.y);
}

static void
test_autorange_diverged (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  double good[50], good_val[50];
  double bad[7] = { 0.69, 1.4, 5, 80, 3000, 1e6, INFINITY };
  double min, max;
  guint a = lab_chart_add_run (chart, "lr 1e-3", NULL);
  guint b = lab_chart_add_run (chart, "lr 1", NULL);

  for (guint i = 0; i < 50; i++)
    {
      good[i] = 0.05 + 0.64 * exp (-(double) i / 10.0);
      good_val[i] = 0.15 + 0.54 * exp (-(double) i / 8.0);
    }
  set_curve (chart, a, LAB_CHART_CURVE_TRAIN, good, 50);
  set_curve (chart, a, LAB_CHART_CURVE_VAL, good_val, 50);
  set_curve (chart, b, LAB_CHART_CURVE_TRAIN, bad, 7);
  lab_chart_set_run_diverged (chart, b, 7, 14);

  /* The good run keeps most of the height: the 1e6 does not flatten it to the bottom. */
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_true (isfinite (min) && isfinite (max));
  g_assert_cmpfloat (max, >=, 0.69);
  g_assert_cmpfloat (max, <=, 2);
  g_assert_cmpfloat (lab_chart_value_to_pixel_y (chart, 0.69, W, H) - lab_chart_value_to_pixel_y (chart, 0.05, W, H),
                     <, -150);

  lab_chart_set_log_y (chart, TRUE);
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat (max, >=, 0.69);
  g_assert_cmpfloat (max, <=, 10);
  g_assert_cmpfloat (min, <=, 0.05);

  /* Drawing with the marker and infinite values completes and leaves the pixels sane. */
  {
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create (surface);
    lab_chart_draw (chart, cr, W, H);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }
}

/* The number of pixels within a small distance of a colour. */
static guint
count_color (cairo_surface_t *surface,
             const GdkRGBA   *color)
{
  int w = cairo_image_surface_get_width (surface);
  int h = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data;
  guint count = 0;
  int r = (int) (color->red * 255), g = (int) (color->green * 255), b = (int) (color->blue * 255);

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint32 px = *(const guint32 *) (data + y * stride + 4 * x);
        int pr = (px >> 16) & 0xff, pg = (px >> 8) & 0xff, pb = px & 0xff;
        if (((px >> 24) & 0xff) == 0xff && abs (pr - r) < 12 && abs (pg - g) < 12 && abs (pb - b) < 12)
          count++;
      }
  return count;
}

/* Onto white; ink NULL takes the widget's style (white text, without a window), else the
 * export's dark ink on paper. */
static cairo_surface_t *
render_with_ink (LabChart      *chart,
                 const GdkRGBA *ink)
{
  static const GdkRGBA paper = { 1, 1, 1, 1 };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, W, H);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (ink != NULL)
    lab_chart_draw_with_colors (chart, cr, W, H, ink, &paper);
  else
    lab_chart_draw (chart, cr, W, H);
  cairo_destroy (cr);
  /* RGB24 leaves the alpha byte undefined: make it opaque for count_color. */
  cairo_surface_flush (surface);
  {
    guint8 *data = cairo_image_surface_get_data (surface);
    for (int i = 0; i < cairo_image_surface_get_stride (surface) * H; i += 4)
      data[i + 3] = 0xff;   /* little-endian ARGB: alpha is the fourth byte */
    cairo_surface_mark_dirty (surface);
  }
  return surface;
}

static cairo_surface_t *
render (LabChart *chart)
{
  return render_with_ink (chart, NULL);
}

static void
test_visibility (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  const GdkRGBA *red = lab_chart_palette_color (1);
  const GdkRGBA *green = lab_chart_palette_color (2);
  double up[20], down[20];
  cairo_surface_t *surface;
  guint a, b;

  for (guint i = 0; i < 20; i++)
    {
      down[i] = 1 - i / 25.0;
      up[i] = 0.2 + i / 40.0;
    }
  a = lab_chart_add_run (chart, "falling", red);
  b = lab_chart_add_run (chart, "rising", green);
  set_curve (chart, a, LAB_CHART_CURVE_TRAIN, down, 20);
  set_curve (chart, a, LAB_CHART_CURVE_VAL, up, 20);
  set_curve (chart, b, LAB_CHART_CURVE_TRAIN, up, 20);

  surface = render (chart);
  g_assert_cmpuint (count_color (surface, red), >, 500);
  g_assert_cmpuint (count_color (surface, green), >, 300);
  cairo_surface_destroy (surface);

  lab_chart_set_run_visible (chart, a, FALSE);
  g_assert_false (lab_chart_get_run_visible (chart, a));
  surface = render (chart);
  g_assert_cmpuint (count_color (surface, red), ==, 0);
  g_assert_cmpuint (count_color (surface, green), >, 300);
  cairo_surface_destroy (surface);

  lab_chart_set_run_visible (chart, a, TRUE);
  lab_chart_remove_run (chart, b);
  surface = render (chart);
  g_assert_cmpuint (count_color (surface, red), >, 500);
  g_assert_cmpuint (count_color (surface, green), ==, 0);
  cairo_surface_destroy (surface);
}

static void
test_smoothing (void)
{
  /* TensorBoard's debiased EMA with w = 0.5 on 1, 2, 3:
   * last = 0.5, 1.25, 2.125; divided by 1 - 0.5^k = 0.5, 0.75, 0.875. */
  LabChartPoint in[4] = { { 1, 1, 1 }, { 2, 2, 2 }, { 3, 3, 3 }, { 4, 4, NAN } };
  LabChartPoint out[4];
  LabChartPoint gap[3] = { { 1, 1, 1 }, { 2, 2, NAN }, { 3, 3, 3 } };
  g_autoptr(LabSeries) series = lab_series_new ();
  const LabChartPoint *cached;
  guint n;

  lab_smooth_ema (out, in, 4, 0.5);
  g_assert_cmpfloat_with_epsilon (out[0].value, 1, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[1].value, 1.25 / 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[2].value, 2.125 / 0.875, 1e-12);
  g_assert_true (isnan (out[3].value));
  g_assert_cmpfloat (out[2].epoch, ==, 3);

  /* A NaN passes through without entering the average. */
  lab_smooth_ema (out, gap, 3, 0.5);
  g_assert_true (isnan (out[1].value));
  g_assert_cmpfloat_with_epsilon (out[2].value, 1.75 / 0.75, 1e-12);

  /* The series' incremental cache agrees with the reference after appends. */
  lab_series_set_points (series, in, 2);
  cached = lab_series_get_smoothed (series, 0.5, &n);
  g_assert_cmpuint (n, ==, 2);
  lab_series_append_points (series, in + 2, 2);
  cached = lab_series_get_smoothed (series, 0.5, &n);
  lab_smooth_ema (out, in, 4, 0.5);
  g_assert_cmpuint (n, ==, 4);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (cached[i].value, out[i].value, 1e-12);

  /* The app hands the whole history each time: a grown history is an append, the same
   * one changes nothing, a different one replaces. */
  {
    g_autoptr(LabSeries) history = lab_series_new ();
    LabChartPoint changed[2] = { { 1, 1, 1 }, { 2, 2, 5 } };

    g_assert_cmpint (lab_series_update_points (history, in, 2), ==, LAB_SERIES_APPENDED);
    g_assert_cmpint (lab_series_update_points (history, in, 2), ==, LAB_SERIES_UNCHANGED);
    g_assert_cmpint (lab_series_update_points (history, in, 3), ==, LAB_SERIES_APPENDED);
    g_assert_cmpint (lab_series_update_points (history, changed, 2), ==, LAB_SERIES_REPLACED);
    lab_series_get_points (history, &n);
    g_assert_cmpuint (n, ==, 2);
  }

  /* Smoothing 0 is the raw data; the chart clamps to 0..0.99. */
  cached = lab_series_get_smoothed (series, 0, &n);
  g_assert_cmpfloat (cached[1].value, ==, 2);
  {
    g_autoptr(LabChart) chart = new_chart ();
    lab_chart_set_smoothing (chart, 5);
    g_assert_cmpfloat (lab_chart_get_smoothing (chart), ==, 0.99);
  }
}

static void
test_describe (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  double ta[3] = { 0.7, 0.5, 0.4 }, va[3] = { 0.72, 0.55, 0.5 };
  double tb[3] = { 0.69, 0.68, 0.67 };
  double tc[2] = { 0.9, 1.5 };
  g_autofree char *text = NULL;
  g_autofree char *text_hidden = NULL;
  g_autofree char *text_time = NULL;
  guint a = lab_chart_add_run (chart, "lr 1e-3", NULL);
  guint b = lab_chart_add_run (chart, "lr 1e-5", NULL);
  guint c = lab_chart_add_run (chart, "lr 1", NULL);

  set_curve (chart, a, LAB_CHART_CURVE_TRAIN, ta, 3);
  set_curve (chart, a, LAB_CHART_CURVE_VAL, va, 3);
  set_curve (chart, b, LAB_CHART_CURVE_TRAIN, tb, 3);
  set_curve (chart, c, LAB_CHART_CURVE_TRAIN, tc, 2);
  lab_chart_set_run_diverged (chart, c, 2, 4);

  /* 2.3 snaps to epoch 2; each visible run gives its raw values there. */
  text = lab_chart_describe_at (chart, 2.3);
  g_assert_cmpstr (text, ==,
                   "Epoch 2\n"
                   "lr 1e-3: train 0.500, val 0.550\n"
                   "lr 1e-5: train 0.680\n"
                   "lr 1: train 1.500, diverged at epoch 2");

  lab_chart_set_run_visible (chart, b, FALSE);
  lab_chart_set_run_visible (chart, c, FALSE);
  text_hidden = lab_chart_describe_at (chart, 3);
  g_assert_cmpstr (text_hidden, ==, "Epoch 3\nlr 1e-3: train 0.400, val 0.500");

  /* In time mode x is seconds (epoch k ended at 2k s). */
  lab_chart_set_x_mode (chart, LAB_CHART_X_TIME);
  text_time = lab_chart_describe_at (chart, 4.2);
  g_assert_cmpstr (text_time, ==, "0:04\nlr 1e-3: train 0.500, val 0.550");
}

/* A colour at alpha over white paper, as count_color sees a translucent fill. */
static GdkRGBA
over_white (const GdkRGBA *color,
            double         alpha)
{
  return (GdkRGBA) { 1 - alpha * (1 - color->red), 1 - alpha * (1 - color->green),
                     1 - alpha * (1 - color->blue), 1 };
}

static gboolean
legend_has (LabChart      *chart,
            LabLegendKind  kind)
{
  guint n;
  const LabLegendItem *items;

  lab_chart_ensure_layout (chart, W);
  items = lab_chart_layout_get_legend (chart->layout, &n);
  for (guint i = 0; i < n; i++)
    if (items[i].kind == kind)
      return TRUE;
  return FALSE;
}

/* A fork (b leaves a after epoch 2: its first two epochs are a's): the legend keys the
 * ring at the branch point, and the hover says the shared epochs once, on the parent's
 * row, which names its fork. With the parent hidden the fork is a whole run again. */
static void
test_fork_key_and_hover (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  double ta[4] = { 0.7, 0.5, 0.4, 0.35 }, tb[4] = { 0.7, 0.5, 0.45, 0.44 };
  double tc[4] = { 0.7, 0.5, 0.4, 0.3 };
  g_autofree char *shared = NULL;
  g_autofree char *branch = NULL;
  g_autofree char *chain = NULL;
  g_autofree char *alone = NULL;
  guint a = lab_chart_add_run (chart, "Run 1", NULL);
  guint b = lab_chart_add_run (chart, "lr 1e-4 from epoch 2", NULL);
  guint c;

  set_curve (chart, a, LAB_CHART_CURVE_TRAIN, ta, 4);
  set_curve (chart, b, LAB_CHART_CURVE_TRAIN, tb, 4);
  g_assert_false (legend_has (chart, LAB_LEGEND_FORK));
  lab_chart_set_run_fork (chart, b, a, 2);
  g_assert_true (legend_has (chart, LAB_LEGEND_FORK));

  shared = lab_chart_describe_at (chart, 2);
  g_assert_cmpstr (shared, ==, "Epoch 2\nRun 1 (and its fork): train 0.500");
  branch = lab_chart_describe_at (chart, 3);
  g_assert_cmpstr (branch, ==, "Epoch 3\nRun 1: train 0.400\nlr 1e-4 from epoch 2: train 0.450");

  /* A fork of the fork after epoch 3: at epoch 1 all three are Run 1's values. */
  c = lab_chart_add_run (chart, "lr 1e-5 from epoch 3", NULL);
  set_curve (chart, c, LAB_CHART_CURVE_TRAIN, tc, 4);
  lab_chart_set_run_fork (chart, c, b, 3);
  chain = lab_chart_describe_at (chart, 1);
  g_assert_cmpstr (chain, ==, "Epoch 1\nRun 1 (and its 2 forks): train 0.700");
  lab_chart_remove_run (chart, c);

  lab_chart_set_run_visible (chart, a, FALSE);
  g_assert_false (legend_has (chart, LAB_LEGEND_FORK));
  alone = lab_chart_describe_at (chart, 2);
  g_assert_cmpstr (alone, ==, "Epoch 2\nlr 1e-4 from epoch 2: train 0.500");
}

/* A seed group: the mean is the run's curve, the min-max its band, in the run's colour;
 * the band counts in the y range, hides with the run, breaks at a NaN. */
static void
test_band (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  const GdkRGBA *red = lab_chart_palette_color (1);
  GdkRGBA pale_red = over_white (red, LAB_CHART_BAND_ALPHA);
  const char *example = g_getenv ("LRLAB_CHART_LAYERS_EXAMPLE");
  LabChartBandPoint band[20];
  double mean[20], other[20];
  cairo_surface_t *surface;
  double min, max;
  guint none, full, broken;
  guint a = lab_chart_add_run (chart, "lr 1e-3, 3 seeds", red);
  guint b = lab_chart_add_run (chart, "lr 1e-4", lab_chart_palette_color (0));

  for (guint i = 0; i < 20; i++)
    {
      mean[i] = 1 - i / 25.0;
      other[i] = 0.9 - i / 60.0;
      band[i] = (LabChartBandPoint) { i + 1, 2.0 * (i + 1), mean[i] - 0.1, mean[i] + 0.1 };
    }
  set_curve (chart, a, LAB_CHART_CURVE_TRAIN, mean, 20);
  set_curve (chart, b, LAB_CHART_CURVE_TRAIN, other, 20);

  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat_with_epsilon (max, 1, 1e-12);
  /* The curve's antialiased edges have some pixels of the pale colour. */
  surface = render (chart);
  none = count_color (surface, &pale_red);
  cairo_surface_destroy (surface);

  lab_chart_set_run_band (chart, a, LAB_CHART_CURVE_TRAIN, band, 20);
  /* The upper bound 1.1 widens the range: a band is data. */
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat (max, >=, 1.1);
  /* No key without a label; with one, the legend names the band. */
  g_assert_false (legend_has (chart, LAB_LEGEND_BAND));
  lab_chart_set_band_label (chart, "min-max of 3 seeds");
  g_assert_true (legend_has (chart, LAB_LEGEND_BAND));
  lab_chart_add_reference_line (chart, log (2), "chance: ln 2");

  surface = render (chart);
  /* 0.2 of the value range, 19 epochs wide: thousands of pixels in the pale colour. */
  full = count_color (surface, &pale_red);
  g_assert_cmpuint (full, >, none + 5000);
  cairo_surface_destroy (surface);
  if (example != NULL)
    {
      g_autoptr(GError) error = NULL;
      lab_chart_set_hover (chart, 8);
      g_assert_true (lab_chart_export (chart, example, LAB_CHART_FORMAT_PNG, 900, 560, &error));
      g_assert_no_error (error);
      lab_chart_set_hover (chart, NAN);
    }

  /* A NaN bound breaks it in two: less is filled, not nothing. */
  band[9].upper = NAN;
  lab_chart_set_run_band (chart, a, LAB_CHART_CURVE_TRAIN, band, 20);
  surface = render (chart);
  broken = count_color (surface, &pale_red);
  g_assert_cmpuint (broken, <, full * 9 / 10);
  g_assert_cmpuint (broken, >, none + (full - none) / 2);
  cairo_surface_destroy (surface);

  lab_chart_set_run_visible (chart, a, FALSE);
  surface = render (chart);
  g_assert_cmpuint (count_color (surface, &pale_red), <, 50);
  cairo_surface_destroy (surface);
  g_assert_false (legend_has (chart, LAB_LEGEND_BAND));

  /* No points removes the band and its part of the range. */
  lab_chart_set_run_visible (chart, a, TRUE);
  lab_chart_set_run_band (chart, a, LAB_CHART_CURVE_TRAIN, NULL, 0);
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat_with_epsilon (max, 1, 1e-12);
  surface = render (chart);
  g_assert_cmpuint (count_color (surface, &pale_red), <=, none + 50);
  cairo_surface_destroy (surface);
}

/* Pixels of one row inside the plot darker than the paper (the row a line would be on). */
static guint
count_inked_in_row (cairo_surface_t *surface,
                    int              row,
                    int              x0,
                    int              x1)
{
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data;
  guint count = 0;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  for (int x = x0; x < x1; x++)
    {
      guint32 px = *(const guint32 *) (data + row * stride + 4 * x);
      if (((px >> 16) & 0xff) < 200 && ((px >> 8) & 0xff) < 200 && (px & 0xff) < 200)
        count++;
    }
  return count;
}

/* The chance level: a dashed line across the plot at its value, with its label at the
 * right end; one out of the range shows nowhere and leaves the range alone. */
static void
test_reference_line (void)
{
  static const GdkRGBA ink = { 0x24 / 255., 0x1f / 255., 0x31 / 255., 1 };
  g_autoptr(LabChart) chart = new_chart ();
  double values[10] = { 0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2, 0.15, 0.1 };
  cairo_surface_t *surface;
  double min, max;
  int row;
  guint run = lab_chart_add_run (chart, "lr 1e-3", lab_chart_palette_color (2));
  guint chance, far;

  set_curve (chart, run, LAB_CHART_CURVE_TRAIN, values, 10);
  /* 0.5 is no tick of 0..1 in steps of 0.2: the row holds only the curve's crossing. */
  row = (int) floor (lab_chart_value_to_pixel_y (chart, 0.5, W, H));
  surface = render_with_ink (chart, &ink);
  g_assert_cmpuint (count_inked_in_row (surface, row, 80, 770), <, 20);
  cairo_surface_destroy (surface);

  chance = lab_chart_add_reference_line (chart, 0.5, "chance: 1/2");
  far = lab_chart_add_reference_line (chart, 5, "far away");
  g_assert_cmpuint (chance, ==, 1);
  g_assert_cmpuint (far, ==, 2);
  lab_chart_get_y_range (chart, &min, &max);
  g_assert_cmpfloat_with_epsilon (max, 1, 1e-12);

  surface = render_with_ink (chart, &ink);
  /* Dashes 6 on, 4 off across 700 px, less the label's box: a few hundred inked. */
  g_assert_cmpuint (count_inked_in_row (surface, row, 80, 770), >, 250);
  /* The label sits above the line at the right end. */
  {
    guint inked = 0;
    for (int y = row - 26; y < row - 2; y++)
      inked += count_inked_in_row (surface, y, 776 - 120, 776);
    g_assert_cmpuint (inked, >, 40);
  }
  cairo_surface_destroy (surface);

  lab_chart_remove_reference_line (chart, chance);
  surface = render_with_ink (chart, &ink);
  g_assert_cmpuint (count_inked_in_row (surface, row, 80, 770), <, 20);
  cairo_surface_destroy (surface);
}

/* A learning-rate sweep: x spans decades, each decade a fifth of the width; the hover does
 * not snap to whole epochs there, and the x title names the rate. */
static void
test_mapping_log_x (void)
{
  g_autoptr(LabChart) chart = new_chart ();
  LabChartPoint sweep[6];
  g_autofree char *text = NULL;
  cairo_surface_t *surface;
  double min, max;
  guint run = lab_chart_add_run (chart, "LR finder", lab_chart_palette_color (3));

  for (guint i = 0; i < 6; i++)
    sweep[i] = (LabChartPoint) { pow (10, -6.0 + i), i, 0.7 - 0.1 * i };
  lab_chart_set_run_points (chart, run, LAB_CHART_CURVE_TRAIN, sweep, 6);
  lab_chart_set_log_x (chart, TRUE);
  lab_chart_set_x_label (chart, "Learning rate");
  g_assert_true (lab_chart_get_log_x (chart));
  g_assert_cmpstr (lab_chart_get_x_label (chart), ==, "Learning rate");

  lab_chart_get_x_range (chart, &min, &max);
  g_assert_cmpfloat_with_epsilon (min / 1e-6, 1, 1e-9);
  g_assert_cmpfloat_with_epsilon (max, 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_x (chart, 1e-6, W), 76, 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_x (chart, 1e-4, W), 76 + 700 * 2 / 5.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_value_to_pixel_x (chart, 0.1, W), 776, 1e-9);
  g_assert_cmpfloat_with_epsilon (lab_chart_pixel_to_value_x (chart, 356, W) / 1e-4, 1, 1e-9);
  g_assert_true (isnan (lab_chart_value_to_pixel_x (chart, 0, W)));

  text = lab_chart_describe_at (chart, 1.2e-4);
  g_assert_cmpstr (text, ==, "Learning rate 0.00012\nLR finder: train 0.500");

  surface = render (chart);
  g_assert_cmpuint (count_color (surface, lab_chart_palette_color (3)), >, 300);
  cairo_surface_destroy (surface);

  /* Back to a linear axis from 0. */
  lab_chart_set_log_x (chart, FALSE);
  lab_chart_get_x_range (chart, &min, &max);
  g_assert_cmpfloat (min, ==, 0);
}

/* Three learning rates as a class sees them: 1e-2 jumps, 1e-3 learns then overfits
 * (validation loss turns up while training loss keeps falling), 1e-5 crawls. */
static LabChart *
new_realistic_chart (void)
{
  LabChart *chart = new_chart ();
  const guint epochs = 120, batches = 50;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  static const char *labels[] = { "lr 1e-2", "lr 1e-3", "lr 1e-5" };

  lab_chart_set_title (chart, "Training vs validation loss");
  lab_chart_set_show_batches (chart, TRUE);

  for (guint r = 0; r < 3; r++)
    {
      guint id = lab_chart_add_run (chart, labels[r], NULL);
      g_autoptr(GArray) train = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));
      g_autoptr(GArray) val = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));
      g_autoptr(GArray) batch = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));
      double best = INFINITY, best_epoch = -1;

      for (int e = 1; e <= (int) epochs; e++)
        {
          double t, v, noise;
          LabChartPoint p;

          switch (r)
            {
            case 0:
              /* Too high: the loss drops fast, then bounces around and spikes. */
              noise = 0.09;
              t = 0.30 + 0.39 * exp (-e / 4.0) + 0.05 * fabs (g_rand_double_range (rand, -1, 1))
                  + (g_rand_double (rand) < 0.07 ? g_rand_double_range (rand, 0.1, 0.3) : 0);
              v = t + 0.04 + 0.06 * fabs (g_rand_double_range (rand, -1, 1));
              break;
            case 1:
              noise = 0.05;
              t = 0.02 + 0.67 * exp (-e / 14.0);
              v = 0.17 + 0.52 * exp (-e / 10.0) + 0.0035 * MAX (0, e - 30.0)
                  + 0.015 * g_rand_double_range (rand, -1, 1);
              break;
            default:
              noise = 0.02;
              t = 0.693 - 0.09 * (1 - exp (-e / 150.0));
              v = t + 0.004 + 0.004 * g_rand_double_range (rand, -1, 1);
              break;
            }
          for (guint k = 0; k < batches; k++)
            {
              double frac = (e - 1) + (k + 1.0) / batches;
              p = (LabChartPoint) { frac, frac * 9, t + noise * g_rand_double_range (rand, -1, 1) * (1 + (r == 0) * 2 * (k % 17 == 0)) };
              g_array_append_val (batch, p);
            }
          p = (LabChartPoint) { e, e * 9, t };
          g_array_append_val (train, p);
          p.value = v;
          g_array_append_val (val, p);
          if (v < best)
            {
              best = v;
              best_epoch = e;
            }
        }
      lab_chart_set_run_points (chart, id, LAB_CHART_CURVE_TRAIN, (LabChartPoint *) (gpointer) train->data, train->len);
      lab_chart_set_run_points (chart, id, LAB_CHART_CURVE_VAL, (LabChartPoint *) (gpointer) val->data, val->len);
      lab_chart_set_run_points (chart, id, LAB_CHART_CURVE_BATCH, (LabChartPoint *) (gpointer) batch->data, batch->len);
      if (r == 1)
        lab_chart_set_run_best_epoch (chart, id, best_epoch);
    }
  return chart;
}

static char *
read_head (const char *path,
           gsize       n)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, n);
  return g_strndup (contents, n);
}

static void
test_export (void)
{
  g_autoptr(LabChart) chart = new_realistic_chart ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lab-chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "chart.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "chart.pdf", NULL);
  g_autofree char *svg_head = NULL;
  g_autofree char *pdf_head = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  LabChartFormat format;

  g_assert_no_error (error);

  g_assert_true (lab_chart_export (chart, png, LAB_CHART_FORMAT_PNG, 900, 560, &error));
  g_assert_no_error (error);
  pixbuf = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 900);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 560);
  {
    /* Not blank: many pixels are neither white paper nor one flat colour. */
    const guint8 *data = gdk_pixbuf_read_pixels (pixbuf);
    int stride = gdk_pixbuf_get_rowstride (pixbuf), channels = gdk_pixbuf_get_n_channels (pixbuf);
    guint inked = 0;

    for (int y = 0; y < 560; y++)
      for (int x = 0; x < 900; x++)
        {
          const guint8 *p = data + y * stride + x * channels;
          if (p[0] < 200 || p[1] < 200 || p[2] < 200)
            inked++;
        }
    g_assert_cmpuint (inked, >, 5000);
    g_assert_cmpuint (inked, <, 900 * 560 / 2);
  }

  g_assert_true (lab_chart_export (chart, svg, LAB_CHART_FORMAT_SVG, 900, 560, &error));
  g_assert_no_error (error);
  svg_head = read_head (svg, 5);
  g_assert_true (g_str_has_prefix (svg_head, "<?xml") || g_str_has_prefix (svg_head, "<svg"));

  g_assert_true (lab_chart_export (chart, pdf, LAB_CHART_FORMAT_PDF, 900, 560, &error));
  g_assert_no_error (error);
  pdf_head = read_head (pdf, 4);
  g_assert_cmpstr (pdf_head, ==, "%PDF");

  g_assert_true (lab_chart_format_from_path ("a/Figure.PDF", &format));
  g_assert_cmpint (format, ==, LAB_CHART_FORMAT_PDF);
  g_assert_false (lab_chart_format_from_path ("figure.jpg", &format));

  /* A folder that does not exist: an error for the user, not a crash. */
  g_assert_false (lab_chart_export (chart, "/nonexistent-lab-dir/chart.png", LAB_CHART_FORMAT_PNG, 100, 100, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_unlink (png);
  g_unlink (svg);
  g_unlink (pdf);
  g_rmdir (dir);
}

/* The docs figure: LRLAB_CHART_EXAMPLE=docs/chart-example.png writes it; otherwise the
 * test only checks that every run shows in the realistic chart. */
static void
test_realistic (void)
{
  g_autoptr(LabChart) chart = new_realistic_chart ();
  const char *example = g_getenv ("LRLAB_CHART_EXAMPLE");
  cairo_surface_t *surface;

  if (example != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_assert_true (lab_chart_export (chart, example, LAB_CHART_FORMAT_PNG, 1200, 720, &error));
      g_assert_no_error (error);
    }

  surface = render (chart);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (count_color (surface, lab_chart_palette_color (i)), >, 300);
  cairo_surface_destroy (surface);
}

static void
test_widget (void)
{
  GtkWidget *window = gtk_window_new ();
  LabChart *chart = LAB_CHART (lab_chart_new ());
  guint notified = 0;

  g_signal_connect_swapped (chart, "notify::log-y", G_CALLBACK (g_atomic_int_inc), &notified);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (chart));
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 400);
  gtk_window_present (GTK_WINDOW (window));

  g_object_set (chart, "log-y", TRUE, "x-mode", LAB_CHART_X_TIME, "show-batches", TRUE, NULL);
  g_assert_true (lab_chart_get_log_y (chart));
  g_assert_cmpint (lab_chart_get_x_mode (chart), ==, LAB_CHART_X_TIME);
  /* Setting the same value again does not notify. */
  lab_chart_set_log_y (chart, TRUE);
  g_assert_cmpuint (notified, ==, 1);

  while (!gtk_widget_get_mapped (GTK_WIDGET (chart)))
    g_main_context_iteration (NULL, TRUE);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* What the widget shows, through GTK's own snapshot path (the cached layers), rendered
 * by the window's renderer into an opaque image for count_color. */
static cairo_surface_t *
render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  cairo_surface_t *flat = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr;

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      /* Not drawn yet. */
      cairo_surface_destroy (surface);
      cairo_surface_destroy (flat);
      return NULL;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_surface_flush (surface);
  gdk_texture_download (texture, cairo_image_surface_get_data (surface), cairo_image_surface_get_stride (surface));
  cairo_surface_mark_dirty (surface);

  /* Onto white, so the colours count as opaque pixels. */
  cr = cairo_create (flat);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return flat;
}

static gboolean
on_give_up (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the main loop run until the widget shows between min and max pixels of color (new
 * points are drawn within 100 ms, the chart's data redraw interval); FALSE if it never does. */
static gboolean
wait_for_color (GtkWidget     *widget,
                const GdkRGBA *color,
                guint          min,
                guint          max)
{
  gboolean given_up = FALSE;
  guint source = g_timeout_add_seconds (10, on_give_up, &given_up);
  gboolean seen = FALSE;

  while (!seen && !given_up)
    {
      cairo_surface_t *surface;

      g_main_context_iteration (NULL, TRUE);
      if ((surface = render_widget (widget)) == NULL)
        continue;
      seen = count_color (surface, color) >= min && count_color (surface, color) <= max;
      cairo_surface_destroy (surface);
    }
  if (!given_up)
    g_source_remove (source);
  return seen;
}

/* The widget's cached layers follow the data: a run added later appears, a hidden one
 * disappears, like in lab_chart_draw. */
static void
test_widget_layers (void)
{
  GtkWidget *window = gtk_window_new ();
  LabChart *chart = LAB_CHART (lab_chart_new ());
  const GdkRGBA *red = lab_chart_palette_color (1);
  const GdkRGBA *green = lab_chart_palette_color (2);
  double down[20], up[20];
  cairo_surface_t *surface;
  guint a, b;

  for (guint i = 0; i < 20; i++)
    {
      down[i] = 1 - i / 25.0;
      up[i] = 0.2 + i / 40.0;
    }
  lab_chart_set_title (chart, "Loss");
  a = lab_chart_add_run (chart, "falling", red);
  set_curve (chart, a, LAB_CHART_CURVE_TRAIN, down, 20);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (chart));
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 420);
  gtk_window_present (GTK_WINDOW (window));
  while (gtk_widget_get_width (GTK_WIDGET (chart)) == 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (wait_for_color (GTK_WIDGET (chart), red, 300, G_MAXUINT));

  b = lab_chart_add_run (chart, "rising", green);
  set_curve (chart, b, LAB_CHART_CURVE_TRAIN, up, 20);
  g_assert_true (wait_for_color (GTK_WIDGET (chart), green, 300, G_MAXUINT));

  lab_chart_set_run_visible (chart, a, FALSE);
  g_assert_true (wait_for_color (GTK_WIDGET (chart), red, 0, 0));
  surface = render_widget (GTK_WIDGET (chart));
  g_assert_nonnull (surface);
  g_assert_cmpuint (count_color (surface, green), >=, 300);
  cairo_surface_destroy (surface);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* One frame of the widget, through the snapshot its class draws with (the cached slots
 * and the hover), now rather than when the frame clock says. */
static void
snapshot_chart (LabChart *chart)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;

  lab_chart_snapshot_layers (chart, snapshot, gtk_widget_get_width (GTK_WIDGET (chart)),
                             gtk_widget_get_height (GTK_WIDGET (chart)));
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  gsk_render_node_unref (node);
}

/* After new points: lets their redraw happen (within the data redraw interval), draws a
 * frame, and checks that slot alone was drawn again and nothing measured; stats then
 * holds the counters after. */
static void
assert_redrawn_alone (LabChart      *chart,
                      LabChartSlot   slot,
                      LabChartStats *stats)
{
  LabChartStats after;

  while (chart->stale_slots != 0 || chart->data_redraw_source != 0)
    g_main_context_iteration (NULL, TRUE);
  snapshot_chart (chart);
  lab_chart_get_stats (chart, &after);
  for (LabChartSlot other = 0; other < LAB_CHART_N_CACHED_SLOTS; other++)
    if (other == slot)
      g_assert_cmpuint (after.slot_draws[other], >, stats->slot_draws[other]);
    else
      g_assert_cmpuint (after.slot_draws[other], ==, stats->slot_draws[other]);
  g_assert_cmpuint (after.layouts, ==, stats->layouts);
  *stats = after;
}

/* What a change recomputes. Pointer motion and frames measure no text: the layout is
 * computed once per size and legend, the tick labels once per range, the hover text once
 * per epoch pointed at. New batches redraw the batch slot only, new epochs the epoch slot. */
static void
test_recompute (void)
{
  GtkWidget *window = gtk_window_new ();
  LabChart *chart = LAB_CHART (lab_chart_new ());
  double train[10], val[10];
  LabChartPoint batches[5], epoch = { 10, 20, 0.62 };
  LabChartStats before, after;
  cairo_rectangle_t area;
  int width, height;
  guint run;

  for (guint i = 0; i < 10; i++)
    {
      train[i] = 1 - i / 15.0;
      val[i] = 1 - i / 20.0;
    }
  lab_chart_set_title (chart, "Loss");
  lab_chart_set_show_batches (chart, TRUE);
  run = lab_chart_add_run (chart, "lr 1e-3", NULL);
  set_curve (chart, run, LAB_CHART_CURVE_TRAIN, train, 10);
  set_curve (chart, run, LAB_CHART_CURVE_VAL, val, 9);
  lab_chart_set_run_best_epoch (chart, run, 9);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (chart));
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 420);
  gtk_window_present (GTK_WINDOW (window));
  while (gtk_widget_get_width (GTK_WIDGET (chart)) == 0)
    g_main_context_iteration (NULL, TRUE);
  width = gtk_widget_get_width (GTK_WIDGET (chart));
  height = gtk_widget_get_height (GTK_WIDGET (chart));
  snapshot_chart (chart);
  lab_chart_get_plot_area (chart, width, height, &area);

  /* The pointer sweeps the plot; the hover is drawn each time. */
  lab_chart_get_stats (chart, &before);
  for (double epoch_x = 0.6; epoch_x < 10; epoch_x += 0.1)
    {
      lab_chart_pointer_moved (chart, lab_chart_value_to_pixel_x (chart, epoch_x, width), area.y + area.height / 2);
      snapshot_chart (chart);
      g_free (lab_chart_describe_at (chart, epoch_x));
    }
  lab_chart_pointer_moved (chart, area.x + area.width / 2, area.y - 5);   /* above the plot: no hover */
  lab_chart_get_stats (chart, &after);
  g_assert_cmpuint (after.layouts, ==, before.layouts);
  g_assert_cmpuint (after.tick_layouts, ==, before.tick_layouts);
  /* Epochs 1..10 were under the pointer (0.6 snaps to 1): ten texts for 94 moves and frames. */
  g_assert_cmpuint (after.hover_texts - before.hover_texts, ==, 10);
  for (guint slot = 0; slot < LAB_CHART_N_CACHED_SLOTS; slot++)
    g_assert_cmpuint (after.slot_draws[slot], ==, before.slot_draws[slot]);

  /* New batches inside the ranges: the batch slot alone is drawn again. */
  for (guint k = 0; k < G_N_ELEMENTS (batches); k++)
    batches[k] = (LabChartPoint) { 9.2 + 0.1 * k, 18.4 + 0.2 * k, 0.6 };
  lab_chart_append_run_points (chart, run, LAB_CHART_CURVE_BATCH, batches, G_N_ELEMENTS (batches));
  assert_redrawn_alone (chart, LAB_CHART_SLOT_BATCHES, &after);

  /* A new epoch: the epoch slot alone. */
  lab_chart_append_run_points (chart, run, LAB_CHART_CURVE_VAL, &epoch, 1);
  assert_redrawn_alone (chart, LAB_CHART_SLOT_EPOCHS, &after);

  /* A new label is measured again, once, whatever the frames. */
  before = after;
  lab_chart_set_run_label (chart, run, "lr 1e-3, dropout 0.5");
  for (guint i = 0; i < 3; i++)
    {
      snapshot_chart (chart);
    }
  lab_chart_get_stats (chart, &after);
  g_assert_cmpuint (after.layouts, ==, before.layouts + 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  /* No accessibility bus under xvfb-run: without this GTK warns, and tests make warnings fatal. */
  g_setenv ("GTK_A11Y", "none", FALSE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/chart/mapping/linear", test_mapping_linear);
  g_test_add_func ("/chart/mapping/log", test_mapping_log);
  g_test_add_func ("/chart/mapping/log-x", test_mapping_log_x);
  g_test_add_func ("/chart/axis/ticks", test_axis_ticks);
  g_test_add_func ("/chart/autorange/diverged", test_autorange_diverged);
  g_test_add_func ("/chart/autorange/flat", test_autorange_flat);
  g_test_add_func ("/chart/no-legend", test_no_legend);
  g_test_add_func ("/chart/visibility", test_visibility);
  g_test_add_func ("/chart/smoothing", test_smoothing);
  g_test_add_func ("/chart/describe", test_describe);
  g_test_add_func ("/chart/band", test_band);
  g_test_add_func ("/chart/fork-key-and-hover", test_fork_key_and_hover);
  g_test_add_func ("/chart/reference-line", test_reference_line);
  g_test_add_func ("/chart/export", test_export);
  g_test_add_func ("/chart/realistic", test_realistic);
  g_test_add_func ("/chart/widget", test_widget);
  g_test_add_func ("/chart/widget/layers", test_widget_layers);
  g_test_add_func ("/chart/widget/recompute", test_recompute);

  return g_test_run ();
}
