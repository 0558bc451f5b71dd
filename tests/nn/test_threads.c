/* test_threads: the engine's one OpenMP pool. OpenBLAS is its OpenMP build, and its GEMMs
 * and our parallel loops must share one pool of threads (nn_threads.h): two pools would
 * run 2x the threads on the cores and a GEMM inside our loop would spawn its own team.
 * Under gcc both are libgomp. Under clang our loops are LLVM's libomp while OpenBLAS is
 * built for libgomp, and both libraries are loaded: one pool still holds only because
 * libomp also provides the GOMP_* and omp_* entry points and comes first in the lookup,
 * so OpenBLAS's calls land in it. This test fails the day that stops being true. */
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <glib.h>
#include <omp.h>

#include "nn_blas_core.h"
#include "nn_threads.h"

static int
count_threads(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
    int n = 0;
    while (dir != NULL && g_dir_read_name(dir) != NULL)
        n++;
    return n;
}

/* The library a symbol resolves to in the program's global scope (where OpenBLAS's
 * references to it are bound), and the one our own code calls. */
static char *
library_of(void *address)
{
    Dl_info info;
    g_assert_true(dladdr(address, &info) != 0);
    return g_path_get_basename(info.dli_fname);
}

static void
test_one_pool(void)
{
    const int threads = 2, n = 256;
    int before = count_threads();
    nn_set_threads(threads);
    g_assert_cmpint(nn_get_threads(), ==, threads);

    int team = 0;
#pragma omp parallel
    {
#pragma omp atomic
        team++;
    }
    g_assert_cmpint(team, ==, threads);
    int after_ours = count_threads();

    g_autofree float *a = g_new0(float, n * n);
    g_autofree float *b = g_new0(float, n * n);
    g_autofree float *c = g_new0(float, n * n);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    int after_gemm = count_threads();
    g_test_message("threads: %d at start, %d after our parallel loop, %d after a GEMM",
                   before, after_ours, after_gemm);
    /* Our loop's team is the only one: the GEMM ran on it, not on a pool of its own. */
    g_assert_cmpint(after_ours, <=, before + threads - 1);
    g_assert_cmpint(after_gemm, ==, after_ours);

    g_autofree char *ours = library_of((void *) omp_get_max_threads);
    void *gomp_parallel = dlsym(RTLD_DEFAULT, "GOMP_parallel");
    void *openblas_omp = dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    g_assert_nonnull(openblas_omp);
    g_autofree char *theirs = library_of(openblas_omp);
    g_autofree char *gomp = gomp_parallel ? library_of(gomp_parallel) : g_strdup(ours);
    g_test_message("our OpenMP: %s; omp_get_max_threads binds to %s; GOMP_parallel to %s",
                   ours, theirs, gomp);
    g_assert_cmpstr(theirs, ==, ours);
    g_assert_cmpstr(gomp, ==, ours);
}

/* Only OpenBLAS's generic fallback is replaced, by the best kernels the CPU can run. */
static void
test_blas_core_choice(void)
{
    g_assert_cmpstr(nn_blas_better_core("Prescott", 1, 1), ==, "SkylakeX");
    g_assert_cmpstr(nn_blas_better_core("Prescott", 0, 1), ==, "Haswell");
    g_assert_null(nn_blas_better_core("Prescott", 0, 0));
    g_assert_null(nn_blas_better_core("Haswell", 1, 1));
    g_assert_null(nn_blas_better_core("SkylakeX", 1, 1));
    g_assert_null(nn_blas_better_core("Zen", 0, 1));
    g_assert_null(nn_blas_better_core(NULL, 1, 1));
}

/* This very program runs on kernels that fit the CPU: OpenBLAS knew it, or the
 * constructor in nn_threads.c started the program again with OPENBLAS_CORETYPE (on an
 * Emerald Rapids Xeon OpenBLAS 0.3.21 takes "Prescott", and this fails without it). A
 * variable the user set is theirs. */
static void
test_blas_core_here(void)
{
    const char *asked = g_getenv("OPENBLAS_CORETYPE");
    const char *better = nn_blas_better_core_here();
    g_test_message("OpenBLAS kernels: %s (OPENBLAS_CORETYPE %s)", nn_blas_core_name(),
                   asked ? asked : "not set");
    if (asked != NULL && better != NULL) {
        g_test_skip("the user's OPENBLAS_CORETYPE chose the generic kernels");
        return;
    }
    g_assert_null(better);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nn/threads/one-pool", test_one_pool);
    g_test_add_func("/nn/threads/blas-core-choice", test_blas_core_choice);
    g_test_add_func("/nn/threads/blas-core-here", test_blas_core_here);
    return g_test_run();
}
