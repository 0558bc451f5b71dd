/* train_model: a network and what it needs to be applied, in one checkpoint file whose
 * metadata is a GKeyFile (see train_model.h for the keys). */
#include "train_model.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_checkpoint.h"
#include "train_fields.h"
#include "train_format.h"

#define MODEL_GROUP "model"
#define MODEL_FORMAT 1

/* The resize mode's words are the settings table's (config.ini writes the same ones). */
static const TrainFieldChoice *
resize_choices(void)
{
    return train_field_find("resize")->choices;
}

static const char *
resize_word(DataResizeMode mode)
{
    for (const TrainFieldChoice *c = resize_choices(); c->word; c++)
        if (c->value == (int) mode)
            return c->word;
    return resize_choices()[0].word;
}

static int
resize_from_word(const char *word)
{
    for (const TrainFieldChoice *c = resize_choices(); word && c->word; c++)
        if (g_str_equal(c->word, word))
            return c->value;
    return -1;
}

void train_model_info_init(TrainModelInfo *info)
{
    g_return_if_fail(info != NULL);

    memset(info, 0, sizeof *info);
    info->norm = data_normalization_identity();
    info->resize = DATA_RESIZE_CENTER_CROP;
    info->epoch = -1;
}

void train_model_info_clear(TrainModelInfo *info)
{
    g_return_if_fail(info != NULL);

    g_strfreev(info->class_names);
    train_model_info_init(info);
}

/* The engine's status as a GError a user can read; the engine's message names the file. */
static gboolean
engine_failed(GError **error, nn_status status, const nn_error *err)
{
    GIOErrorEnum code = G_IO_ERROR_FAILED;
    switch (status) {
    case NN_ERR_FORMAT: code = G_IO_ERROR_INVALID_DATA; break;
    case NN_ERR_VERSION: code = G_IO_ERROR_NOT_SUPPORTED; break;
    case NN_ERR_MISMATCH: case NN_ERR_ARG: case NN_ERR_SPEC: code = G_IO_ERROR_INVALID_ARGUMENT; break;
    case NN_ERR_MEMORY: code = G_IO_ERROR_NO_SPACE; break;
    case NN_ERR_CANCELLED: code = G_IO_ERROR_CANCELLED; break;
    case NN_ERR_IO: case NN_OK: code = G_IO_ERROR_FAILED; break;
    }
    /* The engine names files by their bytes (it has no GLib): a path that is not UTF-8
     * would make the message one no label can show. */
    g_autofree char *message = g_utf8_make_valid(err->message, -1);
    g_set_error_literal(error, G_IO_ERROR, code, message);
    return FALSE;
}

static void
set_floats(GKeyFile *kf, const char *key, const float *v, int n)
{
    GString *text = g_string_new(NULL);
    for (int i = 0; i < n; i++) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_string_append_printf(text, "%s;", train_format_float(buf, v[i]));
    }
    g_key_file_set_value(kf, MODEL_GROUP, key, text->str);
    g_string_free(text, TRUE);
}

gboolean train_model_save(const char *path, const nn_model *model, const nn_optimizer *opt,
                          const TrainModelInfo *info, GKeyFile *extra, GError **error)
{
    g_return_val_if_fail(path != NULL && model != NULL && info != NULL, FALSE);

    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (extra) {
        g_autofree char *text = g_key_file_to_data(extra, NULL, NULL);
        g_key_file_load_from_data(kf, text, (gsize) -1, G_KEY_FILE_NONE, NULL);
    }
    char spec[NN_SPEC_MAX_TEXT];
    int H, W, C;
    nn_spec_format(nn_model_spec(model), spec, sizeof spec);
    nn_model_input_shape(model, &H, &W, &C);
    g_autofree char *input = g_strdup_printf("%dx%dx%d", H, W, C);
    g_key_file_set_integer(kf, MODEL_GROUP, "format", MODEL_FORMAT);
    g_key_file_set_string(kf, MODEL_GROUP, "spec", spec);
    g_key_file_set_string(kf, MODEL_GROUP, "input", input);
    if (info->class_names)
        g_key_file_set_string_list(kf, MODEL_GROUP, "classes",
                                   (const char *const *) info->class_names,
                                   g_strv_length(info->class_names));
    g_key_file_set_string(kf, MODEL_GROUP, "resize", resize_word(info->resize));
    set_floats(kf, "mean", info->norm.mean, 3);
    set_floats(kf, "std", info->norm.std, 3);
    g_key_file_set_integer(kf, MODEL_GROUP, "epoch", info->epoch);

    g_autofree char *metadata = g_key_file_to_data(kf, NULL, NULL);
    nn_error err;
    nn_status st = nn_checkpoint_save_with(path, model, opt, metadata, &err);
    return st == NN_OK ? TRUE : engine_failed(error, st, &err);
}

static gboolean
bad_metadata(GError **error, const char *path, const char *what)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                _("%s: its description of the model is damaged (%s)"), path, what);
    return FALSE;
}

static gboolean
get_floats(GKeyFile *kf, const char *key, float *out, int n)
{
    gsize len = 0;
    g_autofree double *v = g_key_file_get_double_list(kf, MODEL_GROUP, key, &len, NULL);
    if (v == NULL || (int) len != n)
        return FALSE;
    for (int i = 0; i < n; i++)
        out[i] = (float) v[i];
    return TRUE;
}

/* info and metadata from the checkpoint's text; the spec's class count checks the names. */
static gboolean
read_metadata(const char *path, const nn_checkpoint_info *ck, const nn_spec *spec,
              TrainModelInfo *info, GKeyFile **metadata, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    TrainModelInfo parsed;

    train_model_info_init(&parsed);
    parsed.format_version = ck->version;
    parsed.num_classes = nn_spec_num_classes(spec);
    if (ck->metadata && !g_key_file_load_from_data(kf, ck->metadata, (gsize) -1,
                                                   G_KEY_FILE_NONE, NULL))
        return bad_metadata(error, path, _("not key=value text"));
    if (g_key_file_has_group(kf, MODEL_GROUP)) {
        g_autofree char *resize = g_key_file_get_string(kf, MODEL_GROUP, "resize", NULL);
        GError *e = NULL;
        parsed.has_info = TRUE;
        parsed.class_names = g_key_file_get_string_list(kf, MODEL_GROUP, "classes", NULL, NULL);
        if (parsed.class_names == NULL ||
            (int) g_strv_length(parsed.class_names) != parsed.num_classes) {
            train_model_info_clear(&parsed);
            return bad_metadata(error, path, _("the class names do not match its outputs"));
        }
        int mode = resize_from_word(resize);
        parsed.resize = mode >= 0 ? (DataResizeMode) mode : DATA_RESIZE_CENTER_CROP;
        if (mode < 0 || !get_floats(kf, "mean", parsed.norm.mean, 3) ||
            !get_floats(kf, "std", parsed.norm.std, 3)) {
            train_model_info_clear(&parsed);
            return bad_metadata(error, path, _("resize mode or normalisation"));
        }
        for (int c = 0; c < 3; c++)
            if (!(parsed.norm.std[c] > 0)) {
                train_model_info_clear(&parsed);
                return bad_metadata(error, path, _("a standard deviation is not positive"));
            }
        parsed.epoch = g_key_file_get_integer(kf, MODEL_GROUP, "epoch", &e);
        if (e) {
            g_error_free(e);
            parsed.epoch = -1;
        }
    }
    if (info)
        *info = parsed;
    else
        train_model_info_clear(&parsed);
    if (metadata)
        *metadata = g_key_file_ref(kf);
    return TRUE;
}

nn_model *train_model_load(const char *path, int max_batch, TrainModelInfo *info,
                           GKeyFile **metadata, GError **error)
{
    g_return_val_if_fail(path != NULL && max_batch > 0, NULL);

    char spec_text[NN_SPEC_MAX_TEXT];
    int H, W, C;
    nn_checkpoint_info ck;
    nn_error err;
    nn_status st = nn_checkpoint_peek_info(path, spec_text, sizeof spec_text, &H, &W, &C, &ck,
                                           &err);
    if (st != NN_OK) {
        engine_failed(error, st, &err);
        return NULL;
    }
    nn_checkpoint_info_clear(&ck);
    nn_spec spec;
    nn_model *model = NULL;
    if ((st = nn_spec_parse(&spec, spec_text, &err)) != NN_OK ||
        (st = nn_model_create(&model, &spec, H, W, C, max_batch, 0, 0, NN_OPTIMIZER_SGD, &err))
            != NN_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("%s: the network it holds cannot be built: %s"), path, err.message);
        return NULL;
    }
    if (!train_model_load_into(path, model, NULL, info, metadata, error)) {
        nn_model_free(model);
        return NULL;
    }
    return model;
}

gboolean train_model_load_into(const char *path, nn_model *model, nn_optimizer *opt,
                               TrainModelInfo *info, GKeyFile **metadata, GError **error)
{
    g_return_val_if_fail(path != NULL && model != NULL, FALSE);

    /* The description is checked before the weights are loaded, so a file whose metadata
     * is damaged leaves the model as it was, as a damaged checkpoint does. */
    nn_checkpoint_info ck;
    nn_error err;
    nn_status st = nn_checkpoint_peek_info(path, NULL, 0, NULL, NULL, NULL, &ck, &err);
    if (st != NN_OK)
        return engine_failed(error, st, &err);
    TrainModelInfo parsed;
    g_autoptr(GKeyFile) kf = NULL;
    gboolean ok = read_metadata(path, &ck, nn_model_spec(model), &parsed, &kf, error);
    nn_checkpoint_info_clear(&ck);
    if (!ok)
        return FALSE;
    st = nn_checkpoint_load_with(path, model, opt, NULL, &err);
    if (st != NN_OK) {
        train_model_info_clear(&parsed);
        return engine_failed(error, st, &err);
    }
    if (info)
        *info = parsed;
    else
        train_model_info_clear(&parsed);
    if (metadata)
        *metadata = g_steal_pointer(&kf);
    return TRUE;
}
