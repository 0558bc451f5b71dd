/* train_config: a run's settings as a whole: defaults, checks, the config.ini round trip
 * and legends, each a walk over the table of fields (train_fields.c). config.ini is meant
 * to be read by people, so every value is written in words ("adam", "center-crop",
 * "hflip;rot90") rather than as enum numbers. */
#include "train_config.h"
#include "train_types.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "train_fields.h"

void train_config_init(TrainConfig *config)
{
    guint n;
    const TrainField *fields = train_fields(&n);

    g_return_if_fail(config != NULL);

    memset(config, 0, sizeof *config);
    /* What the table does not hold: the synthetic set's size and threads (size and
     * threads are the settings) and the augmentation strengths, from their modules. */
    config->synthetic = data_synthetic_params_default();
    config->augment = data_augment_config_default();
    for (guint i = 0; i < n; i++)
        train_field_set_default(&fields[i], config);
}

void train_config_clear(TrainConfig *config)
{
    guint n;
    const TrainField *fields = train_fields(&n);

    g_return_if_fail(config != NULL);

    for (guint i = 0; i < n; i++)
        train_field_clear(&fields[i], config);
}

void train_config_copy(TrainConfig *dst, const TrainConfig *src)
{
    guint n;
    const TrainField *fields = train_fields(&n);

    g_return_if_fail(dst != NULL && src != NULL);

    *dst = *src;
    /* dst now shares src's strings: give it its own. */
    for (guint i = 0; i < n; i++) {
        if (fields[i].type != TRAIN_FIELD_STRING)
            continue;
        char **text = (char **) ((guint8 *) dst + fields[i].offset);
        *text = g_strdup(*text);
    }
}

gboolean train_config_validate(const TrainConfig *config, GError **error)
{
    guint n;
    const TrainField *fields = train_fields(&n);

    g_return_val_if_fail(config != NULL, FALSE);

    for (guint i = 0; i < n; i++) {
        if (!train_field_check(&fields[i], config, error)) {
            g_prefix_error(error, "%s: ", fields[i].key);
            return FALSE;
        }
    }
    /* The rules between fields: a schedule's floors stay below the rate, and a folder run
     * needs its folder. */
    if (!train_schedule_validate(&config->schedule, config->lr, error))
        return FALSE;
    if (config->data_kind == TRAIN_DATA_FOLDER && (config->folder == NULL || config->folder[0] == '\0')) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            _("folder: no image folder given"));
        return FALSE;
    }
    return TRUE;
}

char *train_config_to_data(const TrainConfig *config)
{
    guint n;
    const TrainField *fields = train_fields(&n);
    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_return_val_if_fail(config != NULL, NULL);

    g_key_file_set_comment(kf, NULL, NULL,
                           " LR Lab training run: the settings it was started with.", NULL);
    for (guint i = 0; i < n; i++) {
        g_autofree char *text = train_field_format(&fields[i], config);
        if (text == NULL)
            continue;
        if (fields[i].type == TRAIN_FIELD_STRING)   /* escapes newlines and the like */
            g_key_file_set_string(kf, fields[i].group, fields[i].key, text);
        else
            g_key_file_set_value(kf, fields[i].group, fields[i].key, text);
        if (fields[i].comment)
            g_key_file_set_comment(kf, fields[i].group, fields[i].key, fields[i].comment, NULL);
    }
    return g_key_file_to_data(kf, NULL, NULL);
}

gboolean train_config_save(const TrainConfig *config, const char *path, GError **error)
{
    g_return_val_if_fail(config != NULL && path != NULL, FALSE);

    g_autofree char *data = train_config_to_data(config);
    return g_file_set_contents(path, data, -1, error);
}

gboolean train_config_load_data(TrainConfig *config, const char *data, const char *origin,
                                GError **error)
{
    guint n;
    const TrainField *fields = train_fields(&n);
    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_return_val_if_fail(config != NULL && data != NULL, FALSE);

    if (origin == NULL)
        origin = "config";
    train_config_init(config);
    if (!g_key_file_load_from_data(kf, data, -1, G_KEY_FILE_NONE, error)) {
        g_prefix_error(error, "%s: ", origin);
        goto failed;
    }
    if (!g_key_file_has_group(kf, "training") || !g_key_file_has_group(kf, "model")) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("%s: not an LR Lab run configuration (no [model] or [training] group)"),
                    origin);
        goto failed;
    }

    /* A missing key keeps its default; a present but malformed one is an error, so a
     * hand-edited typo is not silently lost. */
    for (guint i = 0; i < n; i++) {
        const TrainField *f = &fields[i];
        if (!g_key_file_has_key(kf, f->group, f->key, NULL))
            continue;
        g_autofree char *text = f->type == TRAIN_FIELD_STRING
                                    ? g_key_file_get_string(kf, f->group, f->key, error)
                                    : g_key_file_get_value(kf, f->group, f->key, error);
        if (text == NULL || !train_field_parse(f, config, text, error)) {
            g_prefix_error(error, "%s: [%s] %s: ", origin, f->group, f->key);
            goto failed;
        }
    }
    /* Keys added later: the file's run worked as that key's value says. */
    for (guint i = 0; i < n; i++) {
        const TrainField *f = &fields[i];
        const TrainField *from = train_field_find(f->missing_from);
        if (from && !g_key_file_has_key(kf, f->group, f->key, NULL))
            train_field_set_number(f, config, train_field_get_number(from, config));
    }

    if (!train_config_validate(config, error)) {
        g_prefix_error(error, "%s: ", origin);
        goto failed;
    }
    return TRUE;

failed:
    train_config_clear(config);
    train_config_init(config);
    return FALSE;
}

gboolean train_config_load(TrainConfig *config, const char *path, GError **error)
{
    g_autofree char *data = NULL;

    g_return_val_if_fail(config != NULL && path != NULL, FALSE);

    if (!g_file_get_contents(path, &data, NULL, error)) {
        train_config_init(config);
        return FALSE;
    }
    return train_config_load_data(config, data, path, error);
}

gsize train_default_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);

    if (pages <= 0 || page_size <= 0)
        return 0;
    return (gsize) pages * (gsize) page_size / 4 * 3;
}

gsize train_config_memory_limit(const TrainConfig *config)
{
    g_return_val_if_fail(config != NULL, 0);
    return config->memory_limit ? config->memory_limit : train_default_memory_limit();
}

gboolean train_config_build_spec(const TrainConfig *config, int num_classes, nn_spec *spec,
                                 GError **error)
{
    g_return_val_if_fail(config != NULL && spec != NULL, FALSE);

    nn_error err;
    if (config->model == NULL || nn_spec_parse(spec, config->model, &err) != NN_OK)
        return train_invalid(error, _("The network \"%s\" is not valid: %s"),
                    config->model ? config->model : "", config->model ? err.message : _("none"));
    if (nn_preset_spec(config->model) != NULL) {
        spec->layers[spec->n_layers - 1].units = num_classes;
    } else if (nn_spec_num_classes(spec) != num_classes) {
        int outputs = nn_spec_num_classes(spec);
        return train_invalid(error, _("The network ends in f%d (%d outputs) but the dataset has %d "
                    "classes: end the spec in f%d."), outputs, outputs, num_classes,
                    num_classes);
    }
    if (!config->dropout)
        nn_spec_set_dropout(spec, 0);
    else if (config->dropout_rate > 0)
        nn_spec_set_dropout(spec, (float) config->dropout_rate);
    return TRUE;
}

/* ---- legends ---- */

static int
by_legend_rank(gconstpointer a, gconstpointer b)
{
    const TrainField *fa = *(const TrainField *const *) a;
    const TrainField *fb = *(const TrainField *const *) b;
    return fa->legend_rank - fb->legend_rank;
}

char *train_config_describe_difference(const TrainConfig *config,
                                       const TrainConfig *const *others, int n_others)
{
    guint n;
    const TrainField *fields = train_fields(&n);
    g_autoptr(GPtrArray) legends = g_ptr_array_new();

    g_return_val_if_fail(config != NULL, NULL);

    /* In the order a reader cares about: the learning rate is the app's subject. */
    for (guint i = 0; i < n; i++)
        if (fields[i].legend)
            g_ptr_array_add(legends, (gpointer) &fields[i]);
    g_ptr_array_sort(legends, by_legend_rank);

    GString *out = g_string_new(NULL);
    for (guint d = 0; d < legends->len; d++) {
        const TrainField *f = g_ptr_array_index(legends, d);
        g_autofree char *mine = f->legend(config);
        gboolean differs = FALSE;
        for (int i = 0; i < n_others && !differs && mine; i++) {
            if (others[i] == NULL || others[i] == config)
                continue;
            g_autofree char *theirs = f->legend(others[i]);
            differs = g_strcmp0(mine, theirs) != 0;
        }
        if (differs)
            g_string_append_printf(out, "%s%s", out->len ? ", " : "", mine);
    }
    if (out->len == 0) {
        /* Alone, or identical to the others: the lr is still the most useful label. */
        const TrainField *lr = train_field_find("lr");
        g_autofree char *mine = lr->legend(config);
        g_string_append(out, mine);
    }
    return g_string_free(out, FALSE);
}
