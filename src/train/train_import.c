/* train_import: event files and CSV histories -> TrainEpoch arrays -> run folders. The
 * one rule that names a number (classify) serves tags and column headers alike. */
#include "train_import.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "train_record.h"
#include "train_session.h"
#include "train_tfevents.h"
#include "train_types.h"

typedef enum { COL_LOSS, COL_ACCURACY, COL_VAL_LOSS, COL_VAL_ACCURACY, COL_LR, COL_SECONDS,
               N_COLS } Column;

#define MAX_DEPTH 4   /* folders searched below the one given: runs/exp/train/ and a bit more */

static gboolean
is_validation_word(const char *w)
{
    static const char *const words[] = { "val", "validation", "valid", "eval", "evaluation",
                                         "test", "dev", NULL };
    return g_strv_contains(words, w);
}

/* The column a tag or header names, or -1 (see the header for the rule). subrun: the
 * event file's folder name, or NULL. */
static int
classify(const char *name, const char *subrun)
{
    g_autofree char *lower = g_ascii_strdown(name, -1);
    for (char *p = lower; *p; p++)
        if (!g_ascii_isalnum(*p))
            *p = ' ';
    g_auto(GStrv) words = g_strsplit(lower, " ", -1);
    gboolean val = subrun && is_validation_word(subrun);
    int metric = -1;
    gboolean learning = FALSE, rate = FALSE;
    for (int i = 0; words[i]; i++) {
        const char *w = words[i];
        if (g_str_equal(w, "batch") || g_str_equal(w, "step"))
            return -1;
        val = val || is_validation_word(w);
        if (g_str_equal(w, "loss"))
            metric = COL_LOSS;
        else if (g_str_equal(w, "accuracy") || g_str_equal(w, "acc"))
            metric = COL_ACCURACY;
        else if (g_str_equal(w, "lr"))
            metric = COL_LR;
        else if (g_str_equal(w, "seconds"))
            metric = COL_SECONDS;   /* LR Lab's and train.py's epoch times */
        learning = learning || g_str_equal(w, "learning");
        rate = rate || g_str_equal(w, "rate");
    }
    if (metric < 0 && learning && rate)
        metric = COL_LR;
    if (metric == COL_LR || metric == COL_SECONDS || metric < 0)
        return metric;
    return val ? metric + 2 : metric;   /* COL_VAL_LOSS, COL_VAL_ACCURACY */
}

static void
set_column(TrainEpoch *e, int column, double value)
{
    double *slots[N_COLS] = { &e->loss, &e->accuracy, &e->val_loss, &e->val_accuracy, &e->lr,
                              &e->seconds };
    *slots[column] = value;
}

static TrainEpoch
empty_epoch(int epoch)
{
    return (TrainEpoch) { .epoch = epoch, .loss = NAN, .accuracy = NAN, .val_loss = NAN,
                          .val_accuracy = NAN, .lr = NAN };
}

/* ---- event files ---- */

typedef struct {
    char *subrun;               /* the file's folder when it names a sub-run, else NULL */
    TrainTfEventsFile file;
} EventFile;

static void
event_file_free(gpointer data)
{
    EventFile *f = data;
    g_free(f->subrun);
    train_tfevents_file_clear(&f->file);
    g_free(f);
}

/* Event files under dir (relative path rel), grouped by run: the run of a file in a
 * folder named like a sub-run is that folder's parent. runs maps a run's relative path to
 * a GPtrArray of EventFile. */
static gboolean
collect_events(const char *dir, const char *rel, int depth, GHashTable *runs, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    if (d == NULL)
        return FALSE;
    const char *name;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, (GCompareFunc) g_strcmp0);   /* files in a stable order */
    for (guint i = 0; i < names->len; i++) {
        name = g_ptr_array_index(names, i);
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *sub = *rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            if (depth < MAX_DEPTH && !collect_events(path, sub, depth + 1, runs, error))
                return FALSE;
            continue;
        }
        if (!g_str_has_prefix(name, TRAIN_TFEVENTS_PREFIX))
            continue;
        EventFile *f = g_new0(EventFile, 1);
        if (!train_tfevents_load(path, &f->file, error)) {
            event_file_free(f);
            return FALSE;
        }
        g_autofree char *base = g_path_get_basename(rel);
        g_autofree char *run = NULL;
        if (*rel && is_validation_word(base)) {
            f->subrun = g_strdup(base);
        } else if (*rel && (g_str_equal(base, "train") || g_str_equal(base, "training"))) {
            f->subrun = g_strdup(base);
        }
        run = f->subrun ? g_path_get_dirname(rel) : g_strdup(rel);
        if (g_str_equal(run, "."))
            g_clear_pointer(&run, g_free);
        GPtrArray *files = g_hash_table_lookup(runs, run ? run : "");
        if (files == NULL) {
            files = g_ptr_array_new_with_free_func(event_file_free);
            g_hash_table_insert(runs, g_strdup(run ? run : ""), files);
        }
        g_ptr_array_add(files, f);
    }
    return TRUE;
}

static gint
compare_steps(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
    return x < y ? -1 : x > y;
}

/* One run's epochs from its files: every distinct step of a recognised scalar is an epoch,
 * in step order; a value written twice for one step keeps the later one. */
static GArray *
events_to_epochs(GPtrArray *files)
{
    g_autoptr(GArray) steps = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    for (guint i = 0; i < files->len; i++) {
        EventFile *f = g_ptr_array_index(files, i);
        for (guint k = 0; k < f->file.scalars->len; k++) {
            const TrainTfScalar *s = &g_array_index(f->file.scalars, TrainTfScalar, k);
            if (classify(s->tag, f->subrun) < 0 || g_hash_table_contains(seen, &s->step))
                continue;
            g_hash_table_add(seen, g_memdup2(&s->step, sizeof s->step));
            g_array_append_val(steps, s->step);
        }
    }
    g_array_sort(steps, compare_steps);
    GArray *epochs = g_array_new(FALSE, TRUE, sizeof(TrainEpoch));
    g_autoptr(GHashTable) index = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (guint i = 0; i < steps->len; i++) {
        TrainEpoch e = empty_epoch((int) i);
        g_array_append_val(epochs, e);
        g_hash_table_insert(index, &g_array_index(steps, gint64, i), GUINT_TO_POINTER(i));
    }
    for (guint i = 0; i < files->len; i++) {
        EventFile *f = g_ptr_array_index(files, i);
        for (guint k = 0; k < f->file.scalars->len; k++) {
            const TrainTfScalar *s = &g_array_index(f->file.scalars, TrainTfScalar, k);
            int column = classify(s->tag, f->subrun);
            if (column >= 0)
                set_column(&g_array_index(epochs, TrainEpoch,
                                          GPOINTER_TO_UINT(g_hash_table_lookup(index, &s->step))),
                           column, s->value);
        }
    }
    return epochs;
}

static gboolean
read_events(const char *path, GPtrArray *names, GPtrArray *histories, GError **error)
{
    g_autoptr(GHashTable) runs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_ptr_array_unref);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        if (!collect_events(path, "", 0, runs, error))
            return FALSE;
    } else {
        EventFile *f = g_new0(EventFile, 1);
        if (!train_tfevents_load(path, &f->file, error)) {
            event_file_free(f);
            return FALSE;
        }
        GPtrArray *files = g_ptr_array_new_with_free_func(event_file_free);
        g_ptr_array_add(files, f);
        g_hash_table_insert(runs, g_strdup(""), files);
    }
    g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(runs), (GCompareFunc) g_strcmp0);
    for (GList *k = keys; k; k = k->next) {
        GArray *epochs = events_to_epochs(g_hash_table_lookup(runs, k->data));
        if (epochs->len == 0) {
            g_array_unref(epochs);   /* files with no loss, accuracy or rate: not a run */
            continue;
        }
        g_ptr_array_add(names, g_strdup(k->data));
        g_ptr_array_add(histories, epochs);
    }
    if (histories->len == 0) {
        g_autofree char *shown = g_filename_display_name(path);
        /* Translators: the last %s is the start of such files' names, "events.out.tfevents.". */
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    _("%s holds no TensorBoard event files with a loss, an accuracy or a "
                      "learning rate (files named %s*)"), shown, TRAIN_TFEVENTS_PREFIX);
        return FALSE;
    }
    return TRUE;
}

/* ---- CSV ---- */

/* A CSV field without its quotes ("a ""b""" -> a "b"); commas inside quotes are not
 * supported, as no history writer puts any there. */
static char *
unquote(const char *field)
{
    g_autofree char *f = g_strstrip(g_strdup(field));
    gsize n = strlen(f);
    if (n >= 2 && f[0] == '"' && f[n - 1] == '"') {
        f[n - 1] = '\0';
        GString *s = g_string_new(NULL);
        for (const char *p = f + 1; *p; p++) {
            g_string_append_c(s, *p);
            if (p[0] == '"' && p[1] == '"')
                p++;
        }
        return g_string_free(s, FALSE);
    }
    return g_steal_pointer(&f);
}

static gboolean
read_csv(const char *path, GPtrArray *names, GPtrArray *histories, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *base = g_filename_display_basename(path);
    if (!g_file_get_contents(path, &text, NULL, error))
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    if (lines[0] == NULL || *g_strstrip(lines[0]) == '\0')
        return train_invalid(error, _("%s: the file is empty"), base);
    g_auto(GStrv) header = g_strsplit(lines[0], ",", -1);
    int n_header = (int) g_strv_length(header), epoch_col = -1, have_loss = 0;
    g_autofree int *column_of = g_new(int, n_header);
    for (int h = 0; h < n_header; h++) {
        g_autofree char *name = unquote(header[h]);
        column_of[h] = classify(name, NULL);
        have_loss |= column_of[h] == COL_LOSS || column_of[h] == COL_VAL_LOSS;
        if (g_ascii_strcasecmp(name, "epoch") == 0)
            epoch_col = h, column_of[h] = -1;
    }
    if (epoch_col < 0 || !have_loss)
        return train_invalid(error, _("%s: line 1 names no %s column, so it is not a training "
                             "history (expected a header such as "
                             "epoch,accuracy,loss,val_accuracy,val_loss)"),
                             base, epoch_col < 0 ? "epoch" : "loss");
    GArray *epochs = g_array_new(FALSE, TRUE, sizeof(TrainEpoch));
    for (int l = 1; lines[l]; l++) {
        char *line = g_strstrip(lines[l]);
        if (*line == '\0')
            continue;
        g_auto(GStrv) fields = g_strsplit(line, ",", -1);
        if ((int) g_strv_length(fields) != n_header) {
            g_array_unref(epochs);
            return train_invalid(error, _("%s: line %d has %u fields, the header %d"), base, l + 1,
                                 g_strv_length(fields), n_header);
        }
        TrainEpoch e = empty_epoch((int) epochs->len);
        for (int h = 0; h < n_header; h++) {
            g_autofree char *field = unquote(fields[h]);
            char *end = NULL;
            double v = *field ? g_ascii_strtod(field, &end) : NAN;
            if (*field && (end == NULL || *end != '\0')) {
                g_autofree char *name = unquote(header[h]);
                g_array_unref(epochs);
                return train_invalid(error, _("%s: line %d: %s is not a number (\"%s\")"), base,
                                     l + 1, name, field);
            }
            if (column_of[h] >= 0)
                set_column(&e, column_of[h], v);
        }
        g_array_append_val(epochs, e);
    }
    g_ptr_array_add(names, g_strdup(""));
    g_ptr_array_add(histories, epochs);
    return TRUE;
}

gboolean train_import_read(const char *path, GPtrArray **names_out, GPtrArray **histories_out,
                           GError **error)
{
    g_return_val_if_fail(path != NULL && names_out != NULL && histories_out != NULL, FALSE);

    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) histories = g_ptr_array_new_with_free_func((GDestroyNotify) g_array_unref);
    g_autofree char *base = g_path_get_basename(path);
    gboolean ok;
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_autofree char *shown = g_filename_display_name(path);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s does not exist"), shown);
        return FALSE;
    }
    if (g_file_test(path, G_FILE_TEST_IS_DIR) || g_str_has_prefix(base, TRAIN_TFEVENTS_PREFIX))
        ok = read_events(path, names, histories, error);
    else
        ok = read_csv(path, names, histories, error);
    if (!ok)
        return FALSE;
    *names_out = g_steal_pointer(&names);
    *histories_out = g_steal_pointer(&histories);
    return TRUE;
}

/* One imported run as a run folder. settings (may be NULL) is a config.ini beside the
 * history (an LR Lab run folder made elsewhere, e.g. by an exported train.py): its
 * settings are the run's, so legends and the table say what really differed. */
static gboolean
write_run(const char *dir, const char *name, const char *settings, GArray *epochs,
          GError **error)
{
    const TrainEpoch *e = (const TrainEpoch *) epochs->data;
    const int n = (int) epochs->len;
    TrainConfig config;
    gboolean known = settings && train_config_load(&config, settings, NULL);
    if (!known)
        train_config_init(&config);
    /* A run folder's own name already says where it ran ("... (PyTorch, 2 processes)"). */
    if (config.name == NULL)
        config.name = g_strdup_printf(_("Imported: %s"), name);
    config.epochs = MAX(n, 1);
    for (int i = 0; i < n && !known; i++)
        if (e[i].lr > 0 && e[i].lr <= 10) {
            config.lr = e[i].lr;   /* the legend then names the rate it started with */
            break;
        }
    TrainProgress p = train_progress_init(config.epochs);
    p.status = TRAIN_STATUS_FINISHED;
    p.epoch = config.epochs - 1;
    for (int i = 0; i < n; i++)
        if (isfinite(e[i].val_loss) && (p.best_epoch < 0 || e[i].val_loss < p.best_val_loss)) {
            p.best_epoch = i;
            p.best_val_loss = e[i].val_loss;
            p.best_val_accuracy = e[i].val_accuracy;
        }
    /* No images are known: predictions.bin names none, for every epoch. */
    const TrainRecordSplit none = { .num_classes = 2 };
    gboolean ok = g_mkdir_with_parents(dir, 0755) == 0;
    if (!ok) {
        g_autofree char *shown = g_filename_display_name(dir);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot create folder %s"), shown);
    }
    ok = ok && train_record_write_config(dir, &config, error) &&
         train_record_write_epochs(dir, &none, e, n, NULL, error) &&
         train_record_write_status(dir, &p, NULL, n, NULL, error);
    train_config_clear(&config);
    return ok;
}

char **train_import_path(const char *path, const char *session_dir, GError **error)
{
    g_return_val_if_fail(path != NULL && session_dir != NULL, NULL);

    g_autoptr(GPtrArray) names = NULL, histories = NULL;
    if (!train_import_read(path, &names, &histories, error))
        return NULL;
    /* "run/history.csv" rather than a bare "history.csv", which every history is called. */
    g_autofree char *file = g_path_get_basename(path);
    g_autofree char *parent_dir = g_path_get_dirname(path);
    g_autofree char *parent = g_path_get_basename(parent_dir);
    g_autofree char *base = g_str_equal(file, "history.csv") && !g_str_equal(parent, ".")
                                ? g_build_filename(parent, file, NULL)
                                : g_strdup(file);
    g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *settings = g_build_filename(parent_dir, "config.ini", NULL);
    for (guint i = 0; i < names->len; i++) {
        const char *rel = g_ptr_array_index(names, i);
        g_autofree char *label = *rel ? g_build_filename(base, rel, NULL) : g_strdup(base);
        char *dir = train_session_next_run_dir(session_dir, error);
        if (dir == NULL ||
            !write_run(dir, label, g_file_test(settings, G_FILE_TEST_IS_REGULAR) ? settings : NULL,
                       g_ptr_array_index(histories, i), error)) {
            g_free(dir);
            return NULL;
        }
        g_ptr_array_add(written, dir);
    }
    g_ptr_array_add(written, NULL);
    return (char **) g_ptr_array_free(g_steal_pointer(&written), FALSE);
}
