/* train_best: the best epoch's one definition (see train_best.h). */
#include "train_best.h"

#include <math.h>

gboolean train_best_improves(double best_val_loss, double val_loss, double min_delta)
{
    return isfinite(val_loss) && val_loss < best_val_loss - min_delta;
}

int train_best_epoch(const TrainEpoch *epochs, int n, double min_delta)
{
    g_return_val_if_fail(epochs != NULL || n == 0, -1);

    int best = -1;
    double best_val_loss = INFINITY;
    for (int i = 0; i < n; i++) {
        if (train_best_improves(best_val_loss, epochs[i].val_loss, min_delta)) {
            best = i;
            best_val_loss = epochs[i].val_loss;
        }
    }
    return best;
}
