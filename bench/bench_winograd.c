/* bench_winograd: each 3x3 convolution of the seed network, forward and backward, by
 * im2col, Winograd F(2x2,3x3) and F(4x4,3x3) side by side in one process (the numbers
 * behind nn_winograd_tile's rule; bench/RESULTS.md "Profile"), or with `profile` first,
 * the per-layer split of whole training steps (Adam) of a network, im2col vs Winograd.
 * usage: bench_winograd [batch 64] [input side 64] [threads 1] [repeats 3]
 *        bench_winograd profile [network paper] [batch 64] [input side 64] [steps 2] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <string.h>

#include "nn_conv2d.h"
#include "nn_model.h"
#include "nn_optim.h"
#include "nn_rng.h"
#include "nn_spec.h"
#include "nn_threads.h"

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

/* One thread, process CPU time per training step and each layer's share of it (the
 * layer times are wall time, which on one thread differs from CPU time only by waits). */
static int profile(const char *network, int B, int S, int steps)
{
    nn_spec spec;
    nn_error err;
    nn_rng rng;
    static const nn_conv_algo algos[] = { NN_CONV_ALGO_IM2COL, NN_CONV_ALGO_AUTO };
    nn_set_threads(1);
    nn_rng_seed(&rng, 4);
    if (nn_spec_parse(&spec, network, &err) != NN_OK) {
        fprintf(stderr, "bench_winograd: %s\n", err.message);
        return 2;
    }
    printf("%s %dx%dx3 batch %d, 1 thread, %d Adam steps after 1 warm-up\n", network, S, S,
           B, steps);
    for (int k = 0; k < 2; k++) {
        nn_model *model = NULL;
        nn_optimizer opt;
        nn_optimizer_config cfg = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
        if (nn_model_create(&model, &spec, S, S, 3, B, 1, 0, NN_OPTIMIZER_ADAM, &err) != NN_OK ||
            nn_model_set_conv_algorithm(model, algos[k], &err) != NN_OK ||
            nn_optimizer_init(&opt, &cfg, nn_model_num_parameters(model), &err) != NN_OK) {
            fprintf(stderr, "bench_winograd: %s\n", err.message);
            return 1;
        }
        size_t n_in = (size_t)B * S * S * 3;
        float *input = random_tensor(&rng, n_in);
        int *labels = malloc((size_t)B * sizeof *labels);
        for (int b = 0; b < B; b++)
            labels[b] = b % 2;
        double cpu_s = 0, layers_s = 0;
        for (int it = 0; it <= steps; it++) {
            if (it == 1)
                nn_model_reset_layer_times(model);
            double t0 = seconds(1);
            nn_model_zero_grad(model);
            nn_model_forward(model, input, labels, B, 1);
            nn_model_backward(model);
            nn_optimizer_step(&opt, nn_model_params(model), nn_model_grads(model));
            if (it >= 1)
                cpu_s += seconds(1) - t0;
        }
        int n = nn_model_num_layers(model);
        for (int l = 0; l < n; l++) {
            double f, b;
            nn_model_layer_times(model, l, &f, &b);
            layers_s += f + b;
        }
        printf("\n%s: %.1f ms CPU per step (%.1f images/s on one core); layers:\n",
               k ? "Winograd (the rule)" : "im2col", 1e3 * cpu_s / steps, steps * B / cpu_s);
        printf("%-24s %9s %9s %7s\n", "layer", "fwd ms", "bwd ms", "share");
        for (int l = 0; l < n; l++) {
            double f, b;
            nn_model_layer_times(model, l, &f, &b);
            printf("%-24s %9.2f %9.2f %6.1f%%\n", nn_model_layer_name(model, l),
                   1e3 * f / steps, 1e3 * b / steps, 100 * (f + b) / layers_s);
        }
        printf("%-24s %9.2f (optimizer, loss, bookkeeping)\n", "rest",
               1e3 * (cpu_s - layers_s) / steps);
        free(input);
        free(labels);
        nn_optimizer_free(&opt);
        nn_model_free(model);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "profile") == 0)
        return profile(argc > 2 ? argv[2] : "paper", argc > 3 ? atoi(argv[3]) : 64,
                       argc > 4 ? atoi(argv[4]) : 64, argc > 5 ? atoi(argv[5]) : 2);
    const int B = argc > 1 ? atoi(argv[1]) : 64, S = argc > 2 ? atoi(argv[2]) : 64;
    const int threads = argc > 3 ? atoi(argv[3]) : 1, reps = argc > 4 ? atoi(argv[4]) : 3;
    const int cpu = threads == 1;
    /* the seed network's convolutions: C, OC, input side divided by */
    static const int layers[][3] = {
        { 3, 64, 1 }, { 64, 64, 2 }, { 64, 128, 4 }, { 128, 128, 4 },
        { 128, 256, 8 }, { 256, 256, 8 }, { 256, 64, 16 },
    };
    static const nn_conv_algo algos[] = { NN_CONV_ALGO_IM2COL, NN_CONV_ALGO_WINOGRAD2,
                                          NN_CONV_ALGO_WINOGRAD4 };
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
            float *scratch = malloc(nn_conv2d_algo_scratch_floats(B, H, W, C, OC, 3, algos[k]) *
                                    sizeof *scratch);
            double best_f = 1e30, best_b = 1e30;
            if (!scratch)
                return 1;
            for (int r = 0; r < reps; r++) {
                double t0 = seconds(cpu);
                nn_conv2d_forward_algo(out, inp, weight, bias, scratch, B, H, W, C, OC, 3,
                                       algos[k], 0);
                double t1 = seconds(cpu);
                /* the first layer computes no input gradient, as in the model */
                nn_conv2d_backward_algo(l ? dinp : NULL, dw, db, dout, inp, weight, scratch,
                                        B, H, W, C, OC, 3, algos[k]);
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
    printf("%-22s", "total");
    for (int k = 0; k < 3; k++)
        printf(" %8.2f %8.2f ", 1e3 * total[k][0], 1e3 * total[k][1]);
    printf("\n");
    return 0;
}
