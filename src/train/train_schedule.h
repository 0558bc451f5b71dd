/* train_schedule: the learning rate a run uses at every batch. Constant is the default (the
 * seed's professor asks for one rate per run); the others are what people do instead, each
 * with the semantics and defaults of the library users know it from, and tested against
 * torch.optim.lr_scheduler 1.13 (tests/train/test_schedule.c):
 *
 *   constant    lr at every batch.
 *   step        StepLR(step_size=step_every, gamma=step_factor), stepped once per epoch:
 *               epoch e uses lr * step_factor^floor(e / step_every).
 *   plateau     ReduceLROnPlateau on the validation loss, Keras's defaults (factor 0.1,
 *               patience 10, min_delta 1e-4 absolute, cooldown 0, min_lr 0) with torch's
 *               counting: torch (mode='min', threshold_mode='abs') lowers the rate when the
 *               number of epochs without an improvement larger than min_delta EXCEEDS
 *               patience; Keras lowers it one epoch sooner (wait >= patience). We follow torch
 *               so that an exported run (train.py) does what the app did.
 *   cosine      CosineAnnealingLR(T_max = every batch of the run, eta_min = cosine_floor),
 *               stepped per batch: lr at the first batch, the floor after the last.
 *   one-cycle   OneCycleLR(max_lr = lr, total_steps = every batch, pct_start 0.3,
 *               div_factor 25, final_div_factor 1e4, anneal 'cos', three_phase False,
 *               cycle_momentum False): warm up from lr/25 to lr over 30% of the batches,
 *               then anneal to lr/25/1e4. Only the rate cycles: torch's default
 *               cycle_momentum=True would also cycle Adam's beta1, which LR Lab keeps fixed.
 *   cyclic      CyclicLR(base_lr = lr / cyclic_div, max_lr = lr, step_size_up =
 *               cyclic_half_epochs * batches per epoch, mode 'triangular',
 *               cycle_momentum False): up and down in straight lines, forever.
 *
 * A rate is a pure function of (schedule, state, epoch, batch): the state is what plateau
 * learns from the validation losses so far, nothing else, so a checkpoint that saves the
 * state resumes the schedule exactly. */
#pragma once
#include <glib.h>

typedef enum {
    TRAIN_SCHEDULE_CONSTANT = 0,
    TRAIN_SCHEDULE_STEP,
    TRAIN_SCHEDULE_PLATEAU,
    TRAIN_SCHEDULE_COSINE,
    TRAIN_SCHEDULE_ONE_CYCLE,
    TRAIN_SCHEDULE_CYCLIC,
    TRAIN_SCHEDULE_N_KINDS
} TrainScheduleKind;

typedef struct {
    TrainScheduleKind kind;
    int step_every;             /* step: epochs between drops (default 10) */
    double step_factor;         /* step: multiplier at each drop, (0, 1) (default 0.1) */
    double plateau_factor;      /* plateau: multiplier, (0, 1) (default 0.1) */
    int plateau_patience;       /* plateau: epochs without improvement tolerated (10) */
    double plateau_min_delta;   /* plateau: smallest fall that counts, absolute (1e-4) */
    int plateau_cooldown;       /* plateau: epochs to wait after a drop (0) */
    double min_lr;              /* plateau: never below this (0) */
    double cosine_floor;        /* cosine: the rate after the last batch, >= 0 (0) */
    double onecycle_warmup;     /* one-cycle: fraction of batches warming up, (0, 1) (0.3) */
    double onecycle_div;        /* one-cycle: lr / div is the starting rate, > 1 (25) */
    double onecycle_final_div;  /* one-cycle: start / final_div is the last rate, >= 1 (1e4) */
    double cyclic_div;          /* cyclic: lr / div is the low end, > 1 (10) */
    int cyclic_half_epochs;     /* cyclic: epochs from low to high (2) */
} TrainSchedule;

/* What a schedule learns while running (plateau only; the others keep the defaults). It is
 * part of a checkpoint: resuming with the same state continues the same rates. */
typedef struct {
    double lr;                  /* plateau: the current rate (starts at the run's lr) */
    double best;                /* plateau: the best validation loss so far (+inf at first) */
    int bad_epochs;             /* plateau: epochs since the last improvement */
    int cooldown_left;          /* plateau: epochs of cooldown still to wait */
} TrainScheduleState;

/* Everything at the defaults above, kind constant. */
void train_schedule_init(TrainSchedule *schedule);

/* "constant", "step", "plateau", "cosine", "one-cycle", "cyclic" (config.ini and --schedule),
 * and back; -1 for an unknown word. */
const char *train_schedule_kind_name(TrainScheduleKind kind);
int train_schedule_kind_from_name(const char *name);
/* The names in order, NULL-terminated. */
const char *const *train_schedule_kind_names(void);

/* Checks the fields the kind uses (the others are ignored); the error names the setting and
 * its range. lr is the run's rate (cosine's floor and plateau's min_lr must stay below it). */
gboolean train_schedule_validate(const TrainSchedule *schedule, double lr, GError **error);

void train_schedule_state_init(TrainScheduleState *state, double lr);

/* The rate of batch `batch` (0-based) of epoch `epoch` (0-based) in a run of `epochs`
 * epochs of `batches_per_epoch` batches whose configured rate is lr. */
double train_schedule_rate(const TrainSchedule *schedule, const TrainScheduleState *state,
                           double lr, int epoch, int batch, int batches_per_epoch, int epochs);

/* Tells the schedule an epoch ended with this validation loss (plateau lowers its rate
 * here). TRUE when the rate of the next epoch differs from this one's because of it. */
gboolean train_schedule_end_epoch(const TrainSchedule *schedule, TrainScheduleState *state,
                                  double val_loss);

/* The rates of every batch of a whole run, as the schedule would give them if nothing were
 * learned (plateau: constant, since its drops depend on losses not yet seen): for drawing a
 * schedule before it runs. out holds epochs * batches_per_epoch doubles. */
void train_schedule_preview(const TrainSchedule *schedule, double lr, int epochs,
                            int batches_per_epoch, double *out);

/* A few words for legends and tables: "constant", "step x0.1 every 10", "plateau x0.1
 * after 10", "cosine to 0", "one-cycle", "cyclic /10 every 2". Newly allocated. */
char *train_schedule_describe(const TrainSchedule *schedule);
