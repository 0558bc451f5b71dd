/* test_settings: the settings panel builds the TrainConfig a run receives. Widgets are set
 * the way a user sets them (spin values, switches, the 1e-N buttons, typing a spec) and
 * the config's fields are compared; every row of the table of fields survives the panel;
 * bad and oversized networks must block Start. */
#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "lab-settings-panel.h"
#include "../train/train_test_fields.h"

static GtkWidget *
child (LabSettingsPanel *panel,
       const char       *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (panel), LAB_TYPE_SETTINGS_PANEL, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static LabSettingsPanel *
new_panel (void)
{
  LabSettingsPanel *panel = LAB_SETTINGS_PANEL (lab_settings_panel_new ());

  g_object_ref_sink (panel);
  return panel;
}

static void
test_widgets_to_config (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  TrainConfig config;

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "per_class_spin")), 50);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "difficulty_spin")), 0.7);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "label_noise_spin")), 0.1);
  gtk_switch_set_active (GTK_SWITCH (child (panel, "multiclass_switch")), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "size_spin")), 32);
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (panel, "preset_row")), 2);   /* tiny */
  /* The one-click learning-rate buttons. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "settings.lr", "d", -4.0));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "batch_spin")), 32);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "epochs_spin")), 7);
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (panel, "optimizer_row")), 1);   /* SGD */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "momentum_spin")), 0.8);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "seed_spin")), 42);
  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (child (panel, "dropout_row")), FALSE);
  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (child (panel, "decay_row")), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "decay_spin")), 5e-4);
  gtk_switch_set_active (GTK_SWITCH (child (panel, "decoupled_switch")), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "patience_spin")), 3);

  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  g_assert_cmpint (config.data_kind, ==, TRAIN_DATA_SYNTHETIC);
  g_assert_cmpint (config.synthetic.images_per_class, ==, 50);
  g_assert_cmpfloat_with_epsilon (config.synthetic.difficulty, 0.7, 1e-9);
  g_assert_cmpfloat_with_epsilon (config.synthetic.label_noise, 0.1, 1e-9);
  g_assert_true (config.synthetic.multiclass);
  g_assert_cmpint (config.size, ==, 32);
  g_assert_cmpint (config.synthetic.size, ==, 32);
  g_assert_cmpstr (config.model, ==, "tiny");
  g_assert_cmpfloat_with_epsilon (config.lr, 1e-4, 1e-12);
  g_assert_cmpint (config.batch_size, ==, 32);
  g_assert_cmpint (config.epochs, ==, 7);
  g_assert_cmpint (config.optimizer, ==, NN_OPTIMIZER_SGD);
  g_assert_cmpfloat_with_epsilon (config.momentum, 0.8, 1e-9);
  g_assert_cmpuint (config.seed, ==, 42);
  g_assert_false (config.dropout);
  g_assert_true (config.weight_decay_on);
  g_assert_cmpfloat_with_epsilon (config.weight_decay, 5e-4, 1e-12);
  g_assert_true (config.decoupled);
  g_assert_cmpint (config.early_stop_patience, ==, 3);
  g_assert_cmpuint (config.augment.flags, ==, 0);
  g_assert_true (lab_settings_panel_get_valid (panel));
  g_assert_null (lab_settings_panel_dup_dataset (panel));
  train_config_clear (&config);
}

static void
test_learning_rate_typed (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  GtkSpinButton *spin = GTK_SPIN_BUTTON (child (panel, "lr_spin"));
  TrainConfig config;

  /* Typed as people write it; the spin's scale is logarithmic underneath. */
  gtk_editable_set_text (GTK_EDITABLE (spin), "3e-4");
  gtk_spin_button_update (spin);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin)), ==, "3e-4");
  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  g_assert_cmpfloat_with_epsilon (config.lr, 3e-4, 1e-12);

  /* One step up multiplies by 10^0.1, not adds. */
  gtk_spin_button_spin (spin, GTK_SPIN_STEP_FORWARD, 0);
  lab_settings_panel_get_config (panel, &config);
  g_assert_cmpfloat_with_epsilon (config.lr, 3.78e-4, 1e-6);
  train_config_clear (&config);
}

static void
test_augmentation (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  TrainConfig config, back;

  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  config.augment.flags = DATA_AUGMENT_HFLIP | DATA_AUGMENT_NOISE;
  config.augment.strength[0] = 0.5f;
  config.augment.strength[6] = 0.25f;
  lab_settings_panel_set_config (panel, &config);

  train_config_init (&back);
  lab_settings_panel_get_config (panel, &back);
  g_assert_cmpuint (back.augment.flags, ==, DATA_AUGMENT_HFLIP | DATA_AUGMENT_NOISE);
  g_assert_cmpfloat_with_epsilon (back.augment.strength[0], 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (back.augment.strength[6], 0.25, 1e-6);
  train_config_clear (&config);
  train_config_clear (&back);
}

static void
test_set_config_round_trip (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  TrainConfig config, back;

  train_config_init (&config);
  g_free (config.model);
  config.model = g_strdup ("c8-p-c16-p-f2");
  config.size = 48;
  config.synthetic.size = 48;
  config.synthetic.images_per_class = 120;
  config.lr = 2e-5;
  config.batch_size = 8;
  config.epochs = 12;
  config.optimizer = NN_OPTIMIZER_ADAM;
  config.seed = 7;
  config.dropout = TRUE;
  config.dropout_rate = 0.3;
  config.weight_decay_on = FALSE;
  lab_settings_panel_set_config (panel, &config);

  train_config_init (&back);
  lab_settings_panel_get_config (panel, &back);
  g_assert_cmpstr (back.model, ==, "c8-p-c16-p-f2");
  g_assert_cmpint (back.size, ==, 48);
  g_assert_cmpint (back.synthetic.images_per_class, ==, 120);
  g_assert_cmpfloat_with_epsilon (back.lr, 2e-5, 1e-12);
  g_assert_cmpint (back.batch_size, ==, 8);
  g_assert_cmpint (back.epochs, ==, 12);
  g_assert_cmpuint (back.seed, ==, 7);
  g_assert_true (back.dropout);
  g_assert_cmpfloat_with_epsilon (back.dropout_rate, 0.3, 1e-9);
  g_assert_false (back.weight_decay_on);
  /* A custom spec selects "Custom" in the network row. */
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (child (panel, "preset_row"))), ==, 3);
  train_config_clear (&config);
  train_config_clear (&back);
}

static void
test_bad_spec (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  GtkLabel *estimate = GTK_LABEL (child (panel, "estimate_label"));
  TrainConfig config;

  gtk_editable_set_text (GTK_EDITABLE (child (panel, "spec_row")), "c8-p-f2");
  g_assert_true (lab_settings_panel_get_valid (panel));
  g_assert_nonnull (strstr (gtk_label_get_text (estimate), "parameters"));
  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  g_assert_cmpstr (config.model, ==, "c8-p-f2");
  train_config_clear (&config);

  /* The engine's message names the bad token; Start is blocked with it. */
  gtk_editable_set_text (GTK_EDITABLE (child (panel, "spec_row")), "c8-q12-f2");
  g_assert_false (lab_settings_panel_get_valid (panel));
  g_assert_nonnull (strstr (lab_settings_panel_get_problem (panel), "q12"));
  g_assert_nonnull (strstr (gtk_label_get_text (estimate), "q12"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (estimate), "error"));

  gtk_editable_set_text (GTK_EDITABLE (child (panel, "spec_row")), "c8-p-f2");
  g_assert_true (lab_settings_panel_get_valid (panel));
}

static void
test_too_big (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();

  /* The paper's network on 384-pixel images in batches of 1024 needs far more than 24 GB. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (panel, "preset_row")), 0);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "size_spin")), 384);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "batch_spin")), 1024);
  g_assert_false (lab_settings_panel_get_valid (panel));
  g_assert_nonnull (strstr (lab_settings_panel_get_problem (panel), "Too big"));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "size_spin")), 64);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "batch_spin")), 16);
  g_assert_true (lab_settings_panel_get_valid (panel));
}

static void
test_folder_needs_loading (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();

  adw_combo_row_set_selected (ADW_COMBO_ROW (child (panel, "data_kind_row")), 1);
  g_assert_false (lab_settings_panel_get_valid (panel));
  g_assert_true (gtk_widget_get_visible (child (panel, "folder_row")));
  g_assert_false (gtk_widget_get_visible (child (panel, "per_class_row")));
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (panel, "data_kind_row")), 0);
  g_assert_true (lab_settings_panel_get_valid (panel));
}

/* A class folder needs real images: a few flat-coloured PNGs made with GdkPixbuf. */
static void
write_png (const char *path,
           guint32     rgba)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 40);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_fill (pixbuf, rgba);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
}

static void
test_folder_loads (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  g_autofree char *root = g_dir_make_tmp ("lrlab-folder-XXXXXX", NULL);
  const char *classes[] = { "defect", "good" };
  g_autoptr(DataSet) set = NULL;
  g_autofree char *broken = NULL;
  TrainConfig config;

  for (int c = 0; c < 2; c++)
    {
      g_autofree char *dir = g_build_filename (root, classes[c], NULL);
      g_mkdir_with_parents (dir, 0755);
      for (int i = 0; i < 4; i++)
        {
          g_autofree char *name = g_strdup_printf ("%d.png", i);
          g_autofree char *path = g_build_filename (dir, name, NULL);
          write_png (path, c ? 0x20c020ff : 0xc02020ff);
        }
    }
  broken = g_build_filename (root, "good", "broken.png", NULL);
  g_assert_true (g_file_set_contents (broken, "not a png", -1, NULL));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "size_spin")), 32);
  lab_settings_panel_load_folder (panel, root);
  /* Start waits for the folder. */
  g_assert_false (lab_settings_panel_get_valid (panel));
  while (!lab_settings_panel_get_valid (panel))
    g_main_context_iteration (NULL, TRUE);

  set = lab_settings_panel_dup_dataset (panel);
  g_assert_nonnull (set);
  g_assert_cmpint (set->count, ==, 8);
  g_assert_cmpint (set->num_classes, ==, 2);
  g_assert_cmpint (set->width, ==, 32);
  /* The damaged file is listed, not silently dropped. */
  g_assert_true (gtk_widget_get_visible (child (panel, "skipped_row")));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child (panel, "skipped_row"))), ==,
                   "1 file skipped");

  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  g_assert_cmpint (config.data_kind, ==, TRAIN_DATA_FOLDER);
  g_assert_cmpstr (config.folder, ==, root);
  train_config_clear (&config);
}

static void
test_folder_missing (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  AdwActionRow *row = ADW_ACTION_ROW (child (panel, "folder_row"));

  lab_settings_panel_load_folder (panel, "/nonexistent/lrlab/folder");
  while (gtk_widget_get_visible (child (panel, "load_row")))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (lab_settings_panel_get_valid (panel));
  g_assert_null (lab_settings_panel_dup_dataset (panel));
  /* The loader's message, where the folder was chosen. */
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_cmpstr (adw_action_row_get_subtitle (row), !=, "/nonexistent/lrlab/folder");
}

/* The setup the panel keeps, as config.ini text in one GSettings key. */
static void
get_saved_setup (GSettings   *settings,
                 TrainConfig *config)
{
  g_autofree char *text = g_settings_get_string (settings, "training-setup");
  g_autoptr(GError) error = NULL;

  g_assert_true (train_config_load_data (config, text, "training-setup", &error));
  g_assert_no_error (error);
}

static void
test_gsettings (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  g_autoptr(LabSettingsPanel) reopened = new_panel ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  TrainConfig config, saved;

  /* The schema's default network is a preset, shown as that preset (not "Custom"). */
  g_settings_reset (settings, "training-setup");
  lab_settings_panel_bind_settings (panel, settings);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (child (panel, "preset_row"))), ==, 1);
  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  g_assert_cmpstr (config.model, ==, "small");

  /* Edits are kept for the next start. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (panel, "preset_row")), 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "settings.lr", "d", -5.0));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "epochs_spin")), 11);
  get_saved_setup (settings, &saved);
  g_assert_cmpstr (saved.model, ==, "tiny");
  g_assert_cmpfloat_with_epsilon (saved.lr, 1e-5, 1e-15);
  g_assert_cmpint (saved.epochs, ==, 11);
  train_config_clear (&saved);

  /* ... and the next start shows them; augmentation is switched on for a run only. */
  gtk_switch_set_active (GTK_SWITCH (child (panel, "decoupled_switch")), TRUE);
  train_config_clear (&config);
  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  config.augment.flags = DATA_AUGMENT_HFLIP;
  lab_settings_panel_set_config (panel, &config);
  lab_settings_panel_bind_settings (reopened, settings);
  train_config_clear (&config);
  train_config_init (&config);
  lab_settings_panel_get_config (reopened, &config);
  g_assert_cmpstr (config.model, ==, "tiny");
  g_assert_cmpfloat_with_epsilon (config.lr, 1e-5, 1e-15);
  g_assert_cmpint (config.epochs, ==, 11);
  g_assert_true (config.decoupled);
  g_assert_cmpuint (config.augment.flags, ==, 0);
  train_config_clear (&config);
}

/* Every setting the table holds goes into the panel and comes back out unchanged: those
 * with a widget through it, the others (data and split seeds, threads, ...) kept aside. */
static void
test_every_field_round_trips (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  TrainConfig config, back;
  const TrainField *lost;

  test_config_init_other (&config);
  lab_settings_panel_set_config (panel, &config);
  train_config_init (&back);
  lab_settings_panel_get_config (panel, &back);
  lost = test_config_first_difference (&config, &back);
  if (lost)
    g_error ("[%s] %s did not survive the panel", lost->group, lost->key);
  train_config_clear (&config);
  train_config_clear (&back);

  /* And the defaults, as a fresh panel shows them. */
  train_config_init (&config);
  train_config_init (&back);
  lab_settings_panel_get_config (panel, &back);
  g_clear_object (&panel);
  panel = new_panel ();
  lab_settings_panel_get_config (panel, &back);
  lost = test_config_first_difference (&config, &back);
  if (lost)
    g_error ("[%s] %s: a new panel does not show the default", lost->group, lost->key);
  train_config_clear (&config);
  train_config_clear (&back);
}

/* The widgets take their ranges from the table: what a user can enter is valid. */
static void
test_ranges_from_the_table (void)
{
  static const struct { const char *key, *widget; } spins[] = {
    { "size", "size_spin" }, { "epochs", "epochs_spin" }, { "batch-size", "batch_spin" },
    { "images-per-class", "per_class_spin" }, { "early-stop-patience", "patience_spin" },
    { "difficulty", "difficulty_spin" }, { "weight-decay", "decay_spin" },
  };
  g_autoptr(LabSettingsPanel) panel = new_panel ();

  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    {
      const TrainField *field = train_field_find (spins[i].key);
      double lower, upper;

      gtk_spin_button_get_range (GTK_SPIN_BUTTON (child (panel, spins[i].widget)), &lower, &upper);
      g_assert_cmpfloat (lower, ==, field->min);
      g_assert_cmpfloat (upper, ==, field->max);
    }
  /* An open end stops one shown digit inside: momentum is below 1. */
  {
    double lower, upper;
    gtk_spin_button_get_range (GTK_SPIN_BUTTON (child (panel, "momentum_spin")), &lower, &upper);
    g_assert_cmpfloat (upper, <, 1);
    g_assert_cmpfloat (upper, >=, 0.999 - 1e-12);
  }
}

/* The resize mode: a combo row under Dataset for folders, in the table's word order. */
static void
test_resize_mode (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  AdwComboRow *row = ADW_COMBO_ROW (child (panel, "resize_row"));
  TrainConfig config;

  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row)));
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (panel, "data_kind_row")), 1);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (row)));
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), ==,
                    train_field_n_choices (train_field_find ("resize")));

  adw_combo_row_set_selected (row, 2);
  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  g_assert_cmpint (config.resize, ==, DATA_RESIZE_LETTERBOX);
  config.resize = DATA_RESIZE_SQUASH;
  lab_settings_panel_set_config (panel, &config);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 1);
  train_config_clear (&config);
}

/* The seed row is the training seed alone: the images and the split keep theirs. */
static void
test_seed_is_the_training_seed (void)
{
  g_autoptr(LabSettingsPanel) panel = new_panel ();
  TrainConfig config;

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (panel, "seed_spin")), 9);
  train_config_init (&config);
  lab_settings_panel_get_config (panel, &config);
  g_assert_cmpuint (config.seed, ==, 9);
  g_assert_cmpuint (config.synthetic.seed, ==, 1);
  g_assert_cmpuint (config.split_seed, ==, 1);
  train_config_clear (&config);
}

static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/org/lrlab/LRLab/gtk/help-overlay.ui");
  GObject *window = gtk_builder_get_object (builder, "help_overlay");

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  /* No accessibility bus under xvfb-run: GTK would warn, and warnings fail a test. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/settings/widgets-to-config", test_widgets_to_config);
  g_test_add_func ("/ui/settings/learning-rate-typed", test_learning_rate_typed);
  g_test_add_func ("/ui/settings/augmentation", test_augmentation);
  g_test_add_func ("/ui/settings/round-trip", test_set_config_round_trip);
  g_test_add_func ("/ui/settings/bad-spec", test_bad_spec);
  g_test_add_func ("/ui/settings/too-big", test_too_big);
  g_test_add_func ("/ui/settings/folder-needs-loading", test_folder_needs_loading);
  g_test_add_func ("/ui/settings/folder-loads", test_folder_loads);
  g_test_add_func ("/ui/settings/folder-missing", test_folder_missing);
  g_test_add_func ("/ui/settings/gsettings", test_gsettings);
  g_test_add_func ("/ui/settings/every-field-round-trips", test_every_field_round_trips);
  g_test_add_func ("/ui/settings/ranges-from-the-table", test_ranges_from_the_table);
  g_test_add_func ("/ui/settings/resize-mode", test_resize_mode);
  g_test_add_func ("/ui/settings/seed-is-the-training-seed", test_seed_is_the_training_seed);
  g_test_add_func ("/ui/shortcuts-window", test_shortcuts_window);
  return g_test_run ();
}
