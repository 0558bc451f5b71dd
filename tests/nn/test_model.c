/* test_model: the whole network. A finite-difference check of every parameter tensor's
 * gradient through conv, pool, dense, ReLU, dropout and the loss; bit-identical runs
 * from one seed; the exact memory estimate (against what malloc really handed out); the
 * memory-limit refusal; the paper network's shapes and PyTorch's parameter count; the
 * convolution algorithm the plan records and the scratch it sizes for it. */
#include <glib.h>
#include <malloc.h>
#include <math.h>
#include <string.h>

#include "nn_dropout.h"
#include "nn_model.h"
#include "nn_optim.h"
#include "nn_rng.h"
#include "nn_spec.h"
#include "nn_test_util.h"


/* ---- gradient check ------------------------------------------------------------------ */

typedef struct {
    const float *input;
    const int *labels;
    int B;
    int training;
    int reset_dropout_seed;   /* replay the same drawn masks at every forward */
} gc_batch;

static double gc_loss(nn_model *m, const gc_batch *b)
{
    if (b->reset_dropout_seed)
        nn_model_set_dropout_seed(m, 77);
    return (double)nn_model_forward(m, b->input, b->labels, b->B, b->training);
}

/* A fingerprint of the piecewise-linear region the last forward ran in: which ReLU
 * outputs are zero and which input won each pooling window. Within one region the loss
 * is smooth (softmax of a linear function), so central differences are exact up to
 * rounding; across a kink they are not. A convolution followed by pooling keeps its
 * output only as the pool's winners (nn_model_layer_output is NULL for it by now), and
 * only the winners' ReLU states reach the loss: the pooled values' signs. */
static uint64_t region_of(nn_model *m, int B)
{
    const nn_spec *spec = nn_model_spec(m);
    uint64_t h = 1469598103934665603ULL;
    for (int l = 0; l < spec->n_layers; l++) {
        const float *out = nn_model_layer_output(m, l);
        const int *winner = nn_model_pool_argmax(m, l);
        int oh, ow, oc;
        nn_model_layer_shape(m, l, &oh, &ow, &oc);
        size_t n = (size_t)B * oh * ow * oc;
        nn_layer_kind kind = spec->layers[l].kind;
        int relu = kind == NN_LAYER_CONV || (kind == NN_LAYER_DENSE && l < spec->n_layers - 1);
        for (size_t i = 0; out && (relu || winner) && i < n; i++)
            h = (h ^ (uint64_t)(out[i] > 0.0f)) * 1099511628211ULL;
        for (size_t i = 0; winner && i < n; i++)
            h = (h ^ (uint64_t)winner[i]) * 1099511628211ULL;
    }
    return h;
}

/* Central difference of the loss in parameter i with step h (the parameter is restored
 * bit for bit afterwards). Returns 0 (no value) when p-h, p and p+h are not all in the
 * same piecewise-linear region. */
static int numeric_grad(nn_model *m, const gc_batch *b, size_t i, double h, double *grad)
{
    float *p = nn_model_params(m);
    float saved = p[i];
    gc_loss(m, b);
    uint64_t region = region_of(m, b->B);
    p[i] = (float)(saved + h);
    double up = gc_loss(m, b);
    int same = region_of(m, b->B) == region;
    p[i] = (float)(saved - h);
    double down = gc_loss(m, b);
    same = same && region_of(m, b->B) == region;
    /* the step actually taken, after rounding the perturbed parameter to float */
    double taken = (double)(float)(saved + h) - (double)(float)(saved - h);
    p[i] = saved;
    *grad = (up - down) / taken;
    return same;
}

/* Checks dloss/dparam on a sample of every tensor, by central differences in double
 * of the float loss, at points where p-h, p, p+h share one piecewise-linear region (a
 * ReLU or pooling switch inside the step would make the difference meaningless; such
 * samples are skipped and must stay a minority). The float loss carries ~1e-7 of
 * rounding, so with h = 1e-3 the difference is good to ~1e-4: a sample passes when
 * |analytic - numeric| <= 3e-4 + 1e-2 * max(|analytic|, |numeric|). Gradients here are
 * ~1e-3..1e-1, and an indexing or layout bug gives errors of the gradient's own size. */
static void gradcheck(nn_model *m, const gc_batch *b, const char *what)
{
    gc_loss(m, b);
    nn_model_zero_grad(m);
    nn_model_backward(m);
    size_t n = nn_model_num_parameters(m);
    float *analytic = g_memdup2(nn_model_grads(m), n * sizeof(float));

    nn_rng rng;
    nn_rng_seed(&rng, 4242);
    int checked = 0, skipped = 0;
    for (int t = 0; t < nn_model_num_tensors(m); t++) {
        const nn_tensor_info *ti = nn_model_tensor(m, t);
        double worst = 0.0, num_sq = 0.0, diff_sq = 0.0;
        int samples = ti->size < 16 ? (int)ti->size : 16;
        for (int s = 0; s < samples; s++) {
            /* all of a small tensor; else first, last and random entries (the edges are
             * where layouts go wrong) */
            size_t k = ti->size <= 16 ? (size_t)s
                       : s == 0      ? 0
                       : s == 1      ? ti->size - 1
                                     : nn_rng_next(&rng) % ti->size;
            size_t i = ti->offset + k;
            double n1;
            if (!numeric_grad(m, b, i, 1e-3, &n1)) {
                skipped++;
                continue;
            }
            double a = analytic[i];
            double err = fabs(a - n1);
            double tol = 3e-4 + 1e-2 * fmax(fabs(a), fabs(n1));
            if (err > tol)
                g_error("%s: %s[%zu]: analytic %.6g vs numeric %.6g", what, ti->name, k, a, n1);
            worst = fmax(worst, err / tol);
            if (g_test_verbose())
                g_test_message("  %s[%zu] analytic %.6g numeric %.6g", ti->name, k, a, n1);
            num_sq += n1 * n1;
            diff_sq += (a - n1) * (a - n1);
            checked++;
        }
        g_test_message("%s %-13s worst err/tol %.3f, |a-n|/|n| %.2e", what, ti->name, worst,
                       sqrt(diff_sq / fmax(num_sq, 1e-30)));
        /* and as vectors: the sampled gradient as a whole must be right to 2% */
        g_assert_cmpfloat(sqrt(diff_sq), <=, 2e-2 * sqrt(num_sq) + 5e-4);
    }
    g_test_message("%s: %d samples checked, %d skipped near a kink", what, checked, skipped);
    g_assert_cmpint(skipped * 3, <=, checked);

    /* backward accumulates: a second pass doubles every gradient */
    gc_loss(m, b);
    nn_model_backward(m);
    nn_model_backward(m);
    nn_model_zero_grad(m);
    gc_loss(m, b);
    nn_model_backward(m);
    nn_model_backward(m);
    const float *g = nn_model_grads(m);
    for (size_t i = 0; i < n; i++)
        g_assert_cmpfloat(fabsf(g[i] - 2.0f * analytic[i]), <=, 1e-6f + 1e-5f * fabsf(g[i]));
    g_free(analytic);
}

static void test_gradcheck(void)
{
    const int B = 3, H = 8, W = 8, C = 3;
    float *x = random_floats(1, (size_t)B * H * W * C, -1.0f, 1.0f);
    int labels[3] = { 2, 0, 1 };
    gc_batch b = { x, labels, B, 0, 0 };

    nn_model *m = make_model("c4-p-c6-f8-f3", H, W, C, B, 11);
    gradcheck(m, &b, "no dropout");
    nn_model_free(m);

    /* the same net with dropout: evaluation (identity), a fixed injected mask, and a
     * drawn mask replayed by resetting the dropout seed */
    m = make_model("c4-p-c6-f8-d0.5-f3", H, W, C, B, 11);
    gradcheck(m, &b, "dropout off (evaluation)");

    float mask[3 * 8];
    nn_rng rng;
    nn_rng_seed(&rng, 5);
    for (int i = 0; i < 3 * 8; i++)
        mask[i] = nn_rng_uniform(&rng) < 0.5f ? 0.0f : 2.0f;
    nn_model_set_dropout_mask(m, 0, mask);
    b.training = 1;
    gradcheck(m, &b, "fixed mask");
    nn_model_forward(m, x, labels, B, 1);
    g_assert_true(memcmp(nn_model_dropout_mask(m, 0), mask, sizeof mask) == 0);
    nn_model_set_dropout_mask(m, 0, NULL);

    b.reset_dropout_seed = 1;
    gradcheck(m, &b, "drawn mask");
    nn_model_free(m);

    /* a 5x5 kernel, two pools with odd sizes (floor), dropout on a feature map */
    float *x2 = random_floats(2, (size_t)2 * 9 * 7 * 2, -1.0f, 1.0f);
    int labels2[2] = { 1, 0 };
    gc_batch b2 = { x2, labels2, 2, 1, 1 };
    m = make_model("c3k5-p-d0.25-c5k1-p-f2", 9, 7, 2, 2, 12);
    gradcheck(m, &b2, "k5/k1, odd sizes");
    nn_model_free(m);
    g_free(x2);
    g_free(x);
}

/* ---- forward behaviour ----------------------------------------------------------------- */

static void test_forward_basics(void)
{
    const int B = 4, K = 5;
    nn_model *m = make_model("c4-p-f8-d0.5-f5", 6, 6, 1, B, 3);
    float *x = random_floats(3, (size_t)B * 36, 0.0f, 1.0f);
    int labels[4] = { 0, 1, 4, 2 };
    float loss = nn_model_forward(m, x, labels, B, 0);
    /* PyTorch init keeps logits small: the loss starts near log(K) */
    g_assert_cmpfloat(fabsf(loss - logf((float)K)), <, 0.3f);
    const float *p = nn_model_probs(m);
    double mean = 0.0;
    for (int b = 0; b < B; b++) {
        double sum = 0.0;
        for (int k = 0; k < K; k++)
            sum += p[b * K + k];
        g_assert_cmpfloat(fabs(sum - 1.0), <, 1e-5);
        mean -= log(p[b * K + labels[b]]) / B;
    }
    g_assert_cmpfloat(fabs(mean - loss), <, 1e-5);

    /* no labels: probabilities only, loss 0; bad labels or batch sizes are refused */
    g_assert_cmpfloat(nn_model_forward(m, x, NULL, B, 0), ==, 0.0f);
    int bad[4] = { 0, 5, 1, 1 };
    g_assert_true(isnan(nn_model_forward(m, x, bad, B, 0)));
    g_assert_true(isnan(nn_model_forward(m, x, labels, B + 1, 0)));
    g_assert_true(isnan(nn_model_forward(m, x, labels, 0, 0)));

    /* a smaller batch than max_batch gives the same per-image results */
    nn_model_forward(m, x, labels, B, 0);
    float full[4 * 5];
    memcpy(full, nn_model_probs(m), sizeof full);
    nn_model_forward(m, x + 36, labels + 1, 2, 0);
    for (int i = 0; i < 2 * K; i++)
        g_assert_cmpfloat(fabsf(nn_model_probs(m)[i] - full[K + i]), <=, 1e-6f);
    nn_model_free(m);
    g_free(x);
}

static void test_dropout_masks(void)
{
    const int B = 8, F = 64;
    nn_model *m = make_model("c2-f64-d0.25-f2", 4, 4, 1, B, 9);
    g_assert_cmpint(nn_model_num_dropout_layers(m), ==, 1);
    g_assert_true(nn_model_dropout_seed(m) == 9);
    float *x = random_floats(4, (size_t)B * 16, 0.0f, 1.0f);
    int labels[8] = { 0 };

    /* the documented contract the PyTorch parity tests rely on: forward number c after
     * the seed was set draws nn_dropout_forward's mask with nn_rng_mix(seed, c, layer) */
    nn_model_set_dropout_seed(m, 1234);
    float *mask = g_new(float, B * F), *ones = g_new(float, B * F), *scratch = g_new(float, B * F);
    for (int i = 0; i < B * F; i++)
        ones[i] = 1.0f;
    for (uint64_t c = 0; c < 3; c++) {
        nn_model_forward(m, x, labels, B, 1);
        nn_model_forward(m, x, labels, B, 0); /* evaluation does not advance the counter */
        nn_dropout_forward(scratch, mask, ones, (size_t)B * F, 0.25f, nn_rng_mix(1234, c, 0));
        g_assert_true(memcmp(nn_model_dropout_mask(m, 0), mask, sizeof(float) * B * F) == 0);
    }
    int dropped = 0;
    for (int i = 0; i < B * F; i++) {
        float v = nn_model_dropout_mask(m, 0)[i];
        g_assert_true(v == 0.0f || v == 1.0f / 0.75f);
        dropped += v == 0.0f;
    }
    g_assert_cmpint(dropped, >, B * F / 8);
    g_assert_cmpint(dropped, <, B * F * 3 / 8);

    /* evaluation is the identity: the same probabilities as a model whose rate is 0 in
     * training, and repeatable */
    nn_model_forward(m, x, labels, B, 0);
    float eval[16];
    memcpy(eval, nn_model_probs(m), sizeof eval);
    nn_spec spec = *nn_model_spec(m);
    nn_spec_set_dropout(&spec, 0.0f);
    nn_model *off = NULL;
    nn_error err;
    g_assert_cmpint(nn_model_create(&off, &spec, 4, 4, 1, B, 9, 0, NN_OPTIMIZER_SGD, &err), ==,
                    NN_OK);
    nn_model_forward(off, x, labels, B, 1);
    g_assert_true(memcmp(nn_model_probs(off), eval, sizeof eval) == 0);
    nn_model_forward(m, x, labels, B, 1);
    g_assert_false(memcmp(nn_model_probs(m), eval, sizeof eval) == 0);
    nn_model_free(off);
    nn_model_free(m);
    g_free(mask);
    g_free(ones);
    g_free(scratch);
    g_free(x);
}

/* ---- determinism and learning --------------------------------------------------------- */

typedef struct {
    float losses[5];
    float *params;
    float *mask;
} run_result;

static run_result train_run(uint64_t seed, const float *x, const int *labels, int B)
{
    nn_model *m = make_model("c4-p-c8-p-f16-d0.5-f2", 16, 16, 3, B, seed);
    nn_optimizer opt;
    nn_optimizer_config cfg = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    nn_error err;
    g_assert_cmpint(nn_optimizer_init(&opt, &cfg, nn_model_num_parameters(m), &err), ==, NN_OK);
    run_result r;
    for (int s = 0; s < 5; s++) {
        nn_model_zero_grad(m);
        r.losses[s] = nn_model_forward(m, x, labels, B, 1);
        nn_model_backward(m);
        nn_optimizer_step(&opt, nn_model_params(m), nn_model_grads(m));
    }
    r.params = g_memdup2(nn_model_params(m), nn_model_num_parameters(m) * sizeof(float));
    r.mask = g_memdup2(nn_model_dropout_mask(m, 0), (size_t)B * 16 * sizeof(float));
    nn_optimizer_free(&opt);
    nn_model_free(m);
    return r;
}

static void test_determinism(void)
{
    const int B = 6;
    float *x = random_floats(8, (size_t)B * 16 * 16 * 3, 0.0f, 1.0f);
    int labels[6] = { 0, 1, 1, 0, 1, 0 };
    nn_model *probe = make_model("c4-p-c8-p-f16-d0.5-f2", 16, 16, 3, B, 1);
    size_t n = nn_model_num_parameters(probe);
    nn_model_free(probe);

    run_result a = train_run(1, x, labels, B), b = train_run(1, x, labels, B);
    run_result c = train_run(2, x, labels, B);
    g_assert_true(memcmp(a.losses, b.losses, sizeof a.losses) == 0);
    g_assert_true(memcmp(a.params, b.params, n * sizeof(float)) == 0);
    g_assert_true(memcmp(a.mask, b.mask, (size_t)B * 16 * sizeof(float)) == 0);
    /* and the seed matters */
    g_assert_false(memcmp(a.params, c.params, n * sizeof(float)) == 0);
    g_assert_false(memcmp(a.mask, c.mask, (size_t)B * 16 * sizeof(float)) == 0);
    g_free(a.params), g_free(b.params), g_free(c.params);
    g_free(a.mask), g_free(b.mask), g_free(c.mask);
    g_free(x);
}

/* The point of the app: with a sane learning rate the loss goes down. Bright vs dark
 * images are separable, so 40 Adam steps at lr 1e-3 must bring the loss well below
 * log 2 (it reaches ~0.24). */
static void test_learns(void)
{
    const int B = 16, S = 8;
    float *x = random_floats(21, (size_t)B * S * S, 0.0f, 0.5f);
    int labels[16];
    for (int b = 0; b < B; b++) {
        labels[b] = b % 2;
        for (int i = 0; labels[b] && i < S * S; i++)
            x[b * S * S + i] += 0.5f;
    }
    nn_model *m = make_model("tiny", S, S, 1, B, 5);
    nn_optimizer opt;
    nn_optimizer_config cfg = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    nn_error err;
    g_assert_cmpint(nn_optimizer_init(&opt, &cfg, nn_model_num_parameters(m), &err), ==, NN_OK);
    float first = 0.0f, last = 0.0f;
    for (int s = 0; s < 40; s++) {
        nn_model_zero_grad(m);
        last = nn_model_forward(m, x, labels, B, 1);
        if (s == 0)
            first = last;
        nn_model_backward(m);
        nn_optimizer_step(&opt, nn_model_params(m), nn_model_grads(m));
    }
    g_test_message("loss %.4f -> %.4f", first, last);
    g_assert_cmpfloat(last, <, 0.4f);
    g_assert_cmpfloat(last, <, first * 0.6f);
    nn_optimizer_free(&opt);
    nn_model_free(m);
    g_free(x);
}

/* ---- shapes, names, memory ----------------------------------------------------------- */

static void test_paper_shapes(void)
{
    nn_spec spec;
    nn_error err;
    g_assert_cmpint(nn_spec_parse(&spec, "paper", &err), ==, NN_OK);
    nn_model *m = NULL;
    g_assert_cmpint(nn_model_create(&m, &spec, 64, 64, 3, 2, 1, 0, NN_OPTIMIZER_ADAM, &err), ==,
                    NN_OK);
    /* five poolings: 64 -> 2, so 2x2x64 = 256 features reach f512 (4x4x64 at 128x128) */
    int h, w, c;
    nn_model_layer_shape(m, 11, &h, &w, &c);
    g_assert_cmpint(h, ==, 2);
    g_assert_cmpint(w, ==, 2);
    g_assert_cmpint(c, ==, 64);
    nn_model_layer_shape(m, 12, &h, &w, &c);
    g_assert_cmpint(h * w * c, ==, 512);
    g_assert_cmpstr(nn_model_layer_name(m, 0), ==, "conv1 3->64 64x64");
    g_assert_cmpstr(nn_model_layer_name(m, 11), ==, "pool5 4x4->2x2");
    g_assert_cmpstr(nn_model_layer_name(m, 12), ==, "fc1 256->512");
    g_assert_cmpstr(nn_model_layer_name(m, 13), ==, "dropout1 0.5");
    /* PyTorch's count for the same network (nn.Sequential of Conv2d(padding=1), MaxPool2d,
     * Linear): sum(p.numel()) = 1425538 at 64x64 */
    g_assert_cmpuint(nn_model_num_parameters(m), ==, 1425538);
    g_assert_cmpint(nn_model_num_tensors(m), ==, 18);  /* 7 convs, 2 dense */
    const nn_tensor_info *t = nn_model_tensor(m, 0);
    g_assert_cmpstr(t->name, ==, "conv1.weight");
    g_assert_cmpint(t->ndim, ==, 4);
    g_assert_cmpint(t->shape[0], ==, 64);
    g_assert_cmpint(t->shape[1], ==, 3);
    g_assert_cmpint(t->shape[2], ==, 3);
    g_assert_cmpint(t->shape[3], ==, 3);
    t = nn_model_tensor(m, 14);
    g_assert_cmpstr(t->name, ==, "fc1.weight");
    g_assert_cmpint(t->shape[0], ==, 512);
    g_assert_cmpint(t->shape[1], ==, 256);
    t = nn_model_tensor(m, 17);
    g_assert_cmpstr(t->name, ==, "fc2.bias");
    g_assert_cmpuint(t->offset + t->size, ==, nn_model_num_parameters(m));
    g_assert_null(nn_model_tensor(m, 18));

    /* init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)); conv1 fan_in 27, fc1 fan_in 256 */
    const float *p = nn_model_params(m);
    const nn_tensor_info *tensors[2] = { nn_model_tensor(m, 0), nn_model_tensor(m, 14) };
    double fan_in[2] = { 27.0, 256.0 };
    for (int k = 0; k < 2; k++) {
        double bound = 1.0 / sqrt(fan_in[k]), lo = 1.0, hi = -1.0, mean = 0.0;
        for (size_t i = 0; i < tensors[k]->size; i++) {
            double v = p[tensors[k]->offset + i];
            lo = fmin(lo, v), hi = fmax(hi, v), mean += v / (double)tensors[k]->size;
        }
        g_assert_cmpfloat(lo, >=, -bound);
        g_assert_cmpfloat(hi, <=, bound);
        g_assert_cmpfloat(lo, <, -0.95 * bound);
        g_assert_cmpfloat(hi, >, 0.95 * bound);
        g_assert_cmpfloat(fabs(mean), <, 0.05 * bound);
    }
    nn_model_free(m);

    g_assert_cmpint(nn_model_create(&m, &spec, 128, 128, 3, 1, 1, 0, NN_OPTIMIZER_ADAM, &err), ==,
                    NN_OK);
    nn_model_layer_shape(m, 11, &h, &w, &c);
    g_assert_cmpint(h * 100 + w * 10 + c, ==, 4 * 100 + 4 * 10 + 64);
    g_assert_cmpuint(nn_model_num_parameters(m), ==, 1818754);  /* torch, at 128x128 */
    nn_model_free(m);
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* glibc's malloc reports what it handed out; a sanitizer's allocator does not. */
static int heap_is_measurable(void)
{
    size_t before = heap_in_use();
    void *volatile probe = malloc(1 << 20);
    size_t after = heap_in_use();
    free(probe);
    if (after < before + (1 << 20)) {
        g_test_message("mallinfo2 does not see this allocator: heap checks skipped");
        return 0;
    }
    return 1;
}

static void test_estimate(void)
{
    nn_spec spec;
    nn_error err;
    nn_memory_estimate e;
    /* c4-p-f3 on 4x4x1, batch 2, counted by hand (floats):
     *   activations: input 32, pool out 32 + argmax 32, dense out 6, probs 6, losses 2,
     *                labels 2 = 112 (the conv output, 128, lives in the gradient buffer);
     *                gradients in flight: the largest output + input gradient pair, the
     *                pool's 2 * (16 + 64) = 160
     *   parameters: conv 4*9 + 4 = 40, dense 3*16 + 3 = 51 -> 91
     *   flops: conv 2*16*4*9 = 1152, dense 2*16*3 = 96 */
    g_assert_cmpint(nn_spec_parse(&spec, "c4-p-f3", &err), ==, NN_OK);
    g_assert_cmpint(nn_model_estimate(&spec, 4, 4, 1, 2, NN_OPTIMIZER_ADAM, &e, &err), ==, NN_OK);
    g_assert_cmpuint(e.num_parameters, ==, 91);
    g_assert_cmpuint(e.parameter_bytes, ==, 91 * 4);
    g_assert_cmpuint(e.gradient_bytes, ==, 91 * 4);
    g_assert_cmpuint(e.optimizer_bytes, ==, 2 * 91 * 4);
    g_assert_cmpuint(e.activation_bytes, ==, (112 + 160) * 4);
    g_assert_cmpint(e.flops_forward, ==, 1152 + 96);
    g_assert_cmpuint(e.total_bytes, ==, e.parameter_bytes + e.gradient_bytes + e.optimizer_bytes +
                                            e.activation_bytes + e.scratch_bytes);
    g_assert_cmpint(nn_model_estimate(&spec, 4, 4, 1, 2, NN_OPTIMIZER_SGD, &e, &err), ==, NN_OK);
    g_assert_cmpuint(e.optimizer_bytes, ==, 91 * 4);

    /* a real one: what malloc hands out matches the estimate (up to allocator overhead) */
    g_assert_cmpint(nn_spec_parse(&spec, "small", &err), ==, NN_OK);
    g_assert_cmpint(nn_model_estimate(&spec, 64, 64, 3, 32, NN_OPTIMIZER_ADAM, &e, &err), ==,
                    NN_OK);
    size_t before = heap_in_use();
    nn_model *m = NULL;
    g_assert_cmpint(nn_model_create(&m, &spec, 64, 64, 3, 32, 1, 0, NN_OPTIMIZER_ADAM, &err), ==,
                    NN_OK);
    size_t model_bytes = heap_in_use() - before;
    nn_optimizer opt;
    nn_optimizer_config cfg = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    before = heap_in_use();
    g_assert_cmpint(nn_optimizer_init(&opt, &cfg, nn_model_num_parameters(m), &err), ==, NN_OK);
    size_t opt_bytes = heap_in_use() - before;
    g_test_message("estimate %zu + %zu optimizer, malloc'd %zu + %zu", e.total_bytes - e.optimizer_bytes,
                   e.optimizer_bytes, model_bytes, opt_bytes);
    g_assert_cmpuint(nn_model_allocated_bytes(m), ==, e.total_bytes - e.optimizer_bytes);
    size_t want = e.total_bytes - e.optimizer_bytes;
    if (heap_is_measurable()) {
        g_assert_cmpuint(model_bytes, >=, want);
        g_assert_cmpuint(model_bytes, <=, want + 64 * 1024); /* the model struct, pages */
        g_assert_cmpuint(opt_bytes, >=, e.optimizer_bytes);
        g_assert_cmpuint(opt_bytes, <=, e.optimizer_bytes + 16 * 1024);
    }
    nn_optimizer_free(&opt);
    nn_model_free(m);
}

/* One training step's loss and gradients (a copy) at the model's current parameters. */
static float step_grads(nn_model *m, const float *x, const int *labels, int B, float **grads)
{
    nn_model_zero_grad(m);
    float loss = nn_model_forward(m, x, labels, B, 1);
    nn_model_backward(m);
    *grads = g_memdup2(nn_model_grads(m), nn_model_num_parameters(m) * sizeof(float));
    return loss;
}

/* The convolution algorithm is the caller's choice and the plan records it: AUTO is the
 * rule per layer; another choice runs every 3x3 convolution that way (a 5x5 stays
 * im2col), the scratch is sized for exactly that, the step stays the same up to
 * Winograd's rounding, and back at AUTO it is the very step of before, bit for bit. */
static void test_conv_algorithm(void)
{
    static const nn_conv_algo algos[] = { NN_CONV_ALGO_IM2COL, NN_CONV_ALGO_WINOGRAD2,
                                          NN_CONV_ALGO_WINOGRAD4 };
    /* conv1 3->8 at 16x16 (RGB: im2col by the rule), conv2 5x5 8->16 at 8x8 (im2col
     * always), conv3 16->16 at 8x8 (Winograd F(4x4) by the rule) */
    const int B = 2, conv_layer[3] = { 0, 2, 3 };
    const int shape[3][5] = { { 16, 16, 3, 8, 3 }, { 8, 8, 8, 16, 5 }, { 8, 8, 16, 16, 3 } };
    const nn_conv_algo by_rule[3] = { NN_CONV_ALGO_IM2COL, NN_CONV_ALGO_IM2COL,
                                      NN_CONV_ALGO_WINOGRAD4 };
    nn_spec spec;
    nn_error err;
    nn_memory_estimate e;
    int labels[2] = { 1, 2 };
    g_assert_cmpint(nn_spec_parse(&spec, "c8-p-c16k5-c16-p-f3", &err), ==, NN_OK);
    g_assert_cmpint(nn_model_estimate(&spec, 16, 16, 3, B, NN_OPTIMIZER_ADAM, &e, &err), ==,
                    NN_OK);
    nn_model *m = make_model("c8-p-c16k5-c16-p-f3", 16, 16, 3, B, 5);
    float *x = random_floats(6, (size_t)B * 16 * 16 * 3, -1.0f, 1.0f);
    size_t n = nn_model_num_parameters(m), auto_bytes = nn_model_allocated_bytes(m);
    g_assert_cmpint(nn_model_conv_algorithm(m), ==, NN_CONV_ALGO_AUTO);
    g_assert_cmpint(nn_model_layer_conv_algorithm(m, 1), ==, NN_CONV_ALGO_AUTO); /* a pool */
    for (int k = 0; k < 3; k++)
        g_assert_cmpint(nn_model_layer_conv_algorithm(m, conv_layer[k]), ==, by_rule[k]);
    g_assert_cmpuint(auto_bytes, ==, e.total_bytes - e.optimizer_bytes);
    float *g_auto, *g;
    float loss_auto = step_grads(m, x, labels, B, &g_auto);

    for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
        g_assert_cmpint(nn_model_set_conv_algorithm(m, algos[a], &err), ==, NN_OK);
        g_assert_cmpint(nn_model_conv_algorithm(m), ==, algos[a]);
        size_t scratch = 0;
        for (int k = 0; k < 3; k++) {
            const int *sh = shape[k];
            nn_conv_algo want = sh[4] == 3 ? algos[a] : NN_CONV_ALGO_IM2COL;
            g_assert_cmpint(nn_model_layer_conv_algorithm(m, conv_layer[k]), ==, want);
            scratch = MAX(scratch, nn_conv2d_algo_scratch_floats(B, sh[0], sh[1], sh[2], sh[3],
                                                                 sh[4], want));
        }
        g_assert_cmpuint(nn_model_allocated_bytes(m), ==,
                         auto_bytes - e.scratch_bytes + scratch * sizeof(float));
        float loss = step_grads(m, x, labels, B, &g);
        g_test_message("%s: loss %.8f (auto %.8f)", nn_conv_algo_name(algos[a]), loss,
                       loss_auto);
        /* Winograd's rounding through three small layers: ~1e-6 of each tensor's scale */
        g_assert_cmpfloat(fabs(loss - loss_auto), <=, 1e-5 * loss_auto);
        for (int t = 0; t < nn_model_num_tensors(m); t++) {
            const nn_tensor_info *ti = nn_model_tensor(m, t);
            double diff = 0, scale = 0;
            for (size_t i = ti->offset; i < ti->offset + ti->size; i++) {
                diff = MAX(diff, fabs((double)g[i] - g_auto[i]));
                scale = MAX(scale, fabs((double)g_auto[i]));
            }
            g_assert_cmpfloat(diff, <=, 1e-4 * scale);
        }
        g_free(g);
    }

    /* an unknown value changes nothing */
    g_assert_cmpint(nn_model_set_conv_algorithm(m, (nn_conv_algo)42, &err), ==, NN_ERR_ARG);
    g_assert_cmpint(nn_model_layer_conv_algorithm(m, conv_layer[2]), ==, NN_CONV_ALGO_WINOGRAD4);
    g_assert_cmpint(nn_model_set_conv_algorithm(m, NN_CONV_ALGO_AUTO, &err), ==, NN_OK);
    g_assert_cmpuint(nn_model_allocated_bytes(m), ==, auto_bytes);
    g_assert_cmpfloat(step_grads(m, x, labels, B, &g), ==, loss_auto);
    g_assert_cmpmem(g, n * sizeof(float), g_auto, n * sizeof(float));
    g_free(g);
    g_free(g_auto);
    g_free(x);
    nn_model_free(m);
}

static void test_memory_limit(void)
{
    nn_spec spec;
    nn_error err;
    nn_memory_estimate e;
    g_assert_cmpint(nn_spec_parse(&spec, "paper", &err), ==, NN_OK);
    g_assert_cmpint(nn_model_estimate(&spec, 384, 384, 3, 64, NN_OPTIMIZER_ADAM, &e, &err), ==,
                    NN_OK);
    g_test_message("paper 384x384 batch 64: %.2f GiB (activations %.2f GiB)",
                   e.total_bytes / 1073741824.0, e.activation_bytes / 1073741824.0);
    g_assert_cmpuint(e.total_bytes, >, (size_t)2 << 30);

    size_t before = heap_in_use();
    nn_model *m = (nn_model *)&spec; /* must come back NULL */
    nn_status st = nn_model_create(&m, &spec, 384, 384, 3, 64, 1, (size_t)2 << 30,
                                   NN_OPTIMIZER_ADAM, &err);
    g_test_message("%s", err.message);
    g_assert_cmpint(st, ==, NN_ERR_MEMORY);
    g_assert_cmpint(err.code, ==, NN_ERR_MEMORY);
    g_assert_null(m);
    g_assert_cmpuint(heap_in_use(), <, before + 4096); /* refused before allocating */
    char needs[64];
    g_snprintf(needs, sizeof needs, "needs %.1f GiB", e.total_bytes / 1073741824.0);
    g_assert_nonnull(strstr(err.message, needs));
    g_snprintf(needs, sizeof needs, "activations %.1f GiB at batch 64",
               e.activation_bytes / 1073741824.0);
    g_assert_nonnull(strstr(err.message, needs));
    g_assert_nonnull(strstr(err.message, "limit of 2.0 GiB"));

    /* under the limit it is built */
    g_assert_cmpint(nn_model_estimate(&spec, 64, 64, 3, 4, NN_OPTIMIZER_ADAM, &e, &err), ==, NN_OK);
    g_assert_cmpint(nn_model_create(&m, &spec, 64, 64, 3, 4, 1, e.total_bytes, NN_OPTIMIZER_ADAM,
                                    &err), ==, NN_OK);
    nn_model_free(m);
    g_assert_cmpint(nn_model_create(&m, &spec, 64, 64, 3, 4, 1, e.total_bytes - 1,
                                    NN_OPTIMIZER_ADAM, &err), ==, NN_ERR_MEMORY);
}

static void test_layer_times(void)
{
    nn_model *m = make_model("tiny", 16, 16, 3, 2, 1);
    g_assert_cmpint(nn_model_num_layers(m), ==, 6);
    float *x = random_floats(6, 2 * 16 * 16 * 3, 0.0f, 1.0f);
    int labels[2] = { 0, 1 };
    nn_model_forward(m, x, labels, 2, 1);
    nn_model_backward(m);
    double total = 0.0;
    for (int l = 0; l < nn_model_num_layers(m); l++) {
        double f, b;
        nn_model_layer_times(m, l, &f, &b);
        g_assert_cmpfloat(f, >=, 0.0);
        g_assert_cmpfloat(b, >=, 0.0);
        total += f + b;
    }
    g_assert_cmpfloat(total, >, 0.0);
    nn_model_reset_layer_times(m);
    for (int l = 0; l < nn_model_num_layers(m); l++) {
        double f, b;
        nn_model_layer_times(m, l, &f, &b);
        g_assert_cmpfloat(f + b, ==, 0.0);
    }
    nn_model_free(m);
    g_free(x);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nn/model/gradcheck", test_gradcheck);
    g_test_add_func("/nn/model/forward", test_forward_basics);
    g_test_add_func("/nn/model/dropout", test_dropout_masks);
    g_test_add_func("/nn/model/determinism", test_determinism);
    g_test_add_func("/nn/model/learns", test_learns);
    g_test_add_func("/nn/model/paper-shapes", test_paper_shapes);
    g_test_add_func("/nn/model/estimate", test_estimate);
    g_test_add_func("/nn/model/memory-limit", test_memory_limit);
    g_test_add_func("/nn/model/conv-algorithm", test_conv_algorithm);
    g_test_add_func("/nn/model/layer-times", test_layer_times);
    return g_test_run();
}
