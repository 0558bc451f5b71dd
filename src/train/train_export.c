/* train_export: prefixes the lines train_history_format writes with a run's name and
 * label. The history's columns are never rebuilt here: a column added to history.csv
 * appears in the export by itself. */
#include "train_export.h"

#include <string.h>

/* "Run \"2\", again" -> "\"Run \"\"2\"\", again\"" (RFC 4180). */
static void
append_quoted(GString *csv, const char *text)
{
    g_string_append_c(csv, '"');
    for (const char *c = text ? text : ""; *c; c++) {
        if (*c == '"')
            g_string_append_c(csv, '"');
        g_string_append_c(csv, *c);
    }
    g_string_append_c(csv, '"');
}

char *train_export_format(const TrainExportRun *runs, int n_runs)
{
    g_return_val_if_fail(n_runs == 0 || runs != NULL, NULL);

    GString *csv = g_string_new(TRAIN_EXPORT_HEADER "\n");
    g_autoptr(GString) prefix = g_string_new(NULL);
    for (int r = 0; r < n_runs; r++) {
        g_autofree char *history = train_history_format(runs[r].epochs, runs[r].n_epochs);
        /* The history's first line is its header; the export has its own. */
        const char *line = strchr(history, '\n');

        g_string_truncate(prefix, 0);
        append_quoted(prefix, runs[r].name);
        g_string_append_c(prefix, ',');
        append_quoted(prefix, runs[r].label);
        g_string_append_c(prefix, ',');
        while (line != NULL && *++line != '\0') {
            const char *end = strchr(line, '\n');
            gsize length = end ? (gsize) (end - line) : strlen(line);

            g_string_append_len(csv, prefix->str, prefix->len);
            g_string_append_len(csv, line, length);
            g_string_append_c(csv, '\n');
            line = end;
        }
    }
    return g_string_free(csv, FALSE);
}

gboolean train_export_save(const char *path, const TrainExportRun *runs, int n_runs,
                           GError **error)
{
    g_return_val_if_fail(path != NULL, FALSE);

    g_autofree char *text = train_export_format(runs, n_runs);
    return g_file_set_contents(path, text, -1, error);
}
