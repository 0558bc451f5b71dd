/* bench_synthetic: how fast the built-in IC-chip dataset is drawn. The app generates it
 * when it starts, so 2 x 2000 images at 64x64 must take under 5 s on a 2-core machine;
 * also prints one thread vs all threads and the bigger sizes for information. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "data_synthetic.h"

typedef struct {
    double wall, cpu;   /* seconds */
} Timing;

static double
cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Generates per_class x 2 images of size x size. CPU time is reported beside wall time
 * because a shared machine's load inflates the wall time but not the work done. */
static Timing
time_generation(int per_class, int size, int threads)
{
    DataSyntheticParams p = data_synthetic_params_default();
    p.images_per_class = per_class;
    p.size = size;
    p.threads = threads;
    g_autoptr(GError) error = NULL;
    double c0 = cpu_seconds();
    gint64 t0 = g_get_monotonic_time();
    DataSet *set = data_synthetic_generate(&p, NULL, NULL, NULL, &error);
    gint64 t1 = g_get_monotonic_time();
    double c1 = cpu_seconds();
    if (set == NULL) {
        g_printerr("bench_synthetic: %s\n", error->message);
        exit(1);
    }
    data_set_unref(set);
    return (Timing) { (t1 - t0) / 1e6, c1 - c0 };
}

int
main(void)
{
    int cores = (int) g_get_num_processors();
    g_autofree char *load = NULL;
    g_file_get_contents("/proc/loadavg", &load, NULL, NULL);
    printf("bench_synthetic: %d cores, load average %s", cores, load ? load : "?\n");
    printf("%-6s %-7s %-8s %9s %9s %10s %12s\n", "size", "images", "threads", "wall s",
           "cpu s", "images/s", "images/cpu-s");

    struct { int size, per_class, threads; } runs[] = {
        { 64, 2000, 0 }, { 64, 500, 1 }, { 128, 500, 0 }, { 384, 100, 0 },
    };
    Timing first = { 0 };
    double rate_all = 0, rate_one = 0;
    for (size_t k = 0; k < G_N_ELEMENTS(runs); k++) {
        int n = 2 * runs[k].per_class;
        Timing t = time_generation(runs[k].per_class, runs[k].size, runs[k].threads);
        printf("%-6d %-7d %-8d %9.3f %9.3f %10.0f %12.0f\n", runs[k].size, n,
               runs[k].threads ? runs[k].threads : cores, t.wall, t.cpu, n / t.wall, n / t.cpu);
        if (k == 0)
            first = t, rate_all = n / t.wall;
        if (k == 1)
            rate_one = n / t.wall;
    }
    printf("2 x 2000 at 64x64: %.2f s wall (target < 5 s): %s; %.2f s of CPU, i.e. %.2f s on %d idle cores\n",
           first.wall, first.wall < 5 ? "ok" : "TOO SLOW", first.cpu, first.cpu / cores, cores);
    printf("all threads vs one thread (wall): %.2fx\n", rate_all / rate_one);
    return 0;
}
