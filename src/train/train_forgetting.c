/* train_forgetting: each validation chip's right/wrong history and what it implies, and
 * the filters and orders the app's learned/forgotten view offers. */
#include "train_forgetting.h"

#include <stdlib.h>

TrainForgetting *train_forgetting_new(const TrainPrediction *predictions, const int *labels,
                                      int n_epochs, int n_val)
{
    g_return_val_if_fail(n_epochs >= 0 && n_val >= 0, NULL);
    g_return_val_if_fail(predictions != NULL || n_epochs * n_val == 0, NULL);

    TrainForgetting *f = g_new0(TrainForgetting, 1);
    f->n_epochs = n_epochs;
    f->n_val = n_val;
    f->right = g_new0(guint8, MAX((gsize) n_epochs * n_val, 1));
    f->chips = g_new0(TrainChipHistory, MAX(n_val, 1));
    for (int i = 0; i < n_val; i++) {
        TrainChipHistory *h = &f->chips[i];
        guint8 *right = f->right + (gsize) i * n_epochs;
        *h = (TrainChipHistory) { .first_learned = -1, .wrong_since = -1 };
        int streak = 0;   /* right answers in a row up to e */
        for (int e = 0; e < n_epochs; e++) {
            right[e] = predictions[(gsize) e * n_val + i].predicted == labels[i];
            h->n_right += right[e];
            streak = right[e] ? streak + 1 : 0;
            if (h->first_learned < 0 &&
                (streak == TRAIN_FORGETTING_STREAK || (streak > 0 && e == n_epochs - 1)))
                h->first_learned = e - streak + 1;
            if (e > 0 && right[e - 1] && !right[e]) {
                h->n_forgotten++;
                h->wrong_since = e;
            }
        }
        h->right_at_end = n_epochs > 0 && right[n_epochs - 1];
        if (h->right_at_end)
            h->wrong_since = -1;
    }
    return f;
}

TrainForgetting *train_forgetting_new_for_run(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    int n_val = 0;
    train_run_get_val_indices(run, &n_val);
    const int n_epochs = train_run_get_n_prediction_epochs(run);
    const int *labels = train_run_get_val_labels(run);
    if (n_val == 0 || n_epochs == 0 || labels == NULL)
        return NULL;
    g_autofree TrainPrediction *predictions = g_new(TrainPrediction, (gsize) n_epochs * n_val);
    for (int e = 0; e < n_epochs; e++)
        if (!train_run_get_predictions(run, e, predictions + (gsize) e * n_val))
            return NULL;
    return train_forgetting_new(predictions, labels, n_epochs, n_val);
}

void train_forgetting_free(TrainForgetting *f)
{
    if (f == NULL)
        return;
    g_free(f->right);
    g_free(f->chips);
    g_free(f);
}

gboolean train_forgetting_passes(const TrainForgetting *f, int i, TrainChipFilter filter,
                                 int since)
{
    g_return_val_if_fail(f != NULL && i >= 0 && i < f->n_val, FALSE);

    const TrainChipHistory *h = &f->chips[i];
    switch (filter) {
    case TRAIN_CHIPS_NEVER_LEARNED:
        return h->first_learned < 0;
    case TRAIN_CHIPS_FORGOTTEN_SINCE:
        return since >= 0 && since < f->n_epochs - 1 && f->right[(gsize) i * f->n_epochs + since] &&
               !h->right_at_end;
    case TRAIN_CHIPS_FORGOTTEN:
        return h->n_forgotten > 0;
    case TRAIN_CHIPS_UNFORGETTABLE:
        return h->right_at_end && h->n_forgotten == 0;
    case TRAIN_CHIPS_ALL:
    case TRAIN_CHIPS_N_FILTERS:
        break;
    }
    return TRUE;
}

/* The sort's key: smaller first. */
static int
sort_key(const TrainForgetting *f, int i, TrainChipSort sort)
{
    const TrainChipHistory *h = &f->chips[i];
    switch (sort) {
    case TRAIN_CHIPS_BY_EPOCHS_RIGHT:
        return h->n_right;
    case TRAIN_CHIPS_BY_FIRST_LEARNED:
        return h->first_learned < 0 ? -f->n_epochs - 1 : -h->first_learned;
    case TRAIN_CHIPS_BY_TIMES_FORGOTTEN:
        return -h->n_forgotten;
    case TRAIN_CHIPS_BY_ORDER:
    case TRAIN_CHIPS_N_SORTS:
        break;
    }
    return 0;
}

typedef struct {
    int key, index;
} Keyed;

static int
compare_keyed(const void *a, const void *b)
{
    const Keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

GArray *train_forgetting_select(const TrainForgetting *f, TrainChipFilter filter, int since,
                                TrainChipSort sort)
{
    g_return_val_if_fail(f != NULL, NULL);

    g_autofree Keyed *keyed = g_new(Keyed, MAX(f->n_val, 1));
    int n = 0;
    for (int i = 0; i < f->n_val; i++)
        if (train_forgetting_passes(f, i, filter, since))
            keyed[n++] = (Keyed) { sort_key(f, i, sort), i };
    qsort(keyed, (size_t) n, sizeof *keyed, compare_keyed);
    GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(int), (guint) n);
    for (int k = 0; k < n; k++)
        g_array_append_val(out, keyed[k].index);
    return out;
}
