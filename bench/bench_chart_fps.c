/* bench_chart_fps: the chart's own drawing cost with a full comparison on screen. Two
 * LabCharts (loss, accuracy), 8 runs x 200 epochs x 50 batch traces each, points appended
 * at 20 Hz (none with BENCH_NO_APPEND=1) and the hover moving every frame, for ~5 s. Prints
 * the frame rate, the 99th-percentile frame interval and the time GTK spends painting.
 * `--train SPEC` trains that network (64x64, batch 64, Adam, all cores) in a worker thread
 * meanwhile, as the app does: the frame rate a user sees while the paper network trains. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <gtk/gtk.h>

#include "lab-chart.h"
#include "lab-chart-private.h"
#include "nn_model.h"
#include "nn_threads.h"
#include "train_process.h"

#define N_RUNS        8
#define EPOCHS        200
#define BATCHES       50
#define PRELOAD       190      /* epochs on the charts before measuring */
#define APPEND_HZ     20
#define BATCHES_PER_TICK 5     /* per run per tick: the last 10 epochs arrive while measuring */
#define SECONDS       5.0

typedef struct {
  LabChart *charts[2];
  guint runs[2][N_RUNS];
  guint next_batch;            /* global batch index appended so far (per run) */
  GRand *rand;
  GArray *intervals;           /* frame-to-frame, us */
  GArray *paints;              /* before-paint -> after-paint, us */
  GArray *paint_cpu;           /* the same span in this thread's CPU time, us */
  gint64 paint_cpu_start;
  gint64 process_cpu_start;  /* all threads (GL's llvmpipe included), at the first frame */
  gint64 last_frame;
  gint64 paint_start;
  gint64 start;
  guint frames;
  gboolean done;
} Bench;

/* The training load: the engine alone, on random data (what matters here is that both
 * cores are busy the way a training run keeps them busy). */
typedef struct {
  const char *spec;
  volatile gint stop;
  gint steps;
} Trainer;

static gpointer
train_thread (gpointer data)
{
  Trainer *t = data;
  const int B = 64, S = 64;
  nn_spec spec;
  nn_error err;
  nn_model *model = NULL;
  nn_optimizer opt;
  nn_optimizer_config oc = nn_optimizer_config_default (NN_OPTIMIZER_ADAM);

  train_process_lower_thread_priority ();   /* as the app's worker does */
  nn_set_threads (0);
  if (nn_spec_parse (&spec, t->spec, &err) != NN_OK ||
      nn_model_create (&model, &spec, S, S, 3, B, 1, 0, NN_OPTIMIZER_ADAM, &err) != NN_OK ||
      nn_optimizer_init (&opt, &oc, nn_model_num_parameters (model), &err) != NN_OK)
    g_error ("bench_chart_fps: %s", err.message);
  float *input = g_new (float, (gsize) B * S * S * 3);
  int *labels = g_new (int, B);
  for (int i = 0; i < B * S * S * 3; i++)
    input[i] = (float) ((i * 2654435761u) % 1000) / 500.0f - 1.0f;
  for (int b = 0; b < B; b++)
    labels[b] = b % nn_model_num_classes (model);
  while (!g_atomic_int_get (&t->stop))
    {
      nn_model_zero_grad (model);
      nn_model_forward (model, input, labels, B, 1);
      nn_model_backward (model);
      nn_optimizer_step (&opt, nn_model_params (model), nn_model_grads (model));
      g_atomic_int_inc (&t->steps);
    }
  nn_optimizer_free (&opt);
  nn_model_free (model);
  g_free (input);
  g_free (labels);
  return NULL;
}

static double
loss_at (guint  run,
         double epoch)
{
  double lr_speed = 0.02 + 0.02 * run;
  return 0.05 + 0.64 * exp (-epoch * lr_speed);
}

static void
append_batches (Bench *bench,
                guint  count)
{
  for (guint r = 0; r < N_RUNS; r++)
    {
      g_autoptr(GArray) loss = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));
      g_autoptr(GArray) acc = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));
      g_autoptr(GArray) loss_epochs = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));
      g_autoptr(GArray) acc_epochs = g_array_new (FALSE, FALSE, sizeof (LabChartPoint));

      for (guint k = 0; k < count; k++)
        {
          guint b = bench->next_batch + k;
          double epoch = (b + 1) / (double) BATCHES;
          double l = loss_at (r, epoch);
          LabChartPoint p = { epoch, epoch * 4, l + 0.05 * g_rand_double_range (bench->rand, -1, 1) };

          g_array_append_val (loss, p);
          p.value = 1 - l / 1.4 + 0.03 * g_rand_double_range (bench->rand, -1, 1);
          g_array_append_val (acc, p);
          if ((b + 1) % BATCHES == 0)
            {
              LabChartPoint e = { epoch, epoch * 4, l };
              g_array_append_val (loss_epochs, e);
              e.value = 1 - l / 1.4;
              g_array_append_val (acc_epochs, e);
            }
        }

      lab_chart_append_run_points (bench->charts[0], bench->runs[0][r], LAB_CHART_CURVE_BATCH,
                                   (LabChartPoint *) (gpointer) loss->data, loss->len);
      lab_chart_append_run_points (bench->charts[1], bench->runs[1][r], LAB_CHART_CURVE_BATCH,
                                   (LabChartPoint *) (gpointer) acc->data, acc->len);
      for (guint c = LAB_CHART_CURVE_TRAIN; c <= LAB_CHART_CURVE_VAL; c++)
        {
          lab_chart_append_run_points (bench->charts[0], bench->runs[0][r], c,
                                       (LabChartPoint *) (gpointer) loss_epochs->data, loss_epochs->len);
          lab_chart_append_run_points (bench->charts[1], bench->runs[1][r], c,
                                       (LabChartPoint *) (gpointer) acc_epochs->data, acc_epochs->len);
        }
    }
  bench->next_batch += count;
}

static gboolean
on_append (gpointer data)
{
  Bench *bench = data;

  if (bench->next_batch + BATCHES_PER_TICK <= EPOCHS * BATCHES)
    append_batches (bench, BATCHES_PER_TICK);
  return G_SOURCE_CONTINUE;
}

/* A pointer sweeping over the chart: the hover line and box move every frame, so every
 * frame is drawn, as while a teacher points at the curves. */
static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  double t = gdk_frame_clock_get_frame_time (clock) / (double) G_USEC_PER_SEC;

  lab_chart_set_hover (LAB_CHART (widget), EPOCHS * (0.5 + 0.45 * sin (t)));
  return G_SOURCE_CONTINUE;
}

/* CPU time of the main thread: on a machine shared with other jobs, wall time measures the
 * neighbours; this measures the chart (GL rasterisation in llvmpipe threads excluded). */
static gint64
cpu_us (clockid_t clock)
{
  struct timespec ts;
  clock_gettime (clock, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gint64
thread_cpu_us (void)
{
  return cpu_us (CLOCK_THREAD_CPUTIME_ID);
}

static void
on_before_paint (GdkFrameClock *clock,
                 Bench         *bench)
{
  bench->paint_start = g_get_monotonic_time ();
  bench->paint_cpu_start = thread_cpu_us ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();

  if (bench->start == 0)
    {
      bench->start = now;
      bench->last_frame = now;
      bench->process_cpu_start = cpu_us (CLOCK_PROCESS_CPUTIME_ID);
      return;
    }
  {
    gint64 interval = now - bench->last_frame;
    gint64 paint = now - bench->paint_start;
    gint64 cpu = thread_cpu_us () - bench->paint_cpu_start;
    g_array_append_val (bench->intervals, interval);
    g_array_append_val (bench->paints, paint);
    g_array_append_val (bench->paint_cpu, cpu);
  }
  bench->last_frame = now;
  bench->frames++;
  if (now - bench->start >= SECONDS * G_USEC_PER_SEC)
    bench->done = TRUE;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

static double
percentile_ms (GArray *values,
               double  q)
{
  g_array_sort (values, compare_int64);
  return g_array_index (values, gint64, (guint) floor (q * (values->len - 1))) / 1000.0;
}

static double
mean_ms (GArray *values)
{
  double sum = 0;
  for (guint i = 0; i < values->len; i++)
    sum += g_array_index (values, gint64, i);
  return sum / values->len / 1000.0;
}

/* Frame rates only mean something next to how busy the machine was. */
static const char *
load_average (void)
{
  static char line[128] = "unknown\n";
  g_autofree char *contents = NULL;

  if (g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    g_snprintf (line, sizeof line, "%s", contents);
  return line;
}

int
main (int   argc,
      char *argv[])
{
  Bench bench = { 0 };
  Trainer trainer = { 0 };
  GThread *trainer_thread = NULL;
  GtkWidget *window, *box;
  GdkFrameClock *clock;
  double elapsed;
  gint64 train_start = 0;

  if (argc == 3 && g_str_equal (argv[1], "--train"))
    {
      train_process_init (argv);   /* the app's OpenMP wait policy */
      trainer.spec = argv[2];
    }

  g_setenv ("GTK_A11Y", "none", FALSE);
  /* Under xvfb-run there is no GPU: GL is llvmpipe, whose compositing of this window costs
   * ~24 ms of CPU a frame with or without charts. The Cairo renderer measures the charts;
   * GSK_RENDERER=gl (or a real display) measures the whole stack. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (!gtk_init_check ())
    {
      /* `make bench` without a display: say so, and let meson count it as skipped. */
      printf ("bench_chart_fps: skipped, no display (run it under xvfb-run)\n");
      return 77;
    }

  bench.rand = g_rand_new_with_seed (1);
  bench.intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.paints = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.paint_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_window_set_child (GTK_WINDOW (window), box);

  for (guint c = 0; c < 2; c++)
    {
      bench.charts[c] = LAB_CHART (lab_chart_new ());
      lab_chart_set_title (bench.charts[c], c == 0 ? "Loss" : "Accuracy");
      lab_chart_set_y_label (bench.charts[c], c == 0 ? "Loss" : "Accuracy");
      lab_chart_set_show_batches (bench.charts[c], TRUE);
      lab_chart_set_smoothing (bench.charts[c], 0.6);
      gtk_widget_set_vexpand (GTK_WIDGET (bench.charts[c]), TRUE);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (bench.charts[c]));
      for (guint r = 0; r < N_RUNS; r++)
        {
          g_autofree char *label = g_strdup_printf ("lr 1e-%u", r + 1);
          bench.runs[c][r] = lab_chart_add_run (bench.charts[c], label, NULL);
          lab_chart_set_run_best_epoch (bench.charts[c], bench.runs[c][r], 50 + r);
        }
      gtk_widget_add_tick_callback (GTK_WIDGET (bench.charts[c]), on_tick, NULL, NULL);
    }
  append_batches (&bench, PRELOAD * BATCHES);

  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (window))
    g_main_context_iteration (NULL, TRUE);

  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), &bench);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &bench);
  if (g_getenv ("BENCH_NO_APPEND") == NULL)
    g_timeout_add (1000 / APPEND_HZ, on_append, &bench);
  if (trainer.spec != NULL)
    {
      trainer_thread = g_thread_new ("trainer", train_thread, &trainer);
      train_start = g_get_monotonic_time ();
    }

  while (!bench.done)
    g_main_context_iteration (NULL, TRUE);

  elapsed = (bench.last_frame - bench.start) / (double) G_USEC_PER_SEC;
  if (trainer_thread != NULL)
    {
      g_atomic_int_set (&trainer.stop, 1);
      g_thread_join (trainer_thread);
      printf ("bench_chart_fps: while training %s at 64x64, batch 64, Adam, all cores: "
              "%.0f training img/s\n", trainer.spec,
              g_atomic_int_get (&trainer.steps) * 64.0 /
              ((g_get_monotonic_time () - train_start) / (double) G_USEC_PER_SEC));
    }
  printf ("bench_chart_fps: 2 charts x %d runs, %u batch points per run at the end, "
          "appended at %d Hz, hover moving every frame, %.1f s\n",
          N_RUNS, bench.next_batch, g_getenv ("BENCH_NO_APPEND") != NULL ? 0 : APPEND_HZ, elapsed);
  printf ("  renderer           %s\n",
          G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
  printf ("  frames             %u\n", bench.frames);
  printf ("  mean fps           %.1f   (frame clock: %.1f)\n",
          bench.frames / elapsed, gdk_frame_clock_get_fps (clock));
  printf ("  frame interval     mean %.1f ms, p99 %.1f ms\n",
          mean_ms (bench.intervals), percentile_ms (bench.intervals, 0.99));
  printf ("  paint (2 charts)   mean %.1f ms, p99 %.1f ms\n",
          mean_ms (bench.paints), percentile_ms (bench.paints, 0.99));
  printf ("  paint CPU time     mean %.1f ms, p99 %.1f ms   (main thread; wall time above "
          "includes waiting for the CPU)\n",
          mean_ms (bench.paint_cpu), percentile_ms (bench.paint_cpu, 0.99));
  printf ("  process CPU/frame  %.1f ms   (all threads, GL rasteriser included)\n",
          (cpu_us (CLOCK_PROCESS_CPUTIME_ID) - bench.process_cpu_start) / 1000.0 / MAX (bench.frames, 1));
  printf ("  load average       %s", load_average ());
  printf ("  target             > 50 fps: %s\n", bench.frames / elapsed > 50 ? "met" : "NOT met");

  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (bench.intervals);
  g_array_unref (bench.paints);
  g_array_unref (bench.paint_cpu);
  g_rand_free (bench.rand);
  return 0;
}
