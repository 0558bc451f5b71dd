/* nn_blas_core: the choice of OpenBLAS kernels (see the header for why). */
#include "nn_blas_core.h"

#include <cblas.h>
#include <string.h>

const char *nn_blas_core_name(void)
{
    return openblas_get_corename();
}

const char *nn_blas_better_core(const char *current, int has_avx512, int has_avx2_fma)
{
    /* Any kernel OpenBLAS chose by the model number fits the CPU; only its fallback
     * for a model it does not know leaves the vector units idle. */
    if (current == NULL || strcmp(current, "Prescott") != 0)
        return NULL;
    if (has_avx512)
        return "SkylakeX";
    if (has_avx2_fma)
        return "Haswell";
    return NULL;
}

const char *nn_blas_better_core_here(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                 __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                 __builtin_cpu_supports("avx512vl");
    int avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return nn_blas_better_core(nn_blas_core_name(), avx512, avx2_fma);
#else
    return NULL;   /* OpenBLAS's model tables are x86's concern */
#endif
}
