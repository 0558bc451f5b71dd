/* test_layers: every fast layer kernel against its naive reference (forward and
 * backward, odd shapes, chunk boundaries), finite-difference gradient checks of every
 * layer, and the behaviours the model relies on (accumulation, dropout masks, stable
 * cross-entropy, in-place ReLU). */
#include <cblas.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn_conv2d.h"
#include "nn_dense.h"
#include "nn_dropout.h"
#include "nn_maxpool.h"
#include "nn_relu.h"
#include "nn_rng.h"
#include "nn_softmax_xent.h"
#include "nn_threads.h"

/* Fast vs naive: both are float, they only sum in another order, so they differ by a few
 * ulps times the number of terms. The tolerance is on |a - b| / (1 + |b|): 1e-4 is ~1000
 * ulps, far above reordering noise for these sizes and far below any indexing bug. */
#define KERNEL_TOL 1e-4f

/* llm.c's check_tensor: prints the largest difference and asserts it is within tol. */
static void check_tensor(const float *a, const float *ref, size_t n, const char *name,
                         float tol)
{
    float worst = 0.0f;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        float d = fabsf(a[i] - ref[i]) / (1.0f + fabsf(ref[i]));
        if (!(d <= worst)) {   /* also catches NaN */
            worst = d;
            at = i;
        }
    }
    g_test_message("%-28s n=%-6zu max rel diff %.3g at %zu (%g vs %g)", name, n, worst, at,
                   n ? a[at] : 0.0f, n ? ref[at] : 0.0f);
    if (!(worst <= tol))
        g_error("%s: %g vs %g at %zu, rel diff %g > %g", name, a[at], ref[at], at, worst, tol);
}

static float *random_tensor(nn_rng *rng, size_t n, float lo, float hi)
{
    float *x = g_new(float, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        x[i] = nn_rng_uniform_range(rng, lo, hi);
    return x;
}

static float *copy_tensor(const float *x, size_t n)
{
    return g_memdup2(x, (n ? n : 1) * sizeof(float));
}

/* ---- finite differences ------------------------------------------------------------- */

/* Central differences of a scalar loss (evaluated in double from the float outputs).
 * The step h = 1e-2 is large on purpose: conv, dense and dropout are linear in each
 * input, and the ReLU/maxpool inputs are kept more than h from their kinks and ties,
 * so the difference quotient is exact up to float rounding of the outputs, about
 * sqrt(n) * 1e-7 / 2h ~ 1e-4 here; softmax adds a truncation error h^2/6 * f''' < 2e-5.
 * So |numeric - analytic| <= 2e-3 * (1 + |analytic|) passes every correct gradient and
 * fails any wrong index, sign or factor (those err by O(0.1) or more). */
#define FD_STEP 1e-2f
#define FD_TOL 2e-3

typedef double (*loss_fn)(void *ctx);

static void check_gradient(const char *name, float *x, const float *grad, size_t n,
                           loss_fn loss, void *ctx)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        float saved = x[i];
        float up = saved + FD_STEP, down = saved - FD_STEP;
        x[i] = up;
        double lp = loss(ctx);
        x[i] = down;
        double lm = loss(ctx);
        x[i] = saved;
        double numeric = (lp - lm) / ((double)up - (double)down);
        double err = fabs(numeric - grad[i]) / (1.0 + fabs(grad[i]));
        if (err > worst)
            worst = err;
        if (!(err <= FD_TOL))
            g_error("%s[%zu]: numeric %.6g, analytic %.6g", name, i, numeric, grad[i]);
    }
    g_test_message("gradcheck %-20s n=%-5zu max rel err %.3g", name, n, worst);
}

static double dot_double(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* ---- conv2d ------------------------------------------------------------------------- */

typedef struct { int B, H, W, C, OC, K; } conv_shape;

static const conv_shape conv_shapes[] = {
    { 3, 7, 5, 3, 5, 3 },
    { 3, 7, 5, 3, 5, 5 },
    { 2, 6, 4, 4, 3, 1 },
    { 2, 5, 6, 8, 4, 3 },
    { 1, 3, 3, 2, 2, 5 },    /* kernel wider than the image */
    { 2, 9, 11, 16, 7, 3 },
    /* Big enough to run on every thread (the kernel keeps tiny ones on one): covers the
     * per-thread buffers and the ordered sum of the weight-gradient partials. */
    { 3, 16, 13, 16, 32, 3 },
    { 3, 16, 16, 8, 16, 5 },
    { 2, 32, 32, 32, 64, 1 },
};

typedef struct {
    conv_shape s;
    float *inp, *weight, *bias, *out, *scratch, *r;
} conv_case;

static conv_case conv_case_new(conv_shape s, nn_rng *rng)
{
    conv_case c = { .s = s };
    size_t n_in = (size_t)s.B * s.H * s.W * s.C, n_out = (size_t)s.B * s.H * s.W * s.OC;
    c.inp = random_tensor(rng, n_in, -1, 1);
    c.weight = random_tensor(rng, (size_t)s.OC * s.K * s.K * s.C, -1, 1);
    c.bias = random_tensor(rng, s.OC, -1, 1);
    c.out = g_new(float, n_out);
    c.r = random_tensor(rng, n_out, -1, 1);
    c.scratch = g_new(float, nn_conv2d_scratch_floats(s.B, s.H, s.W, s.C, s.OC, s.K) + 1);
    return c;
}

static void conv_case_free(conv_case *c)
{
    g_free(c->inp);
    g_free(c->weight);
    g_free(c->bias);
    g_free(c->out);
    g_free(c->r);
    g_free(c->scratch);
}

static void test_conv2d_forward(void)
{
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    for (size_t i = 0; i < G_N_ELEMENTS(conv_shapes); i++) {
        conv_shape s = conv_shapes[i];
        conv_case c = conv_case_new(s, &rng);
        size_t n_out = (size_t)s.B * s.H * s.W * s.OC;
        float *ref = g_new(float, n_out);
        char name[64];
        nn_conv2d_forward_naive(ref, c.inp, c.weight, c.bias, s.B, s.H, s.W, s.C, s.OC, s.K);
        nn_conv2d_forward(c.out, c.inp, c.weight, c.bias, c.scratch,
                          s.B, s.H, s.W, s.C, s.OC, s.K);
        g_snprintf(name, sizeof name, "conv fwd %dx%dx%dx%d->%d k%d", s.B, s.H, s.W, s.C, s.OC, s.K);
        check_tensor(c.out, ref, n_out, name, KERNEL_TOL);

        /* By each algorithm that takes the shape: fused with the ReLU, exactly its
         * forward, then the ReLU; and the plain call is im2col, bit for bit, whatever
         * the shape (it never picks Winograd by itself). */
        static const nn_conv_algo algos[] = { NN_CONV_ALGO_IM2COL, NN_CONV_ALGO_WINOGRAD2,
                                              NN_CONV_ALGO_WINOGRAD4 };
        float *fused = g_new(float, n_out), *plain = g_memdup2(c.out, n_out * sizeof(float));
        for (size_t k = 0; k < G_N_ELEMENTS(algos); k++) {
            if (nn_conv2d_algo_for(algos[k], s.H, s.W, s.C, s.OC, s.K) != algos[k])
                continue;   /* Winograd is for 3x3 only */
            float *scratch = g_new(float, nn_conv2d_algo_scratch_floats(s.B, s.H, s.W, s.C,
                                                                         s.OC, s.K, algos[k]));
            nn_conv2d_forward_algo(fused, c.inp, c.weight, c.bias, scratch,
                                   s.B, s.H, s.W, s.C, s.OC, s.K, algos[k], 1);
            nn_conv2d_forward_algo(c.out, c.inp, c.weight, c.bias, scratch,
                                   s.B, s.H, s.W, s.C, s.OC, s.K, algos[k], 0);
            if (algos[k] == NN_CONV_ALGO_IM2COL)
                g_assert_cmpmem(c.out, n_out * sizeof(float), plain, n_out * sizeof(float));
            nn_relu_forward(c.out, c.out, n_out);
            g_assert_cmpmem(fused, n_out * sizeof(float), c.out, n_out * sizeof(float));
            g_free(scratch);
        }
        g_free(fused);
        g_free(plain);

        /* Chunks of 1, 7 and 13 output pixels split rows and images mid-way. */
        static const size_t chunks[] = { 1, 7, 13 };
        for (size_t k = 0; k < G_N_ELEMENTS(chunks) && s.K > 1; k++) {
            float *scratch = g_new(float, nn_conv2d_chunk_scratch_floats(s.C, s.OC, s.K, chunks[k]));
            memset(c.out, 0xff, n_out * sizeof(float));   /* NaNs: every output must be written */
            nn_conv2d_forward_chunked(c.out, c.inp, c.weight, c.bias, scratch,
                                      s.B, s.H, s.W, s.C, s.OC, s.K, chunks[k]);
            g_snprintf(name, sizeof name, "conv fwd k%d chunk %zu", s.K, chunks[k]);
            check_tensor(c.out, ref, n_out, name, KERNEL_TOL);
            g_free(scratch);
        }
        g_free(ref);
        conv_case_free(&c);
    }
}

static void test_conv2d_backward(void)
{
    nn_rng rng;
    nn_rng_seed(&rng, 2);
    for (size_t i = 0; i < G_N_ELEMENTS(conv_shapes); i++) {
        conv_shape s = conv_shapes[i];
        conv_case c = conv_case_new(s, &rng);
        size_t n_in = (size_t)s.B * s.H * s.W * s.C, n_w = (size_t)s.OC * s.K * s.K * s.C;
        /* Gradients start non-zero in both runs: backward must ADD to them. */
        float *dinp0 = random_tensor(&rng, n_in, -1, 1);
        float *dw0 = random_tensor(&rng, n_w, -1, 1);
        float *db0 = random_tensor(&rng, s.OC, -1, 1);
        float *dinp_ref = copy_tensor(dinp0, n_in), *dw_ref = copy_tensor(dw0, n_w),
              *db_ref = copy_tensor(db0, s.OC);
        nn_conv2d_backward_naive(dinp_ref, dw_ref, db_ref, c.r, c.inp, c.weight,
                                 s.B, s.H, s.W, s.C, s.OC, s.K);

        static const size_t chunks[] = { 0, 1, 7, 13 };   /* 0: the default */
        for (size_t k = 0; k < G_N_ELEMENTS(chunks); k++) {
            if (chunks[k] && s.K == 1)
                continue;
            float *dinp = copy_tensor(dinp0, n_in), *dw = copy_tensor(dw0, n_w),
                  *db = copy_tensor(db0, s.OC);
            char name[64];
            if (chunks[k] == 0) {
                nn_conv2d_backward(dinp, dw, db, c.r, c.inp, c.weight, c.scratch,
                                   s.B, s.H, s.W, s.C, s.OC, s.K);
            } else {
                float *scratch = g_new(float, nn_conv2d_chunk_scratch_floats(s.C, s.OC, s.K, chunks[k]));
                nn_conv2d_backward_chunked(dinp, dw, db, c.r, c.inp, c.weight, scratch,
                                           s.B, s.H, s.W, s.C, s.OC, s.K, chunks[k]);
                g_free(scratch);
            }
            g_snprintf(name, sizeof name, "conv dinp %dx%dx%dx%d k%d c%zu", s.B, s.H, s.W, s.C, s.K, chunks[k]);
            check_tensor(dinp, dinp_ref, n_in, name, KERNEL_TOL);
            g_snprintf(name, sizeof name, "conv dweight k%d c%zu", s.K, chunks[k]);
            check_tensor(dw, dw_ref, n_w, name, KERNEL_TOL);
            g_snprintf(name, sizeof name, "conv dbias k%d c%zu", s.K, chunks[k]);
            check_tensor(db, db_ref, s.OC, name, KERNEL_TOL);
            g_free(dinp);
            g_free(dw);
            g_free(db);
        }

        /* dinp = NULL (the first layer) leaves the weight gradients as they were. */
        float *dw = copy_tensor(dw0, n_w), *db = copy_tensor(db0, s.OC);
        nn_conv2d_backward(NULL, dw, db, c.r, c.inp, c.weight, c.scratch,
                           s.B, s.H, s.W, s.C, s.OC, s.K);
        check_tensor(dw, dw_ref, n_w, "conv dweight, dinp NULL", KERNEL_TOL);
        check_tensor(db, db_ref, s.OC, "conv dbias, dinp NULL", KERNEL_TOL);
        g_free(dw);
        g_free(db);
        g_free(dinp0);
        g_free(dw0);
        g_free(db0);
        g_free(dinp_ref);
        g_free(dw_ref);
        g_free(db_ref);
        conv_case_free(&c);
    }
}

static double conv_loss(void *ctx)
{
    conv_case *c = ctx;
    conv_shape s = c->s;
    nn_conv2d_forward(c->out, c->inp, c->weight, c->bias, c->scratch,
                      s.B, s.H, s.W, s.C, s.OC, s.K);
    return dot_double(c->out, c->r, (size_t)s.B * s.H * s.W * s.OC);
}

static void test_conv2d_gradcheck(void)
{
    static const conv_shape shapes[] = { { 2, 5, 4, 3, 2, 3 }, { 1, 4, 5, 2, 3, 5 },
                                         { 2, 3, 3, 3, 2, 1 } };
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
        conv_shape s = shapes[i];
        conv_case c = conv_case_new(s, &rng);
        size_t n_in = (size_t)s.B * s.H * s.W * s.C, n_w = (size_t)s.OC * s.K * s.K * s.C;
        float *dinp = g_new0(float, n_in), *dw = g_new0(float, n_w), *db = g_new0(float, s.OC);
        /* loss = sum(out * r), so dout = r. */
        nn_conv2d_backward(dinp, dw, db, c.r, c.inp, c.weight, c.scratch,
                           s.B, s.H, s.W, s.C, s.OC, s.K);
        check_gradient("conv dinp", c.inp, dinp, n_in, conv_loss, &c);
        check_gradient("conv dweight", c.weight, dw, n_w, conv_loss, &c);
        check_gradient("conv dbias", c.bias, db, s.OC, conv_loss, &c);
        g_free(dinp);
        g_free(dw);
        g_free(db);
        conv_case_free(&c);
    }
}

/* Same thread count, same bits: a rerun of a training step must reproduce it. */
static void test_conv2d_deterministic(void)
{
    conv_shape s = { 4, 16, 13, 16, 32, 3 };   /* on every thread */
    nn_rng rng;
    nn_rng_seed(&rng, 4);
    conv_case c = conv_case_new(s, &rng);
    size_t n_in = (size_t)s.B * s.H * s.W * s.C, n_w = (size_t)s.OC * s.K * s.K * s.C;
    float *dinp[2], *dw[2], *db[2], *out[2];
    for (int run = 0; run < 2; run++) {
        dinp[run] = g_new0(float, n_in);
        dw[run] = g_new0(float, n_w);
        db[run] = g_new0(float, s.OC);
        out[run] = g_new(float, (size_t)s.B * s.H * s.W * s.OC);
        nn_conv2d_forward_chunked(out[run], c.inp, c.weight, c.bias, c.scratch,
                                  s.B, s.H, s.W, s.C, s.OC, s.K, 100);
        nn_conv2d_backward_chunked(dinp[run], dw[run], db[run], c.r, c.inp, c.weight,
                                   c.scratch, s.B, s.H, s.W, s.C, s.OC, s.K, 100);
    }
    g_assert_cmpmem(out[0], (size_t)s.B * s.H * s.W * s.OC * sizeof(float),
                    out[1], (size_t)s.B * s.H * s.W * s.OC * sizeof(float));
    g_assert_cmpmem(dinp[0], n_in * sizeof(float), dinp[1], n_in * sizeof(float));
    g_assert_cmpmem(dw[0], n_w * sizeof(float), dw[1], n_w * sizeof(float));
    g_assert_cmpmem(db[0], s.OC * sizeof(float), db[1], s.OC * sizeof(float));
    for (int run = 0; run < 2; run++) {
        g_free(dinp[run]);
        g_free(dw[run]);
        g_free(db[run]);
        g_free(out[run]);
    }
    conv_case_free(&c);
}

/* ---- maxpool ------------------------------------------------------------------------ */

/* Distinct values at least 0.05 apart, shuffled: no ties, so the finite differences
 * never move a window's winner. */
static float *distinct_tensor(nn_rng *rng, size_t n)
{
    float *x = g_new(float, n);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.05f * (float)i - 0.025f * (float)n;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = nn_rng_next(rng) % (i + 1);
        float t = x[i];
        x[i] = x[j];
        x[j] = t;
    }
    return x;
}

static void test_maxpool_forward_backward(void)
{
    /* the last, odd in both directions, is large enough for the threaded loops */
    static const int shapes[][4] = { { 2, 7, 5, 3 }, { 3, 6, 8, 5 }, { 1, 5, 5, 1 }, { 2, 1, 4, 2 },
                                     { 3, 33, 35, 24 } };
    nn_rng rng;
    nn_rng_seed(&rng, 5);
    for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
        int B = shapes[i][0], H = shapes[i][1], W = shapes[i][2], C = shapes[i][3];
        size_t n_in = (size_t)B * H * W * C, n_out = (size_t)B * (H / 2) * (W / 2) * C;
        /* Coarse values make ties common, so the first-max rule is exercised too. */
        float *inp = g_new(float, n_in);
        for (size_t j = 0; j < n_in; j++)
            inp[j] = (float)(nn_rng_next(&rng) % 5);
        float *out = g_new(float, n_out + 1), *ref = g_new(float, n_out + 1);
        int *am = g_new(int, n_out + 1), *am_ref = g_new(int, n_out + 1);
        nn_maxpool_forward(out, am, inp, B, H, W, C);
        nn_maxpool_forward_naive(ref, am_ref, inp, B, H, W, C);
        check_tensor(out, ref, n_out, "maxpool forward", 0.0f);
        g_assert_cmpmem(am, n_out * sizeof(int), am_ref, n_out * sizeof(int));

        /* Backward writes all of dinp: what was there before (here noise, in the model
         * the last layer's gradient) must not show through, also in an odd last row or
         * column that no window covers. */
        float *dout = random_tensor(&rng, n_out, -1, 1);
        float *dinp = random_tensor(&rng, n_in, -1, 1);
        float *dinp_ref = random_tensor(&rng, n_in, -1, 1);
        nn_maxpool_backward(dinp, dout, am, B, H, W, C);
        nn_maxpool_backward_naive(dinp_ref, dout, am_ref, B, H, W, C);
        check_tensor(dinp, dinp_ref, n_in, "maxpool backward", 0.0f);
        g_free(inp);
        g_free(out);
        g_free(ref);
        g_free(am);
        g_free(am_ref);
        g_free(dout);
        g_free(dinp);
        g_free(dinp_ref);
    }
}

/* The rules PyTorch follows (checked against torch 1.13's max_pool2d with
 * return_indices): ties go to the first in row-major order, a NaN takes the window (the
 * last NaN when there are several), an all -inf window reports its first element. */
static void test_maxpool_ties_nan(void)
{
    /* One image 2x2, 4 channels (NHWC): channel c of pixel (y,x) is at (y*2+x)*4 + c. */
    const float nan = NAN, inf = INFINITY;
    float inp[16] = {
        /* (0,0) */ 3, nan, -inf, 1,
        /* (0,1) */ 3, 1, -inf, nan,
        /* (1,0) */ 2, nan, -inf, 2,
        /* (1,1) */ 3, 2, -inf, 5,
    };
    float out[4];
    int am[4];
    for (int naive = 0; naive < 2; naive++) {
        if (naive)
            nn_maxpool_forward_naive(out, am, inp, 1, 2, 2, 4);
        else
            nn_maxpool_forward(out, am, inp, 1, 2, 2, 4);
        g_assert_cmpfloat(out[0], ==, 3);
        g_assert_cmpint(am[0], ==, 0);          /* tie of three 3s: the first */
        g_assert_true(isnan(out[1]));
        g_assert_cmpint(am[1], ==, 9);          /* NaNs at (0,0) and (1,0): the last */
        g_assert_cmpfloat(out[2], ==, -inf);
        g_assert_cmpint(am[2], ==, 2);
        g_assert_true(isnan(out[3]));           /* NaN beats a later 5 */
        g_assert_cmpint(am[3], ==, 7);
    }
}

typedef struct {
    int B, H, W, C;
    float *inp, *out, *r;
    int *am;
} pool_case;

static double pool_loss(void *ctx)
{
    pool_case *p = ctx;
    nn_maxpool_forward(p->out, p->am, p->inp, p->B, p->H, p->W, p->C);
    return dot_double(p->out, p->r, (size_t)p->B * (p->H / 2) * (p->W / 2) * p->C);
}

static void test_maxpool_gradcheck(void)
{
    nn_rng rng;
    nn_rng_seed(&rng, 6);
    pool_case p = { 2, 5, 7, 3 };
    size_t n_in = (size_t)p.B * p.H * p.W * p.C, n_out = (size_t)p.B * (p.H / 2) * (p.W / 2) * p.C;
    p.inp = distinct_tensor(&rng, n_in);
    p.out = g_new(float, n_out);
    p.am = g_new(int, n_out);
    p.r = random_tensor(&rng, n_out, -1, 1);
    float *dinp = g_new0(float, n_in);
    nn_maxpool_forward(p.out, p.am, p.inp, p.B, p.H, p.W, p.C);
    nn_maxpool_backward(dinp, p.r, p.am, p.B, p.H, p.W, p.C);
    check_gradient("maxpool dinp", p.inp, dinp, n_in, pool_loss, &p);
    g_free(p.inp);
    g_free(p.out);
    g_free(p.am);
    g_free(p.r);
    g_free(dinp);
}

/* ---- dense -------------------------------------------------------------------------- */

typedef struct {
    int B, IN, OUT;
    float *inp, *weight, *bias, *out, *r;
} dense_case;

static double dense_loss(void *ctx)
{
    dense_case *d = ctx;
    nn_dense_forward(d->out, d->inp, d->weight, d->bias, d->B, d->IN, d->OUT);
    return dot_double(d->out, d->r, (size_t)d->B * d->OUT);
}

static void test_dense(void)
{
    static const int shapes[][3] = { { 3, 7, 5 }, { 1, 1, 1 }, { 5, 33, 2 }, { 4, 130, 17 } };
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
        dense_case d = { shapes[i][0], shapes[i][1], shapes[i][2] };
        size_t n_in = (size_t)d.B * d.IN, n_w = (size_t)d.OUT * d.IN, n_out = (size_t)d.B * d.OUT;
        d.inp = random_tensor(&rng, n_in, -1, 1);
        d.weight = random_tensor(&rng, n_w, -1, 1);
        d.bias = random_tensor(&rng, d.OUT, -1, 1);
        d.out = g_new(float, n_out);
        d.r = random_tensor(&rng, n_out, -1, 1);
        float *ref = g_new(float, n_out);
        nn_dense_forward(d.out, d.inp, d.weight, d.bias, d.B, d.IN, d.OUT);
        nn_dense_forward_naive(ref, d.inp, d.weight, d.bias, d.B, d.IN, d.OUT);
        check_tensor(d.out, ref, n_out, "dense forward", KERNEL_TOL);

        float *dinp = random_tensor(&rng, n_in, -1, 1), *dw = random_tensor(&rng, n_w, -1, 1),
              *db = random_tensor(&rng, d.OUT, -1, 1);
        float *dinp_ref = copy_tensor(dinp, n_in), *dw_ref = copy_tensor(dw, n_w),
              *db_ref = copy_tensor(db, d.OUT);
        float *dw_null = copy_tensor(dw, n_w);
        nn_dense_backward(dinp, dw, db, d.r, d.inp, d.weight, d.B, d.IN, d.OUT);
        nn_dense_backward_naive(dinp_ref, dw_ref, db_ref, d.r, d.inp, d.weight, d.B, d.IN, d.OUT);
        check_tensor(dinp, dinp_ref, n_in, "dense dinp", KERNEL_TOL);
        check_tensor(dw, dw_ref, n_w, "dense dweight", KERNEL_TOL);
        check_tensor(db, db_ref, d.OUT, "dense dbias", KERNEL_TOL);
        nn_dense_backward(NULL, dw_null, NULL, d.r, d.inp, d.weight, d.B, d.IN, d.OUT);
        check_tensor(dw_null, dw_ref, n_w, "dense dweight, dinp NULL", KERNEL_TOL);

        /* Gradient check from zeroed gradients. */
        memset(dinp, 0, n_in * sizeof(float));
        memset(dw, 0, n_w * sizeof(float));
        memset(db, 0, d.OUT * sizeof(float));
        nn_dense_backward(dinp, dw, db, d.r, d.inp, d.weight, d.B, d.IN, d.OUT);
        check_gradient("dense dinp", d.inp, dinp, n_in, dense_loss, &d);
        check_gradient("dense dweight", d.weight, dw, n_w, dense_loss, &d);
        check_gradient("dense dbias", d.bias, db, d.OUT, dense_loss, &d);

        g_free(d.inp);
        g_free(d.weight);
        g_free(d.bias);
        g_free(d.out);
        g_free(d.r);
        g_free(ref);
        g_free(dinp);
        g_free(dw);
        g_free(db);
        g_free(dinp_ref);
        g_free(dw_ref);
        g_free(db_ref);
        g_free(dw_null);
    }
}

/* ---- relu --------------------------------------------------------------------------- */

typedef struct { size_t n; float *inp, *out, *r; } relu_case;

static double relu_loss(void *ctx)
{
    relu_case *c = ctx;
    nn_relu_forward(c->out, c->inp, c->n);
    return dot_double(c->out, c->r, c->n);
}

static void test_relu(void)
{
    enum { N = 1001 };
    nn_rng rng;
    nn_rng_seed(&rng, 8);
    relu_case c = { N, g_new(float, N), g_new(float, N), random_tensor(&rng, N, -1, 1) };
    /* Inputs at least 0.05 away from the kink at 0 (see FD_STEP). */
    for (int i = 0; i < N; i++) {
        float u = nn_rng_uniform_range(&rng, 0.05f, 2.0f);
        c.inp[i] = (i % 2) ? u : -u;
    }
    nn_relu_forward(c.out, c.inp, N);
    for (int i = 0; i < N; i++)
        g_assert_cmpfloat(c.out[i], ==, c.inp[i] > 0 ? c.inp[i] : 0.0f);

    /* backward adds dout where the unit was on, nothing where it was off. */
    float *dinp = random_tensor(&rng, N, -1, 1), *dinp0 = copy_tensor(dinp, N);
    nn_relu_backward(dinp, c.r, c.out, N);
    for (int i = 0; i < N; i++)
        g_assert_cmpfloat(dinp[i], ==, dinp0[i] + (c.inp[i] > 0 ? c.r[i] : 0.0f));

    memset(dinp, 0, N * sizeof(float));
    nn_relu_backward(dinp, c.r, c.out, N);
    check_gradient("relu dinp", c.inp, dinp, N, relu_loss, &c);

    /* In place: the model keeps one buffer per conv+relu. */
    float *x = copy_tensor(c.inp, N);
    nn_relu_forward(x, x, N);
    g_assert_cmpmem(x, N * sizeof(float), c.out, N * sizeof(float));

    g_free(x);
    g_free(dinp);
    g_free(dinp0);
    g_free(c.inp);
    g_free(c.out);
    g_free(c.r);
}

/* ---- dropout ------------------------------------------------------------------------ */

static void test_dropout_mask(void)
{
    enum { N = 100000 };
    const float rate = 0.5f;
    float *inp = g_new(float, N), *out = g_new(float, N), *mask = g_new(float, N);
    for (int i = 0; i < N; i++)
        inp[i] = 1.0f;
    nn_dropout_forward(out, mask, inp, N, rate, 1234);
    size_t dropped = 0;
    double mean = 0.0;
    for (int i = 0; i < N; i++) {
        g_assert_true(mask[i] == 0.0f || mask[i] == 2.0f);
        g_assert_cmpfloat(out[i], ==, mask[i]);
        g_assert_cmpfloat(mask[i] == 0.0f, ==, nn_dropout_uniform(1234, i) < rate);
        dropped += mask[i] == 0.0f;
        mean += out[i];
    }
    mean /= N;
    /* Standard error of the dropped fraction is 0.0016 and of the mean 0.0032. */
    g_test_message("dropout 0.5: dropped %.4f, mean of out %.4f", (double)dropped / N, mean);
    g_assert_cmpfloat_with_epsilon((double)dropped / N, rate, 0.01);
    g_assert_cmpfloat_with_epsilon(mean, 1.0, 0.02);

    /* rate 0.2: kept units scale by 1.25, mean still ~1. */
    nn_dropout_forward(out, mask, inp, N, 0.2f, 99);
    mean = 0.0;
    for (int i = 0; i < N; i++) {
        g_assert_true(mask[i] == 0.0f || mask[i] == 1.25f);
        mean += out[i];
    }
    g_assert_cmpfloat_with_epsilon(mean / N, 1.0, 0.02);

    /* rate 0: the identity. */
    for (int i = 0; i < N; i++)
        inp[i] = (float)i;
    nn_dropout_forward(out, mask, inp, N, 0.0f, 1234);
    for (int i = 0; i < N; i++) {
        g_assert_cmpfloat(mask[i], ==, 1.0f);
        g_assert_cmpfloat(out[i], ==, inp[i]);
    }
    g_free(inp);
    g_free(out);
    g_free(mask);
}

/* The mask is a function of (seed, index) alone: same seed, same mask on 1 or 2 threads,
 * and in place or not; another seed, another mask. */
static void test_dropout_reproducible(void)
{
    enum { N = 50001 };
    int threads = nn_get_threads();
    float *inp = g_new(float, N), *a = g_new(float, N), *ma = g_new(float, N),
          *mb = g_new(float, N), *mc = g_new(float, N);
    for (int i = 0; i < N; i++)
        inp[i] = (float)(i % 7) - 3.0f;

    nn_set_threads(1);
    g_assert_cmpint(nn_get_threads(), ==, 1);
    nn_dropout_forward(a, ma, inp, N, 0.5f, 42);
    nn_set_threads(2);
    g_assert_cmpint(nn_get_threads(), ==, 2);
    float *b = copy_tensor(inp, N);
    nn_dropout_forward(b, mb, b, N, 0.5f, 42);   /* in place */
    g_assert_cmpmem(ma, N * sizeof(float), mb, N * sizeof(float));
    g_assert_cmpmem(a, N * sizeof(float), b, N * sizeof(float));

    nn_dropout_forward(a, mc, inp, N, 0.5f, 43);
    size_t same = 0;
    for (int i = 0; i < N; i++)
        same += ma[i] == mc[i];
    g_assert_cmpuint(same, <, N * 6 / 10);   /* ~1/2 agree by chance */
    nn_set_threads(threads);

    g_free(inp);
    g_free(a);
    g_free(b);
    g_free(ma);
    g_free(mb);
    g_free(mc);
}

typedef struct { size_t n; float rate; uint64_t seed; float *inp, *out, *mask, *r; } dropout_case;

static double dropout_loss(void *ctx)
{
    dropout_case *c = ctx;
    nn_dropout_forward(c->out, c->mask, c->inp, c->n, c->rate, c->seed);
    return dot_double(c->out, c->r, c->n);
}

static void test_dropout_gradcheck(void)
{
    enum { N = 500 };
    nn_rng rng;
    nn_rng_seed(&rng, 9);
    dropout_case c = { N, 0.3f, 77, random_tensor(&rng, N, -1, 1), g_new(float, N),
                       g_new(float, N), random_tensor(&rng, N, -1, 1) };
    float *dinp = random_tensor(&rng, N, -1, 1), *dinp0 = copy_tensor(dinp, N);
    nn_dropout_forward(c.out, c.mask, c.inp, N, c.rate, c.seed);
    nn_dropout_backward(dinp, c.r, c.mask, N);
    /* Within an ulp: the compiler may fuse the test's multiply-add (-ffp-contract). */
    for (int i = 0; i < N; i++)
        g_assert_cmpfloat_with_epsilon(dinp[i], dinp0[i] + c.r[i] * c.mask[i], 1e-6);
    memset(dinp, 0, N * sizeof(float));
    nn_dropout_backward(dinp, c.r, c.mask, N);
    check_gradient("dropout dinp", c.inp, dinp, N, dropout_loss, &c);
    g_free(dinp);
    g_free(dinp0);
    g_free(c.inp);
    g_free(c.out);
    g_free(c.mask);
    g_free(c.r);
}

/* ---- threads ------------------------------------------------------------------------ */

/* One knob sets both pools (our loops and OpenBLAS's GEMMs); 0 means every core. */
static void test_threads(void)
{
    int threads = nn_get_threads();
    nn_set_threads(1);
    g_assert_cmpint(nn_get_threads(), ==, 1);
    g_assert_cmpint(openblas_get_num_threads(), ==, 1);
    nn_set_threads(0);
    g_assert_cmpint(nn_get_threads(), ==, (int)g_get_num_processors());
    g_assert_cmpint(openblas_get_num_threads(), ==, (int)g_get_num_processors());
    nn_set_threads(threads);
}

/* ---- softmax + cross-entropy -------------------------------------------------------- */

static void test_softmax_xent_values(void)
{
    /* Row 0: logits (1,2,3), label 0: loss = log(e + e^2 + e^3) - 1 = 2.4076059644.
     * Row 1: logits (0,0,0), label 2: loss = log 3 = 1.0986122887. */
    const float logits[6] = { 1, 2, 3, 0, 0, 0 };
    const int labels[2] = { 0, 2 };
    float probs[6], losses[2];
    float mean = nn_softmax_xent_forward(probs, losses, logits, labels, 2, 3);
    double e1 = exp(1), e2 = exp(2), e3 = exp(3), z = e1 + e2 + e3;
    g_assert_cmpfloat_with_epsilon(losses[0], 2.4076059644, 1e-6);
    g_assert_cmpfloat_with_epsilon(losses[1], 1.0986122887, 1e-6);
    g_assert_cmpfloat_with_epsilon(mean, (2.4076059644 + 1.0986122887) / 2, 1e-6);
    g_assert_cmpfloat_with_epsilon(probs[0], e1 / z, 1e-7);
    g_assert_cmpfloat_with_epsilon(probs[1], e2 / z, 1e-7);
    g_assert_cmpfloat_with_epsilon(probs[2], e3 / z, 1e-7);
    for (int k = 3; k < 6; k++)
        g_assert_cmpfloat_with_epsilon(probs[k], 1.0 / 3, 1e-7);

    /* backward adds (probs - onehot) / B. */
    float dlogits[6] = { 1, 1, 1, 1, 1, 1 };
    nn_softmax_xent_backward(dlogits, probs, labels, 2, 3);
    for (int i = 0; i < 6; i++) {
        double onehot = (i == 0 || i == 5) ? 1.0 : 0.0;
        g_assert_cmpfloat_with_epsilon(dlogits[i], 1.0 + (probs[i] - onehot) / 2, 1e-7);
    }

    /* No labels: probabilities only, loss 0. */
    float probs2[6];
    g_assert_cmpfloat(nn_softmax_xent_forward(probs2, NULL, logits, NULL, 2, 3), ==, 0.0f);
    g_assert_cmpmem(probs2, sizeof probs2, probs, sizeof probs);
}

/* A confidently wrong network (logits +-1000) has a large but finite loss: exp(2000)
 * overflows and exp(-2000) underflows, so only the max-subtracted form survives. */
static void test_softmax_xent_stable(void)
{
    const float logits[6] = { 1000, -1000, -1000, 1000, 1000, 1000 };
    const int labels[3] = { 1, 1, 0 };
    float probs[6], losses[3];
    float mean = nn_softmax_xent_forward(probs, losses, logits, labels, 3, 2);
    g_assert_true(isfinite(mean));
    g_assert_cmpfloat_with_epsilon(losses[0], 2000.0, 1e-3);
    g_assert_cmpfloat_with_epsilon(losses[1], 0.0, 1e-6);
    g_assert_cmpfloat_with_epsilon(losses[2], log(2.0), 1e-6);
    g_assert_cmpfloat_with_epsilon(mean, (2000.0 + log(2.0)) / 3, 1e-3);
    for (int i = 0; i < 6; i++)
        g_assert_true(isfinite(probs[i]) && probs[i] >= 0.0f && probs[i] <= 1.0f);
    g_assert_cmpfloat(probs[0], ==, 1.0f);
    g_assert_cmpfloat(probs[4], ==, 0.5f);
}

typedef struct { int B, K; float *logits, *probs; const int *labels; } xent_case;

static double xent_loss(void *ctx)
{
    xent_case *c = ctx;
    return nn_softmax_xent_forward(c->probs, NULL, c->logits, c->labels, c->B, c->K);
}

static void test_softmax_xent_gradcheck(void)
{
    enum { B = 4, K = 5 };
    nn_rng rng;
    nn_rng_seed(&rng, 10);
    static const int labels[B] = { 0, 4, 2, 2 };
    xent_case c = { B, K, random_tensor(&rng, B * K, -3, 3), g_new(float, B * K), labels };
    float dlogits[B * K] = { 0 };
    nn_softmax_xent_forward(c.probs, NULL, c.logits, labels, B, K);
    nn_softmax_xent_backward(dlogits, c.probs, labels, B, K);
    check_gradient("softmax-xent dlogits", c.logits, dlogits, B * K, xent_loss, &c);
    g_free(c.logits);
    g_free(c.probs);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nn/conv2d/forward", test_conv2d_forward);
    g_test_add_func("/nn/conv2d/backward", test_conv2d_backward);
    g_test_add_func("/nn/conv2d/gradcheck", test_conv2d_gradcheck);
    g_test_add_func("/nn/conv2d/deterministic", test_conv2d_deterministic);
    g_test_add_func("/nn/maxpool/forward-backward", test_maxpool_forward_backward);
    g_test_add_func("/nn/maxpool/ties-nan", test_maxpool_ties_nan);
    g_test_add_func("/nn/maxpool/gradcheck", test_maxpool_gradcheck);
    g_test_add_func("/nn/dense/forward-backward-gradcheck", test_dense);
    g_test_add_func("/nn/relu/forward-backward-inplace", test_relu);
    g_test_add_func("/nn/dropout/mask", test_dropout_mask);
    g_test_add_func("/nn/dropout/reproducible", test_dropout_reproducible);
    g_test_add_func("/nn/dropout/gradcheck", test_dropout_gradcheck);
    g_test_add_func("/nn/threads/set-get", test_threads);
    g_test_add_func("/nn/softmax-xent/values", test_softmax_xent_values);
    g_test_add_func("/nn/softmax-xent/stable", test_softmax_xent_stable);
    g_test_add_func("/nn/softmax-xent/gradcheck", test_softmax_xent_gradcheck);
    return g_test_run();
}
