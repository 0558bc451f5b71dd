/* train_predictor: a model file ready to apply to RGB images at its input size: the
 * network, its class names and the normalisation it was trained with, and the two things
 * one asks of it, every class's probability and where it looked (Grad-CAM, nn_gradcam.h).
 * lrlab-predict, the app's Mistakes page and the Grad-CAM benchmark go through it, so
 * they all normalise and batch the same way. */
#pragma once
#include <gio/gio.h>
#include "nn_model.h"
#include "train_model.h"

typedef struct {
    nn_model *model;
    TrainModelInfo info;   /* classes, normalisation, resize mode, epoch */
    int size;              /* input side (the model's images are size x size x 3) */
    int batch;             /* images per forward pass */
} TrainPredictor;

/* Loads the model file at path (train_model_load) for batches of up to batch images. A
 * file without a [model] description (LR Lab's first checkpoints) is refused: without its
 * normalisation its answers would be wrong. NULL with an error naming the file. */
TrainPredictor *train_predictor_new(const char *path, int batch, GError **error);
void train_predictor_free(TrainPredictor *predictor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainPredictor, train_predictor_free)

/* probs (n, classes) for images[i] (size, size, 3) RGB, in batches of predictor->batch
 * taken in order: the same images in the same batches as a run's validation give the
 * very numbers it recorded. */
void train_predictor_predict(TrainPredictor *predictor, const guint8 *const *images, int n,
                             float *probs);

/* Grad-CAM maps (n, size, size), 0..1, of images[i] for class classes[i] (the predicted
 * class when classes is NULL or classes[i] < 0); used (n, may be NULL) receives each map's
 * class, probs (n, classes; may be NULL) the probabilities. FALSE with an error for a
 * network without a convolution. */
gboolean train_predictor_gradcam(TrainPredictor *predictor, const guint8 *const *images, int n,
                                 const int *classes, float *maps, int *used, float *probs,
                                 GError **error);

/* The side of occlusion's square patch when none is asked for: an eighth of the image (at
 * least 2 pixels), about a defect's size on the built-in chips. */
int train_predictor_occlusion_window(const TrainPredictor *predictor);

/* Occlusion maps (n, size, size), 0..1, of images[i] for class classes[i] (the predicted
 * class when classes is NULL or classes[i] < 0): a window x window patch of the training
 * mean (window 0: train_predictor_occlusion_window) slides at stride window / 2, and each
 * pixel gets the mean fall of the class's probability over the patches covering it
 * (nn_occlusion), where positive, divided by the image's largest fall: 1 where hiding
 * costs the class most, 0 where hiding never costs it. Where Grad-CAM asks the last
 * convolution, this asks the whole network, one forward pass per patch (about
 * (2 size / window)^2 of them), so it is slow: images go one at a time, and cancellable
 * (may be NULL) stops it between two layers of a pass (G_IO_ERROR_CANCELLED). used (n, may be NULL)
 * receives each map's class. FALSE with an error for a bad class or window. */
gboolean train_predictor_occlusion(TrainPredictor *predictor, const guint8 *const *images,
                                   int n, const int *classes, int window, float *maps,
                                   int *used, GCancellable *cancellable, GError **error);
