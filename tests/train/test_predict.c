/* test_predict: lrlab-predict on a run's own validation images reproduces the run's
 * recorded probabilities exactly (a run on a folder, and the built-in chips exported),
 * writes Grad-CAM overlays, and meets bad input in words: a damaged, truncated or
 * old-version model file; images of another size or channel count (converted, said once);
 * an unreadable image among others (skipped and listed, the rest predicted). */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "data_synthetic.h"
#include "nn_checkpoint.h"
#include "train_predictions.h"
#include "train_onnx.h"
#include "train_predictor.h"
#include "train_test_util.h"

static const char *lrlab_predict;

static int
predict(const char *const *args, char **out, char **err)
{
    int status = test_run_program(lrlab_predict, args, out, err);
    g_test_message("lrlab-predict exit %d; stderr:\n%s", status, *err);
    return status;
}

/* A finished run on the chips exported to dir/chips, in dir/run. */
static TrainRun *
folder_run(const char *dir, int per_class)
{
    g_autofree char *root = g_build_filename(dir, "chips", NULL);
    g_autofree char *run_dir = g_build_filename(dir, "run", NULL);
    DataSyntheticParams params = data_synthetic_params_default();
    params.images_per_class = per_class;
    params.size = 16;
    GError *error = NULL;
    g_autoptr(DataSet) chips = data_synthetic_generate(&params, NULL, NULL, NULL, &error);
    g_assert_true(data_synthetic_export(chips, root, &error));
    TrainConfig c;
    test_config_init(&c, "c4-p-f8-f2", 3);
    c.data_kind = TRAIN_DATA_FOLDER;
    c.folder = g_strdup(root);
    c.batch_size = 8;   /* several batches, the last one short */
    TrainRun *run = train_run_new(&c, NULL);
    train_run_set_output_dir(run, run_dir);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
    train_config_clear(&c);
    return run;
}

/* Every CSV row's probabilities are, to the bit, what predictions.bin recorded for that
 * validation image at the epoch best.ckpt holds. */
static void
assert_reproduces(const char *csv, const char *run_dir, int best_epoch)
{
    g_autofree char *path = g_build_filename(run_dir, "predictions.bin", NULL);
    TrainPredictionsFile f;
    GError *error = NULL;
    g_assert_true(train_predictions_load(path, &f, &error));
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    g_assert_cmpstr(lines[0], ==, "file,predicted,good,defect");
    for (int i = 0; i < f.n_val; i++) {
        g_auto(GStrv) fields = g_strsplit(lines[i + 1], ",", -1);
        g_assert_cmpuint(g_strv_length(fields), ==, 2 + f.num_classes);
        const float *recorded = f.probabilities + ((gsize) best_epoch * f.n_val + i) * f.num_classes;
        const TrainPrediction *p = &f.predictions[(gsize) best_epoch * f.n_val + i];
        g_assert_cmpstr(fields[1], ==, p->predicted == 0 ? "good" : "defect");
        for (int c = 0; c < f.num_classes; c++)
            g_assert_cmpfloat((float) g_ascii_strtod(fields[2 + c], NULL), ==, recorded[c]);
    }
    g_assert_cmpstr(lines[f.n_val + 1], ==, "");
    train_predictions_file_clear(&f);
}

/* MODEL, then the validation images in the split's order. */
static const char **
validation_args(const char *model, const char *const *files, int n, const char *extra)
{
    const char **args = g_new0(const char *, n + 4);
    int k = 0;
    if (extra)
        args[k++] = extra;
    args[k++] = model;
    for (int i = 0; i < n; i++)
        args[k++] = files[i];
    return args;
}

/* lrlab-predict --KIND=dir/KIND on the validation images: it exits 0 and gives the
 * recorded numbers all the same. Returns the overlays' folder. */
static char *
predict_with_overlays(const char *dir, const char *kind, const char *run_dir,
                      const char *const *sources, int n_val, int best)
{
    char *overlays = g_build_filename(dir, kind, NULL);
    g_autofree char *flag = g_strdup_printf("--%s=%s", kind, overlays);
    g_autofree const char **args = validation_args(run_dir, sources, n_val, flag);
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(predict(args, &out, &err), ==, 0);
    assert_reproduces(out, run_dir, best);
    return overlays;
}

static void
test_reproduces_a_folder_run(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(TrainRun) run = folder_run(dir, 20);
    g_autofree char *run_dir = g_build_filename(dir, "run", NULL);
    int n_val;
    train_run_get_val_indices(run, &n_val);
    const char *const *sources = train_run_get_val_sources(run);
    const int best = train_run_get_progress(run).best_epoch;
    g_autofree char *out = NULL, *err = NULL;
    /* the run folder: its best.ckpt at its batch size */
    g_autofree const char **args = validation_args(run_dir, sources, n_val, NULL);
    g_assert_cmpint(predict(args, &out, &err), ==, 0);
    assert_reproduces(out, run_dir, best);
    g_assert_cmpstr(err, ==, "");

    /* Grad-CAM overlays: one PNG per image, as the network saw it, and the same numbers */
    g_autofree char *maps = predict_with_overlays(dir, "grad-cam", run_dir, sources, n_val, best);
    for (int i = 0; i < n_val; i++) {
        g_autofree char *base = g_path_get_basename(sources[i]);
        g_autofree char *png = g_build_filename(maps, base, NULL);
        g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file(png, NULL);
        g_assert_nonnull(pixbuf);
        g_assert_cmpint(gdk_pixbuf_get_width(pixbuf), ==, 16);
    }

    /* Occlusion overlays likewise, in their own folder, the same numbers again; they are
     * other maps than Grad-CAM's */
    g_autofree char *occluded = predict_with_overlays(dir, "occlusion", run_dir, sources, n_val, best);
    int differ = 0;
    for (int i = 0; i < n_val; i++) {
        g_autofree char *base = g_path_get_basename(sources[i]);
        g_autofree char *png = g_build_filename(occluded, base, NULL);
        g_autofree char *gradcam_png = g_build_filename(maps, base, NULL);
        g_autofree char *a = NULL, *b = NULL;
        gsize na = 0, nb = 0;
        g_assert_true(g_file_get_contents(png, &a, &na, NULL));
        g_assert_true(g_file_get_contents(gradcam_png, &b, &nb, NULL));
        differ += na != nb || memcmp(a, b, na) != 0;
    }
    g_assert_cmpint(differ, >, 0);
    test_rmdir_recursive(dir);
}

static void
test_reproduces_the_builtin_chips(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *run_dir = g_build_filename(dir, "run", NULL);
    TrainConfig c;
    test_config_init(&c, "c4-p-f8-f2", 2);
    c.batch_size = 8;
    g_autoptr(TrainRun) run = train_run_new(&c, NULL);
    train_run_set_output_dir(run, run_dir);
    test_run_to_end(run);
    /* the same chips as files: PNG keeps every pixel */
    g_autofree char *root = g_build_filename(dir, "chips", NULL);
    GError *error = NULL;
    DataSet *set = train_run_get_dataset(run);
    g_assert_true(data_synthetic_export(set, root, &error));
    int n_val;
    const int *val = train_run_get_val_indices(run, &n_val);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < n_val; i++)
        g_ptr_array_add(files, g_strdup_printf("%s/%s/%06d.png", root,
                                               set->class_names[set->labels[val[i]]], val[i]));
    g_autofree char *ckpt = g_build_filename(run_dir, "best.ckpt", NULL);
    g_autofree const char **args = validation_args(ckpt, (const char *const *) files->pdata,
                                                   n_val, "--batch=8");
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(predict(args, &out, &err), ==, 0);
    assert_reproduces(out, run_dir, train_run_get_progress(run).best_epoch);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
save_png(const char *path, int width, int height, int channels)
{
    g_autoptr(GdkPixbuf) rgba = gdk_pixbuf_new(GDK_COLORSPACE_RGB, TRUE, 8, width, height);
    gdk_pixbuf_fill(rgba, 0x80604080);
    if (channels == 4) {
        g_assert_true(gdk_pixbuf_save(rgba, path, "png", NULL, NULL));
        return;
    }
    g_autoptr(GdkPixbuf) rgb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, width, height);
    gdk_pixbuf_fill(rgb, 0x80604000);
    g_assert_true(gdk_pixbuf_save(rgb, path, "png", NULL, NULL));
}

static int
count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void
test_bad_images(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(TrainRun) run = folder_run(dir, 8);
    g_autofree char *run_dir = g_build_filename(dir, "run", NULL);
    g_autofree char *new_dir = g_build_filename(dir, "new", NULL);
    g_assert_cmpint(g_mkdir(new_dir, 0755), ==, 0);
    g_autofree char *big = g_build_filename(new_dir, "a-big.png", NULL);
    g_autofree char *wide = g_build_filename(new_dir, "b-wide.png", NULL);
    g_autofree char *alpha = g_build_filename(new_dir, "c-alpha.png", NULL);
    g_autofree char *broken = g_build_filename(new_dir, "d-broken.png", NULL);
    g_autofree char *fits = g_build_filename(new_dir, "e-fits.png", NULL);
    save_png(big, 40, 40, 3);
    save_png(wide, 30, 12, 3);
    save_png(alpha, 16, 16, 4);
    g_assert_true(g_file_set_contents(broken, "\x89PNG\r\n\x1a\n but no more", -1, NULL));
    save_png(fits, 16, 16, 3);
    g_autofree char *missing = g_build_filename(dir, "nowhere.png", NULL);
    const char *args[] = { run_dir, new_dir, missing, NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(predict(args, &out, &err), ==, 3);
    /* the four readable images are predicted, in path order */
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 1 + 4 + 1);
    g_assert_true(g_str_has_prefix(lines[1], big));
    g_assert_true(g_str_has_prefix(lines[3], alpha));
    g_assert_true(g_str_has_prefix(lines[4], fits));
    /* each conversion is said once, for all the images it concerns */
    g_assert_cmpint(count(err, "resized"), ==, 1);
    g_assert_nonnull(strstr(err, "2 of 4 images are not 16x16: resized (center-crop)"));
    g_assert_cmpint(count(err, "transparency"), ==, 2);   /* once, in one sentence */
    g_assert_nonnull(strstr(err, "1 of 4 images are grey or have transparency"));
    /* the unreadable ones are listed with why */
    g_assert_nonnull(strstr(err, "skipped 2 of 6 files"));
    g_autofree char *broken_line = g_strdup_printf("  %s: ", broken);
    g_assert_nonnull(strstr(err, broken_line));
    g_autofree char *missing_line = g_strdup_printf("  %s: no such file or folder", missing);
    g_assert_nonnull(strstr(err, missing_line));
    test_rmdir_recursive(dir);
}

static void
write_bytes(const char *path, const char *data, gsize n)
{
    g_assert_true(g_file_set_contents(path, data, (gssize) n, NULL));
}

/* --export-onnx writes the graph train_onnx builds for the run's model, run folder or file. */
static void
test_export_onnx(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(TrainRun) run = folder_run(dir, 8);
    g_autofree char *run_dir = g_build_filename(dir, "run", NULL);
    g_autofree char *ckpt = g_build_filename(run_dir, "best.ckpt", NULL);
    g_autofree char *onnx = g_build_filename(dir, "model.onnx", NULL);
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--export-onnx", run_dir, onnx, NULL };

    g_assert_cmpint(predict(args, &out, &err), ==, 0);
    g_autofree char *bytes = NULL;
    gsize n = 0;
    g_assert_true(g_file_get_contents(onnx, &bytes, &n, NULL));
    TrainModelInfo info;
    g_autoptr(GError) error = NULL;
    nn_model *model = train_model_load(ckpt, 1, &info, NULL, &error);
    g_assert_no_error(error);
    g_autoptr(GByteArray) expected = train_onnx_build(model, &info);
    g_assert_cmpmem(bytes, n, expected->data, expected->len);
    train_model_info_clear(&info);
    nn_model_free(model);

    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    const char *missing[] = { "--export-onnx", ckpt, NULL };
    g_assert_cmpint(predict(missing, &out, &err), ==, 2);
    g_assert_nonnull(strstr(err, "MODEL OUT"));
    test_rmdir_recursive(dir);
}

static void
test_bad_model_files(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(TrainRun) run = folder_run(dir, 8);
    g_autofree char *ckpt = g_build_filename(dir, "run", "best.ckpt", NULL);
    g_autofree char *image = g_build_filename(dir, "chips", "good", "000000.png", NULL);
    g_autofree char *data = NULL;
    gsize n;
    g_assert_true(g_file_get_contents(ckpt, &data, &n, NULL));
    g_autofree char *bad = g_build_filename(dir, "bad.ckpt", NULL);
    const char *args[] = { bad, image, NULL };
    g_autofree char *out = NULL, *err = NULL;

    struct { const char *what, *expect; } cases[] = {
        { "corrupt", "checksum" }, { "truncated", "truncated" }, { "version", "version 9" },
        { "first version", "first version" }, { "not a model", "not an LR Lab" },
    };
    for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
        g_autofree char *copy = g_memdup2(data, n);
        gsize len = n;
        if (k == 0)
            copy[n / 2] ^= 0x20;
        else if (k == 1)
            len = n * 2 / 3;
        else if (k == 2)
            copy[8] = 9;   /* u32 version after the magic */
        if (k == 3) {
            /* weights without the [model] description, as LR Lab's first version saved them */
            nn_spec spec;
            nn_error e;
            nn_model *m = NULL;
            g_assert_cmpint(nn_spec_parse(&spec, "c4-p-f8-f2", &e), ==, NN_OK);
            g_assert_cmpint(nn_model_create(&m, &spec, 16, 16, 3, 1, 1, 0, NN_OPTIMIZER_SGD, &e),
                            ==, NN_OK);
            g_assert_cmpint(nn_checkpoint_save(bad, m, NULL, &e), ==, NN_OK);
            nn_model_free(m);
        } else if (k == 4) {
            write_bytes(bad, "hello", 5);
        } else {
            write_bytes(bad, copy, len);
        }
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(predict(args, &out, &err), ==, 1);
        if (strstr(err, cases[k].expect) == NULL || strstr(err, bad) == NULL)
            g_error("%s: \"%s\" lacks \"%s\" or the file name", cases[k].what, err, cases[k].expect);
        g_assert_cmpstr(out, ==, "");
    }

    /* a command line without images */
    const char *usage[] = { ckpt, NULL };
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(predict(usage, &out, &err), ==, 2);
    g_assert_nonnull(strstr(err, "MODEL PATH"));
    test_rmdir_recursive(dir);
}

/* Occlusion through the predictor: maps in 0..1 whose largest value is 1 (or all 0 where
 * no patch costs the class anything), the predicted class by default and the asked one
 * otherwise, the same maps twice, a cancelled call stopped before any work, and a patch
 * larger than the image refused in words. */
static void
test_occlusion(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(TrainRun) run = folder_run(dir, 8);
    g_autofree char *ckpt = g_build_filename(dir, "run", "best.ckpt", NULL);
    GError *error = NULL;
    g_autoptr(TrainPredictor) p = train_predictor_new(ckpt, 8, &error);
    g_assert_no_error(error);
    DataSet *set = train_run_get_dataset(run);
    enum { N = 4 };
    const int side = p->size, K = nn_model_num_classes(p->model);
    const gsize map = (gsize) side * side;
    const guint8 *pixels[N];
    for (int i = 0; i < N; i++)
        pixels[i] = data_set_image(set, i);
    float probs[N * 2], maps[N * 16 * 16], again[N * 16 * 16];
    int used[N], asked[N] = { 1, 1, 0, 0 };
    g_assert_cmpint(side, ==, 16);
    g_assert_cmpint(K, ==, 2);
    g_assert_cmpint(train_predictor_occlusion_window(p), ==, 2);
    train_predictor_predict(p, pixels, N, probs);

    g_assert_true(train_predictor_occlusion(p, pixels, N, NULL, 0, maps, used, NULL, &error));
    g_assert_no_error(error);
    int lit = 0;
    for (int i = 0; i < N; i++) {
        float lo = 1, hi = 0;
        for (gsize k = 0; k < map; k++) {
            lo = MIN(lo, maps[i * map + k]);
            hi = MAX(hi, maps[i * map + k]);
        }
        g_assert_cmpfloat(lo, >=, 0);
        g_assert_true(hi == 1 || hi == 0);
        lit += hi == 1;
        g_assert_cmpint(used[i], ==, train_argmax(probs + i * K, K));
    }
    g_assert_cmpint(lit, >, 0);
    g_assert_true(train_predictor_occlusion(p, pixels, N, NULL, 0, again, NULL, NULL, &error));
    g_assert_cmpmem(maps, sizeof maps, again, sizeof again);
    g_assert_true(train_predictor_occlusion(p, pixels, N, asked, 4, maps, used, NULL, &error));
    g_assert_cmpmem(used, sizeof used, asked, sizeof asked);

    g_autoptr(GCancellable) cancelled = g_cancellable_new();
    g_cancellable_cancel(cancelled);
    g_assert_false(train_predictor_occlusion(p, pixels, N, NULL, 0, maps, NULL, cancelled, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error(&error);
    g_assert_false(train_predictor_occlusion(p, pixels, 1, NULL, 17, maps, NULL, NULL, &error));
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_clear_error(&error);
    test_rmdir_recursive(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (argc < 2) {
        g_printerr("usage: %s PATH-TO-lrlab-predict\n", argv[0]);
        return 1;
    }
    lrlab_predict = argv[1];
    g_test_add_func("/train/predict/reproduces-a-folder-run", test_reproduces_a_folder_run);
    g_test_add_func("/train/predict/reproduces-the-builtin-chips",
                    test_reproduces_the_builtin_chips);
    g_test_add_func("/train/predict/bad-images", test_bad_images);
    g_test_add_func("/train/predict/occlusion", test_occlusion);
    g_test_add_func("/train/predict/bad-model-files", test_bad_model_files);
    g_test_add_func("/train/predict/export-onnx", test_export_onnx);
    return g_test_run();
}
