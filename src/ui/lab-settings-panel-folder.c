/* LabSettingsPanel's folder loading: a user's folder is loaded as soon as it is chosen,
 * in a thread (train_dataset_load_async, the way every part of LR Lab gets a dataset),
 * with its progress on a TrainNotifier and a Cancel button, so that a bad folder and its
 * skipped files are reported before anything trains. */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-settings-panel-private.h"
#include "train_dataset.h"

/* What a finished load needs to know it is still the current one. */
typedef struct
{
  LabSettingsPanel *self;              /* a reference */
  GCancellable     *cancellable;       /* a reference: the load's identity */
  char             *path;
} LoadRequest;

static void
load_request_free (LoadRequest *request)
{
  g_object_unref (request->self);
  g_object_unref (request->cancellable);
  g_free (request->path);
  g_free (request);
}

static void
on_load_progress (gpointer user_data)
{
  LabSettingsPanel *self = user_data;
  TrainLoadProgress p;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  train_notifier_read (self->load_notifier, &p);
  if (p.total > 0)
    {
      g_autofree char *text = g_strdup_printf (_("%d of %d images"), p.done, p.total);
      gtk_progress_bar_set_fraction (self->load_progress, (double) p.done / p.total);
      adw_action_row_set_subtitle (self->load_row, text);
    }
  else
    gtk_progress_bar_pulse (self->load_progress);
}

static void
forget_load (LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  g_clear_object (&self->load_cancellable);
  if (self->load_notifier != NULL)
    {
      /* A notification still pending must not reach this panel. */
      train_notifier_set_func (self->load_notifier, NULL, NULL, NULL);
      g_clear_pointer (&self->load_notifier, train_notifier_unref);
    }
}

void
lab_settings_panel_stop_loading (LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  forget_load (self);
}

static void
clear_skipped (LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  for (guint i = 0; i < self->skipped_rows->len; i++)
    adw_expander_row_remove (self->skipped_row, g_ptr_array_index (self->skipped_rows, i));
  g_ptr_array_set_size (self->skipped_rows, 0);
}

static void
show_skipped (LabSettingsPanel       *self,
              const DataFolderReport *report)
{
  g_autofree char *title = NULL;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (report->skipped == NULL || report->skipped->len == 0)
    return;
  title = g_strdup_printf (ngettext ("%u file skipped", "%u files skipped", report->skipped->len),
                           report->skipped->len);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->skipped_row), title);
  adw_expander_row_set_subtitle (self->skipped_row, _("Not images, or damaged"));
  /* A few hundred rows stay usable; a folder of thousands of bad files is summed up. */
  for (guint i = 0; i < MIN (report->skipped->len, 200u); i++)
    {
      DataSkippedFile *skipped = g_ptr_array_index (report->skipped, i);
      /* A file name is bytes, a label UTF-8. */
      g_autofree char *name = g_filename_display_basename (skipped->path);
      g_autofree char *path = g_filename_display_name (skipped->path);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), skipped->reason);
      gtk_widget_set_tooltip_text (row, path);
      adw_expander_row_add_row (self->skipped_row, row);
      g_ptr_array_add (self->skipped_rows, row);
    }
}

static void
on_load_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  LoadRequest *request = user_data;
  LabSettingsPanel *self = request->self;
  DataFolderReport report = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DataSet) set = train_dataset_load_finish (result, &report, &error);

  /* A stale load (the folder, size or mode changed, or the panel went away): drop it. */
  if (request->cancellable != self->load_cancellable)
    goto done;

  forget_load (self);
  clear_skipped (self);
  if (set == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_action_row_set_subtitle (self->folder_row, _("Loading cancelled"));
      else
        adw_action_row_set_subtitle (self->folder_row, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->folder_row), "error");
    }
  else
    {
      g_autofree char *classes = g_strjoinv (", ", set->class_names);
      g_autofree char *base = g_path_get_basename (request->path);
      g_autofree char *subtitle = NULL;

      subtitle = g_strdup_printf (ngettext ("%s: %d image in %d classes (%s)",
                                            "%s: %d images in %d classes (%s)", set->count),
                                  base, set->count, set->num_classes, classes);
      if (report.imbalance_warning)
        {
          char *with_warning = g_strdup_printf ("%s. %s", subtitle, report.imbalance_warning);
          g_free (subtitle);
          subtitle = with_warning;
        }
      adw_action_row_set_subtitle (self->folder_row, subtitle);
      gtk_widget_remove_css_class (GTK_WIDGET (self->folder_row), "error");
      g_clear_pointer (&self->folder_set, data_set_unref);
      self->folder_set = g_steal_pointer (&set);
      show_skipped (self, &report);
    }
  lab_settings_panel_changed (self);

done:
  data_folder_report_clear (&report);
  load_request_free (request);
}

void
lab_settings_panel_load_folder (LabSettingsPanel *self,
                                const char       *path)
{
  LoadRequest *request;
  TrainConfig config;

  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));
  g_return_if_fail (path != NULL);

  lab_settings_panel_stop_loading (self);
  g_clear_pointer (&self->folder_set, data_set_unref);
  if (path != self->folder_path)
    {
      g_free (self->folder_path);
      self->folder_path = g_strdup (path);
    }

  /* The run's own settings decide how the folder is read, as they will for the run. */
  train_config_init (&config);
  lab_settings_panel_get_config (self, &config);
  config.data_kind = TRAIN_DATA_FOLDER;
  g_free (config.folder);
  config.folder = g_strdup (path);
  self->folder_size = config.size;
  self->folder_resize = config.resize;

  self->load_cancellable = g_cancellable_new ();
  self->load_notifier = train_notifier_new (NULL, sizeof (TrainLoadProgress));
  train_notifier_set_func (self->load_notifier, on_load_progress, self, NULL);
  request = g_new0 (LoadRequest, 1);
  request->self = g_object_ref (self);
  request->cancellable = g_object_ref (self->load_cancellable);
  request->path = g_strdup (path);
  train_dataset_load_async (&config, self->load_notifier, self->load_cancellable, on_load_done, request);
  train_config_clear (&config);

  gtk_progress_bar_set_fraction (self->load_progress, 0);
  adw_action_row_set_subtitle (self->load_row, "");
  lab_settings_panel_set_data_kind (self, TRAIN_DATA_FOLDER);
  {
    /* A file name need not be UTF-8; a label's text must be. */
    g_autofree char *shown = g_filename_display_name (path);
    adw_action_row_set_subtitle (self->folder_row, shown);
  }
  lab_settings_panel_changed (self);
}

void
lab_settings_panel_reload_if_stale (LabSettingsPanel *self)
{
  TrainConfig config;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (self->folder_path == NULL || lab_settings_panel_get_data_kind (self) != TRAIN_DATA_FOLDER)
    return;
  train_config_init (&config);
  lab_settings_panel_get_config (self, &config);
  if (self->folder_size != config.size || self->folder_resize != config.resize)
    lab_settings_panel_load_folder (self, self->folder_path);
  train_config_clear (&config);
}

static void
on_folder_chosen (GtkNativeDialog  *dialog,
                  int               response,
                  LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path)
        lab_settings_panel_load_folder (self, path);
    }
  g_object_unref (dialog);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  LabSettingsPanel *self = LAB_SETTINGS_PANEL (widget);
  GtkFileChooserNative *dialog;
  GtkRoot *root = gtk_widget_get_root (widget);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  dialog = gtk_file_chooser_native_new (_("Choose a Folder of Images"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_folder_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
cancel_load_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  LabSettingsPanel *self = LAB_SETTINGS_PANEL (widget);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
}

void
lab_settings_panel_class_init_folder (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "settings.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "settings.cancel-load", NULL, cancel_load_action);
}
