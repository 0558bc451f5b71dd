/* nn_threads: sets the thread count of both OpenMP (our own loops) and OpenBLAS (its
 * GEMMs). With OpenBLAS's OpenMP build both run on the calling thread's OpenMP pool. */
#include "nn_threads.h"

#include <cblas.h>
#include <omp.h>

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
