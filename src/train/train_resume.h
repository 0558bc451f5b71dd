/* train_resume: a run that starts where another left off. Two kinds, one mechanism:
 *
 *   resume  the same run folder continues after its last recorded epoch, with the same
 *           settings (or more epochs), and ends byte for byte where the uninterrupted run
 *           would have (history.csv apart from its seconds column, predictions.bin, the
 *           final weights), given the same thread count;
 *   fork    a new run folder starts after epoch k of a parent, with some settings changed
 *           (rate, schedule, dropout, weight decay, augmentation, epochs...), and keeps the
 *           parent's data, split and first k epochs as its own first k epochs, so every
 *           file of the fork reads like a whole run. fork.ini names the parent.
 *
 * What makes it exact: every epoch checkpoint (train_checkpoints.h) holds the weights, the
 * optimizer's moments and step, the dropout seed and counter (nn_checkpoint v2), and a
 * [resume] group (below) with the schedule's state, early stopping's state and a hash of
 * the data and split. The batch order and the augmentation are functions of (seed, epoch)
 * (data_batcher.h), so nothing else carries over from one epoch to the next.
 *
 * [resume] keys: format=1, epochs-done=<k>, data-hash=<16 hex digits>,
 *   schedule-lr, schedule-best, schedule-bad-epochs, schedule-cooldown (TrainScheduleState),
 *   best-epoch=<from 0, -1 none>, best-val-loss, epochs-without-improvement.
 *
 * Older folders: a best.ckpt of checkpoint format v1 (LR Lab's first version) or without
 * [resume] can be forked from its epoch, as that epoch's weights with a fresh optimizer
 * (v1) or with its saved optimizer state (v2), the schedule and early stopping re-read from
 * history.csv: the start says so (train_start_note). It cannot be resumed exactly.
 *
 * fork.ini: [fork] parent=<the parent folder, as given>, parent-name=<its name>,
 *   epochs=<k, the epochs shared with the parent>, exact=true|false. */
#pragma once
#include <glib.h>
#include "data_dataset.h"
#include "data_split.h"
#include "nn_model.h"
#include "nn_optim.h"
#include "train_config.h"
#include "train_ratios.h"
#include "train_record.h"
#include "train_resume_state.h"
#include "train_schedule.h"

typedef struct _TrainStart TrainStart;

/* The resume of run_dir after its last recorded epoch. NULL with an error a user can act
 * on when there is nothing to continue from. */
TrainStart *train_start_new_resume(const char *run_dir, GError **error);
/* A fork of parent_dir after epochs_done of its epochs (1 .. its epochs). NULL with an
 * error when that epoch's checkpoint was pruned (naming the nearest kept ones) or the
 * parent cannot be read. */
TrainStart *train_start_new_fork(const char *parent_dir, int epochs_done, GError **error);
void train_start_free(TrainStart *start);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainStart, train_start_free)

gboolean train_start_is_fork(const TrainStart *start);
/* The epochs shared with what it starts from (resume: may become fewer when the last
 * checkpoints turn out to be damaged: train_start_note says so). */
int train_start_epochs_done(const TrainStart *start);
/* The run folder (resume) or the parent's (fork). */
const char *train_start_dir(const TrainStart *start);
/* That folder's config.ini and run name. */
const TrainConfig *train_start_config(const TrainStart *start);
/* A sentence for the user when the start is not the plain one (a damaged checkpoint was
 * skipped, an old checkpoint without optimizer state), else NULL. */
const char *train_start_note(const TrainStart *start);

/* What a new run with config may be, starting here: a resume keeps every setting but the
 * epoch count (which must cover the epochs done) and the name; a fork keeps the data, the
 * split, the network, the input size and the optimizer (its moments belong to them). The
 * error names the setting and says what to do. */
gboolean train_start_check_config(const TrainStart *start, const TrainConfig *config,
                                  GError **error);

/* The fork's folder before its worker runs: the parent's first epochs as its history,
 * predictions and update ratios, the starting checkpoint (and the best one, when among
 * them) shared into it, fork.ini. Called by train_run_start after config.ini is written. */
gboolean train_start_prepare_folder(const TrainStart *start, const char *dir, GError **error);

/* The records the new run begins with (its first train_start_epochs_done epochs). */
const GArray *train_start_epochs(const TrainStart *start);                  /* TrainEpoch */
/* (epochs, n_val, classes): every class's probability (rebuilt for a v1 predictions.bin) */
const float *train_start_probabilities(const TrainStart *start);
const TrainRecordSplit *train_start_split(const TrainStart *start);
/* The starting ratio rows (NULL when the folder had none). */
TrainRatioLog *train_start_ratios(const TrainStart *start);

/* The worker's side, once its model and optimizer exist for config and the data is split:
 * checks the data (a resume refuses changed data, a fork changed validation images), loads
 * the starting checkpoint (a resume falls back to the newest earlier one that is whole),
 * the best weights into best_params when not NULL, and fills state with what the loop
 * continues from. The start's records are cut to the epochs actually loaded. A resume that
 * fails here has written nothing. */
gboolean train_start_apply(TrainStart *start, const TrainConfig *config, guint64 data_hash,
                           const TrainRecordSplit *split, nn_model *model, nn_optimizer *opt,
                           float *best_params, TrainResumeState *state, GError **error);

/* The lineage fork.ini records; FALSE when run_dir is not a fork. Clear with
 * train_fork_info_clear. */
typedef struct {
    char *parent;             /* the parent's folder */
    char *parent_name;
    int epochs;               /* shared with the parent */
    gboolean exact;           /* started from a full checkpoint */
} TrainForkInfo;

gboolean train_fork_info_read(const char *run_dir, TrainForkInfo *info);
void train_fork_info_clear(TrainForkInfo *info);

/* Whether run_dir's status.ini says the run was still training (or had not started) when
 * its program ended, and it has a checkpoint to resume from: a crash, a kill, a power cut. */
gboolean train_resume_was_interrupted(const char *run_dir);

/* A fork's name by what differs from its parent: "lr 1e-4 from epoch 20" ("from epoch 20"
 * when nothing does). Newly allocated. */
char *train_fork_describe(const TrainConfig *config, const TrainConfig *parent, int epochs);

/* The epochs of run_dir one can fork from (ascending, epochs done: the kept checkpoints
 * and best.ckpt's epoch). */
GArray *train_start_fork_points(const char *run_dir);
/* Whether epochs_done (within run_dir's history) is one of those fork points. Cheap in
 * the usual case: one stat() when its checkpoint is kept, two when there is no best.ckpt
 * either; only a pruned ring with a best.ckpt reads the record (train_start_fork_points).
 * The window asks it at every update of its advice line. */
gboolean train_start_keeps_epoch(const char *run_dir, int epochs_done);
