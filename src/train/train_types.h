/* train_types: the records every part of a training run shares: its status, one epoch,
 * one batch, one prediction, the progress a consumer reads. Plain data, no behaviour, so
 * the run (train_run), its worker (train_worker), its folder (train_record) and the
 * files in it (train_history, train_predictions) can all use them without knowing of
 * each other. train_run.h includes this header.
 * Numbering: every int field (epoch, batch, best_epoch...) counts from 0, as history.csv
 * does; sentences for people (messages, verdicts) count from 1, as Keras's "Epoch 1/30". */
#pragma once
#include <glib.h>

typedef enum {
    TRAIN_STATUS_READY = 0,     /* created, not started */
    TRAIN_STATUS_LOADING,       /* preparing the dataset */
    TRAIN_STATUS_RUNNING,
    TRAIN_STATUS_PAUSED,
    TRAIN_STATUS_FINISHED,      /* all epochs done */
    TRAIN_STATUS_STOPPED,       /* stopped by the user; finished epochs kept */
    TRAIN_STATUS_EARLY_STOPPED,
    TRAIN_STATUS_DIVERGED,      /* NaN/inf loss */
    TRAIN_STATUS_FAILED,        /* an error (bad data, out of memory...) */
} TrainStatus;

const char *train_status_to_string(TrainStatus status);   /* "running", "early-stopped" */
/* The inverse of train_status_to_string; FALSE (status untouched) for any other text. */
gboolean train_status_from_string(const char *text, TrainStatus *status);
gboolean train_status_is_active(TrainStatus status);       /* loading/running/paused */

typedef struct {
    int epoch;                  /* from 0 */
    double loss, accuracy;      /* training, averaged over the epoch's batches (Keras) */
    double val_loss, val_accuracy;
    double lr;
    double seconds;             /* this epoch's wall time */
    double images_per_second;   /* training images / training time */
} TrainEpoch;

typedef struct {
    int epoch;
    int batch;                  /* within the epoch, from 0 */
    double loss, accuracy;      /* of this batch */
    double lr;
    double elapsed;             /* seconds since the run started */
} TrainBatchPoint;

/* One validation image's answer at one epoch. Runs keep every class's probability
 * (predictions.bin v2); this is what they imply (train_prediction_of), or what a
 * predictions.bin of version 1 kept instead. */
typedef struct {
    int predicted;              /* class: the first of the largest probabilities */
    float confidence;           /* probability of the predicted class */
    float true_probability;     /* probability of the true class (loss = -log) */
} TrainPrediction;

/* The answer of probs (num_classes, softmax) for an image of class label. */
TrainPrediction train_prediction_of(const float *probs, int num_classes, int label);
/* The first of the largest of p (n): the predicted class, everywhere it is derived. */
int train_argmax(const float *p, int n);

/* A test split's score (a folder's test/ images), taken once at the end of a run with the
 * best epoch's weights, as the seed documents report test accuracy beside validation. */
typedef struct {
    int images;                 /* 0: no test split, or not evaluated (yet) */
    int epoch;                  /* the epoch whose weights were tested (the best); -1 */
    double loss, accuracy;
} TrainTestScore;

typedef struct {
    TrainStatus status;
    int epoch;                  /* current epoch (0-based) */
    int epochs;                 /* total planned */
    int batch;                  /* batches done in the current epoch */
    int batches_per_epoch;
    double images_per_second;
    double eta_seconds;         /* <0 unknown */
    double elapsed;             /* seconds */
    int load_done, load_total;  /* while LOADING */
    int best_epoch;             /* -1 none */
    double best_val_loss, best_val_accuracy;
    int diverged_epoch, diverged_batch; /* -1 unless DIVERGED */
    TrainTestScore test;        /* set when the run ended, if it has a test split */
} TrainProgress;

/* The progress of a run planned for `epochs` that has done nothing yet. */
TrainProgress train_progress_init(int epochs);

/* Sets a G_IO_ERROR_INVALID_ARGUMENT error from a format and returns FALSE, so a check
 * reads `return train_invalid(error, "size must be ...", size);`. */
gboolean train_invalid(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);
