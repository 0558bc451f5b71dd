/* test_test_split: a folder's test/ images are scored once at the end of a run with the
 * best epoch's weights (what best.ckpt holds), kept in status.ini and read back; a run
 * without a test split has no score. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "data_split.h"
#include "data_synthetic.h"
#include "train_model.h"
#include "train_test_util.h"

/* The chips as a folder with 4 of each class's 20 moved to ROOT/test/<class>/. */
static char *
chips_with_test_folder(const char *dir)
{
    char *root = g_build_filename(dir, "chips", NULL);
    DataSyntheticParams params = data_synthetic_params_default();
    params.images_per_class = 20;
    params.size = 16;
    GError *error = NULL;
    g_autoptr(DataSet) chips = data_synthetic_generate(&params, NULL, NULL, NULL, &error);
    g_assert_true(data_synthetic_export(chips, root, &error));
    for (int i = 0; i < 8; i++) {
        const char *name = chips->class_names[chips->labels[i]];
        g_autofree char *file = g_strdup_printf("%06d.png", i);
        g_autofree char *test_dir = g_build_filename(root, "test", name, NULL);
        g_autofree char *from = g_build_filename(root, name, file, NULL);
        g_autofree char *to = g_build_filename(test_dir, file, NULL);
        g_assert_cmpint(g_mkdir_with_parents(test_dir, 0755), ==, 0);
        g_assert_cmpint(g_rename(from, to), ==, 0);
    }
    return root;
}

/* The mean loss and accuracy best.ckpt gives the set's test images, computed here. */
static void
score_best_checkpoint(const char *run_dir, const DataSet *set, double *loss, double *accuracy)
{
    g_autofree char *path = g_build_filename(run_dir, "best.ckpt", NULL);
    TrainModelInfo info;
    GError *error = NULL;
    nn_model *model = train_model_load(path, set->count, &info, NULL, &error);
    g_assert_no_error(error);
    const int n_pixels = set->width * set->height, C = nn_model_num_classes(model);
    g_autofree float *x = g_new(float, (gsize) set->count * n_pixels * 3);
    g_autofree int *labels = g_new(int, set->count);
    int n = 0;
    for (int i = 0; i < set->count; i++)
        if (set->given_split[i] == DATA_SPLIT_TEST) {
            data_normalize_image(x + (gsize) n * n_pixels * 3, data_set_image(set, i), n_pixels,
                                 &info.norm);
            labels[n++] = set->labels[i];
        }
    g_assert_cmpint(n, ==, 8);
    *loss = nn_model_forward(model, x, labels, n, 0);
    int correct = 0;
    for (int i = 0; i < n; i++) {
        const float *p = nn_model_probs(model) + (gsize) i * C;
        correct += train_argmax(p, C) == labels[i];
    }
    *accuracy = (double) correct / n;
    train_model_info_clear(&info);
    nn_model_free(model);
}

static void
test_scored_with_the_best_weights(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *root = chips_with_test_folder(dir);
    g_autofree char *run_dir = g_build_filename(dir, "run", NULL);
    TrainConfig c;
    test_config_init(&c, "c4-p-f8-f2", 6);
    c.data_kind = TRAIN_DATA_FOLDER;
    c.folder = g_strdup(root);
    c.lr = 3e-2;   /* uneven curves: the best epoch is seldom the last */
    g_autoptr(TrainRun) run = train_run_new(&c, NULL);
    train_run_set_output_dir(run, run_dir);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);

    TrainProgress p = train_run_get_progress(run);
    g_test_message("best epoch %d of 6; test loss %.4f accuracy %.3f", p.best_epoch + 1,
                   p.test.loss, p.test.accuracy);
    g_assert_cmpint(p.test.images, ==, 8);
    g_assert_cmpint(p.test.epoch, ==, p.best_epoch);
    double loss, accuracy;
    score_best_checkpoint(run_dir, train_run_get_dataset(run), &loss, &accuracy);
    g_assert_cmpfloat(fabs(p.test.loss - loss), <=, 1e-6);
    g_assert_cmpfloat(p.test.accuracy, ==, accuracy);
    /* and none of the test images was trained on or validated */
    int n_val, n_train;
    const int *val = train_run_get_val_indices(run, &n_val);
    const int *train = train_run_get_train_indices(run, &n_train);
    g_assert_cmpint(n_val + n_train, ==, 32);
    DataSet *set = train_run_get_dataset(run);
    for (int i = 0; i < n_val; i++)
        g_assert_cmpint(set->given_split[val[i]], !=, DATA_SPLIT_TEST);
    for (int i = 0; i < n_train; i++)
        g_assert_cmpint(set->given_split[train[i]], !=, DATA_SPLIT_TEST);

    /* status.ini keeps the score; the run read back shows it */
    GError *error = NULL;
    g_autoptr(TrainRun) back = train_run_load(run_dir, &error);
    g_assert_no_error(error);
    TrainProgress q = train_run_get_progress(back);
    g_assert_cmpint(q.test.images, ==, 8);
    g_assert_cmpint(q.test.epoch, ==, p.test.epoch);
    g_assert_cmpfloat(q.test.loss, ==, p.test.loss);
    g_assert_cmpfloat(q.test.accuracy, ==, p.test.accuracy);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
test_no_test_split_no_score(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *run_dir = g_build_filename(dir, "run", NULL);
    TrainConfig c;
    test_config_init(&c, "tiny", 1);
    g_autoptr(TrainRun) run = train_run_new(&c, NULL);
    train_run_set_output_dir(run, run_dir);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_progress(run).test.images, ==, 0);
    g_autofree char *status_path = g_build_filename(run_dir, "status.ini", NULL);
    g_autofree char *status = NULL;
    g_assert_true(g_file_get_contents(status_path, &status, NULL, NULL));
    g_assert_null(strstr(status, "test-"));
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/test-split/scored-with-the-best-weights",
                    test_scored_with_the_best_weights);
    g_test_add_func("/train/test-split/no-test-split-no-score", test_no_test_split_no_score);
    return g_test_run();
}
