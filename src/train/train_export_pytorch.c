/* train_export_pytorch: writes the project the header lists. train.py and the README's
 * text are resources of this library (src/train/pytorch/), so the project is the same
 * wherever LR Lab is installed. */
#include "train_export_pytorch.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "data_split.h"
#include "nn_model.h"
#include "train-resources.h"
#include "train_fields.h"
#include "train_model.h"
#include "train_types.h"

#define RESOURCE_DIR "/org/lrlab/train/pytorch/"

/* ---- PNG ---- */

static void
put_be32(GByteArray *out, guint32 v)
{
    guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
    g_byte_array_append(out, b, 4);
}

static void
put_chunk(GByteArray *out, const char *kind, const guint8 *data, gsize n)
{
    put_be32(out, (guint32) n);
    gsize start = out->len;
    g_byte_array_append(out, (const guint8 *) kind, 4);
    if (n)
        g_byte_array_append(out, data, (guint) n);
    put_be32(out, (guint32) crc32(0, out->data + start, (uInt) (n + 4)));
}

gboolean train_export_png(const char *path, const guint8 *pixels, int width, int height,
                          GError **error)
{
    gsize row = (gsize) width * 3, raw_size = (row + 1) * height;
    g_autofree guint8 *raw = g_malloc(raw_size);
    for (int y = 0; y < height; y++) {
        raw[y * (row + 1)] = 0;   /* filter type None */
        memcpy(raw + y * (row + 1) + 1, pixels + y * row, row);
    }
    uLongf packed_size = compressBound(raw_size);
    g_autofree guint8 *packed = g_malloc(packed_size);
    if (compress2(packed, &packed_size, raw, raw_size, 6) != Z_OK) {
        g_autofree char *shown = g_filename_display_name(path);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot compress %s"), shown);
        return FALSE;
    }
    g_autoptr(GByteArray) png = g_byte_array_new();
    g_byte_array_append(png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
    guint8 ihdr[13] = { width >> 24, width >> 16, width >> 8, width,
                        height >> 24, height >> 16, height >> 8, height,
                        8, 2, 0, 0, 0 };   /* 8-bit RGB, deflate, no filter set, no interlace */
    put_chunk(png, "IHDR", ihdr, sizeof ihdr);
    put_chunk(png, "IDAT", packed, packed_size);
    put_chunk(png, "IEND", NULL, 0);
    if (!g_file_set_contents(path, (const char *) png->data, png->len, error)) {
        g_autofree char *shown = g_filename_display_name(path);
        g_prefix_error(error, _("Cannot write %s: "), shown);
        return FALSE;
    }
    return TRUE;
}

/* ---- the project ---- */

static gboolean
make_dir(const char *path, GError **error)
{
    if (g_mkdir_with_parents(path, 0755) == 0)
        return TRUE;
    int saved = errno;
    g_autofree char *shown = g_filename_display_name(path);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), _("Cannot create folder %s: %s"),
                shown, g_strerror(saved));
    return FALSE;
}

/* dir must be new or empty: nothing of the user's is overwritten. */
static gboolean
check_target(const char *dir, GError **error)
{
    if (!g_file_test(dir, G_FILE_TEST_EXISTS))
        return make_dir(dir, error);
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    if (d == NULL)
        return FALSE;
    if (g_dir_read_name(d) != NULL) {
        g_autofree char *shown = g_filename_display_name(dir);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                    _("%s is not empty: choose a new or empty folder for the project "
                    "(nothing was written)"), shown);
        return FALSE;
    }
    return TRUE;
}

/* "images/<class>/<index>.png" of image i, relative to the project. */
static char *
image_path(const DataSet *set, int i)
{
    g_autofree char *base = g_strdup_printf("%06d.png", i);
    return g_build_filename("images", set->class_names[set->labels[i]], base, NULL);
}

static gboolean
write_images(const DataSet *set, const DataSplit *split, const char *dir,
             void (*progress)(int, int, gpointer), gpointer data, GError **error)
{
    for (int c = 0; c < set->num_classes; c++) {
        g_autofree char *class_dir = g_build_filename(dir, "images", set->class_names[c], NULL);
        if (!make_dir(class_dir, error))
            return FALSE;
    }
    const int total = split->n_train + split->n_val;
    for (int k = 0; k < total; k++) {
        int i = k < split->n_train ? split->train[k] : split->val[k - split->n_train];
        g_autofree char *rel = image_path(set, i);
        g_autofree char *path = g_build_filename(dir, rel, NULL);
        if (!train_export_png(path, data_set_image(set, i), set->width, set->height, error))
            return FALSE;
        if (progress)
            progress(k + 1, total, data);
    }
    return TRUE;
}

/* A split list: "index<TAB>label<TAB>image<TAB>source" per image. Tabs or newlines in a
 * source (a file name may hold them) become spaces: the list is one image a line. */
static gboolean
write_list(const DataSet *set, const int *indices, int n, const char *path, GError **error)
{
    g_autoptr(GString) s = g_string_new("# index\tlabel\timage\tsource\n");
    for (int k = 0; k < n; k++) {
        int i = indices[k];
        g_autofree char *rel = image_path(set, i);
        g_autofree char *source = g_strdup(set->sources && set->sources[i] ? set->sources[i] : "");
        g_strdelimit(source, "\t\n\r", ' ');
        g_string_append_printf(s, "%d\t%d\t%s\t%s\n", i, set->labels[i], rel, source);
    }
    return g_file_set_contents(path, s->str, (gssize) s->len, error);
}

static void
set_floats(GKeyFile *kf, const char *key, const float *v)
{
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE];
    g_autofree char *text = g_strdup_printf("%s;%s;%s;", train_format_float(a, v[0]),
                                            train_format_float(b, v[1]), train_format_float(c, v[2]));
    g_key_file_set_value(kf, "project", key, text);
}

static const char *
resize_word(DataResizeMode mode)
{
    for (const TrainFieldChoice *c = train_field_find("resize")->choices; c->word; c++)
        if (c->value == (int) mode)
            return c->word;
    return "center-crop";
}

static gboolean
write_project_ini(const TrainConfig *config, const DataSet *set, const DataSplit *split,
                  const nn_spec *spec, const DataNormalization *norm, const char *path,
                  GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    char text[NN_SPEC_MAX_TEXT];
    nn_spec_format(spec, text, sizeof text);
    g_autofree char *input = g_strdup_printf("%dx%dx3", config->size, config->size);
    g_key_file_set_comment(kf, NULL, NULL,
                           " What LR Lab derived from config.ini for this dataset; train.py "
                           "reads it.", NULL);
    g_key_file_set_integer(kf, "project", "format", 1);
    g_key_file_set_string(kf, "project", "spec", text);
    g_key_file_set_string(kf, "project", "input", input);
    g_key_file_set_string_list(kf, "project", "classes", (const char *const *) set->class_names,
                               set->num_classes);
    g_key_file_set_string(kf, "project", "resize", resize_word(config->resize));
    set_floats(kf, "mean", norm->mean);
    set_floats(kf, "std", norm->std);
    g_key_file_set_integer(kf, "project", "n-train", split->n_train);
    g_key_file_set_integer(kf, "project", "n-val", split->n_val);
    return g_key_file_save_to_file(kf, path, error);
}

static GBytes *
resource(const char *name, GError **error)
{
    g_autofree char *path = g_strconcat(RESOURCE_DIR, name, NULL);
    return g_resource_lookup_data(train_get_resource(), path, 0, error);
}

static gboolean
write_resource(const char *name, const char *dir, GError **error)
{
    g_autoptr(GBytes) bytes = resource(name, error);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    gsize n = 0;
    const char *data = bytes ? g_bytes_get_data(bytes, &n) : NULL;
    return bytes && g_file_set_contents(path, data, (gssize) n, error);
}

/* README.md: the template with the run's facts in place of @KEYS@. */
static gboolean
write_readme(const TrainConfig *config, const DataSet *set, const DataSplit *split,
             const nn_spec *spec, const char *dir, GError **error)
{
    g_autoptr(GBytes) bytes = resource("README.md", error);
    if (bytes == NULL)
        return FALSE;
    char text[NN_SPEC_MAX_TEXT];
    nn_spec_format(spec, text, sizeof text);
    nn_memory_estimate est = { 0 };
    nn_model_estimate(spec, config->size, config->size, 3, config->batch_size, config->optimizer,
                      &est, NULL);
    g_autofree char *classes = g_strjoinv(", ", set->class_names);
    g_autofree char *augment = data_augment_config_to_string(&config->augment);
    const char *const keys[][2] = {
        { "@NAME@", config->name ? config->name : "an LR Lab run" },
        { "@SPEC@", text },
        { "@CLASSES@", classes },
        { "@AUGMENT@", augment },
    };
    g_autofree char *numbers = g_strdup_printf(
        "%d training and %d validation images of %dx%d, batch %d, %d epochs, %zu parameters; "
        "LR Lab's engine needs %.2f GiB for this batch (weights, gradients, optimizer, "
        "activations)", split->n_train, split->n_val, config->size, config->size,
        config->batch_size, config->epochs, est.num_parameters,
        est.total_bytes / (double) (1u << 30));
    GString *s = g_string_new_len(g_bytes_get_data(bytes, NULL), (gssize) g_bytes_get_size(bytes));
    for (guint k = 0; k < G_N_ELEMENTS(keys); k++)
        g_string_replace(s, keys[k][0], keys[k][1], 0);
    g_string_replace(s, "@NUMBERS@", numbers, 0);
    g_autofree char *path = g_build_filename(dir, "README.md", NULL);
    gboolean ok = g_file_set_contents(path, s->str, (gssize) s->len, error);
    g_string_free(s, TRUE);
    return ok;
}

gboolean train_export_pytorch(const TrainConfig *config, DataSet *set, const char *dir,
                              void (*progress)(int done, int total, gpointer data),
                              gpointer progress_data, GError **error)
{
    g_return_val_if_fail(config != NULL && set != NULL && dir != NULL, FALSE);

    nn_spec spec;
    nn_error err;
    nn_model *model = NULL;
    if (set->height != config->size || set->width != config->size)
        return train_invalid(error, _("The dataset's images are %dx%d but the run's input size is %d."),
                             set->width, set->height, config->size);
    if (!train_config_build_spec(config, set->num_classes, &spec, error))
        return FALSE;
    g_autoptr(DataSplit) split = data_split_new(set, config->val_split, config->split_seed);
    if (split == NULL || split->n_train == 0 || split->n_val == 0)
        return train_invalid(error, _("%d images are too few to split into training and "
                             "validation images with a validation split of %g."),
                             set->count, config->val_split);
    /* The run's initial weights: nn_model_create draws them from the seed alone. */
    if (nn_model_create(&model, &spec, config->size, config->size, 3, 1, config->seed, 0,
                        config->optimizer, &err) != NN_OK)
        return train_invalid(error, "%s", err.message);
    DataNormalization norm = data_normalization_compute(set, split->train, split->n_train);
    TrainModelInfo info;
    train_model_info_init(&info);
    info.has_info = TRUE;
    info.num_classes = set->num_classes;
    info.class_names = set->class_names;   /* borrowed for the save */
    info.norm = norm;
    info.resize = config->resize;

    g_autofree char *split_dir = g_build_filename(dir, "split", NULL);
    g_autofree char *train_list = g_build_filename(split_dir, "train.txt", NULL);
    g_autofree char *val_list = g_build_filename(split_dir, "val.txt", NULL);
    g_autofree char *initial = g_build_filename(dir, "initial.ckpt", NULL);
    g_autofree char *config_path = g_build_filename(dir, "config.ini", NULL);
    g_autofree char *project = g_build_filename(dir, "project.ini", NULL);
    gboolean ok = check_target(dir, error) && make_dir(split_dir, error) &&
                  write_list(set, split->train, split->n_train, train_list, error) &&
                  write_list(set, split->val, split->n_val, val_list, error) &&
                  train_model_save(initial, model, NULL, &info, NULL, error) &&
                  train_config_save(config, config_path, error) &&
                  write_project_ini(config, set, split, &spec, &norm, project, error) &&
                  write_resource("train.py", dir, error) &&
                  write_readme(config, set, split, &spec, dir, error) &&
                  write_images(set, split, dir, progress, progress_data, error);
    nn_model_free(model);
    return ok;
}
