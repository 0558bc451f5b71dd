/* bench_synthetic: how fast the built-in IC-chip dataset is drawn. The app generates it
 * when it starts, so 2 x 2000 images at 64x64 must take under 5 s on a 2-core machine;
 * also prints one thread vs all threads and the bigger sizes for information. */
#include <stdio.h>
#include <stdlib.h>
#include "data_synthetic.h"

/* Generates per_class x 2 images of size x size and returns the wall time in seconds. */
static double
time_generation(int per_class, int size, int threads)
{
    DataSyntheticParams p = data_synthetic_params_default();
    p.images_per_class = per_class;
    p.size = size;
    p.threads = threads;
    g_autoptr(GError) error = NULL;
    gint64 t0 = g_get_monotonic_time();
    DataSet *set = data_synthetic_generate(&p, NULL, NULL, NULL, &error);
    gint64 t1 = g_get_monotonic_time();
    if (set == NULL) {
        g_printerr("bench_synthetic: %s\n", error->message);
        exit(1);
    }
    data_set_unref(set);
    return (t1 - t0) / 1e6;
}

int
main(void)
{
    int cores = (int) g_get_num_processors();
    printf("bench_synthetic: %d cores\n", cores);
    printf("%-8s %-8s %-8s %10s %12s\n", "size", "images", "threads", "seconds", "images/s");

    struct { int size, per_class, threads; } runs[] = {
        { 64, 2000, 0 }, { 64, 500, 1 }, { 128, 500, 0 }, { 384, 100, 0 },
    };
    double t_all = 0, rate_all = 0, rate_one = 0;
    for (size_t k = 0; k < G_N_ELEMENTS(runs); k++) {
        int n = 2 * runs[k].per_class;
        double t = time_generation(runs[k].per_class, runs[k].size, runs[k].threads);
        double rate = n / t;
        printf("%-8d %-8d %-8d %10.3f %12.0f\n", runs[k].size, n,
               runs[k].threads ? runs[k].threads : cores, t, rate);
        if (k == 0)
            t_all = t, rate_all = rate;
        if (k == 1)
            rate_one = rate;
    }
    printf("2 x 2000 at 64x64: %.2f s (target < 5 s): %s\n", t_all, t_all < 5 ? "ok" : "TOO SLOW");
    printf("all threads vs one thread: %.2fx\n", rate_all / rate_one);
    return 0;
}
