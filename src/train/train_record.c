/* train_record: writes and reads a run folder (docs/run-folder.md). Each file goes through
 * its own module (train_config, train_history, train_predictions) or a GKeyFile here
 * (status.ini); this unit names the files, orders the writes and checks on reading that
 * the files belong together. */
#include "train_record.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "nn_blas_core.h"
#include "train_history.h"
#include "train_predictions.h"

void train_record_split_copy(TrainRecordSplit *dst, const TrainRecordSplit *src)
{
    *dst = (TrainRecordSplit) {
        .num_classes = src->num_classes,
        .class_names = g_strdupv(src->class_names),
        .n_val = src->n_val,
        .val_indices = g_memdup2(src->val_indices, sizeof(int) * src->n_val),
        .val_labels = g_memdup2(src->val_labels, sizeof(int) * src->n_val),
        .val_sources = g_strdupv(src->val_sources),
    };
}

void train_record_split_clear(TrainRecordSplit *split)
{
    g_clear_pointer(&split->class_names, g_strfreev);
    g_clear_pointer(&split->val_indices, g_free);
    g_clear_pointer(&split->val_labels, g_free);
    g_clear_pointer(&split->val_sources, g_strfreev);
    memset(split, 0, sizeof *split);
}

void train_record_folder_clear(TrainRecordFolder *folder)
{
    train_config_clear(&folder->config);
    g_clear_pointer(&folder->message, g_free);
    train_record_split_clear(&folder->split);
    g_clear_pointer(&folder->epochs, g_array_unref);
    g_clear_pointer(&folder->predictions, g_free);
    g_clear_pointer(&folder->probabilities, g_free);
}

gboolean train_record_write_config(const char *dir, const TrainConfig *config,
                                   GError **error)
{
    g_autofree char *path = g_build_filename(dir, "config.ini", NULL);
    return train_config_save(config, path, error);
}

gboolean train_record_write_epochs(const char *dir, const TrainRecordSplit *split,
                                   const TrainEpoch *epochs, int n_epochs,
                                   const float *probabilities, GError **error)
{
    return train_record_write_epochs_cached(dir, split, epochs, n_epochs, probabilities, NULL,
                                            error);
}

gboolean train_record_write_epochs_cached(const char *dir, const TrainRecordSplit *split,
                                          const TrainEpoch *epochs, int n_epochs,
                                          const float *probabilities,
                                          TrainHistoryText *cache, GError **error)
{
    g_return_val_if_fail(split != NULL || n_epochs == 0, FALSE);

    g_autofree char *history_path = g_build_filename(dir, "history.csv", NULL);
    g_autofree char *predictions_path = g_build_filename(dir, "predictions.bin", NULL);
    const TrainRecordSplit none = { 0 };
    if (split == NULL)
        split = &none;

    if (!train_predictions_save(predictions_path, split->num_classes, split->n_val,
                                split->val_indices, split->val_labels,
                                (const char *const *) split->val_sources, probabilities,
                                n_epochs, error))
        return FALSE;
    return train_history_save_cached(history_path, cache, epochs, n_epochs, error);
}

gboolean train_record_write_status(const char *dir, const TrainProgress *progress,
                                   const char *message, int epochs_done,
                                   const TrainRecordSplit *split, GError **error)
{
    g_autofree char *path = g_build_filename(dir, "status.ini", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);
    const TrainProgress *p = progress;

    g_key_file_set_string(kf, "status", "status", train_status_to_string(p->status));
    if (message)
        g_key_file_set_string(kf, "status", "message", message);
    g_key_file_set_integer(kf, "status", "epochs-done", epochs_done);
    g_key_file_set_integer(kf, "status", "epochs-planned", p->epochs);
    g_key_file_set_integer(kf, "status", "best-epoch", p->best_epoch);
    char number[G_ASCII_DTOSTR_BUF_SIZE];
    if (p->best_epoch >= 0)
        g_key_file_set_value(kf, "status", "best-val-loss",
                             train_format_double(number, p->best_val_loss));
    g_key_file_set_integer(kf, "status", "diverged-epoch", p->diverged_epoch);
    g_key_file_set_integer(kf, "status", "diverged-batch", p->diverged_batch);
    if (p->test.images > 0) {
        g_key_file_set_integer(kf, "status", "test-images", p->test.images);
        g_key_file_set_integer(kf, "status", "test-epoch", p->test.epoch);
        g_key_file_set_value(kf, "status", "test-loss", train_format_double(number, p->test.loss));
        g_key_file_set_value(kf, "status", "test-accuracy",
                             train_format_double(number, p->test.accuracy));
    }
    if (split && split->class_names)
        g_key_file_set_string_list(kf, "status", "classes",
                                   (const char *const *) split->class_names,
                                   g_strv_length(split->class_names));
    g_key_file_set_string(kf, "status", "updated", stamp);
    /* Who writes the folder: a reader leaves a live writer's temporary files alone. */
    g_key_file_set_int64(kf, "status", "pid", getpid());
    g_key_file_set_string(kf, "status", "host", g_get_host_name());
    /* With the same seeds and threads, other BLAS kernels round otherwise: when a resumed
     * or repeated run parts from the first, this says whether the machine changed. */
    g_key_file_set_string(kf, "status", "blas-kernels", nn_blas_core_name());
    return g_key_file_save_to_file(kf, path, error);
}

gboolean train_record_write_skipped_files(const char *dir, const GPtrArray *skipped,
                                          GError **error)
{
    g_autofree char *path = g_build_filename(dir, TRAIN_RECORD_SKIPPED_FILES, NULL);
    g_autoptr(GString) text = g_string_new(NULL);

    for (guint i = 0; skipped != NULL && i < skipped->len; i++) {
        const DataSkippedFile *file = g_ptr_array_index(skipped, i);
        g_string_append_printf(text, "%s\t%s\n", file->path, file->reason);
    }
    return g_file_set_contents(path, text->str, (gssize) text->len, error);
}

/* The names of a run folder's files: theirs are the temporaries removed below. */
static const char *const record_files[] = {
    "config.ini", "status.ini", "history.csv", "predictions.bin", TRAIN_RECORD_SKIPPED_FILES,
    NULL,
};

/* mkstemp's six characters (g_file_set_contents: "history.csv.XXXXXX"). Six lower-case
 * letters are never taken for one: "config.ini.backup" is a person's copy, and a random
 * name is all lower case once in 180. */
static gboolean
is_mkstemp_suffix(const char *s)
{
    gboolean upper_or_digit = FALSE;
    if (strlen(s) != 6)
        return FALSE;
    for (int i = 0; i < 6; i++) {
        if (!g_ascii_isalnum(s[i]))
            return FALSE;
        upper_or_digit |= !g_ascii_islower(s[i]);
    }
    return upper_or_digit;
}

/* A temporary file one of our writers makes beside the file it replaces: a record file's
 * "NAME.XXXXXX" (g_file_set_contents) or a checkpoint's "NAME.ckpt.tmpXXXXXX"
 * (nn_checkpoint_save). */
static gboolean
is_our_temporary(const char *name)
{
    /* best.ckpt shared with its epoch's checkpoint goes through a link of this name
     * (train_checkpoints_share) */
    static const char link_prefix[] = "best.ckpt.tmp-link-";
    if (g_str_has_prefix(name, link_prefix)) {
        const char *pid = name + strlen(link_prefix);
        gboolean digits = *pid != '\0';
        for (const char *c = pid; *c; c++)
            digits = digits && g_ascii_isdigit(*c);
        if (digits)
            return TRUE;
    }
    const char *tmp = strstr(name, ".ckpt.tmp");
    if (tmp != NULL && tmp > name && is_mkstemp_suffix(tmp + strlen(".ckpt.tmp")))
        return TRUE;
    for (int i = 0; record_files[i] != NULL; i++) {
        gsize n = strlen(record_files[i]);
        if (strncmp(name, record_files[i], n) == 0 && name[n] == '.' &&
            is_mkstemp_suffix(name + n + 1))
            return TRUE;
    }
    return FALSE;
}

/* Whether the program that status.ini names is still writing the folder: its status is
 * not final, and it runs on this machine (or status.ini does not say who wrote it, which
 * an older folder's does not: then the temporaries' age decides, see below). */
typedef enum { WRITER_GONE, WRITER_ALIVE, WRITER_UNKNOWN } Writer;

static Writer
folder_writer(const char *dir)
{
    g_autoptr(GKeyFile) kf = train_record_load_key_file(dir, "status.ini", NULL);
    if (kf == NULL)
        return WRITER_UNKNOWN;
    g_autofree char *text = g_key_file_get_string(kf, "status", "status", NULL);
    TrainStatus status;
    if (train_status_from_string(text, &status) && !train_status_is_active(status) &&
        status != TRAIN_STATUS_READY)
        return WRITER_GONE;
    g_autoptr(GError) error = NULL;
    gint64 pid = g_key_file_get_int64(kf, "status", "pid", &error);
    g_autofree char *host = g_key_file_get_string(kf, "status", "host", NULL);
    if (error != NULL || host == NULL || pid <= 0 || pid > G_MAXINT)
        return WRITER_UNKNOWN;
    if (g_strcmp0(host, g_get_host_name()) != 0)
        return WRITER_ALIVE;   /* another machine's (a shared folder): never ours to judge */
    /* EPERM: someone else's process, alive. A reused pid only keeps the files longer. */
    return kill((pid_t) pid, 0) == 0 || errno == EPERM ? WRITER_ALIVE : WRITER_GONE;
}

/* Without a writer to ask: a temporary untouched this long belongs to no live write
 * (writers write their whole file in one go, seconds at most). */
#define STALE_TEMPORARY_SECONDS (10 * 60)

/* The temporaries of ours in one folder of a run (the run folder, its checkpoints/). */
static guint
remove_temporaries_in(const char *dir, Writer writer, gint64 now)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return 0;
    guint removed = 0;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        if (!is_our_temporary(name))
            continue;
        g_autofree char *path = g_build_filename(dir, name, NULL);
        GStatBuf st;
        if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (writer == WRITER_UNKNOWN && now - (gint64) st.st_mtime < STALE_TEMPORARY_SECONDS)
            continue;
        if (g_unlink(path) == 0)
            removed++;
    }
    return removed;
}

guint train_record_remove_stale_temporaries(const char *dir)
{
    g_return_val_if_fail(dir != NULL, 0);

    Writer writer = folder_writer(dir);
    if (writer == WRITER_ALIVE)
        return 0;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    g_autofree char *checkpoints = g_build_filename(dir, "checkpoints", NULL);
    return remove_temporaries_in(dir, writer, now) +
           remove_temporaries_in(checkpoints, writer, now);
}

/* The error for a file that would not read: names the folder and the file; the cause's
 * message often names the file already (the readers put its name first). */
static gboolean
read_failed(GError **error, GError *cause, const char *base, const char *file)
{
    if (g_error_matches(cause, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s: %s is missing"), base, file);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", base,
                    cause->message);
    g_error_free(cause);
    return FALSE;
}

GKeyFile *train_record_load_key_file(const char *dir, const char *name, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
        return NULL;
    return g_steal_pointer(&kf);
}

/* status.ini into folder's status, message, diverged_* and class names. */
static gboolean
read_status(const char *dir, const char *base, TrainRecordFolder *folder, GError **error)
{
    GError *cause = NULL;
    g_autoptr(GKeyFile) kf = train_record_load_key_file(dir, "status.ini", &cause);

    if (kf == NULL)
        return read_failed(error, cause, base, "status.ini");
    g_autofree char *text = g_key_file_get_string(kf, "status", "status", NULL);
    if (!train_status_from_string(text, &folder->status)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("%s: status.ini has no valid status (\"%s\")"), base, text ? text : "");
        return FALSE;
    }
    folder->message = g_key_file_get_string(kf, "status", "message", NULL);
    if (folder->status == TRAIN_STATUS_DIVERGED) {
        folder->diverged_epoch = g_key_file_get_integer(kf, "status", "diverged-epoch", NULL);
        folder->diverged_batch = g_key_file_get_integer(kf, "status", "diverged-batch", NULL);
    }
    folder->split.class_names = g_key_file_get_string_list(kf, "status", "classes", NULL, NULL);
    /* The test score is whole or not there: a damaged one is dropped, not half shown. */
    GError *e = NULL;
    TrainTestScore test = {
        .images = g_key_file_get_integer(kf, "status", "test-images", NULL),
        .epoch = g_key_file_get_integer(kf, "status", "test-epoch", &e),
    };
    if (e == NULL)
        test.loss = g_key_file_get_double(kf, "status", "test-loss", &e);
    if (e == NULL)
        test.accuracy = g_key_file_get_double(kf, "status", "test-accuracy", &e);
    if (e == NULL && test.images > 0)
        folder->test = test;
    g_clear_error(&e);
    return TRUE;
}

/* history.csv and predictions.bin into folder's epochs, split and predictions. */
static gboolean
read_epochs(const char *dir, const char *base, TrainRecordFolder *folder, GError **error)
{
    g_autofree char *history_path = g_build_filename(dir, "history.csv", NULL);
    g_autofree char *predictions_path = g_build_filename(dir, "predictions.bin", NULL);
    TrainPredictionsFile pf = { 0 };
    GError *cause = NULL;

    folder->epochs = train_history_load(history_path, &cause);
    if (folder->epochs == NULL)
        return read_failed(error, cause, base, "history.csv");
    if (!train_predictions_load(predictions_path, &pf, &cause))
        return read_failed(error, cause, base, "predictions.bin");
    /* Predictions are written before the history, so after a kill between the two they
     * may hold one epoch more; fewer means the files do not belong together. A file that
     * names no images but counts the epochs is a run that recorded no predictions (an
     * imported one, train_import.h). */
    guint n_epochs = folder->epochs->len;
    if (pf.n_epochs < (int) n_epochs) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("%s: predictions.bin has %d epochs but history.csv has %u"), base,
                    pf.n_epochs, n_epochs);
        train_predictions_file_clear(&pf);
        return FALSE;
    }
    TrainRecordSplit *split = &folder->split;
    split->num_classes = pf.num_classes;
    split->n_val = pf.n_val;
    split->val_indices = g_steal_pointer(&pf.val_indices);
    split->val_labels = g_steal_pointer(&pf.val_labels);
    split->val_sources = g_steal_pointer(&pf.val_sources);
    /* Only the first epochs->len are read from here on: the history is the record, and
     * the extra epoch a kill may leave is not shown. */
    folder->predictions = g_steal_pointer(&pf.predictions);
    folder->probabilities = g_steal_pointer(&pf.probabilities);
    train_predictions_file_clear(&pf);
    return TRUE;
}

gboolean train_record_read(const char *dir, TrainRecordFolder *folder, GError **error)
{
    g_return_val_if_fail(dir != NULL && folder != NULL, FALSE);

    g_autofree char *config_path = g_build_filename(dir, "config.ini", NULL);
    /* For messages: UTF-8 whatever the folder's name is. */
    g_autofree char *base = g_filename_display_basename(dir);
    GError *cause = NULL;

    memset(folder, 0, sizeof *folder);
    folder->diverged_epoch = folder->diverged_batch = -1;
    folder->test.epoch = -1;
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_autofree char *shown = g_filename_display_name(dir);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, _("%s is not a folder"), shown);
        return FALSE;
    }
    if (!g_file_test(config_path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s: config.ini is missing"), base);
        return FALSE;
    }
    gboolean ok = train_config_load(&folder->config, config_path, &cause)
                      ? TRUE
                      : read_failed(error, cause, base, "config.ini");
    ok = ok && read_status(dir, base, folder, error) && read_epochs(dir, base, folder, error);
    if (!ok) {
        train_record_folder_clear(folder);
        return FALSE;
    }
    /* Class names from an older or edited status.ini that do not match are dropped
     * rather than shown against the wrong classes. */
    TrainRecordSplit *split = &folder->split;
    if (split->class_names && (int) g_strv_length(split->class_names) != split->num_classes)
        g_clear_pointer(&split->class_names, g_strfreev);
    return TRUE;
}
