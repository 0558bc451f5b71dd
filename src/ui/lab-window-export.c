/* lab-window-export: what leaves the window as files: both charts as PNG, SVG or PDF (the
 * charts' own drawing), every run's epochs as one CSV (train_export), a copy of the
 * session's run folders (train_session), the run the settings describe as a PyTorch project
 * (train_export_pytorch), a run's model as ONNX (train_onnx); and what comes in: other
 * tools' logs as runs (train_import). Each behind a file chooser that asks where. */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-chart-export.h"
#include "lab-window-private.h"
#include "train_dataset.h"
#include "train_export.h"
#include "train_export_pytorch.h"
#include "train_import.h"
#include "train_onnx.h"
#include "train_run.h"
#include "train_session.h"

/* The window's file actions ask alike: a modal native chooser, with current_name filled
 * in (NULL: nothing), that calls on_response (self, path) once the user accepts, and only
 * then. The caller adds filters, then shows it; ask_for_path does both for one without. */
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
                  const char           *current_name,
                  ChosenPathFunc        on_response)
{
  GtkFileChooserNative *dialog;

  g_assert (LAB_IS_WINDOW (self));
  g_assert (on_response != NULL);

  dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept_label, _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  if (current_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), current_name);
  g_object_set_data (G_OBJECT (dialog), "lab-on-response", on_response);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_file_chooser_response), self, 0);
  return dialog;
}

static void
ask_for_path (LabWindow            *self,
              const char           *title,
              GtkFileChooserAction  action,
              const char           *accept_label,
              const char           *current_name,
              ChosenPathFunc        on_response)
{
  GtkFileChooserNative *dialog = file_chooser_new (self, title, action, accept_label, current_name,
                                                   on_response);

  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* --- Session copy ----------------------------------------------------------------- */

/* Every run folder (config.ini, history.csv, best.ckpt, predictions.bin) into dir, for a
 * class to hand out or an engineer to keep: the same layout lrlab-train --out writes. */
gboolean
lab_window_save_session_to (LabWindow   *self,
                            const char  *dir,
                            GError     **error)
{
  g_autoptr(GPtrArray) run_dirs = g_ptr_array_new ();
  guint n;

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      const char *run_dir = train_run_get_output_dir (lab_run_get_train_run (run));

      /* A run the session folder could not take has nothing on disk to copy. */
      if (run_dir != NULL && g_file_test (run_dir, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (run_dirs, (gpointer) run_dir);
    }
  g_ptr_array_add (run_dirs, NULL);
  return train_session_copy_runs ((const char *const *) run_dirs->pdata, dir, error);
}

static void
save_session_chosen (LabWindow  *self,
                     const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (lab_window_save_session_to (self, path, &error))
    _lab_window_toast (self, _("Runs saved in %s"), path);
  else
    _lab_window_toast (self, _("The runs could not be saved: %s"), error->message);
}

void
_lab_window_ask_save_session (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  /* Runs already autosave after every epoch; this is a copy to a place of the user's choosing. */
  ask_for_path (self, _("Save Session to a Folder"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                _("_Save"), NULL, save_session_chosen);
}

/* --- Charts ---------------------------------------------------------------------- */

/* "curves.png" -> "curves-accuracy.png": the other charts go beside the first. */
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
  char *paths[LAB_WINDOW_N_CHARTS] = { NULL };
  LabChartFormat format;
  gboolean ok = TRUE;

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!lab_chart_format_from_path (path, &format))
    {
      path = with_ext = g_strconcat (path, ".png", NULL);
      format = LAB_CHART_FORMAT_PNG;
    }
  for (guint c = 0; c < LAB_WINDOW_N_CHARTS && ok; c++)
    {
      paths[c] = sibling_path (path, _lab_window_chart_file_suffix (c));
      ok = lab_chart_export (self->charts[c], paths[c], format, 1200, 800, error);
    }
  if (ok && accuracy_path)
    *accuracy_path = g_strdup (paths[LAB_WINDOW_CHART_ACCURACY]);
  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    g_free (paths[c]);
  return ok;
}

static void
export_charts_chosen (LabWindow  *self,
                      const char *path)
{
  g_autofree char *accuracy_path = NULL;
  g_autoptr(GError) error = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (!lab_window_export_charts (self, path, &accuracy_path, &error))
    _lab_window_toast (self, _("The chart could not be saved: %s"), error->message);
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *base2 = g_path_get_basename (accuracy_path);
      _lab_window_toast (self, _("Saved %s and %s"), base, base2);
    }
}

void
_lab_window_ask_export_charts (LabWindow *self)
{
  GtkFileChooserNative *dialog;
  const char *patterns[][2] = { { "*.png", N_("PNG image") }, { "*.svg", N_("SVG drawing") },
                                { "*.pdf", N_("PDF document") } };

  g_assert (LAB_IS_WINDOW (self));

  dialog = file_chooser_new (self, _("Export Charts"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                             "loss.png", export_charts_chosen);
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      gtk_file_filter_add_pattern (filter, patterns[i][0]);
      gtk_file_filter_set_name (filter, _(patterns[i][1]));
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
    }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* --- CSV ------------------------------------------------------------------------- */

gboolean
lab_window_export_csv (LabWindow   *self,
                       const char  *path,
                       GError     **error)
{
  guint n;
  g_autofree TrainExportRun *runs = NULL;
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  runs = g_new0 (TrainExportRun, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      /* held keeps each run, and so its borrowed strings and epochs, until the file is written. */
      LabRun *run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      guint n_epochs;

      g_ptr_array_add (held, run);
      runs[i].name = lab_run_get_name (run);
      runs[i].label = lab_run_get_label (run);
      runs[i].epochs = lab_run_get_epochs (run, &n_epochs);
      runs[i].n_epochs = n_epochs;
    }
  return train_export_save (path, runs, n, error);
}

static void
export_csv_chosen (LabWindow  *self,
                   const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (!lab_window_export_csv (self, path, &error))
    _lab_window_toast (self, _("The data could not be saved: %s"), error->message);
}

void
_lab_window_ask_export_csv (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  ask_for_path (self, _("Export Data"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), "runs.csv",
                export_csv_chosen);
}

/* --- PyTorch project ------------------------------------------------------------ */

typedef struct {
  TrainConfig  config;
  DataSet     *dataset;   /* the panel's, or NULL: loaded in the thread */
  char        *dir;
} PytorchJob;

static void
pytorch_job_free (gpointer data)
{
  PytorchJob *job = data;

  train_config_clear (&job->config);
  g_clear_pointer (&job->dataset, data_set_unref);
  g_free (job->dir);
  g_free (job);
}

/* Generating the images and writing them as PNG takes seconds: off the main thread. */
static void
export_pytorch_thread (GTask        *task,
                       gpointer      source,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  PytorchJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DataSet) set = job->dataset ? data_set_ref (job->dataset)
                                        : train_dataset_load (&job->config, NULL, NULL, NULL,
                                                              cancellable, &error);

  if (set == NULL || !train_export_pytorch (&job->config, set, job->dir, NULL, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
export_pytorch_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  LabWindow *self = LAB_WINDOW (source);
  PytorchJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    _lab_window_toast (self, _("PyTorch project written to %s: run python3 train.py there"), job->dir);
  else
    _lab_window_toast (self, _("The PyTorch project could not be written: %s"), error->message);
}

gboolean
lab_window_export_pytorch (LabWindow            *self,
                           const char           *dir,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data,
                           GError              **error)
{
  PytorchJob *job;
  g_autoptr(GTask) task = NULL;

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);

  if (!lab_settings_panel_get_valid (self->settings_panel))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           lab_settings_panel_get_problem (self->settings_panel));
      return FALSE;
    }
  job = g_new0 (PytorchJob, 1);
  train_config_init (&job->config);
  lab_settings_panel_get_config (self->settings_panel, &job->config);
  if (!train_config_validate (&job->config, error))
    {
      pytorch_job_free (job);
      return FALSE;
    }
  job->dataset = lab_settings_panel_dup_dataset (self->settings_panel);
  job->dir = g_strdup (dir);
  task = g_task_new (self, NULL, callback ? callback : export_pytorch_done, user_data);
  g_task_set_task_data (task, job, pytorch_job_free);
  g_task_run_in_thread (task, export_pytorch_thread);
  return TRUE;
}

static void
export_pytorch_chosen (LabWindow  *self,
                       const char *path)
{
  g_autoptr(GError) error = NULL;

  if (!lab_window_export_pytorch (self, path, NULL, NULL, &error))
    _lab_window_toast (self, _("The PyTorch project could not be written: %s"), error->message);
  else
    _lab_window_toast (self, _("Writing the PyTorch project…"));
}

void
_lab_window_ask_export_pytorch (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  /* What Start would train now, as a project for python3 train.py or torchrun. */
  ask_for_path (self, _("Export as PyTorch Project (a New or Empty Folder)"),
                GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Export"), NULL, export_pytorch_chosen);
}

/* --- ONNX ------------------------------------------------------------------------ */

/* The model file of the run training now or, else, of the newest run that has one. */
static char *
latest_model_file (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  for (guint k = 0; k <= n; k++)
    {
      g_autoptr(LabRun) run = k == 0 ? (self->active_run ? g_object_ref (self->active_run) : NULL)
                                     : g_list_model_get_item (G_LIST_MODEL (self->runs), n - k);
      const char *dir = run ? train_run_get_output_dir (lab_run_get_train_run (run)) : NULL;
      g_autofree char *path = dir ? g_build_filename (dir, "best.ckpt", NULL) : NULL;

      if (path && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

gboolean
lab_window_export_onnx (LabWindow   *self,
                        const char  *path,
                        GError     **error)
{
  g_autofree char *model = NULL;

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  model = latest_model_file (self);
  if (model == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("No run has a model yet: train a run for an epoch first"));
      return FALSE;
    }
  return train_onnx_export (model, path, error);
}

static void
export_onnx_chosen (LabWindow  *self,
                    const char *path)
{
  g_autoptr(GError) error = NULL;

  if (lab_window_export_onnx (self, path, &error))
    _lab_window_toast (self, _("Model saved as %s"), path);
  else
    _lab_window_toast (self, _("The model could not be exported: %s"), error->message);
}

void
_lab_window_ask_export_onnx (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  ask_for_path (self, _("Export Model as ONNX"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                "model.onnx", export_onnx_chosen);
}

/* --- Import ---------------------------------------------------------------------- */

gboolean
lab_window_import (LabWindow   *self,
                   const char  *path,
                   guint       *n_imported,
                   GError     **error)
{
  g_autofree char *session = train_session_dir ();
  g_auto(GStrv) dirs = NULL;

  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* Into the session, as run folders: they load again at the next start like any run. */
  dirs = train_import_path (path, session, error);
  if (dirs == NULL)
    return FALSE;
  for (guint i = 0; dirs[i]; i++)
    {
      g_autoptr(TrainRun) run = train_run_load (dirs[i], error);

      if (run == NULL)
        return FALSE;
      _lab_window_add_train_run (self, run);
    }
  if (n_imported)
    *n_imported = g_strv_length (dirs);
  _lab_window_update_status (self);
  return TRUE;
}

static void
import_chosen (LabWindow  *self,
               const char *path)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (lab_window_import (self, path, &n, &error))
    _lab_window_toast (self, ngettext ("Imported %u run", "Imported %u runs", n), n);
  else
    _lab_window_toast (self, _("Nothing was imported: %s"), error->message);
}

void
_lab_window_ask_import (LabWindow *self,
                        gboolean   folder)
{
  GtkFileChooserNative *dialog;

  g_assert (LAB_IS_WINDOW (self));

  if (folder)
    dialog = file_chooser_new (self, _("Import TensorBoard Logs"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                               _("_Import"), NULL, import_chosen);
  else
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      dialog = file_chooser_new (self, _("Import a CSV History"), GTK_FILE_CHOOSER_ACTION_OPEN,
                                 _("_Import"), NULL, import_chosen);
      gtk_file_filter_add_pattern (filter, "*.csv");
      gtk_file_filter_add_pattern (filter, "events.out.tfevents.*");
      gtk_file_filter_set_name (filter, _("Training histories (CSV, TensorBoard)"));
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
    }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}
