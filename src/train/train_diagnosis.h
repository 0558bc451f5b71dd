/* train_diagnosis: reads a run's curves the way the teacher does: diverged, learning,
 * too slow, or overfitting from epoch N (validation loss turning up while training loss
 * keeps falling). Used by lrlab-train's sweep table and the app's run list. */
#pragma once
#include <glib.h>
#include "train_run.h"

typedef enum {
    TRAIN_VERDICT_NONE = 0,     /* not enough epochs to tell */
    TRAIN_VERDICT_DIVERGED,
    TRAIN_VERDICT_LEARNING,
    TRAIN_VERDICT_TOO_SLOW,
    TRAIN_VERDICT_OVERFITTING,
    TRAIN_VERDICT_STUCK,        /* loss flat at chance: too high a rate can do this too */
} TrainVerdictKind;

typedef struct {
    TrainVerdictKind kind;
    int from_epoch;             /* OVERFITTING: first epoch of the rise; else -1 */
    char *text;                 /* "overfitting from epoch 12" */
} TrainVerdict;

TrainVerdict train_diagnose(const TrainEpoch *epochs, int n, TrainStatus status,
                            int num_classes);
void train_verdict_clear(TrainVerdict *verdict);
