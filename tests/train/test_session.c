/* test_session: the app's session folder work without the app: where the folder is, the
 * next run's folder (run-NNN, one past the highest), Save Session's copy of run folders,
 * and deleting a run folder with everything in it. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "train_session.h"
#include "train_test_util.h"

static void
write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    GError *error = NULL;

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, &error));
    g_assert_no_error(error);
}

static void
assert_file(const char *dir, const char *name, const char *expected)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *text = NULL;
    GError *error = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(text, ==, expected);
}

/* A run folder as a run leaves it, with a subfolder so the copy and delete must recurse. */
static char *
make_run_folder(const char *session, const char *name)
{
    char *dir = g_build_filename(session, name, NULL);
    write_file(dir, "config.ini", "[run]\nname=Run 1\n");
    write_file(dir, "history.csv", "epoch,loss\n0,0.69\n");
    write_file(dir, "extra/notes/deep.txt", "three levels down");
    return dir;
}

static void
test_session_dir(void)
{
    g_autofree char *from_env = NULL;
    g_autofree char *fallback = NULL;

    g_setenv("LRLAB_SESSION_DIR", "/somewhere/else", TRUE);
    from_env = train_session_dir();
    g_assert_cmpstr(from_env, ==, "/somewhere/else");

    /* Set but empty counts as not set: the user's data folder. */
    g_setenv("LRLAB_SESSION_DIR", "", TRUE);
    fallback = train_session_dir();
    g_assert_true(g_str_has_prefix(fallback, g_get_user_data_dir()));
    g_assert_true(g_str_has_suffix(fallback, G_DIR_SEPARATOR_S "lrlab" G_DIR_SEPARATOR_S "session"));
    g_unsetenv("LRLAB_SESSION_DIR");
}

static void
test_next_run_dir(void)
{
    g_autofree char *tmp = test_tmpdir();
    g_autofree char *session = g_build_filename(tmp, "not", "yet", "there", NULL);
    g_autofree char *first = NULL;
    g_autofree char *next = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *blocker = NULL;
    g_autofree char *under_file = NULL;
    GError *error = NULL;

    /* A first start: the session folder is made, the first run is run-001. */
    first = train_session_next_run_dir(session, &error);
    g_assert_no_error(error);
    expected = g_build_filename(session, "run-001", NULL);
    g_assert_cmpstr(first, ==, expected);
    g_assert_true(g_file_test(session, G_FILE_TEST_IS_DIR));
    g_assert_false(g_file_test(first, G_FILE_TEST_EXISTS));

    /* One past the highest number, whatever else lies in the folder; a gap (a deleted
     * run-002) is not reused, so the newest run always sorts last. */
    g_free(make_run_folder(session, "run-001"));
    g_free(make_run_folder(session, "run-003"));
    write_file(session, "README", "not a run");
    g_free(make_run_folder(session, "sweep-099"));
    next = train_session_next_run_dir(session, &error);
    g_assert_no_error(error);
    g_free(expected);
    expected = g_build_filename(session, "run-004", NULL);
    g_assert_cmpstr(next, ==, expected);

    /* A session path that is a file cannot hold runs: an error naming it. */
    blocker = g_build_filename(tmp, "blocker", NULL);
    write_file(tmp, "blocker", "a file");
    under_file = g_build_filename(blocker, "session", NULL);
    g_assert_null(train_session_next_run_dir(under_file, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, under_file));
    g_clear_error(&error);
    test_rmdir_recursive(tmp);
}

static void
test_copy_runs(void)
{
    g_autofree char *session = test_tmpdir();
    g_autofree char *dest_parent = test_tmpdir();
    g_autofree char *dest = g_build_filename(dest_parent, "class", "handout", NULL);
    g_autofree char *one = make_run_folder(session, "run-001");
    g_autofree char *two = make_run_folder(session, "run-002");
    g_autofree char *copy_one = g_build_filename(dest, "run-001", NULL);
    g_autofree char *copy_two = g_build_filename(dest, "run-002", NULL);
    g_autofree char *missing = g_build_filename(session, "run-404", NULL);
    const char *runs[] = { one, two, NULL };
    const char *with_missing[] = { one, missing, NULL };
    const char *only_one[] = { one, NULL };
    GError *error = NULL;

    /* Every file, subfolders included, into a folder that did not exist yet. */
    g_assert_true(train_session_copy_runs(runs, dest, &error));
    g_assert_no_error(error);
    assert_file(copy_one, "config.ini", "[run]\nname=Run 1\n");
    assert_file(copy_two, "history.csv", "epoch,loss\n0,0.69\n");
    assert_file(copy_two, "extra/notes/deep.txt", "three levels down");
    /* The originals stay. */
    assert_file(one, "history.csv", "epoch,loss\n0,0.69\n");

    /* Saving again over an older copy replaces its files. */
    write_file(one, "history.csv", "epoch,loss\n0,0.69\n1,0.5\n");
    g_assert_true(train_session_copy_runs(only_one, dest, &error));
    g_assert_no_error(error);
    assert_file(copy_one, "history.csv", "epoch,loss\n0,0.69\n1,0.5\n");

    /* Saving the session into its own folder leaves every run as it is. */
    g_assert_true(train_session_copy_runs(runs, session, &error));
    g_assert_no_error(error);
    assert_file(one, "history.csv", "epoch,loss\n0,0.69\n1,0.5\n");

    /* A run folder that vanished is an error that names it. */
    g_assert_false(train_session_copy_runs(with_missing, dest, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "run-404"));
    g_clear_error(&error);

    test_rmdir_recursive(session);
    test_rmdir_recursive(dest_parent);
}

static void
test_delete_run(void)
{
    g_autofree char *session = test_tmpdir();
    g_autofree char *doomed = make_run_folder(session, "run-001");
    g_autofree char *kept = make_run_folder(session, "run-002");
    g_autofree char *outside = test_tmpdir();
    g_autofree char *link = g_build_filename(doomed, "link-to-outside", NULL);
    GError *error = NULL;

    /* A symbolic link in the folder goes; what it points to stays. */
    write_file(outside, "precious.txt", "not the run's");
    g_assert_cmpint(symlink(outside, link), ==, 0);

    g_assert_true(train_session_delete_run(doomed, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(doomed, G_FILE_TEST_EXISTS));
    assert_file(kept, "history.csv", "epoch,loss\n0,0.69\n");
    assert_file(outside, "precious.txt", "not the run's");

    /* Deleting what is gone already is no error. */
    g_assert_true(train_session_delete_run(doomed, &error));
    g_assert_no_error(error);

    test_rmdir_recursive(session);
    test_rmdir_recursive(outside);
}

/* A run folder whose name is not UTF-8 (Latin-1 bytes) that cannot be read: the reason the
 * app shows names it in UTF-8. */
static void
test_problem_names_not_utf8(void)
{
    g_autofree char *session = test_tmpdir();
    g_autofree char *run = g_build_filename(session, "caf\xe9", NULL);
    g_assert_cmpint(g_mkdir(run, 0755), ==, 0);
    GError *error = NULL;
    g_autoptr(TrainSession) loaded = train_session_load(session, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(loaded->problems->len, ==, 1);
    TrainSessionProblem *problem = loaded->problems->pdata[0];
    g_assert_cmpstr(problem->folder, ==, run);
    g_assert_true(g_utf8_validate(problem->reason, -1, NULL));
    g_assert_cmpstr(problem->reason, ==, "caf\xef\xbf\xbd: config.ini is missing");
    test_rmdir_recursive(session);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/session/dir", test_session_dir);
    g_test_add_func("/train/session/next-run-dir", test_next_run_dir);
    g_test_add_func("/train/session/copy-runs", test_copy_runs);
    g_test_add_func("/train/session/delete-run", test_delete_run);
    g_test_add_func("/train/session/problem-names-not-utf8", test_problem_names_not_utf8);
    return g_test_run();
}
