/* test_winograd: the Winograd convolutions (F(2x2,3x3) and F(4x4,3x3)) against the naive
 * reference convolution: forward, input gradient, weight gradient (and the bias gradient
 * through nn_conv2d's dispatch), on maps that are not multiples of the tile, with chunks
 * that split images, on one and on two threads. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn_conv2d.h"
#include "nn_model.h"
#include "nn_rng.h"
#include "nn_spec.h"
#include "nn_threads.h"
#include "nn_winograd.h"

/* Winograd is exact in real arithmetic; in float32 its transforms scale the terms by up
 * to ~10 (F(4x4): the points 2 and -2 give weights 4 and 8 in A^T, 1/24 in G) before the
 * GEMM sums them, so its rounding error is larger than a direct sum's. The error is
 * measured as max|a - ref| / max|ref| (llm.c's check_tensor, normalised by the tensor's
 * scale: a relative error per element would blow up where the reference happens to be
 * near zero). Measured on these shapes (inputs, weights in [-1,1], up to 432 terms):
 * F(2x2) up to 8e-7 (forward, input and weight gradients alike), F(4x4) up to 5e-6;
 * direct (im2col) ~1e-7. WINO_TOL is 4x the worst F(4x4) figure: far below what any
 * wrong index, sign or coefficient gives (O(1e-2) or more). */
#define WINO_TOL 2e-5

static double check_scaled(const float *a, const float *ref, size_t n, const char *name,
                           double tol)
{
    double worst = 0.0, scale = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(ref[i]));
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - ref[i]);
        if (!(d <= worst)) {   /* also catches NaN */
            worst = d;
            at = i;
        }
    }
    double rel = scale > 0 ? worst / scale : worst;
    g_test_message("%-40s n=%-7zu max|diff|/max|ref| %.3g (at %zu: %g vs %g)", name, n, rel,
                   at, n ? a[at] : 0.0f, n ? ref[at] : 0.0f);
    if (!(rel <= tol))
        g_error("%s: %g vs %g at %zu, max|diff|/max|ref| %g > %g", name, a[at], ref[at], at,
                rel, tol);
    return rel;
}

static float *random_tensor(nn_rng *rng, size_t n)
{
    float *x = g_new(float, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        x[i] = nn_rng_uniform_range(rng, -1.0f, 1.0f);
    return x;
}

static float *copy_tensor(const float *x, size_t n)
{
    return g_memdup2(x, (n ? n : 1) * sizeof(float));
}

typedef struct { int B, H, W, C, OC; } wino_shape;

static const wino_shape shapes[] = {
    { 2, 7, 5, 16, 24 },     /* neither side a multiple of 2 or 4 */
    { 1, 9, 9, 17, 16 },     /* odd channel counts: the vector loops' tails */
    { 3, 4, 4, 32, 8 },      /* one F(4x4) tile per image */
    { 2, 1, 1, 5, 3 },       /* a single pixel: every neighbour is padding */
    { 2, 2, 3, 3, 6 },
    { 1, 6, 10, 8, 33 },
    /* Big enough to run on every thread: per-thread buffers, ordered partial sums. */
    { 4, 13, 11, 48, 40 },
};

static const int tile_sides[] = { 2, 4 };

/* 0: the default chunk; 1 and 3 tiles split rows and images mid-way. */
static const size_t chunk_choices[] = { 0, 1, 3 };

static size_t chunk_for(const wino_shape *s, int m, size_t choice)
{
    return choice ? choice : nn_winograd_chunk_tiles(s->B, s->H, s->W, s->C, s->OC, m);
}

static void test_forward(void)
{
    nn_rng rng;
    nn_rng_seed(&rng, 11);
    for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
        const wino_shape s = shapes[i];
        size_t n_in = (size_t)s.B * s.H * s.W * s.C, n_out = (size_t)s.B * s.H * s.W * s.OC;
        float *inp = random_tensor(&rng, n_in);
        float *weight = random_tensor(&rng, (size_t)s.OC * 9 * s.C);
        float *bias = random_tensor(&rng, s.OC);
        float *ref = g_new(float, n_out), *out = g_new(float, n_out);
        nn_conv2d_forward_naive(ref, inp, weight, bias, s.B, s.H, s.W, s.C, s.OC, 3);
        for (size_t t = 0; t < G_N_ELEMENTS(tile_sides); t++)
            for (size_t k = 0; k < G_N_ELEMENTS(chunk_choices); k++) {
                int m = tile_sides[t];
                size_t chunk = chunk_for(&s, m, chunk_choices[k]);
                float *scratch = g_new(float, nn_winograd_scratch_floats(s.C, s.OC, m, chunk));
                char name[96];
                memset(out, 0xff, n_out * sizeof(float));   /* NaNs: all must be written */
                nn_winograd_forward(out, inp, weight, bias, scratch, s.B, s.H, s.W, s.C, s.OC,
                                    m, chunk, 0);
                g_snprintf(name, sizeof name, "F(%d) fwd %dx%dx%dx%d->%d chunk %zu", m, s.B,
                           s.H, s.W, s.C, s.OC, chunk);
                check_scaled(out, ref, n_out, name, WINO_TOL);
                g_free(scratch);
            }
        g_free(inp);
        g_free(weight);
        g_free(bias);
        g_free(ref);
        g_free(out);
    }
}

static void test_backward(void)
{
    nn_rng rng;
    nn_rng_seed(&rng, 12);
    for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
        const wino_shape s = shapes[i];
        size_t n_in = (size_t)s.B * s.H * s.W * s.C, n_out = (size_t)s.B * s.H * s.W * s.OC;
        size_t n_w = (size_t)s.OC * 9 * s.C;
        float *inp = random_tensor(&rng, n_in), *weight = random_tensor(&rng, n_w);
        float *dout = random_tensor(&rng, n_out);
        /* Gradients start non-zero: backward must ADD to them. */
        float *dinp0 = random_tensor(&rng, n_in), *dw0 = random_tensor(&rng, n_w);
        float *dinp_ref = copy_tensor(dinp0, n_in), *dw_ref = copy_tensor(dw0, n_w);
        float *db_ref = g_new0(float, s.OC);
        nn_conv2d_backward_naive(dinp_ref, dw_ref, db_ref, dout, inp, weight, s.B, s.H, s.W,
                                 s.C, s.OC, 3);
        for (size_t t = 0; t < G_N_ELEMENTS(tile_sides); t++)
            for (size_t k = 0; k < G_N_ELEMENTS(chunk_choices); k++) {
                int m = tile_sides[t];
                size_t chunk = chunk_for(&s, m, chunk_choices[k]);
                float *scratch = g_new(float, nn_winograd_scratch_floats(s.C, s.OC, m, chunk));
                float *dinp = copy_tensor(dinp0, n_in), *dw = copy_tensor(dw0, n_w);
                char name[96];
                nn_winograd_backward(dinp, dw, dout, inp, weight, scratch, s.B, s.H, s.W, s.C,
                                     s.OC, m, chunk);
                g_snprintf(name, sizeof name, "F(%d) dinp %dx%dx%dx%d->%d chunk %zu", m, s.B,
                           s.H, s.W, s.C, s.OC, chunk);
                check_scaled(dinp, dinp_ref, n_in, name, WINO_TOL);
                g_snprintf(name, sizeof name, "F(%d) dweight %dx%dx%dx%d->%d chunk %zu", m,
                           s.B, s.H, s.W, s.C, s.OC, chunk);
                check_scaled(dw, dw_ref, n_w, name, WINO_TOL);

                /* dinp NULL (a first layer): the weight gradient alone, the same. */
                float *dw2 = copy_tensor(dw0, n_w);
                nn_winograd_backward(NULL, dw2, dout, inp, weight, scratch, s.B, s.H, s.W, s.C,
                                     s.OC, m, chunk);
                g_assert_cmpmem(dw2, n_w * sizeof(float), dw, n_w * sizeof(float));
                g_free(dw2);
                g_free(dinp);
                g_free(dw);
                g_free(scratch);
            }
        g_free(inp);
        g_free(weight);
        g_free(dout);
        g_free(dinp0);
        g_free(dw0);
        g_free(dinp_ref);
        g_free(dw_ref);
        g_free(db_ref);
    }
}

/* nn_conv2d's explicit algorithms: AUTO sends 3x3 convolutions with enough channels
 * here, and the whole layer (with the bias gradient, which nn_conv2d sums) matches the
 * reference; Winograd asked for another kernel size is im2col; the plain calls are
 * im2col, never Winograd. */
static void test_dispatch(void)
{
    const wino_shape s = { 3, 10, 7, 32, 24 };
    size_t n_in = (size_t)s.B * s.H * s.W * s.C, n_out = (size_t)s.B * s.H * s.W * s.OC;
    size_t n_w = (size_t)s.OC * 9 * s.C;
    nn_rng rng;
    nn_rng_seed(&rng, 13);
    g_assert_cmpint(nn_winograd_tile(s.H, s.W, s.C, s.OC, 3), >, 0);
    g_assert_cmpint(nn_conv2d_algo_for(NN_CONV_ALGO_AUTO, s.H, s.W, s.C, s.OC, 3), ==,
                    NN_CONV_ALGO_WINOGRAD4);
    g_assert_cmpint(nn_winograd_tile(64, 64, 3, 64, 3), ==, 0);    /* an RGB input layer */
    g_assert_cmpint(nn_conv2d_algo_for(NN_CONV_ALGO_AUTO, 64, 64, 3, 64, 3), ==,
                    NN_CONV_ALGO_IM2COL);
    g_assert_cmpint(nn_winograd_tile(64, 64, 64, 64, 5), ==, 0);   /* not 3x3 */
    g_assert_cmpint(nn_conv2d_algo_for(NN_CONV_ALGO_WINOGRAD2, 64, 64, 64, 64, 5), ==,
                    NN_CONV_ALGO_IM2COL);
    g_assert_cmpint(nn_conv2d_algo_for(NN_CONV_ALGO_WINOGRAD2, 64, 64, 3, 64, 3), ==,
                    NN_CONV_ALGO_WINOGRAD2);   /* asked for, so even where the rule says no */
    float *inp = random_tensor(&rng, n_in), *weight = random_tensor(&rng, n_w);
    float *bias = random_tensor(&rng, s.OC), *dout = random_tensor(&rng, n_out);
    float *scratch = g_new(float, nn_conv2d_algo_scratch_floats(s.B, s.H, s.W, s.C, s.OC, 3,
                                                                NN_CONV_ALGO_AUTO));
    float *out = g_new(float, n_out), *ref = g_new(float, n_out);
    float *dinp = g_new0(float, n_in), *dw = g_new0(float, n_w), *db = g_new0(float, s.OC);
    float *dinp_ref = g_new0(float, n_in), *dw_ref = g_new0(float, n_w);
    float *db_ref = g_new0(float, s.OC);

    nn_conv2d_forward_naive(ref, inp, weight, bias, s.B, s.H, s.W, s.C, s.OC, 3);
    nn_conv2d_forward_algo(out, inp, weight, bias, scratch, s.B, s.H, s.W, s.C, s.OC, 3,
                           NN_CONV_ALGO_AUTO, 0);
    check_scaled(out, ref, n_out, "conv2d forward (dispatched)", WINO_TOL);
    nn_conv2d_backward_naive(dinp_ref, dw_ref, db_ref, dout, inp, weight, s.B, s.H, s.W, s.C,
                             s.OC, 3);
    nn_conv2d_backward_algo(dinp, dw, db, dout, inp, weight, scratch, s.B, s.H, s.W, s.C,
                            s.OC, 3, NN_CONV_ALGO_AUTO);
    check_scaled(dinp, dinp_ref, n_in, "conv2d dinp (dispatched)", WINO_TOL);
    check_scaled(dw, dw_ref, n_w, "conv2d dweight (dispatched)", WINO_TOL);
    check_scaled(db, db_ref, s.OC, "conv2d dbias (dispatched)", WINO_TOL);

    /* The plain calls on the same Winograd-sized shape: im2col's bits. */
    float *im2col_scratch = g_new(float, nn_conv2d_scratch_floats(s.B, s.H, s.W, s.C, s.OC, 3));
    float *plain = g_new(float, n_out);
    nn_conv2d_forward(plain, inp, weight, bias, im2col_scratch, s.B, s.H, s.W, s.C, s.OC, 3);
    nn_conv2d_forward_algo(out, inp, weight, bias, im2col_scratch, s.B, s.H, s.W, s.C, s.OC,
                           3, NN_CONV_ALGO_IM2COL, 0);
    g_assert_cmpmem(plain, n_out * sizeof(float), out, n_out * sizeof(float));
    g_free(im2col_scratch);
    g_free(plain);

    g_free(inp);
    g_free(weight);
    g_free(bias);
    g_free(dout);
    g_free(scratch);
    g_free(out);
    g_free(ref);
    g_free(dinp);
    g_free(dw);
    g_free(db);
    g_free(dinp_ref);
    g_free(dw_ref);
    g_free(db_ref);
}

/* The same inputs and thread count give the same bytes (the training run's
 * reproducibility rests on it); 1 and 2 threads agree within the tolerance. */
static void test_deterministic(void)
{
    const wino_shape s = shapes[G_N_ELEMENTS(shapes) - 1];
    const int m = 4;
    size_t n_in = (size_t)s.B * s.H * s.W * s.C, n_out = (size_t)s.B * s.H * s.W * s.OC;
    size_t n_w = (size_t)s.OC * 9 * s.C;
    size_t chunk = 5;   /* many chunks, so both threads get several */
    nn_rng rng;
    nn_rng_seed(&rng, 14);
    float *inp = random_tensor(&rng, n_in), *weight = random_tensor(&rng, n_w);
    float *bias = random_tensor(&rng, s.OC), *dout = random_tensor(&rng, n_out);
    float *scratch = g_new(float, nn_winograd_scratch_floats(s.C, s.OC, m, chunk));
    float *res[3][3];   /* run x (out, dinp, dweight) */
    static const int threads[3] = { 2, 2, 1 };
    for (int r = 0; r < 3; r++) {
        nn_set_threads(threads[r]);
        res[r][0] = g_new(float, n_out);
        res[r][1] = g_new0(float, n_in);
        res[r][2] = g_new0(float, n_w);
        nn_winograd_forward(res[r][0], inp, weight, bias, scratch, s.B, s.H, s.W, s.C, s.OC,
                            m, chunk, 0);
        nn_winograd_backward(res[r][1], res[r][2], dout, inp, weight, scratch, s.B, s.H, s.W,
                             s.C, s.OC, m, chunk);
    }
    nn_set_threads(0);
    size_t sizes[3] = { n_out, n_in, n_w };
    for (int k = 0; k < 3; k++) {
        g_assert_cmpmem(res[0][k], sizes[k] * sizeof(float), res[1][k], sizes[k] * sizeof(float));
        check_scaled(res[2][k], res[0][k], sizes[k], "1 thread vs 2", WINO_TOL);
        for (int r = 0; r < 3; r++)
            g_free(res[r][k]);
    }
    g_free(inp);
    g_free(weight);
    g_free(bias);
    g_free(dout);
    g_free(scratch);
}

/* A whole network, one training step, Winograd against im2col (which test_parity holds to
 * PyTorch): the loss and every gradient tensor. One step, because a few Adam steps on a
 * small batch amplify any rounding difference chaotically. Through seven convolutions
 * the F(4x4) rounding adds up: measured 0 on the loss (4 images) and up to 8.2e-6 on a
 * gradient tensor (max|diff|/max|ref|); MODEL_TOL leaves ~25x. */
#define MODEL_TOL 2e-4

/* One training step of preset at 32x32, batch 4, its convolutions by algo. */
static void model_step(const char *preset, nn_conv_algo algo, float *loss, float *grads,
                       size_t n_params)
{
    const int size = 32, B = 4;
    nn_spec spec;
    nn_error err;
    nn_model *model = NULL;
    nn_rng rng;
    float input[4 * 32 * 32 * 3];
    int labels[4] = { 0, 1, 1, 0 };
    g_assert_cmpint(nn_spec_parse(&spec, preset, &err), ==, NN_OK);
    g_assert_cmpint(nn_model_create(&model, &spec, size, size, 3, B, 7, 0, NN_OPTIMIZER_ADAM,
                                    &err), ==, NN_OK);
    g_assert_cmpint(nn_model_set_conv_algorithm(model, algo, &err), ==, NN_OK);
    g_assert_cmpuint(nn_model_num_parameters(model), ==, n_params);
    /* The plan says what runs: conv1 (3 input channels) is im2col either way, and the
     * 3x3 convolutions after it are Winograd F(4x4) only when the rule picks it. */
    for (int l = 0; l < nn_model_num_layers(model); l++) {
        if (spec.layers[l].kind != NN_LAYER_CONV)
            continue;
        nn_conv_algo want = l == 0 || algo == NN_CONV_ALGO_IM2COL ? NN_CONV_ALGO_IM2COL
                                                                  : NN_CONV_ALGO_WINOGRAD4;
        g_assert_cmpint(nn_model_layer_conv_algorithm(model, l), ==, want);
    }
    nn_rng_seed(&rng, 15);
    for (size_t i = 0; i < G_N_ELEMENTS(input); i++)
        input[i] = nn_rng_uniform(&rng);
    nn_model_zero_grad(model);
    *loss = nn_model_forward(model, input, labels, B, 1);
    nn_model_backward(model);
    memcpy(grads, nn_model_grads(model), n_params * sizeof(float));
    nn_model_free(model);
}

static void test_model(void)
{
    static const char *const presets[] = { "small", "paper" };
    for (size_t k = 0; k < G_N_ELEMENTS(presets); k++) {
        nn_spec spec;
        nn_error err;
        nn_model *model = NULL;
        g_assert_cmpint(nn_spec_parse(&spec, presets[k], &err), ==, NN_OK);
        g_assert_cmpint(nn_model_create(&model, &spec, 32, 32, 3, 4, 7, 0, NN_OPTIMIZER_ADAM,
                                        &err), ==, NN_OK);
        size_t n = nn_model_num_parameters(model);
        float *g_exact = g_new(float, n), *g_wino = g_new(float, n);
        float l_exact, l_wino;
        model_step(presets[k], NN_CONV_ALGO_IM2COL, &l_exact, g_exact, n);
        model_step(presets[k], NN_CONV_ALGO_AUTO, &l_wino, g_wino, n);
        char name[96];
        g_snprintf(name, sizeof name, "%s loss", presets[k]);
        check_scaled(&l_wino, &l_exact, 1, name, MODEL_TOL);
        for (int t = 0; t < nn_model_num_tensors(model); t++) {
            const nn_tensor_info *ti = nn_model_tensor(model, t);
            g_snprintf(name, sizeof name, "%s grad %s", presets[k], ti->name);
            check_scaled(g_wino + ti->offset, g_exact + ti->offset, ti->size, name, MODEL_TOL);
        }
        g_free(g_exact);
        g_free(g_wino);
        nn_model_free(model);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nn/winograd/forward", test_forward);
    g_test_add_func("/nn/winograd/backward", test_backward);
    g_test_add_func("/nn/winograd/dispatch", test_dispatch);
    g_test_add_func("/nn/winograd/deterministic", test_deterministic);
    g_test_add_func("/nn/winograd/model", test_model);
    return g_test_run();
}
