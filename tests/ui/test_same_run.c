/* test_same_run: one config file, two ways to train it: lrlab-train --config, and the app
 * (the settings panel set from the file, its config read back and started the way the
 * window's Start does). Both must make the same run: the same images, the same initial
 * weights and training (history.csv equal but for the wall-clock seconds column, the same
 * best.ckpt and predictions.bin bytes) and the same settings in config.ini (but for the
 * run's name). A tiny run: the tiny network on 24-pixel chips, 2 epochs, one thread. */
#include "config.h"

#include <adwaita.h>

#include "lab-settings-panel.h"
#include "data_synthetic.h"
#include "train_run.h"
#include "../train/train_test_util.h"

/* Not the defaults wherever that is cheap: every seed, augmentation, the split. */
static const char config_ini[] =
  "[data]\n"
  "kind=synthetic\n"
  "images-per-class=30\n"
  "difficulty=0.2\n"
  "data-seed=2\n"
  "split-seed=4\n"
  "val-split=0.3\n"
  "[model]\n"
  "model=tiny\n"
  "size=24\n"
  "[training]\n"
  "epochs=2\n"
  "batch-size=16\n"
  "lr=0.003\n"
  "seed=3\n"
  "threads=1\n"
  "[augment]\n"
  "kinds=hflip;noise;\n";

static char *
read_file (const char *dir,
           const char *name,
           gsize      *length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, length, &error))
    g_error ("%s", error->message);
  return contents;
}

static void
assert_same_file (const char *a_dir,
                  const char *b_dir,
                  const char *name)
{
  gsize a_length, b_length;
  g_autofree char *a = read_file (a_dir, name, &a_length);
  g_autofree char *b = read_file (b_dir, name, &b_length);

  if (a_length != b_length || memcmp (a, b, a_length) != 0)
    g_error ("%s differs between %s and %s", name, a_dir, b_dir);
}

/* Every file under a and b (the exported images), byte for byte. */
static void
assert_same_tree (const char *a,
                  const char *b,
                  guint      *n_files)
{
  g_autoptr(GDir) dir = g_dir_open (a, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *a_path = g_build_filename (a, name, NULL);
      g_autofree char *b_path = g_build_filename (b, name, NULL);

      if (g_file_test (a_path, G_FILE_TEST_IS_DIR))
        assert_same_tree (a_path, b_path, n_files);
      else
        {
          assert_same_file (a, b, name);
          (*n_files)++;
        }
    }
}

/* config.ini without its [run] name line. */
static char *
settings_of (const char *dir)
{
  g_autofree char *text = read_file (dir, "config.ini", NULL);
  g_autoptr(GRegex) name = g_regex_new ("^name=.*\n", G_REGEX_MULTILINE, 0, NULL);

  return g_regex_replace_literal (name, text, -1, 0, "", 0, NULL);
}

static void
run_cli (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (gpointer) test_lrlab_train);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("lrlab-train failed: %s", err);
}

/* The app's side: the panel shows the file, and Start takes what the panel shows. */
static TrainRun *
start_like_the_window (const char *config_path,
                       const char *run_dir)
{
  g_autoptr(GtkWidget) panel = g_object_ref_sink (lab_settings_panel_new ());
  g_autoptr(GError) error = NULL;
  g_autoptr(DataSet) dataset = NULL;
  TrainConfig loaded, config;
  TrainRun *run;

  g_assert_true (train_config_load (&loaded, config_path, &error));
  g_assert_no_error (error);
  lab_settings_panel_set_config (LAB_SETTINGS_PANEL (panel), &loaded);
  train_config_clear (&loaded);

  /* start_action in lab-window.c, without the window around it. */
  g_assert_true (lab_settings_panel_get_valid (LAB_SETTINGS_PANEL (panel)));
  train_config_init (&config);
  lab_settings_panel_get_config (LAB_SETTINGS_PANEL (panel), &config);
  g_assert_true (train_config_validate (&config, &error));
  g_free (config.name);
  config.name = g_strdup ("Run 1");
  dataset = lab_settings_panel_dup_dataset (LAB_SETTINGS_PANEL (panel));
  run = train_run_new (&config, dataset);
  train_config_clear (&config);
  train_run_set_output_dir (run, run_dir);
  g_assert_true (train_run_start (run, &error));
  g_assert_no_error (error);
  train_run_wait (run);
  return run;
}

static void
test_cli_and_app_agree (void)
{
  g_autofree char *dir = test_tmpdir ();
  g_autofree char *config_path = g_build_filename (dir, "config.ini", NULL);
  g_autofree char *cli_runs = g_build_filename (dir, "cli", NULL);
  g_autofree char *cli_run = g_build_filename (cli_runs, "lr_3e-03", NULL);
  g_autofree char *cli_images = g_build_filename (dir, "cli-images", NULL);
  g_autofree char *app_run = g_build_filename (dir, "app", NULL);
  g_autofree char *app_images = g_build_filename (dir, "app-images", NULL);
  g_autofree char *cli_history = NULL, *app_history = NULL;
  g_autofree char *cli_settings = NULL, *app_settings = NULL;
  g_autofree char *cli_path = NULL, *app_path = NULL;
  g_autoptr(TrainRun) run = NULL;
  g_autoptr(GError) error = NULL;
  guint n_images = 0;

  g_assert_true (g_file_set_contents (config_path, config_ini, -1, &error));

  {
    const char *train[] = { "--config", config_path, "--out", cli_runs, NULL };
    const char *export[] = { "--config", config_path, "--export-synthetic", cli_images, NULL };
    run_cli (train);
    run_cli (export);
  }
  run = start_like_the_window (config_path, app_run);
  g_assert_cmpint (train_run_get_status (run), ==, TRAIN_STATUS_FINISHED);

  /* The same images: the app run's dataset, exported the way lrlab-train exports. */
  g_assert_true (data_synthetic_export (train_run_get_dataset (run), app_images, &error));
  g_assert_no_error (error);
  assert_same_tree (cli_images, app_images, &n_images);
  g_assert_cmpuint (n_images, ==, 60 + 1);   /* the 60 images and classes.txt, their class order */

  /* The same settings, training and results. */
  cli_settings = settings_of (cli_run);
  app_settings = settings_of (app_run);
  g_assert_cmpstr (app_settings, ==, cli_settings);
  cli_path = g_build_filename (cli_run, "history.csv", NULL);
  app_path = g_build_filename (app_run, "history.csv", NULL);
  cli_history = test_history_without_seconds (cli_path);
  app_history = test_history_without_seconds (app_path);
  g_assert_cmpstr (app_history, ==, cli_history);
  g_assert_nonnull (strstr (app_history, "\n1,"));   /* both epochs (0 and 1) are there */
  assert_same_file (cli_run, app_run, "best.ckpt");
  assert_same_file (cli_run, app_run, "predictions.bin");

  test_rmdir_recursive (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  if (argc < 2)
    {
      g_printerr ("usage: %s PATH-TO-lrlab-train\n", argv[0]);
      return 1;
    }
  test_lrlab_train = argv[1];

  g_test_add_func ("/ui/same-run/cli-and-app-agree", test_cli_and_app_agree);
  return g_test_run ();
}
