/* test_group: a group of seeds read as one, on numbers worked out by hand: the mean and
 * sample standard deviation of a value, the epochs of members of different lengths, the
 * mean curves the diagnosis reads, and what a U-curve plots for runs and groups. */
#include <math.h>

#include "train_group.h"

static void
test_stat(void)
{
    static const double v[] = { 1, 2, 3, NAN };
    TrainGroupStat s = train_group_stat(v, 4);
    g_assert_cmpint(s.n, ==, 3);   /* the NaN is left out */
    g_assert_cmpfloat(s.mean, ==, 2);
    g_assert_cmpfloat(s.min, ==, 1);
    g_assert_cmpfloat(s.max, ==, 3);
    g_assert_cmpfloat(s.std, ==, 1);   /* sqrt((1 + 0 + 1) / (3 - 1)) */

    double lo, hi;
    train_group_stat_band(&s, TRAIN_GROUP_SPREAD_MIN_MAX, &lo, &hi);
    g_assert_cmpfloat(lo, ==, 1);
    g_assert_cmpfloat(hi, ==, 3);
    train_group_stat_band(&s, TRAIN_GROUP_SPREAD_STD, &lo, &hi);
    g_assert_cmpfloat(lo, ==, 1);
    g_assert_cmpfloat(hi, ==, 3);

    s = train_group_stat(v, 1);
    g_assert_cmpint(s.n, ==, 1);
    g_assert_cmpfloat(s.std, ==, 0);
    s = train_group_stat(v + 3, 1);
    g_assert_cmpint(s.n, ==, 0);
    g_assert_true(isnan(s.mean) && isnan(s.std));
}

static TrainEpoch
epoch(int i, double loss, double val_loss, double val_accuracy)
{
    return (TrainEpoch) { .epoch = i, .loss = loss, .accuracy = 1 - loss, .val_loss = val_loss,
                          .val_accuracy = val_accuracy, .lr = 1e-3, .seconds = 2 };
}

static void
test_epochs(void)
{
    /* Member a finished 3 epochs, member b (still training) 2. */
    TrainEpoch a[] = { epoch(0, 0.6, 0.65, 0.6), epoch(1, 0.4, 0.5, 0.7), epoch(2, 0.2, 0.4, 0.8) };
    TrainEpoch b[] = { epoch(0, 0.8, 0.75, 0.5), epoch(1, 0.6, 0.6, 0.6) };
    const TrainEpoch *runs[] = { a, b };
    const int n[] = { 3, 2 };

    g_autoptr(GArray) g = train_group_epochs(runs, n, 2);
    g_assert_cmpint(g->len, ==, 3);
    const TrainGroupEpoch *e = (const TrainGroupEpoch *) g->data;
    g_assert_cmpint(e[0].n, ==, 2);
    g_assert_cmpfloat_with_epsilon(e[0].loss.mean, 0.7, 1e-12);
    g_assert_cmpfloat_with_epsilon(e[0].loss.min, 0.6, 1e-12);
    g_assert_cmpfloat_with_epsilon(e[0].loss.max, 0.8, 1e-12);
    g_assert_cmpfloat_with_epsilon(e[0].loss.std, sqrt(0.02), 1e-12);
    g_assert_cmpfloat_with_epsilon(e[1].val_accuracy.mean, 0.65, 1e-12);
    g_assert_cmpint(e[2].n, ==, 1);   /* only a reached epoch 3 */
    g_assert_cmpfloat_with_epsilon(e[2].val_loss.mean, 0.4, 1e-12);
    g_assert_cmpfloat(e[2].val_loss.std, ==, 0);

    /* The mean curves stop where every member has been. */
    g_autoptr(GArray) mean = train_group_mean_epochs(runs, n, 2);
    g_assert_cmpint(mean->len, ==, 2);
    const TrainEpoch *m = (const TrainEpoch *) mean->data;
    g_assert_cmpfloat_with_epsilon(m[1].loss, 0.5, 1e-12);
    g_assert_cmpfloat_with_epsilon(m[1].val_loss, 0.55, 1e-12);
    g_assert_cmpfloat_with_epsilon(m[1].lr, 1e-3, 1e-15);
    g_assert_cmpfloat_with_epsilon(m[0].seconds, 2, 1e-12);

    /* A member's NaN (it diverged) keeps the mean a NaN: the diagnosis sees it. */
    b[1].loss = NAN;
    g_autoptr(GArray) poisoned = train_group_mean_epochs(runs, n, 2);
    g_assert_true(isnan(g_array_index(poisoned, TrainEpoch, 1).loss));
}

static void
test_summaries(void)
{
    TrainEpoch a[] = { epoch(0, 0.6, 0.65, 0.6), epoch(1, 0.4, 0.5, 0.75), epoch(2, 0.2, 0.55, 0.7) };
    TrainRunSummary s = train_run_summary(a, 3, TRAIN_STATUS_FINISHED);
    g_assert_false(s.diverged);
    g_assert_cmpfloat(s.best_val_loss, ==, 0.5);
    g_assert_cmpint(s.best_epoch, ==, 1);
    g_assert_cmpfloat(s.final_loss, ==, 0.2);
    g_assert_cmpfloat(s.best_val_accuracy, ==, 0.75);

    TrainEpoch d[] = { epoch(0, 0.7, 0.69, 0.5), epoch(1, INFINITY, NAN, 0.5) };
    TrainRunSummary sd = train_run_summary(d, 2, TRAIN_STATUS_DIVERGED);
    g_assert_true(sd.diverged);
    g_assert_cmpfloat(sd.best_val_loss, ==, 0.69);
    /* A non-finite loss is a divergence whatever the status says. */
    g_assert_true(train_run_summary(d, 2, TRAIN_STATUS_FINISHED).diverged);
    /* No epoch at all. */
    TrainRunSummary none = train_run_summary(NULL, 0, TRAIN_STATUS_DIVERGED);
    g_assert_true(none.diverged);
    g_assert_true(isnan(none.best_val_loss));
    g_assert_cmpint(none.best_epoch, ==, -1);

    TrainRunSummary b = s;
    b.best_val_loss = 0.7;
    b.best_val_accuracy = 0.65;
    TrainRunSummary members[] = { s, sd, b };
    TrainGroupSummary g = train_group_summary(members, 3);
    g_assert_cmpint(g.n, ==, 3);
    g_assert_cmpint(g.n_diverged, ==, 1);
    g_assert_cmpint(g.best_val_loss.n, ==, 2);
    g_assert_cmpfloat_with_epsilon(g.best_val_loss.mean, 0.6, 1e-12);
    g_assert_cmpfloat_with_epsilon(g.best_val_loss.std, sqrt(0.02), 1e-12);
    g_assert_cmpfloat_with_epsilon(g.best_val_accuracy.mean, 0.7, 1e-12);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/group/stat", test_stat);
    g_test_add_func("/train/group/epochs", test_epochs);
    g_test_add_func("/train/group/summaries", test_summaries);
    return g_test_run();
}
