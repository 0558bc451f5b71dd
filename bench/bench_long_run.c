/* bench_long_run: the seed's student trains for 2000 epochs. A run of 2000 epochs x 50
 * batches (100 000 batch points) through the app's own path: the real window's Start, the
 * worker, TrainRun's merged notify, LabRun's refresh, the window's feed into both charts,
 * the runs table and the verdicts. The network is a pooling and a dense layer on 16x16
 * chips, so the engine takes microseconds and the news arrives as fast as the app can
 * take it. Prints, per 250 epochs of history: the frame interval and paint time, what
 * one notify costs the main loop, and the resident memory; then 5 s of frames with the
 * whole history on screen and the hover moving every frame. Under xvfb-run (make bench).
 * What it must show: notify cost and frame time flat as the history grows, memory growing
 * by the history's own bytes only. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "lab-chart-private.h"
#include "lab-window.h"
#include "train_session.h"

#define EPOCHS   2000
#define BUCKET   250           /* epochs per row of the table */
#define N_BUCKETS (EPOCHS / BUCKET)
#define FINAL_SECONDS 5.0

typedef struct {
  GArray *intervals, *paints, *notifies;   /* gint64 us */
  guint64 rss_end;                         /* bytes, when the bucket's last epoch arrived */
} Bucket;

typedef struct {
  LabWindow *window;
  LabRun *run;
  Bucket buckets[N_BUCKETS + 1];           /* the last: the final phase */
  int current;                             /* the bucket frames go to */
  gint64 last_frame, paint_start, final_start;
  gboolean final;
  guint final_frames;
} Bench;

static guint64
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    sscanf (statm, "%lu %lu", &size, &resident);
  return (guint64) resident * (guint64) sysconf (_SC_PAGESIZE);
}

static guint
epochs_done (LabRun *run)
{
  guint n = 0;

  lab_run_get_epochs (run, &n);
  return n;
}

/* Replaces LabRun's own notify (which only calls lab_run_refresh) to time it: the copy of
 * what is new and every "updated" handler of the window. */
static void
on_news (TrainRun *train_run,
         gpointer  user_data)
{
  Bench *bench = user_data;
  gint64 t0 = g_get_monotonic_time (), spent;
  int before = MIN ((int) epochs_done (bench->run) / BUCKET, N_BUCKETS - 1);

  lab_run_refresh (bench->run);
  spent = g_get_monotonic_time () - t0;
  g_array_append_val (bench->buckets[before].notifies, spent);
  for (int b = before; b < N_BUCKETS && epochs_done (bench->run) >= (guint) (b + 1) * BUCKET; b++)
    if (bench->buckets[b].rss_end == 0)
      bench->buckets[b].rss_end = resident_bytes ();
  bench->current = MIN ((int) epochs_done (bench->run) / BUCKET, N_BUCKETS - 1);
}

static void
on_before_paint (GdkFrameClock *clock,
                 Bench         *bench)
{
  bench->paint_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();
  Bucket *b = &bench->buckets[bench->final ? N_BUCKETS : bench->current];

  if (bench->last_frame != 0)
    {
      gint64 interval = now - bench->last_frame, paint = now - bench->paint_start;
      g_array_append_val (b->intervals, interval);
      g_array_append_val (b->paints, paint);
    }
  bench->last_frame = now;
  bench->final_frames += bench->final;
}

/* With the whole history on screen, the pointer sweeps the loss chart: every frame is
 * drawn again, as while a teacher points at the curves. */
static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  Bench *bench = data;
  double t = gdk_frame_clock_get_frame_time (clock) / (double) G_USEC_PER_SEC;

  if (bench->final)
    lab_chart_set_hover (LAB_CHART (widget), EPOCHS * (0.5 + 0.45 * sin (t)));
  return G_SOURCE_CONTINUE;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

/* "mean/p99" of values in ms, or "-" when there are none. */
static char *
summary_ms (GArray *values)
{
  double sum = 0;

  if (values->len == 0)
    return g_strdup ("-");
  g_array_sort (values, compare_int64);
  for (guint i = 0; i < values->len; i++)
    sum += g_array_index (values, gint64, i);
  return g_strdup_printf ("%.2f/%.2f", sum / values->len / 1000.0,
                          g_array_index (values, gint64, (guint) floor (0.99 * (values->len - 1))) / 1000.0);
}

/* The run the app would start, small enough that the engine costs nothing. */
static void
configure (LabWindow *window)
{
  LabSettingsPanel *panel = lab_window_get_settings_panel (window);
  TrainConfig config;

  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  config.data_kind = TRAIN_DATA_SYNTHETIC;
  config.size = 16;
  config.synthetic.size = 16;
  config.synthetic.images_per_class = 102;   /* 200 training images: 50 batches of 4 */
  config.val_split = 0.02;                   /* and 4 validation images */
  g_free (config.model);
  config.model = g_strdup ("p-f2");
  config.epochs = EPOCHS;
  config.batch_size = 4;
  config.threads = 1;
  config.augment.flags = 0;
  config.early_stop_patience = 0;
  lab_settings_panel_set_config (panel, &config);
  train_config_clear (&config);
}

int
main (int   argc,
      char *argv[])
{
  Bench bench = { 0 };
  g_autofree char *session = g_dir_make_tmp ("lrlab-bench-XXXXXX", NULL);
  GdkFrameClock *clock;
  guint64 rss_start;
  TrainProgress p;

  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);   /* see bench_chart_fps.c */
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  if (!gtk_init_check ())
    {
      printf ("bench_long_run: skipped, no display (run it under xvfb-run)\n");
      return 77;
    }
  adw_init ();
  for (int b = 0; b <= N_BUCKETS; b++)
    {
      bench.buckets[b].intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
      bench.buckets[b].paints = g_array_new (FALSE, FALSE, sizeof (gint64));
      bench.buckets[b].notifies = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  bench.window = lab_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (bench.window), 1400, 900);
  gtk_window_present (GTK_WINDOW (bench.window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (bench.window)))
    g_main_context_iteration (NULL, TRUE);
  configure (bench.window);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gtk_widget_get_template_child (
                                  GTK_WIDGET (bench.window), LAB_TYPE_WINDOW, "batches_toggle")), TRUE);
  rss_start = resident_bytes ();

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (bench.window));
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), &bench);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &bench);
  gtk_widget_add_tick_callback (GTK_WIDGET (lab_window_get_loss_chart (bench.window)), on_tick,
                                &bench, NULL);

  if (!gtk_widget_activate_action (GTK_WIDGET (bench.window), "win.start", NULL) ||
      (bench.run = lab_window_get_active_run (bench.window)) == NULL)
    g_error ("bench_long_run: the run did not start");
  g_object_ref (bench.run);
  train_run_set_notify (lab_run_get_train_run (bench.run), NULL, on_news, &bench, NULL);
  gint64 run_start = g_get_monotonic_time ();
  do
    {
      g_main_context_iteration (NULL, TRUE);
      p = lab_run_get_progress (bench.run);
    }
  while (train_status_is_active (p.status) || p.status == TRAIN_STATUS_READY);
  double run_seconds = (g_get_monotonic_time () - run_start) / (double) G_USEC_PER_SEC;

  bench.final = TRUE;
  bench.final_start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - bench.final_start < FINAL_SECONDS * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);

  guint n_batches;
  lab_run_get_batches (bench.run, &n_batches);
  printf ("bench_long_run: %u epochs, %u batch points, %s, in %.1f s; both charts with batch "
          "traces, window 1400x900\n", epochs_done (bench.run), n_batches,
          lab_run_get_status_text (bench.run), run_seconds);
  printf ("  %-11s %9s %18s %16s %16s %10s\n", "epochs", "frames", "interval mean/p99",
          "paint mean/p99", "notify mean/p99", "RSS");
  for (int b = 0; b <= N_BUCKETS; b++)
    {
      Bucket *k = &bench.buckets[b];
      g_autofree char *interval = summary_ms (k->intervals);
      g_autofree char *paint = summary_ms (k->paints);
      g_autofree char *notify = summary_ms (k->notifies);
      g_autofree char *rows = b < N_BUCKETS ? g_strdup_printf ("%d-%d", b * BUCKET, (b + 1) * BUCKET)
                                            : g_strdup ("all, hover");
      guint64 rss = b < N_BUCKETS ? k->rss_end : resident_bytes ();
      printf ("  %-11s %9u %18s %16s %16s %7.1f MB\n", rows, k->intervals->len, interval, paint,
              notify, rss / 1e6);
    }
  printf ("  RSS before the run %.1f MB; after it %.1f MB: %.0f bytes per batch point\n",
          rss_start / 1e6, resident_bytes () / 1e6,
          ((double) resident_bytes () - rss_start) / MAX (n_batches, 1));
  printf ("  with the whole history: %.1f fps while the hover moves\n",
          bench.final_frames / FINAL_SECONDS);

  train_run_set_notify (lab_run_get_train_run (bench.run), NULL, NULL, NULL, NULL);
  g_object_unref (bench.run);
  gtk_window_destroy (GTK_WINDOW (bench.window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  train_session_delete_run (session, NULL);
  return 0;
}
