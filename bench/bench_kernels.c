/* bench_kernels: GFLOP/s of the convolution kernels on the seed network's layers
 * (c64-p-c64-p-c128-c128-p-c256-c256-p-c64-p-..., 64x64x3 input, batch 64), beside a
 * large square sgemm on the same threads: the ratio is the share of peak we reach.
 * `bench_kernels 5 1` gives the one-core figures, which a busy machine disturbs least. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn_conv2d.h"
#include "nn_rng.h"
#include "nn_threads.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *random_floats(nn_rng *rng, size_t n)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] = nn_rng_uniform_range(rng, -1.0f, 1.0f);
    return x;
}

/* The machine is shared, so each figure is the best of `reps` runs: the least disturbed. */
#define BEST_OF(reps, seconds, stmt) do {                       \
        seconds = 1e30;                                         \
        for (int rep_ = 0; rep_ < (reps); rep_++) {             \
            double t0_ = now();                                 \
            stmt;                                               \
            double t_ = now() - t0_;                            \
            if (t_ < seconds) seconds = t_;                     \
        }                                                       \
    } while (0)

static double sgemm_peak(nn_rng *rng, int reps)
{
    const int n = 1536;
    float *a = random_floats(rng, (size_t)n * n), *b = random_floats(rng, (size_t)n * n),
          *c = calloc((size_t)n * n, sizeof(float));
    double s;
    BEST_OF(reps, s, cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
                                 1.0f, a, n, b, n, 0.0f, c, n));
    free(a);
    free(b);
    free(c);
    return 2.0 * n * n * n / s * 1e-9;
}

typedef struct { int H, C, OC; } conv_layer;

int main(int argc, char **argv)
{
    /* bench_kernels [reps [threads]]: threads 0 (the default) means all cores. */
    int B = 64, reps = 3, threads = 0;
    char *end = NULL;
    if (argc > 1)
        reps = (int)strtol(argv[1], &end, 10);
    if (argc > 1 && (*end != '\0' || reps < 1))
        reps = 0;
    if (argc > 2) {
        threads = (int)strtol(argv[2], &end, 10);
        if (*end != '\0' || threads < 0)
            reps = 0;
    }
    if (argc > 3 || reps == 0) {
        fprintf(stderr, "usage: %s [REPS [THREADS]]  (REPS >= 1, default 3; THREADS 0 = "
                "all cores, the default)\n", argv[0]);
        return 2;
    }
    nn_set_threads(threads);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    static const conv_layer layers[] = {
        { 64, 3, 64 }, { 32, 64, 64 }, { 16, 64, 128 }, { 16, 128, 128 },
        { 8, 128, 256 }, { 8, 256, 256 }, { 4, 256, 64 },
    };
    const int K = 3;
    double peak = sgemm_peak(&rng, reps);
    printf("threads %d, batch %d; sgemm 1536^3: %.1f GFLOP/s\n", nn_get_threads(), B, peak);
    printf("%-18s %9s %9s %8s %9s %9s %8s\n", "layer", "fwd ms", "GFLOP/s", "%peak",
           "bwd ms", "GFLOP/s", "%peak");
    double tot_flops = 0, tot_s = 0;
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        int H = layers[l].H, W = H, C = layers[l].C, OC = layers[l].OC, KKC = K * K * C;
        size_t n_in = (size_t)B * H * W * C, n_out = (size_t)B * H * W * OC;
        float *inp = random_floats(&rng, n_in), *weight = random_floats(&rng, (size_t)OC * KKC),
              *bias = random_floats(&rng, OC), *out = malloc(n_out * sizeof(float)),
              *dout = random_floats(&rng, n_out), *dinp = calloc(n_in, sizeof(float)),
              *dweight = calloc((size_t)OC * KKC, sizeof(float)), *dbias = calloc(OC, sizeof(float)),
              *scratch = malloc((nn_conv2d_algo_scratch_floats(B, H, W, C, OC, K,
                                                               NN_CONV_ALGO_AUTO) + 1) *
                                sizeof(float));
        int first = l == 0;   /* the first layer needs no input gradient */
        double fwd, bwd;
        /* the algorithm training runs (Winograd where the rule picks it) */
        BEST_OF(reps, fwd, nn_conv2d_forward_algo(out, inp, weight, bias, scratch, B, H, W, C,
                                                  OC, K, NN_CONV_ALGO_AUTO, 0));
        BEST_OF(reps, bwd, nn_conv2d_backward_algo(first ? NULL : dinp, dweight, dbias, dout,
                                                   inp, weight, scratch, B, H, W, C, OC, K,
                                                   NN_CONV_ALGO_AUTO));
        double flops = 2.0 * B * H * W * OC * KKC;
        double bflops = flops * (first ? 1 : 2);
        char name[32];
        snprintf(name, sizeof name, "c%d %dx%dx%d", OC, H, W, C);
        printf("%-18s %9.2f %9.1f %7.0f%% %9.2f %9.1f %7.0f%%\n", name, fwd * 1e3,
               flops / fwd * 1e-9, 100 * flops / fwd * 1e-9 / peak,
               bwd * 1e3, bflops / bwd * 1e-9,
               100 * bflops / bwd * 1e-9 / peak);
        tot_flops += flops + bflops;
        tot_s += fwd + bwd;
        free(inp); free(weight); free(bias); free(out); free(dout); free(dinp);
        free(dweight); free(dbias); free(scratch);
    }
    printf("all conv layers fwd+bwd: %.1f ms, %.1f GFLOP/s, %.0f%% of sgemm peak\n",
           tot_s * 1e3, tot_flops / tot_s * 1e-9, 100 * tot_flops / tot_s * 1e-9 / peak);
    return 0;
}
