/* test_instruments: the learning-rate instruments in the real window, as a user drives
 * them: the schedule's settings show for their kind with a preview and a problem in
 * words; a sweep of two rates with two seeds each joins the window as two groups (members
 * hidden from the charts, under one header in the runs table, a mean with a band on the
 * charts, one verdict each) with a U-curve of two points whose hover fades the other
 * rates; a sweep of one rate is refused with a sentence; the finder suggests a rate and
 * "Use" sets it in the panel. Waits are on the main loop, never on a clock. */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "lab-lr-finder-dialog.h"
#include "lab-schedule-preview.h"
#include "lab-u-curve.h"
#include "lab-window.h"
#include "train_format.h"
#include "ui_test_util.h"

static GtkWidget *
panel_child (LabSettingsPanel *panel,
             const char       *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (panel), LAB_TYPE_SETTINGS_PANEL, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

/* Tiny runs on a few chips: seconds, not minutes. */
static void
tiny_setup (LabSettingsPanel *panel,
            int               epochs)
{
  TrainConfig c;

  train_config_init (&c);
  lab_settings_panel_get_config (panel, &c);
  c.data_kind = TRAIN_DATA_SYNTHETIC;
  c.size = c.synthetic.size = 32;
  c.synthetic.images_per_class = 40;
  g_free (c.model);
  c.model = g_strdup ("tiny");
  c.epochs = epochs;
  c.batch_size = 16;
  c.lr = 1e-3;
  c.augment.flags = 0;
  lab_settings_panel_set_config (panel, &c);
  train_config_clear (&c);
}

static gboolean
row_visible (LabSettingsPanel *panel,
             const char       *spin)
{
  return gtk_widget_get_visible (gtk_widget_get_ancestor (panel_child (panel, spin), ADW_TYPE_ACTION_ROW));
}

static void
test_schedule_panel (void)
{
  LabSettingsPanel *panel = LAB_SETTINGS_PANEL (g_object_ref_sink (lab_settings_panel_new ()));
  LabSchedulePreview *preview = LAB_SCHEDULE_PREVIEW (panel_child (panel, "schedule_preview"));
  GtkWidget *problem = panel_child (panel, "schedule_problem");
  TrainConfig c;
  const double *rates;
  guint n;
  double highest = 0;

  tiny_setup (panel, 10);
  /* Constant: no setting of any other kind shows; the preview is one flat line. */
  g_assert_false (row_visible (panel, "step_every_spin"));
  g_assert_false (row_visible (panel, "onecycle_warmup_spin"));
  rates = lab_schedule_preview_get_rates (preview, &n);
  g_assert_cmpuint (n, ==, 10 * 4);   /* 60 training images in batches of 16 */
  g_assert_cmpfloat (rates[0], ==, 1e-3);
  g_assert_cmpfloat (rates[n - 1], ==, 1e-3);

  /* One-cycle: its three settings show, the curve rises to the rate and falls far below. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (panel_child (panel, "schedule_row")), TRAIN_SCHEDULE_ONE_CYCLE);
  g_assert_true (row_visible (panel, "onecycle_warmup_spin"));
  g_assert_true (row_visible (panel, "onecycle_final_div_spin"));
  g_assert_false (row_visible (panel, "step_every_spin"));
  rates = lab_schedule_preview_get_rates (preview, &n);
  for (guint i = 0; i < n; i++)
    highest = MAX (highest, rates[i]);
  g_assert_cmpfloat_with_epsilon (rates[0], 1e-3 / 25, 1e-12);
  g_assert_cmpfloat (highest, <=, 1e-3);
  g_assert_cmpfloat (highest, >, 0.99e-3);
  g_assert_cmpfloat (rates[n - 1], <, 1e-6);
  train_config_init (&c);
  lab_settings_panel_get_config (panel, &c);
  g_assert_cmpint (c.schedule.kind, ==, TRAIN_SCHEDULE_ONE_CYCLE);
  train_config_clear (&c);

  /* A floor above the rate: the problem in words, under the schedule and on Start. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (panel_child (panel, "schedule_row")), TRAIN_SCHEDULE_COSINE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (panel_child (panel, "cosine_floor_spin")), 0.01);
  g_assert_false (lab_settings_panel_get_valid (panel));
  g_assert_true (gtk_widget_get_visible (problem));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (problem)), "cosine schedule: the floor must be"));
  g_assert_nonnull (strstr (lab_settings_panel_get_problem (panel), "The learning-rate schedule cannot run"));
  lab_schedule_preview_get_rates (preview, &n);
  g_assert_cmpuint (n, ==, 0);   /* nothing to draw */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (panel_child (panel, "cosine_floor_spin")), 1e-5);
  g_assert_true (lab_settings_panel_get_valid (panel));
  g_assert_false (gtk_widget_get_visible (problem));
  g_object_unref (panel);
}

static void
test_sweep_rates (void)
{
  LabSettingsPanel *panel = LAB_SETTINGS_PANEL (g_object_ref_sink (lab_settings_panel_new ()));
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) defaults = lab_settings_panel_dup_sweep_rates (panel, &error);

  /* The seed's decades, 1e-1 ... 1e-6. */
  g_assert_no_error (error);
  g_assert_cmpuint (defaults->len, ==, 6);
  g_assert_cmpfloat (g_array_index (defaults, double, 0), ==, 1e-1);
  g_assert_cmpfloat (g_array_index (defaults, double, 5), ==, 1e-6);
  lab_settings_panel_set_sweep_rates (panel, "1e-3");
  g_assert_null (lab_settings_panel_dup_sweep_rates (panel, &error));
  g_assert_nonnull (strstr (error->message, "list at least two"));
  g_clear_error (&error);
  lab_settings_panel_set_sweep_rates (panel, "1e-3, quick");
  g_assert_null (lab_settings_panel_dup_sweep_rates (panel, &error));
  g_assert_nonnull (strstr (error->message, "'quick' is not a learning rate"));
  g_assert_cmpint (lab_settings_panel_get_n_seeds (panel), ==, 1);
  g_object_unref (panel);
}

/* Three rates, the highest diverged: every point, the cross included, can be pointed at,
 * and the drawing completes. */
static void
test_u_curve (void)
{
  LabUCurve *u = LAB_U_CURVE (g_object_ref_sink (lab_u_curve_new ()));
  const LabUCurvePoint points[] = {
    { .lr = 1e-1, .color = { 1, 0, 0, 1 }, .seeds = 1, .diverged = 1, .best_val_loss = NAN,
      .final_loss = NAN, .best_val_accuracy = NAN },
    { .lr = 1e-5, .color = { 0, 0, 1, 1 }, .seeds = 3, .best_val_loss = 0.69, .best_val_loss_std = 0.01,
      .final_loss = 0.69, .best_val_accuracy = 0.5, .best_val_accuracy_std = 0.01 },
    { .lr = 1e-3, .color = { 0, 1, 0, 1 }, .seeds = 3, .best_val_loss = 0.3, .best_val_loss_std = 0.05,
      .final_loss = 0.1, .best_val_accuracy = 0.9, .best_val_accuracy_std = 0.02 },
  };
  gboolean seen[3] = { FALSE };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 700, 240);
  cairo_t *cr = cairo_create (surface);

  lab_u_curve_set_points (u, points, 3);
  g_assert_cmpuint (lab_u_curve_get_n_points (u), ==, 3);
  for (int y = 0; y < 240; y += 2)
    for (int x = 0; x < 700; x += 2)
      {
        int i = lab_u_curve_pick (u, x, y, 700, 240);
        if (i >= 0)
          seen[i] = TRUE;
      }
  /* Sorted by rate: 1e-5, 1e-3, then the diverged 1e-1. */
  g_assert_true (seen[0] && seen[1] && seen[2]);
  g_assert_cmpint (lab_u_curve_pick (u, 1, 1, 700, 240), ==, -1);
  lab_u_curve_set_hover (u, 2);
  lab_u_curve_draw (u, cr, 700, 240);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_object_unref (u);
}

static gboolean
all_ended (LabWindow *window,
           guint      wanted)
{
  GListModel *runs = lab_window_get_runs (window);

  if (g_list_model_get_n_items (runs) < wanted)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (runs, i);
      TrainStatus status = lab_run_get_progress (run).status;
      if (train_status_is_active (status) || status == TRAIN_STATUS_READY)
        return FALSE;
    }
  return TRUE;
}

static void
test_sweep_with_seeds (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-instruments-XXXXXX", NULL);
  LabWindow *window;
  LabSettingsPanel *panel;
  LabUCurve *u_curve;
  GtkListBox *runs_list;
  GtkLabel *verdict;
  guint headers = 0;

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  window = lab_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  panel = lab_window_get_settings_panel (window);
  u_curve = lab_window_get_u_curve (window);
  runs_list = GTK_LIST_BOX (gtk_widget_get_template_child (GTK_WIDGET (window), LAB_TYPE_WINDOW, "runs_list"));
  verdict = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (window), LAB_TYPE_WINDOW, "verdict_label"));
  tiny_setup (panel, 2);

  /* One rate is no sweep: said, and nothing runs. */
  lab_settings_panel_set_sweep_rates (panel, "1e-3");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.sweep", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (lab_window_get_runs (window)), ==, 0);

  lab_settings_panel_set_sweep_rates (panel, "1e-2, 1e-3");
  lab_settings_panel_set_n_seeds (panel, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.sweep", NULL));
  while (!all_ended (window, 4) || lab_u_curve_get_n_points (u_curve) < 2)
    g_main_context_iteration (NULL, TRUE);
  /* The sweep's end reaches the window after its last run's. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  g_assert_cmpuint (g_list_model_get_n_items (lab_window_get_runs (window)), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (lab_window_get_runs (window), i);
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (runs_list, (int) i);

      /* Members are drawn by their group's mean; the table puts them under its header. */
      g_assert_cmpuint (lab_run_get_group (run), !=, 0);
      g_assert_false (lab_run_get_shown (run));
      headers += gtk_list_box_row_get_header (row) != NULL;
    }
  g_assert_cmpuint (headers, ==, 2);
  g_assert_cmpuint (lab_u_curve_get_n_points (u_curve), ==, 2);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (u_curve)));
  g_assert_nonnull (strstr (gtk_label_get_text (verdict), "lr 1e-2, 2 seeds: "));
  g_assert_nonnull (strstr (gtk_label_get_text (verdict), "lr 1e-3, 2 seeds: "));
  {
    g_autofree char *described = lab_chart_describe_at (lab_window_get_loss_chart (window), 1);
    g_assert_nonnull (strstr (described, "lr 1e-3, 2 seeds"));
  }

  /* Hovering a rate and leaving it again. */
  lab_u_curve_set_hover (u_curve, 1);
  g_assert_cmpint (lab_u_curve_get_hover (u_curve), ==, 1);
  lab_u_curve_set_hover (u_curve, -1);

  lab_settings_panel_set_n_seeds (panel, 1);
  gtk_window_destroy (GTK_WINDOW (window));

  /* The app opened again on the same session: the groups are there as the sweep left them. */
  window = lab_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  lab_window_load_session (window);
  runs_list = GTK_LIST_BOX (gtk_widget_get_template_child (GTK_WIDGET (window), LAB_TYPE_WINDOW, "runs_list"));
  verdict = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (window), LAB_TYPE_WINDOW, "verdict_label"));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (lab_window_get_runs (window)), ==, 4);
  headers = 0;
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (lab_window_get_runs (window), i);
      g_autoptr(LabRun) first = g_list_model_get_item (lab_window_get_runs (window), i & ~1u);
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (runs_list, (int) i);

      g_assert_cmpuint (lab_run_get_group (run), !=, 0);
      g_assert_cmpuint (lab_run_get_group (run), ==, lab_run_get_group (first));
      g_assert_false (lab_run_get_shown (run));
      headers += gtk_list_box_row_get_header (row) != NULL;
    }
  g_assert_cmpuint (headers, ==, 2);
  g_assert_nonnull (strstr (gtk_label_get_text (verdict), "lr 1e-2, 2 seeds: "));
  g_assert_nonnull (strstr (gtk_label_get_text (verdict), "lr 1e-3, 2 seeds: "));
  {
    g_autofree char *described = lab_chart_describe_at (lab_window_get_loss_chart (window), 1);
    g_assert_nonnull (strstr (described, "lr 1e-3, 2 seeds"));
  }

  /* A member resumed for more epochs stays one of its group's seeds: the group's mean
   * goes on with it, and it is not drawn on its own. */
  {
    g_autoptr(LabRun) sibling = g_list_model_get_item (lab_window_get_runs (window), 1);
    AdwMessageDialog *ask;
    LabRun *resumed;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.resume-run", "u", 0));
    ask = ui_test_find_message_dialog ("Train More Epochs?");
    g_assert_nonnull (ask);
    adw_message_dialog_response (ask, "resume");
    resumed = lab_window_get_active_run (window);
    g_assert_nonnull (resumed);
    while (train_status_is_active (lab_run_get_progress (resumed).status))
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (lab_run_get_progress (resumed).status, ==, TRAIN_STATUS_FINISHED);
    g_assert_cmpuint (lab_run_get_group (resumed), !=, 0);
    g_assert_cmpuint (lab_run_get_group (resumed), ==, lab_run_get_group (sibling));
    g_assert_false (lab_run_get_shown (resumed));
    g_assert_nonnull (strstr (gtk_label_get_text (verdict), "lr 1e-2, 2 seeds: "));
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
on_chosen (LabLrFinderDialog *dialog,
           double             lr,
           double            *chosen)
{
  *chosen = lr;
}

static void
test_finder (void)
{
  g_autofree char *session = g_dir_make_tmp ("lrlab-finder-XXXXXX", NULL);
  LabWindow *window;
  LabLrFinderDialog *dialog = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();
  TrainConfig c;
  double chosen = NAN, suggestion;

  g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
  window = lab_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  tiny_setup (lab_window_get_settings_panel (window), 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.find-lr", NULL));
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);
      if (LAB_IS_LR_FINDER_DIALOG (item))
        dialog = LAB_LR_FINDER_DIALOG (item);
    }
  g_assert_nonnull (dialog);
  while (lab_lr_finder_dialog_get_running (dialog))
    g_main_context_iteration (NULL, TRUE);
  suggestion = lab_lr_finder_dialog_get_suggestion (dialog);
  g_assert_true (isfinite (suggestion));
  /* The finder trained nothing that stays. */
  g_assert_cmpuint (g_list_model_get_n_items (lab_window_get_runs (window)), ==, 0);
  g_signal_connect (dialog, "rate-chosen", G_CALLBACK (on_chosen), &chosen);
  g_signal_emit_by_name (dialog, "rate-chosen", suggestion);
  g_assert_cmpfloat (chosen, ==, suggestion);
  train_config_init (&c);
  lab_settings_panel_get_config (lab_window_get_settings_panel (window), &c);
  /* The panel keeps three significant digits of a rate. */
  g_assert_cmpfloat (fabs (c.lr / suggestion - 1), <, 5e-3);
  train_config_clear (&c);

  /* A guess (the loss barely fell) stays usable, but the button says so; a clear result
   * gets the plain label back. */
  {
    GtkButton *use = GTK_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (dialog), LAB_TYPE_LR_FINDER_DIALOG,
                                                                "use_button"));
    GtkLabel *result_label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                       LAB_TYPE_LR_FINDER_DIALOG, "result_label"));
    TrainLrFinderOptions o = train_lr_finder_options_default ();
    TrainLrFinderResult r;
    g_autofree char *rate = NULL;
    g_autofree char *expected = NULL;

    for (int clear = 0; clear < 2; clear++)
      {
        train_lr_finder_result_init (&r);
        r.steps = 100;
        for (int i = 0; i < 100; i++)
          {
            /* At chance with a 0.3% dip, or a real fall from step 40 to 70. */
            double loss = clear ? (i <= 40 ? 0.6931 : i <= 70 ? 0.6931 - 0.0164 * (i - 40) : 0.2 * pow (1.1, i - 70))
                                : (i < 90 ? 0.6931 - (i > 60 ? 0.0001 * (i - 60) : 0) : 0.69 * pow (1.5, i - 89));
            TrainLrFinderPoint p = { train_lr_finder_rate (&o, i), loss, loss };
            g_array_append_val (r.points, p);
          }
        train_lr_finder_suggest ((const TrainLrFinderPoint *) (gpointer) r.points->data, 100, 100, &r.suggestion,
                                 &r.message);
        g_assert_true (r.suggestion.found);
        g_assert_cmpint (r.suggestion.clear, ==, clear);
        lab_lr_finder_dialog_show_result (dialog, &r);
        g_clear_pointer (&rate, g_free);
        g_clear_pointer (&expected, g_free);
        rate = train_format_lr (r.suggestion.valley_lr);
        expected = g_strdup_printf (clear ? "_Use %s" : "Use _Anyway (%s)", rate);
        g_assert_cmpstr (gtk_button_get_label (use), ==, expected);
        g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (use)));
        g_assert_cmpint (gtk_widget_has_css_class (GTK_WIDGET (use), "suggested-action"), ==, clear);
        /* The warning stays above the rate. */
        g_assert_cmpint (strstr (gtk_label_get_text (result_label), "is a guess") != NULL, ==, !clear);
        g_assert_cmpfloat (lab_lr_finder_dialog_get_suggestion (dialog), ==, r.suggestion.lr);
        train_lr_finder_result_clear (&r);
      }
  }
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/instruments/schedule-panel", test_schedule_panel);
  g_test_add_func ("/ui/instruments/sweep-rates", test_sweep_rates);
  g_test_add_func ("/ui/instruments/u-curve", test_u_curve);
  g_test_add_func ("/ui/instruments/sweep-with-seeds", test_sweep_with_seeds);
  g_test_add_func ("/ui/instruments/finder", test_finder);
  return g_test_run ();
}
