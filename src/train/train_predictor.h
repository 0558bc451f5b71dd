/* train_predictor: a model file ready to apply to RGB images at its input size: the
 * network, its class names and the normalisation it was trained with, and the two things
 * one asks of it, every class's probability and where it looked (Grad-CAM, nn_gradcam.h).
 * lrlab-predict, the app's Mistakes page and the Grad-CAM benchmark go through it, so
 * they all normalise and batch the same way. */
#pragma once
#include <glib.h>
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
