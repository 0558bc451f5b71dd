/* train_advice: what the teacher says next, after the verdict (train_diagnosis.h). A run
 * that overfits gets the cures it does not use yet (early stopping, dropout, weight decay,
 * augmentation; a smaller network and more images always apply) and the epoch to fork
 * from to try them (its lowest validation loss); a run that diverged or stuck at chance
 * gets a rate ten times lower, one that crawls a rate ten times higher. Only the facts:
 * the app and lrlab-train phrase them, in the words of their own controls (a switch's
 * name, a flag). */
#pragma once
#include <glib.h>
#include "train_config.h"
#include "train_diagnosis.h"

typedef enum {
    TRAIN_ADVICE_NONE = 0,      /* learning, or too early to tell: nothing to say */
    TRAIN_ADVICE_CURES,         /* overfitting: cures, fork_epoch */
    TRAIN_ADVICE_LOWER_RATE,    /* diverged or stuck at chance: rate */
    TRAIN_ADVICE_HIGHER_RATE,   /* too slow: rate */
} TrainAdviceKind;

/* The cures the run's config leaves off; a bit set means "try it". */
typedef enum {
    TRAIN_CURE_EARLY_STOP = 1 << 0,      /* early stopping is off */
    TRAIN_CURE_DROPOUT = 1 << 1,         /* the network has dropout layers, switched off */
    TRAIN_CURE_DROPOUT_LAYER = 1 << 2,   /* the network has no dropout layer at all */
    TRAIN_CURE_WEIGHT_DECAY = 1 << 3,    /* weight decay is off (or 0) */
    TRAIN_CURE_AUGMENT = 1 << 4,         /* no augmentation is on */
} TrainCure;

/* The patience to suggest for early stopping: long enough to ride out a noisy epoch or
 * two, short enough to stop near the lowest validation loss. */
#define TRAIN_ADVICE_PATIENCE 5

typedef struct {
    TrainAdviceKind kind;
    guint cures;                /* CURES: TrainCure bits; 0 when every cure is on already */
    int fork_epoch;             /* CURES: the epoch (1-based) of the lowest validation
                                 * loss, whose weights best.ckpt keeps; else -1 */
    double rate;                /* LOWER_RATE / HIGHER_RATE: config->lr / 10 or x 10
                                 * (at most the field's maximum); else 0 */
} TrainAdvice;

/* The advice for a run of config (num_classes outputs) that got verdict. */
TrainAdvice train_advise(const TrainVerdict *verdict, const TrainConfig *config,
                         int num_classes);
