/* nn_optim: SGD and Adam over the model's one flat parameter buffer, with torch.optim
 * 1.13's exact order of float operations, so a run here and the same run in PyTorch
 * stay together step after step. The fast step fuses everything into one parallel loop;
 * the reference does torch's tensor ops one after another, whole array by whole array. */
#include "nn_optim.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

nn_optimizer_config nn_optimizer_config_default(nn_optimizer_kind kind)
{
    nn_optimizer_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.lr = 1e-3;
    c.momentum = kind == NN_OPTIMIZER_SGD ? 0.9 : 0.0;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = 1e-8;
    return c;
}

size_t nn_optimizer_state_bytes(nn_optimizer_kind kind, size_t num_parameters)
{
    /* SGD keeps its momentum buffer even at momentum 0, so the layout (and a checkpoint)
     * does not depend on a value the user may change between runs. */
    return (kind == NN_OPTIMIZER_ADAM ? 2 : 1) * num_parameters * sizeof(float);
}

nn_status nn_optimizer_init(nn_optimizer *opt, const nn_optimizer_config *config,
                            size_t num_parameters, nn_error *err)
{
    nn_error_clear(err);
    memset(opt, 0, sizeof *opt);
    if (config->kind != NN_OPTIMIZER_SGD && config->kind != NN_OPTIMIZER_ADAM)
        return nn_error_set(err, NN_ERR_ARG, "unknown optimizer kind %d", (int)config->kind);
    if (!(config->lr >= 0.0) || !(config->weight_decay >= 0.0) || !(config->momentum >= 0.0))
        return nn_error_set(err, NN_ERR_ARG,
                            "the learning rate, momentum and weight decay must be >= 0 "
                            "(got lr %g, momentum %g, weight decay %g)",
                            config->lr, config->momentum, config->weight_decay);
    if (config->kind == NN_OPTIMIZER_ADAM &&
        !(config->beta1 >= 0.0 && config->beta1 < 1.0 && config->beta2 >= 0.0 &&
          config->beta2 < 1.0 && config->eps >= 0.0))
        return nn_error_set(err, NN_ERR_ARG,
                            "Adam needs betas in [0, 1) and eps >= 0 (got %g, %g, eps %g)",
                            config->beta1, config->beta2, config->eps);
    if (config->kind == NN_OPTIMIZER_SGD && config->nesterov && config->momentum <= 0.0)
        return nn_error_set(err, NN_ERR_ARG, "Nesterov momentum needs a momentum above 0");

    opt->config = *config;
    opt->num_parameters = num_parameters;
    size_t n = num_parameters ? num_parameters : 1;
    opt->m = calloc(n, sizeof(float));
    if (config->kind == NN_OPTIMIZER_ADAM)
        opt->v = calloc(n, sizeof(float));
    if (!opt->m || (config->kind == NN_OPTIMIZER_ADAM && !opt->v)) {
        nn_optimizer_free(opt);
        return nn_error_set(err, NN_ERR_MEMORY,
                            "out of memory for the optimizer state (%zu bytes)",
                            nn_optimizer_state_bytes(config->kind, num_parameters));
    }
    return NN_OK;
}

void nn_optimizer_free(nn_optimizer *opt)
{
    if (!opt)
        return;
    free(opt->m);
    free(opt->v);
    opt->m = NULL;
    opt->v = NULL;
}

/* The per-step scalars, computed in double as torch computes them in Python, then
 * rounded to float once, where torch passes them to a float tensor kernel. */
typedef struct {
    float wd;             /* coupled: g + wd*p */
    float decay;          /* decoupled: p * (1 - lr*wd); 1 when off */
    float b1, one_minus_b1, b2, one_minus_b2, eps;
    float bc2_sqrt;       /* sqrt(1 - b2^t) */
    float neg_step_size;  /* -lr / (1 - b1^t) */
    float mu, neg_lr;
    int first_step;
} step_scalars;

static step_scalars step_scalars_for(const nn_optimizer_config *c, int64_t t)
{
    step_scalars s;
    memset(&s, 0, sizeof s);
    int coupled = c->weight_decay != 0.0 && !c->decoupled;
    int decoupled = c->weight_decay != 0.0 && c->decoupled;
    s.wd = coupled ? (float)c->weight_decay : 0.0f;
    s.decay = decoupled ? (float)(1.0 - c->lr * c->weight_decay) : 1.0f;
    s.b1 = (float)c->beta1;
    s.one_minus_b1 = (float)(1.0 - c->beta1);
    s.b2 = (float)c->beta2;
    s.one_minus_b2 = (float)(1.0 - c->beta2);
    s.eps = (float)c->eps;
    double bc1 = 1.0 - pow(c->beta1, (double)t);
    double bc2 = 1.0 - pow(c->beta2, (double)t);
    s.bc2_sqrt = (float)sqrt(bc2);
    s.neg_step_size = (float)(-(c->lr / bc1));
    s.mu = (float)c->momentum;
    s.neg_lr = (float)(-c->lr);
    s.first_step = t == 1;
    return s;
}

/* One element's update, shared by the plain and the measured step so both do exactly the
 * same float operations. fmaf where torch fuses: its vectorised add(x, alpha) is
 * fmadd(x, alpha, self) and addcmul's self + value*t1*t2 is contracted too; anything else
 * is rounded op by op (this file is built -std=c11, so the compiler fuses nothing by
 * itself). Each element's update is independent and its float ops are in the reference's
 * order, so any split over threads gives the same bits. */
static inline float adam_element(const step_scalars *s, int coupled, int decoupled, float p,
                                 float g, float *m, float *v)
{
    if (coupled)
        g = fmaf(s->wd, p, g);
    if (decoupled)
        p = p * s->decay;
    float mi = *m * s->b1;
    mi = fmaf(s->one_minus_b1, g, mi);
    float vi = *v * s->b2;
    vi = fmaf(s->one_minus_b2 * g, g, vi);
    float denom = sqrtf(vi) / s->bc2_sqrt + s->eps;
    *m = mi;
    *v = vi;
    return p + s->neg_step_size * mi / denom;
}

static inline float sgd_element(const step_scalars *s, int coupled, int decoupled, int momentum,
                                int nesterov, float p, float g, float *m)
{
    if (coupled)
        g = fmaf(s->wd, p, g);
    if (decoupled)
        p = p * s->decay;
    if (momentum) {
        float buf = s->first_step ? g : *m * s->mu + g;
        *m = buf;
        g = nesterov ? fmaf(s->mu, buf, g) : buf;
    }
    return fmaf(s->neg_lr, g, p);
}

/* What every element of one step needs besides its own values. */
typedef struct {
    step_scalars s;
    int adam, coupled, decoupled, momentum, nesterov;
} step_plan;

static step_plan step_plan_for(nn_optimizer *opt)
{
    step_plan plan;
    opt->step++;
    plan.s = step_scalars_for(&opt->config, opt->step);
    plan.adam = opt->config.kind == NN_OPTIMIZER_ADAM;
    plan.coupled = plan.s.wd != 0.0f;
    plan.decoupled = plan.s.decay != 1.0f;
    plan.momentum = plan.s.mu != 0.0f;
    plan.nesterov = opt->config.nesterov;
    return plan;
}

static inline float element(const step_plan *k, const nn_optimizer *opt, long i, float p,
                            float g)
{
    return k->adam ? adam_element(&k->s, k->coupled, k->decoupled, p, g, &opt->m[i], &opt->v[i])
                   : sgd_element(&k->s, k->coupled, k->decoupled, k->momentum, k->nesterov, p,
                                 g, &opt->m[i]);
}

void nn_optimizer_step(nn_optimizer *opt, float *params, const float *grads)
{
    const step_plan plan = step_plan_for(opt);
    const long n = (long)opt->num_parameters;

#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
        params[i] = element(&plan, opt, i, params[i], grads[i]);
}

/* The tensor holding element i: the first whose end lies beyond it. */
static int tensor_of(const nn_update_norms *norms, size_t i)
{
    int lo = 0, hi = norms->n_tensors - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (norms->ends[mid] > i)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void nn_optimizer_step_measured(nn_optimizer *opt, float *params, const float *grads,
                                nn_update_norms *norms)
{
    const step_plan plan = step_plan_for(opt);
    const long n = (long)opt->num_parameters;
    const int nk = norms->n_tensors;
    const int max_threads = omp_get_max_threads();
    /* Per thread and tensor, the two sums of squares; combined below in thread order, so
     * the norms depend on the thread count only, never on timing. */
    double *partial = calloc((size_t)max_threads * nk * 2 + 1, sizeof(double));
    if (!partial) {
        /* No room for a few hundred bytes: still train, and say the norms are unknown. */
        opt->step--;
        nn_optimizer_step(opt, params, grads);
        for (int k = 0; k < nk; k++)
            norms->update_norm[k] = norms->weight_norm[k] = NAN;
        return;
    }

    /* The plain step's static schedule by hand: each thread's share is cut where tensors
     * end, so the sums of squares ride along in the same pass over the parameters. */
#pragma omp parallel num_threads(max_threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        long i = n * t / nt, hi = n * (t + 1) / nt;
        double *mine = partial + (size_t)t * nk * 2;
        int k = i < hi ? tensor_of(norms, (size_t)i) : nk;
        while (i < hi && k < nk) {
            long end = (long)norms->ends[k] < hi ? (long)norms->ends[k] : hi;
            double du = 0, w = 0;
            for (; i < end; i++) {
                float before = params[i];
                float after = element(&plan, opt, i, before, grads[i]);
                float d = after - before;
                params[i] = after;
                du += (double)d * d;
                w += (double)before * before;
            }
            mine[2 * k] += du;
            mine[2 * k + 1] += w;
            k++;
        }
    }
    for (int k = 0; k < nk; k++) {
        double du = 0, w = 0;
        for (int t = 0; t < max_threads; t++) {
            du += partial[((size_t)t * nk + k) * 2];
            w += partial[((size_t)t * nk + k) * 2 + 1];
        }
        norms->update_norm[k] = sqrt(du);
        norms->weight_norm[k] = sqrt(w);
    }
    free(partial);
}

void nn_update_norms_reference(const float *before, const float *after, nn_update_norms *norms)
{
    size_t start = 0;
    for (int k = 0; k < norms->n_tensors; k++) {
        double du = 0, w = 0;
        for (size_t i = start; i < norms->ends[k]; i++) {
            double d = (double)(after[i] - before[i]);
            du += d * d;
            w += (double)before[i] * before[i];
        }
        norms->update_norm[k] = sqrt(du);
        norms->weight_norm[k] = sqrt(w);
        start = norms->ends[k];
    }
}

void nn_optimizer_step_reference(nn_optimizer *opt, float *params, const float *grads)
{
    opt->step++;
    const nn_optimizer_config *c = &opt->config;
    const step_scalars s = step_scalars_for(c, opt->step);
    const size_t n = opt->num_parameters;
    float *m = opt->m, *v = opt->v;
    float *g = malloc((n ? n : 1) * sizeof(float));
    if (!g)
        abort(); /* a test helper: no way to report, and no sense going on */

    /* torch: grad = grad.add(param, alpha=weight_decay) */
    for (size_t i = 0; i < n; i++)
        g[i] = c->weight_decay != 0.0 && !c->decoupled ? fmaf(s.wd, params[i], grads[i]) : grads[i];
    /* torch (AdamW, and our decoupled SGD): param.mul_(1 - lr * weight_decay) */
    if (c->weight_decay != 0.0 && c->decoupled)
        for (size_t i = 0; i < n; i++)
            params[i] = params[i] * s.decay;

    if (c->kind == NN_OPTIMIZER_ADAM) {
        /* exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1) */
        for (size_t i = 0; i < n; i++)
            m[i] = m[i] * s.b1;
        for (size_t i = 0; i < n; i++)
            m[i] = fmaf(s.one_minus_b1, g[i], m[i]);
        /* exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2) */
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] * s.b2;
        for (size_t i = 0; i < n; i++)
            v[i] = fmaf(s.one_minus_b2 * g[i], g[i], v[i]);
        /* denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
         * param.addcdiv_(exp_avg, denom, value=-step_size) */
        for (size_t i = 0; i < n; i++) {
            float denom = sqrtf(v[i]) / s.bc2_sqrt + s.eps;
            params[i] = params[i] + s.neg_step_size * m[i] / denom;
        }
    } else {
        if (c->momentum != 0.0) {
            /* buf = clone(d_p) at the first step, else buf.mul_(momentum).add_(d_p) */
            for (size_t i = 0; i < n; i++)
                m[i] = opt->step == 1 ? g[i] : m[i] * s.mu + g[i];
            /* d_p = d_p.add(buf, alpha=momentum) if nesterov else buf */
            for (size_t i = 0; i < n; i++)
                g[i] = c->nesterov ? fmaf(s.mu, m[i], g[i]) : m[i];
        }
        /* param.add_(d_p, alpha=-lr) */
        for (size_t i = 0; i < n; i++)
            params[i] = fmaf(s.neg_lr, g[i], params[i]);
    }
    free(g);
}
