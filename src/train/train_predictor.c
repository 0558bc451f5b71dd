/* train_predictor: normalise, batch, forward (and Grad-CAM) over a loaded model file. */
#include "train_predictor.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "data_split.h"
#include "nn_gradcam.h"

TrainPredictor *train_predictor_new(const char *path, int batch, GError **error)
{
    g_return_val_if_fail(path != NULL && batch > 0, NULL);

    TrainPredictor *p = g_new0(TrainPredictor, 1);
    p->model = train_model_load(path, batch, &p->info, NULL, error);
    if (p->model == NULL) {
        g_free(p);
        return NULL;
    }
    int h, w, c;
    nn_model_input_shape(p->model, &h, &w, &c);
    if (!p->info.has_info || h != w || c != 3) {
        g_autofree char *shown = g_filename_display_name(path);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    !p->info.has_info
                        ? _("%s is a checkpoint of LR Lab's first version, which does not say "
                          "how its images were normalised or what its classes are; train the "
                          "run again to get a model file that can be used on new images")
                        : _("%s takes %dx%dx%d input, not square RGB images"), shown, h, w, c);
        train_predictor_free(p);
        return NULL;
    }
    p->size = h;
    p->batch = batch;
    return p;
}

void train_predictor_free(TrainPredictor *p)
{
    if (p == NULL)
        return;
    nn_model_free(p->model);
    train_model_info_clear(&p->info);
    g_free(p);
}

/* images[first .. first + n) normalised into x (n, size, size, 3). */
static void
normalise(const TrainPredictor *p, const guint8 *const *images, int first, int n, float *x)
{
    const int n_pixels = p->size * p->size;
    for (int i = 0; i < n; i++)
        data_normalize_image(x + (gsize) i * n_pixels * 3, images[first + i], n_pixels,
                             &p->info.norm);
}

void train_predictor_predict(TrainPredictor *p, const guint8 *const *images, int n, float *probs)
{
    g_return_if_fail(p != NULL && (n == 0 || (images != NULL && probs != NULL)));

    const int K = nn_model_num_classes(p->model);
    g_autofree float *x = g_new(float, (gsize) p->batch * p->size * p->size * 3);
    for (int first = 0; first < n; first += p->batch) {
        const int b = MIN(p->batch, n - first);
        normalise(p, images, first, b, x);
        nn_model_forward(p->model, x, NULL, b, 0);
        memcpy(probs + (gsize) first * K, nn_model_probs(p->model), sizeof(float) * b * K);
    }
}

gboolean train_predictor_gradcam(TrainPredictor *p, const guint8 *const *images, int n,
                                 const int *classes, float *maps, int *used, float *probs,
                                 GError **error)
{
    g_return_val_if_fail(p != NULL && (n == 0 || (images != NULL && maps != NULL)), FALSE);

    const int K = nn_model_num_classes(p->model);
    const gsize map = (gsize) p->size * p->size;
    g_autofree float *x = g_new(float, (gsize) p->batch * map * 3);
    for (int first = 0; first < n; first += p->batch) {
        const int b = MIN(p->batch, n - first);
        nn_error err;
        normalise(p, images, first, b, x);
        if (nn_gradcam(p->model, x, b, classes ? classes + first : NULL, maps + first * map,
                       used ? used + first : NULL, &err) != NN_OK) {
            g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, err.message);
            return FALSE;
        }
        if (probs)
            memcpy(probs + (gsize) first * K, nn_model_probs(p->model), sizeof(float) * b * K);
    }
    return TRUE;
}

int train_predictor_occlusion_window(const TrainPredictor *p)
{
    g_return_val_if_fail(p != NULL, 2);
    return MAX(p->size / 8, 2);
}

static void
raise_flag(GCancellable *cancellable, gpointer flag)
{
    g_atomic_int_set((gint *) flag, 1);
}

gboolean train_predictor_occlusion(TrainPredictor *p, const guint8 *const *images, int n,
                                   const int *classes, int window, float *maps, int *used,
                                   GCancellable *cancellable, GError **error)
{
    g_return_val_if_fail(p != NULL && (n == 0 || (images != NULL && maps != NULL)), FALSE);

    const gsize map = (gsize) p->size * p->size;
    const float fill[3] = { 0, 0, 0 };   /* the training mean, once normalised */
    g_autofree float *x = g_new(float, map * 3);
    gboolean ok = TRUE;
    /* A cancel also stops the chip under way, between two layers of a forward pass: at
     * 384 px one chip is seconds of them. */
    gint cancel = 0;
    gulong handler = cancellable ? g_cancellable_connect(cancellable, G_CALLBACK(raise_flag),
                                                         &cancel, NULL)
                                 : 0;
    nn_model_set_cancel_flag(p->model, &cancel);
    if (window <= 0)
        window = train_predictor_occlusion_window(p);
    for (int i = 0; i < n; i++) {
        float *drop = maps + i * map;
        float top = 0;
        nn_error err;
        if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
            ok = FALSE;
            break;
        }
        normalise(p, images, i, 1, x);
        if (nn_occlusion(p->model, x, fill, window, classes ? classes[i] : -1, drop, NULL,
                         used ? used + i : NULL, &err) != NN_OK) {
            if (!g_cancellable_set_error_if_cancelled(cancellable, error))
                g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, err.message);
            ok = FALSE;
            break;
        }
        for (gsize k = 0; k < map; k++)
            top = MAX(top, drop[k]);
        for (gsize k = 0; k < map; k++)
            drop[k] = top > 0 ? MAX(drop[k], 0) / top : 0;
    }
    nn_model_set_cancel_flag(p->model, NULL);
    if (handler)
        g_cancellable_disconnect(cancellable, handler);
    return ok;
}
