/* train_history: writes and reads history.csv. Reading is strict (a garbage line is an
 * error naming it) because a session must tell a user which run folder is damaged rather
 * than plot half-parsed numbers. */
#include "train_history.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_config.h"   /* train_format_double */

static void
append_double(GString *s, double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_c(s, ',');
    g_string_append(s, train_format_double(buf, value));
}

static void
append_line(GString *s, const TrainEpoch *e)
{
    char seconds[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(s, "%d", e->epoch);
    append_double(s, e->accuracy);
    append_double(s, e->loss);
    append_double(s, e->val_accuracy);
    append_double(s, e->val_loss);
    append_double(s, e->lr);
    /* Wall time to the millisecond: finer digits are noise, and this is the only column
     * two identical runs disagree on. */
    g_string_append_printf(s, ",%s\n", g_ascii_formatd(seconds, sizeof seconds, "%.3f",
                                                        e->seconds));
}

char *train_history_format(const TrainEpoch *epochs, int n)
{
    g_return_val_if_fail(n == 0 || epochs != NULL, NULL);

    GString *s = g_string_new(TRAIN_HISTORY_HEADER "\n");
    for (int i = 0; i < n; i++)
        append_line(s, &epochs[i]);
    return g_string_free(s, FALSE);
}

gboolean train_history_save(const char *path, const TrainEpoch *epochs, int n,
                            GError **error)
{
    return train_history_save_cached(path, NULL, epochs, n, error);
}

void train_history_text_clear(TrainHistoryText *cache)
{
    g_return_if_fail(cache != NULL);

    if (cache->text)
        g_string_free(cache->text, TRUE);
    g_clear_pointer(&cache->line_ends, g_array_unref);
    cache->text = NULL;
}

gboolean train_history_save_cached(const char *path, TrainHistoryText *cache,
                                   const TrainEpoch *epochs, int n, GError **error)
{
    g_return_val_if_fail(path != NULL && (n == 0 || epochs != NULL), FALSE);

    if (cache == NULL) {
        g_autofree char *text = train_history_format(epochs, n);
        return g_file_set_contents(path, text, -1, error);
    }
    if (cache->text == NULL) {
        cache->text = g_string_new(TRAIN_HISTORY_HEADER "\n");
        cache->line_ends = g_array_new(FALSE, FALSE, sizeof(gsize));
    }
    /* Cut back to n epochs, then format the new ones only. */
    if (cache->line_ends->len > (guint) n) {
        gsize end = n > 0 ? g_array_index(cache->line_ends, gsize, n - 1)
                          : strlen(TRAIN_HISTORY_HEADER "\n");
        g_string_truncate(cache->text, end);
        g_array_set_size(cache->line_ends, (guint) n);
    }
    for (int i = (int) cache->line_ends->len; i < n; i++) {
        append_line(cache->text, &epochs[i]);
        g_array_append_val(cache->line_ends, cache->text->len);
    }
    return g_file_set_contents(path, cache->text->str, (gssize) cache->text->len, error);
}

enum { COL_EPOCH, COL_ACCURACY, COL_LOSS, COL_VAL_ACCURACY, COL_VAL_LOSS, COL_LR,
       COL_SECONDS, N_COLS };
static const char *const column_names[N_COLS] = {
    "epoch", "accuracy", "loss", "val_accuracy", "val_loss", "lr", "seconds",
};

static gboolean
parse_number(const char *field, double *out)
{
    char *end = NULL;
    if (*field == '\0')
        return FALSE;
    *out = g_ascii_strtod(field, &end);
    return end && *end == '\0';
}

GArray *train_history_parse(const char *text, gsize length, const char *filename,
                            GError **error)
{
    g_return_val_if_fail(text != NULL, NULL);

    g_autofree char *copy = g_strndup(text, length);
    g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);
    g_autoptr(GArray) epochs = g_array_new(FALSE, TRUE, sizeof(TrainEpoch));
    int column_of[N_COLS];

    if (lines[0] == NULL || lines[0][0] == '\0') {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: empty file"), filename);
        return NULL;
    }
    g_strchomp(lines[0]);
    g_auto(GStrv) header = g_strsplit(lines[0], ",", -1);
    int n_header = g_strv_length(header);
    for (int c = 0; c < N_COLS; c++) {
        column_of[c] = -1;
        for (int h = 0; h < n_header; h++)
            if (g_str_equal(g_strstrip(header[h]), column_names[c]))
                column_of[c] = h;
    }
    if (column_of[COL_EPOCH] < 0 || column_of[COL_LOSS] < 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("%s: line 1 is not a training history header (expected \"%s\")"),
                    filename, TRAIN_HISTORY_HEADER);
        return NULL;
    }

    for (int l = 1; lines[l] != NULL; l++) {
        char *line = g_strchomp(lines[l]);
        if (line[0] == '\0') {
            if (lines[l + 1] == NULL)
                break;   /* the final newline */
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("%s: line %d is empty"), filename, l + 1);
            return NULL;
        }
        g_auto(GStrv) fields = g_strsplit(line, ",", -1);
        if ((int) g_strv_length(fields) != n_header) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("%s: line %d has %u fields, the header %d"), filename, l + 1,
                        g_strv_length(fields), n_header);
            return NULL;
        }
        double values[N_COLS] = { 0 };
        for (int c = 0; c < N_COLS; c++) {
            if (column_of[c] < 0) {
                values[c] = c == COL_SECONDS ? 0 : NAN;
                continue;
            }
            if (!parse_number(fields[column_of[c]], &values[c])) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("%s: line %d: %s is not a number (\"%s\")"), filename, l + 1,
                            column_names[c], fields[column_of[c]]);
                return NULL;
            }
        }
        if (values[COL_EPOCH] != (double) epochs->len) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("%s: line %d: epoch %g where %u was expected"), filename, l + 1,
                        values[COL_EPOCH], epochs->len);
            return NULL;
        }
        TrainEpoch e = {
            .epoch = (int) values[COL_EPOCH],
            .accuracy = values[COL_ACCURACY],
            .loss = values[COL_LOSS],
            .val_accuracy = values[COL_VAL_ACCURACY],
            .val_loss = values[COL_VAL_LOSS],
            .lr = values[COL_LR],
            .seconds = values[COL_SECONDS],
            .images_per_second = 0,   /* not recorded */
        };
        g_array_append_val(epochs, e);
    }
    return g_steal_pointer(&epochs);
}

GArray *train_history_load(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path, &text, &length, error))
        return NULL;
    g_autofree char *base = g_path_get_basename(path);
    return train_history_parse(text, length, base, error);
}
