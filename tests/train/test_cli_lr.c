/* test_cli_lr: lrlab-train's learning-rate instruments as a user meets them: --find-lr
 * prints the three rules' rates and the suggestion and writes lr_find.csv, --seeds N and
 * --seed 1,2,3 repeat each rate with other initial weights (a folder per seed, the table
 * with mean and standard deviation), a sweep writes its U-curve as sweep.csv, and bad
 * lists get one line naming the flag. */
#include <string.h>

#include "train_session.h"
#include "train_test_util.h"

static const char *const tiny[] = { "--model", "tiny", "--size", "16", "--data",
                                    "synthetic:40", "--batch", "16", "--threads", "1" };

/* tiny, then args. */
static int
run(const char *const *args, char **out, char **err)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    for (guint i = 0; i < G_N_ELEMENTS(tiny); i++)
        g_ptr_array_add(all, (gpointer) tiny[i]);
    for (int i = 0; args[i]; i++)
        g_ptr_array_add(all, (gpointer) args[i]);
    g_ptr_array_add(all, NULL);
    return test_run_cli((const char *const *) all->pdata, out, err);
}

static void
test_find_lr(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--find-lr", "--out", dir, NULL };
    int status = run(args, &out, &err);
    if (status != 0)
        g_error("exit %d: %s%s", status, out, err);
    g_assert_nonnull(strstr(out, "Suggested learning rate: "));
    g_assert_nonnull(strstr(out, "  valley "));
    g_assert_nonnull(strstr(out, "  steep "));
    g_assert_nonnull(strstr(out, "  minimum "));
    /* Then the rate to train with, or (these few tiny chips hardly learn in 100 batches)
     * why the suggestion is only a guess. */
    g_assert_true(strstr(out, "Train with it: --lr ") != NULL ||
                  strstr(out, "But: The loss hardly fell") != NULL);
    /* No run: the finder trains nothing that stays. */
    g_assert_null(strstr(out, "Epoch 1/"));
    g_autofree char *csv = g_build_filename(dir, "lr_find.csv", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(csv, &text, NULL, NULL));
    g_assert_true(g_str_has_prefix(text, "step,lr,loss,smoothed_loss\n0,1e-07,"));
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_assert_cmpstr(g_dir_read_name(d), ==, "lr_find.csv");
    g_assert_null(g_dir_read_name(d));
    test_rmdir_recursive(dir);
}

static void
test_seeds(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--epochs", "2", "--lr", "1e-2,1e-3", "--seeds", "2", "--seed", "4",
                           "--out", dir, NULL };
    int status = run(args, &out, &err);
    if (status != 0)
        g_error("exit %d: %s%s", status, out, err);
    g_autoptr(TrainSession) s = train_session_load(dir, NULL);
    g_assert_cmpuint(s->problems->len, ==, 0);
    g_assert_cmpuint(s->runs->len, ==, 4);
    static const char *const names[] = { "lr_1e-02_seed4", "lr_1e-02_seed5", "lr_1e-03_seed4",
                                         "lr_1e-03_seed5" };
    for (int i = 0; i < 4; i++) {
        g_autofree char *path = g_build_filename(dir, names[i], "history.csv", NULL);
        g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    }
    /* Only the training seed varies: same split for all. */
    for (guint i = 0; i < s->runs->len; i++) {
        const TrainConfig *c = train_run_get_config(g_ptr_array_index(s->runs, i));
        g_assert_cmpuint(c->split_seed, ==, 1);
        g_assert_cmpuint(c->synthetic.seed, ==, 1);
    }
    g_assert_nonnull(strstr(out, "2 rates x 2 seeds = 4 runs"));
    g_assert_nonnull(strstr(out, "\n1e-2          2  "));
    g_assert_nonnull(strstr(out, " \u00b1 "));
    g_autofree char *csv = g_build_filename(dir, "sweep.csv", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(csv, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_assert_cmpint(g_strv_length(lines), ==, 4);   /* header, two rates, "" */
    g_assert_true(g_str_has_prefix(lines[1], "0.01,2,"));
    g_assert_true(g_str_has_prefix(lines[2], "0.001,2,"));
    test_rmdir_recursive(dir);

    /* A list of seeds, one rate. */
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    const char *list[] = { "--epochs", "1", "--seed", "3,7", NULL };
    g_assert_cmpint(run(list, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, "== seed 3 (1/2) =="));
    g_assert_nonnull(strstr(out, "== seed 7 (2/2) =="));
}

static void
test_sweep_csv_and_one_run(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--epochs", "1", "--lr", "1e-2,1e-3,1e-4", "--out", dir, NULL };
    g_assert_cmpint(run(args, &out, &err), ==, 0);
    g_autofree char *csv = g_build_filename(dir, "sweep.csv", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(csv, &text, NULL, NULL));
    g_assert_true(g_str_has_prefix(text, "lr,seeds,diverged,best_val_loss,"));
    g_auto(GStrv) csv_lines = g_strsplit(text, "\n", -1);
    g_assert_cmpint(g_strv_length(csv_lines), ==, 5);
    test_rmdir_recursive(dir);

    /* One rate, one seed: a run, not a sweep, so no U-curve. */
    g_autofree char *one = test_tmpdir();
    const char *single[] = { "--epochs", "1", "--out", one, NULL };
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(run(single, &out, &err), ==, 0);
    g_autofree char *none = g_build_filename(one, "sweep.csv", NULL);
    g_assert_false(g_file_test(none, G_FILE_TEST_EXISTS));
    test_rmdir_recursive(one);
}

static void
test_bad_lists(void)
{
    static const char *const bad[][5] = {
        { "--seeds", "0", NULL },
        { "--seeds", "many", NULL },
        { "--seed", "1,x", NULL },
        { "--seed", "1,2", "--seeds", "3", NULL },
        { "--lr", "1e-3,1e-3", NULL },
        { "--seed", "2,2", NULL },
    };
    static const char *const says[] = {
        "--seeds: '0' is not a number of seeds", "--seeds: 'many' is not a number of seeds",
        "--seed: 'x' is not a seed", "give either --seeds N or a list",
        "The learning rate 1e-3 is listed twice.", "The seed 2 is listed twice",
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *out = NULL, *err = NULL;
        g_assert_cmpint(run(bad[i], &out, &err), ==, 2);
        g_test_message("%s", err);
        g_assert_nonnull(strstr(err, says[i]));
        g_assert_cmpstr(out, ==, "");
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (argc < 2) {
        g_printerr("usage: %s PATH-TO-lrlab-train\n", argv[0]);
        return 1;
    }
    test_lrlab_train = argv[1];
    g_test_add_func("/train/cli-lr/find-lr", test_find_lr);
    g_test_add_func("/train/cli-lr/seeds", test_seeds);
    g_test_add_func("/train/cli-lr/sweep-csv-and-one-run", test_sweep_csv_and_one_run);
    g_test_add_func("/train/cli-lr/bad-lists", test_bad_lists);
    return g_test_run();
}
