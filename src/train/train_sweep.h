/* train_sweep: several runs of one config that differ only in the learning rate and/or the
 * training seed, one after another (two runs at once would share the cores and both
 * crawl), on one dataset and one split: a learning-rate sweep (every rate from the same
 * initial weights, split, data and batch order, as `lrlab-train --lr a,b,c` has always
 * done), "repeat with N seeds" (one rate, N initial weights), or both. The app and
 * lrlab-train run their sweeps through it.
 *
 * Order: rate after rate, each with all its seeds, so the runs of a rate (a group of
 * seeds) follow one another in the runs table and a stopped sweep keeps whole rates: a
 * finished rate has all its seeds. Stopping ends the current run after its batch (its
 * finished epochs are kept, as any run's) and starts no more. Runs that would not all fit in memory together still run: each run's network
 * is freed when it ends (train_run_release_model), its record stays.
 *
 * Threads: a sweep has one thread of its own that creates, starts and waits for each
 * member in turn; the consumer hears of each new member and of the end through one
 * merged notification (train_notifier) on its main context and reads the members with
 * the getters below, from any thread. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"
#include "train_config.h"
#include "train_run.h"

typedef struct _TrainSweep TrainSweep;

/* The folder for a member's records, newly allocated, or NULL to keep none; called on the
 * sweep's thread for each member just created (run, not started yet: the function may also
 * set it up, e.g. give it a start to resume or fork from, train_run_set_start). */
typedef char *(*TrainSweepFolderFunc)(TrainRun *run, const TrainConfig *member,
                                      int rate_index, int seed_index, gpointer user_data);
typedef void (*TrainSweepNotify)(TrainSweep *sweep, gpointer user_data);

/* Checks a plan before anything runs: at least one rate and one seed, every rate a
 * learning rate (the field's range), none listed twice, not more than 1000 runs. The
 * error says what is wrong in the user's words ("1e-3 is listed twice"). */
gboolean train_sweep_check(const double *rates, int n_rates, const guint64 *seeds,
                           int n_seeds, GError **error);

/* A sweep of base with each rate and seed (copied; base->lr and base->seed are replaced).
 * set may be NULL: the first member then loads it and the others share it. Each member
 * is named "lr 1e-3", "seed 2" or "lr 1e-3, seed 2" after what varies. NULL with the
 * error of train_sweep_check. */
TrainSweep *train_sweep_new(const TrainConfig *base, DataSet *set, const double *rates,
                            int n_rates, const guint64 *seeds, int n_seeds, GError **error);
TrainSweep *train_sweep_ref(TrainSweep *sweep);
void train_sweep_unref(TrainSweep *sweep);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainSweep, train_sweep_unref)

/* Before start. */
void train_sweep_set_folder_func(TrainSweep *sweep, TrainSweepFolderFunc func,
                                 gpointer user_data);
/* notify runs on ctx (NULL: the thread-default context now) when a member is created,
 * when one ends and when the sweep ends; at most one is pending. */
void train_sweep_set_notify(TrainSweep *sweep, GMainContext *ctx, TrainSweepNotify notify,
                            gpointer user_data, GDestroyNotify destroy);

gboolean train_sweep_start(TrainSweep *sweep, GError **error);
/* The current run stops after its batch; no other starts. */
void train_sweep_stop(TrainSweep *sweep);
/* The same, the current run cancelled (as train_run_cancel). */
void train_sweep_cancel(TrainSweep *sweep);
/* Until the sweep's thread has ended. */
void train_sweep_wait(TrainSweep *sweep);

int train_sweep_get_n_rates(TrainSweep *sweep);
int train_sweep_get_n_seeds(TrainSweep *sweep);
double train_sweep_get_rate(TrainSweep *sweep, int rate_index);
guint64 train_sweep_get_seed(TrainSweep *sweep, int seed_index);
/* Members planned (rates x seeds), and those created so far (in order; each is started
 * as soon as it is created, unless the sweep was stopped). */
int train_sweep_get_n_members(TrainSweep *sweep);
int train_sweep_get_n_created(TrainSweep *sweep);
/* Members whose run has ended (the first n_ended of those created). */
int train_sweep_get_n_ended(TrainSweep *sweep);
/* Member i (a new reference), NULL before it was created; its rate and seed indices. */
TrainRun *train_sweep_dup_run(TrainSweep *sweep, int i, int *rate_index, int *seed_index);
/* Which rate and seed member i has (either pointer may be NULL). */
void train_sweep_member_indices(TrainSweep *sweep, int i, int *rate_index, int *seed_index);
/* Every member ended (or the sweep was stopped and the current one ended). */
gboolean train_sweep_is_done(TrainSweep *sweep);
/* Why a member could not start (e.g. its folder cannot be created), newly allocated, or
 * NULL; the sweep stopped there. */
char *train_sweep_dup_error(TrainSweep *sweep);
/* TRUE once the members turned out too big to be kept in memory together: each run's
 * network is freed when it ends. */
gboolean train_sweep_releases_models(TrainSweep *sweep);

/* group.ini, in each member's folder when the sweep runs a rate with several seeds: the
 * members of one rate form a group (the app draws their mean and band), and the file lets
 * a session read back (train_session_load) group them again. One group:
 *   [group] id=<a UUID, one per rate of a sweep>, seeds=<how many the sweep planned>,
 *           seed-index=<this member's, from 0>
 * Written once the member's folder exists (after its start); a folder without one (older
 * versions, a run of its own) is no member. */
#define TRAIN_SWEEP_GROUP_FILE "group.ini"

typedef struct {
    char *id;
    int n_seeds;
    int seed_index;
} TrainSweepGroupInfo;

/* FALSE when run_dir has no readable group.ini (info is then cleared). */
gboolean train_sweep_group_info_read(const char *run_dir, TrainSweepGroupInfo *info);
void train_sweep_group_info_clear(TrainSweepGroupInfo *info);

/* "6 rates x 3 seeds = 18 runs, one after another", plus, when the runs would not fit in
 * memory together, that each is freed when it ends. Newly allocated. */
char *train_sweep_describe_plan(TrainSweep *sweep);

/* Rates as people type them, "1e-1, 1e-2, 3e-4" (commas, semicolons or spaces); each
 * checked as a learning rate. Seeds "1,2,3". The error names the bad item. */
GArray *train_sweep_parse_rates(const char *text, GError **error);   /* of double */
GArray *train_sweep_parse_seeds(const char *text, GError **error);   /* of guint64 */
/* N seeds from first: first, first+1, ... */
GArray *train_sweep_seeds_from(guint64 first, int n);

/* One rate of a finished (or stopped) sweep, as its table and sweep.csv show it. */
typedef struct {
    double lr;
    int seeds;                  /* members that ran at this rate */
    int diverged;               /* of them, how many diverged */
    double best_val_loss, best_val_loss_std;
    double final_loss, final_loss_std;
    double best_val_accuracy, best_val_accuracy_std;
    char *verdict;              /* the group's (train_diagnose_group) */
} TrainSweepRow;

/* The row of one rate from its members' records: runs[i] has n_epochs[i] epochs and
 * ended (or is) statuses[i]. The verdict is the group's (train_diagnose_group). */
void train_sweep_row_compute(TrainSweepRow *row, double lr, const TrainEpoch *const *runs,
                             const int *n_epochs, const TrainStatus *statuses, int n,
                             int num_classes, int epochs_planned);
void train_sweep_row_clear(TrainSweepRow *row);

/* sweep.csv: the U-curve, one line per rate in the given order:
 * lr,seeds,diverged,best_val_loss,best_val_loss_std,final_loss,final_loss_std,
 * best_val_accuracy,best_val_accuracy_std,verdict
 * (std 0 for one seed, empty for a value no member has). Written atomically. */
gboolean train_sweep_save_csv(const TrainSweepRow *rows, int n, const char *path,
                              GError **error);
