/* nn_threads: sets the thread count of both OpenMP (our own loops) and OpenBLAS (its
 * GEMMs). With OpenBLAS's OpenMP build both run on the calling thread's OpenMP pool. */
#include "nn_threads.h"

#include <cblas.h>
#include <omp.h>

void nn_set_threads(int n)
{
    if (n <= 0)
        n = omp_get_num_procs();
    /* OpenMP's thread count is a per-thread setting: call this from the thread that runs
     * the engine (the training worker), not only from the UI thread. */
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
}

int nn_get_threads(void)
{
    return omp_get_max_threads();
}
