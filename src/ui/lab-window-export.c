/* lab-window-export: what leaves the window as files: both charts as PNG, SVG or PDF (the
 * charts' own drawing), every run's epochs as one CSV (train_export), and a copy of the
 * session's run folders (train_session), each behind a file chooser that asks where. */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-chart-export.h"
#include "lab-window-private.h"
#include "train_export.h"
#include "train_session.h"

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
  GtkFileChooserNative *dialog;

  g_assert (LAB_IS_WINDOW (self));

  /* Runs already autosave after every epoch; this is a copy to a place of the user's choosing. */
  dialog = file_chooser_new (self, _("Save Session to a Folder"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                             _("_Save"), save_session_chosen);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
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
                             export_charts_chosen);
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
  GtkFileChooserNative *dialog;

  g_assert (LAB_IS_WINDOW (self));

  dialog = file_chooser_new (self, _("Export Data"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                             export_csv_chosen);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "runs.csv");
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}
