/* nn_layer: one layer of a model as the plan lays it out, and the small table of
 * functions each kind of layer fills (darknet's idea without its giant struct), so that
 * nn_model's plan, initialisation, forward and backward are loops over the layers
 * calling their kind's entry, with no switch over kinds. Private to src/nn: nn_model.c
 * and one nn_layer_<kind>.c per kind. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "nn_conv2d.h"
#include "nn_error.h"
#include "nn_rng.h"
#include "nn_spec.h"

typedef struct nn_layer_ops nn_layer_ops;

/* One layer. Its kind's plan fills the shape-dependent middle; nn_model's plan the
 * buffer offsets around it; forward the part at the end. */
typedef struct {
    const nn_layer_ops *ops;
    nn_spec_layer spec;
    int ordinal;              /* 1-based among the layers of its kind: conv3, pool2, fc1 */
    int h, w, c;              /* input of one image */
    int needs_dinp;           /* some earlier layer has parameters */

    /* set by the kind's plan */
    char name[64];            /* "conv3 64->128 32x32" */
    int oh, ow, oc;           /* output of one image */
    int relu;                 /* ReLU on the output, applied by the kind's forward */
    int weight_ndim;          /* 0: no parameters; else the weight's shape (bias: (oc)) */
    int weight_shape[4];
    long long flops;          /* forward, one image */
    size_t aux_size;          /* floats per image of pool argmax (ints) or dropout mask */
    int dropout_index;        /* 0-based among dropout layers, else -1 */
    nn_conv_algo conv_algo;   /* conv: the algorithm it runs (never AUTO) */
    size_t scratch_floats;    /* conv: the scratch that algorithm needs at the max batch */

    /* set by nn_model's plan */
    size_t in_size, out_size; /* floats per image */
    int weight_tensor;        /* index into the model's tensors (bias is the next), or -1 */
    size_t weight_off, bias_off; /* floats into the parameter (and gradient) buffer */
    size_t out_off;           /* floats into acts: output (B, out_size) */
    int out_transient;        /* output lives in the gradient buffer (see the plan) */
    int relu_below;           /* backward applies the ReLU mask of the layer below */
    size_t aux_off;           /* floats into acts: (B, aux_size) */

    /* per forward */
    const float *inp;         /* what this layer read */
    const float *out;         /* what the next layer reads (its input for a layer that
                               * passed it through: dropout in evaluation) */
    double forward_s, backward_s;
} nn_layer;

/* What a kind's plan is told besides the layer's input shape. */
typedef struct {
    int index;                /* 1-based position of the token, for messages */
    const char *token;        /* "c64", for messages */
    int input_h, input_w;     /* the network's input, for messages */
    int last;                 /* the network's last layer */
    int max_batch;            /* for scratch sizes */
    nn_conv_algo conv_algo;   /* the model's choice for its convolutions */
} nn_layer_plan_args;

/* The model's buffers and the pass's settings, as a layer's forward and backward see
 * them. */
typedef struct {
    const float *params;      /* (num_parameters) */
    float *grads;             /* (num_parameters) */
    float *acts;              /* the activation buffer: aux regions at aux_off */
    float *scratch;           /* the convolutions' shared scratch */
    int B;                    /* images in this pass */
    int training;             /* forward: apply dropout */
    uint64_t dropout_seed;    /* forward: fresh masks from nn_rng_mix(seed, counter, index) */
    uint64_t forward_counter;
    const float *const *injected_mask; /* per dropout layer, or NULL */
} nn_layer_pass;

struct nn_layer_ops {
    const char *tensor_prefix;   /* "conv": tensors conv3.weight, conv3.bias; or NULL */
    /* Backward applies the ReLU mask of the layer below from its own output (a max-pool
     * can: a window winner's ReLU state is the pooled value's sign), so that layer's
     * output need not outlive the forward (see nn_model's plan). */
    int applies_relu_below;
    /* Backward writes every element of dinp instead of accumulating into it, so the
     * model need not clear dinp first (a max-pool's: its input gradient is the largest
     * the model writes, 67 MB on the seed net's first pool at 64x64, batch 64). */
    int writes_dinp;
    /* Checks the layer's spec and fills its part of L from its input shape (L->h, w, c);
     * fails with NN_ERR_SPEC and a message naming the token. */
    nn_status (*plan)(nn_layer *L, const nn_layer_plan_args *a, nn_error *err);
    /* Draws the layer's parameters (params at weight_off, bias_off); NULL: it has none. */
    void (*init)(const nn_layer *L, float *params, nn_rng *rng);
    /* inp (B, in_size) -> out (B, out_size), the ReLU included. Returns what the next
     * layer reads: out, or inp for a layer that passes its input through. */
    const float *(*forward)(nn_layer *L, const nn_layer_pass *p, const float *inp,
                            float *out);
    /* dout (B, out_size), already through the ReLU mask. ACCUMULATES into dinp (B,
     * in_size) (NULL when nothing below needs it; written instead when writes_dinp) and
     * into the layer's parameter gradients. */
    void (*backward)(const nn_layer *L, const nn_layer_pass *p, float *dinp,
                     const float *dout);
};

extern const nn_layer_ops nn_layer_conv;
extern const nn_layer_ops nn_layer_pool;
extern const nn_layer_ops nn_layer_dense;
extern const nn_layer_ops nn_layer_dropout;

/* The table of a spec's layer kind. */
const nn_layer_ops *nn_layer_ops_of(nn_layer_kind kind);

/* PyTorch's default initialisation, shared by the kinds with parameters: weight and
 * bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in the weight's size per output. */
void nn_layer_init_default(const nn_layer *L, float *params, nn_rng *rng);

/* The plan's error for a layer whose spec is out of range (nn_spec_parse checks it all;
 * a spec built by hand gets the same guard). */
nn_status nn_layer_invalid(const nn_layer_plan_args *a, nn_error *err);
