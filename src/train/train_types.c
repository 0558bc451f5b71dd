/* train_types: the status words (status.ini and messages use them), a fresh progress, the
 * prediction probabilities imply, and the one way src/train words an out-of-range value. */
#include "train_types.h"

#include <gio/gio.h>
#include <math.h>

const char *train_status_to_string(TrainStatus status)
{
    switch (status) {
    case TRAIN_STATUS_READY: return "ready";
    case TRAIN_STATUS_LOADING: return "loading";
    case TRAIN_STATUS_RUNNING: return "running";
    case TRAIN_STATUS_PAUSED: return "paused";
    case TRAIN_STATUS_FINISHED: return "finished";
    case TRAIN_STATUS_STOPPED: return "stopped";
    case TRAIN_STATUS_EARLY_STOPPED: return "early-stopped";
    case TRAIN_STATUS_DIVERGED: return "diverged";
    case TRAIN_STATUS_FAILED: return "failed";
    }
    return "unknown";
}

gboolean train_status_from_string(const char *text, TrainStatus *status)
{
    for (int s = TRAIN_STATUS_READY; s <= TRAIN_STATUS_FAILED; s++)
        if (g_strcmp0(text, train_status_to_string(s)) == 0) {
            *status = s;
            return TRUE;
        }
    return FALSE;
}

gboolean train_status_is_active(TrainStatus status)
{
    return status == TRAIN_STATUS_LOADING || status == TRAIN_STATUS_RUNNING ||
           status == TRAIN_STATUS_PAUSED;
}

TrainProgress train_progress_init(int epochs)
{
    return (TrainProgress) {
        .status = TRAIN_STATUS_READY,
        .epochs = epochs,
        .eta_seconds = -1,
        .best_epoch = -1,
        .best_val_loss = INFINITY,
        .diverged_epoch = -1,
        .diverged_batch = -1,
        .test = { .epoch = -1 },
    };
}

int train_argmax(const float *p, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (p[i] > p[best])
            best = i;
    return best;
}

TrainPrediction train_prediction_of(const float *probs, int num_classes, int label)
{
    const int predicted = train_argmax(probs, num_classes);
    return (TrainPrediction) {
        .predicted = predicted,
        .confidence = probs[predicted],
        .true_probability = label >= 0 && label < num_classes ? probs[label] : 0.0f,
    };
}

gboolean train_invalid(GError **error, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *text = g_strdup_vprintf(format, ap);
    va_end(ap);
    /* What it quotes may come from a file (a CSV field, a name in a config): a message is
     * text a label can show, whatever bytes those were. */
    g_autofree char *message = g_utf8_make_valid(text, -1);
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, message);
    return FALSE;
}
