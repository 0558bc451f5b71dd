/* train_run: the public side of a training run: creation, the controls a consumer calls
 * from its own thread (start, pause, stop, cancel), the copies of the record it reads
 * under the run's mutex, the one merged idle notification that tells it of news, and the
 * run read back from its folder. The training loop is train_worker.c, which reports here
 * through the TrainWorkerHost below; the folder's files are train_record.c. This is the
 * only file that knows the struct or takes its lock, which is why it is not split though
 * it is over 800 lines: a second file would have to share the struct again. */
#include "train_run.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "nn_threads.h"
#include "train_best.h"
#include "train_notifier.h"
#include "train_record.h"
#include "train_resume.h"
#include "train_worker.h"

/* A GLib atomic rc box (train_run_ref/unref): the window, a sweep and the worker share it. */
struct _TrainRun {
    TrainConfig config;              /* copied at creation, never changed but for the name
                                      * and, at start, threads 0 (all cores) made the count */

    /* Everything below mutex is read by the consumer and written by the worker's host
     * functions (publish_*). */
    GMutex mutex;
    GCond cond;                      /* pause/resume, worker done */
    char *name;
    char *output_dir;
    char *message;
    TrainProgress progress;
    GArray *epochs;                  /* TrainEpoch */
    GArray *batches;                 /* TrainBatchPoint */
    GArray *predictions;             /* TrainPrediction, split.n_val per finished epoch */
    GArray *probabilities;           /* float, (split.n_val, classes) per finished epoch;
                                      * empty for a folder of predictions.bin version 1 */

    /* Set once by publish_split (or by train_run_load), then immutable: the getters hand
     * out borrowed pointers. */
    DataSet *dataset;
    TrainRecordSplit split;          /* class names, validation images */
    int *train_indices, n_train;
    int *val_images;                 /* a read-back run's: into its attached images */

    /* The consumer's news (train_notifier: at most one idle pending, holding a reference
     * on the run); NULL until train_run_set_notify. Swapped under the mutex. */
    TrainNotifier *notifier;

    /* Control. */
    GThread *thread;
    gboolean started, worker_done, loaded_from_disk;
    gboolean pause_requested, stop_requested, cancel_requested;

    /* The worker's state (train_worker.h): its thread's while it runs, this run's once
     * worker_done is set (train_run_evaluate, finalize). */
    TrainWorker *worker;

    /* Where the run starts (train_resume.h; NULL: fresh weights), owned; the update ratios
     * (set once, by publish_split or train_run_load; the log has its own lock). */
    TrainStart *start;
    TrainRatioLog *ratios;
    GMutex config_write;             /* config.ini's writers take turns (write_config) */
};

TrainRun *train_run_new(const TrainConfig *config, DataSet *dataset)
{
    g_return_val_if_fail(config != NULL, NULL);

    TrainRun *run = g_atomic_rc_box_new0(TrainRun);
    train_config_copy(&run->config, config);
    g_mutex_init(&run->mutex);
    g_mutex_init(&run->config_write);
    g_cond_init(&run->cond);
    run->name = g_strdup(config->name);
    run->epochs = g_array_new(FALSE, TRUE, sizeof(TrainEpoch));
    run->batches = g_array_new(FALSE, TRUE, sizeof(TrainBatchPoint));
    run->predictions = g_array_new(FALSE, TRUE, sizeof(TrainPrediction));
    run->probabilities = g_array_new(FALSE, TRUE, sizeof(float));
    run->dataset = dataset ? data_set_ref(dataset) : NULL;
    run->progress = train_progress_init(config->epochs);
    return run;
}

TrainRun *train_run_ref(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    return g_atomic_rc_box_acquire(run);
}

static void
train_run_finalize(TrainRun *run)
{
    /* The worker held a reference until its very end, so it has finished or is about
     * to return; when this is that worker's own last reference, it cannot join itself. */
    if (run->thread) {
        if (g_thread_self() == run->thread)
            g_thread_unref(run->thread);
        else
            g_thread_join(run->thread);
    }
    g_clear_pointer(&run->notifier, train_notifier_unref);
    g_clear_pointer(&run->worker, train_worker_free);
    g_clear_pointer(&run->start, train_start_free);
    g_clear_pointer(&run->ratios, train_ratio_log_unref);
    g_mutex_clear(&run->config_write);
    g_clear_pointer(&run->dataset, data_set_unref);
    train_record_split_clear(&run->split);
    g_free(run->train_indices);
    g_free(run->val_images);
    g_array_unref(run->epochs);
    g_array_unref(run->batches);
    g_array_unref(run->predictions);
    g_array_unref(run->probabilities);
    g_free(run->message);
    g_free(run->name);
    g_free(run->output_dir);
    train_config_clear(&run->config);
    g_mutex_clear(&run->mutex);
    g_cond_clear(&run->cond);
}

void train_run_unref(TrainRun *run)
{
    g_return_if_fail(run != NULL);
    g_atomic_rc_box_release_full(run, (GDestroyNotify) train_run_finalize);
}

const TrainConfig *train_run_get_config(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    return &run->config;
}

char *train_run_dup_name(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    char *name = g_strdup(run->name);
    g_mutex_unlock(&run->mutex);
    if (name == NULL || name[0] == '\0') {
        g_free(name);
        g_autofree char *lr = train_format_lr(run->config.lr);
        name = g_strdup_printf("%s, lr %s%s", run->config.model, lr,
                               run->config.dropout ? "" : ", dropout off");
    }
    return name;
}

/* config.ini from a copy taken under the lock (a rename may change the name meanwhile),
 * written outside it. Writers take turns (a resumed run's worker writes it once, from
 * publish_split), so the last one to write had the latest name. */
static gboolean
write_config(TrainRun *run, GError **error)
{
    TrainConfig copy;

    g_mutex_lock(&run->config_write);
    g_mutex_lock(&run->mutex);
    train_config_copy(&copy, &run->config);
    g_mutex_unlock(&run->mutex);
    gboolean ok = train_record_write_config(run->output_dir, &copy, error);
    train_config_clear(&copy);
    g_mutex_unlock(&run->config_write);
    return ok;
}

void train_run_set_name(TrainRun *run, const char *name)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    g_free(run->name);
    run->name = g_strdup(name);
    g_free(run->config.name);
    run->config.name = g_strdup(name);
    g_mutex_unlock(&run->mutex);
    /* The folder keeps the new name at once, running or not: only this and start write
     * config.ini, never the worker. Before start there is no folder yet; start writes it. */
    if (run->output_dir && (run->started || run->loaded_from_disk))
        write_config(run, NULL);
}

void train_run_set_output_dir(TrainRun *run, const char *dir)
{
    g_return_if_fail(run != NULL);
    g_return_if_fail(!run->started);

    g_free(run->output_dir);
    run->output_dir = g_strdup(dir);
}

const char *train_run_get_output_dir(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    return run->output_dir;
}

/* With run->mutex held: tells the consumer there is news (merged with any pending). */
static void
train_run_schedule_notify_locked(TrainRun *run)
{
    if (run->notifier)
        train_notifier_notify(run->notifier);
}

void train_run_set_notify(TrainRun *run, GMainContext *ctx, TrainRunNotify notify,
                          gpointer user_data, GDestroyNotify destroy)
{
    g_return_if_fail(run != NULL);

    TrainNotifier *fresh = train_notifier_new_for_owner(
        ctx, run, (gpointer (*)(gpointer)) train_run_ref, (GDestroyNotify) train_run_unref,
        (TrainNotifierOwnerFunc) notify, user_data, destroy);
    train_notifier_replace(&run->notifier, &run->mutex, fresh);
}

/* The worker's reports (TrainWorkerHost): the only places the run's lock is taken on the
 * worker's behalf, each followed by one merged notification. */

/* With the mutex held: takes the worker's progress (keeping the loading counts, which
 * come from the loader's threads through publish_loading) and tells the consumer. */
static void
take_progress_locked(TrainRun *run, const TrainProgress *progress)
{
    int load_done = run->progress.load_done, load_total = run->progress.load_total;
    run->progress = *progress;
    run->progress.load_done = load_done;
    run->progress.load_total = load_total;
    train_run_schedule_notify_locked(run);
}

static void
publish_loading(gpointer owner, int done, int total)
{
    TrainRun *run = owner;

    g_mutex_lock(&run->mutex);
    run->progress.load_done = MAX(run->progress.load_done, done);
    run->progress.load_total = total;
    train_run_schedule_notify_locked(run);
    g_mutex_unlock(&run->mutex);
}

/* The dataset and its split; from here on they never change. */
/* With the mutex held: every class's probability for each validation image over n_epochs
 * epochs ((n_epochs, n_val, classes)), and the predictions they imply. */
static void
append_answers_locked(TrainRun *run, const float *probabilities, int n_epochs)
{
    const int n_val = run->split.n_val, C = run->split.num_classes;

    g_array_append_vals(run->probabilities, probabilities, (guint) (n_epochs * n_val * C));
    for (int e = 0; e < n_epochs; e++)
        for (int i = 0; i < n_val; i++) {
            const float *p = probabilities + ((gsize) e * n_val + i) * C;
            TrainPrediction answer = train_prediction_of(p, C, run->split.val_labels[i]);
            g_array_append_val(run->predictions, answer);
        }
}

static void
publish_split(gpointer owner, const TrainWorkerSplit *split, const TrainProgress *progress)
{
    TrainRun *run = owner;

    g_mutex_lock(&run->mutex);
    if (run->dataset == NULL)
        run->dataset = data_set_ref(split->dataset);
    train_record_split_copy(&run->split, split->record);
    run->n_train = split->n_train;
    run->train_indices = g_memdup2(split->train_indices, sizeof(int) * split->n_train);
    if (split->ratios) {
        g_clear_pointer(&run->ratios, train_ratio_log_unref);
        run->ratios = train_ratio_log_ref(split->ratios);
    }
    /* The epochs the run starts with, as the worker loaded them (a resume may have fallen
     * back to an earlier checkpoint than the folder promised). */
    g_array_set_size(run->epochs, 0);
    g_array_set_size(run->predictions, 0);
    g_array_set_size(run->probabilities, 0);
    g_array_append_vals(run->epochs, split->epochs, split->n_epochs);
    append_answers_locked(run, split->probabilities, split->n_epochs);
    take_progress_locked(run, progress);
    g_mutex_unlock(&run->mutex);
    /* A resume has passed its checks: its folder's config.ini gets the new epoch count. */
    if (run->start && !train_start_is_fork(run->start) && run->output_dir)
        write_config(run, NULL);
}

/* Waits while paused. FALSE when the run must end (stop or cancel). */
static gboolean
wait_while_paused(gpointer owner, gint64 *paused_us)
{
    TrainRun *run = owner;

    g_mutex_lock(&run->mutex);
    if (run->pause_requested && !run->stop_requested) {
        gint64 t0 = g_get_monotonic_time();
        run->progress.status = TRAIN_STATUS_PAUSED;
        run->progress.eta_seconds = -1;
        train_run_schedule_notify_locked(run);
        while (run->pause_requested && !run->stop_requested)
            g_cond_wait(&run->cond, &run->mutex);
        run->progress.status = TRAIN_STATUS_RUNNING;
        train_run_schedule_notify_locked(run);
        *paused_us += g_get_monotonic_time() - t0;
    }
    gboolean go_on = !run->stop_requested;
    g_mutex_unlock(&run->mutex);
    return go_on;
}

static void
publish_batch(gpointer owner, const TrainBatchPoint *point, const TrainProgress *progress)
{
    TrainRun *run = owner;

    g_mutex_lock(&run->mutex);
    g_array_append_vals(run->batches, point, 1);
    take_progress_locked(run, progress);
    g_mutex_unlock(&run->mutex);
}

static void
publish_epoch(gpointer owner, const TrainEpoch *epoch, const float *probabilities,
              const TrainProgress *progress)
{
    TrainRun *run = owner;

    g_mutex_lock(&run->mutex);
    g_array_append_vals(run->epochs, epoch, 1);
    append_answers_locked(run, probabilities, 1);
    take_progress_locked(run, progress);
    g_mutex_unlock(&run->mutex);
}

static void
publish_finish(gpointer owner, const TrainProgress *progress, const char *message)
{
    TrainRun *run = owner;

    g_mutex_lock(&run->mutex);
    take_progress_locked(run, progress);
    g_free(run->message);
    run->message = g_strdup(message);
    run->worker_done = TRUE;
    g_cond_broadcast(&run->cond);
    g_mutex_unlock(&run->mutex);
}

static const TrainWorkerHost worker_host = {
    .loading = publish_loading,
    .split = publish_split,
    .wait_while_paused = wait_while_paused,
    .batch = publish_batch,
    .epoch = publish_epoch,
    .finish = publish_finish,
};

/* The worker thread: holds a reference, given by train_run_start, for its whole life. */
static gpointer
worker_thread(gpointer data)
{
    TrainRun *run = data;

    train_worker_run(run->worker);
    train_run_unref(run);
    return NULL;
}

static void progress_from_epochs(TrainProgress *p, const TrainEpoch *epochs, int n,
                                 double min_delta);

/* A start's settings and folder fit this run (train_start_check_config), and a resume
 * trains in the folder it resumes. */
static gboolean
train_run_check_start(TrainRun *run, GError **error)
{
    if (!train_start_check_config(run->start, &run->config, error))
        return FALSE;
    if (!train_start_is_fork(run->start) &&
        g_strcmp0(run->output_dir, train_start_dir(run->start)) != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("A resumed run trains in its own folder (%s)."), train_start_dir(run->start));
        return FALSE;
    }
    if (train_start_is_fork(run->start) && run->output_dir == NULL) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            _("A fork needs a folder of its own."));
        return FALSE;
    }
    return TRUE;
}

void train_run_set_start(TrainRun *run, TrainStart *start)
{
    g_return_if_fail(run != NULL && start != NULL);
    g_return_if_fail(!run->started && run->start == NULL);

    run->start = start;
    if (!train_start_is_fork(start) && run->output_dir == NULL)
        run->output_dir = g_strdup(train_start_dir(start));
    /* Until the worker has loaded the data, the run shows the epochs it starts with. */
    const GArray *epochs = train_start_epochs(start);
    const int k = train_start_epochs_done(start);
    g_mutex_lock(&run->mutex);
    g_array_append_vals(run->epochs, epochs->data, MIN((guint) k, epochs->len));
    progress_from_epochs(&run->progress, (const TrainEpoch *) run->epochs->data,
                         (int) run->epochs->len, run->config.early_stop_min_delta);
    run->progress.epochs = run->config.epochs;
    if (train_start_ratios(start))
        run->ratios = train_ratio_log_ref(train_start_ratios(start));
    g_mutex_unlock(&run->mutex);
}

const TrainStart *train_run_get_start(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    return run->start;
}

TrainRatioLog *train_run_dup_update_ratios(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    TrainRatioLog *log = run->ratios ? train_ratio_log_ref(run->ratios) : NULL;
    g_mutex_unlock(&run->mutex);
    return log;
}

gboolean train_run_start(TrainRun *run, GError **error)
{
    g_return_val_if_fail(run != NULL, FALSE);

    if (run->started || run->loaded_from_disk) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                            run->loaded_from_disk
                                ? _("A run read back from its folder cannot be started again.")
                                : _("This run has already been started."));
        return FALSE;
    }
    if (!train_config_validate(&run->config, error))
        return FALSE;
    /* The count the run uses, not "all cores": it changes the results (nn_threads.h), so
     * config.ini keeps it and --config repeats the run exactly on a larger machine. */
    run->config.threads = nn_threads_resolve(run->config.threads);
    if (run->dataset && (run->dataset->height != run->config.size ||
                         run->dataset->width != run->config.size)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("The dataset's images are %dx%d but the run's input size is %d."),
                    run->dataset->width, run->dataset->height, run->config.size);
        return FALSE;
    }
    if (run->start && !train_run_check_start(run, error))
        return FALSE;
    /* The folder and its config.ini are made here, so a bad --out is reported at once
     * and not after the dataset was generated. A resume's folder is left as it is until
     * its worker has checked the data and the checkpoint (publish_split). */
    if (run->output_dir && !(run->start && !train_start_is_fork(run->start))) {
        if (g_mkdir_with_parents(run->output_dir, 0755) != 0) {
            int saved = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                        _("Cannot create the run folder %s: %s"), run->output_dir,
                        g_strerror(saved));
            return FALSE;
        }
        TrainProgress progress = train_run_get_progress(run);
        if (!write_config(run, error) ||
            !train_record_write_epochs(run->output_dir, NULL, NULL, 0, NULL, error) ||
            !train_record_write_status(run->output_dir, &progress, NULL, 0, NULL, error) ||
            (run->start && !train_start_prepare_folder(run->start, run->output_dir, error)))
            return FALSE;
    }

    run->started = TRUE;
    g_mutex_lock(&run->mutex);
    run->progress.status = TRAIN_STATUS_LOADING;
    run->worker = train_worker_new(&run->config, run->dataset, run->output_dir, &worker_host,
                                   run);
    train_worker_set_start(run->worker, run->start);
    gboolean cancel = run->cancel_requested;
    g_mutex_unlock(&run->mutex);
    /* A cancel before start reaches the worker here; one after, in train_run_cancel. */
    if (cancel)
        train_worker_cancel(run->worker);
    run->thread = g_thread_try_new("lrlab-train", worker_thread, train_run_ref(run), error);
    if (run->thread == NULL) {
        g_mutex_lock(&run->mutex);
        run->progress.status = TRAIN_STATUS_FAILED;
        run->worker_done = TRUE;
        g_mutex_unlock(&run->mutex);
        train_run_unref(run);
        return FALSE;
    }
    return TRUE;
}

void train_run_pause(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    run->pause_requested = TRUE;
    g_mutex_unlock(&run->mutex);
}

/* Sets a request the worker reads between batches and wakes it if it waits paused. */
static void
set_request_and_wake(TrainRun *run, gboolean *request, gboolean value)
{
    g_mutex_lock(&run->mutex);
    *request = value;
    g_cond_broadcast(&run->cond);
    g_mutex_unlock(&run->mutex);
}

void train_run_resume(TrainRun *run)
{
    g_return_if_fail(run != NULL);
    set_request_and_wake(run, &run->pause_requested, FALSE);
}

void train_run_stop(TrainRun *run)
{
    g_return_if_fail(run != NULL);
    set_request_and_wake(run, &run->stop_requested, TRUE);
}

void train_run_cancel(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    run->cancel_requested = TRUE;
    run->stop_requested = TRUE;
    /* An ended worker has nothing to cancel (and train_run_release_model may free it). */
    TrainWorker *worker = run->worker_done ? NULL : run->worker;
    g_cond_broadcast(&run->cond);
    g_mutex_unlock(&run->mutex);
    /* Outside the lock: cancelling the loader runs its handlers synchronously. */
    if (worker)
        train_worker_cancel(worker);
}

void train_run_wait(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    while (run->started && !run->worker_done)
        g_cond_wait(&run->cond, &run->mutex);
    g_mutex_unlock(&run->mutex);
}

TrainProgress train_run_get_progress(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, (TrainProgress) { 0 });

    g_mutex_lock(&run->mutex);
    TrainProgress progress = run->progress;
    g_mutex_unlock(&run->mutex);
    return progress;
}

TrainStatus train_run_get_status(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, TRAIN_STATUS_FAILED);

    g_mutex_lock(&run->mutex);
    TrainStatus status = run->progress.status;
    g_mutex_unlock(&run->mutex);
    return status;
}

char *train_run_dup_message(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    char *message = g_strdup(run->message);
    g_mutex_unlock(&run->mutex);
    return message;
}

/* array is one of the run's own (epochs, batches): made with the run, only ever grown
 * under the lock, so the pointer can be read without it. */
static GArray *
copy_array_from(TrainRun *run, GArray *array, guint from)
{
    g_mutex_lock(&run->mutex);
    GArray *copy = g_array_sized_new(FALSE, TRUE, g_array_get_element_size(array),
                                     array->len > from ? array->len - from : 0);
    if (array->len > from)
        g_array_append_vals(copy, array->data + (gsize) from * g_array_get_element_size(array),
                            array->len - from);
    g_mutex_unlock(&run->mutex);
    return copy;
}

GArray *train_run_dup_epochs(TrainRun *run)
{
    return train_run_dup_epochs_from(run, 0);
}

GArray *train_run_dup_epochs_from(TrainRun *run, guint from)
{
    g_return_val_if_fail(run != NULL, NULL);

    return copy_array_from(run, run->epochs, from);
}

GArray *train_run_dup_batches(TrainRun *run, guint from)
{
    g_return_val_if_fail(run != NULL, NULL);

    return copy_array_from(run, run->batches, from);
}

/* The fields below are set once, under the mutex, before the status leaves LOADING;
 * reading the pointer under the mutex is enough since they never change afterwards. */
#define GET_ONCE(type, field)                     \
    g_mutex_lock(&run->mutex);                    \
    type value_ = (type) run->field;              \
    g_mutex_unlock(&run->mutex);                  \
    return value_

DataSet *train_run_get_dataset(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    /* Before loading finished a given dataset is already here; the header promises NULL
     * until the split exists, so galleries never see a dataset without its split. */
    g_mutex_lock(&run->mutex);
    DataSet *set = run->split.val_indices ? run->dataset : NULL;
    g_mutex_unlock(&run->mutex);
    return set;
}

const int *train_run_get_val_indices(TrainRun *run, int *n_val)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    const int *indices = run->split.val_indices;
    if (n_val)
        *n_val = indices ? run->split.n_val : 0;
    g_mutex_unlock(&run->mutex);
    return indices;
}

const int *train_run_get_val_images(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    const int *images = run->val_images ? run->val_images
                        : run->dataset ? run->split.val_indices
                                       : NULL;
    g_mutex_unlock(&run->mutex);
    return images;
}

gboolean train_run_attach_images(TrainRun *run, DataSet *images, const int *val_images)
{
    g_return_val_if_fail(run != NULL && images != NULL && val_images != NULL, FALSE);

    g_mutex_lock(&run->mutex);
    gboolean ok = run->loaded_from_disk && run->dataset == NULL;
    if (ok) {
        run->dataset = data_set_ref(images);
        run->val_images = g_memdup2(val_images, sizeof(int) * run->split.n_val);
    }
    g_mutex_unlock(&run->mutex);
    return ok;
}

const int *train_run_get_train_indices(TrainRun *run, int *n_train)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_mutex_lock(&run->mutex);
    const int *indices = run->train_indices;
    if (n_train)
        *n_train = indices ? run->n_train : 0;
    g_mutex_unlock(&run->mutex);
    return indices;
}

int train_run_get_num_classes(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, 0);
    GET_ONCE(int, split.num_classes);
}

const char *const *train_run_get_class_names(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    GET_ONCE(const char *const *, split.class_names);
}

const char *const *train_run_get_val_sources(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    GET_ONCE(const char *const *, split.val_sources);
}

const int *train_run_get_val_labels(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);
    GET_ONCE(const int *, split.val_labels);
}

int train_run_get_n_prediction_epochs(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, 0);

    g_mutex_lock(&run->mutex);
    int n = run->split.n_val > 0 ? (int) (run->predictions->len / run->split.n_val) : 0;
    g_mutex_unlock(&run->mutex);
    return n;
}

gboolean train_run_get_predictions(TrainRun *run, int epoch, TrainPrediction *out)
{
    g_return_val_if_fail(run != NULL && out != NULL, FALSE);

    g_mutex_lock(&run->mutex);
    const int n_val = run->split.n_val;
    gboolean ok = n_val > 0 && epoch >= 0 && (guint) (epoch + 1) * n_val <= run->predictions->len;
    if (ok)
        memcpy(out, &g_array_index(run->predictions, TrainPrediction, (gsize) epoch * n_val),
               sizeof(TrainPrediction) * n_val);
    g_mutex_unlock(&run->mutex);
    return ok;
}

gboolean train_run_get_probabilities(TrainRun *run, int epoch, float *out)
{
    g_return_val_if_fail(run != NULL && out != NULL, FALSE);

    g_mutex_lock(&run->mutex);
    const gsize n = (gsize) run->split.n_val * run->split.num_classes;
    gboolean ok = n > 0 && epoch >= 0 && (epoch + 1) * n <= run->probabilities->len;
    if (ok)
        memcpy(out, &g_array_index(run->probabilities, float, epoch * n), sizeof(float) * n);
    g_mutex_unlock(&run->mutex);
    return ok;
}

gboolean train_run_evaluate(TrainRun *run, double *val_loss, double *val_accuracy,
                            GError **error)
{
    g_return_val_if_fail(run != NULL, FALSE);

    /* Once worker_done is set the worker's state is this run's (train_worker.h): the
     * worker thread has returned from its last call and touches it no more. */
    g_mutex_lock(&run->mutex);
    TrainWorker *worker = run->worker_done ? run->worker : NULL;
    g_mutex_unlock(&run->mutex);
    if (worker == NULL || !train_worker_has_model(worker)) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                            _("This run has no trained model to evaluate (it is still "
                            "running, never built one, or was read from disk)."));
        return FALSE;
    }
    return train_worker_evaluate(worker, val_loss, val_accuracy, error);
}

void train_run_release_model(TrainRun *run)
{
    g_return_if_fail(run != NULL);

    g_mutex_lock(&run->mutex);
    TrainWorker *worker = run->worker_done ? run->worker : NULL;
    if (worker)
        run->worker = NULL;
    g_mutex_unlock(&run->mutex);
    train_worker_free(worker);
}

/* The progress a folder's epochs imply: the best epoch by the run's own rule (train_best.h: an
 * improvement must beat min_delta), the time they took. */
static void
progress_from_epochs(TrainProgress *p, const TrainEpoch *epochs, int n, double min_delta)
{
    p->epoch = MAX(n - 1, 0);
    p->batch = 0;
    p->eta_seconds = 0;
    for (int i = 0; i < n; i++)
        p->elapsed += epochs[i].seconds;
    p->best_epoch = train_best_epoch(epochs, n, min_delta);
    if (p->best_epoch >= 0) {
        p->best_val_loss = epochs[p->best_epoch].val_loss;
        p->best_val_accuracy = epochs[p->best_epoch].val_accuracy;
    }
}

TrainRun *train_run_load(const char *dir, GError **error)
{
    g_return_val_if_fail(dir != NULL, NULL);

    TrainRecordFolder folder;
    /* What a killed writer left half-written is of no use to anyone. */
    train_record_remove_stale_temporaries(dir);
    if (!train_record_read(dir, &folder, error))
        return NULL;

    TrainRun *run = train_run_new(&folder.config, NULL);
    const int n = (int) folder.epochs->len;
    run->loaded_from_disk = TRUE;
    run->output_dir = g_strdup(dir);
    g_array_append_vals(run->epochs, folder.epochs->data, n);
    g_array_append_vals(run->predictions, folder.predictions, (guint) n * folder.split.n_val);
    if (folder.probabilities)
        g_array_append_vals(run->probabilities, folder.probabilities,
                            (guint) n * folder.split.n_val * folder.split.num_classes);
    run->split = folder.split;
    memset(&folder.split, 0, sizeof folder.split);
    run->ratios = train_ratio_log_read(dir, n, NULL);

    TrainProgress *p = &run->progress;
    p->status = folder.status;
    progress_from_epochs(p, (const TrainEpoch *) folder.epochs->data, n,
                         run->config.early_stop_min_delta);
    run->message = g_steal_pointer(&folder.message);
    p->diverged_epoch = folder.diverged_epoch;
    p->diverged_batch = folder.diverged_batch;
    p->test = folder.test;
    if (train_status_is_active(folder.status) || folder.status == TRAIN_STATUS_READY) {
        /* The program that ran it died (killed, crashed, power cut): what was finished
         * is kept and said so. */
        p->status = TRAIN_STATUS_STOPPED;
        g_free(run->message);
        run->message = g_strdup_printf(
            ngettext("The program ended before this run finished; its %d finished epoch is kept.",
                     "The program ended before this run finished; its %d finished epochs are "
                     "kept.", n), n);
    }
    train_record_folder_clear(&folder);
    return run;
}
