/* test_onnx: lrlab-train --export-onnx as a user meets it. A tiny run's best.ckpt goes out
 * as ONNX; Debian's onnx checker accepts it and OpenCV's DNN module, run on the validation
 * images, gives LR Lab's probabilities to 1e-5 (onnx_check.py). A checkpoint of LR Lab's
 * first version, which does not say its normalisation, is refused in words. */
#include <gio/gio.h>
#include <string.h>

#include "nn_checkpoint.h"
#include "train_onnx.h"
#include "train_test_util.h"


/* The run's data, model and training flags, shared by the run and the image export. */
#define DATA_FLAGS "--data", "synthetic:30", "--size", "32"

static void
test_export_matches_opencv(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *runs = g_build_filename(dir, "runs", NULL);
    g_autofree char *images = g_build_filename(dir, "images", NULL);
    g_autofree char *onnx = g_build_filename(dir, "model.onnx", NULL);
    g_autofree char *run = g_build_filename(runs, "lr_1e-03", NULL);
    g_autofree char *ckpt = g_build_filename(run, "best.ckpt", NULL);
    g_autofree char *out = NULL, *err = NULL;

    const char *train[] = { test_lrlab_train, DATA_FLAGS, "--model", "c8-p-c16-p-f32-d0.5-f2",
                            "--epochs", "2", "--batch", "16", "--threads", "1", "--out", runs,
                            NULL };
    g_assert_cmpint(test_run_argv(train, NULL, &err), ==, 0);
    g_clear_pointer(&err, g_free);
    const char *export[] = { test_lrlab_train, "--export-onnx", ckpt, onnx, NULL };
    g_assert_cmpint(test_run_argv(export, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, "Wrote"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    const char *pngs[] = { test_lrlab_train, DATA_FLAGS, "--export-synthetic", images, NULL };
    g_assert_cmpint(test_run_argv(pngs, NULL, NULL), ==, 0);

    const char *check[] = { test_python, test_script, onnx, run, images, NULL };
    int status = test_run_argv(check, &out, &err);
    g_test_message("%s%s", out, err);
    if (status != 0)
        g_error("onnx_check.py failed (%d):\n%s%s", status, out, err);
    test_rmdir_recursive(dir);
}

static void
test_refusals(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *v1 = g_build_filename(dir, "old.ckpt", NULL);
    g_autofree char *onnx = g_build_filename(dir, "old.onnx", NULL);
    nn_spec spec;
    nn_model *model = NULL;
    g_assert_cmpint(nn_spec_parse(&spec, "c4-p-f2", NULL), ==, NN_OK);
    g_assert_cmpint(nn_model_create(&model, &spec, 16, 16, 3, 1, 1, 0, NN_OPTIMIZER_ADAM, NULL),
                    ==, NN_OK);
    /* A checkpoint without a description, as LR Lab's first version wrote them. */
    g_assert_cmpint(nn_checkpoint_save(v1, model, NULL, NULL), ==, NN_OK);
    nn_model_free(model);
    g_autoptr(GError) error = NULL;
    g_assert_false(train_onnx_export(v1, onnx, &error));
    g_assert_nonnull(strstr(error->message, "LR Lab's first version"));
    g_assert_false(g_file_test(onnx, G_FILE_TEST_EXISTS));
    g_clear_error(&error);
    g_assert_false(train_onnx_export("/nonexistent/best.ckpt", onnx, &error));
    g_assert_nonnull(error);

    /* The command line says what is missing. */
    g_autofree char *err = NULL;
    const char *no_out[] = { test_lrlab_train, "--export-onnx", v1, NULL };
    g_assert_cmpint(test_run_argv(no_out, NULL, &err), ==, 2);
    g_assert_nonnull(strstr(err, "give the ONNX file to write"));
    test_rmdir_recursive(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_tool_args(argc, argv, "onnx_check.py");
    g_assert_nonnull(test_lrlab_train);
    g_test_add_func("/train/onnx/export-matches-opencv", test_export_matches_opencv);
    g_test_add_func("/train/onnx/refusals", test_refusals);
    return g_test_run();
}
