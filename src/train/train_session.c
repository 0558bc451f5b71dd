/* train_session: loads a folder of run folders, keeping the good runs and a (folder,
 * reason) list of the rest. Files beside the run folders (a README, a sweep's table) are
 * not runs and are ignored. */
#include "train_session.h"

#include <gio/gio.h>
#include <string.h>

static void
problem_free(TrainSessionProblem *problem)
{
    g_free(problem->folder);
    g_free(problem->reason);
    g_free(problem);
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
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
        g_autoptr(GError) run_error = NULL;
        TrainRun *run = train_run_load(path, &run_error);
        if (run) {
            g_ptr_array_add(session->runs, run);
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
    g_free(session);
}
