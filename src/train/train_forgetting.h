/* train_forgetting: when each validation chip was learned and forgotten, from a run's
 * per-epoch predictions (after Toneva et al. 2019, "An empirical study of example
 * forgetting": a forgetting is right at one epoch, wrong at the next). The chips a network
 * never learns are the hard or mislabelled ones; the ones it got right at its best epoch
 * and gets wrong at the last are what overfitting cost. Plain data over TrainPrediction,
 * so the app's view and the tests share one definition.
 * Learned means right at TRAIN_FORGETTING_STREAK epochs in a row (or at every epoch from
 * one to the last), not right once: in a two-class run's first epochs the network is near
 * chance, often answering one class for every chip and the other at the next epoch, and
 * then any chip is right at every other epoch. Three in a row by luck are rare, and a
 * chip whose label contradicts its pixels (label noise) is otherwise right only by luck. */
#pragma once
#include <glib.h>
#include "train_run.h"
#include "train_types.h"

#define TRAIN_FORGETTING_STREAK 3

typedef struct {
    int n_right;          /* epochs it was right */
    int first_learned;    /* first epoch (from 0) of its first streak of right answers
                           * (see above); -1: never learned */
    int n_forgotten;      /* times it was right at one epoch and wrong at the next */
    int wrong_since;      /* wrong from this epoch to the last after having been right
                           * (the last forgetting); -1 when right at the last epoch or
                           * never right */
    gboolean right_at_end;
} TrainChipHistory;

typedef struct {
    int n_epochs, n_val;
    guint8 *right;             /* (n_val, n_epochs): 1 where image i was right at epoch e */
    TrainChipHistory *chips;   /* (n_val) */
} TrainForgetting;

/* From predictions (n_epochs, n_val) and the true labels (n_val). */
TrainForgetting *train_forgetting_new(const TrainPrediction *predictions, const int *labels,
                                      int n_epochs, int n_val);
/* From a run's finished epochs so far; NULL before its first epoch. */
TrainForgetting *train_forgetting_new_for_run(TrainRun *run);
void train_forgetting_free(TrainForgetting *forgetting);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainForgetting, train_forgetting_free)

typedef enum {
    TRAIN_CHIPS_ALL,
    TRAIN_CHIPS_NEVER_LEARNED,    /* never right TRAIN_FORGETTING_STREAK epochs in a row */
    TRAIN_CHIPS_FORGOTTEN_SINCE,  /* right at epoch `since`, wrong at the last */
    TRAIN_CHIPS_FORGOTTEN,        /* forgotten at least once */
    TRAIN_CHIPS_UNFORGETTABLE,    /* right at the last epoch and never forgotten */
    TRAIN_CHIPS_N_FILTERS
} TrainChipFilter;

typedef enum {
    TRAIN_CHIPS_BY_EPOCHS_RIGHT,     /* fewest first: the hardest on top */
    TRAIN_CHIPS_BY_FIRST_LEARNED,    /* latest first, the never learned before them */
    TRAIN_CHIPS_BY_TIMES_FORGOTTEN,  /* most first */
    TRAIN_CHIPS_BY_ORDER,            /* the validation split's order */
    TRAIN_CHIPS_N_SORTS
} TrainChipSort;

/* Whether image i passes filter (since: the epoch, from 0, of FORGOTTEN_SINCE). */
gboolean train_forgetting_passes(const TrainForgetting *forgetting, int i,
                                 TrainChipFilter filter, int since);
/* The validation images (positions in the split) that pass filter, in sort's order, ties
 * in the split's order: a GArray of int. */
GArray *train_forgetting_select(const TrainForgetting *forgetting, TrainChipFilter filter,
                                int since, TrainChipSort sort);
