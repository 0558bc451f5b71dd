/* test_gradcam: where the network looks. The gradient Grad-CAM weighs channels with (a
 * class's logit by the last convolution's output, nn_model_backward_logits) against
 * central differences through the rest of the network; the combination and the bilinear
 * upsampling against values worked out by hand (and PyTorch's interpolate); Grad-CAM on a
 * hand-made network that can only answer from one channel; occlusion on a hand-made
 * network whose answer depends on one known region. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn_gradcam.h"
#include "nn_model.h"
#include "nn_rng.h"
#include "nn_spec.h"
#include "nn_test_util.h"


static float *tensor(nn_model *m, const char *name)
{
    for (int t = 0; t < nn_model_num_tensors(m); t++)
        if (g_str_equal(nn_model_tensor(m, t)->name, name))
            return nn_model_params(m) + nn_model_tensor(m, t)->offset;
    g_error("no tensor %s", name);
}

/* The layers above `layer` as a network of their own on its output, with the same
 * weights (they are the last tensors of the flat buffer), so a perturbed output can be
 * run through them. */
static nn_model *tail_model(nn_model *m, int layer, int B)
{
    const nn_spec *spec = nn_model_spec(m);
    nn_spec tail = { .n_layers = spec->n_layers - layer - 1 };
    memcpy(tail.layers, spec->layers + layer + 1, sizeof(nn_spec_layer) * tail.n_layers);
    int h, w, c;
    nn_model_layer_shape(m, layer, &h, &w, &c);
    nn_model *t = NULL;
    nn_error err;
    if (nn_model_create(&t, &tail, h, w, c, B, 1, 0, NN_OPTIMIZER_SGD, &err) != NN_OK)
        g_error("tail: %s", err.message);
    size_t n = nn_model_num_parameters(t), full = nn_model_num_parameters(m);
    memcpy(nn_model_params(t), nn_model_params(m) + (full - n), n * sizeof(float));
    return t;
}

/* The tail's logits for A, and a fingerprint of where its pooling and hidden ReLUs
 * switch: within one fingerprint the logits are linear in A. */
static uint64_t tail_logits(nn_model *t, const float *A, int B, float *logits)
{
    const nn_spec *spec = nn_model_spec(t);
    const int last = spec->n_layers - 1, K = nn_model_num_classes(t);
    nn_model_forward(t, A, NULL, B, 0);
    memcpy(logits, nn_model_layer_output(t, last), (size_t)B * K * sizeof(float));
    uint64_t h = 1469598103934665603ULL;
    for (int l = 0; l < last; l++) {
        int oh, ow, oc;
        nn_model_layer_shape(t, l, &oh, &ow, &oc);
        const int *winner = nn_model_pool_argmax(t, l);
        const float *out = nn_model_layer_output(t, l);
        for (int i = 0; i < B * oh * ow * oc; i++) {
            uint64_t v = winner ? (uint64_t)winner[i]
                         : spec->layers[l].kind == NN_LAYER_DENSE ? (uint64_t)(out[i] > 0.0f)
                                                                  : 0;
            h = (h ^ v) * 1099511628211ULL;
        }
    }
    return h;
}

/* d logit_k / dA by nn_model_backward_logits against central differences of the tail's
 * logit, for every entry of A whose step stays in one linear piece. The logits are
 * piecewise linear in A, so the difference is exact up to float rounding (~1e-7 of a
 * logit of order 1, over a step of 2e-2: ~1e-5); an indexing bug, a ReLU mask applied
 * where it must not be, or a gradient from the wrong class is of the gradient's size. */
static void check_logit_gradient(const char *text, int min_checked_percent)
{
    const int B = 2, H = 8, W = 8, C = 2;
    nn_model *m = make_model(text, H, W, C, B, 7);
    const int layer = nn_gradcam_layer(m), K = nn_model_num_classes(m);
    int h, w, c;
    nn_model_layer_shape(m, layer, &h, &w, &c);
    const size_t n = (size_t)B * h * w * c;
    g_autofree float *x = random_floats(3, (size_t)B * H * W * C, -1.0f, 1.0f);
    g_autofree float *A = g_new(float, n);
    g_autofree float *dA = g_new(float, n);
    const int target[2] = { K - 1, 0 };
    float dlogits[2 * 8] = { 0 };
    dlogits[0 * K + target[0]] = 1.0f;
    dlogits[1 * K + target[1]] = 1.0f;

    nn_model_forward(m, x, NULL, B, 0);
    memcpy(A, nn_model_layer_output(m, layer), n * sizeof(float));
    nn_error err;
    g_assert_cmpint(nn_model_backward_logits(m, dlogits, layer, dA, &err), ==, NN_OK);

    nn_model *t = tail_model(m, layer, B);
    float base[16], up[16], down[16];
    const uint64_t region = tail_logits(t, A, B, base);
    /* the tail computes what the model did */
    for (int i = 0; i < B * K; i++)
        g_assert_cmpfloat(fabsf(base[i] - nn_model_layer_output(m, nn_model_spec(m)->n_layers - 1)[i]),
                          <=, 1e-5f);
    const float eps = 1e-2f;
    int checked = 0, nonzero = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        const int b = (int)(i / (n / B));
        const float saved = A[i];
        A[i] = saved + eps;
        gboolean same = tail_logits(t, A, B, up) == region;
        A[i] = saved - eps;
        same = same && tail_logits(t, A, B, down) == region;
        A[i] = saved;
        if (!same)
            continue;
        double numeric = ((double)up[b * K + target[b]] - down[b * K + target[b]]) / (2 * eps);
        double err_i = fabs(numeric - dA[i]);
        double tol = 1e-4 + 1e-3 * fabs(numeric);
        if (err_i > tol)
            g_error("%s: dA[%zu]: analytic %.6g vs numeric %.6g", text, i, dA[i], numeric);
        worst = fmax(worst, err_i / tol);
        checked++;
        nonzero += dA[i] != 0.0f;
    }
    g_test_message("%s: %d of %zu entries checked (%d non-zero), worst err/tol %.3f", text,
                   checked, n, nonzero, worst);
    g_assert_cmpint(checked * 100, >=, min_checked_percent * (int)n);
    g_assert_cmpint(nonzero, >, 0);

    /* nothing but the logits' gradient moves dA: twice the one-hots, twice the gradient */
    for (int i = 0; i < B * K; i++)
        dlogits[i] *= 2.0f;
    g_autofree float *twice = g_new(float, n);
    nn_model_forward(m, x, NULL, B, 0);
    g_assert_cmpint(nn_model_backward_logits(m, dlogits, layer, twice, &err), ==, NN_OK);
    for (size_t i = 0; i < n; i++)
        g_assert_cmpfloat(fabsf(twice[i] - 2.0f * dA[i]), <=, 1e-6f);
    nn_model_free(t);
    nn_model_free(m);
}

static void test_logit_gradient(void)
{
    /* a dense layer straight on the convolution: linear in A everywhere, zeros included */
    check_logit_gradient("c4-f3", 100);
    /* pooling above it: the gradient of the output after the ReLU (the pool's own mask
     * must not be applied); steps across a window's tie are skipped */
    check_logit_gradient("c3-c4-p-f3", 40);
    /* a hidden ReLU and dropout (identity in evaluation) in the head */
    check_logit_gradient("c4-p-f6-d0.5-f3", 40);
}

static void test_bad_arguments(void)
{
    nn_model *m = make_model("c2-p-f2", 4, 4, 1, 1, 1);
    float x[16] = { 0 }, map[16], d[2 * 2 * 2] = { 0 }, dlogits[2] = { 1, 0 };
    nn_error err;
    g_assert_cmpint(nn_model_backward_logits(m, dlogits, 0, d, &err), ==, NN_ERR_ARG);
    nn_model_forward(m, x, NULL, 1, 0);
    g_assert_cmpint(nn_model_backward_logits(m, dlogits, 2, d, &err), ==, NN_ERR_ARG);
    int bad = 5;
    g_assert_cmpint(nn_gradcam(m, x, 1, &bad, map, NULL, &err), ==, NN_ERR_ARG);
    g_assert_nonnull(strstr(err.message, "2 classes"));
    g_assert_cmpint(nn_gradcam(m, x, 2, NULL, map, NULL, &err), ==, NN_ERR_ARG);
    g_assert_cmpint(nn_occlusion(m, x, x, 5, -1, map, NULL, NULL, &err), ==, NN_ERR_ARG);
    g_assert_nonnull(strstr(err.message, "does not fit"));
    nn_model_free(m);

    m = make_model("f2", 4, 4, 1, 1, 1);
    g_assert_cmpint(nn_gradcam_layer(m), ==, -1);
    g_assert_cmpint(nn_gradcam(m, x, 1, NULL, map, NULL, &err), ==, NN_ERR_ARG);
    g_assert_nonnull(strstr(err.message, "no convolution"));
    nn_model_free(m);
}

static void test_combine(void)
{
    /* (2, 2, 2): channel 0 has gradients summing to 2 (weight 0.5), channel 1 to -4
     * (weight -1) */
    const float A[8] = { 1, 0, 2, 1, 0, 3, 4, 0 };
    const float dA[8] = { 1, -1, 0, -1, 1, -1, 0, -1 };
    float cam[4];
    nn_gradcam_combine(cam, A, dA, 2, 2, 2);
    /* 0.5*A0 - A1: 0.5, 0, -3 -> 0 (ReLU), 2 */
    const float expected[4] = { 0.5f, 0.0f, 0.0f, 2.0f };
    for (int i = 0; i < 4; i++)
        g_assert_cmpfloat(cam[i], ==, expected[i]);
}

static void test_upsample(void)
{
    /* torch.nn.functional.interpolate(torch.arange(4.).view(1,1,2,2), size=4,
     * mode="bilinear", align_corners=False) */
    const float src[4] = { 0, 1, 2, 3 };
    const float expected[16] = { 0.0f, 0.25f, 0.75f, 1.0f,  0.5f, 0.75f, 1.25f, 1.5f,
                                 1.5f, 1.75f, 2.25f, 2.5f,  2.0f, 2.25f, 2.75f, 3.0f };
    float dst[16];
    nn_upsample_bilinear(dst, 4, 4, src, 2, 2);
    for (int i = 0; i < 16; i++)
        g_assert_cmpfloat(fabsf(dst[i] - expected[i]), <=, 1e-6f);

    /* a constant stays constant at any size; one value fills everything */
    float flat[6] = { 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f }, big[35];
    nn_upsample_bilinear(big, 5, 7, flat, 2, 3);
    for (int i = 0; i < 35; i++)
        g_assert_cmpfloat(fabsf(big[i] - 0.3f), <=, 1e-6f);
    float one = 2.0f;
    nn_upsample_bilinear(big, 5, 7, &one, 1, 1);
    for (int i = 0; i < 35; i++)
        g_assert_cmpfloat(big[i], ==, 2.0f);
}

/* An 8x8 input of two channels: the class-1 evidence is a bright 3x3 square in channel 0
 * at rows 4..6, columns 1..3; channel 1 has a bright square elsewhere (rows 0..2,
 * columns 5..7) that only class 0 reads. conv1 copies each channel (centre tap 1), and
 * fc1 gives class 1 channel 0 everywhere, class 0 channel 1 everywhere. */
#define EVIDENCE(y, x) ((y) >= 4 && (y) <= 6 && (x) >= 1 && (x) <= 3)
#define DISTRACTOR(y, x) ((y) <= 2 && (x) >= 5)

static nn_model *two_channel_model(float *x)
{
    nn_model *m = make_model("c2-f2", 8, 8, 2, 4, 1);
    memset(nn_model_params(m), 0, nn_model_num_parameters(m) * sizeof(float));
    float *conv = tensor(m, "conv1.weight");   /* (2, 3, 3, 2) */
    conv[(0 * 9 + 4) * 2 + 0] = 1.0f;
    conv[(1 * 9 + 4) * 2 + 1] = 1.0f;
    float *fc = tensor(m, "fc1.weight");       /* (2, 8*8*2), inputs in (y, x, c) order */
    for (int i = 0; i < 64; i++) {
        fc[0 * 128 + i * 2 + 1] = 0.2f;
        fc[1 * 128 + i * 2 + 0] = 0.2f;
    }
    for (int y = 0; y < 8; y++)
        for (int xx = 0; xx < 8; xx++) {
            x[(y * 8 + xx) * 2 + 0] = EVIDENCE(y, xx) ? 1.0f : 0.0f;
            x[(y * 8 + xx) * 2 + 1] = DISTRACTOR(y, xx) ? 0.5f : 0.0f;
        }
    return m;
}

static void test_gradcam_finds_the_evidence(void)
{
    float x[128], maps[2 * 64];
    nn_model *m = two_channel_model(x);
    float both[256];
    memcpy(both, x, sizeof x);
    memcpy(both + 128, x, sizeof x);
    const int classes[2] = { -1, 0 };   /* the predicted one (1), then class 0 */
    int used[2];
    nn_error err;
    g_assert_cmpint(nn_gradcam(m, both, 2, classes, maps, used, &err), ==, NN_OK);
    g_assert_cmpint(used[0], ==, 1);
    g_assert_cmpint(used[1], ==, 0);
    g_assert_cmpfloat(nn_model_probs(m)[1], >, 0.5f);
    for (int b = 0; b < 2; b++) {
        int peak = 0;
        for (int i = 0; i < 64; i++)
            peak = maps[b * 64 + i] > maps[b * 64 + peak] ? i : peak;
        g_assert_cmpfloat(maps[b * 64 + peak], ==, 1.0f);
        if (b == 0)
            g_assert_true(EVIDENCE(peak / 8, peak % 8));
        else
            g_assert_true(DISTRACTOR(peak / 8, peak % 8));
        /* far from its evidence the map is nothing (the upsampling spreads it one pixel) */
        for (int y = 0; y < 8; y++)
            for (int xx = 0; xx < 8; xx++) {
                gboolean near = b == 0 ? y >= 3 && xx <= 4 : y <= 3 && xx >= 4;
                if (!near)
                    g_assert_cmpfloat(maps[b * 64 + y * 8 + xx], ==, 0.0f);
            }
    }

    /* a batch gives each image the map it gets alone */
    float alone[64];
    g_assert_cmpint(nn_gradcam(m, x, 1, &classes[1], alone, NULL, &err), ==, NN_OK);
    for (int i = 0; i < 64; i++)
        g_assert_cmpfloat(fabsf(alone[i] - maps[64 + i]), <=, 1e-6f);
    nn_model_free(m);
}

/* A 12x12 grey image and a dense layer that reads only rows 3..5, columns 7..9 for
 * class 1: hiding that square is the only thing that can change the answer. */
#define REGION(y, x) ((y) >= 3 && (y) <= 5 && (x) >= 7 && (x) <= 9)

static void test_occlusion_finds_the_region(void)
{
    nn_model *m = make_model("f2", 12, 12, 1, 5, 1);
    memset(nn_model_params(m), 0, nn_model_num_parameters(m) * sizeof(float));
    float *fc = tensor(m, "fc1.weight");
    float *bias = tensor(m, "fc1.bias");
    float x[144];
    for (int i = 0; i < 144; i++) {
        x[i] = 1.0f;   /* everything bright: only the region's pixels count */
        fc[144 + i] = REGION(i / 12, i % 12) ? 0.5f : 0.0f;
    }
    bias[0] = 2.0f;   /* logits 2 vs 4.5: class 1 until the region is hidden */
    const float fill = 0.0f;
    float drop[144], base;
    int used;
    nn_error err;
    g_assert_cmpint(nn_occlusion(m, x, &fill, 4, -1, drop, &base, &used, &err), ==, NN_OK);
    g_assert_cmpint(used, ==, 1);
    g_assert_cmpfloat(base, >, 0.9f);
    int peak = 0;
    for (int i = 0; i < 144; i++) {
        const int y = i / 12, xx = i % 12;
        peak = drop[i] > drop[peak] ? i : peak;
        /* windows of 4 at stride 2 reach at most 3 pixels past the region */
        gboolean reachable = y <= 5 + 3 && xx >= 7 - 3;
        if (REGION(y, xx))
            g_assert_cmpfloat(drop[i], >, 0.1f);
        else if (!reachable)   /* the same logits, up to a batch's rounding */
            g_assert_cmpfloat(fabsf(drop[i]), <=, 1e-6f);
        g_assert_cmpfloat(drop[i], >=, -1e-6f);
    }
    g_assert_true(REGION(peak / 12, peak % 12));

    /* for class 0 the same windows help: the drop is negative where class 1 lost */
    g_assert_cmpint(nn_occlusion(m, x, &fill, 4, 0, drop, &base, &used, &err), ==, NN_OK);
    g_assert_cmpfloat(base, <, 0.1f);
    for (int i = 0; i < 144; i++)
        if (REGION(i / 12, i % 12))
            g_assert_cmpfloat(drop[i], <, -0.1f);
    /* a window as large as the image is one occlusion of everything */
    g_assert_cmpint(nn_occlusion(m, x, &fill, 12, 1, drop, &base, NULL, &err), ==, NN_OK);
    for (int i = 1; i < 144; i++)
        g_assert_cmpfloat(drop[i], ==, drop[0]);

    /* A raised cancel flag stops it in the first forward pass (between two layers), with
     * its own code, and leaves base and used alone; lowered again, the model gives the
     * same map as before (the cancel left nothing behind). */
    float before[144];
    g_assert_cmpint(nn_occlusion(m, x, &fill, 4, -1, before, NULL, NULL, &err), ==, NN_OK);
    int cancel = 1;
    nn_model_set_cancel_flag(m, &cancel);
    base = -1;
    used = -1;
    g_assert_cmpint(nn_occlusion(m, x, &fill, 4, -1, drop, &base, &used, &err), ==,
                    NN_ERR_CANCELLED);
    g_assert_cmpint(err.code, ==, NN_ERR_CANCELLED);
    g_assert_true(nn_model_cancelled(m));
    g_assert_cmpfloat(base, ==, -1);
    g_assert_cmpint(used, ==, -1);
    cancel = 0;
    g_assert_cmpint(nn_occlusion(m, x, &fill, 4, -1, drop, &base, &used, &err), ==, NN_OK);
    g_assert_false(nn_model_cancelled(m));
    g_assert_cmpmem(drop, sizeof drop, before, sizeof before);
    nn_model_set_cancel_flag(m, NULL);
    nn_model_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nn/gradcam/logit-gradient", test_logit_gradient);
    g_test_add_func("/nn/gradcam/bad-arguments", test_bad_arguments);
    g_test_add_func("/nn/gradcam/combine", test_combine);
    g_test_add_func("/nn/gradcam/upsample", test_upsample);
    g_test_add_func("/nn/gradcam/finds-the-evidence", test_gradcam_finds_the_evidence);
    g_test_add_func("/nn/occlusion/finds-the-region", test_occlusion_finds_the_region);
    return g_test_run();
}
