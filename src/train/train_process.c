/* train_process: process-wide set-up for training programs (see train_process.h). */
#include "train_process.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

void
train_process_init(char **argv)
{
    if (getenv("OMP_WAIT_POLICY") != NULL)
        return;
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);
    /* exec failed (no /proc?): keep running with the spinning default */
}

/* nice 10: under contention a nice-0 thread gets ~10x the CPU share of a nice-10 one. */
#define TRAIN_WORKER_NICE 10

void
train_process_lower_thread_priority(void)
{
    pid_t tid = (pid_t) syscall(SYS_gettid);
    (void) setpriority(PRIO_PROCESS, (id_t) tid, TRAIN_WORKER_NICE);
}
