/* train_config: the defaults, the range checks and the config.ini round trip of one
 * training run. config.ini is meant to be read by people, so every value is written in
 * words ("adam", "center-crop", "hflip;rot90") rather than as enum numbers. */
#include "train_config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>


void train_config_init(TrainConfig *config)
{
    g_return_if_fail(config != NULL);

    memset(config, 0, sizeof *config);
    config->data_kind = TRAIN_DATA_SYNTHETIC;
    config->synthetic = data_synthetic_params_default();
    config->resize = DATA_RESIZE_CENTER_CROP;
    config->model = g_strdup("small");
    config->size = 64;
    config->epochs = 30;
    config->batch_size = 64;
    config->optimizer = NN_OPTIMIZER_ADAM;
    config->lr = 1e-3;
    config->momentum = 0.9;
    config->dropout = TRUE;
    config->dropout_rate = 0;
    config->weight_decay = 1e-4;
    config->augment = data_augment_config_default();
    config->val_split = 0.25;
    config->seed = 1;
    config->early_stop_min_delta = 0;
    config->restore_best = TRUE;
}

void train_config_clear(TrainConfig *config)
{
    g_return_if_fail(config != NULL);

    g_clear_pointer(&config->name, g_free);
    g_clear_pointer(&config->folder, g_free);
    g_clear_pointer(&config->model, g_free);
}

void train_config_copy(TrainConfig *dst, const TrainConfig *src)
{
    g_return_if_fail(dst != NULL && src != NULL);

    *dst = *src;
    dst->name = g_strdup(src->name);
    dst->folder = g_strdup(src->folder);
    dst->model = g_strdup(src->model);
}

static gboolean
fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
fail(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, message);
    g_free(message);
    return FALSE;
}

gboolean train_config_validate(const TrainConfig *config, GError **error)
{
    g_return_val_if_fail(config != NULL, FALSE);

    if (config->data_kind == TRAIN_DATA_FOLDER) {
        if (config->folder == NULL || config->folder[0] == '\0')
            return fail(error, "folder: no image folder given");
    } else if (config->data_kind == TRAIN_DATA_SYNTHETIC) {
        const DataSyntheticParams *s = &config->synthetic;
        if (s->images_per_class < 2 || s->images_per_class > 1000000)
            return fail(error, "images per class must be between 2 and 1000000, got %d",
                        s->images_per_class);
        if (!(s->difficulty >= 0 && s->difficulty <= 1))
            return fail(error, "difficulty must be between 0 and 1, got %g", s->difficulty);
        if (!(s->label_noise >= 0 && s->label_noise <= 0.5))
            return fail(error, "label noise must be between 0 and 0.5, got %g", s->label_noise);
    } else {
        return fail(error, "data: unknown kind %d", (int) config->data_kind);
    }

    if (config->model == NULL || config->model[0] == '\0')
        return fail(error, "model: no preset or spec given");
    nn_spec spec;
    nn_error err;
    if (nn_spec_parse(&spec, config->model, &err) != NN_OK)
        return fail(error, "model: %s", err.message);

    if (config->size < 16 || config->size > 384)
        return fail(error, "size must be between 16 and 384 pixels, got %d", config->size);
    if (config->epochs < 1 || config->epochs > 100000)
        return fail(error, "epochs must be between 1 and 100000, got %d", config->epochs);
    if (config->batch_size < 1 || config->batch_size > 4096)
        return fail(error, "batch size must be between 1 and 4096, got %d", config->batch_size);
    if (config->optimizer != NN_OPTIMIZER_ADAM && config->optimizer != NN_OPTIMIZER_SGD)
        return fail(error, "optimizer must be adam or sgd");
    if (!(config->lr > 0 && config->lr <= 10))
        return fail(error, "learning rate must be in (0, 10], got %g", config->lr);
    if (!(config->momentum >= 0 && config->momentum < 1))
        return fail(error, "momentum must be in [0, 1), got %g", config->momentum);
    if (!(config->dropout_rate < 1))  /* <= 0 means the spec's own rate */
        return fail(error, "dropout rate must be in [0, 1), got %g", config->dropout_rate);
    if (config->weight_decay_on && !(config->weight_decay >= 0 && config->weight_decay <= 1))
        return fail(error, "weight decay must be in [0, 1], got %g", config->weight_decay);
    if (!(config->val_split > 0 && config->val_split <= 0.9))
        return fail(error, "validation split must be in (0, 0.9], got %g", config->val_split);
    if (config->early_stop_patience < 0 || config->early_stop_patience > 100000)
        return fail(error, "early-stopping patience must be between 0 (off) and 100000, got %d",
                    config->early_stop_patience);
    if (!(config->early_stop_min_delta >= 0 && isfinite(config->early_stop_min_delta)))
        return fail(error, "early-stopping min delta must be >= 0, got %g",
                    config->early_stop_min_delta);
    if (config->threads < 0 || config->threads > 1024)
        return fail(error, "threads must be between 0 (all cores) and 1024, got %d",
                    config->threads);
    for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++) {
        float s = config->augment.strength[i];
        if ((config->augment.flags & (1u << i)) && !(s >= 0 && s <= 1))
            return fail(error, "augmentation %s: strength must be between 0 and 1, got %g",
                        data_augment_kind_name(i), (double) s);
    }
    return TRUE;
}

const char *train_format_double(char *buf, double value)
{
    for (int digits = 1; digits <= 17; digits++) {
        char format[8];
        g_snprintf(format, sizeof format, "%%.%dg", digits);
        g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, format, value);
        if (g_ascii_strtod(buf, NULL) == value || !isfinite(value))
            break;
    }
    return buf;
}

/* GKeyFile writes doubles with 17 digits; people read config.ini. */
static void
set_double(GKeyFile *kf, const char *group, const char *key, double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_key_file_set_value(kf, group, key, train_format_double(buf, value));
}

/* ---- words for enums, both ways ---- */

static const char *const resize_names[] = { "center-crop", "squash", "letterbox", NULL };

static const char *
optimizer_name(nn_optimizer_kind kind)
{
    return kind == NN_OPTIMIZER_SGD ? "sgd" : "adam";
}

static int
lookup(const char *const *names, const char *word)
{
    for (int i = 0; word && names[i]; i++)
        if (g_ascii_strcasecmp(names[i], word) == 0)
            return i;
    return -1;
}

gboolean train_config_save(const TrainConfig *config, const char *path, GError **error)
{
    g_return_val_if_fail(config != NULL && path != NULL, FALSE);

    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_key_file_set_comment(kf, NULL, NULL,
                           " LR Lab training run: the settings it was started with.", NULL);
    if (config->name)
        g_key_file_set_string(kf, "run", "name", config->name);

    const DataSyntheticParams *s = &config->synthetic;
    g_key_file_set_string(kf, "data", "kind",
                          config->data_kind == TRAIN_DATA_FOLDER ? "folder" : "synthetic");
    if (config->folder)
        g_key_file_set_string(kf, "data", "folder", config->folder);
    g_key_file_set_string(kf, "data", "resize", resize_names[CLAMP(config->resize, 0, 2)]);
    g_key_file_set_integer(kf, "data", "images-per-class", s->images_per_class);
    set_double(kf, "data", "difficulty", s->difficulty);
    set_double(kf, "data", "label-noise", s->label_noise);
    g_key_file_set_boolean(kf, "data", "multiclass", s->multiclass);
    g_key_file_set_uint64(kf, "data", "data-seed", s->seed);
    set_double(kf, "data", "val-split", config->val_split);

    g_key_file_set_string(kf, "model", "model", config->model ? config->model : "");
    g_key_file_set_integer(kf, "model", "size", config->size);
    g_key_file_set_boolean(kf, "model", "dropout", config->dropout);
    set_double(kf, "model", "dropout-rate", config->dropout_rate);

    g_key_file_set_integer(kf, "training", "epochs", config->epochs);
    g_key_file_set_integer(kf, "training", "batch-size", config->batch_size);
    g_key_file_set_string(kf, "training", "optimizer", optimizer_name(config->optimizer));
    set_double(kf, "training", "lr", config->lr);
    set_double(kf, "training", "momentum", config->momentum);
    g_key_file_set_boolean(kf, "training", "nesterov", config->nesterov);
    g_key_file_set_boolean(kf, "training", "weight-decay-on", config->weight_decay_on);
    set_double(kf, "training", "weight-decay", config->weight_decay);
    g_key_file_set_boolean(kf, "training", "decoupled", config->decoupled);
    g_key_file_set_uint64(kf, "training", "seed", config->seed);
    g_key_file_set_integer(kf, "training", "early-stop-patience", config->early_stop_patience);
    set_double(kf, "training", "early-stop-min-delta", config->early_stop_min_delta);
    g_key_file_set_boolean(kf, "training", "restore-best", config->restore_best);
    g_key_file_set_integer(kf, "training", "threads", config->threads);
    g_key_file_set_uint64(kf, "training", "memory-limit", config->memory_limit);

    g_autoptr(GPtrArray) names = g_ptr_array_new();
    double strengths[DATA_AUGMENT_N_KINDS];
    for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++) {
        if (config->augment.flags & (1u << i))
            g_ptr_array_add(names, (gpointer) data_augment_kind_name(i));
        strengths[i] = config->augment.strength[i];
    }
    g_key_file_set_string_list(kf, "augment", "kinds", (const char *const *) names->pdata,
                               names->len);
    /* Strengths are floats: their shortest float text, not the double's 17 digits. */
    GString *list = g_string_new(NULL);
    for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        for (int digits = 1; digits <= 9; digits++) {
            char format[8];
            g_snprintf(format, sizeof format, "%%.%dg", digits);
            g_ascii_formatd(buf, sizeof buf, format, strengths[i]);
            if ((float) g_ascii_strtod(buf, NULL) == (float) strengths[i])
                break;
        }
        g_string_append_printf(list, "%s;", buf);
    }
    g_key_file_set_value(kf, "augment", "strengths", list->str);
    g_string_free(list, TRUE);

    return g_key_file_save_to_file(kf, path, error);
}

/* Reads an optional key: a missing key keeps the default that train_config_init set;
 * a present but malformed one is an error, so a hand-edited typo is not silently lost. */
#define READ_KEY(getter, group, key, dst)                                      \
    do {                                                                       \
        if (g_key_file_has_key(kf, group, key, NULL)) {                        \
            GError *e_ = NULL;                                                 \
            __typeof__(dst) v_ = getter(kf, group, key, &e_);                  \
            if (e_) {                                                          \
                g_propagate_prefixed_error(error, e_, "%s: ", path);           \
                goto failed;                                                   \
            }                                                                  \
            dst = v_;                                                          \
        }                                                                      \
    } while (0)

gboolean train_config_load(TrainConfig *config, const char *path, GError **error)
{
    g_return_val_if_fail(config != NULL && path != NULL, FALSE);

    /* Declared before the first goto: cleanups must never see an uninitialised one. */
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *kind = NULL, *resize = NULL, *model = NULL, *optimizer = NULL;
    g_auto(GStrv) kinds = NULL;
    g_autofree double *strengths = NULL;
    gsize n_strengths = 0;

    train_config_init(config);
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
        goto failed;
    if (!g_key_file_has_group(kf, "training") || !g_key_file_has_group(kf, "model")) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "%s: not an LR Lab run configuration (no [model] or [training] group)",
                    path);
        goto failed;
    }

    kind = g_key_file_get_string(kf, "data", "kind", NULL);
    if (kind && g_str_equal(kind, "folder"))
        config->data_kind = TRAIN_DATA_FOLDER;
    g_free(config->name);
    config->name = g_key_file_get_string(kf, "run", "name", NULL);
    config->folder = g_key_file_get_string(kf, "data", "folder", NULL);
    resize = g_key_file_get_string(kf, "data", "resize", NULL);
    if (resize && lookup(resize_names, resize) >= 0)
        config->resize = lookup(resize_names, resize);

    DataSyntheticParams *s = &config->synthetic;
    READ_KEY(g_key_file_get_integer, "data", "images-per-class", s->images_per_class);
    READ_KEY(g_key_file_get_double, "data", "difficulty", s->difficulty);
    READ_KEY(g_key_file_get_double, "data", "label-noise", s->label_noise);
    READ_KEY(g_key_file_get_boolean, "data", "multiclass", s->multiclass);
    READ_KEY(g_key_file_get_uint64, "data", "data-seed", s->seed);
    READ_KEY(g_key_file_get_double, "data", "val-split", config->val_split);

    model = g_key_file_get_string(kf, "model", "model", NULL);
    if (model) {
        g_free(config->model);
        config->model = g_steal_pointer(&model);
    }
    READ_KEY(g_key_file_get_integer, "model", "size", config->size);
    READ_KEY(g_key_file_get_boolean, "model", "dropout", config->dropout);
    READ_KEY(g_key_file_get_double, "model", "dropout-rate", config->dropout_rate);

    READ_KEY(g_key_file_get_integer, "training", "epochs", config->epochs);
    READ_KEY(g_key_file_get_integer, "training", "batch-size", config->batch_size);
    optimizer = g_key_file_get_string(kf, "training", "optimizer", NULL);
    if (optimizer)
        config->optimizer = g_ascii_strcasecmp(optimizer, "sgd") == 0 ? NN_OPTIMIZER_SGD
                                                                      : NN_OPTIMIZER_ADAM;
    READ_KEY(g_key_file_get_double, "training", "lr", config->lr);
    READ_KEY(g_key_file_get_double, "training", "momentum", config->momentum);
    READ_KEY(g_key_file_get_boolean, "training", "nesterov", config->nesterov);
    READ_KEY(g_key_file_get_boolean, "training", "weight-decay-on", config->weight_decay_on);
    READ_KEY(g_key_file_get_double, "training", "weight-decay", config->weight_decay);
    READ_KEY(g_key_file_get_boolean, "training", "decoupled", config->decoupled);
    READ_KEY(g_key_file_get_uint64, "training", "seed", config->seed);
    READ_KEY(g_key_file_get_integer, "training", "early-stop-patience",
             config->early_stop_patience);
    READ_KEY(g_key_file_get_double, "training", "early-stop-min-delta",
             config->early_stop_min_delta);
    READ_KEY(g_key_file_get_boolean, "training", "restore-best", config->restore_best);
    READ_KEY(g_key_file_get_integer, "training", "threads", config->threads);
    READ_KEY(g_key_file_get_uint64, "training", "memory-limit", config->memory_limit);

    kinds = g_key_file_get_string_list(kf, "augment", "kinds", NULL, NULL);
    config->augment.flags = 0;
    for (int k = 0; kinds && kinds[k]; k++)
        for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
            if (g_str_equal(kinds[k], data_augment_kind_name(i)))
                config->augment.flags |= 1u << i;
    strengths = g_key_file_get_double_list(kf, "augment", "strengths", &n_strengths, NULL);
    for (gsize i = 0; strengths && i < n_strengths && i < DATA_AUGMENT_N_KINDS; i++)
        config->augment.strength[i] = (float) strengths[i];

    if (!train_config_validate(config, error)) {
        g_prefix_error(error, "%s: ", path);
        goto failed;
    }
    return TRUE;

failed:
    train_config_clear(config);
    train_config_init(config);
    return FALSE;
}

gboolean train_config_build_spec(const TrainConfig *config, int num_classes, nn_spec *spec,
                                 GError **error)
{
    g_return_val_if_fail(config != NULL && spec != NULL, FALSE);

    nn_error err;
    if (config->model == NULL || nn_spec_parse(spec, config->model, &err) != NN_OK)
        return fail(error, "The network \"%s\" is not valid: %s",
                    config->model ? config->model : "", config->model ? err.message : "none");
    if (nn_preset_spec(config->model) != NULL) {
        spec->layers[spec->n_layers - 1].units = num_classes;
    } else if (nn_spec_num_classes(spec) != num_classes) {
        int outputs = nn_spec_num_classes(spec);
        return fail(error, "The network ends in f%d (%d outputs) but the dataset has %d "
                    "classes: end the spec in f%d.", outputs, outputs, num_classes,
                    num_classes);
    }
    if (!config->dropout)
        nn_spec_set_dropout(spec, 0);
    else if (config->dropout_rate > 0)
        nn_spec_set_dropout(spec, (float) config->dropout_rate);
    return TRUE;
}

/* ---- legends ---- */

char *train_format_lr(double lr)
{
    /* "1e-4", "3e-4", "2.5e-3": the way people write learning rates. */
    if (!(lr > 0) || !isfinite(lr))
        return g_strdup_printf("%g", lr);
    int exponent = (int) floor(log10(lr));
    double mantissa = lr / pow(10, exponent);
    if (mantissa >= 9.9995) {
        mantissa /= 10;
        exponent++;
    }
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(buf, sizeof buf, "%.3g", mantissa);
    return g_strdup_printf("%se%d", buf, exponent);
}

static char *
describe_augment(const DataAugmentConfig *augment)
{
    if (augment->flags == 0)
        return g_strdup("no augmentation");
    GString *s = g_string_new("augment ");
    for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
        if (augment->flags & (1u << i))
            g_string_append_printf(s, "%s%s", s->len > 8 ? "+" : "", data_augment_kind_name(i));
    return g_string_free(s, FALSE);
}

/* One describable setting: its words for a config, NULL when not worth saying. */
typedef char *(*DescribeFunc)(const TrainConfig *config);

static char *d_lr(const TrainConfig *c)
{
    g_autofree char *lr = train_format_lr(c->lr);
    return g_strdup_printf("lr %s", lr);
}
static char *d_optimizer(const TrainConfig *c)
{
    return c->optimizer == NN_OPTIMIZER_SGD ? g_strdup_printf("SGD momentum %g", c->momentum)
                                            : g_strdup("Adam");
}
static char *d_model(const TrainConfig *c) { return g_strdup_printf("model %s", c->model); }
static char *d_size(const TrainConfig *c) { return g_strdup_printf("%dpx", c->size); }
static char *d_dropout(const TrainConfig *c)
{
    if (!c->dropout)
        return g_strdup("dropout off");
    return c->dropout_rate > 0 ? g_strdup_printf("dropout %g", c->dropout_rate)
                               : g_strdup("dropout on");
}
static char *d_weight_decay(const TrainConfig *c)
{
    if (!c->weight_decay_on)
        return g_strdup("no weight decay");
    return g_strdup_printf("%s %g", c->decoupled ? "decoupled weight decay" : "L2",
                           c->weight_decay);
}
static char *d_augment(const TrainConfig *c) { return describe_augment(&c->augment); }
static char *d_batch(const TrainConfig *c) { return g_strdup_printf("batch %d", c->batch_size); }
static char *d_epochs(const TrainConfig *c) { return g_strdup_printf("%d epochs", c->epochs); }
static char *d_early(const TrainConfig *c)
{
    return c->early_stop_patience > 0
               ? g_strdup_printf("early stop %d", c->early_stop_patience)
               : g_strdup("no early stop");
}
static char *d_seed(const TrainConfig *c)
{
    return g_strdup_printf("seed %" G_GUINT64_FORMAT, c->seed);
}
static char *d_val(const TrainConfig *c) { return g_strdup_printf("val %g", c->val_split); }
static char *d_data(const TrainConfig *c)
{
    if (c->data_kind == TRAIN_DATA_FOLDER) {
        g_autofree char *base = g_path_get_basename(c->folder ? c->folder : "?");
        return g_strdup_printf("data %s", base);
    }
    return g_strdup_printf("%d/class%s, difficulty %g%s", c->synthetic.images_per_class,
                           c->synthetic.multiclass ? " multiclass" : "",
                           c->synthetic.difficulty,
                           c->synthetic.label_noise > 0 ? ", noisy labels" : "");
}

char *train_config_describe_difference(const TrainConfig *config,
                                       const TrainConfig *const *others, int n_others)
{
    g_return_val_if_fail(config != NULL, NULL);

    /* In the order a reader cares about: the learning rate is the app's subject. */
    static const DescribeFunc describers[] = {
        d_lr, d_optimizer, d_model, d_dropout, d_weight_decay, d_augment, d_batch,
        d_size, d_data, d_val, d_early, d_epochs, d_seed,
    };
    GString *out = g_string_new(NULL);
    for (gsize d = 0; d < G_N_ELEMENTS(describers); d++) {
        g_autofree char *mine = describers[d](config);
        gboolean differs = FALSE;
        for (int i = 0; i < n_others && !differs; i++) {
            if (others[i] == NULL || others[i] == config)
                continue;
            g_autofree char *theirs = describers[d](others[i]);
            differs = g_strcmp0(mine, theirs) != 0;
        }
        if (differs)
            g_string_append_printf(out, "%s%s", out->len ? ", " : "", mine);
    }
    if (out->len == 0) {
        /* Alone, or identical to the others: the lr is still the most useful label. */
        g_autofree char *lr = d_lr(config);
        g_string_append(out, lr);
    }
    return g_string_free(out, FALSE);
}
