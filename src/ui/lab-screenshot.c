/* lab-screenshot: the pictures of docs/, taken by a list of shots (shots[] below) on a
 * 100 ms timer; the window and its runs live on the main loop, this only drives and
 * watches them. Run 1 and run 2 (another learning rate) train; then each page is shown,
 * left to paint and saved: the curves, the augmentations, the mistakes with where the
 * network looked (Grad-CAM, occlusion) and the chips' learned/forgotten history. With
 * LRLAB_SCREENSHOT_IMPORT=PATH it then imports PATH (another tool's history: the exported
 * train.py's history.csv for docs/) and saves the curves with it. Then it forks run 1
 * twice with other rates (the branches) and shows its update ratios. Last, the
 * learning-rate instruments: the finder's dialog when it has its suggestion, a sweep with
 * its U-curve (one rate hovered), a rate repeated with three seeds (its band), and a
 * one-cycle schedule beside its effect. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-mistakes-page.h"
#include "lab-chart-private.h"   /* lab_chart_set_hover: no stray pointer's box in docs/ */
#include "lab-lr-finder-dialog.h"
#include "lab-screenshot.h"
#include "lab-u-curve.h"

/* Generous: the test's tiny runs take seconds, a loaded CI machine a minute or two; the
 * full set for docs/ trains a dozen real runs, which on a busy machine takes an hour. */
#define TIMEOUT_SECONDS 600
#define TIMEOUT_SECONDS_FULL 7200
/* The chips of the Mistakes page's first rows at the window's size: the occlusion picture
 * waits for their maps. */
#define OCCLUSION_SHOWN 32

typedef struct
{
  LabWindow *window;
  char      *dir;
  guint      shot;           /* shots[shot] is under way */
  gboolean   prepared;       /* its prepare has run */
  int        ticks;          /* since it was prepared */
  gboolean   failed;         /* fail() was called: the window is gone */
  gint64     deadline;
  GtkWindow *finder;         /* the finder's dialog while it is open */
} Script;

static int exit_status;

/* The branches of run 1: where they leave it and with which rate ("what if I had lowered
 * the rate at epoch 8, or raised it at 14?"); the quick test run has 3 epochs. */
static const struct { int epoch, quick_epoch; double lr; } forks[] = {
  { 8, 1, 1e-4 },
  { 14, 2, 3e-3 },
};

gboolean
lab_screenshot_save_window (GtkWidget  *window,
                            const char *path,
                            GError    **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width, height;

  g_return_val_if_fail (GTK_IS_WINDOW (window), FALSE);

  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  if (width <= 0 || height <= 0 || renderer == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window is not shown");
      return FALSE;
    }
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  /* An opaque background: the window's own is drawn by CSS, but its rounded corners
   * would otherwise be transparent holes in the PNG. */
  {
    GdkRGBA background = adw_style_manager_get_dark (adw_style_manager_get_default ())
                 ? (GdkRGBA) { 0.14, 0.14, 0.14, 1 } : (GdkRGBA) { 0.98, 0.98, 0.98, 1 };
    gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  }
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nothing to render");
      return FALSE;
    }
  /* Only our background: a window whose layout is pending draws nothing until its next
   * frame. The caller may try again then. */
  if (gsk_render_node_get_node_type (node) == GSK_COLOR_NODE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "the window has not been laid out yet");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

static void
configure (Script *script,
           double  lr)
{
  LabSettingsPanel *panel = lab_window_get_settings_panel (script->window);
  /* The test only needs real pages, not the long curves docs/ shows. */
  gboolean quick = g_getenv ("LRLAB_SCREENSHOT_QUICK") != NULL;
  TrainConfig config;

  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  config.data_kind = TRAIN_DATA_SYNTHETIC;
  /* docs/ shows what a user sees with the defaults (the small preset on the calibrated
   * synthetic set at 64x64, dropout off so overfitting shows within the run); the test
   * only needs real pages, so it takes a tiny net on a few 32x32 images. */
  config.size = quick ? 32 : 64;
  config.synthetic.size = config.size;
  config.synthetic.images_per_class = quick ? 40 : DATA_SYNTHETIC_DEFAULT_PER_CLASS;
  config.synthetic.difficulty = DATA_SYNTHETIC_DEFAULT_DIFFICULTY;
  config.synthetic.label_noise = 0;
  config.synthetic.multiclass = FALSE;
  g_free (config.model);
  config.model = g_strdup (quick ? "tiny" : "small");
  config.epochs = quick ? 3 : 20;
  config.batch_size = quick ? 16 : 64;
  config.optimizer = NN_OPTIMIZER_ADAM;
  config.lr = lr;
  config.seed = 1;
  config.dropout = quick;
  config.weight_decay_on = FALSE;
  config.early_stop_patience = 0;
  config.augment.flags = 0;
  lab_settings_panel_set_config (panel, &config);
  train_config_clear (&config);
}

static void
configure_augmentation (Script *script)
{
  LabSettingsPanel *panel = lab_window_get_settings_panel (script->window);
  TrainConfig config;

  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  config.size = 64;
  config.synthetic.size = 64;
  config.augment.flags = DATA_AUGMENT_HFLIP | DATA_AUGMENT_ROTATE | DATA_AUGMENT_TRANSLATE |
                         DATA_AUGMENT_COLOR | DATA_AUGMENT_NOISE;
  lab_settings_panel_set_config (panel, &config);
  train_config_clear (&config);
}

static LabMistakesPage *
mistakes_page (Script *script)
{
  return LAB_MISTAKES_PAGE (gtk_widget_get_template_child (GTK_WIDGET (script->window), LAB_TYPE_WINDOW,
                                                           "mistakes_page"));
}

/* The instruments' runs: what docs/ shows (the default preset, ten epochs a run, dropout
 * off so a good rate can also be seen overfitting) or, for the test, tiny ones. */
static void
configure_instruments (Script *script,
                       int     epochs)
{
  LabSettingsPanel *panel = lab_window_get_settings_panel (script->window);
  gboolean quick = g_getenv ("LRLAB_SCREENSHOT_QUICK") != NULL;
  TrainConfig config;

  configure (script, 1e-3);
  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  config.augment.flags = 0;
  config.size = quick ? 32 : 64;
  config.synthetic.size = config.size;
  config.epochs = quick ? 2 : epochs;
  config.dropout = TRUE;
  lab_settings_panel_set_config (panel, &config);
  train_config_clear (&config);
}

/* Each instrument's picture starts from a clean slate: the runs before are deleted. */
static void
delete_all_runs (Script *script)
{
  GListModel *runs = lab_window_get_runs (script->window);

  while (g_list_model_get_n_items (runs) > 0)
    gtk_widget_activate_action (GTK_WIDGET (script->window), "win.delete-run", "u", 0);
}

/* Every run the window has is done, and something ran. */
static gboolean
all_runs_ended (Script *script)
{
  GListModel *runs = lab_window_get_runs (script->window);
  guint n = g_list_model_get_n_items (runs);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (runs, i);
      TrainStatus status = lab_run_get_progress (run).status;
      if (train_status_is_active (status) || status == TRAIN_STATUS_READY)
        return FALSE;
    }
  return n > 0;
}

static GtkWindow *
find_finder (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* GTK's own: not ours to unref */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);
      if (LAB_IS_LR_FINDER_DIALOG (window))
        return window;
    }
  return NULL;
}

static gboolean
fail (Script     *script,
      const char *message)
{
  g_printerr ("lrlab --screenshot: %s\n", message);
  exit_status = 1;
  script->failed = TRUE;
  gtk_window_destroy (GTK_WINDOW (script->window));
  return G_SOURCE_REMOVE;
}

typedef enum { SAVE_DONE, SAVE_NOT_YET, SAVE_FAILED } SaveResult;

/* In a step: saved, go on; not painted yet, the same step again at the next tick; failed
 * (the window is gone), stop. */
#define SAVE_OR_WAIT(call)                                                              \
  G_STMT_START {                                                                         \
    SaveResult result_ = (call);                                                         \
    if (result_ != SAVE_DONE)                                                            \
      return result_ == SAVE_FAILED ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;               \
  } G_STMT_END

static SaveResult
save_window (Script     *script,
             GtkWindow  *window,
             const char *name)
{
  g_autofree char *path = g_build_filename (script->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!lab_screenshot_save_window (GTK_WIDGET (window), path, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
        return SAVE_NOT_YET;
      message = g_strdup_printf ("%s: %s", path, error->message);
      fail (script, message);
      return SAVE_FAILED;
    }
  g_print ("%s\n", path);
  return SAVE_DONE;
}

static SaveResult
save (Script     *script,
      const char *name)
{
  LabChart *charts[] = { lab_window_get_loss_chart (script->window), lab_window_get_accuracy_chart (script->window),
                         lab_window_get_lr_chart (script->window) };

  /* Xvfb's pointer rests wherever the layout put a chart: its hover box is no part of
   * what the picture shows. */
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    lab_chart_set_hover (charts[i], NAN);
  return save_window (script, GTK_WINDOW (script->window), name);
}

/* The shots: each prepares the window once, waits until it is ready, saves its picture
 * (if it has one) and tidies up after it. */

static gboolean
start_run (Script *script,
           double  lr)
{
  configure (script, lr);
  gtk_widget_activate_action (GTK_WIDGET (script->window), "win.start", NULL);
  if (lab_window_get_active_run (script->window) == NULL)
    return fail (script, "Start did not make a run");
  return TRUE;
}

static gboolean
start_first_run (Script *script)
{
  return start_run (script, 1e-3);
}

static gboolean
start_second_run (Script *script)
{
  return start_run (script, 1e-4);
}

/* The run (or fork) just started has ended, and not in failure. */
static gboolean
active_run_ended (Script *script)
{
  LabRun *run = lab_window_get_active_run (script->window);

  if (train_status_is_active (lab_run_get_progress (run).status))
    return FALSE;
  if (lab_run_get_progress (run).status == TRAIN_STATUS_FAILED)
    {
      g_autofree char *message = train_run_dup_message (lab_run_get_train_run (run));
      return fail (script, message ? message : "a run failed");
    }
  return TRUE;
}

static gboolean
show_curves (Script *script)
{
  lab_window_set_page (script->window, "curves");
  return TRUE;
}

static gboolean
show_augmentation (Script *script)
{
  configure_augmentation (script);
  lab_window_set_page (script->window, "augmentation");
  return TRUE;
}

/* A page about run 1 (lr 1e-3): it learned most, its mistakes and updates are the
 * interesting ones. */
static gboolean
show_first_run (Script     *script,
                void      (*show) (LabWindow *window, LabRun *run),
                const char *page)
{
  g_autoptr(LabRun) first = g_list_model_get_item (lab_window_get_runs (script->window), 0);

  show (script->window, first);
  lab_window_set_page (script->window, page);
  return TRUE;
}

static gboolean
show_mistakes (Script *script)
{
  return show_first_run (script, lab_window_show_mistakes, "mistakes");
}

static gboolean
show_grad_cam (Script *script)
{
  /* Where the network looked on the chips it got wrong, for the class it said. */
  lab_mistakes_page_set_heatmap (mistakes_page (script), TRUE, FALSE);
  return TRUE;
}

static gboolean
grad_cam_ready (Script *script)
{
  if (lab_mistakes_page_is_busy (mistakes_page (script)))
    return FALSE;
  if (lab_mistakes_page_get_n_heatmaps (mistakes_page (script)) == 0)
    return fail (script, "no Grad-CAM maps were computed");
  return TRUE;
}

static gboolean
show_occlusion (Script *script)
{
  /* The same chips by occlusion: does the whole network agree with Grad-CAM? */
  lab_mistakes_page_set_heatmap_method (mistakes_page (script), LAB_HEATMAP_OCCLUSION);
  return TRUE;
}

/* Its maps come a few at a time, worst chip first: the picture waits for the first rows
 * the window shows, not for all the chips below them. */
static gboolean
occlusion_ready (Script *script)
{
  return lab_mistakes_page_get_n_heatmaps (mistakes_page (script)) >=
         MIN (lab_mistakes_page_get_n_shown (mistakes_page (script)), OCCLUSION_SHOWN);
}

static void
back_to_grad_cam (Script *script)
{
  lab_mistakes_page_set_heatmap_method (mistakes_page (script), LAB_HEATMAP_GRAD_CAM);
}

static gboolean
show_history (Script *script)
{
  /* The chips the best epoch got right and the last one gets wrong: what the
   * overfitting epochs cost. */
  lab_mistakes_page_set_heatmap (mistakes_page (script), FALSE, FALSE);
  lab_mistakes_page_show_history (mistakes_page (script), TRUE);
  lab_chip_history_set_filter (lab_mistakes_page_get_history (mistakes_page (script)),
                               TRAIN_CHIPS_FORGOTTEN_SINCE, 0);
  return TRUE;
}

static void
hide_history (Script *script)
{
  lab_mistakes_page_show_history (mistakes_page (script), FALSE);
}

static gboolean
import_history (Script *script)
{
  g_autoptr(GError) error = NULL;

  if (!lab_window_import (script->window, g_getenv ("LRLAB_SCREENSHOT_IMPORT"), NULL, &error))
    return fail (script, error->message);
  lab_window_set_page (script->window, "curves");
  return TRUE;
}

static gboolean
fork_run (Script *script,
          int     k)
{
  g_autoptr(LabRun) first = g_list_model_get_item (lab_window_get_runs (script->window), 0);
  TrainConfig config;
  int at = g_getenv ("LRLAB_SCREENSHOT_QUICK") ? forks[k].quick_epoch : forks[k].epoch;

  train_config_copy (&config, train_run_get_config (lab_run_get_train_run (first)));
  config.lr = forks[k].lr;
  lab_window_fork_run (script->window, first, at, &config);
  train_config_clear (&config);
  if (lab_window_get_active_run (script->window) == first)
    return fail (script, "the fork did not start");
  return TRUE;
}

static gboolean
fork_lower (Script *script)
{
  return fork_run (script, 0);
}

static gboolean
fork_higher (Script *script)
{
  return fork_run (script, 1);
}

static gboolean
show_forks (Script *script)
{
  /* Run 1 and its branches alone: run 2 (and an imported run) are other stories. */
  GListModel *runs = lab_window_get_runs (script->window);
  guint n = g_list_model_get_n_items (runs);

  for (guint i = 1; i + G_N_ELEMENTS (forks) < n; i++)
    {
      g_autoptr(LabRun) other = g_list_model_get_item (runs, i);
      lab_run_set_shown (other, FALSE);
    }
  lab_window_set_page (script->window, "curves");
  return TRUE;
}

static gboolean
show_ratios (Script *script)
{
  return show_first_run (script, lab_window_show_update_ratios, "updates");
}

static gboolean
open_finder (Script *script)
{
  lab_window_set_page (script->window, "curves");
  delete_all_runs (script);
  configure_instruments (script, 10);
  gtk_widget_activate_action (GTK_WIDGET (script->window), "win.find-lr", NULL);
  script->finder = find_finder ();
  if (script->finder == NULL)
    return fail (script, "Find did not open the finder");
  return TRUE;
}

static gboolean
finder_ready (Script *script)
{
  if (lab_lr_finder_dialog_get_running (LAB_LR_FINDER_DIALOG (script->finder)))
    return FALSE;
  if (!isfinite (lab_lr_finder_dialog_get_suggestion (LAB_LR_FINDER_DIALOG (script->finder))))
    return fail (script, "the finder suggested no rate");
  return TRUE;
}

static void
close_finder (Script *script)
{
  gtk_window_destroy (script->finder);
  script->finder = NULL;
}

static gboolean
start_sweep (Script *script)
{
  LabSettingsPanel *panel = lab_window_get_settings_panel (script->window);

  lab_settings_panel_set_sweep_rates (panel, "1e-1, 1e-2, 1e-3, 1e-4, 1e-5");
  lab_settings_panel_set_n_seeds (panel, 1);
  gtk_widget_activate_action (GTK_WIDGET (script->window), "win.sweep", NULL);
  /* The sidebar where the sweep was set up: the schedule, then Compare. */
  lab_settings_panel_reveal_schedule (panel);
  return TRUE;
}

static gboolean
sweep_ended (Script *script)
{
  return lab_u_curve_get_n_points (lab_window_get_u_curve (script->window)) >= 5 &&
         all_runs_ended (script);
}

static gboolean
hover_sweep (Script *script)
{
  /* 1e-3, the third rate, stands out on the charts as the pointer over it would make it. */
  lab_u_curve_set_hover (lab_window_get_u_curve (script->window), 2);
  return TRUE;
}

static void
unhover_sweep (Script *script)
{
  lab_u_curve_set_hover (lab_window_get_u_curve (script->window), -1);
}

static gboolean
start_seeds (Script *script)
{
  LabSettingsPanel *panel = lab_window_get_settings_panel (script->window);

  delete_all_runs (script);
  configure_instruments (script, 15);
  /* Left at 3 for the picture, which should show the setting that made the band; the
   * next step sets it back. */
  lab_settings_panel_set_n_seeds (panel, 3);
  gtk_widget_activate_action (GTK_WIDGET (script->window), "win.start", NULL);
  return TRUE;
}

static gboolean
seeds_ended (Script *script)
{
  return g_list_model_get_n_items (lab_window_get_runs (script->window)) >= 3 &&
         all_runs_ended (script);
}

static gboolean
start_schedule (Script *script)
{
  /* One-cycle at 1e-3: its preview in the panel, its rates in the chart under the loss. */
  LabSettingsPanel *panel = lab_window_get_settings_panel (script->window);
  TrainConfig config;

  delete_all_runs (script);
  configure_instruments (script, 12);
  lab_settings_panel_set_n_seeds (panel, 1);
  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  config.schedule.kind = TRAIN_SCHEDULE_ONE_CYCLE;
  lab_settings_panel_set_config (panel, &config);
  train_config_clear (&config);
  gtk_widget_activate_action (GTK_WIDGET (script->window), "win.start", NULL);
  lab_settings_panel_reveal_schedule (panel);
  return TRUE;
}

/* One step of the script: prepare (may be NULL) runs once; from min_ticks ticks after
 * it, ready (may be NULL: ready) is asked at each tick; then file (NULL: no picture) is
 * saved, of the finder's dialog when of_finder, else of the window; then after (may be
 * NULL). A shot with needs_env runs only when that variable is set. A prepare or ready
 * that fails calls fail() and returns FALSE. Five ticks before a picture: a window with
 * a layout pending renders nothing, and the page needs a few frames to lay out and
 * paint after the last change. */
typedef struct
{
  gboolean  (*prepare) (Script *script);
  int         min_ticks;
  gboolean  (*ready) (Script *script);
  const char *file;
  gboolean    of_finder;
  void      (*after) (Script *script);
  const char *needs_env;
} Shot;

static const Shot shots[] = {
  /* Let the window map and the settings settle for a moment first. */
  { NULL,               3 },
  { start_first_run,    0, active_run_ended },
  { start_second_run,   0, active_run_ended },
  { show_curves,        5, NULL,             "screenshot-curves.png" },
  { show_augmentation,  5, NULL,             "screenshot-augmentation.png" },
  { show_mistakes,      5, NULL,             "screenshot-mistakes.png" },
  { show_grad_cam,      5, grad_cam_ready,   "screenshot-gradcam.png" },
  { show_occlusion,     5, occlusion_ready,  "screenshot-occlusion.png", FALSE, back_to_grad_cam },
  { show_history,       5, NULL,             "screenshot-history.png", FALSE, hide_history },
  { import_history,     5, NULL,             "screenshot-imported.png", FALSE, NULL,
    "LRLAB_SCREENSHOT_IMPORT" },
  { fork_lower,         0, active_run_ended },
  { fork_higher,        0, active_run_ended },
  { show_forks,         5, NULL,             "screenshot-forks.png" },
  { show_ratios,        5, NULL,             "screenshot-update-ratio.png" },
  { open_finder,       10, finder_ready,     "screenshot-lr-finder.png", TRUE, close_finder },
  { start_sweep,        0, sweep_ended },
  { hover_sweep,        5, NULL,             "screenshot-sweep.png", FALSE, unhover_sweep },
  { start_seeds,        5, seeds_ended,      "screenshot-seeds.png" },
  { start_schedule,     5, all_runs_ended,   "screenshot-schedule.png" },
};

static gboolean
tick (gpointer user_data)
{
  Script *script = user_data;
  const Shot *shot;

  script->ticks++;
  if (g_get_monotonic_time () > script->deadline)
    return fail (script, "the scripted runs did not finish in time");

  while (script->shot < G_N_ELEMENTS (shots) && shots[script->shot].needs_env != NULL &&
         g_getenv (shots[script->shot].needs_env) == NULL)
    script->shot++;
  if (script->shot == G_N_ELEMENTS (shots))
    {
      gtk_window_destroy (GTK_WINDOW (script->window));
      return G_SOURCE_REMOVE;
    }
  shot = &shots[script->shot];

  if (!script->prepared)
    {
      if (shot->prepare != NULL && !shot->prepare (script))
        return G_SOURCE_REMOVE;
      script->prepared = TRUE;
      script->ticks = 0;
      return G_SOURCE_CONTINUE;
    }
  if (script->ticks < shot->min_ticks || (shot->ready != NULL && !shot->ready (script)))
    return script->failed ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
  if (shot->file != NULL)
    SAVE_OR_WAIT (shot->of_finder ? save_window (script, script->finder, shot->file)
                                  : save (script, shot->file));
  if (shot->after != NULL)
    shot->after (script);
  script->shot++;
  script->prepared = FALSE;
  return G_SOURCE_CONTINUE;
}

static void
script_free (gpointer data)
{
  Script *script = data;

  g_object_unref (script->window);
  g_free (script->dir);
  g_free (script);
}

void
lab_screenshot_start (LabWindow  *window,
                      const char *dir)
{
  Script *script;

  g_return_if_fail (LAB_IS_WINDOW (window));
  g_return_if_fail (dir != NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_printerr ("lrlab --screenshot: cannot create %s\n", dir);
      exit_status = 1;
    }
  /* A picture shows where the widgets settle, not a frame of a CSS transition: a button
   * that has just lost suggested-action fades to grey over 200 ms, and under load that
   * fade was caught half-way (a pale blue "Use Anyway"). */
  g_object_set (gtk_widget_get_settings (GTK_WIDGET (window)), "gtk-enable-animations", FALSE, NULL);
  script = g_new0 (Script, 1);
  script->window = g_object_ref (window);
  script->dir = g_strdup (dir);
  script->deadline = g_get_monotonic_time () +
                     (gint64) (g_getenv ("LRLAB_SCREENSHOT_QUICK") ? TIMEOUT_SECONDS : TIMEOUT_SECONDS_FULL) * G_USEC_PER_SEC;
  g_timeout_add_full (G_PRIORITY_DEFAULT, 100, tick, script, script_free);
}

int
lab_screenshot_get_exit_status (void)
{
  return exit_status;
}
