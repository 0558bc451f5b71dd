/* train_advice: the cures and rates the teacher suggests, from a verdict and the config
 * that earned it. tests/train/test_diagnosis.c (/train/diagnosis/advice) pins
 * each case. */
#include "train_advice.h"

#include "nn_spec.h"
#include "train_fields.h"

/* Whether the network config builds has a dropout layer that drops something, and any
 * dropout layer at all (the spec decides; "dropout off" keeps the layers at rate 0). */
static void
dropout_layers(const TrainConfig *config, int num_classes, gboolean *any, gboolean *active)
{
    nn_spec spec;
    g_autoptr(GError) error = NULL;

    *any = *active = FALSE;
    if (!train_config_build_spec(config, MAX(num_classes, 2), &spec, &error)) {
        /* An unbuildable spec never trained: say what the switch says. */
        *any = TRUE;
        *active = config->dropout;
        return;
    }
    for (int i = 0; i < spec.n_layers; i++)
        if (spec.layers[i].kind == NN_LAYER_DROPOUT) {
            *any = TRUE;
            *active = *active || spec.layers[i].rate > 0;
        }
}

static guint
missing_cures(const TrainConfig *config, int num_classes)
{
    guint cures = 0;
    gboolean any_dropout, active_dropout;

    if (config->early_stop_patience <= 0)
        cures |= TRAIN_CURE_EARLY_STOP;
    dropout_layers(config, num_classes, &any_dropout, &active_dropout);
    if (!any_dropout)
        cures |= TRAIN_CURE_DROPOUT_LAYER;
    else if (!active_dropout)
        cures |= TRAIN_CURE_DROPOUT;
    if (!config->weight_decay_on || config->weight_decay <= 0)
        cures |= TRAIN_CURE_WEIGHT_DECAY;
    if (config->augment.flags == 0)
        cures |= TRAIN_CURE_AUGMENT;
    return cures;
}

TrainAdvice train_advise(const TrainVerdict *verdict, const TrainConfig *config,
                         int num_classes)
{
    TrainAdvice advice = { .kind = TRAIN_ADVICE_NONE, .fork_epoch = -1 };

    g_return_val_if_fail(verdict != NULL && config != NULL, advice);

    switch (verdict->kind) {
    case TRAIN_VERDICT_OVERFITTING:
        advice.kind = TRAIN_ADVICE_CURES;
        advice.cures = missing_cures(config, num_classes);
        /* from_epoch is the rise's first epoch, 0-based: the 1-based lowest one. */
        advice.fork_epoch = MAX(verdict->from_epoch, 1);
        break;
    case TRAIN_VERDICT_DIVERGED:
    case TRAIN_VERDICT_STUCK:
        advice.kind = TRAIN_ADVICE_LOWER_RATE;
        advice.rate = config->lr / 10;
        break;
    case TRAIN_VERDICT_TOO_SLOW: {
        const TrainField *lr = train_field_find("lr");
        advice.kind = TRAIN_ADVICE_HIGHER_RATE;
        advice.rate = MIN(config->lr * 10, lr ? lr->max : 10);
        /* Already at the top of the range: there is no higher rate to offer. */
        if (advice.rate <= config->lr)
            advice = (TrainAdvice) { .kind = TRAIN_ADVICE_NONE, .fork_epoch = -1 };
        break;
    }
    default:
        break;
    }
    return advice;
}
