/* nn_model: turns an nn_spec into a network for one input shape and runs it: one flat
 * buffer each for parameters, gradients and activations (llm.c), a plan computed once
 * that both the memory estimate and the allocation read (so the estimate is exact), and
 * a forward/backward that is a loop over the layers calling their kind's functions
 * (nn_layer.h; each kind in its own nn_layer_<kind>.c). */
#define _POSIX_C_SOURCE 200809L
#include "nn_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn_layer.h"
#include "nn_rng.h"
#include "nn_softmax_xent.h"

/* Input sides and batch sizes beyond these are user errors, and keeping below them keeps
 * every per-image size well inside the int the kernels take. */
#define MODEL_MAX_SIDE 16384
#define MODEL_MAX_CHANNELS 4096
#define MODEL_MAX_BATCH 65536

/* Everything the plan decides; the estimate reports it, create allocates it. */
typedef struct {
    int n_layers;
    nn_layer layers[NN_SPEC_MAX_LAYERS];
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
    nn_conv_algo conv_algo;   /* the caller's choice; each conv's is in the plan */
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
    nn_layer *output_in_dacts; /* the transient output the gradient buffer holds */
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

static void add_tensor(model_plan *p, const char *name, const int *dims, int ndim)
{
    nn_tensor_info *t = &p->tensors[p->n_tensors++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->size = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = dims[i];
        t->size = mul_sat(t->size, (size_t)dims[i]);
    }
    t->offset = p->num_parameters;
    p->num_parameters = add_sat(p->num_parameters, t->size);
}

/* A layer's weight and bias tensors, named after its kind and ordinal ("conv3.weight"). */
static void add_layer_tensors(model_plan *p, nn_layer *L)
{
    char name[32];
    L->weight_tensor = p->n_tensors;
    snprintf(name, sizeof name, "%s%d.weight", L->ops->tensor_prefix, L->ordinal);
    add_tensor(p, name, L->weight_shape, L->weight_ndim);
    snprintf(name, sizeof name, "%s%d.bias", L->ops->tensor_prefix, L->ordinal);
    add_tensor(p, name, &L->oc, 1);
    L->weight_off = p->tensors[L->weight_tensor].offset;
    L->bias_off = p->tensors[L->weight_tensor + 1].offset;
}

/* Walks the spec over the input shape: every layer's shapes, tensors, buffer offsets,
 * FLOPs and convolution algorithm (conv_algo: the caller's choice, AUTO the rule). Fails
 * (NN_ERR_SPEC, naming the token) when the spec does not fit the input. */
static nn_status plan_model(model_plan *p, const nn_spec *spec, int H, int W, int C,
                            int B, nn_conv_algo conv_algo, nn_error *err)
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

    int h = H, w = W, c = C, seen_params = 0;
    size_t max_inflight = (size_t)nn_spec_num_classes(spec);
    size_t acts = 0;
    p->input_off = acts;
    acts = add_sat(acts, mul_sat((size_t)B, (size_t)H * W * C));

    for (int i = 0; i < spec->n_layers; i++) {
        nn_layer *L = &p->layers[i];
        const nn_spec_layer *s = &spec->layers[i];
        int last = i == spec->n_layers - 1;
        char tok[32];
        format_token(s, tok, sizeof tok);
        const nn_layer_plan_args args = { i + 1, tok, H, W, last, B, conv_algo };
        L->ops = nn_layer_ops_of(s->kind);
        if (!L->ops)
            return nn_layer_invalid(&args, err);
        L->spec = *s;
        L->ordinal = 1;
        for (int j = 0; j < i; j++)
            L->ordinal += p->layers[j].ops == L->ops;
        L->h = h, L->w = w, L->c = c;
        L->in_size = (size_t)h * w * c;
        L->dropout_index = -1;
        L->weight_tensor = -1;
        L->needs_dinp = seen_params;
        nn_status st = L->ops->plan(L, &args, err);
        if (st != NN_OK)
            return st;
        if (L->weight_ndim > 0) {
            add_layer_tensors(p, L);
            seen_params = 1;
        }
        if (L->scratch_floats > p->scratch_floats)
            p->scratch_floats = L->scratch_floats;   /* one scratch serves every conv */
        h = L->oh, w = L->ow, c = L->oc;
        L->out_size = (size_t)h * w * c;
        /* backward holds this layer's output gradient and (unless nothing below has
         * parameters) its input gradient at the same time */
        size_t inflight = L->out_size + (L->needs_dinp ? L->in_size : 0);
        if (inflight > max_inflight)
            max_inflight = inflight;

        /* A layer whose ReLU the next layer applies in backward (a convolution followed
         * by pooling) needs its output only until that layer has read it: backward
         * scatters the pool's gradient to the window winners, and a winner's ReLU state
         * is the pooled value's sign, so the conv output can live in the gradient
         * buffer, unused during forward (2.3 GiB of the paper network's 8 at 384x384,
         * batch 64, for conv1 alone). The gradient buffer holds it: the pool's input
         * gradient is as large. */
        const nn_layer_ops *next = last ? NULL : nn_layer_ops_of(spec->layers[i + 1].kind);
        if (L->relu && next && next->applies_relu_below) {
            L->out_transient = 1;
        } else {
            L->out_off = acts;
            acts = add_sat(acts, mul_sat((size_t)B, L->out_size));
        }
        L->relu_below = L->ops->applies_relu_below && i > 0 && p->layers[i - 1].out_transient;
        if (L->aux_size > 0) {
            /* the dropout mask (floats) or the pool's argmax (ints, as many) */
            L->aux_off = acts;
            acts = add_sat(acts, mul_sat((size_t)B, L->aux_size));
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
    nn_status st = plan_model(p, spec, height, width, channels, max_batch, NN_CONV_ALGO_AUTO,
                              err);
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
        const nn_layer *L = &m->plan.layers[l];
        if (L->ops->init)
            L->ops->init(L, m->params, &rng);
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
    nn_status st = plan_model(&m->plan, spec, height, width, channels, max_batch,
                              NN_CONV_ALGO_AUTO, err);
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

/* The model's buffers and settings as the layers' forward and backward see them. */
static nn_layer_pass layer_pass(const nn_model *m, int B, int training)
{
    nn_layer_pass pass = { m->params, m->grads, m->acts, m->scratch, B, training,
                           m->dropout_seed, m->forward_counter, m->injected_mask };
    return pass;
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
    const nn_layer_pass pass = layer_pass(m, B, training);
    const float *cur = x;
    for (int l = 0; l < p->n_layers; l++) {
        nn_layer *L = &p->layers[l];
        if (cancel_requested(m))
            return NAN;
        double t0 = now_s();
        float *out = L->out_transient ? m->dacts : m->acts + L->out_off;
        if (L->out_transient) {
            /* it overwrites the last transient output: that one is gone */
            if (m->output_in_dacts)
                m->output_in_dacts->out = NULL;
            m->output_in_dacts = L;
        }
        L->inp = cur;
        L->out = L->ops->forward(L, &pass, cur, out);
        cur = L->out;
        L->forward_s += now_s() - t0;
    }
    if (training)
        m->forward_counter++;

    /* cur is the last dense layer's output: the logits (B, K) */
    nn_layer *last = &p->layers[p->n_layers - 1];
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

/* The layers above `stop` (-1: all of them), from the gradient of the logits already in
 * the gradient buffer's start (B, num_classes). Returns where the gradient of layer
 * stop's output ended up (after its ReLU: the layer above does not apply stop's ReLU
 * mask), or NULL when cancelled or when nothing below needed it. */
static const float *backward_layers(nn_model *m, int B, int stop)
{
    model_plan *p = &m->plan;
    /* The gradients in flight share one buffer: a layer reads its output gradient from
     * one end and accumulates its input gradient at the other end, which the next layer
     * down then reads; the ends alternate. The plan sized the buffer for the largest
     * (output + input) gradient pair, so the two never overlap. */
    float *dbuf = m->dacts;
    const size_t dsize = p->dacts_floats;
    float *dout = dbuf;
    int dout_at_start = 1;

    const nn_layer_pass pass = layer_pass(m, B, 0);
    for (int l = p->n_layers - 1; l > stop; l--) {
        nn_layer *L = &p->layers[l];
        if (L->weight_tensor < 0 && !L->needs_dinp)
            break; /* nothing at or below this layer has parameters */
        if (L->out == L->inp)
            continue; /* it passed its input through (dropout in evaluation): the gradient too */
        if (cancel_requested(m))
            return NULL; /* the gradients are partial: the caller must not step */
        double t0 = now_s();
        size_t n_in = (size_t)B * L->in_size, n_out = (size_t)B * L->out_size;
        /* the ReLU of a layer whose output was transient is applied by the layer above,
         * except for the layer a caller stops at: it wants d/d(output after the ReLU) */
        if ((L->relu && !L->out_transient) || (L->relu_below && l - 1 != stop))
            relu_backward_inplace(dout, L->out, n_out);
        float *dinp = NULL;
        if (L->needs_dinp) {
            dinp = dout_at_start ? dbuf + dsize - n_in : dbuf;
            if (!L->ops->writes_dinp)
                memset(dinp, 0, n_in * sizeof(float));
        }
        L->ops->backward(L, &pass, dinp, dout);
        L->backward_s += now_s() - t0;
        if (!dinp)
            return NULL;
        dout = dinp;
        dout_at_start = !dout_at_start;
    }
    return dout;
}

/* The transient output the gradient buffer holds is about to be overwritten. */
static void drop_transient_output(nn_model *m)
{
    if (m->output_in_dacts) {
        m->output_in_dacts->out = NULL;
        m->output_in_dacts = NULL;
    }
}

void nn_model_backward(nn_model *model)
{
    nn_model *m = model;
    model_plan *p = &m->plan;
    const int B = m->last_batch;
    m->cancelled = 0;
    if (!m->have_labels || B < 1)
        return;
    drop_transient_output(m);

    nn_layer *last = &p->layers[p->n_layers - 1];
    double t0 = now_s();
    memset(m->dacts, 0, (size_t)B * m->num_classes * sizeof(float));
    nn_softmax_xent_backward(m->dacts, m->acts + p->probs_off,
                             (const int *)(m->acts + p->labels_off), B, m->num_classes);
    last->backward_s += now_s() - t0;
    backward_layers(m, B, -1);
}

nn_status nn_model_backward_logits(nn_model *model, const float *dlogits, int layer,
                                   float *dout, nn_error *err)
{
    nn_model *m = model;
    model_plan *p = &m->plan;
    const int B = m->last_batch;
    nn_error_clear(err);
    m->cancelled = 0;
    if (B < 1)
        return nn_error_set(err, NN_ERR_ARG, "backward without a forward pass");
    if (layer < 0 || layer >= p->n_layers - 1)
        return nn_error_set(err, NN_ERR_ARG, "layer %d has no layer above it to come back "
                            "from (the network has %d layers)", layer, p->n_layers);
    const nn_layer *L = &p->layers[layer];
    if (!p->layers[layer + 1].needs_dinp)
        return nn_error_set(err, NN_ERR_ARG, "no gradient reaches %s: nothing at or below it "
                            "has parameters", L->name);
    drop_transient_output(m);
    memcpy(m->dacts, dlogits, (size_t)B * m->num_classes * sizeof(float));
    const float *d = backward_layers(m, B, layer);
    if (d == NULL)
        return nn_error_set(err, NN_ERR_CANCELLED, "cancelled");
    memcpy(dout, d, (size_t)B * L->out_size * sizeof(float));
    return NN_OK;
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

static const nn_layer *dropout_layer(const nn_model *model, int index)
{
    for (int l = 0; l < model->plan.n_layers; l++)
        if (model->plan.layers[l].dropout_index == index && index >= 0)
            return &model->plan.layers[l];
    return NULL;
}

const float *nn_model_dropout_mask(const nn_model *model, int index)
{
    const nn_layer *L = dropout_layer(model, index);
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

uint64_t nn_model_dropout_counter(const nn_model *model) { return model->forward_counter; }

void nn_model_set_dropout_state(nn_model *model, uint64_t seed, uint64_t counter)
{
    model->dropout_seed = seed;
    model->forward_counter = counter;
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
        model->plan.layers[index].ops != &nn_layer_pool)
        return NULL;
    return (const int *)(model->acts + model->plan.layers[index].aux_off);
}

void nn_model_layer_shape(const nn_model *model, int index, int *height, int *width,
                          int *channels)
{
    int bad = index < 0 || index >= model->plan.n_layers;
    const nn_layer *L = &model->plan.layers[bad ? 0 : index];
    *height = bad ? 0 : L->oh, *width = bad ? 0 : L->ow, *channels = bad ? 0 : L->oc;
}

void nn_model_layer_times(const nn_model *model, int index, double *forward_s,
                          double *backward_s)
{
    int bad = index < 0 || index >= model->plan.n_layers;
    const nn_layer *L = &model->plan.layers[bad ? 0 : index];
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

nn_status nn_model_set_conv_algorithm(nn_model *model, nn_conv_algo algo, nn_error *err)
{
    nn_error_clear(err);
    if (algo < NN_CONV_ALGO_AUTO || algo > NN_CONV_ALGO_WINOGRAD4)
        return nn_error_set(err, NN_ERR_ARG, "unknown convolution algorithm %d", (int)algo);
    /* The same plan with another choice: only the algorithms and the scratch differ. */
    model_plan *p = malloc(sizeof *p);
    if (!p)
        return nn_error_set(err, NN_ERR_MEMORY, "out of memory");
    nn_status st = plan_model(p, &model->spec, model->height, model->width, model->channels,
                              model->max_batch, algo, err);
    if (st == NN_OK && p->scratch_floats != model->plan.scratch_floats) {
        float *scratch = realloc(model->scratch, p->scratch_floats * sizeof(float) + 1);
        if (scratch) {
            model->scratch = scratch;
            model->plan.scratch_floats = p->scratch_floats;
        } else {
            char need[32];
            format_bytes(p->scratch_floats * sizeof(float), need, sizeof need);
            st = nn_error_set(err, NN_ERR_MEMORY, "out of memory: the %s convolutions need "
                              "%s of scratch", nn_conv_algo_name(algo), need);
        }
    }
    if (st == NN_OK) {
        for (int l = 0; l < p->n_layers; l++) {
            model->plan.layers[l].conv_algo = p->layers[l].conv_algo;
            model->plan.layers[l].scratch_floats = p->layers[l].scratch_floats;
        }
        model->conv_algo = algo;
    }
    free(p);
    return st;
}

nn_conv_algo nn_model_conv_algorithm(const nn_model *model) { return model->conv_algo; }

nn_conv_algo nn_model_layer_conv_algorithm(const nn_model *model, int index)
{
    if (index < 0 || index >= model->plan.n_layers)
        return NN_CONV_ALGO_AUTO;
    return model->plan.layers[index].conv_algo;   /* AUTO for a layer that is no conv */
}
