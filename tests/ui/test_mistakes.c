/* test_mistakes: the Mistakes page as a user meets it: the overlay of where the network
 * looks arrives for every shown chip (for the predicted and then the true class); a run
 * read back from disk shows its images again, and says so in words when its folder is
 * gone; the learned/forgotten view shows the chips the filter selects. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "data_synthetic.h"
#include "lab-mistakes-page.h"
#include "train_forgetting.h"
#include "../train/train_test_util.h"

typedef struct
{
  GtkWindow       *window;
  LabMistakesPage *page;
  GListStore      *runs;
} Fixture;

static void
fixture_init (Fixture *f)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  f->page = g_object_new (LAB_TYPE_MISTAKES_PAGE, NULL);
  f->runs = g_list_store_new (LAB_TYPE_RUN);
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_set_default_size (f->window, 1200, 800);
  gtk_window_present (f->window);
  lab_mistakes_page_set_runs (f->page, G_LIST_MODEL (f->runs));
}

static void
fixture_clear (Fixture *f)
{
  gtk_window_destroy (f->window);
  g_clear_object (&f->runs);
}

/* Runs the main loop until the page has no image or map job under way. */
static void
wait_until_idle (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  do
    g_main_context_iteration (NULL, FALSE);
  while ((lab_mistakes_page_is_busy (f->page) || g_main_context_pending (NULL)) &&
         g_get_monotonic_time () < deadline);
  g_assert_false (lab_mistakes_page_is_busy (f->page));
}

static LabRun *
show (Fixture  *f,
      TrainRun *train_run)
{
  const GdkRGBA blue = { 0.2, 0.4, 0.9, 1 };
  LabRun *run = lab_run_new (train_run, &blue);

  lab_run_refresh (run);
  g_list_store_append (f->runs, run);
  lab_mistakes_page_select_run (f->page, run);
  wait_until_idle (f);
  return run;
}

/* A finished run of the tiny network in dir/name; data_kind folder when root is given. */
static TrainRun *
finished_run (const char *dir,
              const char *name,
              const char *root)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  TrainConfig c;
  TrainRun *run;

  test_config_init (&c, "c4-p-f8-f2", 2);
  c.synthetic.images_per_class = 40;
  /* An occlusion job holds four 64x64 chips' worth of pixels: at this size the test sees
   * its jobs chain. */
  c.size = 64;
  if (root)
    {
      c.data_kind = TRAIN_DATA_FOLDER;
      c.folder = g_strdup (root);
    }
  run = train_run_new (&c, NULL);
  train_run_set_output_dir (run, path);
  test_run_to_end (run);
  g_assert_cmpint (train_run_get_status (run), ==, TRAIN_STATUS_FINISHED);
  train_config_clear (&c);
  return run;
}

static guint
n_wrong (LabMistakesPage *page)
{
  return lab_mistakes_page_get_confusion (page, 0, 1) + lab_mistakes_page_get_confusion (page, 1, 0);
}

static void
test_heatmaps_and_history (void)
{
  g_autofree char *dir = test_tmpdir ();
  g_autoptr(TrainRun) train_run = finished_run (dir, "run", NULL);
  Fixture f;

  fixture_init (&f);
  g_autoptr(LabRun) run = show (&f, train_run);
  g_assert_cmpuint (lab_mistakes_page_get_n_shown (f.page), ==, n_wrong (f.page));
  g_assert_cmpuint (lab_mistakes_page_get_n_shown (f.page), >, 0);

  lab_mistakes_page_set_heatmap (f.page, TRUE, FALSE);
  wait_until_idle (&f);
  g_assert_cmpuint (lab_mistakes_page_get_n_heatmaps (f.page), ==, lab_mistakes_page_get_n_shown (f.page));
  /* the true class's evidence is other maps: they are made again */
  lab_mistakes_page_set_heatmap (f.page, TRUE, TRUE);
  wait_until_idle (&f);
  g_assert_cmpuint (lab_mistakes_page_get_n_heatmaps (f.page), ==, lab_mistakes_page_get_n_shown (f.page));
  /* occlusion's maps come a few images per job, each job asking for the next, until every
   * shown chip has one; the sentence says which method made them */
  {
    GtkLabel *heatmap_label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (f.page), LAB_TYPE_MISTAKES_PAGE,
                                                                        "heatmap_label"));

    /* more chips than one job takes (4), so the jobs chain */
    g_assert_cmpuint (lab_mistakes_page_get_n_shown (f.page), >, 4);
    lab_mistakes_page_set_heatmap_method (f.page, LAB_HEATMAP_OCCLUSION);
    g_assert_cmpuint (lab_mistakes_page_get_n_heatmaps (f.page), ==, 0);
    {
      g_autofree char *progress = g_strdup_printf ("Occlusion: 0 of %u images so far",
                                                   lab_mistakes_page_get_n_shown (f.page));
      g_assert_true (g_str_has_prefix (gtk_label_get_text (heatmap_label), progress));
    }
    wait_until_idle (&f);
    g_assert_cmpuint (lab_mistakes_page_get_n_heatmaps (f.page), ==, lab_mistakes_page_get_n_shown (f.page));
    g_assert_true (g_str_has_prefix (gtk_label_get_text (heatmap_label), "Occlusion with the best weights"));
    lab_mistakes_page_set_heatmap_method (f.page, LAB_HEATMAP_GRAD_CAM);
    wait_until_idle (&f);
    g_assert_true (g_str_has_prefix (gtk_label_get_text (heatmap_label), "Grad-CAM on the last convolution"));
  }
  /* one chip large, with its map and every class's probability */
  gtk_widget_activate_action (GTK_WIDGET (f.page), "mistakes.show", "i", 0);
  lab_mistakes_page_set_heatmap (f.page, FALSE, FALSE);
  g_assert_cmpuint (lab_mistakes_page_get_n_heatmaps (f.page), ==, 0);

  /* the history view's filters agree with train_forgetting's */
  {
    g_autoptr(TrainForgetting) forgetting = train_forgetting_new_for_run (train_run);
    LabChipHistory *history = lab_mistakes_page_get_history (f.page);

    lab_mistakes_page_show_history (f.page, TRUE);
    for (TrainChipFilter filter = 0; filter < TRAIN_CHIPS_N_FILTERS; filter++)
      {
        g_autoptr(GArray) expected = train_forgetting_select (forgetting, filter, 0, TRAIN_CHIPS_BY_ORDER);

        lab_chip_history_set_filter (history, filter, 1);
        g_assert_cmpuint (lab_chip_history_get_n_passing (history), ==, expected->len);
        g_assert_cmpuint (lab_chip_history_get_n_shown (history), ==, expected->len);
      }
  }
  fixture_clear (&f);
  test_rmdir_recursive (dir);
}

static void
test_runs_read_back (void)
{
  g_autofree char *dir = test_tmpdir ();
  g_autofree char *root = g_build_filename (dir, "chips", NULL);
  g_autofree char *moved = g_build_filename (dir, "moved", NULL);
  g_autofree char *synthetic_dir = g_build_filename (dir, "synthetic", NULL);
  g_autofree char *folder_dir = g_build_filename (dir, "folder", NULL);
  g_autoptr(GError) error = NULL;
  DataSyntheticParams params = data_synthetic_params_default ();
  Fixture f;

  params.images_per_class = 30;
  params.size = 16;
  {
    g_autoptr(DataSet) chips = data_synthetic_generate (&params, NULL, NULL, NULL, &error);
    g_assert_true (data_synthetic_export (chips, root, &error));
  }
  /* two runs whose folders are all that is left of them */
  train_run_unref (finished_run (dir, "synthetic", NULL));
  train_run_unref (finished_run (dir, "folder", root));

  fixture_init (&f);
  {
    /* the built-in chips, drawn again */
    g_autoptr(TrainRun) back = train_run_load (synthetic_dir, &error);
    g_autoptr(LabRun) run = show (&f, back);

    g_assert_no_error (error);
    g_assert_nonnull (train_run_get_dataset (back));
    g_assert_cmpuint (lab_mistakes_page_get_n_shown (f.page), ==, n_wrong (f.page));
    g_assert_cmpuint (n_wrong (f.page), >, 0);
  }
  {
    /* the folder, read again from where it was */
    g_autoptr(TrainRun) back = train_run_load (folder_dir, &error);
    g_autoptr(LabRun) run = show (&f, back);

    g_assert_no_error (error);
    g_assert_cmpuint (lab_mistakes_page_get_n_shown (f.page), ==, n_wrong (f.page));
    g_assert_cmpuint (n_wrong (f.page), >, 0);
  }
  {
    /* the folder moved away: the page says so in words */
    g_autoptr(TrainRun) back = NULL;
    g_autoptr(LabRun) run = NULL;

    g_assert_cmpint (g_rename (root, moved), ==, 0);
    back = train_run_load (folder_dir, &error);
    run = show (&f, back);
    g_assert_null (train_run_get_dataset (back));
    g_assert_cmpuint (lab_mistakes_page_get_n_shown (f.page), ==, 0);
    g_assert_nonnull (strstr (lab_mistakes_page_get_summary (f.page), "is gone"));
    g_assert_nonnull (strstr (lab_mistakes_page_get_summary (f.page), root));
  }
  fixture_clear (&f);
  test_rmdir_recursive (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/ui/mistakes/heatmaps-and-history", test_heatmaps_and_history);
  g_test_add_func ("/ui/mistakes/runs-read-back", test_runs_read_back);
  return g_test_run ();
}
