/* test_window_e2e: drives the real window the way a user does: a tiny run on small
 * synthetic chips, pause, resume, stop, a second run with another learning rate; both
 * stay in the charts and the runs table, and a reopened window finds them in the session.
 * Closing mid-run asks, then stops the runs without blocking and goes when they ended.
 * Waits are on the main loop (until the run reports), never on a clock. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lab-application.h"
#include "lab-augment-page.h"
#include "lab-mistakes-page.h"
#include "lab-run-row.h"
#include "lab-window.h"
#include "nn_blas_core.h"
#include "train_session.h"
#include "ui_test_util.h"

static GObject *
window_child (LabWindow  *window,
              const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (window), LAB_TYPE_WINDOW, name);

  g_assert_nonnull (object);
  return object;
}

static void
configure (LabWindow *window,
           int        epochs,
           double     lr)
{
  LabSettingsPanel *panel = lab_window_get_settings_panel (window);
  TrainConfig config;

  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  config.data_kind = TRAIN_DATA_SYNTHETIC;
  config.size = 32;
  config.synthetic.size = 32;
  config.synthetic.images_per_class = 40;
  config.synthetic.difficulty = 0.3;
  g_free (config.model);
  config.model = g_strdup ("tiny");
  config.epochs = epochs;
  config.batch_size = 16;
  config.lr = lr;
  config.seed = 3;
  config.augment.flags = 0;
  lab_settings_panel_set_config (panel, &config);
  train_config_clear (&config);
}

static guint
n_epochs (LabRun *run)
{
  guint n;

  lab_run_get_epochs (run, &n);
  return n;
}

static void
wait_for_epochs (LabRun *run,
                 guint   wanted)
{
  while (n_epochs (run) < wanted && train_status_is_active (lab_run_get_progress (run).status))
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_for_status (LabRun      *run,
                 TrainStatus  status)
{
  while (lab_run_get_progress (run).status != status &&
         (train_status_is_active (lab_run_get_progress (run).status) || status == TRAIN_STATUS_PAUSED))
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_until_done (LabRun *run)
{
  while (train_status_is_active (lab_run_get_progress (run).status))
    g_main_context_iteration (NULL, TRUE);
}

/* The loss chart's curves of run hold every epoch and batch of its record, in order: the
 * window feeds only what is new at each notify, and nothing may go missing. */
static void
assert_charts_hold_record (LabWindow *window,
                           LabRun    *run)
{
  LabChart *chart = lab_window_get_loss_chart (window);
  guint id = lab_run_get_chart_id (run, 0), n_epochs_shown, n_batches_shown, n_val_shown, n, nb;
  const TrainEpoch *epochs = lab_run_get_epochs (run, &n);
  const TrainBatchPoint *batches = lab_run_get_batches (run, &nb);
  const LabChartPoint *train = lab_chart_get_run_points (chart, id, LAB_CHART_CURVE_TRAIN, &n_epochs_shown);
  const LabChartPoint *val = lab_chart_get_run_points (chart, id, LAB_CHART_CURVE_VAL, &n_val_shown);
  const LabChartPoint *batch = lab_chart_get_run_points (chart, id, LAB_CHART_CURVE_BATCH, &n_batches_shown);
  double seconds = 0;

  g_assert_cmpuint (n_epochs_shown, ==, n);
  g_assert_cmpuint (n_val_shown, ==, n);
  g_assert_cmpuint (n_batches_shown, ==, nb);
  for (guint i = 0; i < n; i++)
    {
      seconds += epochs[i].seconds;
      g_assert_cmpfloat (train[i].epoch, ==, epochs[i].epoch + 1);
      g_assert_cmpfloat (train[i].value, ==, epochs[i].loss);
      g_assert_cmpfloat (val[i].value, ==, epochs[i].val_loss);
      g_assert_cmpfloat_with_epsilon (train[i].seconds, seconds, 1e-9);
    }
  for (guint i = 0; i < nb; i++)
    {
      g_assert_cmpfloat (batch[i].value, ==, batches[i].loss);
      g_assert_cmpfloat (batch[i].seconds, ==, batches[i].elapsed);
    }
}

static void
test_two_runs (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-e2e-XXXXXX", NULL);
  LabWindow *window;
  LabRun *first, *second;
  GtkListBox *runs_list;
  TrainConfig expected;
  const TrainConfig *received;
  guint epochs_when_stopped;

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  window = lab_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  runs_list = GTK_LIST_BOX (window_child (window, "runs_list"));

  /* Run 1: long enough to pause, resume and stop it on the way. */
  configure (window, 40, 1e-3);
  train_config_init (&expected);
  lab_settings_panel_get_config (lab_window_get_settings_panel (window), &expected);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL));
  first = lab_window_get_active_run (window);
  g_assert_nonnull (first);
  g_object_ref (first);

  /* The run receives exactly what the panel shows. */
  received = train_run_get_config (lab_run_get_train_run (first));
  g_assert_cmpstr (received->model, ==, "tiny");
  g_assert_cmpint (received->size, ==, 32);
  g_assert_cmpint (received->epochs, ==, 40);
  g_assert_cmpint (received->batch_size, ==, 16);
  g_assert_cmpfloat_with_epsilon (received->lr, expected.lr, 1e-12);
  g_assert_cmpint (received->synthetic.images_per_class, ==, 40);
  g_assert_cmpuint (received->seed, ==, 3);
  train_config_clear (&expected);

  wait_for_epochs (first, 2);
  g_assert_cmpuint (n_epochs (first), >=, 2);

  /* Charts and table follow. */
  g_assert_cmpuint (lab_chart_get_n_runs (lab_window_get_loss_chart (window)), ==, 1);
  g_assert_cmpuint (lab_chart_get_n_runs (lab_window_get_accuracy_chart (window)), ==, 1);
  {
    g_autofree char *hover = lab_chart_describe_at (lab_window_get_loss_chart (window), 1.0);
    g_assert_nonnull (hover);
    g_assert_cmpstr (hover, !=, "");
  }
  {
    GtkListBoxRow *row = gtk_list_box_get_row_at_index (runs_list, 0);
    g_assert_true (LAB_IS_RUN_ROW (row));
    g_assert_true (lab_run_row_get_run (LAB_RUN_ROW (row)) == first);
  }

  /* Pause, then resume. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pause", NULL));
  wait_for_status (first, TRAIN_STATUS_PAUSED);
  g_assert_cmpint (lab_run_get_progress (first).status, ==, TRAIN_STATUS_PAUSED);
  g_assert_cmpstr (lab_run_get_status_text (first), ==, "paused");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pause", NULL));
  wait_for_status (first, TRAIN_STATUS_RUNNING);
  g_assert_cmpint (lab_run_get_progress (first).status, ==, TRAIN_STATUS_RUNNING);

  /* Stop keeps the finished epochs. */
  wait_for_epochs (first, 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL));
  wait_until_done (first);
  g_assert_cmpint (lab_run_get_progress (first).status, ==, TRAIN_STATUS_STOPPED);
  epochs_when_stopped = n_epochs (first);
  g_assert_cmpuint (epochs_when_stopped, >=, 3);
  g_assert_cmpuint (epochs_when_stopped, <, 40);

  /* Run 2: another learning rate makes a new run; the first stays for comparison. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (lab_window_get_settings_panel (window)),
                                             "settings.lr", "d", -2.0));
  {
    TrainConfig config;
    train_config_init (&config);
    lab_settings_panel_get_config (lab_window_get_settings_panel (window), &config);
    config.epochs = 2;
    lab_settings_panel_set_config (lab_window_get_settings_panel (window), &config);
    train_config_clear (&config);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL));
  second = lab_window_get_active_run (window);
  g_assert_true (second != first);
  g_object_ref (second);
  g_assert_cmpfloat_with_epsilon (train_run_get_config (lab_run_get_train_run (second))->lr, 1e-2, 1e-12);
  wait_until_done (second);
  g_assert_cmpint (lab_run_get_progress (second).status, ==, TRAIN_STATUS_FINISHED);
  g_assert_cmpuint (n_epochs (second), ==, 2);

  g_assert_cmpuint (g_list_model_get_n_items (lab_window_get_runs (window)), ==, 2);
  g_assert_cmpuint (lab_chart_get_n_runs (lab_window_get_loss_chart (window)), ==, 2);
  g_assert_cmpuint (lab_chart_get_n_runs (lab_window_get_accuracy_chart (window)), ==, 2);
  g_assert_nonnull (gtk_list_box_get_row_at_index (runs_list, 1));
  g_assert_cmpuint (n_epochs (first), ==, epochs_when_stopped);
  /* The charts got each run's whole record, one notify's news at a time. */
  assert_charts_hold_record (window, first);
  assert_charts_hold_record (window, second);
  /* Each run keeps its own colour; legends say what differs. */
  g_assert_false (gdk_rgba_equal (lab_run_get_color (first), lab_run_get_color (second)));
  g_assert_nonnull (strstr (lab_run_get_label (first), "lr"));
  g_assert_nonnull (strstr (lab_run_get_label (second), "lr"));

  /* Hiding a run hides it on both charts. */
  lab_run_set_shown (first, FALSE);
  g_assert_false (lab_chart_get_run_visible (lab_window_get_loss_chart (window), lab_run_get_chart_id (first, 0)));
  g_assert_false (lab_chart_get_run_visible (lab_window_get_accuracy_chart (window), lab_run_get_chart_id (first, 1)));
  lab_run_set_shown (first, TRUE);

  /* The mistakes page counts every validation image of the selected run's last epoch. */
  {
    LabMistakesPage *mistakes = LAB_MISTAKES_PAGE (window_child (window, "mistakes_page"));
    int n_val = 0;
    guint total = 0;

    train_run_get_val_indices (lab_run_get_train_run (second), &n_val);
    lab_mistakes_page_select_run (mistakes, second);
    lab_mistakes_page_set_epoch (mistakes, 2);
    for (int t = 0; t < 2; t++)
      for (int p = 0; p < 2; p++)
        total += lab_mistakes_page_get_confusion (mistakes, t, p);
    g_assert_cmpint (n_val, >, 0);
    g_assert_cmpuint (total, ==, (guint) n_val);
    g_assert_cmpuint (lab_mistakes_page_get_n_shown (mistakes), ==,
                      lab_mistakes_page_get_confusion (mistakes, 0, 1) +
                      lab_mistakes_page_get_confusion (mistakes, 1, 0));
    /* A cell filters the grid to its images. */
    lab_mistakes_page_set_filter (mistakes, 0, 1);
    g_assert_cmpuint (lab_mistakes_page_get_n_shown (mistakes), ==, lab_mistakes_page_get_confusion (mistakes, 0, 1));
  }

  /* Exports: both charts as PNG and SVG, every epoch of both runs as CSV. */
  {
    g_autofree char *png = g_build_filename (session, "curves.png", NULL);
    g_autofree char *svg = g_build_filename (session, "curves.svg", NULL);
    g_autofree char *csv = g_build_filename (session, "runs.csv", NULL);
    g_autofree char *accuracy = NULL;
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (lab_window_export_charts (window, png, &accuracy, &error));
    g_assert_no_error (error);
    g_assert_true (g_str_has_suffix (accuracy, "curves-accuracy.png"));
    g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (accuracy, G_FILE_TEST_IS_REGULAR));
    g_assert_true (lab_window_export_charts (window, svg, NULL, &error));
    g_assert_true (lab_window_export_csv (window, csv, &error));
    g_assert_true (g_file_get_contents (csv, &contents, NULL, NULL));
    lines = g_strsplit (g_strstrip (contents), "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 1 + epochs_when_stopped + 2);
    g_assert_true (g_str_has_prefix (lines[0], "run,label,epoch,accuracy,loss,val_accuracy,val_loss"));
  }

  /* Save Session copies every run's folder; the copy reads back as a session. */
  {
    g_autofree char *copy = g_dir_make_tmp ("lrlab-copy-XXXXXX", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(TrainSession) saved = NULL;

    g_assert_true (lab_window_save_session_to (window, copy, &error));
    g_assert_no_error (error);
    saved = train_session_load (copy, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (saved->runs->len, ==, 2);
    g_assert_cmpuint (saved->problems->len, ==, 0);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (first);
  g_object_unref (second);

  /* Reopening finds both runs with their curves; a corrupt folder is skipped. */
  {
    g_autofree char *bad = g_build_filename (session, "run-999", NULL);
    g_autofree char *bad_config = g_build_filename (bad, "config.ini", NULL);
    LabRun *loaded;

    g_mkdir_with_parents (bad, 0755);
    g_file_set_contents (bad_config, "this is not a key file", -1, NULL);

    window = lab_window_new (NULL);
    lab_window_load_session (window);
    g_assert_cmpuint (g_list_model_get_n_items (lab_window_get_runs (window)), ==, 2);
    g_assert_cmpuint (lab_chart_get_n_runs (lab_window_get_loss_chart (window)), ==, 2);
    loaded = g_list_model_get_item (lab_window_get_runs (window), 0);
    g_assert_cmpuint (n_epochs (loaded), ==, epochs_when_stopped);
    g_object_unref (loaded);
    loaded = g_list_model_get_item (lab_window_get_runs (window), 1);
    g_assert_cmpuint (n_epochs (loaded), ==, 2);
    g_object_unref (loaded);
    gtk_window_destroy (GTK_WINDOW (window));
  }
}

/* The "Stop Training?" dialog the window shows when it is closed mid-run: answered as the
 * user would, then gone. */
static void
answer_close_dialog (LabWindow  *window,
                     const char *response)
{
  AdwMessageDialog *dialog = ui_test_find_message_dialog ("Stop Training?");

  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

static void
test_close_and_delete (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-e2e-XXXXXX", NULL);
  LabWindow *window;
  LabRun *run;
  g_autofree char *dir = NULL;

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  window = lab_window_new (NULL);
  g_object_ref (window);
  gtk_window_present (GTK_WINDOW (window));
  configure (window, 40, 1e-3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL));
  run = g_object_ref (lab_window_get_active_run (window));
  wait_for_epochs (run, 1);
  dir = g_strdup (train_run_get_output_dir (lab_run_get_train_run (run)));
  g_assert_nonnull (dir);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  /* Closing while a run trains asks first: the window stays. */
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (train_status_is_active (train_run_get_status (lab_run_get_train_run (run))));
  /* "Keep Training" keeps it training, in a window that still takes input. */
  answer_close_dialog (window, "cancel");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (window)));
  g_assert_true (train_status_is_active (train_run_get_status (lab_run_get_train_run (run))));

  /* Deleting a run removes it everywhere, its folder included. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-run", "u", 0));
  g_assert_cmpuint (g_list_model_get_n_items (lab_window_get_runs (window)), ==, 0);
  g_assert_cmpuint (lab_chart_get_n_runs (lab_window_get_loss_chart (window)), ==, 0);
  g_assert_null (lab_window_get_active_run (window));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  /* Nothing trains now: the window closes without asking. */
  gtk_window_close (GTK_WINDOW (window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_object_unref (run);
  g_object_unref (window);
}

/* "Stop and Close" mid-epoch: the close returns to the main loop at once, the window waits
 * (insensitive, saying so) while the worker finishes its batch, then goes; every epoch the
 * run had finished is in its folder. */
static void
test_close_while_training (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-e2e-XXXXXX", NULL);
  LabWindow *window;
  LabRun *run;
  GtkLabel *status_label;
  g_autofree char *dir = NULL;
  g_autoptr(TrainRun) reloaded = NULL;
  g_autoptr(GArray) saved = NULL;
  g_autoptr(GError) error = NULL;
  guint shown_epochs, n_batches_before, n_batches_after;

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  window = lab_window_new (NULL);
  g_object_ref (window);
  gtk_window_present (GTK_WINDOW (window));
  status_label = GTK_LABEL (window_child (window, "status_label"));
  configure (window, 40, 1e-3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL));
  run = g_object_ref (lab_window_get_active_run (window));
  wait_for_epochs (run, 2);
  dir = g_strdup (train_run_get_output_dir (lab_run_get_train_run (run)));

  gtk_window_close (GTK_WINDOW (window));
  lab_run_get_batches (run, &n_batches_before);
  answer_close_dialog (window, "stop");

  /* Back on the main loop before the worker's end has reached it. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (window)));
  g_assert_true (train_status_is_active (lab_run_get_progress (run).status));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (status_label), "Stopping"));
  /* Nothing can start a run the close would then have to wait for. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (lab_window_get_active_run (window) == run);
  g_assert_cmpuint (g_list_model_get_n_items (lab_window_get_runs (window)), ==, 1);

  /* The window goes when the run reports that it has stopped, and not before. */
  while (gtk_widget_get_visible (GTK_WIDGET (window)))
    {
      g_assert_true (g_str_has_prefix (gtk_label_get_text (status_label), "Stopping"));
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpint (lab_run_get_progress (run).status, ==, TRAIN_STATUS_STOPPED);
  g_assert_false (train_status_is_active (train_run_get_status (lab_run_get_train_run (run))));
  /* Batches trained while it stopped still reached the charts' record. */
  lab_run_get_batches (run, &n_batches_after);
  g_assert_cmpuint (n_batches_after, >=, n_batches_before);

  /* No finished epoch is lost: the folder holds every epoch the window had shown. */
  lab_run_get_epochs (run, &shown_epochs);
  g_assert_cmpuint (shown_epochs, >=, 2);
  reloaded = train_run_load (dir, &error);
  g_assert_no_error (error);
  saved = train_run_dup_epochs (reloaded);
  g_assert_cmpuint (saved->len, ==, shown_epochs);
  g_assert_cmpint (train_run_get_status (reloaded), ==, TRAIN_STATUS_STOPPED);

  g_object_unref (run);
  g_object_unref (window);
}

static gboolean
same_pixels (GdkTexture *a,
             GdkTexture *b)
{
  int width = gdk_texture_get_width (a);
  int height = gdk_texture_get_height (a);
  gsize size = (gsize) width * height * 4;
  g_autofree guint8 *pixels_a = g_malloc (size);
  g_autofree guint8 *pixels_b = g_malloc (size);

  if (gdk_texture_get_width (b) != width || gdk_texture_get_height (b) != height)
    return FALSE;
  gdk_texture_download (a, pixels_a, (gsize) width * 4);
  gdk_texture_download (b, pixels_b, (gsize) width * 4);
  return memcmp (pixels_a, pixels_b, size) == 0;
}

static void
test_augmentation_preview (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-e2e-XXXXXX", NULL);
  LabWindow *window;
  LabAugmentPage *page;
  TrainConfig config;
  GdkPaintable *original, *variant_off, *variant_on;

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  window = lab_window_new (NULL);
  page = LAB_AUGMENT_PAGE (window_child (window, "augment_page"));
  configure (window, 2, 1e-3);

  original = lab_augment_page_get_cell (page, 0, 0);
  /* Held, so that a redraw cannot free it and hand its address to the new texture. */
  variant_off = g_object_ref (lab_augment_page_get_cell (page, 0, 1));
  g_assert_nonnull (original);
  g_assert_nonnull (variant_off);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (original), >=, 32);

  /* Switching an augmentation on redraws the variants at once. */
  train_config_init (&config);
  lab_settings_panel_get_config (lab_window_get_settings_panel (window), &config);
  config.augment.flags = DATA_AUGMENT_NOISE;
  config.augment.strength[6] = 1.0f;
  lab_settings_panel_set_config (lab_window_get_settings_panel (window), &config);
  train_config_clear (&config);
  variant_on = lab_augment_page_get_cell (page, 0, 1);
  g_assert_true (variant_on != variant_off);
  /* And it shows other pixels: the noise is drawn, not only a new texture made. */
  g_assert_false (same_pixels (GDK_TEXTURE (variant_on), GDK_TEXTURE (variant_off)));
  g_object_unref (variant_off);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  int *done = user_data;
  g_autoptr(GError) error = NULL;

  *done = g_task_propagate_boolean (G_TASK (result), &error) ? 1 : -1;
  g_assert_no_error (error);
}

/* Beyond this machine: a CSV history imported as a run of the session, shown at once; the
 * settings written as a PyTorch project; a run's model exported as ONNX, and the ONNX
 * export refused in words while no run has a model. */
static void
test_export_and_import (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-e2e-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (session, "..", "lrlab-e2e-history.csv", NULL);
  g_autofree char *project = g_build_filename (session, "project", NULL);
  g_autofree char *train_py = g_build_filename (project, "train.py", NULL);
  g_autofree char *onnx = g_build_filename (session, "model.onnx", NULL);
  g_autoptr(GError) error = NULL;
  LabWindow *window;
  LabRun *run;
  guint n = 0;
  int done = 0;

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  window = lab_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_false (lab_window_export_onnx (window, onnx, &error));
  g_assert_nonnull (strstr (error->message, "No run has a model yet"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (csv, "epoch,accuracy,loss,val_accuracy,val_loss\n"
                                           "0,0.5,0.9,0.55,0.8\n1,0.6,0.7,0.6,0.75\n", -1, NULL));
  g_assert_true (lab_window_import (window, csv, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (lab_chart_get_n_runs (lab_window_get_loss_chart (window)), ==, 1);
  g_assert_cmpint (g_unlink (csv), ==, 0);
  g_assert_false (lab_window_import (window, csv, &n, &error));   /* gone: said, not a crash */
  g_clear_error (&error);

  configure (window, 1, 1e-3);
  g_assert_true (lab_window_export_pytorch (window, project, on_exported, &done, &error));
  while (done == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (done, ==, 1);
  g_assert_true (g_file_test (train_py, G_FILE_TEST_IS_REGULAR));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL));
  run = lab_window_get_active_run (window);
  wait_until_done (run);
  g_assert_true (lab_window_export_onnx (window, onnx, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (onnx, G_FILE_TEST_IS_REGULAR));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The About window's debug information names the BLAS kernels this process runs on and
 * the versions a bug report needs. */
static void
test_debug_info (void)
{
  g_autofree char *info = lab_application_dup_debug_info ();
  g_autofree char *kernels = g_strdup_printf ("OpenBLAS kernels: %s (", nn_blas_core_name ());
  g_autofree char *gtk = g_strdup_printf ("GTK %u.%u.", gtk_get_major_version (),
                                          gtk_get_minor_version ());

  g_test_message ("%s", info);
  g_assert_nonnull (strstr (info, PACKAGE_VERSION));
  g_assert_nonnull (strstr (info, kernels));
  g_assert_nonnull (strstr (info, gtk));
  g_assert_nonnull (strstr (info, "OpenBLAS 0."));
  g_assert_true (g_str_has_suffix (info, "\n"));
}

int
main (int   argc,
      char *argv[])
{
  /* No accessibility bus under xvfb-run: GTK would warn, and warnings fail a test. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/window/two-runs", test_two_runs);
  g_test_add_func ("/ui/window/debug-info", test_debug_info);
  g_test_add_func ("/ui/window/close-and-delete", test_close_and_delete);
  g_test_add_func ("/ui/window/close-while-training", test_close_while_training);
  g_test_add_func ("/ui/window/augmentation-preview", test_augmentation_preview);
  g_test_add_func ("/ui/window/export-and-import", test_export_and_import);
  return g_test_run ();
}
