/* train_types: the status words (status.ini and messages use them) and a fresh progress. */
#include "train_types.h"

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
    };
}
