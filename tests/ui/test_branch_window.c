/* test_branch_window: resume and fork as the app does them. A session whose run was
 * training when the program died opens with the offer to resume it; accepting it ends the
 * run as if it had never stopped. A fork made from the window is named by what differs
 * from its parent and drawn as its branch (the chart draws its curves from the fork epoch
 * on while the parent is shown, the whole curve when it is hidden). A run that overfits is
 * told what to try, with a button that opens the fork dialog at its lowest validation
 * loss. Waits are on the main loop, never on a clock. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>

#include "lab-chart-layer.h"
#include "lab-chart-private.h"
#include "lab-fork-dialog.h"
#include "lab-window.h"
#include "train_history.h"
#include "ui_test_util.h"
#include "../train/train_test_util.h"

static void
tiny_config (TrainConfig *c,
             int          epochs)
{
  test_config_init (c, "c8-p-f32-f2", epochs);
  c->synthetic.images_per_class = 20;
}

static void
wait_until_done (LabRun *run)
{
  while (train_status_is_active (lab_run_get_progress (run).status))
    g_main_context_iteration (NULL, TRUE);
}

/* A run folder as a killed program leaves it: 3 of 6 epochs, status.ini still "running". */
static void
make_interrupted_run (const char *dir)
{
  TrainConfig c;
  g_autofree char *config = g_build_filename (dir, "config.ini", NULL);
  g_autofree char *status = g_build_filename (dir, "status.ini", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  tiny_config (&c, 3);
  {
    g_autoptr(TrainRun) run = train_run_new (&c, NULL);
    train_run_set_output_dir (run, dir);
    test_run_to_end (run);
  }
  /* Planned for 6: a constant rate, so its first 3 epochs are those of a 6-epoch run. */
  c.epochs = 6;
  g_assert_true (train_config_save (&c, config, &error));
  g_assert_true (g_key_file_load_from_file (kf, status, G_KEY_FILE_NONE, &error));
  g_key_file_set_string (kf, "status", "status", "running");
  g_assert_true (g_key_file_save_to_file (kf, status, &error));
  train_config_clear (&c);
}

static void
test_resume_offer_and_fork (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-branch-XXXXXX", NULL);
  g_autofree char *reference = g_dir_make_tmp ("lrlab-branch-ref-XXXXXX", NULL);
  g_autofree char *interrupted = g_build_filename (session, "run-001", NULL);
  TrainConfig c;

  /* The run never interrupted, to compare with. */
  tiny_config (&c, 6);
  {
    g_autoptr(TrainRun) whole = train_run_new (&c, NULL);
    train_run_set_output_dir (whole, reference);
    test_run_to_end (whole);
  }
  make_interrupted_run (interrupted);

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  LabWindow *window = lab_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  lab_window_load_session (window);
  AdwMessageDialog *offer = ui_test_find_message_dialog ("Resume Interrupted Training?");
  g_assert_nonnull (offer);
  adw_message_dialog_response (offer, "resume");
  LabRun *resumed = lab_window_get_active_run (window);
  g_assert_nonnull (resumed);
  wait_until_done (resumed);
  g_assert_cmpint (lab_run_get_progress (resumed).status, ==, TRAIN_STATUS_FINISHED);
  g_autofree char *ref_history = g_build_filename (reference, "history.csv", NULL);
  g_autofree char *run_history = g_build_filename (interrupted, "history.csv", NULL);
  g_autofree char *a = test_history_without_seconds (ref_history);
  g_autofree char *b = test_history_without_seconds (run_history);
  g_assert_cmpstr (a, ==, b);

  /* A fork after epoch 2 at another rate: named by what differs, from when. */
  {
    TrainConfig faster;
    train_config_copy (&faster, train_run_get_config (lab_run_get_train_run (resumed)));
    faster.lr = 1e-2;
    lab_window_fork_run (window, resumed, 2, &faster);
    train_config_clear (&faster);
  }
  LabRun *fork = lab_window_get_active_run (window);
  g_assert_true (fork != resumed);
  wait_until_done (fork);
  g_assert_cmpint (lab_run_get_progress (fork).status, ==, TRAIN_STATUS_FINISHED);
  g_assert_cmpstr (lab_run_get_label (fork), ==, "lr 1e-2 from epoch 2");

  /* Drawn as a branch: its first two epochs are the parent's, drawn once, by the parent. */
  LabChart *chart = lab_window_get_loss_chart (window);
  LabChartRun *child = lab_chart_model_find_run (&chart->model, lab_run_get_chart_id (fork, 0));
  LabChartRun *parent = lab_chart_model_find_run (&chart->model, lab_run_get_chart_id (resumed, 0));
  g_assert_nonnull (child);
  g_assert_cmpuint (child->fork_parent, ==, parent->id);
  g_assert_cmpfloat (child->fork_epoch, ==, 2);
  guint n;
  const LabChartPoint *points = lab_series_get_points (child->series[LAB_CHART_CURVE_VAL], &n);
  g_assert_cmpuint (n, ==, 6);
  g_assert_cmpuint (lab_chart_run_shared_points (&chart->model, child, points, n), ==, 1);
  lab_run_set_shown (resumed, FALSE);
  g_assert_cmpuint (lab_chart_run_shared_points (&chart->model, child, points, n), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  train_config_clear (&c);
  test_rmdir_recursive (session);
  test_rmdir_recursive (reference);
}

/* The dialog's answer is the parent's settings with the changes made in it; an epoch whose
 * checkpoint the ring pruned cannot be chosen; the live form fixes the epoch and asks
 * about the original. */
static void
test_fork_dialog (void)
{
  TrainConfig parent, forked;
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (int));
  const int kept[] = { 3, 6, 7 };

  tiny_config (&parent, 7);
  g_array_append_vals (points, kept, G_N_ELEMENTS (kept));
  LabForkDialog *dialog = lab_fork_dialog_new (NULL, "Run 1", &parent, 7, points, 6, FALSE);
  GObject *lr = gtk_widget_get_template_child (GTK_WIDGET (dialog), LAB_TYPE_FORK_DIALOG, "lr_row");
  GListModel *rates = adw_combo_row_get_model (ADW_COMBO_ROW (lr));
  guint slower = G_MAXUINT;
  for (guint i = 0; i < g_list_model_get_n_items (rates); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (rates), i), "1e-4") == 0)
      slower = i;
  g_assert_cmpuint (slower, !=, G_MAXUINT);
  /* The parent's rate is the one chosen at first. */
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (rates),
                                               adw_combo_row_get_selected (ADW_COMBO_ROW (lr))), ==, "1e-3");
  adw_combo_row_set_selected (ADW_COMBO_ROW (lr), slower);
  train_config_init (&forked);
  lab_fork_dialog_get_config (dialog, &forked);
  g_assert_cmpfloat (forked.lr, ==, 1e-4);
  g_assert_cmpstr (forked.model, ==, parent.model);
  g_assert_cmpint (forked.epochs, ==, 7);
  g_assert_cmpint (lab_fork_dialog_get_epoch (dialog), ==, 6);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "fork"));
  GObject *epoch = gtk_widget_get_template_child (GTK_WIDGET (dialog), LAB_TYPE_FORK_DIALOG, "epoch_spin");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (epoch), 4);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "fork"));
  g_assert_false (lab_fork_dialog_get_keep_parent (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));

  dialog = lab_fork_dialog_new (NULL, "Run 1", &parent, 7, points, 7, TRUE);
  epoch = gtk_widget_get_template_child (GTK_WIDGET (dialog), LAB_TYPE_FORK_DIALOG, "epoch_spin");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (epoch)));
  GObject *keep = gtk_widget_get_template_child (GTK_WIDGET (dialog), LAB_TYPE_FORK_DIALOG, "keep_switch");
  gtk_switch_set_active (GTK_SWITCH (keep), TRUE);
  g_assert_true (lab_fork_dialog_get_keep_parent (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
  train_config_clear (&forked);
  train_config_clear (&parent);
}

/* A window on session, read back as the app opens it. */
static LabWindow *
open_session (const char *session)
{
  LabWindow *window;

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  window = lab_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  lab_window_load_session (window);
  return window;
}

static GObject *
window_child (LabWindow  *window,
              const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (window), LAB_TYPE_WINDOW, name);
}

/* A finished run of 8 epochs in dir whose record overfits: its history rewritten so that
 * the validation loss is lowest at epoch 4, then rises while training falls (offset
 * moves the whole curve, as another seed would). */
static void
make_overfitting_run (const char *dir,
                      const char *name,
                      guint64     seed,
                      double      offset)
{
  g_autofree char *history = g_build_filename (dir, "history.csv", NULL);
  g_autoptr(GError) error = NULL;
  TrainConfig c;

  tiny_config (&c, 8);
  g_free (c.name);
  c.name = g_strdup (name);
  c.seed = seed;
  {
    g_autoptr(TrainRun) run = train_run_new (&c, NULL);
    train_run_set_output_dir (run, dir);
    test_run_to_end (run);
  }
  {
    g_autoptr(GArray) epochs = train_history_load (history, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (epochs->len, ==, 8);
    for (guint i = 0; i < epochs->len; i++)
      {
        TrainEpoch *e = &g_array_index (epochs, TrainEpoch, i);
        e->loss = 0.69 * exp (-0.3 * i) + 0.05 + offset;
        e->val_loss = 0.45 + 0.01 * ((int) i - 3) * ((int) i - 3) + offset;
      }
    g_assert_true (train_history_save (history, (TrainEpoch *) (gpointer) epochs->data, 8, &error));
  }
  train_config_clear (&c);
}

/* A finished run whose record overfits gets the advice line and its button; the button
 * opens the fork dialog at epoch 4, whose checkpoint the run kept. */
static void
test_advice (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-advice-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (session, "run-001", NULL);

  make_overfitting_run (dir, "Run 1", 1, 0);

  LabWindow *window = open_session (session);
  GObject *box = window_child (window, "advice_box");
  GObject *label = window_child (window, "advice_label");
  GObject *button = window_child (window, "advice_button");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (box)));
  /* The tiny network has no dropout layer; weight decay, augmentation and early stopping
   * are off in the test config. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==,
                   "Run 1: lowest validation loss at epoch 4. Continue from there with weight decay or "
                   "augmentation, or start again with a network with dropout, a smaller one or more "
                   "images. Early stopping would have kept those weights.");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (button)));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Continue from Epoch 4…");

  g_signal_emit_by_name (button, "clicked");
  LabForkDialog *fork = NULL;
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);
        if (LAB_IS_FORK_DIALOG (w))
          fork = LAB_FORK_DIALOG (w);
      }
  }
  g_assert_nonnull (fork);
  g_assert_cmpint (lab_fork_dialog_get_epoch (fork), ==, 4);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (fork), "fork"));
  gtk_window_destroy (GTK_WINDOW (fork));

  gtk_window_destroy (GTK_WINDOW (window));
  test_rmdir_recursive (session);
}

/* The same run without the checkpoint of its lowest validation loss (pruned, or an
 * imported run that never had one) is told to start again, with no button to continue. */
static void
test_advice_without_checkpoint (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-advice-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (session, "run-001", NULL);
  g_autofree char *epoch_4 = g_build_filename (dir, "checkpoints", "epoch-0004.ckpt", NULL);
  g_autofree char *best = g_build_filename (dir, "best.ckpt", NULL);

  make_overfitting_run (dir, "Run 1", 1, 0);
  g_assert_cmpint (g_unlink (epoch_4), ==, 0);
  g_unlink (best);   /* whichever epoch it kept: the real run's best, not the rewritten one */

  LabWindow *window = open_session (session);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window_child (window, "advice_box"))));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (window_child (window, "advice_label"))), ==,
                   "Run 1: lowest validation loss at epoch 4. Start again with weight decay or "
                   "augmentation, or with a network with dropout, a smaller one or more images. Early "
                   "stopping would have kept those weights.");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window_child (window, "advice_button"))));

  gtk_window_destroy (GTK_WINDOW (window));
  test_rmdir_recursive (session);
}

/* A group of three seeds that overfits as a group (the mean of its members' curves) is
 * told the cures too, as a group: repeat them, since there are no one weights to
 * continue from, so no button. */
static void
test_group_advice (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-group-advice-XXXXXX", NULL);

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("run-%03d", i + 1);
      g_autofree char *dir = g_build_filename (session, name, NULL);
      g_autofree char *group = g_build_filename (dir, "group.ini", NULL);
      g_autoptr(GKeyFile) kf = g_key_file_new ();
      g_autoptr(GError) error = NULL;

      make_overfitting_run (dir, name, 1 + i, 0.01 * i);
      g_key_file_set_string (kf, "group", "id", "8d3c1b5e-0000-4000-8000-000000000001");
      g_key_file_set_integer (kf, "group", "seeds", 3);
      g_key_file_set_integer (kf, "group", "seed-index", i);
      g_assert_true (g_key_file_save_to_file (kf, group, &error));
    }

  LabWindow *window = open_session (session);
  GObject *box = window_child (window, "advice_box");
  GObject *label = window_child (window, "advice_label");
  GObject *button = window_child (window, "advice_button");
  GObject *verdict = window_child (window, "verdict_label");
  /* The members are hidden: the group's verdict is the line's only one. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (verdict)), ==, "lr 1e-3, 3 seeds: overfitting from epoch 5");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (box)));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==,
                   "lr 1e-3, 3 seeds: lowest mean validation loss at epoch 4. Repeat them with weight decay "
                   "or augmentation, or with a network with dropout, a smaller one or more images. Early "
                   "stopping would have stopped each seed near there.");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (button)));

  gtk_window_destroy (GTK_WINDOW (window));
  test_rmdir_recursive (session);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/ui/branch/resume-offer-and-fork", test_resume_offer_and_fork);
  g_test_add_func ("/ui/branch/fork-dialog", test_fork_dialog);
  g_test_add_func ("/ui/branch/advice", test_advice);
  g_test_add_func ("/ui/branch/advice-without-checkpoint", test_advice_without_checkpoint);
  g_test_add_func ("/ui/branch/group-advice", test_group_advice);
  return g_test_run ();
}
