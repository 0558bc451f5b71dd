/* train_dataset: a config's DataSet, synchronously (the run's worker) or in a thread with
 * its progress on a TrainNotifier (the settings panel, lrlab-train). */
#include "train_dataset.h"

#include <string.h>

#include "data_synthetic.h"

DataSet *train_dataset_load(const TrainConfig *config, DataFolderReport *report,
                            DataProgressFunc progress, gpointer progress_data,
                            GCancellable *cancellable, GError **error)
{
    g_return_val_if_fail(config != NULL, NULL);

    if (report)
        data_folder_report_clear(report);
    if (config->data_kind == TRAIN_DATA_FOLDER) {
        DataFolderOptions options = data_folder_options_default();
        DataFolderReport unread = { 0 };

        options.size = config->size;
        options.resize = config->resize;
        options.memory_limit = train_config_memory_limit(config);
        options.threads = config->threads;
        DataSet *set = data_folder_load(config->folder, &options, report ? report : &unread,
                                        progress, progress_data, cancellable, error);
        data_folder_report_clear(&unread);
        return set;
    }
    /* Size and threads are the run's settings, not the generator's own. */
    DataSyntheticParams params = config->synthetic;
    params.size = config->size;
    params.threads = config->threads;
    return data_synthetic_generate(&params, progress, progress_data, cancellable, error);
}

typedef struct {
    TrainConfig config;
    TrainNotifier *notifier;
    DataFolderReport report;
} LoadJob;

static void
load_job_free(gpointer data)
{
    LoadJob *job = data;

    train_config_clear(&job->config);
    g_clear_pointer(&job->notifier, train_notifier_unref);
    data_folder_report_clear(&job->report);
    g_free(job);
}

/* From several generator threads at once: done may arrive out of order, so it only grows. */
static void
publish_progress(int done, int total, gpointer user_data)
{
    TrainLoadProgress *p = train_notifier_lock(user_data);
    p->done = MAX(p->done, done);
    p->total = total;
    train_notifier_unlock(user_data, TRUE);
}

static void
load_thread(GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
    LoadJob *job = task_data;
    GError *error = NULL;
    DataSet *set = train_dataset_load(&job->config, &job->report,
                                      job->notifier ? publish_progress : NULL, job->notifier,
                                      cancellable, &error);
    if (set == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, set, (GDestroyNotify) data_set_unref);
}

void train_dataset_load_async(const TrainConfig *config, TrainNotifier *notifier,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
    g_return_if_fail(config != NULL);

    LoadJob *job = g_new0(LoadJob, 1);
    train_config_copy(&job->config, config);
    job->notifier = notifier ? train_notifier_ref(notifier) : NULL;
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_task_set_source_tag(task, train_dataset_load_async);
    g_task_set_name(task, "[lrlab] loading a dataset");
    g_task_set_task_data(task, job, load_job_free);
    g_task_run_in_thread(task, load_thread);
}

DataSet *train_dataset_load_finish(GAsyncResult *result, DataFolderReport *report,
                                   GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
    g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == train_dataset_load_async,
                         NULL);

    LoadJob *job = g_task_get_task_data(G_TASK(result));
    if (report) {
        data_folder_report_clear(report);
        *report = job->report;
        memset(&job->report, 0, sizeof job->report);
    }
    return g_task_propagate_pointer(G_TASK(result), error);
}
