/* train_lr_finder: the learning-rate range test ("Find a learning rate"), fastai's
 * lr_find (fastai/callback/schedule.py, v2) in LR Lab's engine:
 *
 *   1. From the run's initial weights (the same seed gives the same weights the run
 *      would start from, train_setup.h), train on training batches (shuffled and
 *      augmented as the run would see them) while the rate grows exponentially from
 *      start to end over `steps` batches: lr_i = start * (end/start)^(i/steps),
 *      i = 0 .. steps-1 (fastai's SchedExp at pos = i/num_it; the last rate stays just
 *      under end).
 *   2. Smooth the batch losses with a debiased exponential average, beta 0.98
 *      (fastai's AvgSmoothLoss: avg = beta*avg + (1-beta)*loss, shown as
 *      avg / (1 - beta^count), so the first points are not pulled towards 0).
 *   3. Stop early when the smoothed loss exceeds 4x its minimum so far, or when a loss
 *      is not finite (the point that stopped it is kept, as fastai's recorder keeps it).
 *   4. Suggest from the smoothed losses with the first tenth (steps/10 points) and the
 *      last 5 points dropped (fastai's [num_it//10:-5]), cut at the first non-finite one:
 *        valley   the longest decreasing run of points (a longest decreasing
 *                 subsequence, found as fastai does in O(n^2)); the suggestion is the
 *                 point start + floor(len/3) + floor(len/3 / 2) into it, i.e. about half
 *                 way down, where the loss is still falling fast. This is THE suggestion.
 *        steep    the rate where the loss falls fastest against log(rate).
 *        minimum  a tenth of the rate with the lowest loss.
 *   5. Restore the weights, the optimizer's state and the dropout stream: the finder
 *      never changes a run (fastai saves and reloads the model; here the finder keeps
 *      copies and writes them back, byte for byte).
 *
 * The rules are plain functions on arrays (tested on made-up curves with known answers);
 * train_lr_finder_run_model is the loop on an engine model; train_lr_finder_run builds
 * that model, its optimizer and batches from a config; the _async pair runs it in a
 * thread with its progress on a TrainNotifier, for the app and lrlab-train. */
#pragma once
#include <gio/gio.h>
#include "data_batcher.h"
#include "nn_model.h"
#include "nn_optim.h"
#include "train_config.h"
#include "train_notifier.h"

#define TRAIN_LR_FINDER_START 1e-7
#define TRAIN_LR_FINDER_END 10.0
#define TRAIN_LR_FINDER_STEPS 100
#define TRAIN_LR_FINDER_MAX_STEPS 400
#define TRAIN_LR_FINDER_BETA 0.98
#define TRAIN_LR_FINDER_STOP_FACTOR 4.0
#define TRAIN_LR_FINDER_TAIL 5          /* points dropped at the end */

typedef struct {
    double start_lr, end_lr;    /* 0 < start < end <= 10 */
    int steps;                  /* batches, 6 .. TRAIN_LR_FINDER_MAX_STEPS */
} TrainLrFinderOptions;

/* start 1e-7, end 10, 100 steps. */
TrainLrFinderOptions train_lr_finder_options_default(void);

/* The rate of batch i (from 0). */
double train_lr_finder_rate(const TrainLrFinderOptions *options, int i);

/* One trained batch. */
typedef struct {
    double lr;
    double loss;                /* the batch's loss (may be NaN or infinite at the end) */
    double smoothed;            /* the debiased average up to this batch */
} TrainLrFinderPoint;

/* The debiased exponential average of step 2. */
typedef struct {
    double beta, average;
    int count;
} TrainLrSmoother;

void train_lr_smoother_init(TrainLrSmoother *smoother, double beta);
/* Adds a loss; returns the debiased average so far. */
double train_lr_smoother_add(TrainLrSmoother *smoother, double loss);

/* The rules of step 4, on n >= 1 points; each returns an index into the arrays. */
int train_lr_rule_valley(const double *losses, int n);
/* n >= 2; the left end of the steepest segment, as fastai's argmin of the differences. */
int train_lr_rule_steep(const double *lrs, const double *losses, int n);
/* The index of the lowest loss (the suggestion is a tenth of its rate). */
int train_lr_rule_minimum(const double *losses, int n);

/* A fall of the smoothed loss smaller than this fraction of where the kept points start
 * is within the batches' noise: no rate really made it fall. */
#define TRAIN_LR_FINDER_CLEAR_FALL 0.03

typedef struct {
    gboolean found;             /* FALSE: no suggestion, see the result's message */
    gboolean clear;             /* the loss fell clearly (TRAIN_LR_FINDER_CLEAR_FALL); when
                                 * not, the suggestion is a guess and the message says why */
    double lr;                  /* the valley's rate: what the app offers to set */
    int valley, steep, minimum; /* indices into the points */
    double valley_lr, steep_lr, minimum_lr;  /* minimum_lr: a tenth of the lowest loss' rate */
} TrainLrSuggestion;

typedef enum {
    TRAIN_LR_FINDER_DONE = 0,   /* every step was trained */
    TRAIN_LR_FINDER_DIVERGED,   /* the smoothed loss passed 4x its minimum */
    TRAIN_LR_FINDER_NOT_FINITE, /* a loss was NaN or infinite */
} TrainLrFinderStop;

typedef struct {
    GArray *points;             /* TrainLrFinderPoint, every trained batch */
    int steps;                  /* the steps planned (for the trim) */
    TrainLrFinderStop stop;
    TrainLrSuggestion suggestion;
    char *message;              /* for the user: why there is no suggestion, or NULL */
    double seconds;             /* the range test's wall time (not the dataset's) */
} TrainLrFinderResult;

void train_lr_finder_result_init(TrainLrFinderResult *result);
void train_lr_finder_result_clear(TrainLrFinderResult *result);

/* Step 4 on points (n) of a test planned for steps: fills suggestion, or says in message
 * (newly allocated) why no rate can be suggested: a loss that was not a number from the
 * start, one that rose at every rate, too few points before it blew up. A suggestion
 * whose loss barely fell (a network that sits at chance for more batches than the test
 * has, whatever the rate) comes with clear FALSE and a message saying so. */
void train_lr_finder_suggest(const TrainLrFinderPoint *points, int n, int steps,
                             TrainLrSuggestion *suggestion, char **message);

/* Called after every batch (on the finder's thread) with the points so far. */
typedef void (*TrainLrFinderFunc)(const TrainLrFinderPoint *points, int n, int steps,
                                  gpointer user_data);

/* Steps 1-5 on a built model and optimizer, training on batcher's epochs 0, 1, ... as
 * needed. model, optimizer (its rate included) and the dropout stream are as they were
 * when it returns, whatever happened. cancel (may be NULL) is read between layers;
 * FALSE with G_IO_ERROR_CANCELLED when it was set. Otherwise TRUE, with result filled
 * (a suggestion, or a message). */
gboolean train_lr_finder_run_model(nn_model *model, nn_optimizer *optimizer,
                                   DataBatcher *batcher, const TrainLrFinderOptions *options,
                                   const gint *cancel, TrainLrFinderFunc progress,
                                   gpointer user_data, TrainLrFinderResult *result,
                                   GError **error);

/* The same from a config and its dataset: the run's split, normalisation, augmentation,
 * batch size, network, initial weights and optimizer (config->lr is not used). FALSE
 * with the reason when the config cannot make a run (bad spec, too big, too few
 * images) or when cancelled. */
gboolean train_lr_finder_run(const TrainConfig *config, DataSet *set,
                             const TrainLrFinderOptions *options, const gint *cancel,
                             TrainLrFinderFunc progress, gpointer user_data,
                             TrainLrFinderResult *result, GError **error);

/* What the async finder publishes on its notifier (made with train_notifier_new(ctx,
 * sizeof(TrainLrFinderState))): the dataset's loading, then the points so far. */
typedef struct {
    gboolean loading;
    int load_done, load_total;
    int n_points, steps;
    TrainLrFinderPoint points[TRAIN_LR_FINDER_MAX_STEPS];
} TrainLrFinderState;

/* train_lr_finder_run in a thread of its own, loading config's dataset first when set is
 * NULL (train_dataset_load). notifier may be NULL. callback runs on the caller's
 * thread-default context. Cancelling stops it between two layers. */
void train_lr_finder_run_async(const TrainConfig *config, DataSet *set,
                               const TrainLrFinderOptions *options, TrainNotifier *notifier,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean train_lr_finder_run_finish(GAsyncResult *res, TrainLrFinderResult *result,
                                    GError **error);

/* lr_find.csv: "step,lr,loss,smoothed_loss", one line per trained batch, C-locale
 * numbers that read back exactly; written atomically. */
gboolean train_lr_finder_save_csv(const TrainLrFinderResult *result, const char *path,
                                  GError **error);
