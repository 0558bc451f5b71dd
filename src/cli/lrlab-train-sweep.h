/* lrlab-train's sweep report: what the runs of a sweep ended with (one RunResult per run,
 * filled as each ends), read as a table per rate and written as the U-curve, sweep.csv. */
#pragma once
#include <glib.h>
#include "train_config.h"
#include "train_types.h"

typedef struct _RunResult {
    double lr;
    int rate_index;             /* in the sweep's list of rates */
    guint64 seed;
    double min_delta;           /* what makes an epoch the best (train_best.h) */
    TrainStatus status;
    int num_classes;
    GArray *epochs;             /* TrainEpoch */
    char *message;
    char *updates;              /* train_diagnose_updates, or NULL */
    char *advice;               /* lrlab_train_phrase_advice, or NULL */
    gboolean advice_is_rate;    /* it offers another rate (a sweep's table does that) */
    char *folder;
} RunResult;

/* With seeds (n_seeds > 1), prints the table of mean and standard deviation per rate;
 * with out and more than one run, writes out/sweep.csv. FALSE when it cannot be written
 * (the reason printed). */
gboolean lrlab_train_report_sweep(const RunResult *results, int n, int n_rates, int n_seeds,
                                  int epochs_planned, const char *out);
/* With seeds: the teacher's next step for each rate's group of seeds, read as one
 * (train_diagnose_group), in flags ("lr 1e-3, 3 seeds: overfitting from epoch 9: try
 * --weight-decay 1e-4 ..."); a rate to try only when one rate ran. config: the runs'
 * settings (every member's but its seed and rate). */
void lrlab_train_print_group_advice(const RunResult *results, int n, int n_rates,
                                    const TrainConfig *config);
