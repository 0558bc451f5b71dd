/* bench_winograd: each 3x3 convolution of the seed network, forward and backward, by
 * im2col, Winograd F(2x2,3x3) and F(4x4,3x3) side by side in one process (the numbers
 * behind nn_winograd_tile's rule; bench/RESULTS.md "Profile").
 * usage: bench_winograd [batch 64] [input side 64] [threads 1] [repeats 3] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn_conv2d.h"
#include "nn_rng.h"
#include "nn_threads.h"
#include "nn_winograd.h"

/* Process CPU time, not wall time: on one thread it ignores the time the process waits
 * for a core, so a busy machine (the usual case here) still gives comparable figures. On
 * several threads it sums them, so compare wall time there (best of the repeats). */
static double seconds(int cpu)
{
    struct timespec t;
    clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *random_tensor(nn_rng *rng, size_t n)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    for (size_t i = 0; x && i < n; i++)
        x[i] = nn_rng_uniform_range(rng, -1.0f, 1.0f);
    return x;
}

int main(int argc, char **argv)
{
    const int B = argc > 1 ? atoi(argv[1]) : 64, S = argc > 2 ? atoi(argv[2]) : 64;
    const int threads = argc > 3 ? atoi(argv[3]) : 1, reps = argc > 4 ? atoi(argv[4]) : 3;
    const int cpu = threads == 1;
    /* the seed network's convolutions: C, OC, input side divided by */
    static const int layers[][3] = {
        { 3, 64, 1 }, { 64, 64, 2 }, { 64, 128, 4 }, { 128, 128, 4 },
        { 128, 256, 8 }, { 256, 256, 8 }, { 256, 64, 16 },
    };
    static const int modes[] = { 0, 2, 4 };   /* nn_winograd_set_tile: im2col, F2, F4 */
    double total[3][2] = { { 0 } };
    nn_rng rng;

    if (B < 1 || S < 16 || reps < 1)
        return 2;
    nn_set_threads(threads);
    nn_rng_seed(&rng, 3);
    printf("batch %d, input %dx%d, %d thread(s), best of %d, ms of %s time\n", B, S, S,
           nn_get_threads(), reps, cpu ? "process CPU" : "wall");
    printf("%-22s %-19s %-19s %-19s\n", "layer", "im2col fwd/bwd", "F(2x2) fwd/bwd",
           "F(4x4) fwd/bwd");
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        const int C = layers[l][0], OC = layers[l][1], H = S / layers[l][2], W = H;
        const size_t n_in = (size_t)B * H * W * C, n_out = (size_t)B * H * W * OC;
        const size_t n_w = (size_t)OC * 9 * C;
        float *inp = random_tensor(&rng, n_in), *weight = random_tensor(&rng, n_w);
        float *bias = random_tensor(&rng, OC), *dout = random_tensor(&rng, n_out);
        float *out = malloc(n_out * sizeof *out), *dinp = calloc(n_in, sizeof *dinp);
        float *dw = calloc(n_w, sizeof *dw), *db = calloc(OC, sizeof *db);
        char name[64];
        if (!inp || !weight || !bias || !dout || !out || !dinp || !dw || !db)
            return 1;
        snprintf(name, sizeof name, "conv %d->%d %dx%d", C, OC, H, W);
        printf("%-22s", name);
        for (int k = 0; k < 3; k++) {
            nn_winograd_set_tile(modes[k]);
            float *scratch = malloc(nn_conv2d_scratch_floats(B, H, W, C, OC, 3) * sizeof *scratch);
            double best_f = 1e30, best_b = 1e30;
            if (!scratch)
                return 1;
            for (int r = 0; r < reps; r++) {
                double t0 = seconds(cpu);
                nn_conv2d_forward(out, inp, weight, bias, scratch, B, H, W, C, OC, 3);
                double t1 = seconds(cpu);
                /* the first layer computes no input gradient, as in the model */
                nn_conv2d_backward(l ? dinp : NULL, dw, db, dout, inp, weight, scratch,
                                   B, H, W, C, OC, 3);
                double t2 = seconds(cpu);
                best_f = t1 - t0 < best_f ? t1 - t0 : best_f;
                best_b = t2 - t1 < best_b ? t2 - t1 : best_b;
            }
            total[k][0] += best_f;
            total[k][1] += best_b;
            printf(" %8.2f %8.2f ", 1e3 * best_f, 1e3 * best_b);
            free(scratch);
        }
        printf("\n");
        free(inp), free(weight), free(bias), free(dout), free(out), free(dinp), free(dw),
            free(db);
    }
    nn_winograd_set_tile(-1);
    printf("%-22s", "total");
    for (int k = 0; k < 3; k++)
        printf(" %8.2f %8.2f ", 1e3 * total[k][0], 1e3 * total[k][1]);
    printf("\n");
    return 0;
}
