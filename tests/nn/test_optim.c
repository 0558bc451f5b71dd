/* test_optim: SGD and Adam. The fast (parallel) step agrees bit for bit with the naive
 * reference for every variant; both follow torch.optim 1.13's formulas, checked against
 * steps worked out in double from the formulas in nn_optim.h, a few numbers done by hand,
 * and torch.optim itself (bit-identical on an AVX2 CPU). */
#include <float.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "nn_optim.h"
#include "nn_rng.h"
#include "nn_threads.h"

typedef struct {
    const char *name;
    nn_optimizer_config config;
} variant;

static int n_variants(variant *v)
{
    int n = 0;
    nn_optimizer_config c;
    c = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    v[n++] = (variant){ "adam", c };
    c.weight_decay = 1e-2;
    v[n++] = (variant){ "adam+l2", c };
    c.decoupled = 1;
    c.lr = 3e-2;
    v[n++] = (variant){ "adamw", c };
    c = nn_optimizer_config_default(NN_OPTIMIZER_SGD);
    c.momentum = 0.0;
    c.lr = 0.1;
    v[n++] = (variant){ "sgd", c };
    c.momentum = 0.9;
    v[n++] = (variant){ "sgd+momentum", c };
    c.nesterov = 1;
    v[n++] = (variant){ "sgd+nesterov", c };
    c.weight_decay = 5e-2;
    v[n++] = (variant){ "sgd+nesterov+l2", c };
    c.decoupled = 1;
    v[n++] = (variant){ "sgd+nesterov+decoupled", c };
    return n;
}

/* The fast step splits the loop over threads; the reference runs torch's tensor ops one
 * whole array after another. Every element sees the same float operations in the same
 * order, so the two must agree to the bit, on any thread count. */
static void test_fast_matches_reference(void)
{
    variant v[16];
    int nv = n_variants(v);
    const size_t n = 100003; /* odd, so the threads' shares are uneven */
    nn_rng rng;
    nn_rng_seed(&rng, 17);
    float *p0 = g_new(float, n), *g = g_new(float, n);
    for (size_t i = 0; i < n; i++)
        p0[i] = nn_rng_uniform_range(&rng, -1.0f, 1.0f);
    int threads[2] = { 1, 2 };
    for (int vi = 0; vi < nv; vi++) {
        for (int ti = 0; ti < 2; ti++) {
            nn_set_threads(threads[ti]);
            nn_optimizer fast, ref;
            nn_error err;
            g_assert_cmpint(nn_optimizer_init(&fast, &v[vi].config, n, &err), ==, NN_OK);
            g_assert_cmpint(nn_optimizer_init(&ref, &v[vi].config, n, &err), ==, NN_OK);
            float *pf = g_memdup2(p0, n * sizeof(float)), *pr = g_memdup2(p0, n * sizeof(float));
            for (int step = 0; step < 4; step++) {
                for (size_t i = 0; i < n; i++)
                    g[i] = nn_rng_uniform_range(&rng, -1.0f, 1.0f) * (i % 7 == 0 ? 1e-6f : 1.0f);
                nn_optimizer_step(&fast, pf, g);
                nn_optimizer_step_reference(&ref, pr, g);
            }
            g_assert_cmpint(fast.step, ==, 4);
            g_assert_true(memcmp(pf, pr, n * sizeof(float)) == 0);
            g_assert_true(memcmp(fast.m, ref.m, n * sizeof(float)) == 0);
            if (v[vi].config.kind == NN_OPTIMIZER_ADAM)
                g_assert_true(memcmp(fast.v, ref.v, n * sizeof(float)) == 0);
            /* and the step moved the parameters */
            g_assert_false(memcmp(pf, p0, n * sizeof(float)) == 0);
            g_free(pf), g_free(pr);
            nn_optimizer_free(&fast);
            nn_optimizer_free(&ref);
        }
    }
    nn_set_threads(0);
    g_free(p0), g_free(g);
}

/* The measured step is the plain step bit for bit, and its per-tensor norms are the naive
 * ones from copies taken before and after, for every variant, on 1 and 2 threads, with
 * tensor boundaries that fall inside and at the edges of the threads' shares. The sums run
 * in another order (per thread, then combined), hence the tolerance: double sums of 1e5
 * squares agree to ~1e-14 relative; 1e-12 leaves room without hiding a wrong span. */
static void test_measured_step(void)
{
    variant v[16];
    int nv = n_variants(v);
    const size_t n = 100003;
    /* A tiny tensor, one across the 1-thread/2-thread split at n/2, a bias-sized one, the rest. */
    const size_t ends[] = { 7, 40000, 50001, 50011, n };
    const int nk = (int)G_N_ELEMENTS(ends);
    nn_rng rng;
    nn_rng_seed(&rng, 23);
    float *p0 = g_new(float, n), *g = g_new(float, n), *before = g_new(float, n);
    for (size_t i = 0; i < n; i++)
        p0[i] = nn_rng_uniform_range(&rng, -1.0f, 1.0f);
    for (int vi = 0; vi < nv; vi++) {
        for (int threads = 1; threads <= 2; threads++) {
            nn_set_threads(threads);
            nn_optimizer plain, measured;
            nn_error err;
            g_assert_cmpint(nn_optimizer_init(&plain, &v[vi].config, n, &err), ==, NN_OK);
            g_assert_cmpint(nn_optimizer_init(&measured, &v[vi].config, n, &err), ==, NN_OK);
            float *pp = g_memdup2(p0, n * sizeof(float)), *pm = g_memdup2(p0, n * sizeof(float));
            for (int step = 0; step < 3; step++) {
                for (size_t i = 0; i < n; i++)
                    g[i] = nn_rng_uniform_range(&rng, -1.0f, 1.0f);
                double update[8], weight[8], ref_update[8], ref_weight[8];
                nn_update_norms norms = { ends, nk, update, weight };
                nn_update_norms ref = { ends, nk, ref_update, ref_weight };
                memcpy(before, pm, n * sizeof(float));
                nn_optimizer_step(&plain, pp, g);
                nn_optimizer_step_measured(&measured, pm, g, &norms);
                nn_update_norms_reference(before, pm, &ref);
                g_assert_true(memcmp(pp, pm, n * sizeof(float)) == 0);
                for (int k = 0; k < nk; k++) {
                    g_assert_cmpfloat(update[k], >, 0);
                    g_assert_cmpfloat_with_epsilon(update[k], ref_update[k], 1e-12 * ref_update[k]);
                    g_assert_cmpfloat_with_epsilon(weight[k], ref_weight[k], 1e-12 * ref_weight[k]);
                }
            }
            g_assert_cmpint(measured.step, ==, 3);
            g_assert_true(memcmp(plain.m, measured.m, n * sizeof(float)) == 0);
            g_free(pp), g_free(pm);
            nn_optimizer_free(&plain);
            nn_optimizer_free(&measured);
        }
    }
    nn_set_threads(0);
    g_free(p0), g_free(g), g_free(before);
}

/* The formulas of nn_optim.h (torch.optim 1.13), in double, one parameter at a time. */
typedef struct {
    double p, m, v;
} dstate;

static void double_step(const nn_optimizer_config *c, dstate *s, double g, int t)
{
    if (c->weight_decay != 0.0 && !c->decoupled)
        g += c->weight_decay * s->p;
    if (c->weight_decay != 0.0 && c->decoupled)
        s->p *= 1.0 - c->lr * c->weight_decay;
    if (c->kind == NN_OPTIMIZER_ADAM) {
        s->m = c->beta1 * s->m + (1.0 - c->beta1) * g;
        s->v = c->beta2 * s->v + (1.0 - c->beta2) * g * g;
        double bc1 = 1.0 - pow(c->beta1, t), bc2 = 1.0 - pow(c->beta2, t);
        s->p -= c->lr / bc1 * s->m / (sqrt(s->v) / sqrt(bc2) + c->eps);
    } else {
        if (c->momentum != 0.0) {
            s->m = t == 1 ? g : c->momentum * s->m + g;
            g = c->nesterov ? g + c->momentum * s->m : s->m;
        }
        s->p -= c->lr * g;
    }
}

/* Five steps of every variant on a few parameters (including a zero gradient and a
 * gradient far below eps): float results within a few float roundings of double. */
static void test_against_double(void)
{
    variant v[16];
    int nv = n_variants(v);
    enum { N = 6 };
    const float p_init[N] = { 1.0f, -0.5f, 0.25f, 3.0f, -2.0f, 0.0f };
    const float grads[5][N] = {
        { 0.5f, -1.0f, 0.0f, 1e-9f, 2.0f, -0.3f },
        { 0.25f, 1.0f, 0.0f, -1e-9f, 2.0f, 0.7f },
        { -0.5f, -0.1f, 1.0f, 1e-9f, -4.0f, 0.1f },
        { 0.1f, 0.2f, 0.0f, 1e-9f, 0.5f, -0.2f },
        { 1.0f, -1.0f, -1.0f, 1e-9f, 0.0f, 0.0f },
    };
    for (int vi = 0; vi < nv; vi++) {
        nn_optimizer opt;
        nn_error err;
        g_assert_cmpint(nn_optimizer_init(&opt, &v[vi].config, N, &err), ==, NN_OK);
        float p[N];
        dstate d[N];
        memcpy(p, p_init, sizeof p);
        for (int i = 0; i < N; i++)
            d[i] = (dstate){ p_init[i], 0.0, 0.0 };
        for (int t = 1; t <= 5; t++) {
            nn_optimizer_step(&opt, p, grads[t - 1]);
            for (int i = 0; i < N; i++) {
                double_step(&v[vi].config, &d[i], grads[t - 1][i], t);
                /* float rounding, a handful of ulps of the values involved */
                double tol = 4e-7 * (fabs(d[i].p) + 1.0);
                if (!(fabs(p[i] - d[i].p) <= tol))
                    g_error("%s step %d param %d: %.9g vs double %.9g", v[vi].name, t, i, p[i],
                            d[i].p);
            }
        }
        nn_optimizer_free(&opt);
    }
}

/* Numbers a person can check on paper. */
static void test_hand_computed(void)
{
    nn_error err;
    nn_optimizer opt;

    /* SGD, momentum 0.9, lr 0.1, g = 1 every step:
     *   buf 1, 1.9, 2.71 -> p = 1 - 0.1, - 0.19, - 0.271 = 0.9, 0.71, 0.439
     * Nesterov: g' = g + 0.9 buf = 1.9, 2.71 -> p = 0.81, 0.539 */
    nn_optimizer_config c = nn_optimizer_config_default(NN_OPTIMIZER_SGD);
    c.lr = 0.1;
    c.momentum = 0.9;
    const double sgd[3] = { 0.9, 0.71, 0.439 }, nesterov[2] = { 0.81, 0.539 };
    float one = 1.0f, p = 1.0f;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 1, &err), ==, NN_OK);
    for (int t = 0; t < 3; t++) {
        nn_optimizer_step(&opt, &p, &one);
        g_assert_cmpfloat(fabs(p - sgd[t]), <, 1e-6);
    }
    nn_optimizer_free(&opt);
    c.nesterov = 1;
    p = 1.0f;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 1, &err), ==, NN_OK);
    for (int t = 0; t < 2; t++) {
        nn_optimizer_step(&opt, &p, &one);
        g_assert_cmpfloat(fabs(p - nesterov[t]), <, 1e-6);
    }
    nn_optimizer_free(&opt);

    /* Adam's first step is lr * g / (|g| + eps): about lr against the gradient's sign,
     * whatever the gradient's size (why Adam's lr reads as a step size). */
    c = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    c.lr = 0.1;
    float ps[3] = { 1.0f, 1.0f, 1.0f }, gs[3] = { 0.5f, -1000.0f, 1e-3f };
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 3, &err), ==, NN_OK);
    nn_optimizer_step(&opt, ps, gs);
    g_assert_cmpfloat(fabs(ps[0] - 0.9), <, 1e-6);
    g_assert_cmpfloat(fabs(ps[1] - 1.1), <, 1e-6);
    g_assert_cmpfloat(fabs(ps[2] - (1.0 - 0.1 * 1e-3 / (1e-3 + 1e-8))), <, 1e-6);
    /* the same gradient again: m and v bias-corrected are g and g^2 -> another lr */
    nn_optimizer_step(&opt, ps, gs);
    g_assert_cmpfloat(fabs(ps[0] - 0.8), <, 1e-6);
    g_assert_cmpfloat(fabs(ps[1] - 1.2), <, 1e-6);
    nn_optimizer_free(&opt);

    /* AdamW with a zero gradient only decays: p * (1 - lr * wd) = 2 * (1 - 0.1 * 0.5) */
    c.weight_decay = 0.5;
    c.decoupled = 1;
    float pw = 2.0f, zero = 0.0f;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 1, &err), ==, NN_OK);
    nn_optimizer_step(&opt, &pw, &zero);
    g_assert_cmpfloat(pw, ==, 1.9f);
    nn_optimizer_free(&opt);
    /* coupled, the same decay goes through Adam's normalisation: a full lr step */
    c.decoupled = 0;
    pw = 2.0f;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 1, &err), ==, NN_OK);
    nn_optimizer_step(&opt, &pw, &zero);
    g_assert_cmpfloat(fabs(pw - 1.9), <, 1e-6);
    nn_optimizer_free(&opt);

    /* the learning rate is read at every step */
    c = nn_optimizer_config_default(NN_OPTIMIZER_SGD);
    c.momentum = 0.0;
    c.lr = 0.5;
    p = 1.0f;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 1, &err), ==, NN_OK);
    nn_optimizer_step(&opt, &p, &one);
    opt.config.lr = 0.25;
    nn_optimizer_step(&opt, &p, &one);
    g_assert_cmpfloat(p, ==, 0.25f);
    nn_optimizer_free(&opt);
}

static void test_config(void)
{
    nn_optimizer_config c = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    g_assert_cmpint(c.kind, ==, NN_OPTIMIZER_ADAM);
    g_assert_cmpfloat(c.lr, ==, 1e-3);
    g_assert_cmpfloat(c.beta1, ==, 0.9);
    g_assert_cmpfloat(c.beta2, ==, 0.999);
    g_assert_cmpfloat(c.eps, ==, 1e-8);
    g_assert_cmpfloat(c.weight_decay, ==, 0.0);
    g_assert_cmpuint(nn_optimizer_state_bytes(NN_OPTIMIZER_ADAM, 10), ==, 80);
    g_assert_cmpuint(nn_optimizer_state_bytes(NN_OPTIMIZER_SGD, 10), ==, 40);

    nn_optimizer opt;
    nn_error err;
    c.lr = -1.0;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 4, &err), ==, NN_ERR_ARG);
    g_assert_nonnull(strstr(err.message, "learning rate"));
    c.lr = 1e-3;
    c.beta2 = 1.0;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 4, &err), ==, NN_ERR_ARG);
    g_assert_nonnull(strstr(err.message, "betas"));
    c = nn_optimizer_config_default(NN_OPTIMIZER_SGD);
    c.momentum = 0.0;
    c.nesterov = 1;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 4, &err), ==, NN_ERR_ARG);
    g_assert_nonnull(strstr(err.message, "Nesterov"));
    c.nesterov = 0;
    g_assert_cmpint(nn_optimizer_init(&opt, &c, 4, &err), ==, NN_OK);
    g_assert_nonnull(opt.m);
    g_assert_null(opt.v);
    g_assert_cmpint(opt.step, ==, 0);
    nn_optimizer_free(&opt);
    nn_optimizer_free(&opt); /* twice is harmless */
}

/* ---- against torch itself ------------------------------------------------------------ */

static const char *python_path = "/usr/bin/python3";
static char *script_path;

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    g_free(path);
}

/* Six steps of every torch-expressible variant on 100003 parameters (odd, so torch's
 * scalar tail runs too) with gradients from 1e-6 to 1, replayed by optim_torch.py. On a
 * CPU where torch runs its AVX2 kernels the parameters must match to the bit; elsewhere
 * torch fuses differently, and they must match to a few ulps of their scale. A missing
 * python or torch is a failure, not a skip: tools/install-deps installs them. */
static void test_torch_bits(void)
{
    variant v[16];
    int nv = n_variants(v);
    const size_t n = 100003;
    const int steps = 6;
    char *dir = g_dir_make_tmp("lrlab-optim-XXXXXX", NULL);
    g_assert_nonnull(dir);
    nn_rng rng;
    nn_rng_seed(&rng, 23);
    float *p0 = g_new(float, n), *grads = g_new(float, n * steps);
    for (size_t i = 0; i < n; i++)
        p0[i] = nn_rng_uniform_range(&rng, -1.0f, 1.0f);
    for (size_t i = 0; i < n * steps; i++)
        grads[i] = nn_rng_uniform_range(&rng, -1.0f, 1.0f) * powf(10.0f, -(float)(i % 7));
    write_file(dir, "p0.bin", p0, n * sizeof(float));
    write_file(dir, "grads.bin", grads, n * steps * sizeof(float));
    char sizes[64];
    g_snprintf(sizes, sizeof sizes, "%zu %d\n", n, steps);
    write_file(dir, "sizes.txt", sizes, strlen(sizes));
    GString *cases = g_string_new(NULL);
    for (int vi = 0; vi < nv; vi++) {
        const nn_optimizer_config *c = &v[vi].config;
        if (c->kind == NN_OPTIMIZER_SGD && c->decoupled)
            continue; /* torch has no decoupled SGD */
        g_string_append_printf(cases, "%s %s %.17g %.17g %d %.17g %d\n", v[vi].name,
                               c->kind == NN_OPTIMIZER_ADAM ? "adam" : "sgd", c->lr, c->momentum,
                               c->nesterov, c->weight_decay, c->decoupled);
    }
    write_file(dir, "cases.txt", cases->str, cases->len);
    g_string_free(cases, TRUE);

    const char *argv[] = { python_path, script_path, dir, NULL };
    char *out = NULL, *errout = NULL;
    int status = 0;
    GError *error = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errout,
                      &status, &error) ||
        !g_spawn_check_wait_status(status, &error))
        g_error("%s %s failed (%s):\n%s%s\n(if torch is missing, run tools/install-deps)",
                python_path, script_path, error->message, out ? out : "", errout ? errout : "");
    g_free(out), g_free(errout);

    char *path = g_build_filename(dir, "capability.txt", NULL), *capability = NULL;
    g_assert_true(g_file_get_contents(path, &capability, NULL, NULL));
    g_free(path);
    int exact = g_str_has_prefix(capability, "AVX2") || g_str_has_prefix(capability, "AVX512");
    g_test_message("torch CPU capability %s: %s", g_strstrip(capability),
                   exact ? "bit-identical required" : "a few ulps allowed");

    for (int vi = 0; vi < nv; vi++) {
        if (v[vi].config.kind == NN_OPTIMIZER_SGD && v[vi].config.decoupled)
            continue;
        nn_optimizer opt;
        nn_error err;
        g_assert_cmpint(nn_optimizer_init(&opt, &v[vi].config, n, &err), ==, NN_OK);
        float *p = g_memdup2(p0, n * sizeof(float));
        for (int s = 0; s < steps; s++)
            nn_optimizer_step(&opt, p, grads + (size_t)s * n);
        char name[64];
        g_snprintf(name, sizeof name, "torch_%s.bin", v[vi].name);
        path = g_build_filename(dir, name, NULL);
        char *theirs = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(path, &theirs, &len, NULL));
        g_assert_cmpuint(len, ==, n * sizeof(float));
        const float *t = (const float *)theirs;
        size_t differ = 0;
        float worst = 0.0f;
        for (size_t i = 0; i < n; i++) {
            differ += memcmp(&p[i], &t[i], sizeof(float)) != 0;
            worst = fmaxf(worst, fabsf(p[i] - t[i]));
        }
        g_test_message("%-16s %zu of %zu parameters differ from torch, by at most %g",
                       v[vi].name, differ, n, worst);
        if (exact)
            g_assert_cmpuint(differ, ==, 0);
        else
            g_assert_cmpfloat(worst, <=, 4.0f * FLT_EPSILON);
        g_free(theirs);
        g_unlink(path);
        g_free(path);
        g_free(p);
        nn_optimizer_free(&opt);
    }
    const char *files[] = { "p0.bin", "grads.bin", "sizes.txt", "cases.txt", "capability.txt" };
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        path = g_build_filename(dir, files[i], NULL);
        g_unlink(path);
        g_free(path);
    }
    g_rmdir(dir);
    g_free(dir);
    g_free(capability);
    g_free(p0), g_free(grads);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--python="))
            python_path = argv[i] + strlen("--python=");
        else if (g_str_has_prefix(argv[i], "--script="))
            script_path = g_strdup(argv[i] + strlen("--script="));
    }
    if (!script_path)
        script_path = g_test_build_filename(G_TEST_DIST, "nn", "optim_torch.py", NULL);
    g_test_add_func("/nn/optim/fast-vs-reference", test_fast_matches_reference);
    g_test_add_func("/nn/optim/measured-step", test_measured_step);
    g_test_add_func("/nn/optim/against-double", test_against_double);
    g_test_add_func("/nn/optim/hand-computed", test_hand_computed);
    g_test_add_func("/nn/optim/config", test_config);
    g_test_add_func("/nn/optim/torch-bits", test_torch_bits);
    int rc = g_test_run();
    g_free(script_path);
    return rc;
}
