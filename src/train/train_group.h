/* train_group: runs that differ only in their training seed (config.seed: the initial
 * weights, batch order, augmentation and dropout; the images and the split stay, see
 * train_config.h), read as one: per epoch the mean of each curve and its spread (lowest
 * and highest, and the standard deviation) over the members, and per run the numbers a
 * U-curve plots, with their mean and spread over the members. This is what tells a
 * student whether 1e-4 is really better than 1e-5 or only luckier. Plain arithmetic on
 * records: the app (LabRun's copies), lrlab-train and the sweep all call it. */
#pragma once
#include <glib.h>
#include "train_types.h"

/* One value over the members: the sample standard deviation (n - 1 in the divisor, so
 * three seeds do not look tighter than they are; 0 for one member). n: the members it
 * counts; 0 leaves every field NAN. */
typedef struct {
    int n;
    double mean, min, max, std;
} TrainGroupStat;

/* Mean, min, max and std of the finite values (n). */
TrainGroupStat train_group_stat(const double *values, int n);

/* The band a chart draws around the mean. */
typedef enum {
    TRAIN_GROUP_SPREAD_MIN_MAX = 0,
    TRAIN_GROUP_SPREAD_STD,        /* mean - std .. mean + std */
} TrainGroupSpread;

void train_group_stat_band(const TrainGroupStat *stat, TrainGroupSpread spread, double *lower,
                           double *upper);

/* Epoch k of a group: the members that have finished it (members run one after another,
 * so a later epoch may have fewer). */
typedef struct {
    int epoch;                  /* from 0 */
    int n;                      /* members that reached it */
    TrainGroupStat loss, accuracy, val_loss, val_accuracy, lr;
} TrainGroupEpoch;

/* The group's epochs (GArray of TrainGroupEpoch), as many as its longest member has:
 * runs[i] holds n_epochs[i] epochs of member i. A value that is not finite (a diverged
 * member's last epoch) is left out of its epoch's numbers. */
GArray *train_group_epochs(const TrainEpoch *const *runs, const int *n_epochs, int n_runs);

/* The mean curves as epoch records, for the diagnosis: each field the mean of its
 * TrainGroupEpoch (lr: the members'). Only the epochs every member reached, so a member
 * still training does not make the mean jump. GArray of TrainEpoch. */
GArray *train_group_mean_epochs(const TrainEpoch *const *runs, const int *n_epochs, int n_runs);

/* What a U-curve plots for one run. */
typedef struct {
    int n_epochs;
    gboolean diverged;          /* its status, or a loss that was not finite */
    double best_val_loss;       /* NAN without an epoch with a finite one */
    int best_epoch;             /* of best_val_loss, from 0; -1 */
    double final_loss;          /* the training loss of its last epoch */
    double best_val_accuracy;
} TrainRunSummary;

TrainRunSummary train_run_summary(const TrainEpoch *epochs, int n, TrainStatus status);

/* The same over a group's members: each value over the members that did not diverge. */
typedef struct {
    int n, n_diverged;
    TrainGroupStat best_val_loss, final_loss, best_val_accuracy;
} TrainGroupSummary;

TrainGroupSummary train_group_summary(const TrainRunSummary *members, int n);
