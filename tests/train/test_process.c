/* test_process: the process-wide set-up of training programs. The worker lowers its
 * thread's priority relative to where it started, so a run started with `nice -n 19`
 * never gains priority (as root, an absolute nice of 10 would have raised it). */
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <glib.h>

#include "train_process.h"

static void
test_lowered_nice(void)
{
    g_assert_cmpint(train_process_lowered_nice(0), ==, 10);
    g_assert_cmpint(train_process_lowered_nice(5), ==, 15);
    g_assert_cmpint(train_process_lowered_nice(-5), ==, 5);
    g_assert_cmpint(train_process_lowered_nice(12), ==, 19);
    g_assert_cmpint(train_process_lowered_nice(19), ==, 19);
}

static int
thread_nice(void)
{
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid));
    g_assert_cmpint(errno, ==, 0);
    return nice;
}

/* In a thread of its own, as the worker: starts at `start`, lowers itself, reports. */
static gpointer
lower_from(gpointer data)
{
    int start = GPOINTER_TO_INT(data);
    /* Lowering one's own priority is always allowed. */
    g_assert_cmpint(setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid), start), ==, 0);
    g_assert_cmpint(thread_nice(), ==, start);
    train_process_lower_thread_priority();
    return GINT_TO_POINTER(thread_nice());
}

static void
test_never_raises(void)
{
    int here = thread_nice();
    int start[] = { MAX(here, 3), 15, 19 };
    for (guint i = 0; i < G_N_ELEMENTS(start); i++) {
        GThread *t = g_thread_new("lower", lower_from, GINT_TO_POINTER(start[i]));
        int after = GPOINTER_TO_INT(g_thread_join(t));
        g_test_message("nice %d -> %d", start[i], after);
        g_assert_cmpint(after, ==, train_process_lowered_nice(start[i]));
        g_assert_cmpint(after, >=, start[i]);
    }
    /* Per thread: the caller's own priority is untouched. */
    g_assert_cmpint(thread_nice(), ==, here);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/process/lowered-nice", test_lowered_nice);
    g_test_add_func("/train/process/never-raises", test_never_raises);
    return g_test_run();
}
