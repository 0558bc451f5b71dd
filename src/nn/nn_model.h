/* nn_model: a network built from an nn_spec for a fixed input shape (H,W,C) and a
 * largest batch. Data layout is NHWC (channels last) everywhere: a convolution is then
 * one im2col + one GEMM over the whole batch, and its output is already the next
 * layer's input. Parameters, gradients and activations each live in one flat buffer;
 * named tensors point into them (llm.c style), so an optimizer is one loop and a
 * checkpoint is one write.
 *
 * Parameter tensor layouts (PyTorch layouts in brackets, for the parity tests):
 *   conv weight (OC, K, K, C)      [torch (OC, C, K, K)  -> permute(0,2,3,1)]
 *   conv bias   (OC)
 *   dense weight (OUT, IN)         [torch (OUT, IN); IN is flattened in H,W,C order for
 *                                   the first dense layer, torch flattens C,H,W]
 *   dense bias  (OUT)
 * Initialisation matches PyTorch's defaults: weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
 * (Kaiming-uniform with a=sqrt(5)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn in
 * tensor order from nn_rng seeded with `seed`.
 *
 * Memory: the activation buffer keeps what backward reads (each layer's input, dropout
 * masks, pooling argmax); backward's gradients share one buffer sized for the largest
 * (output + input) pair, and a convolution followed by pooling keeps its output only
 * through the forward. nn_model_estimate reports these sizes exactly (it and
 * nn_model_create share one plan): the paper network at 384x384x3, batch 64, needs
 * 5.1 GiB with Adam, 5.0 GiB of it activations. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "nn_conv2d.h"
#include "nn_error.h"
#include "nn_spec.h"
#include "nn_optim.h"

typedef struct nn_model nn_model;

typedef struct {
    char name[32];        /* "conv1.weight", "fc2.bias", ... (1-based per kind) */
    size_t offset;        /* into the flat parameter (and gradient) buffer */
    size_t size;          /* number of floats */
    int ndim;
    int shape[4];
} nn_tensor_info;

typedef struct {
    size_t num_parameters;
    size_t parameter_bytes;   /* weights */
    size_t gradient_bytes;    /* same size as weights */
    size_t optimizer_bytes;   /* Adam m,v or SGD momentum */
    size_t activation_bytes;  /* everything kept for backward at max_batch */
    size_t scratch_bytes;     /* im2col buffers and friends */
    size_t total_bytes;
    long long flops_forward;  /* multiply-adds * 2 for one image's forward pass */
} nn_memory_estimate;

/* How much a config needs, without allocating it. Fails with NN_ERR_SPEC when the spec
 * does not fit the input (e.g. too many poolings for the size). */
nn_status nn_model_estimate(const nn_spec *spec, int height, int width, int channels,
                            int max_batch, nn_optimizer_kind optimizer,
                            nn_memory_estimate *estimate, nn_error *err);

/* Builds and initialises a model. memory_limit (bytes, 0 = none) is checked against
 * nn_model_estimate() for the given optimizer before anything is allocated; over it the
 * error says how many bytes the config needs and what the limit is (NN_ERR_MEMORY). */
nn_status nn_model_create(nn_model **out, const nn_spec *spec, int height, int width,
                          int channels, int max_batch, uint64_t seed,
                          size_t memory_limit, nn_optimizer_kind optimizer, nn_error *err);
void nn_model_free(nn_model *model);

/* How the model's convolutions are computed. The plan records one algorithm per
 * convolution; by default (NN_CONV_ALGO_AUTO) nn_conv2d_algo_for's rule picks it per
 * layer: Winograd F(4x4) for 3x3 kernels with enough channels, im2col for the rest (the
 * RGB input layer, other kernel sizes). IM2COL, WINOGRAD2 or WINOGRAD4 run every 3x3
 * convolution that way instead (other sizes stay im2col): for benchmarks of one path
 * against another, and for runs that must follow PyTorch's float32 rounding closely
 * (im2col sums like torch's direct convolution). Call it between passes, not during
 * one. The scratch is re-sized for the new algorithms (nn_model_allocated_bytes follows;
 * nn_model_estimate describes AUTO). Fails with NN_ERR_ARG for an unknown value and
 * NN_ERR_MEMORY when the scratch cannot grow; the model is then unchanged. */
nn_status nn_model_set_conv_algorithm(nn_model *model, nn_conv_algo algo, nn_error *err);
nn_conv_algo nn_model_conv_algorithm(const nn_model *model);
/* The algorithm convolution layer `index` runs (never AUTO); AUTO for any other layer. */
nn_conv_algo nn_model_layer_conv_algorithm(const nn_model *model, int index);

const nn_spec *nn_model_spec(const nn_model *model);
void nn_model_input_shape(const nn_model *model, int *height, int *width, int *channels);
int nn_model_max_batch(const nn_model *model);
int nn_model_num_classes(const nn_model *model);
size_t nn_model_num_parameters(const nn_model *model);
int nn_model_num_tensors(const nn_model *model);
const nn_tensor_info *nn_model_tensor(const nn_model *model, int index);

float *nn_model_params(nn_model *model);           /* (num_parameters) */
float *nn_model_grads(nn_model *model);            /* (num_parameters) */

/* Forward pass over B <= max_batch images. input is (B,H,W,C) float. labels (B) may be
 * NULL (then the loss is not computed and 0 is returned). training=1 applies dropout
 * with fresh masks drawn from the model's dropout RNG; training=0 is evaluation.
 * Returns the mean cross-entropy over the batch (torch's reduction='mean'), or NaN
 * (computing nothing) when B is not in [1, max_batch] or a label is not in [0, classes). */
float nn_model_forward(nn_model *model, const float *input, const int *labels, int B,
                       int training);

/* Softmax probabilities of the last forward pass: (B, num_classes). */
const float *nn_model_probs(const nn_model *model);

/* Backward pass of the last forward (which must have had labels); ADDS into the
 * gradient buffer (call nn_model_zero_grad first). */
void nn_model_backward(nn_model *model);
void nn_model_zero_grad(nn_model *model);

/* Backward of the last forward (labels or not) from given gradients of the logits,
 * dlogits (B, num_classes), instead of the loss's, down to layer `layer`'s output only:
 * dout (B, h, w, c with nn_model_layer_shape) receives d(sum of dlogits * logits)/d(the
 * layer's output after its ReLU). With a one-hot dlogits that is the gradient of one
 * class's score, what Grad-CAM weighs a convolution's channels with (nn_gradcam.h). The
 * layers above add into their parameter gradients, as backward does. A convolution
 * followed by pooling keeps its output only until this runs (nn_model_layer_output):
 * copy it first. Fails with NN_ERR_ARG before any forward, for the last layer or one
 * below which nothing has parameters (no gradient is computed there), or when cancelled. */
nn_status nn_model_backward_logits(nn_model *model, const float *dlogits, int layer,
                                   float *dout, nn_error *err);

/* Cancellation without giving up whole-batch GEMMs: forward and backward read *flag
 * (may be NULL; another thread sets it non-zero) between layers and stop early when it
 * is set. nn_model_cancelled() then says the last forward/backward stopped: its loss
 * (NaN), probabilities and gradients are partial and must be thrown away. On the paper
 * network at 64x64, batch 64, one layer takes < 50 ms, so a cancel lands well within
 * the 200 ms the app promises. */
void nn_model_set_cancel_flag(nn_model *model, const int *flag);
int nn_model_cancelled(const nn_model *model);

/* Dropout: the keep mask (0 or 1/(1-rate)) of dropout layer `index` (0-based among
 * dropout layers) from the last training forward, shape (B, features); for the
 * parity tests.
 * A training forward draws layer i's mask with seed nn_rng_mix(dropout_seed, counter, i)
 * (nn_dropout_forward), where counter counts training forwards since the dropout seed was
 * set: 0 for the first. The dropout seed starts as the model's seed; setting it restarts
 * the counter, so the same seed replays the same masks. Evaluation forwards (training=0)
 * are the identity and do not advance the counter. */
const float *nn_model_dropout_mask(const nn_model *model, int index);
int nn_model_num_dropout_layers(const nn_model *model);
uint64_t nn_model_dropout_seed(const nn_model *model);
void nn_model_set_dropout_seed(nn_model *model, uint64_t seed);
/* Training forwards since the dropout seed was set, and both at once: with the weights and
 * the optimizer state, what a checkpoint needs to resume the very same masks. */
uint64_t nn_model_dropout_counter(const nn_model *model);
void nn_model_set_dropout_state(nn_model *model, uint64_t seed, uint64_t counter);

/* Injects a mask for dropout layer `index`: every training forward then uses it instead
 * of drawing one (copied in at each forward, so it must hold B*features floats of
 * 0 or 1/(1-rate), or any values: out = inp * mask), until mask is set to NULL again.
 * For the parity tests (torch's masks) and a gradient check through a fixed mask.
 * The caller keeps the memory alive while it is set. */
void nn_model_set_dropout_mask(nn_model *model, int index, const float *mask);

/* Per-layer timings (seconds, accumulated since the last reset) for the benchmarks'
 * breakdown. name is e.g. "conv3 64->128 32x32". */
int nn_model_num_layers(const nn_model *model);
const char *nn_model_layer_name(const nn_model *model, int index);
void nn_model_layer_times(const nn_model *model, int index, double *forward_s,
                          double *backward_s);
void nn_model_reset_layer_times(nn_model *model);

/* Output of layer `index` in the last forward, (B, h, w, c) with the shape below (after
 * its ReLU; a dropout layer in evaluation returns its input). For parity tests of
 * intermediate activations and for the gradient check, which must know where the ReLUs
 * and poolings switch. Valid until the next forward. A convolution followed by pooling
 * is the exception: backward does not need its output, so it lives in the gradient
 * buffer, where the next such convolution and then backward overwrite it; from then on
 * this returns NULL (the pooling layer's output and argmax keep what backward needs:
 * the winners, and their ReLU states as the pooled values' signs). */
const float *nn_model_layer_output(const nn_model *model, int index);

/* The winners of pooling layer `index` in the last forward, (B, h, w, c) like its output:
 * for each output the offset of the input it took, into the layer's input (B, H, W, C).
 * NULL for another kind of layer or before a forward. Valid until the next forward. For
 * the gradient check and the parity tests (torch follows LR Lab where two inputs of a
 * window are equal up to rounding). */
const int *nn_model_pool_argmax(const nn_model *model, int index);

/* Output shape of layer `index` for one image (a dense layer gives 1x1xN). */
void nn_model_layer_shape(const nn_model *model, int index, int *height, int *width,
                          int *channels);

/* Bytes this model allocated (parameters, gradients, activations, scratch): equal to the
 * estimate's total minus its optimizer_bytes, which the optimizer allocates. */
size_t nn_model_allocated_bytes(const nn_model *model);
