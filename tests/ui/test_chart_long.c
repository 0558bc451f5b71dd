/* test_chart_long: the chart with the seed's long runs, 2000 epochs of 50 batch points.
 * A curve with more points than pixel columns keeps only the points a column shows (the
 * first, highest, lowest and last: lab-line-layer.c), and the picture must not change:
 * the decimated stroke is compared with every point stroked. With LRLAB_TEST_PNG_DIR set,
 * the whole chart of such a run is also written there, to look at. */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>

#include "lab-chart.h"
#include "lab-chart-export.h"
#include "lab-chart-layer.h"
#include "lab-chart-projection.h"
#include "lab-line-layer.h"

#define W 600
#define H 300

/* A noisy falling loss, n points over epochs 0..n/per_epoch. */
static LabChartPoint *
noisy_curve (guint n, double per_epoch, guint32 seed)
{
  LabChartPoint *p = g_new (LabChartPoint, n);
  GRand *rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < n; i++)
    {
      double epoch = (i + 1) / per_epoch;
      p[i] = (LabChartPoint) { epoch, epoch * 3,
                               0.1 + 0.6 * exp (-epoch / 300) + 0.08 * g_rand_double_range (rand, -1, 1) };
    }
  g_rand_free (rand);
  return p;
}

static cairo_surface_t *
blank (void)
{
  return cairo_image_surface_create (CAIRO_FORMAT_A8, W, H);
}

/* Every point of the curve stroked, as the line layer did before it decimated. */
static void
stroke_all (cairo_t *cr, const LabChartProjection *proj, const LabChartPoint *p, guint n,
            double width)
{
  for (guint i = 0; i < n; i++)
    cairo_line_to (cr, lab_chart_projection_x (proj, p[i].epoch),
                   lab_chart_projection_y (proj, p[i].value));
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);
}

static void
test_decimated_line_looks_the_same (void)
{
  /* 1000 points on 600 columns: more than the columns, too few for the min/max band. */
  const guint n = 1000;
  g_autofree LabChartPoint *p = noisy_curve (n, 1, 7);
  g_autoptr(LabAxis) x = lab_axis_new ();
  g_autoptr(LabAxis) y = lab_axis_new ();
  LabChartProjection proj;
  cairo_rectangle_t area = { 0, 0, W, H };
  LabLineStyle style = { { 0, 0, 0, 1 }, LAB_CHART_CURVE_WIDTH, FALSE };

  lab_axis_fit (x, 0, n);
  lab_axis_fit (y, 0, 1);
  lab_chart_projection_init (&proj, &area, x, y, LAB_CHART_X_EPOCH);

  cairo_surface_t *decimated = blank (), *full = blank ();
  cairo_t *cr = cairo_create (decimated);
  lab_line_layer_draw (cr, &proj, p, n, &style);
  cairo_destroy (cr);
  cr = cairo_create (full);
  stroke_all (cr, &proj, p, n, style.line_width);
  cairo_destroy (cr);
  cairo_surface_flush (decimated);
  cairo_surface_flush (full);

  const guint8 *a = cairo_image_surface_get_data (decimated), *b = cairo_image_surface_get_data (full);
  int stride = cairo_image_surface_get_stride (full);
  guint inked = 0, differ = 0;
  for (int row = 0; row < H; row++)
    for (int col = 0; col < W; col++)
      {
        int u = a[row * stride + col], v = b[row * stride + col];
        inked += v > 0;
        differ += ABS (u - v) > 64;   /* a quarter of full ink: an edge's antialiasing */
      }
  g_test_message ("%u of %u inked pixels differ by more than a quarter", differ, inked);
  g_assert_cmpuint (inked, >, 10000);
  g_assert_cmpuint (differ, <, inked / 100);
  cairo_surface_destroy (decimated);
  cairo_surface_destroy (full);
}

/* The whole chart of a 2000-epoch run with its 100 000 batch points, drawn as the window
 * and the export draw it: written as a PNG when asked, so a person can look. */
static void
test_long_run_picture (void)
{
  const guint epochs = 2000, batches = 50;
  g_autoptr(GtkWidget) chart = g_object_ref_sink (lab_chart_new ());
  g_autofree LabChartPoint *batch = noisy_curve (epochs * batches, batches, 3);
  g_autofree LabChartPoint *train = g_new (LabChartPoint, epochs);
  g_autofree LabChartPoint *val = g_new (LabChartPoint, epochs);
  const char *dir = g_getenv ("LRLAB_TEST_PNG_DIR");
  guint run;

  for (guint e = 0; e < epochs; e++)
    {
      double mean = 0;
      for (guint k = 0; k < batches; k++)
        mean += batch[e * batches + k].value / batches;
      train[e] = (LabChartPoint) { e + 1, 3.0 * (e + 1), mean };
      /* Overfitting from epoch 300: the validation loss turns up. */
      val[e] = (LabChartPoint) { e + 1, 3.0 * (e + 1),
                                 mean + 0.05 + (e > 300 ? (e - 300) * 2e-4 : 0) +
                                 0.02 * sin (e * 0.37) };
    }
  lab_chart_set_title (LAB_CHART (chart), "Loss");
  lab_chart_set_y_label (LAB_CHART (chart), "cross-entropy");
  lab_chart_set_show_batches (LAB_CHART (chart), TRUE);
  run = lab_chart_add_run (LAB_CHART (chart), "Run 1: 2000 epochs", NULL);
  lab_chart_append_run_points (LAB_CHART (chart), run, LAB_CHART_CURVE_BATCH, batch, epochs * batches);
  lab_chart_append_run_points (LAB_CHART (chart), run, LAB_CHART_CURVE_TRAIN, train, epochs);
  lab_chart_append_run_points (LAB_CHART (chart), run, LAB_CHART_CURVE_VAL, val, epochs);
  lab_chart_set_run_best_epoch (LAB_CHART (chart), run, 301);

  guint n;
  g_assert_nonnull (lab_chart_get_run_points (LAB_CHART (chart), run, LAB_CHART_CURVE_BATCH, &n));
  g_assert_cmpuint (n, ==, epochs * batches);

  /* The export's drawing, the window's too (lab-chart-export.h). */
  g_autofree char *scratch = dir ? NULL : g_dir_make_tmp ("lrlab-chart-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir ? dir : scratch, "chart-long-run.png", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true (lab_chart_export (LAB_CHART (chart), path, LAB_CHART_FORMAT_PNG, 900, 500, &error));
  g_assert_no_error (error);
  g_test_message ("wrote %s", path);
  if (scratch != NULL)
    {
      g_unlink (path);
      g_rmdir (scratch);
    }
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chart/long/decimated-line-looks-the-same", test_decimated_line_looks_the_same);
  g_test_add_func ("/chart/long/long-run-picture", test_long_run_picture);
  return g_test_run ();
}
