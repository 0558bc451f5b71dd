/* train_record: a run's folder: config.ini, history.csv, predictions.bin, status.ini (and
 * best.ckpt, written by the worker). Each file is replaced atomically after every epoch,
 * predictions before history, so a run killed at any instant leaves every finished epoch
 * readable; train_run_load() reads a folder back. */
#include "train_run_private.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "train_history.h"
#include "train_predictions.h"

static char *
path_in(TrainRun *run, const char *file)
{
    return g_build_filename(run->output_dir, file, NULL);
}

gboolean train_record_write_config(TrainRun *run, GError **error)
{
    g_autofree char *path = path_in(run, "config.ini");
    TrainConfig copy;

    g_mutex_lock(&run->mutex);
    train_config_copy(&copy, &run->config);
    g_mutex_unlock(&run->mutex);
    gboolean ok = train_config_save(&copy, path, error);
    train_config_clear(&copy);
    return ok;
}

gboolean train_record_write_epoch(TrainRun *run, const TrainEpoch *pending,
                                  const TrainPrediction *pending_predictions, GError **error)
{
    g_autofree char *history_path = path_in(run, "history.csv");
    g_autofree char *predictions_path = path_in(run, "predictions.bin");

    /* Copied under the lock, written outside it: an fsync must not stall the UI. */
    g_mutex_lock(&run->mutex);
    g_autoptr(GArray) epochs = g_array_copy(run->epochs);
    g_autoptr(GArray) predictions = g_array_copy(run->predictions);
    int n_val = run->val_indices ? run->n_val : 0;
    int num_classes = run->num_classes;
    g_mutex_unlock(&run->mutex);
    if (pending) {
        g_array_append_vals(epochs, pending, 1);
        g_array_append_vals(predictions, pending_predictions, n_val);
    }

    int n_epochs = n_val ? (int) (predictions->len / n_val) : 0;
    /* val_* are immutable once set, so they may be read without the lock. */
    if (!train_predictions_save(predictions_path, num_classes, n_val, run->val_indices,
                                run->val_labels, (const char *const *) run->val_sources,
                                (const TrainPrediction *) predictions->data, n_epochs, error))
        return FALSE;
    return train_history_save(history_path, (const TrainEpoch *) epochs->data,
                              (int) epochs->len, error);
}

gboolean train_record_write_status(TrainRun *run, GError **error)
{
    g_autofree char *path = path_in(run, "status.ini");
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);

    g_mutex_lock(&run->mutex);
    TrainProgress p = run->progress;
    g_key_file_set_string(kf, "status", "status", train_status_to_string(p.status));
    if (run->message)
        g_key_file_set_string(kf, "status", "message", run->message);
    g_key_file_set_integer(kf, "status", "epochs-done", (int) run->epochs->len);
    g_key_file_set_integer(kf, "status", "epochs-planned", p.epochs);
    g_key_file_set_integer(kf, "status", "best-epoch", p.best_epoch);
    char number[G_ASCII_DTOSTR_BUF_SIZE];
    if (p.best_epoch >= 0)
        g_key_file_set_value(kf, "status", "best-val-loss",
                             train_format_double(number, p.best_val_loss));
    g_key_file_set_integer(kf, "status", "diverged-epoch", p.diverged_epoch);
    g_key_file_set_integer(kf, "status", "diverged-batch", p.diverged_batch);
    if (run->class_names)
        g_key_file_set_string_list(kf, "status", "classes",
                                   (const char *const *) run->class_names,
                                   g_strv_length(run->class_names));
    g_mutex_unlock(&run->mutex);
    g_key_file_set_string(kf, "status", "updated", stamp);
    return g_key_file_save_to_file(kf, path, error);
}

static gboolean
status_from_string(const char *text, TrainStatus *status)
{
    for (int s = TRAIN_STATUS_READY; s <= TRAIN_STATUS_FAILED; s++)
        if (g_strcmp0(text, train_status_to_string(s)) == 0) {
            *status = s;
            return TRUE;
        }
    return FALSE;
}

static gboolean
load_failed(GError **error, GError *cause, const char *dir, const char *file)
{
    /* Names the file; the cause's message often does already (it has the path). */
    g_autofree char *base = g_path_get_basename(dir);
    if (g_error_matches(cause, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s: %s is missing", base, file);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", base,
                    cause->message);
    g_error_free(cause);
    return FALSE;
}

TrainRun *train_run_load(const char *dir, GError **error)
{
    g_return_val_if_fail(dir != NULL, NULL);

    g_autofree char *config_path = g_build_filename(dir, "config.ini", NULL);
    g_autofree char *status_path = g_build_filename(dir, "status.ini", NULL);
    g_autofree char *history_path = g_build_filename(dir, "history.csv", NULL);
    g_autofree char *predictions_path = g_build_filename(dir, "predictions.bin", NULL);
    g_autofree char *base = g_path_get_basename(dir);
    GError *cause = NULL;
    TrainConfig config;
    TrainPredictionsFile pf = { 0 };

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, "%s is not a folder", dir);
        return NULL;
    }
    if (!g_file_test(config_path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s: config.ini is missing", base);
        return NULL;
    }
    if (!train_config_load(&config, config_path, &cause)) {
        train_config_clear(&config);
        load_failed(error, cause, dir, "config.ini");
        return NULL;
    }
    g_autoptr(GKeyFile) status_kf = g_key_file_new();
    if (!g_key_file_load_from_file(status_kf, status_path, G_KEY_FILE_NONE, &cause)) {
        train_config_clear(&config);
        load_failed(error, cause, dir, "status.ini");
        return NULL;
    }
    g_autofree char *status_text = g_key_file_get_string(status_kf, "status", "status", NULL);
    TrainStatus status;
    if (!status_from_string(status_text, &status)) {
        train_config_clear(&config);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "%s: status.ini has no valid status (\"%s\")", base,
                    status_text ? status_text : "");
        return NULL;
    }
    g_autoptr(GArray) epochs = train_history_load(history_path, &cause);
    if (epochs == NULL) {
        train_config_clear(&config);
        load_failed(error, cause, dir, "history.csv");
        return NULL;
    }
    if (!train_predictions_load(predictions_path, &pf, &cause)) {
        train_config_clear(&config);
        load_failed(error, cause, dir, "predictions.bin");
        return NULL;
    }
    /* Predictions are written before the history, so after a kill between the two they
     * may hold one epoch more; fewer means the files do not belong together. */
    if (pf.n_epochs < (int) epochs->len || (pf.n_val == 0 && epochs->len > 0)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "%s: predictions.bin has %d epochs but history.csv has %u", base,
                    pf.n_epochs, epochs->len);
        train_config_clear(&config);
        train_predictions_file_clear(&pf);
        return NULL;
    }

    TrainRun *run = train_run_new(&config, NULL);
    train_config_clear(&config);
    run->loaded_from_disk = TRUE;
    run->output_dir = g_strdup(dir);
    g_array_append_vals(run->epochs, epochs->data, epochs->len);
    run->num_classes = pf.num_classes;
    run->n_val = pf.n_val;
    run->val_indices = g_steal_pointer(&pf.val_indices);
    run->val_labels = g_steal_pointer(&pf.val_labels);
    run->val_sources = g_steal_pointer(&pf.val_sources);
    g_array_append_vals(run->predictions, pf.predictions, (guint) epochs->len * pf.n_val);
    run->class_names = g_key_file_get_string_list(status_kf, "status", "classes", NULL, NULL);
    if (run->class_names && (int) g_strv_length(run->class_names) != run->num_classes)
        g_clear_pointer(&run->class_names, g_strfreev);
    train_predictions_file_clear(&pf);

    TrainProgress *p = &run->progress;
    int n = (int) epochs->len;
    p->status = status;
    p->epoch = MAX(n - 1, 0);
    p->batch = 0;
    p->eta_seconds = 0;
    for (int i = 0; i < n; i++) {
        const TrainEpoch *e = &g_array_index(epochs, TrainEpoch, i);
        p->elapsed += e->seconds;
        if (e->val_loss < p->best_val_loss - run->config.early_stop_min_delta ||
            p->best_epoch < 0) {
            p->best_epoch = i;
            p->best_val_loss = e->val_loss;
            p->best_val_accuracy = e->val_accuracy;
        }
    }
    run->message = g_key_file_get_string(status_kf, "status", "message", NULL);
    if (status == TRAIN_STATUS_DIVERGED) {
        p->diverged_epoch = g_key_file_get_integer(status_kf, "status", "diverged-epoch", NULL);
        p->diverged_batch = g_key_file_get_integer(status_kf, "status", "diverged-batch", NULL);
    }
    if (train_status_is_active(status) || status == TRAIN_STATUS_READY) {
        /* The program that ran it died (killed, crashed, power cut): what was finished
         * is kept and said so. */
        p->status = TRAIN_STATUS_STOPPED;
        g_free(run->message);
        run->message = g_strdup_printf("The program ended before this run finished; its %d "
                                       "finished epoch%s %s kept.",
                                       n, n == 1 ? "" : "s", n == 1 ? "is" : "are");
    }
    return run;
}
