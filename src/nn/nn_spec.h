/* nn_spec: the one-line network description a user types, e.g. the seed network
 *   c64-p-c64-p-c128-c128-p-c256-c256-p-c64-p-f512-d0.5-f2
 * and the named presets. Tokens (separated by '-'):
 *   cN     3x3 convolution with N filters, stride 1, "same" padding, then ReLU
 *   cNkK   the same with an odd KxK kernel (c32k5)
 *   p      2x2 max pooling, stride 2
 *   fN     dense layer with N units; ReLU after it unless it is the last layer
 *   dR     dropout with rate R in [0,1) (inverted; off in evaluation); R is a decimal,
 *          with an exponent if need be (d0.5, d.25, d1e-05)
 * The last token must be fN: N is the number of classes, followed by softmax +
 * cross-entropy. A flatten is implied before the first dense layer. */
#pragma once
#include <stddef.h>
#include "nn_error.h"

#define NN_SPEC_MAX_LAYERS 64
/* The longest canonical text and its NUL: 64 tokens of at most 15 characters
 * ("d1.40129846e-45", the longest rate; "c65536k31" is 9) and 63 '-'. */
#define NN_SPEC_MAX_TEXT 1024

typedef enum {
    NN_LAYER_CONV,
    NN_LAYER_POOL,
    NN_LAYER_DENSE,
    NN_LAYER_DROPOUT,
} nn_layer_kind;

typedef struct {
    nn_layer_kind kind;
    int units;      /* conv: filters; dense: units; else 0 */
    int kernel;     /* conv: odd kernel size; else 0 */
    float rate;     /* dropout: drop probability; else 0 */
} nn_spec_layer;

typedef struct {
    int n_layers;
    nn_spec_layer layers[NN_SPEC_MAX_LAYERS];
} nn_spec;

/* Parses a spec or a preset name ("paper", "small", "tiny"). On error names the
 * offending token and its position: "token 3 'q12': unknown layer ...". */
nn_status nn_spec_parse(nn_spec *spec, const char *text, nn_error *err);

/* The spec text of a preset, or NULL when name is not a preset. */
const char *nn_preset_spec(const char *name);

/* NULL-terminated list of preset names, for --help and the app's menu. */
const char *const *nn_preset_names(void);

/* Writes the canonical text of spec into buf (at most n bytes, NUL-terminated; n =
 * NN_SPEC_MAX_TEXT always suffices). Every spec parse accepts formats to a text that
 * parses back to the same layers, bit for bit. */
void nn_spec_format(const nn_spec *spec, char *buf, size_t n);

/* Sets every dropout layer's rate to `rate` (0 disables dropout: the "dropout off" toggle
 * keeps the layer list, and so the parameter layout, the same). */
void nn_spec_set_dropout(nn_spec *spec, float rate);

/* Number of classes (units of the last dense layer). */
int nn_spec_num_classes(const nn_spec *spec);
