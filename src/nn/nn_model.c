/* nn_model: turns an nn_spec into a network for one input shape and runs it: one flat
 * buffer each for parameters, gradients and activations (llm.c), a plan computed once
 * that both the memory estimate and the allocation read (so the estimate is exact), and
 * a forward/backward that is a loop over small per-layer records calling the kernels. */
#define _POSIX_C_SOURCE 200809L
#include "nn_model.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn_conv2d.h"
#include "nn_dense.h"
#include "nn_dropout.h"
#include "nn_maxpool.h"
#include "nn_relu.h"
#include "nn_rng.h"
#include "nn_softmax_xent.h"

/* Input sides and batch sizes beyond these are user errors, and keeping below them keeps
 * every per-image size well inside the int the kernels take. */
#define MODEL_MAX_SIDE 16384
#define MODEL_MAX_CHANNELS 4096
#define MODEL_MAX_BATCH 65536

typedef struct {
    nn_spec_layer spec;
    char name[64];            /* "conv3 64->128 32x32" */
    int h, w, c;              /* input of one image */
    int oh, ow, oc;           /* output of one image */
    size_t in_size, out_size; /* floats per image */
    int relu;                 /* conv and hidden dense: ReLU in place on the output */
    int dropout_index;        /* 0-based among dropout layers, else -1 */
    int weight_tensor;        /* index into tensors (bias is the next one), else -1 */
    int needs_dinp;           /* some earlier layer has parameters */
    size_t out_off;           /* floats into acts: output (B, out_size) */
    int out_transient;        /* conv before a pool: output lives in dacts (see plan) */
    int relu_below;           /* pool after a conv: apply the conv's ReLU mask here */
    size_t aux_off;           /* floats into acts: dropout mask or pool argmax (ints) */
    long long flops;          /* forward, one image */
    /* Per forward: */
    const float *inp;         /* what this layer read */
    const float *out;         /* what the next layer reads (dropout in evaluation: inp) */
    int applied;              /* dropout: a mask was applied in the last forward */
    double forward_s, backward_s;
} model_layer;

/* Everything the plan decides; the estimate reports it, create allocates it. */
typedef struct {
    int n_layers;
    model_layer layers[NN_SPEC_MAX_LAYERS];
    int n_tensors;
    nn_tensor_info tensors[2 * NN_SPEC_MAX_LAYERS];
    size_t num_parameters;
    size_t acts_floats;       /* input copy, outputs, masks, argmax, probs, losses, labels */
    size_t input_off, probs_off, losses_off, labels_off;
    size_t dacts_floats;      /* gradients in flight: one layer's output + input gradients */
    size_t scratch_floats;    /* one conv scratch shared by every conv (the largest) */
    long long flops_forward;
} model_plan;

struct nn_model {
    nn_spec spec;
    int height, width, channels, max_batch, num_classes;
    model_plan plan;
    float *params;            /* (num_parameters) */
    float *grads;             /* (num_parameters) */
    float *acts;              /* (acts_floats); int regions are carved from it too */
    float *dacts;             /* (dacts_floats) */
    float *scratch;           /* (scratch_floats) */
    int last_batch;           /* B of the last forward, 0 before the first */
    int have_labels;          /* the last forward had labels: backward may run */
    uint64_t dropout_seed;
    uint64_t forward_counter; /* training forwards since the dropout seed was set */
    const float *injected_mask[NN_SPEC_MAX_LAYERS]; /* per dropout layer, or NULL */
    model_layer *output_in_dacts; /* the transient output the gradient buffer holds */
    const int *cancel_flag;   /* read between layers; NULL: never cancelled */
    int cancelled;            /* the last forward or backward stopped early */
};

/* A relaxed atomic read: the flag is written by another thread (the UI's cancel), and
 * the worst a stale read costs is one more layer. */
static int cancel_requested(nn_model *m)
{
    if (m->cancel_flag && __atomic_load_n(m->cancel_flag, __ATOMIC_RELAXED)) {
        m->cancelled = 1;
        return 1;
    }
    return 0;
}

/* a*b, saturating: a config so large that its sizes overflow is then simply "too big". */
static size_t mul_sat(size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / a)
        return SIZE_MAX;
    return a * b;
}

static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static void format_token(const nn_spec_layer *l, char *buf, size_t n)
{
    nn_spec one;
    one.n_layers = 1;
    one.layers[0] = *l;
    nn_spec_format(&one, buf, n);
}

static void add_tensor(model_plan *p, const char *name, size_t d0, size_t d1, size_t d2,
                       size_t d3, int ndim)
{
    nn_tensor_info *t = &p->tensors[p->n_tensors++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    size_t dims[4] = { d0, d1, d2, d3 };
    t->ndim = ndim;
    t->size = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = (int)dims[i];
        t->size = mul_sat(t->size, dims[i]);
    }
    t->offset = p->num_parameters;
    p->num_parameters = add_sat(p->num_parameters, t->size);
}

/* Walks the spec over the input shape: every layer's shapes, tensors, buffer offsets and
 * FLOPs. Fails (NN_ERR_SPEC, naming the token) when the spec does not fit the input. */
static nn_status plan_model(model_plan *p, const nn_spec *spec, int H, int W, int C,
                            int B, nn_error *err)
{
    memset(p, 0, sizeof *p);
    if (!spec || spec->n_layers < 1 || spec->n_layers > NN_SPEC_MAX_LAYERS ||
        nn_spec_num_classes(spec) < 2)
        return nn_error_set(err, NN_ERR_SPEC, "the network spec is empty or does not end "
                                              "with a dense layer of at least 2 classes");
    if (H < 1 || W < 1 || H > MODEL_MAX_SIDE || W > MODEL_MAX_SIDE || C < 1 ||
        C > MODEL_MAX_CHANNELS)
        return nn_error_set(err, NN_ERR_ARG,
                            "input shape %dx%dx%d is out of range (sides 1 to %d, channels 1 "
                            "to %d)", H, W, C, MODEL_MAX_SIDE, MODEL_MAX_CHANNELS);
    if (B < 1 || B > MODEL_MAX_BATCH)
        return nn_error_set(err, NN_ERR_ARG, "batch size %d is out of range (1 to %d)", B,
                            MODEL_MAX_BATCH);

    int h = H, w = W, c = C;
    int n_conv = 0, n_pool = 0, n_dense = 0, n_drop = 0, seen_params = 0;
    size_t max_inflight = (size_t)nn_spec_num_classes(spec);
    size_t acts = 0;
    p->input_off = acts;
    acts = add_sat(acts, mul_sat((size_t)B, (size_t)H * W * C));

    for (int i = 0; i < spec->n_layers; i++) {
        model_layer *L = &p->layers[i];
        const nn_spec_layer *s = &spec->layers[i];
        char tok[32], tname[32];
        format_token(s, tok, sizeof tok);
        L->spec = *s;
        L->h = h, L->w = w, L->c = c;
        L->in_size = (size_t)h * w * c;
        L->dropout_index = -1;
        L->weight_tensor = -1;
        L->needs_dinp = seen_params;
        int last = i == spec->n_layers - 1;
        /* nn_spec_parse checks all this; a spec built by hand gets the same guard */
        if (((s->kind == NN_LAYER_CONV || s->kind == NN_LAYER_DENSE) && s->units < 1) ||
            (s->kind == NN_LAYER_CONV && (s->kernel < 1 || s->kernel % 2 == 0)) ||
            (s->kind == NN_LAYER_DROPOUT && !(s->rate >= 0.0f && s->rate < 1.0f)))
            return nn_error_set(err, NN_ERR_SPEC, "token %d '%s': invalid layer", i + 1, tok);
        switch (s->kind) {
        case NN_LAYER_CONV: {
            int K = s->kernel;
            n_conv++;
            L->oh = h, L->ow = w, L->oc = s->units;
            L->relu = 1;
            L->weight_tensor = p->n_tensors;
            snprintf(tname, sizeof tname, "conv%d.weight", n_conv);
            add_tensor(p, tname, (size_t)s->units, (size_t)K, (size_t)K, (size_t)c, 4);
            snprintf(tname, sizeof tname, "conv%d.bias", n_conv);
            add_tensor(p, tname, (size_t)s->units, 0, 0, 0, 1);
            L->flops = 2LL * h * w * s->units * K * K * c;
            snprintf(L->name, sizeof L->name, "conv%d %d->%d %dx%d", n_conv, c, s->units, h, w);
            size_t sc = nn_conv2d_scratch_floats(B, h, w, c, s->units, K);
            if (sc > p->scratch_floats)
                p->scratch_floats = sc;
            break;
        }
        case NN_LAYER_POOL:
            n_pool++;
            if (h / 2 < 1 || w / 2 < 1)
                return nn_error_set(err, NN_ERR_SPEC,
                                    "token %d '%s': the feature map shrinks below 1x1 here "
                                    "(%dx%d -> %dx%d) for a %dx%d input; remove a pooling layer "
                                    "or use a larger input",
                                    i + 1, tok, h, w, h / 2, w / 2, H, W);
            L->oh = h / 2, L->ow = w / 2, L->oc = c;
            snprintf(L->name, sizeof L->name, "pool%d %dx%d->%dx%d", n_pool, h, w, h / 2, w / 2);
            break;
        case NN_LAYER_DENSE: {
            size_t in = L->in_size;
            if (in > INT_MAX / 2 || mul_sat(in, (size_t)s->units) > (size_t)INT_MAX)
                return nn_error_set(err, NN_ERR_SPEC,
                                    "token %d '%s': this dense layer would have %zu x %d weights, "
                                    "too many; add pooling before it or use a smaller input",
                                    i + 1, tok, in, s->units);
            n_dense++;
            L->oh = 1, L->ow = 1, L->oc = s->units;
            L->relu = !last;
            L->weight_tensor = p->n_tensors;
            snprintf(tname, sizeof tname, "fc%d.weight", n_dense);
            add_tensor(p, tname, (size_t)s->units, in, 0, 0, 2);
            snprintf(tname, sizeof tname, "fc%d.bias", n_dense);
            add_tensor(p, tname, (size_t)s->units, 0, 0, 0, 1);
            L->flops = 2LL * (long long)in * s->units;
            snprintf(L->name, sizeof L->name, "fc%d %zu->%d", n_dense, in, s->units);
            break;
        }
        case NN_LAYER_DROPOUT:
            L->dropout_index = n_drop++;
            L->oh = h, L->ow = w, L->oc = c;
            snprintf(L->name, sizeof L->name, "dropout%d %g", n_drop, (double)s->rate);
            break;
        }
        h = L->oh, w = L->ow, c = L->oc;
        L->out_size = (size_t)h * w * c;
        /* backward holds this layer's output gradient and (unless nothing below has
         * parameters) its input gradient at the same time */
        size_t inflight = L->out_size + (L->needs_dinp ? L->in_size : 0);
        if (inflight > max_inflight)
            max_inflight = inflight;
        if (L->weight_tensor >= 0)
            seen_params = 1;

        /* A convolution followed by pooling needs its output only until the pool has
         * read it: backward scatters the pool's gradient to the window winners, and a
         * winner's ReLU state is the pooled value's sign, so the pool applies the mask
         * and the conv output can live in the gradient buffer, unused during forward
         * (2.3 GiB of the paper network's 8 at 384x384, batch 64, for conv1 alone).
         * The gradient buffer holds it: the pool's input gradient is as large. */
        int next_is_pool = !last && spec->layers[i + 1].kind == NN_LAYER_POOL;
        if (s->kind == NN_LAYER_CONV && next_is_pool) {
            L->out_transient = 1;
        } else {
            L->out_off = acts;
            acts = add_sat(acts, mul_sat((size_t)B, L->out_size));
        }
        L->relu_below = s->kind == NN_LAYER_POOL && i > 0 && p->layers[i - 1].out_transient;
        if (s->kind == NN_LAYER_DROPOUT || s->kind == NN_LAYER_POOL) {
            /* the dropout mask (floats) or the pool's argmax (ints, same size) */
            L->aux_off = acts;
            acts = add_sat(acts, mul_sat((size_t)B, L->out_size));
        }
        p->flops_forward += L->flops;
    }
    p->n_layers = spec->n_layers;

    int K = nn_spec_num_classes(spec);
    p->probs_off = acts;
    acts = add_sat(acts, mul_sat((size_t)B, (size_t)K));
    p->losses_off = acts;
    acts = add_sat(acts, (size_t)B);
    p->labels_off = acts; /* ints, sizeof(int) == sizeof(float) is asserted below */
    acts = add_sat(acts, (size_t)B);
    p->acts_floats = acts;
    p->dacts_floats = mul_sat((size_t)B, max_inflight);
    return NN_OK;
}

_Static_assert(sizeof(int) == sizeof(float), "int regions are carved from float buffers");

static void fill_estimate(const model_plan *p, nn_optimizer_kind optimizer,
                          nn_memory_estimate *e)
{
    memset(e, 0, sizeof *e);
    e->num_parameters = p->num_parameters;
    e->parameter_bytes = mul_sat(p->num_parameters, sizeof(float));
    e->gradient_bytes = e->parameter_bytes;
    e->optimizer_bytes = mul_sat(nn_optimizer_state_bytes(optimizer, 1), p->num_parameters);
    e->activation_bytes = mul_sat(add_sat(p->acts_floats, p->dacts_floats), sizeof(float));
    e->scratch_bytes = mul_sat(p->scratch_floats, sizeof(float));
    size_t t = add_sat(e->parameter_bytes, e->gradient_bytes);
    t = add_sat(t, e->optimizer_bytes);
    t = add_sat(t, e->activation_bytes);
    e->total_bytes = add_sat(t, e->scratch_bytes);
    e->flops_forward = p->flops_forward;
}

nn_status nn_model_estimate(const nn_spec *spec, int height, int width, int channels,
                            int max_batch, nn_optimizer_kind optimizer,
                            nn_memory_estimate *estimate, nn_error *err)
{
    nn_error_clear(err);
    model_plan *p = malloc(sizeof *p);
    if (!p)
        return nn_error_set(err, NN_ERR_MEMORY, "out of memory");
    nn_status st = plan_model(p, spec, height, width, channels, max_batch, err);
    if (st == NN_OK)
        fill_estimate(p, optimizer, estimate);
    free(p);
    return st;
}

/* "3.2 GiB": bytes as a person reads them. */
static void format_bytes(size_t bytes, char *buf, size_t n)
{
    static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double v = (double)bytes;
    int u = 0;
    while (v >= 1023.95 && u < 6) { /* so %.1f never prints "1024.0 MiB" */
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%zu bytes", bytes);
    else
        snprintf(buf, n, "%.1f %s", v, units[u]);
}

/* Weights drawn as PyTorch's defaults, tensor after tensor from one stream. */
static void init_params(nn_model *m, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (int l = 0; l < m->plan.n_layers; l++) {
        const model_layer *L = &m->plan.layers[l];
        if (L->weight_tensor < 0)
            continue;
        /* fan_in = C*K*K for a conv, IN for a dense layer: the weight's size per output */
        const nn_tensor_info *wt = &m->plan.tensors[L->weight_tensor];
        const nn_tensor_info *bt = &m->plan.tensors[L->weight_tensor + 1];
        float bound = (float)(1.0 / sqrt((double)(wt->size / (size_t)wt->shape[0])));
        for (size_t i = 0; i < wt->size; i++)
            m->params[wt->offset + i] = nn_rng_uniform_range(&rng, -bound, bound);
        for (size_t i = 0; i < bt->size; i++)
            m->params[bt->offset + i] = nn_rng_uniform_range(&rng, -bound, bound);
    }
}

nn_status nn_model_create(nn_model **out, const nn_spec *spec, int height, int width,
                          int channels, int max_batch, uint64_t seed,
                          size_t memory_limit, nn_optimizer_kind optimizer, nn_error *err)
{
    nn_error_clear(err);
    *out = NULL;
    nn_model *m = calloc(1, sizeof *m);
    if (!m)
        return nn_error_set(err, NN_ERR_MEMORY, "out of memory");
    nn_status st = plan_model(&m->plan, spec, height, width, channels, max_batch, err);
    if (st != NN_OK) {
        free(m);
        return st;
    }
    nn_memory_estimate e;
    fill_estimate(&m->plan, optimizer, &e);
    if (memory_limit > 0 && e.total_bytes > memory_limit) {
        char total[32], act[32], weights[32], limit[32];
        format_bytes(e.total_bytes, total, sizeof total);
        format_bytes(e.activation_bytes, act, sizeof act);
        format_bytes(add_sat(add_sat(e.parameter_bytes, e.gradient_bytes), e.optimizer_bytes),
                     weights, sizeof weights);
        format_bytes(memory_limit, limit, sizeof limit);
        free(m);
        return nn_error_set(err, NN_ERR_MEMORY,
                            "this network needs %s (activations %s at batch %d, weights with "
                            "gradients and optimizer state %s), over the limit of %s; use a "
                            "smaller batch, a smaller input or a smaller network",
                            total, act, max_batch, weights, limit);
    }
    if (e.total_bytes == SIZE_MAX) {
        free(m);
        return nn_error_set(err, NN_ERR_MEMORY, "this network is too large to allocate");
    }

    m->spec = *spec;
    m->height = height, m->width = width, m->channels = channels;
    m->max_batch = max_batch;
    m->num_classes = nn_spec_num_classes(spec);
    m->dropout_seed = seed;
    /* +1: malloc(0) may return NULL; a spec with no conv has no scratch */
    m->params = malloc(m->plan.num_parameters * sizeof(float) + 1);
    m->grads = calloc(m->plan.num_parameters + 1, sizeof(float));
    m->acts = calloc(m->plan.acts_floats + 1, sizeof(float));
    m->dacts = malloc(m->plan.dacts_floats * sizeof(float) + 1);
    m->scratch = malloc(m->plan.scratch_floats * sizeof(float) + 1);
    if (!m->params || !m->grads || !m->acts || !m->dacts || !m->scratch) {
        char total[32];
        format_bytes(e.total_bytes - e.optimizer_bytes, total, sizeof total);
        nn_model_free(m);
        return nn_error_set(err, NN_ERR_MEMORY,
                            "out of memory: this network needs %s at batch %d", total, max_batch);
    }
    init_params(m, seed);
    *out = m;
    return NN_OK;
}

void nn_model_free(nn_model *model)
{
    if (!model)
        return;
    free(model->params);
    free(model->grads);
    free(model->acts);
    free(model->dacts);
    free(model->scratch);
    free(model);
}

size_t nn_model_allocated_bytes(const nn_model *model)
{
    const model_plan *p = &model->plan;
    return (2 * p->num_parameters + p->acts_floats + p->dacts_floats + p->scratch_floats) *
           sizeof(float);
}

const nn_spec *nn_model_spec(const nn_model *model) { return &model->spec; }

void nn_model_input_shape(const nn_model *model, int *height, int *width, int *channels)
{
    if (height)
        *height = model->height;
    if (width)
        *width = model->width;
    if (channels)
        *channels = model->channels;
}

int nn_model_max_batch(const nn_model *model) { return model->max_batch; }
int nn_model_num_classes(const nn_model *model) { return model->num_classes; }
size_t nn_model_num_parameters(const nn_model *model) { return model->plan.num_parameters; }
int nn_model_num_tensors(const nn_model *model) { return model->plan.n_tensors; }

const nn_tensor_info *nn_model_tensor(const nn_model *model, int index)
{
    if (index < 0 || index >= model->plan.n_tensors)
        return NULL;
    return &model->plan.tensors[index];
}

float *nn_model_params(nn_model *model) { return model->params; }
float *nn_model_grads(nn_model *model) { return model->grads; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* out = inp * mask over n floats: a dropout with a mask the caller chose. */
static void apply_mask(float *out, const float *inp, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = inp[i] * mask[i];
}

float nn_model_forward(nn_model *model, const float *input, const int *labels, int B,
                       int training)
{
    nn_model *m = model;
    model_plan *p = &m->plan;
    const int K = m->num_classes;
    m->have_labels = 0;
    m->last_batch = 0;
    m->cancelled = 0;
    if (B < 1 || B > m->max_batch)
        return NAN;
    if (labels)
        for (int b = 0; b < B; b++)
            if (labels[b] < 0 || labels[b] >= K)
                return NAN;

    /* A copy, so the caller may reuse its batch buffer before backward. */
    float *x = m->acts + p->input_off;
    memcpy(x, input, (size_t)B * p->layers[0].in_size * sizeof(float));
    const float *cur = x;
    for (int l = 0; l < p->n_layers; l++) {
        model_layer *L = &p->layers[l];
        if (cancel_requested(m))
            return NAN;
        double t0 = now_s();
        float *out = L->out_transient ? m->dacts : m->acts + L->out_off;
        size_t n_out = (size_t)B * L->out_size;
        if (L->out_transient) {
            /* it overwrites the last transient output: that one is gone */
            if (m->output_in_dacts)
                m->output_in_dacts->out = NULL;
            m->output_in_dacts = L;
        }
        L->inp = cur;
        L->out = out;
        switch (L->spec.kind) {
        case NN_LAYER_CONV: {
            const nn_tensor_info *wt = &p->tensors[L->weight_tensor];
            /* the conv's ReLU is applied while each chunk of its output is in cache */
            nn_conv2d_forward_relu(out, cur, m->params + wt->offset, m->params + wt[1].offset,
                                   m->scratch, B, L->h, L->w, L->c, L->oc, L->spec.kernel);
            break;
        }
        case NN_LAYER_POOL:
            nn_maxpool_forward(out, (int *)(m->acts + L->aux_off), cur, B, L->h, L->w, L->c);
            break;
        case NN_LAYER_DENSE: {
            const nn_tensor_info *wt = &p->tensors[L->weight_tensor];
            nn_dense_forward(out, cur, m->params + wt->offset, m->params + wt[1].offset, B,
                             (int)L->in_size, L->oc);
            break;
        }
        case NN_LAYER_DROPOUT: {
            float *mask = m->acts + L->aux_off;
            const float *inject = m->injected_mask[L->dropout_index];
            L->applied = training;
            if (!training) {
                L->out = cur; /* evaluation: the identity, no copy */
            } else if (inject) {
                memcpy(mask, inject, n_out * sizeof(float));
                apply_mask(out, cur, mask, n_out);
            } else {
                uint64_t seed = nn_rng_mix(m->dropout_seed, m->forward_counter,
                                           (uint64_t)L->dropout_index);
                nn_dropout_forward(out, mask, cur, n_out, L->spec.rate, seed);
            }
            break;
        }
        }
        if (L->relu && L->spec.kind != NN_LAYER_CONV)
            nn_relu_forward(out, out, n_out);
        cur = L->out;
        L->forward_s += now_s() - t0;
    }
    if (training)
        m->forward_counter++;

    /* cur is the last dense layer's output: the logits (B, K) */
    model_layer *last = &p->layers[p->n_layers - 1];
    double t0 = now_s();
    float loss = nn_softmax_xent_forward(m->acts + p->probs_off, m->acts + p->losses_off, cur,
                                         labels, B, K);
    last->forward_s += now_s() - t0;
    m->last_batch = B;
    if (labels) {
        memcpy(m->acts + p->labels_off, labels, (size_t)B * sizeof(int));
        m->have_labels = 1;
    }
    return labels ? loss : 0.0f;
}

const float *nn_model_probs(const nn_model *model)
{
    return model->acts + model->plan.probs_off;
}

/* d (n) = d * (out > 0), in place. nn_relu_backward accumulates into a separate dinp;
 * doing it in place here saves an activation-sized gradient buffer, which for the first
 * convolution of the paper network at 384x384, batch 64, is 2.3 GiB. */
static void relu_backward_inplace(float *d, const float *out, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        d[i] = out[i] > 0.0f ? d[i] : 0.0f;
}

void nn_model_backward(nn_model *model)
{
    nn_model *m = model;
    model_plan *p = &m->plan;
    const int B = m->last_batch;
    m->cancelled = 0;
    if (!m->have_labels || B < 1)
        return;
    if (m->output_in_dacts) { /* the gradients overwrite it */
        m->output_in_dacts->out = NULL;
        m->output_in_dacts = NULL;
    }
    /* The gradients in flight share one buffer: a layer reads its output gradient from
     * one end and accumulates its input gradient at the other end, which the next layer
     * down then reads; the ends alternate. The plan sized the buffer for the largest
     * (output + input) gradient pair, so the two never overlap. */
    float *dbuf = m->dacts;
    const size_t dsize = p->dacts_floats;
    float *dout = dbuf;
    int dout_at_start = 1;

    model_layer *last = &p->layers[p->n_layers - 1];
    double t0 = now_s();
    memset(dout, 0, (size_t)B * m->num_classes * sizeof(float));
    nn_softmax_xent_backward(dout, m->acts + p->probs_off, (const int *)(m->acts + p->labels_off),
                             B, m->num_classes);
    last->backward_s += now_s() - t0;

    for (int l = p->n_layers - 1; l >= 0; l--) {
        model_layer *L = &p->layers[l];
        if (L->weight_tensor < 0 && !L->needs_dinp)
            break; /* nothing at or below this layer has parameters */
        if (L->spec.kind == NN_LAYER_DROPOUT && !L->applied)
            continue; /* evaluation forward: the identity passes the gradient through */
        if (cancel_requested(m))
            return; /* the gradients are partial: the caller must not step */
        t0 = now_s();
        size_t n_in = (size_t)B * L->in_size, n_out = (size_t)B * L->out_size;
        /* the ReLU of a conv whose output was transient was applied by the pool above */
        if ((L->relu && !L->out_transient) || L->relu_below)
            relu_backward_inplace(dout, L->out, n_out);
        float *dinp = NULL;
        if (L->needs_dinp) {
            dinp = dout_at_start ? dbuf + dsize - n_in : dbuf;
            memset(dinp, 0, n_in * sizeof(float));
        }
        switch (L->spec.kind) {
        case NN_LAYER_CONV: {
            const nn_tensor_info *wt = &p->tensors[L->weight_tensor];
            nn_conv2d_backward(dinp, m->grads + wt->offset, m->grads + wt[1].offset, dout,
                               L->inp, m->params + wt->offset, m->scratch, B, L->h, L->w,
                               L->c, L->oc, L->spec.kernel);
            break;
        }
        case NN_LAYER_POOL:
            nn_maxpool_backward(dinp, dout, (const int *)(m->acts + L->aux_off), B, L->h, L->w,
                                L->c);
            break;
        case NN_LAYER_DENSE: {
            const nn_tensor_info *wt = &p->tensors[L->weight_tensor];
            nn_dense_backward(dinp, m->grads + wt->offset, m->grads + wt[1].offset, dout, L->inp,
                              m->params + wt->offset, B, (int)L->in_size, L->oc);
            break;
        }
        case NN_LAYER_DROPOUT:
            nn_dropout_backward(dinp, dout, m->acts + L->aux_off, n_out);
            break;
        }
        L->backward_s += now_s() - t0;
        if (!dinp)
            break;
        dout = dinp;
        dout_at_start = !dout_at_start;
    }
}

void nn_model_set_cancel_flag(nn_model *model, const int *flag)
{
    model->cancel_flag = flag;
}

int nn_model_cancelled(const nn_model *model)
{
    return model->cancelled;
}

void nn_model_zero_grad(nn_model *model)
{
    memset(model->grads, 0, model->plan.num_parameters * sizeof(float));
}

static const model_layer *dropout_layer(const nn_model *model, int index)
{
    for (int l = 0; l < model->plan.n_layers; l++)
        if (model->plan.layers[l].dropout_index == index && index >= 0)
            return &model->plan.layers[l];
    return NULL;
}

const float *nn_model_dropout_mask(const nn_model *model, int index)
{
    const model_layer *L = dropout_layer(model, index);
    return L ? model->acts + L->aux_off : NULL;
}

void nn_model_set_dropout_mask(nn_model *model, int index, const float *mask)
{
    if (dropout_layer(model, index))
        model->injected_mask[index] = mask;
}

int nn_model_num_dropout_layers(const nn_model *model)
{
    int n = 0;
    for (int l = 0; l < model->plan.n_layers; l++)
        n += model->plan.layers[l].dropout_index >= 0;
    return n;
}

uint64_t nn_model_dropout_seed(const nn_model *model) { return model->dropout_seed; }

void nn_model_set_dropout_seed(nn_model *model, uint64_t seed)
{
    model->dropout_seed = seed;
    model->forward_counter = 0;
}

int nn_model_num_layers(const nn_model *model) { return model->plan.n_layers; }

const char *nn_model_layer_name(const nn_model *model, int index)
{
    if (index < 0 || index >= model->plan.n_layers)
        return NULL;
    return model->plan.layers[index].name;
}

const float *nn_model_layer_output(const nn_model *model, int index)
{
    if (index < 0 || index >= model->plan.n_layers || model->last_batch == 0)
        return NULL;
    return model->plan.layers[index].out;
}

const int *nn_model_pool_argmax(const nn_model *model, int index)
{
    if (index < 0 || index >= model->plan.n_layers || model->last_batch == 0 ||
        model->plan.layers[index].spec.kind != NN_LAYER_POOL)
        return NULL;
    return (const int *)(model->acts + model->plan.layers[index].aux_off);
}

void nn_model_layer_shape(const nn_model *model, int index, int *height, int *width,
                          int *channels)
{
    int bad = index < 0 || index >= model->plan.n_layers;
    const model_layer *L = &model->plan.layers[bad ? 0 : index];
    *height = bad ? 0 : L->oh, *width = bad ? 0 : L->ow, *channels = bad ? 0 : L->oc;
}

void nn_model_layer_times(const nn_model *model, int index, double *forward_s,
                          double *backward_s)
{
    int bad = index < 0 || index >= model->plan.n_layers;
    const model_layer *L = &model->plan.layers[bad ? 0 : index];
    if (forward_s)
        *forward_s = bad ? 0.0 : L->forward_s;
    if (backward_s)
        *backward_s = bad ? 0.0 : L->backward_s;
}

void nn_model_reset_layer_times(nn_model *model)
{
    for (int l = 0; l < model->plan.n_layers; l++)
        model->plan.layers[l].forward_s = model->plan.layers[l].backward_s = 0.0;
}
