/* train_ratios: the per-tensor update/weight ratios of a run, in memory under their own lock
 * and in the run folder as two CSV files (train_ratios.h has the format and why). */
#include "train_ratios.h"

#include "train_format.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPOCHS_FILE "update-ratio.csv"
#define BATCHES_FILE "update-ratio-batches.csv"

/* A GLib atomic rc box: the worker writes it while the window reads it. */
struct _TrainRatioLog {
    int n_tensors;
    nn_tensor_info *tensors;     /* (n_tensors) */
    GMutex mutex;                /* everything below */
    GArray *batch_values;        /* float, n_tensors per batch row */
    GArray *batch_keys;          /* TrainRatioKey */
    GArray *epoch_values;        /* float, n_tensors per finished epoch */
};

TrainRatioLog *train_ratio_log_new(const nn_tensor_info *tensors, int n_tensors)
{
    g_return_val_if_fail(n_tensors >= 0 && (tensors != NULL || n_tensors == 0), NULL);

    TrainRatioLog *log = g_atomic_rc_box_new0(TrainRatioLog);
    log->n_tensors = n_tensors;
    log->tensors = g_memdup2(tensors, sizeof(nn_tensor_info) * MAX(n_tensors, 1));
    g_mutex_init(&log->mutex);
    log->batch_values = g_array_new(FALSE, FALSE, sizeof(float));
    log->batch_keys = g_array_new(FALSE, FALSE, sizeof(TrainRatioKey));
    log->epoch_values = g_array_new(FALSE, FALSE, sizeof(float));
    return log;
}

TrainRatioLog *train_ratio_log_ref(TrainRatioLog *log)
{
    g_return_val_if_fail(log != NULL, NULL);
    return g_atomic_rc_box_acquire(log);
}

static void
ratio_log_clear(TrainRatioLog *log)
{
    g_array_unref(log->batch_values);
    g_array_unref(log->batch_keys);
    g_array_unref(log->epoch_values);
    g_mutex_clear(&log->mutex);
    g_free(log->tensors);
}

void train_ratio_log_unref(TrainRatioLog *log)
{
    g_return_if_fail(log != NULL);
    g_atomic_rc_box_release_full(log, (GDestroyNotify) ratio_log_clear);
}

int train_ratio_log_n_tensors(TrainRatioLog *log)
{
    g_return_val_if_fail(log != NULL, 0);
    return log->n_tensors;
}

const nn_tensor_info *train_ratio_log_tensor(TrainRatioLog *log, int k)
{
    g_return_val_if_fail(log != NULL && k >= 0 && k < log->n_tensors, NULL);
    return &log->tensors[k];
}

char *train_ratio_log_describe_tensor(TrainRatioLog *log, int k)
{
    const nn_tensor_info *t = train_ratio_log_tensor(log, k);
    g_return_val_if_fail(t != NULL, NULL);

    GString *s = g_string_new(t->name);
    g_string_append_c(s, '[');
    for (int d = 0; d < t->ndim; d++)
        g_string_append_printf(s, "%s%d", d ? "x" : "", t->shape[d]);
    g_string_append_c(s, ']');
    return g_string_free(s, FALSE);
}

void train_ratio_log_append(TrainRatioLog *log, int epoch, int batch, const float *ratios)
{
    g_return_if_fail(log != NULL && ratios != NULL);

    TrainRatioKey key = { epoch, batch };
    g_mutex_lock(&log->mutex);
    g_array_append_vals(log->batch_values, ratios, log->n_tensors);
    g_array_append_val(log->batch_keys, key);
    g_mutex_unlock(&log->mutex);
}

void train_ratio_log_end_epoch(TrainRatioLog *log, int epoch)
{
    g_return_if_fail(log != NULL);

    const int nk = log->n_tensors;
    g_autofree double *sum = g_new0(double, MAX(nk, 1));
    g_autofree float *mean = g_new0(float, MAX(nk, 1));
    int steps = 0;

    g_mutex_lock(&log->mutex);
    for (guint r = log->batch_keys->len; r-- > 0;) {
        if (g_array_index(log->batch_keys, TrainRatioKey, r).epoch != epoch)
            break;
        const float *row = &g_array_index(log->batch_values, float, (gsize) r * nk);
        for (int k = 0; k < nk; k++)
            sum[k] += row[k];
        steps++;
    }
    for (int k = 0; k < nk; k++)
        mean[k] = steps ? (float) (sum[k] / steps) : NAN;
    g_array_append_vals(log->epoch_values, mean, nk);
    g_mutex_unlock(&log->mutex);
}

void train_ratio_log_truncate(TrainRatioLog *log, int n_epochs)
{
    g_return_if_fail(log != NULL && n_epochs >= 0);

    const int nk = log->n_tensors;
    g_mutex_lock(&log->mutex);
    guint keep = 0;
    while (keep < log->batch_keys->len &&
           g_array_index(log->batch_keys, TrainRatioKey, keep).epoch < n_epochs)
        keep++;
    g_array_set_size(log->batch_keys, keep);
    g_array_set_size(log->batch_values, keep * nk);
    if (log->epoch_values->len > (guint) n_epochs * nk)
        g_array_set_size(log->epoch_values, (guint) n_epochs * nk);
    g_mutex_unlock(&log->mutex);
}

guint train_ratio_log_n_batches(TrainRatioLog *log)
{
    g_return_val_if_fail(log != NULL, 0);

    g_mutex_lock(&log->mutex);
    guint n = log->batch_keys->len;
    g_mutex_unlock(&log->mutex);
    return n;
}

guint train_ratio_log_n_epochs(TrainRatioLog *log)
{
    g_return_val_if_fail(log != NULL, 0);

    g_mutex_lock(&log->mutex);
    guint n = log->n_tensors ? log->epoch_values->len / log->n_tensors : 0;
    g_mutex_unlock(&log->mutex);
    return n;
}

guint train_ratio_log_copy_batches(TrainRatioLog *log, guint from, GArray *values, GArray *keys)
{
    g_return_val_if_fail(log != NULL && values != NULL, 0);

    const int nk = log->n_tensors;
    g_mutex_lock(&log->mutex);
    guint n = log->batch_keys->len > from ? log->batch_keys->len - from : 0;
    if (n > 0) {
        g_array_append_vals(values, &g_array_index(log->batch_values, float, (gsize) from * nk),
                            n * nk);
        if (keys)
            g_array_append_vals(keys, &g_array_index(log->batch_keys, TrainRatioKey, from), n);
    }
    g_mutex_unlock(&log->mutex);
    return n;
}

guint train_ratio_log_copy_epochs(TrainRatioLog *log, guint from, GArray *values)
{
    g_return_val_if_fail(log != NULL && values != NULL, 0);

    const int nk = log->n_tensors;
    g_mutex_lock(&log->mutex);
    guint total = nk ? log->epoch_values->len / nk : 0;
    guint n = total > from ? total - from : 0;
    if (n > 0)
        g_array_append_vals(values, &g_array_index(log->epoch_values, float, (gsize) from * nk),
                            n * nk);
    g_mutex_unlock(&log->mutex);
    return n;
}

/* ---- the files ---- */

static void
append_header(TrainRatioLog *log, GString *s, gboolean batches)
{
    g_string_append(s, batches ? "epoch,batch" : "epoch");
    for (int k = 0; k < log->n_tensors; k++) {
        g_autofree char *name = train_ratio_log_describe_tensor(log, k);
        g_string_append_printf(s, ",%s", name);
    }
    g_string_append_c(s, '\n');
}

static void
append_values(GString *s, const float *row, int n)
{
    for (int k = 0; k < n; k++) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_string_append_c(s, ',');
        g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.9g", row[k]));
    }
    g_string_append_c(s, '\n');
}

/* With the lock held: the batch lines of epochs >= from_epoch. */
static void
append_batch_lines_locked(TrainRatioLog *log, GString *s, int from_epoch)
{
    const int nk = log->n_tensors;
    for (guint r = 0; r < log->batch_keys->len; r++) {
        const TrainRatioKey *key = &g_array_index(log->batch_keys, TrainRatioKey, r);
        if (key->epoch < from_epoch)
            continue;
        g_string_append_printf(s, "%d,%d", key->epoch, key->batch);
        append_values(s, &g_array_index(log->batch_values, float, (gsize) r * nk), nk);
    }
}

gboolean train_ratio_log_save_epochs(TrainRatioLog *log, const char *dir, GError **error)
{
    g_return_val_if_fail(log != NULL && dir != NULL, FALSE);

    g_autofree char *path = g_build_filename(dir, EPOCHS_FILE, NULL);
    g_autoptr(GString) s = g_string_new(NULL);
    const int nk = log->n_tensors;

    append_header(log, s, FALSE);
    g_mutex_lock(&log->mutex);
    guint n = nk ? log->epoch_values->len / nk : 0;
    for (guint e = 0; e < n; e++) {
        g_string_append_printf(s, "%u", e);
        append_values(s, &g_array_index(log->epoch_values, float, (gsize) e * nk), nk);
    }
    g_mutex_unlock(&log->mutex);
    return g_file_set_contents(path, s->str, (gssize) s->len, error);
}

gboolean train_ratio_log_rewrite_batches(TrainRatioLog *log, const char *dir, GError **error)
{
    g_return_val_if_fail(log != NULL && dir != NULL, FALSE);

    g_autofree char *path = g_build_filename(dir, BATCHES_FILE, NULL);
    g_autoptr(GString) s = g_string_new(NULL);
    append_header(log, s, TRUE);
    g_mutex_lock(&log->mutex);
    append_batch_lines_locked(log, s, 0);
    g_mutex_unlock(&log->mutex);
    return g_file_set_contents(path, s->str, (gssize) s->len, error);
}

gboolean train_ratio_log_append_batches(TrainRatioLog *log, const char *dir, int from_epoch,
                                        GError **error)
{
    g_return_val_if_fail(log != NULL && dir != NULL, FALSE);

    g_autofree char *path = g_build_filename(dir, BATCHES_FILE, NULL);
    if (from_epoch == 0 || !g_file_test(path, G_FILE_TEST_EXISTS))
        return train_ratio_log_rewrite_batches(log, dir, error);

    g_autoptr(GString) s = g_string_new(NULL);
    g_mutex_lock(&log->mutex);
    append_batch_lines_locked(log, s, from_epoch);
    g_mutex_unlock(&log->mutex);
    FILE *f = g_fopen(path, "ab");
    gboolean ok = f != NULL && fwrite(s->str, 1, s->len, f) == s->len;
    int saved = errno;
    if (f != NULL && fclose(f) != 0 && ok) {
        ok = FALSE;
        saved = errno;
    }
    if (!ok)
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), _("Cannot write %s: %s"),
                    path, g_strerror(saved));
    return ok;
}

/* ---- reading back ---- */

/* "conv1.weight[8x3x3x3]" into a tensor's name and shape. */
static gboolean
parse_column(const char *text, nn_tensor_info *t)
{
    memset(t, 0, sizeof *t);
    const char *open = strchr(text, '[');
    gsize len = open ? (gsize) (open - text) : strlen(text);
    if (len == 0 || len >= sizeof t->name)
        return FALSE;
    memcpy(t->name, text, len);
    if (open == NULL)
        return TRUE;
    g_autofree char *dims = g_strndup(open + 1, strcspn(open + 1, "]"));
    g_auto(GStrv) parts = g_strsplit(dims, "x", -1);
    t->size = 1;
    for (int d = 0; parts[d] && d < 4; d++) {
        t->shape[d] = atoi(parts[d]);
        t->ndim = d + 1;
        t->size *= (size_t) MAX(t->shape[d], 0);
    }
    return TRUE;
}

static gboolean
bad_line(GError **error, const char *file, int line, const char *what)
{
    /* Translators: a file name, a line number and what is wrong with that line. */
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: line %d: %s"), file, line, what);
    return FALSE;
}

/* Reads the rows of one file into values (and keys), stopping at epoch n_epochs. A last
 * line without its newline was cut short by a kill: ignored. */
static gboolean
read_rows(const char *path, const char *file, gboolean batches, int n_epochs, int n_tensors,
          GArray *values, GArray *keys, char ***header, GError **error)
{
    g_autofree char *text = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path, &text, &length, error))
        return FALSE;
    gboolean complete = length > 0 && text[length - 1] == '\n';
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    if (lines[0] == NULL || lines[0][0] == '\0')
        return bad_line(error, file, 1, _("no header"));
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    const int lead = batches ? 2 : 1;
    int n_columns = (int) g_strv_length(head);
    if (n_columns < lead || (n_tensors >= 0 && n_columns != lead + n_tensors) ||
        !g_str_equal(head[0], "epoch"))
        return bad_line(error, file, 1, _("not a header of tensor columns"));
    int n = g_strv_length(lines);
    for (int l = 1; l < n; l++) {
        if (lines[l][0] == '\0' || (l == n - 1 && !complete))
            continue;
        g_auto(GStrv) fields = g_strsplit(lines[l], ",", -1);
        if ((int) g_strv_length(fields) != n_columns)
            return bad_line(error, file, l + 1, _("wrong number of fields"));
        char *end = NULL;
        TrainRatioKey key = { (int) g_ascii_strtoll(fields[0], &end, 10), -1 };
        if (*end != '\0' || key.epoch < 0)
            return bad_line(error, file, l + 1, _("the epoch is not a number"));
        if (batches) {
            key.batch = (int) g_ascii_strtoll(fields[1], &end, 10);
            if (*end != '\0' || key.batch < 0)
                return bad_line(error, file, l + 1, _("the batch is not a number"));
        }
        if (key.epoch >= n_epochs)
            continue;
        for (int c = lead; c < n_columns; c++) {
            float v = (float) g_ascii_strtod(fields[c], &end);
            if (end == fields[c] || *end != '\0')
                return bad_line(error, file, l + 1, _("a ratio is not a number"));
            g_array_append_val(values, v);
        }
        if (keys)
            g_array_append_val(keys, key);
    }
    if (header)
        *header = g_steal_pointer(&head);
    return TRUE;
}

TrainRatioLog *train_ratio_log_read(const char *dir, int n_epochs, GError **error)
{
    g_return_val_if_fail(dir != NULL, NULL);

    g_autofree char *epochs_path = g_build_filename(dir, EPOCHS_FILE, NULL);
    g_autofree char *batches_path = g_build_filename(dir, BATCHES_FILE, NULL);
    if (!g_file_test(epochs_path, G_FILE_TEST_EXISTS))
        return NULL;

    g_autoptr(GArray) epoch_values = g_array_new(FALSE, FALSE, sizeof(float));
    g_autoptr(GArray) batch_values = g_array_new(FALSE, FALSE, sizeof(float));
    g_autoptr(GArray) batch_keys = g_array_new(FALSE, FALSE, sizeof(TrainRatioKey));
    g_auto(GStrv) header = NULL;
    if (!read_rows(epochs_path, EPOCHS_FILE, FALSE, n_epochs, -1, epoch_values, NULL, &header,
                   error))
        return NULL;
    int nk = (int) g_strv_length(header) - 1;
    g_autofree nn_tensor_info *tensors = g_new0(nn_tensor_info, MAX(nk, 1));
    for (int k = 0; k < nk; k++)
        if (!parse_column(header[k + 1], &tensors[k])) {
            bad_line(error, EPOCHS_FILE, 1, _("a column is not a tensor name"));
            return NULL;
        }
    if (g_file_test(batches_path, G_FILE_TEST_EXISTS) &&
        !read_rows(batches_path, BATCHES_FILE, TRUE, n_epochs, nk, batch_values, batch_keys,
                   NULL, error))
        return NULL;

    TrainRatioLog *log = train_ratio_log_new(tensors, nk);
    g_array_append_vals(log->epoch_values, epoch_values->data, epoch_values->len);
    g_array_append_vals(log->batch_values, batch_values->data, batch_values->len);
    g_array_append_vals(log->batch_keys, batch_keys->data, batch_keys->len);
    return log;
}

/* ---- the diagnosis ---- */

char *train_ratio_log_diagnose(TrainRatioLog *log, gboolean adam)
{
    g_return_val_if_fail(log != NULL, NULL);

    const int nk = log->n_tensors;
    g_autoptr(GArray) values = g_array_new(FALSE, FALSE, sizeof(float));
    guint n = train_ratio_log_n_epochs(log);
    if (n == 0 || train_ratio_log_copy_epochs(log, n - 1, values) != 1)
        return NULL;

    /* The weight tensor furthest from the band, in decades: biases start near zero and
     * their ratios say little about whether the layer learns. */
    int worst = -1;
    double worst_decades = 1;   /* within a factor of 10 of the band: nothing to say */
    for (int k = 0; k < nk; k++) {
        float r = g_array_index(values, float, k);
        if (!g_str_has_suffix(log->tensors[k].name, ".weight") || !(r > 0) || !isfinite(r))
            continue;
        double decades = r < TRAIN_RATIO_LOW ? log10(TRAIN_RATIO_LOW / r)
                                             : r > TRAIN_RATIO_HIGH ? log10(r / TRAIN_RATIO_HIGH) : 0;
        if (decades > worst_decades) {
            worst_decades = decades;
            worst = k;
        }
    }
    if (worst < 0)
        return NULL;
    float r = g_array_index(values, float, worst);
    g_autofree char *layer = g_strndup(log->tensors[worst].name,
                                       strlen(log->tensors[worst].name) - strlen(".weight"));
    /* One significant digit, written as rates are ("1e-6"): the order of magnitude is the
     * message. */
    double decade = pow(10, floor(log10(r)));
    g_autofree char *size = train_format_lr(decade * round(r / decade));
    if (r < TRAIN_RATIO_LOW)
        /* Translators: a layer ("conv1") and the fraction of its weights one step changes
         * ("1e-6"). */
        return g_strdup_printf(adam ? _("%s updates %s of its weights per step: the rate is too "
                                      "low for this layer (with Adam the steps follow the rate)")
                                    : _("%s updates %s of its weights per step: the rate is too "
                                      "low for this layer"),
                               layer, size);
    return g_strdup_printf(_("%s updates %s of its weights per step: unstable, the rate is too "
                           "high for this layer"), layer, size);
}
