/* train_diagnosis: reads a run's curves the way the teacher does: diverged, learning,
 * too slow, or overfitting from epoch N (validation loss turning up while training loss
 * keeps falling), waiting for evidence while a run is young, and a group of seeds as
 * one. Used by lrlab-train's sweep table and the app's verdict line. */
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
    TRAIN_VERDICT_WAITING,      /* a live run at chance or slow so far: not yet evidence */
} TrainVerdictKind;

typedef struct {
    TrainVerdictKind kind;
    int from_epoch;             /* OVERFITTING: first epoch of the rise; else -1 */
    char *text;                 /* "overfitting from epoch 12" */
} TrainVerdict;

TrainVerdict train_diagnose(const TrainEpoch *epochs, int n, TrainStatus status,
                            int num_classes);

/* The same for a run that may still be training (epochs_planned: the epochs it was
 * started for). A rate that will learn well often sits at chance for a few epochs first,
 * and a few epochs of a flat curve cannot tell it from one that crawls: while the run is
 * active and would read "too slow" (or "stuck" with no sign of a too-high rate, such as
 * a first-epoch jump), the verdict waits for evidence, "at chance so far, epoch 2 of
 * 30" or "slow so far, epoch 2 of 30", until TRAIN_DIAGNOSIS_WAIT_EPOCHS epochs or a
 * fifth of the run have passed. A run that has ended reads as train_diagnose says. */
#define TRAIN_DIAGNOSIS_WAIT_EPOCHS 5
TrainVerdict train_diagnose_live(const TrainEpoch *epochs, int n, TrainStatus status,
                                 int num_classes, int epochs_planned);

/* A group of runs that differ only in their seed (train_group.h), read as one: a member
 * that diverged is said ("diverged with 1 of 3 seeds": the rate is on the edge); else the
 * mean curves over the epochs every member reached are read as train_diagnose_live reads
 * one run, live while any member is. runs[i] has n_epochs[i] epochs; one member is
 * exactly train_diagnose_live. */
TrainVerdict train_diagnose_group(const TrainEpoch *const *runs, const int *n_epochs,
                                  const TrainStatus *statuses, int n_runs, int num_classes,
                                  int epochs_planned);
void train_verdict_clear(TrainVerdict *verdict);

/* The update ratios' sentence for a run's last finished epoch (train_ratio_log_diagnose
 * with the run's optimizer): "conv1 updates 1e-6 of its weights per step: the rate is too
 * low for this layer", or NULL when every layer is near the band or the run has no ratios.
 * The app's verdict line and lrlab-train's summary both say it. Newly allocated. */
char *train_diagnose_updates(TrainRun *run);
