/* nn_threads: sets the thread count of both OpenMP (our own loops) and OpenBLAS (its
 * GEMMs). With OpenBLAS's OpenMP build both run on the calling thread's OpenMP pool.
 * Also where a program linked with the engine makes OpenBLAS use the right kernels
 * (nn_blas_core.h): every program that computes uses this file's chunking, so the
 * choice below is linked into each of them. */
#define _GNU_SOURCE   /* setenv, execv */
#include "nn_threads.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <unistd.h>

#include "nn_blas_core.h"

/* Before main: when OpenBLAS fell back to its generic kernels on a CPU that has better
 * ones, the program starts again (same process, same arguments) with OPENBLAS_CORETYPE
 * naming them, as a user would set it. OpenBLAS reads the variable only when it is
 * loaded, which is before any constructor of ours, hence the new start. A variable the
 * user set is kept (and stops any loop); if the exec fails the program goes on with the
 * fallback. glibc passes argc, argv and envp to the constructors it runs. */
__attribute__((constructor)) static void
choose_blas_kernels(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)envp;
    if (argv == NULL || argv[0] == NULL || getenv("OPENBLAS_CORETYPE") != NULL)
        return;
    const char *better = nn_blas_better_core_here();
    if (better == NULL)
        return;
    if (setenv("OPENBLAS_CORETYPE", better, 1) != 0)
        return;
    execv("/proc/self/exe", argv);
}

int nn_threads_resolve(int n)
{
    return n > 0 ? n : omp_get_num_procs();
}

void nn_set_threads(int n)
{
    n = nn_threads_resolve(n);
    /* OpenMP's thread count is a per-thread setting: call this from the thread that runs
     * the engine (the training worker), not only from the UI thread. */
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
}

int nn_get_threads(void)
{
    return omp_get_max_threads();
}

size_t nn_chunk_items(size_t total, size_t budget_floats, size_t floats_per_item,
                      size_t min_items)
{
    size_t items = budget_floats / (floats_per_item ? floats_per_item : 1);
    if (items < min_items)
        items = min_items;
    if (items > total)
        items = total;
    return items > 0 ? items : 1;
}
