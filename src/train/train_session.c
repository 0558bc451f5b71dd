/* train_session: loads a folder of run folders, keeping the good runs and a (folder,
 * reason) list of the rest. Files beside the run folders (a README, a sweep's table) are
 * not runs and are ignored. Also finds, copies and deletes run folders for the app. */
#include "train_session.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "train_sweep.h"

static void
problem_free(TrainSessionProblem *problem)
{
    g_free(problem->folder);
    g_free(problem->reason);
    g_free(problem);
}

static void
group_free(TrainSessionGroup *group)
{
    g_free(group->id);
    g_ptr_array_unref(group->runs);
    g_free(group);
}

/* run (just loaded from path) joins the group its group.ini names, made when new. */
static void
add_to_group(TrainSession *session, TrainRun *run, const char *path)
{
    TrainSweepGroupInfo info;
    TrainSessionGroup *group = NULL;

    if (!train_sweep_group_info_read(path, &info))
        return;
    for (guint i = 0; i < session->groups->len && group == NULL; i++)
        if (strcmp(((TrainSessionGroup *) session->groups->pdata[i])->id, info.id) == 0)
            group = session->groups->pdata[i];
    if (group == NULL) {
        group = g_new0(TrainSessionGroup, 1);
        group->id = g_strdup(info.id);
        group->n_seeds = info.n_seeds;
        group->runs = g_ptr_array_new();
        g_ptr_array_add(session->groups, group);
    }
    g_ptr_array_add(group->runs, run);
    train_sweep_group_info_clear(&info);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

TrainSession *train_session_load(const char *dir, GError **error)
{
    g_return_val_if_fail(dir != NULL, NULL);

    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    if (d == NULL)
        return NULL;

    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (name[0] != '.' && g_file_test(path, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, compare_names);

    TrainSession *session = g_new0(TrainSession, 1);
    session->dir = g_strdup(dir);
    session->runs = g_ptr_array_new_with_free_func((GDestroyNotify) train_run_unref);
    session->problems = g_ptr_array_new_with_free_func((GDestroyNotify) problem_free);
    session->groups = g_ptr_array_new_with_free_func((GDestroyNotify) group_free);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
        g_autoptr(GError) run_error = NULL;
        TrainRun *run = train_run_load(path, &run_error);
        if (run) {
            g_ptr_array_add(session->runs, run);
            add_to_group(session, run, path);
        } else {
            TrainSessionProblem *problem = g_new0(TrainSessionProblem, 1);
            problem->folder = g_steal_pointer(&path);
            problem->reason = g_strdup(run_error->message);
            g_ptr_array_add(session->problems, problem);
        }
    }
    return session;
}

void train_session_free(TrainSession *session)
{
    if (session == NULL)
        return;
    g_free(session->dir);
    g_ptr_array_unref(session->runs);
    g_ptr_array_unref(session->problems);
    g_ptr_array_unref(session->groups);
    g_free(session);
}

const TrainSessionGroup *train_session_find_group(const TrainSession *session,
                                                  const TrainRun *run)
{
    g_return_val_if_fail(session != NULL, NULL);

    for (guint i = 0; i < session->groups->len; i++) {
        const TrainSessionGroup *group = session->groups->pdata[i];
        for (guint k = 0; k < group->runs->len; k++)
            if (group->runs->pdata[k] == run)
                return group;
    }
    return NULL;
}

char *train_session_dir(void)
{
    const char *env = g_getenv("LRLAB_SESSION_DIR");

    if (env != NULL && env[0] != '\0')
        return g_strdup(env);
    return g_build_filename(g_get_user_data_dir(), "lrlab", "session", NULL);
}

char *train_session_next_run_dir(const char *session_dir, GError **error)
{
    g_return_val_if_fail(session_dir != NULL, NULL);

    if (g_mkdir_with_parents(session_dir, 0755) != 0) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                    _("Cannot create the session folder %s: %s"), session_dir, g_strerror(saved));
        return NULL;
    }
    g_autoptr(GDir) dir = g_dir_open(session_dir, 0, error);
    if (dir == NULL)
        return NULL;
    const char *name;
    int last = 0;
    while ((name = g_dir_read_name(dir)) != NULL) {
        int n;
        if (sscanf(name, "run-%d", &n) == 1 && n > last)
            last = n;
    }
    return g_strdup_printf("%s/run-%03d", session_dir, last + 1);
}

/* Calls func on every entry of dir (symbolic links not followed), stopping at the first
 * failure: the one folder walk that both the copy and the delete use. */
typedef gboolean (*EntryFunc)(GFile *entry, GFileInfo *info, gpointer data, GError **error);

static gboolean
for_each_entry(GFile *dir, EntryFunc func, gpointer data, GError **error)
{
    g_autoptr(GFileEnumerator) entries =
        g_file_enumerate_children(dir, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                  G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, error);
    if (entries == NULL)
        return FALSE;
    for (;;) {
        GFileInfo *info;       /* both borrowed from the enumerator */
        GFile *entry;
        if (!g_file_enumerator_iterate(entries, &info, &entry, NULL, error))
            return FALSE;
        if (info == NULL)
            return TRUE;
        if (!func(entry, info, data, error))
            return FALSE;
    }
}

static gboolean copy_tree(GFile *src, GFile *dst, GError **error);

static gboolean
copy_entry(GFile *entry, GFileInfo *info, gpointer data, GError **error)
{
    g_autoptr(GFile) to = g_file_get_child(data, g_file_info_get_name(info));

    if (g_file_info_get_file_type(info) == G_FILE_TYPE_DIRECTORY)
        return copy_tree(entry, to, error);
    return g_file_copy(entry, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

static gboolean
copy_tree(GFile *src, GFile *dst, GError **error)
{
    GError *mkdir_error = NULL;

    if (!g_file_make_directory_with_parents(dst, NULL, &mkdir_error)) {
        if (!g_error_matches(mkdir_error, G_IO_ERROR, G_IO_ERROR_EXISTS)) {
            g_propagate_error(error, mkdir_error);
            return FALSE;
        }
        g_clear_error(&mkdir_error);
    }
    return for_each_entry(src, copy_entry, dst, error);
}

gboolean train_session_copy_runs(const char *const *run_dirs, const char *dest_dir,
                                 GError **error)
{
    g_return_val_if_fail(run_dirs != NULL, FALSE);
    g_return_val_if_fail(dest_dir != NULL, FALSE);

    for (int i = 0; run_dirs[i] != NULL; i++) {
        g_autofree char *name = g_path_get_basename(run_dirs[i]);
        g_autoptr(GFile) src = g_file_new_for_path(run_dirs[i]);
        g_autoptr(GFile) dst = g_file_new_build_filename(dest_dir, name, NULL);

        /* Saving the session into its own folder: the run is there already, and copying
         * a file onto itself could only damage it. */
        if (g_file_equal(src, dst))
            continue;
        if (!copy_tree(src, dst, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean delete_tree(GFile *dir, GError **error);

static gboolean
delete_entry(GFile *entry, GFileInfo *info, gpointer data, GError **error)
{
    if (g_file_info_get_file_type(info) == G_FILE_TYPE_DIRECTORY)
        return delete_tree(entry, error);
    return g_file_delete(entry, NULL, error);
}

static gboolean
delete_tree(GFile *dir, GError **error)
{
    return for_each_entry(dir, delete_entry, NULL, error) && g_file_delete(dir, NULL, error);
}

gboolean train_session_delete_run(const char *run_dir, GError **error)
{
    g_return_val_if_fail(run_dir != NULL, FALSE);

    g_autoptr(GFile) dir = g_file_new_for_path(run_dir);
    GError *delete_error = NULL;

    if (delete_tree(dir, &delete_error))
        return TRUE;
    if (g_error_matches(delete_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
        !g_file_query_exists(dir, NULL)) {
        g_error_free(delete_error);
        return TRUE;
    }
    g_propagate_error(error, delete_error);
    return FALSE;
}

