/* bench_engine: LR Lab's half of the engine benchmark. Times training steps (forward +
 * backward + Adam) and evaluation (forward only) of one network, or cblas_sgemm's peak,
 * and prints one JSON object on stdout for bench_driver.py to put beside PyTorch's.
 * Runs as its own process so its peak RSS is the engine's alone. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn_blas_core.h"
#include "nn_model.h"
#include "nn_optim.h"
#include "nn_rng.h"
#include "nn_spec.h"
#include "nn_threads.h"

typedef struct {
    const char *model;   /* preset name or spec text */
    int size;            /* input is size x size x 3 */
    int batch;
    int warmup;          /* untimed steps first: page faults, OpenMP pool start-up */
    int iters;           /* timed training steps */
    int eval_iters;      /* timed evaluation batches */
    int threads;
    int gemm;            /* > 0: measure sgemm at this m = n = k instead */
} bench_args;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* kB from a /proc/self/status line ("VmHWM:  123 kB"), or -1. */
static long proc_status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(key);

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return kb;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    long hwm = proc_status_kb("VmHWM");
    getrusage(RUSAGE_SELF, &ru);
    return hwm > ru.ru_maxrss ? hwm : ru.ru_maxrss;
}

/* Best of several m x m x m products: the machine's practical GEMM ceiling, which the
 * engine's convolutions (im2col + GEMM) can at most reach. */
static int bench_gemm(const bench_args *a)
{
    int m = a->gemm;
    size_t n = (size_t)m * m;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    nn_rng rng;
    double best = 1e30;

    if (!x || !y || !z) {
        fprintf(stderr, "bench_engine: out of memory for sgemm %d\n", m);
        return 1;
    }
    nn_rng_seed(&rng, 1);
    for (size_t i = 0; i < n; i++) {
        x[i] = nn_rng_uniform(&rng) - 0.5f;
        y[i] = nn_rng_uniform(&rng) - 0.5f;
    }
    for (int it = 0; it < a->warmup + a->iters; it++) {
        double t0 = now_s();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0f, x, m, y, m,
                    0.0f, z, m);
        double t = now_s() - t0;
        if (it >= a->warmup && t < best)
            best = t;
    }
    printf("{\"side\": \"lrlab\", \"gemm\": %d, \"threads\": %d, \"gflops\": %.3f, "
           "\"check\": %g, \"blas_core\": \"%s\"}\n", m, nn_get_threads(),
           2.0 * m * m * (double)m / best / 1e9, (double)z[n / 2], nn_blas_core_name());
    free(x);
    free(y);
    free(z);
    return 0;
}

static int bench_model(const bench_args *a)
{
    nn_spec spec;
    nn_error err;
    nn_model *model = NULL;
    nn_optimizer opt;
    nn_memory_estimate est;
    nn_optimizer_config cfg = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    long rss_start_kb = proc_status_kb("VmRSS");
    char spec_text[NN_SPEC_MAX_TEXT];

    if (nn_spec_parse(&spec, a->model, &err) != NN_OK ||
        nn_model_estimate(&spec, a->size, a->size, 3, a->batch, NN_OPTIMIZER_ADAM, &est,
                          &err) != NN_OK ||
        nn_model_create(&model, &spec, a->size, a->size, 3, a->batch, 1, 0,
                        NN_OPTIMIZER_ADAM, &err) != NN_OK ||
        nn_optimizer_init(&opt, &cfg, nn_model_num_parameters(model), &err) != NN_OK) {
        fprintf(stderr, "bench_engine: %s\n", err.message);
        return 1;
    }
    nn_spec_format(&spec, spec_text, sizeof spec_text);

    /* input (B,H,W,3) in [0,1) like decoded images; labels cycle through the classes */
    size_t n_input = (size_t)a->batch * a->size * a->size * 3;
    float *input = malloc(n_input * sizeof *input);
    int *labels = malloc((size_t)a->batch * sizeof *labels);
    nn_rng rng;
    nn_rng_seed(&rng, 2);
    for (size_t i = 0; i < n_input; i++)
        input[i] = nn_rng_uniform(&rng);
    for (int b = 0; b < a->batch; b++)
        labels[b] = b % nn_model_num_classes(model);

    float *params = nn_model_params(model);
    const float *grads = nn_model_grads(model);
    double t_train = 0, t_eval = 0;
    float loss = 0;
    for (int it = 0; it < a->warmup + a->iters; it++) {
        if (it == a->warmup)
            nn_model_reset_layer_times(model);
        double t0 = now_s();
        nn_model_zero_grad(model);
        loss = nn_model_forward(model, input, labels, a->batch, 1);
        nn_model_backward(model);
        nn_optimizer_step(&opt, params, grads);
        if (it >= a->warmup)
            t_train += now_s() - t0;
    }

    /* The per-layer split of the timed training steps, read before evaluation adds to it. */
    int n_layers = nn_model_num_layers(model);
    double *fwd = calloc((size_t)n_layers, sizeof *fwd), *bwd = calloc((size_t)n_layers, sizeof *bwd);
    for (int l = 0; l < n_layers; l++)
        nn_model_layer_times(model, l, &fwd[l], &bwd[l]);

    for (int it = 0; it < a->warmup + a->eval_iters; it++) {
        double t0 = now_s();
        nn_model_forward(model, input, NULL, a->batch, 0);
        if (it >= a->warmup)
            t_eval += now_s() - t0;
    }

    double train_ips = a->iters * (double)a->batch / t_train;
    double eval_ips = a->eval_iters * (double)a->batch / t_eval;
    printf("{\"side\": \"lrlab\", \"model\": \"%s\", \"spec\": \"%s\", \"size\": %d, "
           "\"batch\": %d, \"threads\": %d, \"params\": %zu, \"flops_forward\": %lld, "
           "\"train_ips\": %.4f, \"eval_ips\": %.4f, \"loss\": %.6f, "
           "\"rss_start_kb\": %ld, \"peak_rss_kb\": %ld, \"estimate_bytes\": %zu, "
           "\"layers\": [", a->model, spec_text, a->size, a->batch, nn_get_threads(),
           nn_model_num_parameters(model), est.flops_forward, train_ips, eval_ips, loss,
           rss_start_kb, peak_rss_kb(), est.total_bytes);
    for (int l = 0; l < n_layers; l++)
        printf("%s{\"name\": \"%s\", \"forward_ms\": %.4f, \"backward_ms\": %.4f}",
               l ? ", " : "", nn_model_layer_name(model, l), 1e3 * fwd[l] / a->iters,
               1e3 * bwd[l] / a->iters);
    printf("]}\n");

    free(fwd);
    free(bwd);
    free(input);
    free(labels);
    nn_optimizer_free(&opt);
    nn_model_free(model);
    return 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: bench_engine [--model NAME|SPEC] [--size N] [--batch N] [--warmup N]\n"
            "                    [--iters N] [--eval-iters N] [--threads N] [--gemm M]\n"
            "Prints one JSON object. --gemm M times an M x M x M cblas_sgemm instead.\n");
    return 2;
}

int main(int argc, char **argv)
{
    bench_args a = { "paper", 64, 64, 2, 5, 10, 2, 0 };

    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        if (strcmp(k, "--model") == 0) a.model = v;
        else if (strcmp(k, "--size") == 0) a.size = atoi(v);
        else if (strcmp(k, "--batch") == 0) a.batch = atoi(v);
        else if (strcmp(k, "--warmup") == 0) a.warmup = atoi(v);
        else if (strcmp(k, "--iters") == 0) a.iters = atoi(v);
        else if (strcmp(k, "--eval-iters") == 0) a.eval_iters = atoi(v);
        else if (strcmp(k, "--threads") == 0) a.threads = atoi(v);
        else if (strcmp(k, "--gemm") == 0) a.gemm = atoi(v);
        else return usage();
    }
    if (a.size <= 0 || a.batch <= 0 || a.iters <= 0 || a.eval_iters <= 0 || a.warmup < 0)
        return usage();
    nn_set_threads(a.threads);
    return a.gemm > 0 ? bench_gemm(&a) : bench_model(&a);
}
