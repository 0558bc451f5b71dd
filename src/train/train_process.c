/* train_process: process-wide set-up for training programs (see train_process.h). */
#include "train_process.h"

#include <stdlib.h>
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
