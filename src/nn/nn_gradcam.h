/* nn_gradcam: where a trained network looks, as a map over its input. Grad-CAM
 * (Selvaraju et al. 2017) on the last convolution, and occlusion (Zeiler and Fergus 2014)
 * as a check that assumes nothing about the network's insides. Plain functions over an
 * nn_model in evaluation mode; the app overlays their maps on the chips and lrlab-predict
 * writes them as PNG. Maps are (H, W) like the input, row-major. */
#pragma once
#include "nn_error.h"
#include "nn_model.h"

/* The index (as nn_model_layer_name counts) of the last convolution, or -1 when the
 * network has none. */
int nn_gradcam_layer(const nn_model *model);

/* Grad-CAM's combination for one image, from the last convolution's output A and the
 * gradient of one class's score (its logit) with respect to it, dA, both (h, w, c):
 *   weight[k] = mean over (y, x) of dA(y, x, k)
 *   cam(y, x) = max(0, sum over k of weight[k] * A(y, x, k))       cam is (h, w) */
void nn_gradcam_combine(float *cam, const float *A, const float *dA, int h, int w, int c);

/* Bilinear resampling of src (h, w) to dst (H, W), pixel centres aligned (PyTorch's
 * interpolate(mode="bilinear", align_corners=False), OpenCV's resize): output pixel
 * (Y, X) reads src at ((Y + 0.5) * h / H - 0.5, (X + 0.5) * w / W - 0.5), clamped to the
 * border. */
void nn_upsample_bilinear(float *dst, int H, int W, const float *src, int h, int w);

/* Grad-CAM maps of B images, one class each: an evaluation forward of input (B, H, W, C),
 * normalised as in training, B <= the model's max batch; then for image b and class
 * k = classes[b] (its predicted class when classes is NULL or classes[b] < 0) the cam
 * above, upsampled to (H, W) and divided by its largest value, so maps (B, H, W) run
 * from 0 to 1 (all 0 when the class's evidence is nowhere positive). used (B, may be NULL)
 * receives each map's class. Afterwards nn_model_probs holds the forward's probabilities.
 * Adds into the gradients of the layers above the convolution (nn_model_backward_logits).
 * Fails with NN_ERR_ARG for a network without a convolution, a bad B or class,
 * NN_ERR_MEMORY, and NN_ERR_CANCELLED when the model's cancel flag is raised. */
nn_status nn_gradcam(nn_model *model, const float *input, int B, const int *classes,
                     float *maps, int *used, nn_error *err);

/* Occlusion for one image, input (H, W, C) normalised as in training: a window x window
 * square filled with fill (C values: the training mean, which normalisation makes 0)
 * steps over the image by stride max(1, window / 2), the last row and column of windows
 * flush with the border so every pixel is covered; each occluded copy's probability of
 * class k (the predicted class when class_index < 0) is subtracted from the plain
 * image's. drop (H, W) receives, per pixel, the mean drop over the windows covering it:
 * positive where hiding the pixels costs the class. base (may be NULL) receives the
 * plain image's probability of k, used (may be NULL) k. The copies run in batches of the
 * model's max batch. Fails with NN_ERR_ARG for a window outside 1..min(H, W) or a bad
 * class, NN_ERR_MEMORY, and NN_ERR_CANCELLED when the model's cancel flag is raised
 * (checked between layers: a 384-px image is seconds of forward passes); drop is then
 * partial and base and used are left alone. */
nn_status nn_occlusion(nn_model *model, const float *input, const float *fill, int window,
                       int class_index, float *drop, float *base, int *used, nn_error *err);
