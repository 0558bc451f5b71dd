/* nn_gradcam: Grad-CAM and occlusion maps over an nn_model. Grad-CAM needs one forward and
 * one backward from the class's logit down to the last convolution only
 * (nn_model_backward_logits), so a map costs about a forward; occlusion needs one forward
 * per window position and is the slow, assumption-free check. */
#include "nn_gradcam.h"

#include <stdlib.h>
#include <string.h>

int nn_gradcam_layer(const nn_model *model)
{
    const nn_spec *spec = nn_model_spec(model);
    for (int l = spec->n_layers - 1; l >= 0; l--)
        if (spec->layers[l].kind == NN_LAYER_CONV)
            return l;
    return -1;
}

void nn_gradcam_combine(float *cam, const float *A, const float *dA, int h, int w, int c)
{
    const int n = h * w;
    float *weight = calloc((size_t)c, sizeof(float));
    if (!weight) {
        memset(cam, 0, (size_t)n * sizeof(float));
        return;
    }
    /* weight[k] = mean of dA(., ., k); double sums would change no map anyone can see */
    for (int i = 0; i < n; i++)
        for (int k = 0; k < c; k++)
            weight[k] += dA[(size_t)i * c + k];
    for (int k = 0; k < c; k++)
        weight[k] /= (float)n;
    for (int i = 0; i < n; i++) {
        float s = 0.0f;
        for (int k = 0; k < c; k++)
            s += weight[k] * A[(size_t)i * c + k];
        cam[i] = s > 0.0f ? s : 0.0f;
    }
    free(weight);
}

/* Where output index i of n reads in a source of m: the two neighbours and the weight of
 * the second, pixel centres aligned and clamped to the border. */
static void source_coordinate(int i, int n, int m, int *i0, int *i1, float *t)
{
    float s = ((float)i + 0.5f) * (float)m / (float)n - 0.5f;
    if (s < 0.0f)
        s = 0.0f;
    int lo = (int)s;
    if (lo > m - 1)
        lo = m - 1;
    *i0 = lo;
    *i1 = lo + 1 < m ? lo + 1 : m - 1;
    *t = s - (float)lo;
    if (*t > 1.0f)
        *t = 1.0f;
}

void nn_upsample_bilinear(float *dst, int H, int W, const float *src, int h, int w)
{
    for (int Y = 0; Y < H; Y++) {
        int y0, y1;
        float ty;
        source_coordinate(Y, H, h, &y0, &y1, &ty);
        for (int X = 0; X < W; X++) {
            int x0, x1;
            float tx;
            source_coordinate(X, W, w, &x0, &x1, &tx);
            float top = src[y0 * w + x0] * (1.0f - tx) + src[y0 * w + x1] * tx;
            float bottom = src[y1 * w + x0] * (1.0f - tx) + src[y1 * w + x1] * tx;
            dst[Y * W + X] = top * (1.0f - ty) + bottom * ty;
        }
    }
}

static int argmax(const float *p, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (p[i] > p[best])
            best = i;
    return best;
}

/* The class a map is for: the caller's, or the predicted one. */
static nn_status target_classes(const nn_model *model, const int *classes, int B, int *out,
                                nn_error *err)
{
    const int K = nn_model_num_classes(model);
    const float *probs = nn_model_probs(model);
    for (int b = 0; b < B; b++) {
        int k = classes && classes[b] >= 0 ? classes[b] : argmax(probs + (size_t)b * K, K);
        if (k >= K)
            return nn_error_set(err, NN_ERR_ARG, "class %d does not exist: the network has %d "
                                "classes", k, K);
        out[b] = k;
    }
    return NN_OK;
}

nn_status nn_gradcam(nn_model *model, const float *input, int B, const int *classes,
                     float *maps, int *used, nn_error *err)
{
    nn_error_clear(err);
    const int layer = nn_gradcam_layer(model);
    if (layer < 0)
        return nn_error_set(err, NN_ERR_ARG, "this network has no convolution for Grad-CAM "
                            "to look at");
    if (B < 1 || B > nn_model_max_batch(model))
        return nn_error_set(err, NN_ERR_ARG, "batch of %d images is out of range (1 to %d)",
                            B, nn_model_max_batch(model));
    int H, W, C, h, w, c;
    nn_model_input_shape(model, &H, &W, &C);
    nn_model_layer_shape(model, layer, &h, &w, &c);
    const int K = nn_model_num_classes(model);
    const size_t per_image = (size_t)h * w * c;
    float *A = malloc((size_t)B * per_image * sizeof(float));
    float *dA = malloc((size_t)B * per_image * sizeof(float));
    float *dlogits = calloc((size_t)B * K, sizeof(float));
    float *cam = malloc((size_t)h * w * sizeof(float));
    int *target = malloc((size_t)B * sizeof(int));
    nn_status st = NN_OK;
    if (!A || !dA || !dlogits || !cam || !target) {
        st = nn_error_set(err, NN_ERR_MEMORY, "out of memory for Grad-CAM");
        goto done;
    }

    nn_model_forward(model, input, NULL, B, 0);
    if (nn_model_cancelled(model)) {
        st = nn_error_set(err, NN_ERR_CANCELLED, "cancelled");
        goto done;
    }
    /* backward overwrites a convolution output that only lives until then */
    memcpy(A, nn_model_layer_output(model, layer), (size_t)B * per_image * sizeof(float));
    if ((st = target_classes(model, classes, B, target, err)) != NN_OK)
        goto done;
    for (int b = 0; b < B; b++)
        dlogits[(size_t)b * K + target[b]] = 1.0f;
    if ((st = nn_model_backward_logits(model, dlogits, layer, dA, err)) != NN_OK)
        goto done;

    for (int b = 0; b < B; b++) {
        float *map = maps + (size_t)b * H * W;
        nn_gradcam_combine(cam, A + b * per_image, dA + b * per_image, h, w, c);
        nn_upsample_bilinear(map, H, W, cam, h, w);
        float top = 0.0f;
        for (int i = 0; i < H * W; i++)
            top = map[i] > top ? map[i] : top;
        for (int i = 0; i < H * W; i++)
            map[i] = top > 0.0f ? map[i] / top : 0.0f;
        if (used)
            used[b] = target[b];
    }

done:
    free(A);
    free(dA);
    free(dlogits);
    free(cam);
    free(target);
    return st;
}

/* The window starts along a side of n: every stride, then one flush with the far border
 * when the stride does not land there. Returns how many (at most n). */
static int window_starts(int n, int window, int stride, int *starts)
{
    int count = 0;
    for (int s = 0; s + window <= n; s += stride)
        starts[count++] = s;
    if (starts[count - 1] + window < n)
        starts[count++] = n - window;
    return count;
}

nn_status nn_occlusion(nn_model *model, const float *input, const float *fill, int window,
                       int class_index, float *drop, float *base, int *used, nn_error *err)
{
    nn_error_clear(err);
    int H, W, C;
    nn_model_input_shape(model, &H, &W, &C);
    const int K = nn_model_num_classes(model), max_batch = nn_model_max_batch(model);
    if (window < 1 || window > H || window > W)
        return nn_error_set(err, NN_ERR_ARG, "occlusion window %d does not fit the %dx%d input",
                            window, W, H);
    if (class_index >= K)
        return nn_error_set(err, NN_ERR_ARG, "class %d does not exist: the network has %d "
                            "classes", class_index, K);
    const int stride = window / 2 > 0 ? window / 2 : 1;
    const size_t image = (size_t)H * W * C;
    int *ys = malloc((size_t)H * sizeof(int)), *xs = malloc((size_t)W * sizeof(int));
    float *batch = malloc((size_t)max_batch * image * sizeof(float));
    float *covered = calloc((size_t)H * W, sizeof(float));
    nn_status st = NN_OK;
    if (!ys || !xs || !batch || !covered) {
        st = nn_error_set(err, NN_ERR_MEMORY, "out of memory for occlusion");
        goto done;
    }
    const int ny = window_starts(H, window, stride, ys), nx = window_starts(W, window, stride, xs);

    nn_model_forward(model, input, NULL, 1, 0);
    if (nn_model_cancelled(model)) {   /* the probabilities are half made: leave drop alone */
        st = nn_error_set(err, NN_ERR_CANCELLED, "cancelled");
        goto done;
    }
    const float *p0 = nn_model_probs(model);
    const int k = class_index >= 0 ? class_index : argmax(p0, K);
    const float plain = p0[k];
    memset(drop, 0, (size_t)H * W * sizeof(float));

    for (int first = 0; first < ny * nx; first += max_batch) {
        const int n = ny * nx - first < max_batch ? ny * nx - first : max_batch;
        for (int j = 0; j < n; j++) {
            const int y0 = ys[(first + j) / nx], x0 = xs[(first + j) % nx];
            float *copy = batch + (size_t)j * image;
            memcpy(copy, input, image * sizeof(float));
            for (int y = y0; y < y0 + window; y++)
                for (int x = x0; x < x0 + window; x++)
                    memcpy(copy + ((size_t)y * W + x) * C, fill, (size_t)C * sizeof(float));
        }
        nn_model_forward(model, batch, NULL, n, 0);
        if (nn_model_cancelled(model)) {
            st = nn_error_set(err, NN_ERR_CANCELLED, "cancelled");
            goto done;
        }
        const float *probs = nn_model_probs(model);
        for (int j = 0; j < n; j++) {
            const int y0 = ys[(first + j) / nx], x0 = xs[(first + j) % nx];
            const float d = plain - probs[(size_t)j * K + k];
            for (int y = y0; y < y0 + window; y++)
                for (int x = x0; x < x0 + window; x++) {
                    drop[y * W + x] += d;
                    covered[y * W + x] += 1.0f;
                }
        }
    }
    for (int i = 0; i < H * W; i++)
        drop[i] /= covered[i];   /* every pixel is covered at least once */
    if (base)
        *base = plain;
    if (used)
        *used = k;

done:
    free(ys);
    free(xs);
    free(batch);
    free(covered);
    return st;
}
