/* train_images: a read-back run's validation images, from the generator or the folder its
 * config.ini names, matched to its predictions.bin by source. */
#include "train_images.h"

#include <glib/gi18n.h>
#include <string.h>

#include "train_dataset.h"

void train_images_clear(TrainImages *images)
{
    g_return_if_fail(images != NULL);

    g_clear_pointer(&images->images, data_set_unref);
    g_clear_pointer(&images->val_images, g_free);
    memset(images, 0, sizeof *images);
}

/* For each recorded source, its index in set (-1 when set has no such image). A synthetic
 * set is matched by index, as it was made, and must give the recorded source and label
 * (label noise is part of the parameters); a folder by path. */
static int *
match_sources(const DataSet *set, gboolean synthetic, const int *indices,
              const char *const *sources, const int *labels, int n_val)
{
    int *found = g_new(int, MAX(n_val, 1));
    g_autoptr(GHashTable) by_path = g_hash_table_new(g_str_hash, g_str_equal);
    for (int i = 0; !synthetic && i < set->count; i++)
        g_hash_table_insert(by_path, set->sources[i], GINT_TO_POINTER(i + 1));
    for (int i = 0; i < n_val; i++) {
        const char *source = sources && sources[i] ? sources[i] : "";
        if (synthetic)
            found[i] = indices[i] < set->count &&
                               g_strcmp0(set->sources[indices[i]], source) == 0 &&
                               set->labels[indices[i]] == labels[i]
                           ? indices[i]
                           : -1;
        else
            found[i] = GPOINTER_TO_INT(g_hash_table_lookup(by_path, source)) - 1;
    }
    return found;
}

/* The validation images of set that were found, in split order, under the recorded
 * labels and class names: what the galleries show. */
static DataSet *
validation_images(const DataSet *set, const int *found, int n_val, TrainRun *run, int *map)
{
    const int *labels = train_run_get_val_labels(run);
    const char *const *names = train_run_get_class_names(run);
    const int num_classes = train_run_get_num_classes(run);
    int n = 0;
    for (int i = 0; i < n_val; i++)
        n += found[i] >= 0;
    DataSet *out = data_set_new(n, set->height, set->width, num_classes);
    if (set->defect_boxes)
        out->defect_boxes = g_new0(DataBox, MAX(n, 1));
    const gsize bytes = (gsize) set->height * set->width * 3;
    for (int c = 0; c < num_classes; c++)
        out->class_names[c] = g_strdup(names && names[c] ? names[c]
                                       : c < set->num_classes ? set->class_names[c] : "?");
    for (int i = 0, j = 0; i < n_val; i++) {
        map[i] = found[i] >= 0 ? j : -1;
        if (found[i] < 0)
            continue;
        memcpy(data_set_image(out, j), data_set_image(set, found[i]), bytes);
        out->labels[j] = labels[i];
        out->sources[j] = g_strdup(set->sources[found[i]]);
        if (out->defect_boxes)
            out->defect_boxes[j] = set->defect_boxes[found[i]];
        j++;
    }
    return out;
}

gboolean train_images_load(TrainRun *run, TrainImages *out, GCancellable *cancellable,
                           GError **error)
{
    g_return_val_if_fail(run != NULL && out != NULL, FALSE);

    memset(out, 0, sizeof *out);
    const TrainConfig *config = train_run_get_config(run);
    const gboolean synthetic = config->data_kind != TRAIN_DATA_FOLDER;
    int n_val = 0;
    const int *indices = train_run_get_val_indices(run, &n_val);
    const char *const *sources = train_run_get_val_sources(run);
    if (indices == NULL || n_val == 0) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("This run stopped before it chose its validation images."));
        return FALSE;
    }
    if (!synthetic && !g_file_test(config->folder, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    _("The folder %s this run trained on is gone (moved, renamed or deleted), "
                    "so its images cannot be shown. Its curves and predictions are kept."),
                    config->folder);
        return FALSE;
    }
    g_autoptr(GError) cause = NULL;
    g_autoptr(DataSet) set = train_dataset_load(config, NULL, NULL, NULL, cancellable, &cause);
    if (set == NULL) {
        if (g_error_matches(cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error(error, g_steal_pointer(&cause));
        else
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        synthetic ? _("This run's images cannot be made again: %s")
                                  : _("This run's images cannot be read again: %s"),
                        cause->message);
        return FALSE;
    }
    g_autofree int *found = match_sources(set, synthetic, indices, sources,
                                          train_run_get_val_labels(run), n_val);
    int n_found = 0;
    for (int i = 0; i < n_val; i++)
        n_found += found[i] >= 0;
    if (synthetic && n_found < n_val) {
        /* Same parameters, other chips: never show them under this run's answers. */
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("The built-in chips made again from this run's settings are not "
                            "the ones it was trained on (an earlier version of LR Lab drew "
                            "them), so they are not shown. Its curves and predictions are kept."));
        return FALSE;
    }
    if (n_found == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("None of this run's %d validation images is in %s any more, so they "
                    "cannot be shown. Its curves and predictions are kept."), n_val,
                    config->folder);
        return FALSE;
    }
    out->val_images = g_new(int, n_val);
    out->images = validation_images(set, found, n_val, run, out->val_images);
    out->n_val = n_val;
    out->n_missing = n_val - n_found;
    return TRUE;
}

static void
images_free(gpointer data)
{
    train_images_clear(data);
    g_free(data);
}

static void
load_thread(GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
    TrainImages *images = g_new0(TrainImages, 1);
    GError *error = NULL;
    if (train_images_load(task_data, images, cancellable, &error)) {
        g_task_return_pointer(task, images, images_free);
    } else {
        g_free(images);
        g_task_return_error(task, error);
    }
}

void train_images_load_async(TrainRun *run, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(run != NULL);

    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_task_set_source_tag(task, train_images_load_async);
    g_task_set_name(task, "[lrlab] loading a run's images");
    g_task_set_task_data(task, train_run_ref(run), (GDestroyNotify) train_run_unref);
    g_task_run_in_thread(task, load_thread);
}

gboolean train_images_load_finish(GAsyncResult *result, TrainImages *out, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    g_return_val_if_fail(out != NULL, FALSE);

    memset(out, 0, sizeof *out);
    g_autofree TrainImages *images = g_task_propagate_pointer(G_TASK(result), error);
    if (images == NULL)
        return FALSE;
    *out = *images;
    return TRUE;
}
