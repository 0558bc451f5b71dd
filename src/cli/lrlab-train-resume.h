/* lrlab-train --resume RUN_DIR and --fork RUN_DIR:EPOCH: a run that starts where another
 * left off (train_resume.h), through lrlab-train's own training loop. main() asks at four
 * points: for the flags, for the config.ini to start from, to check the settings once the
 * flags are read, and to turn each run of its loop into the resume or a fork. */
#pragma once
#include <glib.h>
#include "train_run.h"

/* --resume and --fork, for main's option context; they state their defaults. */
GOptionEntry *lrlab_train_branch_entries(void);
/* Whether the command line asked for either. */
gboolean lrlab_train_branch_wanted(void);
/* The config.ini main starts from: the run's (resume) or the parent's (fork). Exits 2 when
 * --config is given too or the argument is malformed, 1 with the reason when there is
 * nothing to continue from (a pruned fork epoch, a folder without checkpoints). */
const char *lrlab_train_branch_config(const char *config_flag);
/* Once the flags are read into config: the settings the mode allows (one line naming the
 * flag, exit 2, otherwise). With --resume, --epochs N (epochs_text: the flag's text, or
 * NULL when not given) means N more than were done. */
void lrlab_train_branch_check(TrainConfig *config, guint n_rates, const char *out,
                              const char *epochs_text);
/* Makes one run of main's loop the resume or a fork: its start, folder (*folder: main's
 * --out folder for it or NULL; replaced by the folder it trains in) and name. */
void lrlab_train_branch_setup_run(TrainRun *run, const TrainConfig *rc, guint n_rates,
                                  char **folder);
