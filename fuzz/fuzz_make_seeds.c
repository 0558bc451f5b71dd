/* fuzz_make_seeds: writes the seed corpus of every fuzz target into DIR/<target>/ with the
 * code that writes the real files (nn_checkpoint_save, train_predictions_save, the run
 * folder's writers, GdkPixbuf's savers), so a seed is what a user's folder holds. Run
 * after a format changes: build-dir/fuzz/fuzz-make-seeds fuzz/corpus, then commit. The
 * text seeds (specs, layouts) are written here too, so the corpus is one program's. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_checkpoint.h"
#include "train_config.h"
#include "train_history.h"
#include "train_predictions.h"
#include "train_record.h"

static const char *out_dir;

static char *
seed_path(const char *target, const char *name)
{
    g_autofree char *dir = g_build_filename(out_dir, target, NULL);
    g_mkdir_with_parents(dir, 0755);
    return g_build_filename(dir, name, NULL);
}

static void
write_seed(const char *target, const char *name, const void *data, gsize len)
{
    g_autofree char *path = seed_path(target, name);
    g_autoptr(GError) error = NULL;
    if (!g_file_set_contents(path, data, (gssize) len, &error))
        g_error("%s", error->message);
}

static void
write_text_seeds(const char *target, const char *const *texts)
{
    for (int i = 0; texts[i] != NULL; i++) {
        g_autofree char *name = g_strdup_printf("%02d.txt", i);
        write_seed(target, name, texts[i], strlen(texts[i]));
    }
}

static void
spec_seeds(void)
{
    static const char *const specs[] = {
        "paper", "small", "tiny", "c64-p-c64-p-c128-c128-p-c256-c256-p-c64-p-f512-d0.5-f2",
        " C32k5-P-c16k3-F10 ", "c8k1-d0.1-p-d0-f4-d.25-f3", "c8-d1e-05-f16-d0.00001-f2",
        "c8--f2", "c8-d1e-f2", "f2", NULL,
    };
    write_text_seeds("fuzz_spec", specs);
}

/* The network fuzz_checkpoint loads into. */
static nn_model *
seed_model(void)
{
    nn_spec spec;
    nn_error err;
    nn_model *model = NULL;
    if (nn_spec_parse(&spec, "c2-p-f4-d0.5-f2", &err) != NN_OK ||
        nn_model_create(&model, &spec, 4, 4, 3, 1, 7, 0, NN_OPTIMIZER_ADAM, &err) != NN_OK)
        g_error("%s", err.message);
    return model;
}

static void
checkpoint_seeds(void)
{
    nn_model *model = seed_model();
    nn_error err;
    const nn_optimizer_kind kinds[] = { NN_OPTIMIZER_ADAM, NN_OPTIMIZER_SGD };
    const char *names[] = { "adam.ckpt", "sgd.ckpt" };
    for (int k = 0; k < 2; k++) {
        nn_optimizer opt;
        nn_optimizer_config config = nn_optimizer_config_default(kinds[k]);
        if (nn_optimizer_init(&opt, &config, nn_model_num_parameters(model), &err) != NN_OK)
            g_error("%s", err.message);
        float input[4 * 4 * 3];
        for (int i = 0; i < 48; i++)
            input[i] = (float) (i % 7) / 7;
        int label = 1;
        nn_model_zero_grad(model);
        nn_model_forward(model, input, &label, 1, 1);
        nn_model_backward(model);
        nn_optimizer_step(&opt, nn_model_params(model), nn_model_grads(model));
        g_autofree char *path = seed_path("fuzz_checkpoint", names[k]);
        if (nn_checkpoint_save(path, model, &opt, &err) != NN_OK)
            g_error("%s", err.message);
        nn_optimizer_free(&opt);
    }
    g_autofree char *weights = seed_path("fuzz_checkpoint", "weights.ckpt");
    if (nn_checkpoint_save(weights, model, NULL, &err) != NN_OK)
        g_error("%s", err.message);
    nn_model_free(model);
}

/* A small run folder's files, written by the run's own writers into dir. */
static void
write_run_folder(const char *dir, TrainStatus status, int n_epochs)
{
    char *classes[] = { "good", "defect", NULL };
    int indices[3] = { 4, 0, 9 }, labels[3] = { 1, 0, 1 };
    char *sources[] = { "synthetic/defect/000004", "synthetic/good/000000", "x.png", NULL };
    TrainRecordSplit split = { .num_classes = 2, .class_names = classes, .n_val = 3,
                               .val_indices = indices, .val_labels = labels,
                               .val_sources = sources };
    TrainEpoch epochs[2];
    float probabilities[6 * 2];   /* (epochs, images, classes) */
    for (int e = 0; e < 2; e++)
        epochs[e] = (TrainEpoch) { .epoch = e, .loss = 0.7 - 0.1 * e, .accuracy = 0.5 + 0.1 * e,
                                   .val_loss = 0.69 - 0.05 * e, .val_accuracy = 0.5,
                                   .lr = 1e-3, .seconds = 1.5, .images_per_second = 100 };
    for (int i = 0; i < 6; i++) {
        probabilities[2 * i] = 0.5f + 0.05f * i;
        probabilities[2 * i + 1] = 1.0f - probabilities[2 * i];
    }
    TrainConfig config;
    train_config_init(&config);
    config.name = g_strdup("seed");
    TrainProgress progress = train_progress_init(config.epochs);
    progress.status = status;
    g_autoptr(GError) error = NULL;
    if (!train_record_write_config(dir, &config, &error) ||
        !train_record_write_epochs(dir, &split, epochs, n_epochs, probabilities, &error) ||
        !train_record_write_status(dir, &progress, status == TRAIN_STATUS_FAILED ? "no" : NULL,
                                   n_epochs, &split, &error))
        g_error("%s", error->message);
    train_config_clear(&config);
}

static char *
read_part(const char *dir, const char *name, gsize *len)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *data = NULL;
    if (!g_file_get_contents(path, &data, len, NULL))
        g_error("cannot read %s", path);
    return data;
}

static void
record_seeds(void)
{
    g_autofree char *dir = g_dir_make_tmp("lrlab-seeds-XXXXXX", NULL);
    const struct { TrainStatus status; int epochs; const char *name; } runs[] = {
        { TRAIN_STATUS_FINISHED, 2, "finished" },
        { TRAIN_STATUS_RUNNING, 1, "killed" },
        { TRAIN_STATUS_FAILED, 0, "failed" },
    };
    for (guint r = 0; r < G_N_ELEMENTS(runs); r++) {
        write_run_folder(dir, runs[r].status, runs[r].epochs);
        static const char *const parts[] = { "config.ini", "status.ini", "history.csv",
                                             "predictions.bin" };
        GString *folder = g_string_new(NULL);
        for (guint p = 0; p < G_N_ELEMENTS(parts); p++) {
            gsize len;
            g_autofree char *data = read_part(dir, parts[p], &len);
            g_string_append_len(folder, data, (gssize) len);
            g_string_append(folder, "\n%%\n");
            if (p == 2) {
                g_autofree char *name = g_strdup_printf("%s.csv", runs[r].name);
                write_seed("fuzz_history", name, data, len);
            } else if (p == 3) {
                g_autofree char *name = g_strdup_printf("%s.bin", runs[r].name);
                write_seed("fuzz_predictions", name, data, len);
            } else if (p == 0 && r == 0) {
                write_seed("fuzz_config", "defaults.ini", data, len);
            }
        }
        g_string_append(folder, "history.csv.Ab3dE9\nbest.ckpt.tmpQ1w2E3\nnotes.txt\n");
        g_autofree char *name = g_strdup_printf("%s.run", runs[r].name);
        write_seed("fuzz_run_folder", name, folder->str, folder->len);
        g_string_free(folder, TRUE);
    }
    const char keras[] = "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.51,0.70,0.5,0.69\n"
                         "1,0.6,0.65,0.55,0.66\n";
    write_seed("fuzz_history", "keras.csv", keras, sizeof keras - 1);

    /* A folder run with a schedule, and a folder whose name is not UTF-8. */
    TrainConfig config;
    train_config_init(&config);
    config.data_kind = TRAIN_DATA_FOLDER;
    config.folder = g_strdup("/data/caf\xe9/chips");
    config.schedule.kind = TRAIN_SCHEDULE_STEP;
    config.augment.flags = 5;
    g_autofree char *text = train_config_to_data(&config);
    write_seed("fuzz_config", "folder.ini", text, strlen(text));
    train_config_clear(&config);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        g_warning("could not remove %s", dir);
}

static void
image_seeds(void)
{
    /* JPEG and BMP have no alpha channel: those are written from an opaque copy. */
    GdkPixbuf *rgba = gdk_pixbuf_new(GDK_COLORSPACE_RGB, TRUE, 8, 8, 6);
    GdkPixbuf *rgb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, 8, 6);
    for (int i = 0; i < gdk_pixbuf_get_rowstride(rgba) * 6; i++)
        gdk_pixbuf_get_pixels(rgba)[i] = (guint8) (i * 37);
    for (int i = 0; i < gdk_pixbuf_get_rowstride(rgb) * 6; i++)
        gdk_pixbuf_get_pixels(rgb)[i] = (guint8) (i * 37);
    static const char *const formats[] = { "png", "jpeg", "bmp", "tiff", "webp" };
    for (guint f = 0; f < G_N_ELEMENTS(formats); f++) {
        gboolean opaque = g_str_equal(formats[f], "jpeg") || g_str_equal(formats[f], "bmp");
        gchar *buf;
        gsize len;
        g_autoptr(GError) error = NULL;
        if (!gdk_pixbuf_save_to_buffer(opaque ? rgb : rgba, &buf, &len, formats[f], &error,
                                       NULL)) {
            g_message("%s: %s (no seed)", formats[f], error->message);
            continue;
        }
        g_autofree char *name = g_strdup_printf("image.%s", formats[f]);
        write_seed("fuzz_image", name, buf, len);
        g_autofree char *cut = g_strdup_printf("cut.%s", formats[f]);
        write_seed("fuzz_image", cut, buf, len * 2 / 3);
        g_free(buf);
    }
    g_object_unref(rgba);
    g_object_unref(rgb);
    static const guint8 gif[] = {
        'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0,
        0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
    };
    write_seed("fuzz_image", "image.gif", gif, sizeof gif);
    const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"30000\" "
                       "height=\"30000\"><rect width=\"30000\" height=\"30000\"/></svg>";
    write_seed("fuzz_image", "drawing.svg", svg, sizeof svg - 1);
}

static void
layout_seeds(void)
{
    static const char *const layouts[] = {
        "f a/0.png\nf a/1.png\nf b/0.png\nf b/1.png g\n",
        "f train/a/0.png\nf train/b/0.png\nf val/a/0.png\nf val/b/0.png\nf test/a/0.png\n",
        "f a/0.png\nf b/0.png\nf b/1.png\nl a/from-b.png b/1.png\n",
        "f a/0.png\nf a/1.png\nl b a\n",
        "f a/0.png\nf a/sub/1.png\nl a/sub/up a\nf b/0.png\nf b/notes.txt hello\n",
        "f a/0.png\nf a/1.png e\nl a/gone.png nowhere.png\nf b/0.png\nf b/x.jpg not a jpeg\n",
        "f train/a/0.png\nf train/b/0.png\nf val/c/0.png\n",
        "f 0.png\nf 1.png\n",
        NULL,
    };
    write_text_seeds("fuzz_folder_layout", layouts);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS-DIR (fuzz/corpus)\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    spec_seeds();
    checkpoint_seeds();
    record_seeds();
    image_seeds();
    layout_seeds();
    printf("seeds written under %s\n", out_dir);
    return 0;
}
