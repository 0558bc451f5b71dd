/* train_process: process-wide set-up for training programs (see train_process.h). */
#include "config.h"
#include "train_process.h"

#include <errno.h>
#include <glib.h>
#include <glib/gi18n.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nn_error.h"

void
train_process_init(char **argv)
{
    if (getenv("OMP_WAIT_POLICY") != NULL)
        return;
    setenv("OMP_WAIT_POLICY", "passive", 1);
    /* On a CPU that OpenBLAS does not know, the engine's constructor (nn_threads.c) has
     * already restarted the program once for OPENBLAS_CORETYPE, before main: that is a
     * second start of a few milliseconds, and the last, as both variables are now set. */
    execv("/proc/self/exe", argv);
    /* exec failed (no /proc?): keep running with the spinning default */
}

/* 10 steps lower: under contention a thread gets ~10x the CPU share of one 10 nice
 * steps below it. 19 is the lowest priority there is. */
#define TRAIN_WORKER_NICE_STEPS 10
#define TRAIN_NICE_LOWEST 19

int
train_process_lowered_nice(int current)
{
    return current >= TRAIN_NICE_LOWEST ? current
                                        : MIN(current + TRAIN_WORKER_NICE_STEPS,
                                              TRAIN_NICE_LOWEST);
}

void
train_process_lower_thread_priority(void)
{
    pid_t tid = (pid_t) syscall(SYS_gettid);
    /* getpriority returns -1 both for nice -1 and for an error: errno tells them apart. */
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t) tid);
    if (current == -1 && errno != 0)
        return;
    int lowered = train_process_lowered_nice(current);
    if (lowered != current)
        (void) setpriority(PRIO_PROCESS, (id_t) tid, lowered);
}

static const char *
engine_gettext(const char *format)
{
    return g_dgettext(GETTEXT_PACKAGE, format);
}

void
train_process_translate_engine(void)
{
    nn_error_set_translator(engine_gettext);
}
