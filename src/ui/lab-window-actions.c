/* lab-window-actions: the window's win.* actions (start, pause, stop, delete a run, open a
 * folder, the exports, the page) and their shortcuts, installed on the class, and which
 * of them are enabled for the run that is training now. */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-window-private.h"
#include "train_session.h"

void
_lab_window_update_actions (LabWindow *self)
{
  TrainStatus status = self->active_run ? lab_run_get_progress (self->active_run).status
                                        : TRAIN_STATUS_READY;
  gboolean active = self->active_run != NULL && train_status_is_active (status);
  gboolean valid = lab_settings_panel_get_valid (self->settings_panel);

  g_assert (LAB_IS_WINDOW (self));

  /* While closing, nothing may start, pause or delete a run the close is waiting for. */
  if (self->stopping)
    valid = active = FALSE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.start", valid);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sweep", valid);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find-lr", valid);
  /* A disabled Start says why, where the user is looking. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button),
                               lab_settings_panel_get_valid (self->settings_panel)
                               ? _("Train a new run with these settings (Ctrl+Enter)")
                               : lab_settings_panel_get_problem (self->settings_panel));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pause",
                                 active && status != TRAIN_STATUS_LOADING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", active || _lab_window_sweep_active (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-run", !self->stopping);
  _lab_window_branch_update_actions (self);
  gtk_button_set_icon_name (self->pause_button, status == TRAIN_STATUS_PAUSED
                                                ? "media-playback-start-symbolic"
                                                : "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                               status == TRAIN_STATUS_PAUSED ? _("Resume (Ctrl+P)") : _("Pause (Ctrl+P)"));
}

gboolean
_lab_window_settings_ready (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  if (lab_settings_panel_get_valid (self->settings_panel))
    return TRUE;
  _lab_window_toast (self, "%s", lab_settings_panel_get_problem (self->settings_panel));
  return FALSE;
}

/* Two runs would share two cores and both crawl: the one training stops (keeping every
 * epoch it finished, and staying on the charts for comparison), and a sweep starts no
 * more. */
static void
stop_training (LabWindow *self)
{
  _lab_window_sweep_stop (self);
  if (self->active_run && train_status_is_active (lab_run_get_progress (self->active_run).status))
    train_run_stop (lab_run_get_train_run (self->active_run));
}

/* The panel's settings over rates, each with the panel's seeds, on the panel's images: a
 * sweep, or a seed group when there is one rate. */
static void
start_sweep (LabWindow          *self,
             const TrainConfig  *config,
             const double       *rates,
             int                 n_rates)
{
  g_autoptr(DataSet) dataset = NULL;

  stop_training (self);
  dataset = lab_settings_panel_dup_dataset (self->settings_panel);
  _lab_window_sweep_start (self, config, dataset, rates, n_rates,
                           lab_settings_panel_get_n_seeds (self->settings_panel));
}

/* The panel's settings as a config that can run, or FALSE (config left clear) after
 * saying why in a toast: a folder still loading, or a value out of range. */
static gboolean
get_checked_config (LabWindow   *self,
                    TrainConfig *config)
{
  g_autoptr(GError) error = NULL;

  if (!_lab_window_settings_ready (self))
    return FALSE;
  train_config_init (config);
  lab_settings_panel_get_config (self->settings_panel, config);
  if (!train_config_validate (config, &error))
    {
      _lab_window_toast (self, "%s", error->message);
      train_config_clear (config);
      return FALSE;
    }
  return TRUE;
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
  g_autofree char *session = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  LabRun *run;

  g_assert (LAB_IS_WINDOW (self));

  if (!get_checked_config (self, &config))
    return;

  /* "Repeat with N seeds": the same run N times, one after another, as a group. */
  if (lab_settings_panel_get_n_seeds (self->settings_panel) > 1)
    {
      start_sweep (self, &config, &config.lr, 1);
      train_config_clear (&config);
      return;
    }

  stop_training (self);

  session = train_session_dir ();
  dir = train_session_next_run_dir (session, NULL);
  name = g_strdup_printf (_("Run %u"), g_list_model_get_n_items (G_LIST_MODEL (self->runs)) + 1);
  g_free (config.name);
  config.name = g_strdup (name);
  dataset = lab_settings_panel_dup_dataset (self->settings_panel);
  train_run = train_run_new (&config, dataset);
  train_config_clear (&config);
  if (dir == NULL)
    _lab_window_toast (self, _("The session folder cannot be created: this run will not be saved."));
  else
    train_run_set_output_dir (train_run, dir);

  run = _lab_window_add_train_run (self, train_run);
  if (!train_run_start (train_run, &error))
    _lab_window_toast (self, _("The run could not start: %s"), error->message);
  _lab_window_make_active (self, run);
}

void
_lab_window_make_active (LabWindow *self,
                         LabRun    *run)
{
  g_assert (LAB_IS_WINDOW (self));

  g_set_object (&self->active_run, run);
  lab_run_refresh (run);
  lab_mistakes_page_select_run (self->mistakes_page, run);
  _lab_window_update_status (self);
  _lab_window_update_actions (self);
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

  /* A sweep stops with its run: the runs after it never start. */
  _lab_window_sweep_stop (self);
  if (self->active_run != NULL)
    train_run_stop (lab_run_get_train_run (self->active_run));
}

static void
sweep_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  TrainConfig config;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rates = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (!get_checked_config (self, &config))
    return;
  rates = lab_settings_panel_dup_sweep_rates (self->settings_panel, &error);
  if (rates == NULL)
    {
      _lab_window_toast (self, "%s", error->message);
      train_config_clear (&config);
      return;
    }
  start_sweep (self, &config, (const double *) (gpointer) rates->data, (int) rates->len);
  train_config_clear (&config);
}

static void
find_lr_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  _lab_window_find_lr (LAB_WINDOW (widget));
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
  /* The folder can only go once nothing writes into it. A cancel takes effect between two
   * layers of a batch, so this wait is short, unlike a stop's whole batch. */
  if (train_status_is_active (train_run_get_status (train_run)))
    {
      train_run_cancel (train_run);
      train_run_wait (train_run);
    }
  dir = train_run_get_output_dir (train_run);
  if (dir != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!train_session_delete_run (dir, &error))
        _lab_window_toast (self, _("The run's folder could not be deleted: %s"), error->message);
    }
  _lab_window_remove_run (self, index);
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

/* The actions that only open one of the window's dialogs: one table and one handler. */
static const struct {
  const char *name;
  void      (*ask) (LabWindow *self);
} dialog_actions[] = {
  { "win.save-session", _lab_window_ask_save_session },
  { "win.export-chart", _lab_window_ask_export_charts },
  { "win.export-csv", _lab_window_ask_export_csv },
  { "win.export-pytorch", _lab_window_ask_export_pytorch },
  { "win.export-onnx", _lab_window_ask_export_onnx },
};

static void
dialog_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  for (guint i = 0; i < G_N_ELEMENTS (dialog_actions); i++)
    if (g_str_equal (action_name, dialog_actions[i].name))
      dialog_actions[i].ask (LAB_WINDOW (widget));
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  _lab_window_ask_import (LAB_WINDOW (widget), g_str_equal (g_variant_get_string (param, NULL), "folder"));
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

void
_lab_window_class_actions_init (LabWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "win.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "win.delete-run", "u", delete_run_action);
  gtk_widget_class_install_action (widget_class, "win.open-folder", NULL, open_folder_action);
  gtk_widget_class_install_action (widget_class, "win.page", "s", page_action);
  gtk_widget_class_install_action (widget_class, "win.import", "s", import_action);
  gtk_widget_class_install_action (widget_class, "win.sweep", NULL, sweep_action);
  gtk_widget_class_install_action (widget_class, "win.find-lr", NULL, find_lr_action);
  for (guint i = 0; i < G_N_ELEMENTS (dialog_actions); i++)
    gtk_widget_class_install_action (widget_class, dialog_actions[i].name, NULL, dialog_action);

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
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.page", "s", "updates");
}
