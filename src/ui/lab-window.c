/* LabWindow: the template and its life cycle, the list of runs with the glue from each
 * LabRun's news to the table, the charts and the status line, the session the window
 * opens with, and a close that never loses a finished epoch and never blocks the main
 * loop. Actions, charts and exports live beside it (lab-window-private.h says where). */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-run-row.h"
#include "lab-window-private.h"
#include "train_session.h"

G_DEFINE_FINAL_TYPE (LabWindow, lab_window, ADW_TYPE_APPLICATION_WINDOW)

/* printf-like, since most toasts are a sentence with a name or an error's message in it. */
void
_lab_window_toast (LabWindow  *self,
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

/* A question with two answers: no (also what closing it means) and yes, the default
 * unless it is destructive. */
GtkWidget *
_lab_window_question_new (LabWindow            *self,
                          const char           *heading,
                          const char           *no,
                          const char           *no_label,
                          const char           *yes,
                          const char           *yes_label,
                          AdwResponseAppearance appearance)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, NULL);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), no, no_label, yes, yes_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), yes, appearance);
  if (appearance != ADW_RESPONSE_DESTRUCTIVE)
    adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), yes);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), no);
  return dialog;
}

/* --- Runs -> table, legends and status ---------------------------------------------- */

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
      /* A fork says what it changed from its parent, and from when. */
      difference = _lab_window_branch_describe (self, run);
      if (difference == NULL)
        difference = train_config_describe_difference (configs[i], (const TrainConfig *const *) others, n_others);
      lab_run_set_label (run, difference);
      /* A sweep's runs are named by what they vary ("lr 1e-3"): said once. */
      if (difference != NULL && difference[0] != '\0' && g_strcmp0 (difference, lab_run_get_name (run)) != 0)
        legend = g_strdup_printf ("%s: %s", lab_run_get_name (run), difference);
      else
        legend = g_strdup (lab_run_get_name (run));
      _lab_window_charts_set_legend (self, run, legend);
    }
  _lab_window_branch_link_forks (self);
}

/* The status line under the table speaks of the active run, and of closing while closing. */
static void
update_status_line (LabWindow *self)
{
  g_autofree char *text = NULL;
  LabRun *run = self->active_run;
  TrainProgress p;

  g_assert (LAB_IS_WINDOW (self));

  if (self->stopping)
    {
      gtk_label_set_text (self->status_label,
                          _("Stopping… Finished epochs are saved; LR Lab closes when the current batch is done."));
      return;
    }
  if (run == NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
      gtk_label_set_text (self->status_label,
                          n == 0 ? _("Set up a run on the left, then press Start.") : "");
      gtk_progress_bar_set_fraction (self->status_progress, 0);
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
}

void
_lab_window_update_status (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  update_status_line (self);
  _lab_window_update_verdicts (self);
}

/* --- Closing --------------------------------------------------------------------- */

/* As the main loop last heard from each run: a run counts as ended once its notify said so. */
static gboolean
any_run_active (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  g_assert (LAB_IS_WINDOW (self));

  /* A sweep between two runs is still training. */
  if (self->sweeps && _lab_window_sweep_active (self))
    return TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      if (train_status_is_active (lab_run_get_progress (run).status))
        return TRUE;
    }
  return FALSE;
}

/* Stop, not cancel: a stop lands between two batches, so an epoch whose validation is
 * under way is still saved; a cancel would throw it away. Every epoch finished before is
 * on disk already (a run saves an epoch before it reports it). A run still preparing its
 * images has nothing to keep, and a stop would wait for the whole dataset: it is
 * cancelled. Nothing here waits for the workers. */
static void
stop_active_runs (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  g_assert (LAB_IS_WINDOW (self));

  /* A sweep starts no further run. */
  if (self->sweeps)
    _lab_window_sweep_stop (self);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      TrainRun *train_run = lab_run_get_train_run (run);

      if (!train_status_is_active (lab_run_get_progress (run).status))
        continue;
      if (train_run_get_status (train_run) == TRAIN_STATUS_LOADING)
        train_run_cancel (train_run);
      else
        train_run_stop (train_run);
    }
}

/* The close the user confirmed: ask every run to stop and keep the main loop running (the
 * charts take the last batches in), insensitive and saying so; on_run_updated closes the
 * window once the last run has reported its end. */
static void
begin_stopping (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));
  g_assert (!self->stopping);

  self->stopping = TRUE;
  stop_active_runs (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
  update_status_line (self);
  _lab_window_update_actions (self);
}

static gboolean
close_when_stopped (gpointer data)
{
  LabWindow *self = data;

  g_assert (LAB_IS_WINDOW (self));

  self->close_source = 0;
  gtk_window_close (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   LabWindow        *self)
{
  g_assert (LAB_IS_WINDOW (self));

  if (g_strcmp0 (response, "stop") == 0)
    {
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

  if (any_run_active (self))
    {
      GtkWidget *dialog;

      /* Asked again while stopping: the window goes as soon as the runs have ended. */
      if (self->stopping)
        return TRUE;
      if (self->close_confirmed)
        {
          begin_stopping (self);
          return TRUE;
        }
      dialog = _lab_window_question_new (self, _("Stop Training?"), "cancel", _("_Keep Training"),
                                         "stop", _("_Stop and Close"), ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                   _("A run is still training. Its finished epochs are "
                                     "saved and will be here next time."));
      /* Enter keeps training: closing by accident loses nothing. */
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect_object (dialog, "response", G_CALLBACK (on_close_response), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }
  save_window_state (self);
  return GTK_WINDOW_CLASS (lab_window_parent_class)->close_request (window);
}

/* --- The list of runs ------------------------------------------------------------ */

static void
on_run_updated (LabWindow *self,
                LabRun    *run)
{
  g_assert (LAB_IS_WINDOW (self));
  g_assert (LAB_IS_RUN (run));

  _lab_window_charts_update_run (self, run);
  if (run == self->active_run)
    {
      update_status_line (self);
      _lab_window_update_verdicts (self);
      _lab_window_update_actions (self);
    }
  _lab_window_sweep_run_updated (self, run);
  _lab_window_close_if_stopped (self);
}

void
_lab_window_close_if_stopped (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  /* From an idle, not from here: closing disposes the runs, and one may be emitting. */
  if (self->stopping && self->close_source == 0 && !any_run_active (self))
    self->close_source = g_idle_add (close_when_stopped, self);
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
  else if (status == TRAIN_STATUS_FAILED && _lab_window_branch_on_failed (self, run))
    return;
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
    _lab_window_toast (self, "%s", text);
}

static void
on_run_shown_changed (LabWindow  *self,
                      GParamSpec *pspec,
                      LabRun     *run)
{
  g_assert (LAB_IS_WINDOW (self));

  _lab_window_charts_show_run (self, run);
  _lab_window_update_verdicts (self);
}

static void
on_run_name_changed (LabWindow  *self,
                     GParamSpec *pspec,
                     LabRun     *run)
{
  g_assert (LAB_IS_WINDOW (self));

  update_labels (self);
}

/* A LabRun for train_run in colour, put at position of the list (replacing the run there
 * when replace), the table and the charts. */
static LabRun *
insert_train_run (LabWindow     *self,
                  TrainRun      *train_run,
                  const GdkRGBA *color,
                  guint          position,
                  gboolean       replace)
{
  g_autoptr(LabRun) run = NULL;

  g_assert (LAB_IS_WINDOW (self));
  g_assert (train_run != NULL);

  run = lab_run_new (train_run, color);
  g_signal_connect_object (run, "notify::shown", G_CALLBACK (on_run_shown_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "notify::name", G_CALLBACK (on_run_name_changed), self, G_CONNECT_SWAPPED);
  /* A run read from disk meets the table and the charts with its record already there. */
  lab_run_refresh (run);
  _lab_window_charts_add_run (self, run);
  g_signal_connect_object (run, "updated", G_CALLBACK (on_run_updated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "notify::status-text", G_CALLBACK (on_run_status_changed), self,
                           G_CONNECT_SWAPPED);
  if (replace)
    {
      g_autoptr(LabRun) old = g_list_model_get_item (G_LIST_MODEL (self->runs), position);

      lab_run_set_shown (run, lab_run_get_shown (old));
      g_signal_handlers_disconnect_by_data (old, self);
      _lab_window_charts_remove_run (self, old);
      _lab_window_sweep_run_replaced (self, old, run);
      if (old == self->active_run)
        g_clear_object (&self->active_run);
    }
  g_list_store_splice (self->runs, position, replace ? 1 : 0, (gpointer *) &run, 1);
  update_labels (self);
  _lab_window_charts_update_run (self, run);
  _lab_window_charts_show_run (self, run);
  return run;
}

LabRun *
_lab_window_add_train_run (LabWindow *self,
                           TrainRun  *train_run)
{
  return _lab_window_add_train_run_with_color (self, train_run, NULL);
}

LabRun *
_lab_window_add_train_run_with_color (LabWindow     *self,
                                      TrainRun      *train_run,
                                      const GdkRGBA *color)
{
  g_assert (LAB_IS_WINDOW (self));

  return insert_train_run (self, train_run,
                           color ? color : lab_chart_palette_color (self->n_colors_used++),
                           g_list_model_get_n_items (G_LIST_MODEL (self->runs)), FALSE);
}

LabRun *
_lab_window_replace_train_run (LabWindow *self,
                               guint      index,
                               TrainRun  *train_run)
{
  g_autoptr(LabRun) old = g_list_model_get_item (G_LIST_MODEL (self->runs), index);

  g_assert (LAB_IS_WINDOW (self));
  g_assert (old != NULL);

  return insert_train_run (self, train_run, lab_run_get_color (old), index, TRUE);
}

void
_lab_window_remove_run (LabWindow *self,
                        guint      index)
{
  g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), index);

  g_assert (LAB_IS_WINDOW (self));
  g_assert (run != NULL);

  /* Late news from a cancelled worker must not reach charts that no longer have it. */
  g_signal_handlers_disconnect_by_data (run, self);
  _lab_window_charts_remove_run (self, run);
  _lab_window_sweep_run_removed (self, run);
  if (run == self->active_run)
    g_clear_object (&self->active_run);
  g_list_store_remove (self->runs, index);
  update_labels (self);
  _lab_window_update_status (self);
  _lab_window_update_actions (self);
}

void
lab_window_load_session (LabWindow *self)
{
  g_autofree char *dir = train_session_dir ();
  g_autoptr(TrainSession) session = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (LAB_IS_WINDOW (self));

  /* No folder yet is a first start, not an error. */
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return;
  session = train_session_load (dir, &error);
  if (session == NULL)
    {
      _lab_window_toast (self, _("The saved runs could not be read: %s"), error->message);
      return;
    }
  for (guint i = 0; i < session->runs->len; i++)
    {
      TrainRun *train_run = g_ptr_array_index (session->runs, i);
      const TrainSessionGroup *group = train_session_find_group (session, train_run);

      /* A group of seeds comes back as one, as the sweep showed it. */
      if (group != NULL)
        _lab_window_sweep_restore_member (self, train_run, group->id, group->n_seeds);
      else
        _lab_window_add_train_run (self, train_run);
    }
  /* A damaged run is skipped and reported; its folder stays for the user to look at. */
  if (session->problems->len > 0)
    {
      TrainSessionProblem *first = g_ptr_array_index (session->problems, 0);
      g_autofree char *name = g_path_get_basename (first->folder);
      _lab_window_toast (self, ngettext ("%u saved run could not be opened (%s: %s)",
                                         "%u saved runs could not be opened (%s: %s)",
                                         session->problems->len),
                         session->problems->len, name, first->reason);
    }
  _lab_window_update_status (self);
  _lab_window_update_actions (self);
  _lab_window_branch_offer_resume (self);
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
  _lab_window_update_actions (self);
}

static void
on_settings_valid_changed (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  _lab_window_update_actions (self);
}

static void
lab_window_dispose (GObject *object)
{
  LabWindow *self = (LabWindow *) object;

  /* Destroyed without a close request (a script, a test): the runs are asked to stop and
   * not waited for. Each worker holds its own reference to its run and ends after its
   * batch; what it finished is on disk. */
  if (self->runs)
    stop_active_runs (self);
  _lab_window_sweep_dispose (self);
  g_clear_handle_id (&self->close_source, g_source_remove);
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
  g_type_ensure (LAB_TYPE_RATIO_PAGE);

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
  BIND (advice_label);
  BIND (advice_box);
  BIND (advice_button);
  BIND (runs_list);
  BIND (status_label);
  BIND (status_progress);
  BIND (augment_page);
  BIND (mistakes_page);
  BIND (ratio_page);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_settings_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_settings_valid_changed);

  _lab_window_class_charts_init (klass);
  _lab_window_class_actions_init (klass);
  _lab_window_class_branch_init (klass);
  _lab_window_class_sweep_init (klass);
}

static void
lab_window_init (LabWindow *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->runs = g_list_store_new (LAB_TYPE_RUN);
  self->settings = g_settings_new (APP_ID);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  /* The saved settings arrive one by one; the window reacts once, below, to all of them. */
  g_signal_handlers_block_by_func (self->settings_panel, on_settings_changed, self);
  lab_settings_panel_bind_settings (self->settings_panel, self->settings);
  g_signal_handlers_unblock_by_func (self->settings_panel, on_settings_changed, self);

  _lab_window_charts_init (self);

  gtk_list_box_bind_model (self->runs_list, G_LIST_MODEL (self->runs), create_run_row, NULL, NULL);
  placeholder = gtk_label_new (_("No runs yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_list_box_set_placeholder (self->runs_list, placeholder);
  lab_mistakes_page_set_runs (self->mistakes_page, G_LIST_MODEL (self->runs));
  lab_ratio_page_set_runs (self->ratio_page, G_LIST_MODEL (self->runs));
  _lab_window_branch_init (self);
  _lab_window_sweep_init (self);

  on_settings_changed (self);
  _lab_window_update_status (self);
  _lab_window_update_actions (self);
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

  return self->charts[LAB_WINDOW_CHART_LOSS];
}

LabChart *
lab_window_get_accuracy_chart (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->charts[LAB_WINDOW_CHART_ACCURACY];
}

LabChart *
lab_window_get_lr_chart (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->charts[LAB_WINDOW_CHART_LR];
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

void
lab_window_show_update_ratios (LabWindow *self,
                               LabRun    *run)
{
  g_return_if_fail (LAB_IS_WINDOW (self));
  g_return_if_fail (LAB_IS_RUN (run));

  lab_ratio_page_select_run (self->ratio_page, run);
}
