/* test_images: a run read back from its folder gets its validation images again: the
 * built-in chips regenerated from config.ini (the very pixels it trained on, checked
 * against the record), a user's folder reloaded by path with the files that are gone
 * counted, and a folder that is gone said in words. */
#include <glib/gstdio.h>
#include <string.h>

#include "data_synthetic.h"
#include "train_images.h"
#include "train_test_util.h"

/* A finished tiny run in dir/name on config c (its own dataset from the config). */
static TrainRun *
run_in(const char *dir, const char *name, const TrainConfig *c)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    TrainRun *run = train_run_new(c, NULL);
    train_run_set_output_dir(run, path);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
    return run;
}

static TrainRun *
read_back(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    GError *error = NULL;
    TrainRun *run = train_run_load(path, &error);
    g_assert_no_error(error);
    return run;
}

/* Validation image i of back shows what it showed in the run that trained. */
static void
assert_same_image(TrainRun *run, TrainRun *back, int i)
{
    DataSet *a = train_run_get_dataset(run), *b = train_run_get_dataset(back);
    const int ia = train_run_get_val_images(run)[i], ib = train_run_get_val_images(back)[i];
    g_assert_cmpint(ib, >=, 0);
    g_assert_cmpmem(data_set_image(a, ia), a->width * a->height * 3, data_set_image(b, ib),
                    b->width * b->height * 3);
    g_assert_cmpint(b->labels[ib], ==, train_run_get_val_labels(back)[i]);
    g_assert_cmpstr(b->sources[ib], ==, train_run_get_val_sources(back)[i]);
    if (a->defect_boxes)
        g_assert_cmpmem(&a->defect_boxes[ia], sizeof(DataBox), &b->defect_boxes[ib],
                        sizeof(DataBox));
}

static void
test_synthetic_chips_come_back(void)
{
    g_autofree char *dir = test_tmpdir();
    TrainConfig c;
    test_config_init(&c, "tiny", 1);
    g_autoptr(TrainRun) run = run_in(dir, "run", &c);
    g_autoptr(TrainRun) back = read_back(dir, "run");
    g_assert_null(train_run_get_dataset(back));
    g_assert_null(train_run_get_val_images(back));

    TrainImages images;
    GError *error = NULL;
    g_assert_true(train_images_load(back, &images, NULL, &error));
    g_assert_no_error(error);
    int n_val;
    train_run_get_val_indices(back, &n_val);
    g_assert_cmpint(images.n_val, ==, n_val);
    g_assert_cmpint(images.n_missing, ==, 0);
    g_assert_cmpint(images.images->count, ==, n_val);
    g_assert_nonnull(images.images->defect_boxes);
    g_assert_true(train_run_attach_images(back, images.images, images.val_images));
    g_assert_false(train_run_attach_images(back, images.images, images.val_images));
    g_assert_false(train_run_attach_images(run, images.images, images.val_images));
    for (int i = 0; i < n_val; i++)
        assert_same_image(run, back, i);
    g_assert_cmpstr(train_run_get_dataset(back)->class_names[0], ==, "good");
    train_images_clear(&images);

    /* Other chips under the same names (the label noise is part of the parameters):
     * refused, never shown under this run's answers. */
    g_autofree char *config_path = g_build_filename(dir, "run", "config.ini", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_file(kf, config_path, G_KEY_FILE_KEEP_COMMENTS, NULL));
    g_key_file_set_double(kf, "data", "label-noise", 0.5);
    g_assert_true(g_key_file_save_to_file(kf, config_path, NULL));
    g_autoptr(TrainRun) edited = read_back(dir, "run");
    g_assert_false(train_images_load(edited, &images, NULL, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull(strstr(error->message, "not the ones it was trained on"));
    g_clear_error(&error);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
test_folder_images_come_back(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *root = g_build_filename(dir, "chips", NULL);
    DataSyntheticParams params = data_synthetic_params_default();
    params.images_per_class = 20;
    params.size = 16;
    GError *error = NULL;
    g_autoptr(DataSet) chips = data_synthetic_generate(&params, NULL, NULL, NULL, &error);
    g_assert_true(data_synthetic_export(chips, root, &error));
    TrainConfig c;
    test_config_init(&c, "tiny", 1);
    c.data_kind = TRAIN_DATA_FOLDER;
    c.folder = g_strdup(root);
    g_autoptr(TrainRun) run = run_in(dir, "run", &c);

    /* Two validation images are deleted, one image is added: the rest still match. */
    const char *const *sources = train_run_get_val_sources(run);
    g_assert_cmpint(g_unlink(sources[0]), ==, 0);
    g_assert_cmpint(g_unlink(sources[3]), ==, 0);
    g_autofree char *extra = g_build_filename(root, "defect", "000000-copy.png", NULL);
    g_assert_true(g_file_set_contents(extra, "not even a png", -1, NULL));

    g_autoptr(TrainRun) back = read_back(dir, "run");
    TrainImages images;
    g_assert_true(train_images_load(back, &images, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpint(images.n_missing, ==, 2);
    g_assert_cmpint(images.val_images[0], ==, -1);
    g_assert_cmpint(images.val_images[3], ==, -1);
    g_assert_true(train_run_attach_images(back, images.images, images.val_images));
    for (int i = 0; i < images.n_val; i++)
        if (i != 0 && i != 3)
            assert_same_image(run, back, i);
    train_images_clear(&images);

    /* The folder moved away: said in words, and nothing else is lost. */
    g_autofree char *moved = g_build_filename(dir, "chips-moved", NULL);
    g_assert_cmpint(g_rename(root, moved), ==, 0);
    g_autoptr(TrainRun) gone = read_back(dir, "run");
    g_assert_false(train_images_load(gone, &images, NULL, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, root));
    g_assert_nonnull(strstr(error->message, "is gone"));
    g_clear_error(&error);
    g_assert_cmpint(train_run_get_n_prediction_epochs(gone), ==, 1);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/images/synthetic-chips-come-back", test_synthetic_chips_come_back);
    g_test_add_func("/train/images/folder-images-come-back", test_folder_images_come_back);
    return g_test_run();
}
