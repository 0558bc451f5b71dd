/* test_model_file: a model file carries what applying it needs (classes in order, input
 * size, normalisation, resize mode, epoch) and gives it back exactly; a run's best.ckpt is
 * such a file; a file without that description (LR Lab's first format) still loads and
 * says so; a damaged description is refused before the weights are touched. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "nn_checkpoint.h"
#include "train_model.h"
#include "train_test_util.h"

static nn_model *
tiny_model(guint64 seed)
{
    nn_spec spec;
    nn_error err;
    nn_model *m = NULL;
    g_assert_cmpint(nn_spec_parse(&spec, "c4-p-f3", &err), ==, NN_OK);
    g_assert_cmpint(nn_model_create(&m, &spec, 8, 8, 3, 2, seed, 0, NN_OPTIMIZER_ADAM, &err), ==,
                    NN_OK);
    return m;
}

static TrainModelInfo
three_classes(void)
{
    static const char *names[] = { "good", "defect", "unsure", NULL };
    TrainModelInfo info;
    train_model_info_init(&info);
    info.has_info = TRUE;
    info.num_classes = 3;
    info.class_names = g_strdupv((char **) names);
    info.norm = (DataNormalization) { { 101.5f, 99.25f, 87.125f }, { 40.5f, 41.0f, 0.1f } };
    info.resize = DATA_RESIZE_LETTERBOX;
    info.epoch = 12;
    return info;
}

static void
test_round_trip(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "model.ckpt", NULL);
    nn_model *a = tiny_model(1);
    TrainModelInfo info = three_classes(), back;
    g_autoptr(GError) error = NULL;
    g_autoptr(GKeyFile) extra = g_key_file_new();
    g_autoptr(GKeyFile) metadata = NULL;

    g_key_file_set_string(extra, "resume", "note", "kept beside [model]");
    g_assert_true(train_model_save(path, a, NULL, &info, extra, &error));
    g_assert_no_error(error);

    nn_model *b = train_model_load(path, 5, &back, &metadata, &error);
    g_assert_no_error(error);
    g_assert_nonnull(b);
    g_assert_true(back.has_info);
    g_assert_cmpuint(back.format_version, ==, 2);
    g_assert_cmpint(back.num_classes, ==, 3);
    g_assert_true(g_strv_equal((const char *const *) back.class_names,
                               (const char *const *) info.class_names));
    g_assert_cmpmem(back.norm.mean, sizeof back.norm.mean, info.norm.mean, sizeof info.norm.mean);
    g_assert_cmpmem(back.norm.std, sizeof back.norm.std, info.norm.std, sizeof info.norm.std);
    g_assert_cmpint(back.resize, ==, DATA_RESIZE_LETTERBOX);
    g_assert_cmpint(back.epoch, ==, 12);
    g_autofree char *note = g_key_file_get_string(metadata, "resume", "note", NULL);
    g_assert_cmpstr(note, ==, "kept beside [model]");

    /* the network the file held, with its weights, for up to 5 images at once */
    int H, W, C;
    nn_model_input_shape(b, &H, &W, &C);
    g_assert_cmpint(H * 100 + W * 10 + C, ==, 8 * 100 + 8 * 10 + 3);
    g_assert_cmpint(nn_model_max_batch(b), ==, 5);
    g_assert_cmpmem(nn_model_params(a), nn_model_num_parameters(a) * sizeof(float),
                    nn_model_params(b), nn_model_num_parameters(b) * sizeof(float));

    train_model_info_clear(&back);
    train_model_info_clear(&info);
    nn_model_free(a);
    nn_model_free(b);
    test_rmdir_recursive(dir);
}

static void
test_without_description(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "plain.ckpt", NULL);
    nn_model *a = tiny_model(1);
    nn_error err;
    TrainModelInfo back;
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(nn_checkpoint_save(path, a, NULL, &err), ==, NN_OK);
    nn_model *b = train_model_load(path, 1, &back, NULL, &error);
    g_assert_no_error(error);
    g_assert_false(back.has_info);
    g_assert_null(back.class_names);
    g_assert_cmpint(back.num_classes, ==, 3);   /* from the network's last layer */
    train_model_info_clear(&back);
    nn_model_free(a);
    nn_model_free(b);
    test_rmdir_recursive(dir);
}

static void
test_damaged_description(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "bad.ckpt", NULL);
    nn_model *a = tiny_model(1), *b = tiny_model(2);
    nn_error err;
    g_autoptr(GError) error = NULL;
    const char *cases[] = {
        "[model]\nclasses=good;defect;\nresize=squash\nmean=1;2;3;\nstd=1;1;1;\n",  /* 2 names, 3 outputs */
        "[model]\nclasses=a;b;c;\nresize=stretch\nmean=1;2;3;\nstd=1;1;1;\n",
        "[model]\nclasses=a;b;c;\nresize=squash\nmean=1;2;\nstd=1;1;1;\n",
        "[model]\nclasses=a;b;c;\nresize=squash\nmean=1;2;3;\nstd=1;0;1;\n",
        "not a key file at all",
    };
    g_autofree float *before = g_memdup2(nn_model_params(b),
                                         nn_model_num_parameters(b) * sizeof(float));

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(nn_checkpoint_save_with(path, a, NULL, cases[i], &err), ==, NN_OK);
        g_assert_false(train_model_load_into(path, b, NULL, NULL, NULL, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_nonnull(strstr(error->message, "bad.ckpt"));
        g_clear_error(&error);
        g_assert_cmpmem(nn_model_params(b), nn_model_num_parameters(b) * sizeof(float), before,
                        nn_model_num_parameters(b) * sizeof(float));
    }
    nn_model_free(a);
    nn_model_free(b);
    test_rmdir_recursive(dir);
}

/* A run's best.ckpt names its dataset's classes and the normalisation it trained with. */
static void
test_best_checkpoint_is_a_model_file(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "best.ckpt", NULL);
    g_autoptr(DataSet) set = test_dataset_new(48, 16, 2, 5);
    TrainConfig c;
    TrainModelInfo info;
    g_autoptr(GError) error = NULL;

    test_config_init(&c, "c4-p-f8-f2", 2);
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    train_run_set_output_dir(run, dir);
    test_run_to_end(run);
    nn_model *m = train_model_load(path, 1, &info, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(info.has_info);
    g_assert_true(g_strv_equal((const char *const *) info.class_names,
                               (const char *const *) set->class_names));
    g_assert_cmpint(info.epoch, ==, train_run_get_progress(run).best_epoch);
    for (int ch = 0; ch < 3; ch++)
        g_assert_cmpfloat(info.norm.std[ch], >, 0);
    g_assert_cmpfloat(info.norm.mean[0], !=, 0);
    train_model_info_clear(&info);
    nn_model_free(m);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

/* The engine names a file by its bytes; the message that reaches a label is text all the
 * same (U+FFFD for a byte that is not UTF-8). */
static void
test_name_not_utf8(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "m\xfcll.ckpt", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(path, "not a checkpoint", -1, NULL));
    g_assert_null(train_model_load(path, 1, NULL, NULL, &error));
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_true(g_utf8_validate(error->message, -1, NULL));
    g_assert_nonnull(strstr(error->message, "m\xef\xbf\xbdll.ckpt"));
    test_rmdir_recursive(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/model-file/round-trip", test_round_trip);
    g_test_add_func("/train/model-file/name-not-utf8", test_name_not_utf8);
    g_test_add_func("/train/model-file/without-description", test_without_description);
    g_test_add_func("/train/model-file/damaged-description", test_damaged_description);
    g_test_add_func("/train/model-file/best-checkpoint", test_best_checkpoint_is_a_model_file);
    return g_test_run();
}
