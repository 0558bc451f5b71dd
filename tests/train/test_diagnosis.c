/* test_diagnosis: each verdict on made-up curves shaped like the lessons: a run that
 * diverged, one stuck at chance after a too-high rate, a too-low rate that crawls, a
 * network that overfits from a known epoch, and a healthy one; a young run's verdict
 * waiting for evidence, and a group of seeds read as one; then the advice each verdict
 * earns (train_advice.h) under the configs that change it. */
#include <math.h>

#include "train_advice.h"
#include "train_diagnosis.h"

/* n epochs with losses from the two functions of the epoch index. */
static TrainEpoch *
curves(int n, double (*train)(int), double (*val)(int), double val_accuracy)
{
    TrainEpoch *e = g_new0(TrainEpoch, n);
    for (int i = 0; i < n; i++) {
        e[i].epoch = i;
        e[i].loss = train(i);
        e[i].val_loss = val(i);
        e[i].accuracy = e[i].val_accuracy = val_accuracy;
        e[i].lr = 1e-3;
    }
    return e;
}

static double falling(int i) { return 0.69 * exp(-0.15 * i) + 0.05; }
static double u_shaped(int i) { return 0.45 + 0.004 * (i - 8) * (i - 8); }  /* min at 8 */
static double flat_chance(int i) { return log(2.0) + 0.002 * (i % 2); }
static double crawl(int i) { return 0.6931 - 0.0004 * i; }
static double jumped_then_chance(int i) { return i == 0 ? 3.5 : log(2.0) + 0.003 * (i % 3); }
static double noisy_falling(int i) { return falling(i) + (i % 3 == 1 ? 0.004 : 0); }

static void
check(TrainVerdict v, TrainVerdictKind kind, const char *text)
{
    g_assert_cmpint(v.kind, ==, kind);
    g_assert_cmpstr(v.text, ==, text);
}

static void
test_diverged(void)
{
    g_autofree TrainEpoch *e = curves(5, falling, falling, 0.9);
    TrainVerdict v = train_diagnose(e, 5, TRAIN_STATUS_DIVERGED, 2);
    check(v, TRAIN_VERDICT_DIVERGED, "diverged");
    train_verdict_clear(&v);
    /* A NaN in the record is a divergence whatever the status says. */
    e[3].loss = NAN;
    v = train_diagnose(e, 5, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_DIVERGED, "diverged");
    train_verdict_clear(&v);
    e[3].loss = falling(3);
    /* A loss that exploded without becoming NaN (the stable softmax keeps it finite). */
    e[3].loss = 3.8e27;
    v = train_diagnose(e, 5, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_DIVERGED, "diverged (the loss exploded)");
    train_verdict_clear(&v);
    /* Zero epochs of a run that diverged in its first batch. */
    v = train_diagnose(NULL, 0, TRAIN_STATUS_DIVERGED, 2);
    check(v, TRAIN_VERDICT_DIVERGED, "diverged");
    train_verdict_clear(&v);
}

static void
test_too_early(void)
{
    g_autofree TrainEpoch *e = curves(1, falling, falling, 0.9);
    TrainVerdict v = train_diagnose(e, 1, TRAIN_STATUS_STOPPED, 2);
    g_assert_cmpint(v.kind, ==, TRAIN_VERDICT_NONE);
    train_verdict_clear(&v);
}

static void
test_stuck_at_chance(void)
{
    /* A too-high rate: the loss jumped, then sat at ln 2 with chance accuracy. */
    g_autofree TrainEpoch *e = curves(10, jumped_then_chance, flat_chance, 0.5);
    TrainVerdict v = train_diagnose(e, 10, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_STUCK, "stuck at chance");
    train_verdict_clear(&v);
    /* Flat at ln 9 for nine classes, validation loss wobbling. */
    g_autofree TrainEpoch *m = g_new0(TrainEpoch, 6);
    for (int i = 0; i < 6; i++) {
        m[i].loss = log(9.0) + 0.06 * (i % 2);
        m[i].val_loss = log(9.0) - 0.06 * (i % 2);
        m[i].val_accuracy = 1.0 / 9;
    }
    v = train_diagnose(m, 6, TRAIN_STATUS_FINISHED, 9);
    check(v, TRAIN_VERDICT_STUCK, "stuck at chance");
    train_verdict_clear(&v);
    /* Above chance after a jump (2.1 for two classes), chance accuracy: stuck too. */
    for (int i = 0; i < 6; i++) {
        m[i].loss = i == 0 ? 30 : 2.1 - 0.01 * i;
        m[i].val_loss = 2.0 + 0.05 * (i % 2);
        m[i].val_accuracy = 0.5;
    }
    v = train_diagnose(m, 6, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_STUCK, "stuck at chance");
    train_verdict_clear(&v);
    /* Measured (tiny network, synthetic chips, Adam 1e-2): fell from 0.78 in the first
     * epoch, then sat at ln 2 to the third decimal. */
    static const double sat[5][2] = {
        { 0.7812, 0.6941 }, { 0.6942, 0.6933 }, { 0.6943, 0.6935 }, { 0.6935, 0.6932 },
        { 0.6933, 0.6934 },
    };
    for (int i = 0; i < 5; i++) {
        m[i].loss = sat[i][0];
        m[i].val_loss = sat[i][1];
        m[i].val_accuracy = 0.5;
    }
    v = train_diagnose(m, 5, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_STUCK, "stuck at chance");
    train_verdict_clear(&v);
}

static void
test_too_slow(void)
{
    /* A too-low rate: at chance too, but falling a little every single epoch. */
    g_autofree TrainEpoch *e = curves(10, crawl, crawl, 0.5);
    TrainVerdict v = train_diagnose(e, 10, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_TOO_SLOW, "too slow");
    train_verdict_clear(&v);
    /* Well above chance but hardly improving is also too slow. */
    g_autofree TrainEpoch *f = curves(10, crawl, crawl, 0.8);
    for (int i = 0; i < 10; i++)
        f[i].loss = 0.4 - 0.001 * i;
    v = train_diagnose(f, 10, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_TOO_SLOW, "too slow");
    train_verdict_clear(&v);
}

static void
test_overfitting(void)
{
    /* Validation minimum at epoch index 8, then a sustained rise while training falls:
     * from_epoch is the first epoch of the rise (index 9), "epoch 10" for people. */
    g_autofree TrainEpoch *e = curves(20, falling, u_shaped, 0.8);
    TrainVerdict v = train_diagnose(e, 20, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_OVERFITTING, "overfitting from epoch 10");
    g_assert_cmpint(v.from_epoch, ==, 9);
    train_verdict_clear(&v);

    /* The same curves cut one epoch after the minimum: not sustained yet. */
    v = train_diagnose(e, 10, TRAIN_STATUS_FINISHED, 2);
    g_assert_cmpint(v.kind, ==, TRAIN_VERDICT_LEARNING);
    train_verdict_clear(&v);

    /* Memorising: validation accuracy never leaves chance, yet the validation loss turns
     * up while the training loss falls: overfitting, not "stuck". */
    g_autofree TrainEpoch *memo = curves(8, falling, u_shaped, 0.5);
    for (int i = 0; i < 8; i++)
        memo[i].val_loss = 0.69 + (i < 2 ? -0.01 * i : 0.03 * (i - 1));
    v = train_diagnose(memo, 8, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_OVERFITTING, "overfitting from epoch 3");
    train_verdict_clear(&v);

    /* Validation rising while the training loss rises too is not overfitting. */
    for (int i = 9; i < 20; i++)
        e[i].loss = e[8].loss + 0.01 * (i - 8);
    v = train_diagnose(e, 20, TRAIN_STATUS_FINISHED, 2);
    g_assert_cmpint(v.kind, !=, TRAIN_VERDICT_OVERFITTING);
    train_verdict_clear(&v);
}

static void
test_learning(void)
{
    g_autofree TrainEpoch *e = curves(15, falling, noisy_falling, 0.9);
    TrainVerdict v = train_diagnose(e, 15, TRAIN_STATUS_FINISHED, 2);
    check(v, TRAIN_VERDICT_LEARNING, "learning");
    g_assert_cmpint(v.from_epoch, ==, -1);
    train_verdict_clear(&v);
}

/* A young run: a rate that will learn (as 1e-3 on the chips, at chance for its first
 * epochs) and one that crawls look alike for a few epochs, so the verdict waits, then
 * says what the whole run shows. */
static void
test_waits_for_evidence(void)
{
    g_autofree TrainEpoch *e = curves(30, flat_chance, flat_chance, 0.5);
    TrainVerdict v = train_diagnose_live(e, 2, TRAIN_STATUS_RUNNING, 2, 30);
    check(v, TRAIN_VERDICT_WAITING, "at chance so far, epoch 2 of 30");
    train_verdict_clear(&v);
    /* Epoch 6 of 30 (a fifth): waited long enough. */
    v = train_diagnose_live(e, 6, TRAIN_STATUS_RUNNING, 2, 30);
    g_assert_cmpint(v.kind, !=, TRAIN_VERDICT_WAITING);
    train_verdict_clear(&v);
    /* A long run waits a fifth of it: 10 epochs of 50. */
    v = train_diagnose_live(e, 9, TRAIN_STATUS_RUNNING, 2, 50);
    check(v, TRAIN_VERDICT_WAITING, "at chance so far, epoch 9 of 50");
    train_verdict_clear(&v);
    /* Ended: no more waiting, the same curves read as before. */
    v = train_diagnose_live(e, 2, TRAIN_STATUS_FINISHED, 2, 2);
    TrainVerdict plain = train_diagnose(e, 2, TRAIN_STATUS_FINISHED, 2);
    g_assert_cmpint(v.kind, ==, plain.kind);
    train_verdict_clear(&plain);
    train_verdict_clear(&v);
    /* The first epoch alone, at chance. */
    v = train_diagnose_live(e, 1, TRAIN_STATUS_RUNNING, 2, 30);
    check(v, TRAIN_VERDICT_WAITING, "at chance so far, epoch 1 of 30");
    train_verdict_clear(&v);

    /* Above chance but hardly falling yet: slow so far. */
    g_autofree TrainEpoch *f = curves(10, crawl, crawl, 0.8);
    for (int i = 0; i < 10; i++)
        f[i].loss = 0.4 - 0.001 * i;
    v = train_diagnose_live(f, 3, TRAIN_STATUS_RUNNING, 2, 30);
    check(v, TRAIN_VERDICT_WAITING, "slow so far, epoch 3 of 30");
    train_verdict_clear(&v);

    /* A first-epoch jump is a too-high rate's mark: said at once. */
    g_autofree TrainEpoch *j = curves(10, jumped_then_chance, flat_chance, 0.5);
    v = train_diagnose_live(j, 3, TRAIN_STATUS_RUNNING, 2, 30);
    check(v, TRAIN_VERDICT_STUCK, "stuck at chance");
    train_verdict_clear(&v);
    /* A run that learns is said to, however young. */
    g_autofree TrainEpoch *l = curves(15, falling, noisy_falling, 0.9);
    v = train_diagnose_live(l, 3, TRAIN_STATUS_RUNNING, 2, 30);
    check(v, TRAIN_VERDICT_LEARNING, "learning");
    train_verdict_clear(&v);
}

static void
test_group(void)
{
    g_autofree TrainEpoch *a = curves(15, falling, noisy_falling, 0.9);
    g_autofree TrainEpoch *b = curves(15, falling, falling, 0.8);
    g_autofree TrainEpoch *d = curves(3, falling, falling, 0.9);
    d[2].loss = NAN;
    const TrainEpoch *runs[] = { a, b, d };
    const int n[] = { 15, 15, 3 };
    const TrainStatus statuses[] = { TRAIN_STATUS_FINISHED, TRAIN_STATUS_FINISHED,
                                     TRAIN_STATUS_DIVERGED };

    /* One member is that member. */
    TrainVerdict v = train_diagnose_group(runs, n, statuses, 1, 2, 15);
    check(v, TRAIN_VERDICT_LEARNING, "learning");
    train_verdict_clear(&v);
    /* Two learning members: the mean learns. */
    v = train_diagnose_group(runs, n, statuses, 2, 2, 15);
    check(v, TRAIN_VERDICT_LEARNING, "learning");
    train_verdict_clear(&v);
    /* A member that diverged puts the rate on the edge. */
    v = train_diagnose_group(runs, n, statuses, 3, 2, 15);
    check(v, TRAIN_VERDICT_DIVERGED, "diverged with 1 of 3 seeds");
    train_verdict_clear(&v);
    const TrainEpoch *all_diverged[] = { d, d };
    const TrainStatus both[] = { TRAIN_STATUS_DIVERGED, TRAIN_STATUS_DIVERGED };
    const int nd[] = { 3, 3 };
    v = train_diagnose_group(all_diverged, nd, both, 2, 2, 15);
    check(v, TRAIN_VERDICT_DIVERGED, "diverged with all 2 seeds");
    train_verdict_clear(&v);

    /* Overfitting members: the mean overfits from the same epoch. */
    g_autofree TrainEpoch *o1 = curves(20, falling, u_shaped, 0.8);
    g_autofree TrainEpoch *o2 = curves(20, falling, u_shaped, 0.8);
    for (int i = 0; i < 20; i++)
        o2[i].val_loss += 0.01;
    const TrainEpoch *over[] = { o1, o2 };
    const int no[] = { 20, 20 };
    v = train_diagnose_group(over, no, statuses, 2, 2, 20);
    check(v, TRAIN_VERDICT_OVERFITTING, "overfitting from epoch 10");
    train_verdict_clear(&v);

    /* Three seeds at chance, the second still training: the group waits. */
    g_autofree TrainEpoch *c = curves(3, flat_chance, flat_chance, 0.5);
    const TrainEpoch *young[] = { c, c };
    const int ny[] = { 3, 2 };
    const TrainStatus live[] = { TRAIN_STATUS_FINISHED, TRAIN_STATUS_RUNNING };
    v = train_diagnose_group(young, ny, live, 2, 2, 30);
    check(v, TRAIN_VERDICT_WAITING, "at chance so far, epoch 2 of 30");
    train_verdict_clear(&v);
}

/* The cures an overfitting run gets are the ones its config leaves off, with the epoch of
 * its lowest validation loss to fork from; rates go ten times down or up. */
static void
test_advice(void)
{
    g_autofree TrainEpoch *e = curves(16, falling, u_shaped, 0.8);
    TrainVerdict v = train_diagnose(e, 16, TRAIN_STATUS_FINISHED, 2);
    TrainConfig config;
    TrainAdvice a;

    g_assert_cmpint(v.kind, ==, TRAIN_VERDICT_OVERFITTING);
    train_config_init(&config);
    /* The defaults: the small network with its dropout on, nothing else. */
    a = train_advise(&v, &config, 2);
    g_assert_cmpint(a.kind, ==, TRAIN_ADVICE_CURES);
    g_assert_cmpuint(a.cures, ==, TRAIN_CURE_EARLY_STOP | TRAIN_CURE_WEIGHT_DECAY |
                                  TRAIN_CURE_AUGMENT);
    g_assert_cmpint(a.fork_epoch, ==, 9);   /* u_shaped's minimum, epoch index 8 */
    /* Each cure switched on leaves the list; dropout switched off joins it. */
    config.early_stop_patience = 5;
    config.weight_decay_on = TRUE;
    config.dropout = FALSE;
    a = train_advise(&v, &config, 2);
    g_assert_cmpuint(a.cures, ==, TRAIN_CURE_DROPOUT | TRAIN_CURE_AUGMENT);
    /* Weight decay "on" at 0 does nothing. */
    config.weight_decay = 0;
    g_assert_cmpuint(train_advise(&v, &config, 2).cures, ==,
                     TRAIN_CURE_DROPOUT | TRAIN_CURE_WEIGHT_DECAY | TRAIN_CURE_AUGMENT);
    config.weight_decay = 1e-4;
    g_assert_true(data_augment_config_parse(&config.augment, "hflip", NULL));
    config.dropout = TRUE;
    g_assert_cmpuint(train_advise(&v, &config, 2).cures, ==, 0);
    /* A network without a dropout layer needs one: the switch alone cannot help. */
    g_free(config.model);
    config.model = g_strdup("c8-p-f16-f2");
    g_assert_cmpuint(train_advise(&v, &config, 2).cures, ==, TRAIN_CURE_DROPOUT_LAYER);
    train_verdict_clear(&v);

    config.lr = 1e-2;
    v = (TrainVerdict) { .kind = TRAIN_VERDICT_DIVERGED, .from_epoch = -1 };
    a = train_advise(&v, &config, 2);
    g_assert_cmpint(a.kind, ==, TRAIN_ADVICE_LOWER_RATE);
    g_assert_cmpfloat_with_epsilon(a.rate, 1e-3, 1e-12);
    g_assert_cmpint(a.fork_epoch, ==, -1);
    v.kind = TRAIN_VERDICT_STUCK;
    g_assert_cmpint(train_advise(&v, &config, 2).kind, ==, TRAIN_ADVICE_LOWER_RATE);
    v.kind = TRAIN_VERDICT_TOO_SLOW;
    a = train_advise(&v, &config, 2);
    g_assert_cmpint(a.kind, ==, TRAIN_ADVICE_HIGHER_RATE);
    g_assert_cmpfloat_with_epsilon(a.rate, 1e-1, 1e-12);
    /* The field's top (10) caps it; at the top there is nothing higher to offer. */
    config.lr = 2;
    g_assert_cmpfloat(train_advise(&v, &config, 2).rate, ==, 10);
    config.lr = 10;
    g_assert_cmpint(train_advise(&v, &config, 2).kind, ==, TRAIN_ADVICE_NONE);
    v.kind = TRAIN_VERDICT_LEARNING;
    g_assert_cmpint(train_advise(&v, &config, 2).kind, ==, TRAIN_ADVICE_NONE);
    v.kind = TRAIN_VERDICT_WAITING;
    g_assert_cmpint(train_advise(&v, &config, 2).kind, ==, TRAIN_ADVICE_NONE);
    train_config_clear(&config);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/diagnosis/diverged", test_diverged);
    g_test_add_func("/train/diagnosis/too-early", test_too_early);
    g_test_add_func("/train/diagnosis/stuck-at-chance", test_stuck_at_chance);
    g_test_add_func("/train/diagnosis/too-slow", test_too_slow);
    g_test_add_func("/train/diagnosis/overfitting", test_overfitting);
    g_test_add_func("/train/diagnosis/learning", test_learning);
    g_test_add_func("/train/diagnosis/waits-for-evidence", test_waits_for_evidence);
    g_test_add_func("/train/diagnosis/group", test_group);
    g_test_add_func("/train/diagnosis/advice", test_advice);
    return g_test_run();
}
