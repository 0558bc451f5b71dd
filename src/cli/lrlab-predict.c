/* lrlab-predict: a trained LR Lab model applied to new images, without a window. Reads a
 * model file (a run's best.ckpt, or the run folder itself) and image files or folders,
 * and writes one CSV line per image: the file, the predicted class and every class's
 * probability; --grad-cam DIR and --occlusion DIR also write where the network looked,
 * as PNG overlays (Grad-CAM's or occlusion's map, train_predictor.h).
 * Images are decoded, resized and normalised exactly as the run's training images were,
 * so on a run's own validation images (in its order, at its batch size) it gives the very
 * probabilities predictions.bin recorded. Bad input is said in words: a model file that
 * is damaged or of another version stops it; images of another size or channel count are
 * converted as in training and said once; an image that cannot be read is skipped and
 * listed, and the rest are predicted. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "lrlab-predict-onnx.h"
#include "data_image.h"
#include "nn_threads.h"
#include "train_config.h"
#include "train_fields.h"
#include "train_format.h"
#include "train_heatmap.h"
#include "train_predictor.h"
#include "train_process.h"
#include "train_types.h"

/* 0: every image predicted; 1: nothing could be done (the model, the output); 2: a bad
 * command line; 3: predicted, but some images were skipped (listed on stderr). */
enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_SKIPPED = 3 };

/* Overlays are blended at this opacity: the chip and the map both readable. */
#define OVERLAY_OPACITY 0.5

typedef struct {
    char *grad_cam_dir;
    char *occlusion_dir;
    char *out;
    int batch;             /* 0: the run's, else 64 */
    int threads;
    gboolean modes[8];     /* one per row of the modes table below */
} PredictOptions;

typedef int (*ModeFunc)(const PredictOptions *options, char **args, int n_args);

static int predict_main(const PredictOptions *options, char **args, int n_args);

static int
onnx_main(const PredictOptions *options, char **args, int n_args)
{
    return lrlab_predict_export_onnx(args, n_args);
}

/* What lrlab-predict does with its arguments: the first row, predicting, when no mode
 * flag is given; another mode (an export, say) is one row here and its function in a
 * file of its own (src/cli/lrlab-predict-<mode>.c). */
static const struct {
    const char *flag;      /* NULL: the default mode */
    const char *help;
    const char *args;      /* for the usage line */
    int min_args;
    ModeFunc run;
} modes[] = {
    { NULL, NULL, "MODEL PATH...", 2, predict_main },
    { "export-onnx", "write MODEL as an ONNX file (opset 13) and exit: --export-onnx MODEL OUT",
      "MODEL OUT", 2, onnx_main },
};

G_STATIC_ASSERT(G_N_ELEMENTS(modes) <= G_N_ELEMENTS(((PredictOptions *) 0)->modes));

static void
fail(const char *format, ...) G_GNUC_PRINTF(1, 2);

static void
fail(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *message = g_strdup_vprintf(format, ap);
    va_end(ap);
    fprintf(stderr, "lrlab-predict: %s\n", message);
}

/* ---- the model ---- */

/* MODEL as a model file and the batch size its run validated with: a run folder's
 * best.ckpt and config.ini's batch size; a file alone, 64 (the default batch size). */
static char *
model_path(const char *model, int *run_batch)
{
    *run_batch = (int) train_field_find("batch-size")->def;
    if (!g_file_test(model, G_FILE_TEST_IS_DIR))
        return g_strdup(model);
    g_autofree char *config_path = g_build_filename(model, "config.ini", NULL);
    TrainConfig config;   /* load starts from the defaults and leaves them on failure */
    if (train_config_load(&config, config_path, NULL))
        *run_batch = config.batch_size;
    train_config_clear(&config);
    return g_build_filename(model, "best.ckpt", NULL);
}

/* ---- the images ---- */

static int
compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* path's image files, recursively and sorted, when it is a folder; path itself else. */
static void
collect(const char *path, GPtrArray *files, int depth)
{
    if (!g_file_test(path, G_FILE_TEST_IS_DIR) || depth > 16) {
        g_ptr_array_add(files, g_strdup(path));
        return;
    }
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (const char *name; dir && (name = g_dir_read_name(dir));) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (name[0] != '.' && (data_image_is_image_name(name) || g_file_test(child, G_FILE_TEST_IS_DIR)))
            g_ptr_array_add(names, g_steal_pointer(&child));
    }
    g_ptr_array_sort(names, compare_paths);
    for (guint i = 0; i < names->len; i++)
        collect(names->pdata[i], files, depth + 1);
}

/* ---- the output ---- */

/* A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
static void
put_field(FILE *out, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', out);
        fputc(*c, out);
    }
    fputc('"', out);
}

static void
put_header(FILE *out, const TrainModelInfo *info)
{
    fputs("file,predicted", out);
    for (int c = 0; c < info->num_classes; c++) {
        fputc(',', out);
        put_field(out, info->class_names[c]);
    }
    fputc('\n', out);
}

static void
put_row(FILE *out, const char *file, const TrainModelInfo *info, const float *probs)
{
    char number[G_ASCII_DTOSTR_BUF_SIZE];
    put_field(out, file);
    fputc(',', out);
    put_field(out, info->class_names[train_argmax(probs, info->num_classes)]);
    for (int c = 0; c < info->num_classes; c++)
        fprintf(out, ",%s", train_format_float(number, probs[c]));
    fputc('\n', out);
}

/* <file's name>.png, numbered when two files share a name; taken keeps it (borrowed). */
static const char *
overlay_name(const char *file, GHashTable *taken)
{
    g_autofree char *base = g_path_get_basename(file);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    char *name = g_strdup_printf("%s.png", base);
    for (int k = 2; g_hash_table_contains(taken, name); k++) {
        g_free(name);
        name = g_strdup_printf("%s-%d.png", base, k);
    }
    g_hash_table_add(taken, name);
    return name;
}

static gboolean
write_overlay(const char *path, const guint8 *image, const float *map, int size, GError **error)
{
    g_autofree guint8 *rgb = g_malloc((gsize) size * size * 3);
    train_heatmap_overlay(rgb, image, map, size, size, OVERLAY_OPACITY);
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data(rgb, GDK_COLORSPACE_RGB, FALSE, 8, size,
                                                           size, size * 3, NULL, NULL);
    return gdk_pixbuf_save(pixbuf, path, "png", error, NULL);
}

/* ---- predicting ---- */

typedef struct {
    const PredictOptions *options;
    TrainPredictor *predictor;
    FILE *out;
    GHashTable *overlay_names;     /* taken so far: the same in every overlay folder */
    /* the batch being filled */
    int n;
    guint8 *pixels;        /* (batch, size, size, 3) */
    const char **files;    /* (batch), borrowed */
    /* what is said at the end */
    int predicted, resized, converted;
    GPtrArray *skipped;    /* "path: reason" */
} Job;

/* The batch's maps (n, size, size) as overlays in dir, names[i] for files[i]. */
static gboolean
write_overlays(Job *job, const char *dir, const char *const *names, const guint8 *const *images,
               const float *maps)
{
    const int size = job->predictor->size;
    for (int i = 0; i < job->n; i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(dir, names[i], NULL);
        if (!write_overlay(path, images[i], maps + (gsize) i * size * size, size, &error)) {
            g_autofree char *shown = g_filename_display_name(path);
            fail("cannot write %s: %s", shown, error->message);
            return FALSE;
        }
    }
    return TRUE;
}

/* Predicts the images of the batch (and writes their overlays), then empties it. */
static gboolean
flush(Job *job)
{
    TrainPredictor *p = job->predictor;
    const int K = p->info.num_classes;
    const gsize image = (gsize) p->size * p->size * 3;
    g_autofree float *probs = g_new(float, (gsize) job->n * K);
    g_autofree const guint8 **images = g_new(const guint8 *, MAX(job->n, 1));
    for (int i = 0; i < job->n; i++)
        images[i] = job->pixels + i * image;
    g_autofree float *maps = NULL;
    g_autofree const char **names = NULL;
    if (job->options->grad_cam_dir || job->options->occlusion_dir) {
        maps = g_new(float, (gsize) job->n * p->size * p->size);
        names = g_new(const char *, job->n);
        for (int i = 0; i < job->n; i++)
            names[i] = overlay_name(job->files[i], job->overlay_names);
    }
    if (job->options->grad_cam_dir) {
        g_autoptr(GError) error = NULL;
        if (!train_predictor_gradcam(p, images, job->n, NULL, maps, NULL, probs, &error)) {
            fail("--grad-cam: %s", error->message);
            return FALSE;
        }
        if (!write_overlays(job, job->options->grad_cam_dir, names, images, maps))
            return FALSE;
    } else {
        train_predictor_predict(p, images, job->n, probs);
    }
    /* For the predicted class, as Grad-CAM's: a forward pass per hidden patch, so slow. */
    if (job->options->occlusion_dir) {
        g_autoptr(GError) error = NULL;
        if (!train_predictor_occlusion(p, images, job->n, NULL, 0, maps, NULL, NULL, &error)) {
            fail("--occlusion: %s", error->message);
            return FALSE;
        }
        if (!write_overlays(job, job->options->occlusion_dir, names, images, maps))
            return FALSE;
    }
    for (int i = 0; i < job->n; i++)
        put_row(job->out, job->files[i], &p->info, probs + (gsize) i * K);
    job->predicted += job->n;
    job->n = 0;
    return TRUE;
}

/* Decodes file into the batch (or lists why not); predicts when the batch is full. */
static gboolean
add_image(Job *job, const char *file)
{
    TrainPredictor *p = job->predictor;
    DataImageInfo info;
    guint8 *slot = job->pixels + (gsize) job->n * p->size * p->size * 3;
    g_autofree char *reason = g_file_test(file, G_FILE_TEST_EXISTS)
                                  ? data_image_load(file, p->size, p->info.resize, slot, &info)
                                  : g_strdup("no such file or folder");
    if (reason) {
        g_ptr_array_add(job->skipped, g_strdup_printf("%s: %s", file, reason));
        return TRUE;
    }
    job->resized += info.width != p->size || info.height != p->size;
    job->converted += info.channels != 0 && info.channels != 3;
    job->files[job->n++] = file;
    return job->n < p->batch || flush(job);
}

/* The conversions and the skipped files, each said once. */
static void
report(const Job *job, int n_files)
{
    const int n = job->predicted;
    const TrainPredictor *p = job->predictor;
    TrainConfig as_trained;   /* the resize mode in the words config.ini uses */
    train_config_init(&as_trained);
    as_trained.resize = p->info.resize;
    g_autofree char *resize = train_field_format(train_field_find("resize"), &as_trained);
    train_config_clear(&as_trained);
    if (job->resized)
        fprintf(stderr, "lrlab-predict: %d of %d images are not %dx%d: resized (%s) as the "
                        "model's training images were.\n", job->resized, n, p->size,
                p->size, resize);
    if (job->converted)
        fprintf(stderr, "lrlab-predict: %d of %d images are grey or have transparency: "
                        "converted to RGB (transparency over black) as in training.\n",
                job->converted, n);
    if (job->skipped->len) {
        fprintf(stderr, "lrlab-predict: skipped %u of %d files that cannot be read; the others "
                        "are predicted:\n", job->skipped->len, n_files);
        for (guint i = 0; i < job->skipped->len; i++)
            fprintf(stderr, "  %s\n", (char *) job->skipped->pdata[i]);
    }
}

static int
predict_main(const PredictOptions *o, char **args, int n_args)
{
    int run_batch;
    g_autofree char *path = model_path(args[0], &run_batch);
    g_autoptr(GError) error = NULL;
    g_autoptr(TrainPredictor) predictor =
        train_predictor_new(path, o->batch > 0 ? o->batch : run_batch, &error);
    if (predictor == NULL) {
        fail("%s", error->message);
        return EXIT_FAILED;
    }
    const struct { const char *flag, *dir; } overlays[] = {
        { "--grad-cam", o->grad_cam_dir }, { "--occlusion", o->occlusion_dir },
    };
    for (guint k = 0; k < G_N_ELEMENTS(overlays); k++)
        if (overlays[k].dir && g_mkdir_with_parents(overlays[k].dir, 0755) != 0) {
            g_autofree char *shown = g_filename_display_name(overlays[k].dir);
            fail("%s: cannot create the folder %s: %s", overlays[k].flag, shown, g_strerror(errno));
            return EXIT_FAILED;
        }
    FILE *out = o->out ? fopen(o->out, "w") : stdout;
    if (out == NULL) {
        fail("--out: cannot write %s: %s", o->out, g_strerror(errno));
        return EXIT_FAILED;
    }
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    for (int i = 1; i < n_args; i++)
        collect(args[i], files, 0);

    const gsize image = (gsize) predictor->size * predictor->size * 3;
    g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree guint8 *pixels = g_malloc((gsize) predictor->batch * image);
    g_autofree const char **batch_files = g_new(const char *, predictor->batch);
    Job job = {
        .options = o, .predictor = predictor, .out = out, .overlay_names = names,
        .pixels = pixels, .files = batch_files,
        .skipped = g_ptr_array_new_with_free_func(g_free),
    };
    put_header(out, &predictor->info);
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < files->len; i++)
        ok = add_image(&job, files->pdata[i]);
    ok = ok && (job.n == 0 || flush(&job));
    if (out != stdout && fclose(out) != 0 && ok) {
        fail("--out: cannot write %s: %s", o->out, g_strerror(errno));
        ok = FALSE;
    }
    report(&job, (int) files->len);
    const guint n_skipped = job.skipped->len;
    g_ptr_array_unref(job.skipped);
    if (ok && job.predicted == 0) {
        fail("no image could be predicted");
        ok = FALSE;
    }
    return !ok ? EXIT_FAILED : n_skipped ? EXIT_SKIPPED : 0;
}

int
main(int argc, char **argv)
{
    train_process_init(argv);
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");   /* CSV numbers are C-locale */
    PredictOptions o = { 0 };
    GOptionEntry entries[8 + G_N_ELEMENTS(modes)] = {
        { "grad-cam", 0, 0, G_OPTION_ARG_FILENAME, &o.grad_cam_dir,
          "also write where the network looked (Grad-CAM for the predicted class over the "
          "image as the network saw it) as DIR/<image name>.png", "DIR" },
        { "occlusion", 0, 0, G_OPTION_ARG_FILENAME, &o.occlusion_dir,
          "also write where hiding a patch costs the predicted class most (occlusion: a "
          "forward pass per patch, about 225 per image, so slow) as DIR/<image name>.png",
          "DIR" },
        { "out", 0, 0, G_OPTION_ARG_FILENAME, &o.out, "write the CSV to FILE (default: standard "
          "output)", "FILE" },
        { "batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "images per forward pass (default: the "
          "run's batch size for a run folder, else 64)", "N" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &o.threads, "engine threads (default: all cores)",
          "N" },
    };
    int n_entries = 5;
    for (guint m = 0; m < G_N_ELEMENTS(modes); m++)
        if (modes[m].flag)
            entries[n_entries++] = (GOptionEntry) { modes[m].flag, 0, 0, G_OPTION_ARG_NONE,
                                                    &o.modes[m], modes[m].help, NULL };
    g_autoptr(GOptionContext) context = g_option_context_new("MODEL PATH... - apply a trained "
                                                             "model to images");
    g_option_context_set_summary(context,
        "MODEL is a model file (a run's best.ckpt) or a run folder. PATH are image files or\n"
        "folders of them (searched recursively). Writes CSV: file, predicted class, then every\n"
        "class's probability, one line per image, the classes in the model's order.");
    g_option_context_set_description(context,
        "Exit status: 0 every image predicted, 1 the model or the output failed, 2 a bad\n"
        "command line, 3 some images could not be read (listed; the rest are predicted).\n\n"
        "Examples:\n"
        "  lrlab-predict runs/lr_1e-03 chips/ > predictions.csv\n"
        "  lrlab-predict --grad-cam heatmaps runs/lr_1e-03/best.ckpt new/*.png\n"
        "  lrlab-predict --occlusion occluded runs/lr_1e-03 new/\n");
    g_option_context_add_main_entries(context, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        fail("%s (see --help)", error->message);
        return EXIT_USAGE;
    }
    if (o.batch < 0 || o.batch > 4096 || o.threads < 0) {
        fail("--batch takes 1 to 4096 images and --threads a positive count (see --help)");
        return EXIT_USAGE;
    }
    nn_set_threads(o.threads);
    guint mode = 0;
    for (guint m = 1; m < G_N_ELEMENTS(modes); m++)
        if (o.modes[m])
            mode = m;
    if (argc - 1 < modes[mode].min_args) {
        fail("expected %s (see --help)", modes[mode].args);
        return EXIT_USAGE;
    }
    int status = modes[mode].run(&o, argv + 1, argc - 1);
    g_free(o.grad_cam_dir);
    g_free(o.occlusion_dir);
    g_free(o.out);
    return status;
}
