/* nn_optim: SGD (momentum, Nesterov) and Adam over one flat parameter buffer, with
 * weight decay either coupled (an L2 term added to the gradient, as torch.optim.SGD/Adam
 * weight_decay) or decoupled (AdamW; for SGD, p -= lr*wd*p before the update).
 * Semantics match torch.optim 1.13 exactly:
 *   Adam:  g += wd*p (coupled);  p *= 1 - lr*wd (decoupled)
 *          m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
 *          p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)      (eps outside the sqrt,
 *          added after bias correction of v, default 1e-8)
 *   SGD:   g += wd*p (coupled);  p *= 1 - lr*wd (decoupled)
 *          buf = g at t=1, else buf = mu*buf + (1-dampening)*g  (dampening 0)
 *          nesterov: g = g + mu*buf, else g = buf;  p -= lr*g
 * Tensor arithmetic is float, in torch's order of operations, with a fused multiply-add
 * exactly where torch's CPU kernels fuse one (add_ with alpha, addcmul_), so on x86-64
 * the parameters come out bit-identical to torch 1.13's (checked for Adam, Adam+L2,
 * AdamW, SGD, momentum, Nesterov+L2 over 6 steps of 100k parameters).
 * The learning rate is read from config.lr at every step, so a caller may change it.
 * The measured step also returns, per parameter tensor, the norm of the update it applied
 * and of the weights it applied it to (||W_after - W_before||, ||W_before||): the
 * update/weight ratio the app watches per layer, summed in the same pass over the
 * parameters, so it costs a few multiply-adds per element and no extra memory traffic. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "nn_error.h"

typedef enum {
    NN_OPTIMIZER_SGD = 0,
    NN_OPTIMIZER_ADAM = 1,
} nn_optimizer_kind;

/* Hyperparameters are doubles, as torch's Python floats are: the scalar arithmetic
 * (1 - beta1, bias corrections, lr / bias_correction1) is then done in double exactly as
 * torch does it, and each result is rounded to float once, where torch hands it to a
 * float tensor op. With float fields 1 - 0.9f would already differ from torch's 1 - 0.9. */
typedef struct {
    nn_optimizer_kind kind;
    double lr;
    double momentum;      /* SGD only; 0 = plain SGD */
    int nesterov;         /* SGD only */
    double beta1, beta2;  /* Adam; defaults 0.9, 0.999 */
    double eps;           /* Adam; default 1e-8 */
    double weight_decay;  /* 0 = off */
    int decoupled;        /* 1: AdamW-style decoupled decay; 0: L2 term in the gradient */
} nn_optimizer_config;

typedef struct {
    nn_optimizer_config config;
    size_t num_parameters;
    int64_t step;        /* number of steps taken (Adam's t) */
    float *m;            /* (num_parameters) Adam first moment / SGD momentum buffer */
    float *v;            /* (num_parameters) Adam second moment; NULL for SGD */
} nn_optimizer;

/* Defaults: Adam, lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
nn_optimizer_config nn_optimizer_config_default(nn_optimizer_kind kind);

/* Bytes of optimizer state for n parameters (for memory estimates). */
size_t nn_optimizer_state_bytes(nn_optimizer_kind kind, size_t num_parameters);

nn_status nn_optimizer_init(nn_optimizer *opt, const nn_optimizer_config *config,
                            size_t num_parameters, nn_error *err);
void nn_optimizer_free(nn_optimizer *opt);

/* One update of params (num_parameters) from grads (num_parameters). */
void nn_optimizer_step(nn_optimizer *opt, float *params, const float *grads);

/* The model's parameter tensors as consecutive spans of the flat buffer (nn_model's tensor
 * table: tensor k is [ends[k-1], ends[k]), the first starts at 0, the last ends at
 * num_parameters), and where the measured step puts their norms. The optimizer knows
 * nothing of layers: the caller passes the spans. */
typedef struct {
    const size_t *ends;     /* (n_tensors) ascending */
    int n_tensors;
    double *update_norm;    /* (n_tensors) out: ||p_after - p_before|| over the tensor */
    double *weight_norm;    /* (n_tensors) out: ||p_before|| */
} nn_update_norms;

/* nn_optimizer_step, bit for bit, plus the norms of every tensor's update. The sums are in
 * double, combined in a fixed order for a given thread count. */
void nn_optimizer_step_measured(nn_optimizer *opt, float *params, const float *grads,
                                nn_update_norms *norms);

/* Naive reference of the norms from copies of the parameters before and after a step. */
void nn_update_norms_reference(const float *before, const float *after, nn_update_norms *norms);

/* Naive single-threaded reference of the same update, for tests. */
void nn_optimizer_step_reference(nn_optimizer *opt, float *params, const float *grads);
