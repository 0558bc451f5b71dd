/* train_group: mean and spread of a group of seeds, per epoch and per run (see
 * train_group.h). */
#include "train_group.h"

#include <math.h>
#include <stddef.h>

TrainGroupStat train_group_stat(const double *values, int n)
{
    TrainGroupStat s = { .n = 0, .mean = NAN, .min = NAN, .max = NAN, .std = NAN };
    double sum = 0;

    g_return_val_if_fail(values != NULL || n == 0, s);

    for (int i = 0; i < n; i++) {
        if (!isfinite(values[i]))
            continue;
        s.min = s.n == 0 ? values[i] : MIN(s.min, values[i]);
        s.max = s.n == 0 ? values[i] : MAX(s.max, values[i]);
        sum += values[i];
        s.n++;
    }
    if (s.n == 0)
        return s;
    s.mean = sum / s.n;
    double squares = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(values[i]))
            squares += (values[i] - s.mean) * (values[i] - s.mean);
    s.std = s.n > 1 ? sqrt(squares / (s.n - 1)) : 0;
    return s;
}

void train_group_stat_band(const TrainGroupStat *s, TrainGroupSpread spread, double *lower,
                           double *upper)
{
    g_return_if_fail(s != NULL && lower != NULL && upper != NULL);

    if (spread == TRAIN_GROUP_SPREAD_STD) {
        *lower = s->mean - s->std;
        *upper = s->mean + s->std;
    } else {
        *lower = s->min;
        *upper = s->max;
    }
}

/* The fields of a TrainEpoch a group averages, and where they go in a TrainGroupEpoch. */
static const struct {
    gsize epoch_field, group_field;
} averaged[] = {
    { offsetof(TrainEpoch, loss), offsetof(TrainGroupEpoch, loss) },
    { offsetof(TrainEpoch, accuracy), offsetof(TrainGroupEpoch, accuracy) },
    { offsetof(TrainEpoch, val_loss), offsetof(TrainGroupEpoch, val_loss) },
    { offsetof(TrainEpoch, val_accuracy), offsetof(TrainGroupEpoch, val_accuracy) },
    { offsetof(TrainEpoch, lr), offsetof(TrainGroupEpoch, lr) },
};

GArray *train_group_epochs(const TrainEpoch *const *runs, const int *n_epochs, int n_runs)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(TrainGroupEpoch));
    int longest = 0;

    g_return_val_if_fail((runs != NULL && n_epochs != NULL) || n_runs == 0, out);

    for (int r = 0; r < n_runs; r++)
        longest = MAX(longest, n_epochs[r]);
    g_autofree double *values = g_new(double, MAX(n_runs, 1));
    for (int k = 0; k < longest; k++) {
        TrainGroupEpoch g = { .epoch = k };
        for (guint f = 0; f < G_N_ELEMENTS(averaged); f++) {
            int n = 0;
            for (int r = 0; r < n_runs; r++)
                if (k < n_epochs[r])
                    values[n++] = G_STRUCT_MEMBER(double, &runs[r][k], averaged[f].epoch_field);
            G_STRUCT_MEMBER(TrainGroupStat, &g, averaged[f].group_field) =
                train_group_stat(values, n);
            g.n = n;
        }
        g_array_append_val(out, g);
    }
    return out;
}

GArray *train_group_mean_epochs(const TrainEpoch *const *runs, const int *n_epochs, int n_runs)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(TrainEpoch));
    int shortest = n_runs > 0 ? G_MAXINT : 0;

    g_return_val_if_fail((runs != NULL && n_epochs != NULL) || n_runs == 0, out);

    for (int r = 0; r < n_runs; r++)
        shortest = MIN(shortest, n_epochs[r]);
    g_autoptr(GArray) group = train_group_epochs(runs, n_epochs, n_runs);
    for (int k = 0; k < shortest; k++) {
        const TrainGroupEpoch *g = &g_array_index(group, TrainGroupEpoch, k);
        TrainEpoch e = { .epoch = k };
        for (guint f = 0; f < G_N_ELEMENTS(averaged); f++) {
            const TrainGroupStat *s =
                &G_STRUCT_MEMBER(TrainGroupStat, g, averaged[f].group_field);
            /* A member's NaN is a divergence: the mean keeps it, so the diagnosis sees it. */
            G_STRUCT_MEMBER(double, &e, averaged[f].epoch_field) = s->n == g->n ? s->mean : NAN;
        }
        for (int r = 0; r < n_runs; r++) {
            e.seconds += runs[r][k].seconds / n_runs;
            e.images_per_second += runs[r][k].images_per_second / n_runs;
        }
        g_array_append_val(out, e);
    }
    return out;
}

TrainRunSummary train_run_summary(const TrainEpoch *e, int n, TrainStatus status)
{
    TrainRunSummary s = {
        .n_epochs = n,
        .diverged = status == TRAIN_STATUS_DIVERGED,
        .best_val_loss = NAN,
        .best_epoch = -1,
        .final_loss = n > 0 ? e[n - 1].loss : NAN,
        .best_val_accuracy = NAN,
    };

    g_return_val_if_fail(e != NULL || n == 0, s);

    for (int i = 0; i < n; i++) {
        if (!isfinite(e[i].loss) || !isfinite(e[i].val_loss))
            s.diverged = TRUE;
        if (isfinite(e[i].val_loss) && (s.best_epoch < 0 || e[i].val_loss < s.best_val_loss)) {
            s.best_val_loss = e[i].val_loss;
            s.best_epoch = i;
        }
        if (isfinite(e[i].val_accuracy) &&
            (isnan(s.best_val_accuracy) || e[i].val_accuracy > s.best_val_accuracy))
            s.best_val_accuracy = e[i].val_accuracy;
    }
    return s;
}

TrainGroupSummary train_group_summary(const TrainRunSummary *members, int n)
{
    TrainGroupSummary g = { .n = n };

    g_return_val_if_fail(members != NULL || n == 0, g);

    g_autofree double *best = g_new(double, MAX(n, 1));
    g_autofree double *final = g_new(double, MAX(n, 1));
    g_autofree double *accuracy = g_new(double, MAX(n, 1));
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (members[i].diverged) {
            g.n_diverged++;
            continue;
        }
        best[kept] = members[i].best_val_loss;
        final[kept] = members[i].final_loss;
        accuracy[kept] = members[i].best_val_accuracy;
        kept++;
    }
    g.best_val_loss = train_group_stat(best, kept);
    g.final_loss = train_group_stat(final, kept);
    g.best_val_accuracy = train_group_stat(accuracy, kept);
    return g;
}
