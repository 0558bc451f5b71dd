/* LabWindow: the window's actions (start, pause, stop, export, delete), the glue from
 * each LabRun's news to the two charts and the status line, the session folder where
 * every run autosaves, and a close that never loses a finished epoch. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>

#include "lab-augment-page.h"
#include "lab-chart-export.h"
#include "lab-mistakes-page.h"
#include "lab-run-row.h"
#include "lab-window.h"
#include "train_diagnosis.h"
#include "train_session.h"

enum { CHART_LOSS, CHART_ACCURACY, N_CHARTS };

struct _LabWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  GtkButton            *start_button;
  GtkButton            *pause_button;
  LabSettingsPanel     *settings_panel;
  AdwViewStack         *stack;
  GtkScale             *smoothing_scale;
  GtkToggleButton      *log_toggle;
  GtkToggleButton      *time_toggle;
  GtkToggleButton      *batches_toggle;
  GtkLabel             *verdict_label;
  LabChart             *loss_chart;
  LabChart             *accuracy_chart;
  GtkListBox           *runs_list;
  GtkLabel             *status_label;
  GtkProgressBar       *status_progress;
  LabAugmentPage       *augment_page;
  LabMistakesPage      *mistakes_page;

  GSettings            *settings;
  GListStore           *runs;          /* of LabRun */
  LabRun               *active_run;
  guint                 n_colors_used; /* each new run takes the next palette colour */
  gboolean              close_confirmed;
};

G_DEFINE_FINAL_TYPE (LabWindow, lab_window, ADW_TYPE_APPLICATION_WINDOW)

/* printf-like, since most toasts are a sentence with a name or an error's message in it. */
static void toast (LabWindow  *self,
                   const char *format,
                   ...) G_GNUC_PRINTF (2, 3);

static void
toast (LabWindow  *self,
       const char *format,
       ...)
{
  g_autofree char *message = NULL;
  AdwToast *t;
  va_list args;

  g_assert (LAB_IS_WINDOW (self));

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  t = adw_toast_new (message);
  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

char *
lab_session_dir (void)
{
  const char *env = g_getenv ("LRLAB_SESSION_DIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "lrlab", "session", NULL);
}

static LabChart *
chart_of (LabWindow *self,
          guint      chart)
{
  g_assert (LAB_IS_WINDOW (self));

  return chart == CHART_LOSS ? self->loss_chart : self->accuracy_chart;
}

/* --- Runs -> charts and status ----------------------------------------------------- */

static void
update_actions (LabWindow *self)
{
  TrainStatus status = self->active_run ? lab_run_get_progress (self->active_run).status
                                        : TRAIN_STATUS_READY;
  gboolean active = self->active_run != NULL && train_status_is_active (status);

  g_assert (LAB_IS_WINDOW (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.start",
                                 lab_settings_panel_get_valid (self->settings_panel));
  /* A disabled Start says why, where the user is looking. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button),
                               lab_settings_panel_get_valid (self->settings_panel)
                               ? _("Train a new run with these settings (Ctrl+Enter)")
                               : lab_settings_panel_get_problem (self->settings_panel));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pause",
                                 active && status != TRAIN_STATUS_LOADING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", active);
  gtk_button_set_icon_name (self->pause_button, status == TRAIN_STATUS_PAUSED
                                                ? "media-playback-start-symbolic"
                                                : "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                               status == TRAIN_STATUS_PAUSED ? _("Resume (Ctrl+P)") : _("Pause (Ctrl+P)"));
}

/* Legends name runs by what differs between them ("lr 1e-4, dropout off"); the differences
 * change whenever a run is added or removed. */
static void
update_labels (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  g_autofree const TrainConfig **configs = g_new0 (const TrainConfig *, MAX (n, 1));

  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      configs[i] = train_run_get_config (lab_run_get_train_run (run));
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      g_autofree const TrainConfig **others = g_new0 (const TrainConfig *, MAX (n, 1));
      g_autofree char *difference = NULL;
      g_autofree char *legend = NULL;
      int n_others = 0;

      for (guint j = 0; j < n; j++)
        if (j != i)
          others[n_others++] = configs[j];
      difference = train_config_describe_difference (configs[i], (const TrainConfig *const *) others, n_others);
      lab_run_set_label (run, difference);
      if (difference != NULL && difference[0] != '\0')
        legend = g_strdup_printf ("%s: %s", lab_run_get_name (run), difference);
      else
        legend = g_strdup (lab_run_get_name (run));
      for (guint c = 0; c < N_CHARTS; c++)
        lab_chart_set_run_label (chart_of (self, c), lab_run_get_chart_id (run, c), legend);
    }
}

static double
batch_x (const TrainBatchPoint *point,
         int                    batches_per_epoch)
{
  return point->epoch + (point->batch + 1.0) / MAX (batches_per_epoch, 1);
}

static void
update_charts (LabWindow *self,
               LabRun    *run)
{
  guint n_epochs, n_batches;
  const TrainEpoch *epochs = lab_run_get_epochs (run, &n_epochs);
  const TrainBatchPoint *batches = lab_run_get_batches (run, &n_batches);
  TrainProgress progress = lab_run_get_progress (run);
  g_autofree LabChartPoint *points = g_new (LabChartPoint, MAX (MAX (n_epochs, n_batches), 1));
  double seconds = 0;

  g_assert (LAB_IS_WINDOW (self));

  /* An epoch's point sits at its end: after the first epoch, x = 1. */
  for (int metric = 0; metric < 4; metric++)
    {
      seconds = 0;
      for (guint i = 0; i < n_epochs; i++)
        {
          seconds += epochs[i].seconds;
          points[i].epoch = epochs[i].epoch + 1;
          points[i].seconds = seconds;
          points[i].value = metric == 0 ? epochs[i].loss
                          : metric == 1 ? epochs[i].val_loss
                          : metric == 2 ? epochs[i].accuracy
                          : epochs[i].val_accuracy;
        }
      lab_chart_set_run_points (metric < 2 ? self->loss_chart : self->accuracy_chart,
                                lab_run_get_chart_id (run, metric < 2 ? CHART_LOSS : CHART_ACCURACY),
                                metric % 2 == 0 ? LAB_CHART_CURVE_TRAIN : LAB_CHART_CURVE_VAL,
                                points, n_epochs);
    }
  for (int metric = 0; metric < 2; metric++)
    {
      for (guint i = 0; i < n_batches; i++)
        {
          points[i].epoch = batch_x (&batches[i], progress.batches_per_epoch);
          points[i].seconds = batches[i].elapsed;
          points[i].value = metric == 0 ? batches[i].loss : batches[i].accuracy;
        }
      lab_chart_set_run_points (chart_of (self, metric), lab_run_get_chart_id (run, metric),
                                LAB_CHART_CURVE_BATCH, points, n_batches);
    }
  for (guint c = 0; c < N_CHARTS; c++)
    {
      guint id = lab_run_get_chart_id (run, c);

      lab_chart_set_run_best_epoch (chart_of (self, c), id,
                                    progress.best_epoch >= 0 ? progress.best_epoch + 1 : -1);
      if (progress.status == TRAIN_STATUS_DIVERGED && progress.diverged_epoch >= 0)
        lab_chart_set_run_diverged (chart_of (self, c), id,
                                    progress.diverged_epoch +
                                    (progress.diverged_batch + 1.0) / MAX (progress.batches_per_epoch, 1),
                                    progress.elapsed);
      else
        lab_chart_set_run_diverged (chart_of (self, c), id, -1, 0);
    }
}

/* The teacher's reading of every shown run ("Run 1: overfitting from epoch 3"), so the
 * lesson is on screen next to the curves that show it. */
static void
update_verdicts (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  g_autoptr(GString) text = g_string_new (NULL);

  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      const TrainConfig *config = train_run_get_config (lab_run_get_train_run (run));
      DataSet *set = train_run_get_dataset (lab_run_get_train_run (run));
      int classes = set ? set->num_classes : (config->synthetic.multiclass ? 1 + DATA_N_DEFECTS : 2);
      guint n_epochs;
      const TrainEpoch *epochs = lab_run_get_epochs (run, &n_epochs);
      TrainVerdict verdict;

      if (!lab_run_get_shown (run))
        continue;
      verdict = train_diagnose (epochs, n_epochs, lab_run_get_progress (run).status, classes);
      if (verdict.text != NULL && verdict.text[0] != '\0')
        g_string_append_printf (text, "%s%s: %s", text->len ? " · " : "", lab_run_get_name (run), verdict.text);
      train_verdict_clear (&verdict);
    }
  gtk_label_set_text (self->verdict_label, text->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->verdict_label), text->str);
}

static void
update_status_line (LabWindow *self)
{
  g_autofree char *text = NULL;
  LabRun *run = self->active_run;
  TrainProgress p;

  g_assert (LAB_IS_WINDOW (self));

  if (run == NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
      gtk_label_set_text (self->status_label,
                          n == 0 ? _("Set up a run on the left, then press Start.") : "");
      gtk_progress_bar_set_fraction (self->status_progress, 0);
      update_verdicts (self);
      return;
    }

  p = lab_run_get_progress (run);
  if (p.status == TRAIN_STATUS_LOADING)
    {
      text = g_strdup_printf (_("%s: preparing images (%d of %d)"), lab_run_get_name (run),
                              p.load_done, p.load_total);
      gtk_progress_bar_set_fraction (self->status_progress,
                                     p.load_total > 0 ? (double) p.load_done / p.load_total : 0);
    }
  else
    {
      g_autofree char *eta = p.eta_seconds >= 0 ? train_format_duration (p.eta_seconds) : g_strdup ("—");
      double done = p.epochs > 0 ? (p.epoch + (double) p.batch / MAX (p.batches_per_epoch, 1)) / p.epochs : 0;

      if (train_status_is_active (p.status))
        text = g_strdup_printf (_("%s: epoch %d of %d · batch %d of %d · %.0f images/s · %s left"),
                                lab_run_get_name (run), MIN (p.epoch + 1, p.epochs), p.epochs,
                                p.batch, p.batches_per_epoch, p.images_per_second, eta);
      else
        {
          g_autofree char *elapsed = train_format_duration (p.elapsed);
          guint n_done;

          lab_run_get_epochs (run, &n_done);
          text = g_strdup_printf (ngettext ("%s: %s after %u epoch in %s", "%s: %s after %u epochs in %s", n_done),
                                  lab_run_get_name (run), lab_run_get_status_text (run), n_done, elapsed);
          if (p.status == TRAIN_STATUS_FINISHED)
            done = 1;
        }
      gtk_progress_bar_set_fraction (self->status_progress, CLAMP (done, 0, 1));
    }
  gtk_label_set_text (self->status_label, text);

  update_verdicts (self);
}

static void
on_run_updated (LabWindow *self,
                LabRun    *run)
{
  g_assert (LAB_IS_WINDOW (self));
  g_assert (LAB_IS_RUN (run));

  update_charts (self, run);
  if (run == self->active_run)
    {
      update_status_line (self);
      update_actions (self);
    }
}

/* Status changes a user must hear about even when looking elsewhere. */
static void
on_run_status_changed (LabWindow  *self,
                       GParamSpec *pspec,
                       LabRun     *run)
{
  TrainStatus status = lab_run_get_progress (run).status;
  g_autofree char *message = NULL;
  g_autofree char *text = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (status == TRAIN_STATUS_DIVERGED)
    text = g_strdup_printf (_("%s diverged: the loss became infinite. Try a learning rate ten times smaller."),
                            lab_run_get_name (run));
  else if (status == TRAIN_STATUS_FAILED)
    {
      message = train_run_dup_message (lab_run_get_train_run (run));
      text = g_strdup_printf (_("%s failed: %s"), lab_run_get_name (run),
                              message ? message : _("unknown error"));
    }
  else if (status == TRAIN_STATUS_EARLY_STOPPED)
    text = g_strdup_printf (_("%s stopped early: validation loss stopped improving."),
                            lab_run_get_name (run));
  if (text)
    toast (self, "%s", text);
}

static void
add_run (LabWindow *self,
         LabRun    *run)
{
  g_autofree char *name = NULL;

  g_assert (LAB_IS_WINDOW (self));

  for (guint c = 0; c < N_CHARTS; c++)
    lab_run_set_chart_id (run, c, lab_chart_add_run (chart_of (self, c), lab_run_get_name (run),
                                                     lab_run_get_color (run)));
  g_signal_connect_object (run, "updated", G_CALLBACK (on_run_updated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "notify::status-text", G_CALLBACK (on_run_status_changed), self,
                           G_CONNECT_SWAPPED);
  g_list_store_append (self->runs, run);
  update_labels (self);
  update_charts (self, run);
}

static void
on_run_shown_changed (LabWindow  *self,
                      GParamSpec *pspec,
                      LabRun     *run)
{
  g_assert (LAB_IS_WINDOW (self));

  for (guint c = 0; c < N_CHARTS; c++)
    lab_chart_set_run_visible (chart_of (self, c), lab_run_get_chart_id (run, c),
                               lab_run_get_shown (run));
  update_verdicts (self);
}

static void
on_run_name_changed (LabWindow  *self,
                     GParamSpec *pspec,
                     LabRun     *run)
{
  g_assert (LAB_IS_WINDOW (self));

  update_labels (self);
}

static LabRun *
wrap_train_run (LabWindow *self,
                TrainRun  *train_run)
{
  LabRun *run;

  g_assert (LAB_IS_WINDOW (self));

  run = lab_run_new (train_run, lab_chart_palette_color (self->n_colors_used++));
  g_signal_connect_object (run, "notify::shown", G_CALLBACK (on_run_shown_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "notify::name", G_CALLBACK (on_run_name_changed), self, G_CONNECT_SWAPPED);
  return run;
}

/* run-001, run-002...: the next free folder, so runs list in the order they were made. */
static char *
new_run_dir (void)
{
  g_autofree char *session = lab_session_dir ();
  g_autoptr(GDir) dir = NULL;
  const char *name;
  int last = 0;

  if (g_mkdir_with_parents (session, 0755) != 0)
    return NULL;
  dir = g_dir_open (session, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      int n;
      if (sscanf (name, "run-%d", &n) == 1 && n > last)
        last = n;
    }
  return g_strdup_printf ("%s/run-%03d", session, last + 1);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  TrainConfig config;
  g_autoptr(GError) error = NULL;
  g_autoptr(DataSet) dataset = NULL;
  g_autoptr(TrainRun) train_run = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (!lab_settings_panel_get_valid (self->settings_panel))
    {
      toast (self, "%s", lab_settings_panel_get_problem (self->settings_panel));
      return;
    }

  train_config_init (&config);
  lab_settings_panel_get_config (self->settings_panel, &config);
  if (!train_config_validate (&config, &error))
    {
      toast (self, "%s", error->message);
      train_config_clear (&config);
      return;
    }

  /* Two runs would share two cores and both crawl: the one before stops here, keeping
   * every epoch it finished, and stays on the charts for comparison. */
  if (self->active_run && train_status_is_active (lab_run_get_progress (self->active_run).status))
    train_run_stop (lab_run_get_train_run (self->active_run));

  dir = new_run_dir ();
  name = g_strdup_printf (_("Run %u"), g_list_model_get_n_items (G_LIST_MODEL (self->runs)) + 1);
  g_free (config.name);
  config.name = g_strdup (name);
  dataset = lab_settings_panel_dup_dataset (self->settings_panel);
  train_run = train_run_new (&config, dataset);
  train_config_clear (&config);
  if (dir == NULL)
    toast (self, _("The session folder cannot be created: this run will not be saved."));
  else
    train_run_set_output_dir (train_run, dir);

  run = wrap_train_run (self, train_run);
  add_run (self, run);
  if (!train_run_start (train_run, &error))
    toast (self, _("The run could not start: %s"), error->message);
  g_set_object (&self->active_run, run);
  lab_run_refresh (run);
  lab_mistakes_page_select_run (self->mistakes_page, run);
  update_status_line (self);
  update_actions (self);
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  TrainRun *train_run;

  g_assert (LAB_IS_WINDOW (self));

  if (self->active_run == NULL)
    return;
  train_run = lab_run_get_train_run (self->active_run);
  if (train_run_get_status (train_run) == TRAIN_STATUS_PAUSED)
    train_run_resume (train_run);
  else
    train_run_pause (train_run);
  lab_run_refresh (self->active_run);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);

  g_assert (LAB_IS_WINDOW (self));

  if (self->active_run != NULL)
    train_run_stop (lab_run_get_train_run (self->active_run));
}

static gboolean
delete_recursively (GFile         *file,
                    GError       **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children && (info = g_file_enumerator_next_file (children, NULL, NULL)))
    {
      g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));
      gboolean ok = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY
                    ? delete_recursively (child, error)
                    : g_file_delete (child, NULL, error);
      g_object_unref (info);
      if (!ok)
        return FALSE;
    }
  return g_file_delete (file, NULL, error);
}

static void
delete_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  guint index = g_variant_get_uint32 (param);
  g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), index);
  TrainRun *train_run;
  const char *dir;

  g_assert (LAB_IS_WINDOW (self));

  if (run == NULL)
    return;
  train_run = lab_run_get_train_run (run);
  if (train_status_is_active (train_run_get_status (train_run)))
    {
      train_run_cancel (train_run);
      train_run_wait (train_run);
    }
  dir = train_run_get_output_dir (train_run);
  if (dir != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (dir);
      g_autoptr(GError) error = NULL;

      if (g_file_query_exists (file, NULL) && !delete_recursively (file, &error))
        toast (self, _("The run's folder could not be deleted: %s"), error->message);
    }
  /* Late news from the cancelled worker must not reach charts that no longer have it. */
  g_signal_handlers_disconnect_by_data (run, self);
  for (guint c = 0; c < N_CHARTS; c++)
    lab_chart_remove_run (chart_of (self, c), lab_run_get_chart_id (run, c));
  if (run == self->active_run)
    g_clear_object (&self->active_run);
  g_list_store_remove (self->runs, index);
  update_labels (self);
  update_status_line (self);
  update_actions (self);
}

static void
open_folder_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);

  g_assert (LAB_IS_WINDOW (self));

  gtk_widget_activate_action (GTK_WIDGET (self->settings_panel), "settings.choose-folder", NULL);
}

static gboolean
copy_recursively (GFile   *src,
                  GFile   *dst,
                  GError **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  if (!g_file_make_directory_with_parents (dst, NULL, error))
    {
      if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        return FALSE;
      g_clear_error (error);
    }
  children = g_file_enumerate_children (src, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, error);
  if (children == NULL)
    return FALSE;
  while ((info = g_file_enumerator_next_file (children, NULL, NULL)))
    {
      g_autoptr(GFile) from = g_file_get_child (src, g_file_info_get_name (info));
      g_autoptr(GFile) to = g_file_get_child (dst, g_file_info_get_name (info));
      gboolean ok = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY
                    ? copy_recursively (from, to, error)
                    : g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
      g_object_unref (info);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* Every run folder (config.ini, history.csv, best.ckpt, predictions.bin) into dir, for a
 * class to hand out or an engineer to keep: the same layout lrlab-train --out writes. */
gboolean
lab_window_save_session_to (LabWindow   *self,
                            const char  *dir,
                            GError     **error)
{
  guint n;

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      const char *run_dir = train_run_get_output_dir (lab_run_get_train_run (run));
      g_autofree char *base = NULL;
      g_autoptr(GFile) src = NULL;
      g_autoptr(GFile) dst = NULL;

      if (run_dir == NULL || !g_file_test (run_dir, G_FILE_TEST_IS_DIR))
        continue;
      base = g_path_get_basename (run_dir);
      src = g_file_new_for_path (run_dir);
      dst = g_file_new_build_filename (dir, base, NULL);
      if (!copy_recursively (src, dst, error))
        return FALSE;
    }
  return TRUE;
}

/* The window's file actions ask alike: a modal native chooser that calls on_response
 * (self, path) once the user accepts, and only then. The caller adds a name or filters,
 * then shows it. */
typedef void (*ChosenPathFunc) (LabWindow  *self,
                                const char *path);

static void
on_file_chooser_response (GtkNativeDialog *dialog,
                          int              response,
                          LabWindow       *self)
{
  ChosenPathFunc on_response = g_object_get_data (G_OBJECT (dialog), "lab-on-response");
  g_autofree char *path = NULL;

  g_assert (LAB_IS_WINDOW (self));
  g_assert (on_response != NULL);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      path = g_file_get_path (file);
      on_response (self, path);
    }
  g_object_unref (dialog);
}

static GtkFileChooserNative *
file_chooser_new (LabWindow            *self,
                  const char           *title,
                  GtkFileChooserAction  action,
                  const char           *accept_label,
                  ChosenPathFunc        on_response)
{
  GtkFileChooserNative *dialog;

  g_assert (LAB_IS_WINDOW (self));
  g_assert (on_response != NULL);

  dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept_label, _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_object_set_data (G_OBJECT (dialog), "lab-on-response", on_response);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_file_chooser_response), self, 0);
  return dialog;
}

static void
save_session_chosen (LabWindow  *self,
                     const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (lab_window_save_session_to (self, path, &error))
    toast (self, _("Runs saved in %s"), path);
  else
    toast (self, _("The runs could not be saved: %s"), error->message);
}

static void
save_session_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  GtkFileChooserNative *dialog;

  g_assert (LAB_IS_WINDOW (self));

  /* Runs already autosave after every epoch; this is a copy to a place of the user's choosing. */
  dialog = file_chooser_new (self, _("Save Session to a Folder"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                             _("_Save"), save_session_chosen);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* --- Export ---------------------------------------------------------------------- */

/* "curves.png" -> "curves-accuracy.png": the second chart goes beside the first. */
static char *
sibling_path (const char *path,
              const char *suffix)
{
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, '/');

  if (dot == NULL || (slash != NULL && dot < slash))
    return g_strconcat (path, suffix, NULL);
  return g_strdup_printf ("%.*s%s%s", (int) (dot - path), path, suffix, dot);
}

gboolean
lab_window_export_charts (LabWindow   *self,
                          const char  *path,
                          char       **accuracy_path,
                          GError     **error)
{
  g_autofree char *with_ext = NULL;
  g_autofree char *second = NULL;
  LabChartFormat format;

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!lab_chart_format_from_path (path, &format))
    {
      path = with_ext = g_strconcat (path, ".png", NULL);
      format = LAB_CHART_FORMAT_PNG;
    }
  second = sibling_path (path, "-accuracy");
  if (!lab_chart_export (self->loss_chart, path, format, 1200, 800, error) ||
      !lab_chart_export (self->accuracy_chart, second, format, 1200, 800, error))
    return FALSE;
  if (accuracy_path)
    *accuracy_path = g_steal_pointer (&second);
  return TRUE;
}

static void
export_chart_chosen (LabWindow  *self,
                     const char *path)
{
  g_autofree char *accuracy_path = NULL;
  g_autoptr(GError) error = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (!lab_window_export_charts (self, path, &accuracy_path, &error))
    toast (self, _("The chart could not be saved: %s"), error->message);
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *base2 = g_path_get_basename (accuracy_path);
      toast (self, _("Saved %s and %s"), base, base2);
    }
}

static void
export_chart_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  GtkFileChooserNative *dialog;
  const char *patterns[][2] = { { "*.png", N_("PNG image") }, { "*.svg", N_("SVG drawing") },
                                { "*.pdf", N_("PDF document") } };

  g_assert (LAB_IS_WINDOW (self));

  dialog = file_chooser_new (self, _("Export Charts"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                             export_chart_chosen);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "loss.png");
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      gtk_file_filter_add_pattern (filter, patterns[i][0]);
      gtk_file_filter_set_name (filter, _(patterns[i][1]));
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
    }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static char *
csv_field (const char *text)
{
  g_autofree char *escaped = NULL;
  char **parts = g_strsplit (text ? text : "", "\"", -1);

  escaped = g_strjoinv ("\"\"", parts);
  g_strfreev (parts);
  return g_strdup_printf ("\"%s\"", escaped);
}

gboolean
lab_window_export_csv (LabWindow   *self,
                       const char  *path,
                       GError     **error)
{
  GString *csv;
  guint n;
  gboolean ok;

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  csv = g_string_new ("run,label,epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds\n");
  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      g_autofree char *name = csv_field (lab_run_get_name (run));
      g_autofree char *label = csv_field (lab_run_get_label (run));
      guint n_epochs;
      const TrainEpoch *epochs = lab_run_get_epochs (run, &n_epochs);

      for (guint e = 0; e < n_epochs; e++)
        {
          char v[6][G_ASCII_DTOSTR_BUF_SIZE];

          g_ascii_dtostr (v[0], sizeof v[0], epochs[e].accuracy);
          g_ascii_dtostr (v[1], sizeof v[1], epochs[e].loss);
          g_ascii_dtostr (v[2], sizeof v[2], epochs[e].val_accuracy);
          g_ascii_dtostr (v[3], sizeof v[3], epochs[e].val_loss);
          g_ascii_dtostr (v[4], sizeof v[4], epochs[e].lr);
          g_ascii_dtostr (v[5], sizeof v[5], epochs[e].seconds);
          g_string_append_printf (csv, "%s,%s,%d,%s,%s,%s,%s,%s,%s\n", name, label, epochs[e].epoch,
                                  v[0], v[1], v[2], v[3], v[4], v[5]);
        }
    }
  ok = g_file_set_contents (path, csv->str, csv->len, error);
  g_string_free (csv, TRUE);
  return ok;
}

static void
export_csv_chosen (LabWindow  *self,
                   const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (!lab_window_export_csv (self, path, &error))
    toast (self, _("The data could not be saved: %s"), error->message);
}

static void
export_csv_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  GtkFileChooserNative *dialog;

  g_assert (LAB_IS_WINDOW (self));

  dialog = file_chooser_new (self, _("Export Data"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                             export_csv_chosen);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "runs.csv");
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
page_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);

  g_assert (LAB_IS_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->stack, g_variant_get_string (param, NULL));
}

/* --- Session --------------------------------------------------------------------- */

void
lab_window_load_session (LabWindow *self)
{
  g_autofree char *dir = lab_session_dir ();
  g_autoptr(TrainSession) session = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (LAB_IS_WINDOW (self));

  /* No folder yet is a first start, not an error. */
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return;
  session = train_session_load (dir, &error);
  if (session == NULL)
    {
      toast (self, _("The saved runs could not be read: %s"), error->message);
      return;
    }
  for (guint i = 0; i < session->runs->len; i++)
    {
      g_autoptr(LabRun) run = wrap_train_run (self, g_ptr_array_index (session->runs, i));

      lab_run_refresh (run);
      add_run (self, run);
    }
  /* A damaged run is skipped and reported; its folder stays for the user to look at. */
  if (session->problems->len > 0)
    {
      TrainSessionProblem *first = g_ptr_array_index (session->problems, 0);
      g_autofree char *name = g_path_get_basename (first->folder);
      toast (self, ngettext ("%u saved run could not be opened (%s: %s)",
                             "%u saved runs could not be opened (%s: %s)",
                             session->problems->len),
             session->problems->len, name, first->reason);
    }
  update_status_line (self);
  update_actions (self);
}

/* --- Closing --------------------------------------------------------------------- */

static gboolean
any_run_active (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      if (train_status_is_active (train_run_get_status (lab_run_get_train_run (run))))
        return TRUE;
    }
  return FALSE;
}

/* Stop (not cancel): the worker finishes its batch and keeps every finished epoch on disk. */
static void
stop_all_runs (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      TrainRun *train_run = lab_run_get_train_run (run);

      if (train_status_is_active (train_run_get_status (train_run)))
        {
          train_run_stop (train_run);
          train_run_wait (train_run);
        }
    }
}

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   LabWindow        *self)
{
  g_assert (LAB_IS_WINDOW (self));

  if (g_strcmp0 (response, "stop") == 0)
    {
      stop_all_runs (self);
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static void
save_window_state (LabWindow *self)
{
  int width, height;

  g_assert (LAB_IS_WINDOW (self));

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
lab_window_close_request (GtkWindow *window)
{
  LabWindow *self = LAB_WINDOW (window);

  if (!self->close_confirmed && any_run_active (self))
    {
      GtkWidget *dialog = adw_message_dialog_new (window, _("Stop Training?"),
                                                  _("A run is still training. Its finished epochs are "
                                                    "saved and will be here next time."));
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Keep Training"),
                                        "stop", _("_Stop and Close"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect_object (dialog, "response", G_CALLBACK (on_close_response), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }
  stop_all_runs (self);
  save_window_state (self);
  return GTK_WINDOW_CLASS (lab_window_parent_class)->close_request (window);
}

/* --- Life cycle ------------------------------------------------------------------ */

static GtkWidget *
create_run_row (gpointer item,
                gpointer user_data)
{
  return lab_run_row_new (LAB_RUN (item));
}

/* The augmentation page's switches live in the sidebar: bring them into view beside it. */
static void
on_page_changed (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "augmentation") == 0)
    lab_settings_panel_reveal_augmentation (self->settings_panel);
}

static void
on_settings_changed (LabWindow *self)
{
  TrainConfig config;
  g_autoptr(DataSet) dataset = NULL;

  g_assert (LAB_IS_WINDOW (self));

  train_config_init (&config);
  lab_settings_panel_get_config (self->settings_panel, &config);
  dataset = lab_settings_panel_dup_dataset (self->settings_panel);
  lab_augment_page_set_config (self->augment_page, &config, dataset);
  train_config_clear (&config);
  update_actions (self);
}

static void
on_time_toggled (LabWindow *self)
{
  LabChartXMode mode = gtk_toggle_button_get_active (self->time_toggle) ? LAB_CHART_X_TIME : LAB_CHART_X_EPOCH;

  g_assert (LAB_IS_WINDOW (self));

  for (guint c = 0; c < N_CHARTS; c++)
    lab_chart_set_x_mode (chart_of (self, c), mode);
}

static void
lab_window_dispose (GObject *object)
{
  LabWindow *self = (LabWindow *) object;

  if (self->runs)
    stop_all_runs (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LAB_TYPE_WINDOW);
  g_clear_object (&self->active_run);
  g_clear_object (&self->runs);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lab_window_parent_class)->dispose (object);
}

static void
lab_window_class_init (LabWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lab_window_dispose;
  window_class->close_request = lab_window_close_request;

  g_type_ensure (LAB_TYPE_CHART);
  g_type_ensure (LAB_TYPE_SETTINGS_PANEL);
  g_type_ensure (LAB_TYPE_AUGMENT_PAGE);
  g_type_ensure (LAB_TYPE_MISTAKES_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LabWindow, name)
  BIND (toast_overlay);
  BIND (start_button);
  BIND (pause_button);
  BIND (settings_panel);
  BIND (stack);
  BIND (smoothing_scale);
  BIND (log_toggle);
  BIND (time_toggle);
  BIND (batches_toggle);
  BIND (verdict_label);
  BIND (loss_chart);
  BIND (accuracy_chart);
  BIND (runs_list);
  BIND (status_label);
  BIND (status_progress);
  BIND (augment_page);
  BIND (mistakes_page);
#undef BIND

  gtk_widget_class_install_action (widget_class, "win.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "win.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "win.delete-run", "u", delete_run_action);
  gtk_widget_class_install_action (widget_class, "win.open-folder", NULL, open_folder_action);
  gtk_widget_class_install_action (widget_class, "win.save-session", NULL, save_session_action);
  gtk_widget_class_install_action (widget_class, "win.export-chart", NULL, export_chart_action);
  gtk_widget_class_install_action (widget_class, "win.export-csv", NULL, export_csv_action);
  gtk_widget_class_install_action (widget_class, "win.page", "s", page_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "win.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK, "win.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-session", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export-chart", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.export-csv", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.page", "s", "curves");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.page", "s", "augmentation");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.page", "s", "mistakes");
}

static void
lab_window_init (LabWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->runs = g_list_store_new (LAB_TYPE_RUN);
  self->settings = g_settings_new (APP_ID);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  lab_settings_panel_bind_settings (self->settings_panel, self->settings);

  lab_chart_set_title (self->loss_chart, _("Loss"));
  lab_chart_set_y_label (self->loss_chart, _("cross-entropy"));
  lab_chart_set_title (self->accuracy_chart, _("Accuracy"));
  lab_chart_set_y_label (self->accuracy_chart, _("fraction correct"));
  lab_chart_set_y_limits (self->accuracy_chart, 0, 1);
  for (guint c = 0; c < N_CHARTS; c++)
    {
      LabChart *chart = chart_of (self, c);

      g_object_bind_property (gtk_range_get_adjustment (GTK_RANGE (self->smoothing_scale)), "value",
                              chart, "smoothing", G_BINDING_SYNC_CREATE);
      g_object_bind_property (self->batches_toggle, "active", chart, "show-batches", G_BINDING_SYNC_CREATE);
    }
  /* A log axis is for the loss: accuracy lives between 0 and 1. */
  g_object_bind_property (self->log_toggle, "active", self->loss_chart, "log-y", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->time_toggle, "toggled", G_CALLBACK (on_time_toggled), self,
                           G_CONNECT_SWAPPED);

  gtk_list_box_bind_model (self->runs_list, G_LIST_MODEL (self->runs), create_run_row, NULL, NULL);
  {
    GtkWidget *placeholder = gtk_label_new (_("No runs yet"));
    gtk_widget_add_css_class (placeholder, "dim-label");
    gtk_widget_set_margin_top (placeholder, 12);
    gtk_widget_set_margin_bottom (placeholder, 12);
    gtk_list_box_set_placeholder (self->runs_list, placeholder);
  }
  lab_mistakes_page_set_runs (self->mistakes_page, G_LIST_MODEL (self->runs));

  g_signal_connect_object (self->settings_panel, "changed", G_CALLBACK (on_settings_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings_panel, "notify::valid", G_CALLBACK (update_actions), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->stack, "notify::visible-child-name", G_CALLBACK (on_page_changed), self,
                           G_CONNECT_SWAPPED);
  on_settings_changed (self);
  update_status_line (self);
  update_actions (self);
}

LabWindow *
lab_window_new (AdwApplication *app)
{
  g_return_val_if_fail (app == NULL || ADW_IS_APPLICATION (app), NULL);

  return g_object_new (LAB_TYPE_WINDOW, "application", app, NULL);
}

LabSettingsPanel *
lab_window_get_settings_panel (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->settings_panel;
}

GListModel *
lab_window_get_runs (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->runs);
}

LabRun *
lab_window_get_active_run (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->active_run;
}

LabChart *
lab_window_get_loss_chart (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->loss_chart;
}

LabChart *
lab_window_get_accuracy_chart (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->accuracy_chart;
}

void
lab_window_set_page (LabWindow  *self,
                     const char *name)
{
  g_return_if_fail (LAB_IS_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->stack, name);
}

void
lab_window_show_mistakes (LabWindow *self,
                          LabRun    *run)
{
  g_return_if_fail (LAB_IS_WINDOW (self));
  g_return_if_fail (LAB_IS_RUN (run));

  lab_mistakes_page_select_run (self->mistakes_page, run);
}
