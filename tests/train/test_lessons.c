/* test_lessons: the lessons LR Lab exists to show hold for real, on small data and tiny
 * networks in a few epochs: on the built-in chips at 32x32, Adam at 1e-1 blows up or sits
 * at chance, 1e-3 learns, 1e-7 barely moves; a network too big for a
 * small synthetic IC-chip set overfits (validation loss turns up while training loss
 * falls), and early stopping hands back the best epoch's weights. The diagnosis must say
 * so in each case. */
#include <math.h>

#include "data_synthetic.h"
#include "train_diagnosis.h"
#include "train_test_util.h"

typedef struct {
    GArray *epochs;
    TrainVerdict verdict;
    double best_val_accuracy;
    TrainStatus status;
} Outcome;

static void
outcome_clear(Outcome *o)
{
    g_array_unref(o->epochs);
    train_verdict_clear(&o->verdict);
}

static Outcome
train_and_diagnose(const TrainConfig *c, DataSet *set, TrainRun **keep)
{
    TrainRun *run = train_run_new(c, set);
    test_run_to_end(run);
    Outcome o = { .epochs = train_run_dup_epochs(run), .status = train_run_get_status(run) };
    for (guint i = 0; i < o.epochs->len; i++)
        o.best_val_accuracy = MAX(o.best_val_accuracy,
                                  g_array_index(o.epochs, TrainEpoch, i).val_accuracy);
    o.verdict = train_diagnose((const TrainEpoch *) o.epochs->data, (int) o.epochs->len,
                               o.status, set->num_classes);
    for (guint i = 0; i < o.epochs->len; i++) {
        const TrainEpoch *e = &g_array_index(o.epochs, TrainEpoch, i);
        g_test_message("lr %g epoch %d: loss %.5f acc %.3f val_loss %.5f val_acc %.3f", c->lr,
                       e->epoch, e->loss, e->accuracy, e->val_loss, e->val_accuracy);
    }
    g_test_message("lr %g: %s (%s)", c->lr, o.verdict.text, train_status_to_string(o.status));
    if (keep)
        *keep = run;
    else
        train_run_unref(run);
    return o;
}

/* The built-in chips, two classes at 32x32 and the default (easy) difficulty. */
static DataSet *
chip_set(int images_per_class)
{
    DataSyntheticParams params = data_synthetic_params_default();
    params.images_per_class = images_per_class;
    params.size = 32;
    params.threads = 0;
    GError *error = NULL;
    DataSet *set = data_synthetic_generate(&params, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    return set;
}

/* The three learning rates on the chips a user first sees, from the same initial weights.
 * Measured (c16-p-c32-p-c32-p-f64-f2, Adam, batch 32, 10 epochs, ~4 s a rate on one
 * thread): 1e-1 explodes in the first epoch (training loss ~90) and then sits at chance;
 * 1e-3 reaches ~0.76-0.78 validation accuracy with the validation loss down from 0.69 to
 * ~0.47-0.49; 1e-7 moves the loss in the fourth decimal. */
static void
test_learning_rates(void)
{
    /* 1500 for training, 500 for validation: enough that a good rate generalises
     * within 10 epochs. */
    g_autoptr(DataSet) set = chip_set(1000);
    TrainConfig c;
    test_config_init(&c, "c16-p-c32-p-c32-p-f64-f2", 10);
    c.size = 32;
    c.batch_size = 32;

    c.lr = 1e-1;
    Outcome high = train_and_diagnose(&c, set, NULL);
    g_assert_true(high.verdict.kind == TRAIN_VERDICT_DIVERGED ||
                  high.verdict.kind == TRAIN_VERDICT_STUCK);
    g_assert_cmpfloat(high.best_val_accuracy, <, 0.6);

    c.lr = 1e-3;
    Outcome good = train_and_diagnose(&c, set, NULL);
    g_assert_cmpint(good.status, ==, TRAIN_STATUS_FINISHED);
    g_assert_cmpfloat(good.best_val_accuracy, >=, 0.7);
    double best_val_loss = G_MAXDOUBLE;
    for (guint i = 0; i < good.epochs->len; i++)
        best_val_loss = MIN(best_val_loss, g_array_index(good.epochs, TrainEpoch, i).val_loss);
    g_assert_cmpfloat(best_val_loss, <, 0.6);    /* chance is ln 2 = 0.693 */
    g_assert_true(good.verdict.kind == TRAIN_VERDICT_LEARNING ||
                  good.verdict.kind == TRAIN_VERDICT_OVERFITTING);

    c.lr = 1e-7;
    Outcome low = train_and_diagnose(&c, set, NULL);
    const TrainEpoch *first = &g_array_index(low.epochs, TrainEpoch, 0);
    const TrainEpoch *last = &g_array_index(low.epochs, TrainEpoch, low.epochs->len - 1);
    g_assert_cmpfloat(fabs(last->loss - first->loss), <, 0.01);
    g_assert_cmpfloat(fabs(last->val_loss - first->val_loss), <, 0.01);
    g_assert_cmpint(low.verdict.kind, ==, TRAIN_VERDICT_TOO_SLOW);

    outcome_clear(&high);
    outcome_clear(&good);
    outcome_clear(&low);
    train_config_clear(&c);
}

static void
overfit_config(TrainConfig *c)
{
    test_config_init(c, "c16-p-c32-p-f256-f2", 14);
    c->size = 32;
    c->lr = 3e-3;
    c->dropout = FALSE;
    c->weight_decay_on = FALSE;
}

static void
test_overfitting_and_early_stopping(void)
{
    /* A few chips, a network with far more weights than images, no dropout, no weight
     * decay: it memorises the training chips and the validation loss turns up. */
    g_autoptr(DataSet) set = chip_set(60);
    TrainConfig c;
    overfit_config(&c);
    Outcome o = train_and_diagnose(&c, set, NULL);
    g_assert_cmpint(o.status, ==, TRAIN_STATUS_FINISHED);
    g_assert_cmpint(o.verdict.kind, ==, TRAIN_VERDICT_OVERFITTING);
    const TrainEpoch *e = (const TrainEpoch *) o.epochs->data;
    int n = (int) o.epochs->len, from = o.verdict.from_epoch;
    g_assert_cmpint(from, >=, 1);
    /* What the verdict claims, checked on the curves: the validation loss ends above its
     * minimum (just before `from`) while the training loss ends below its value there. */
    g_assert_cmpfloat(e[n - 1].val_loss, >, e[from - 1].val_loss);
    g_assert_cmpfloat(e[n - 1].loss, <, e[from - 1].loss);
    g_assert_cmpfloat(e[n - 1].accuracy, >, 0.8);   /* it learnt the training chips */

    /* The cure: early stopping on the same run stops after the minimum and restores it. */
    c.early_stop_patience = 3;
    TrainRun *run = NULL;
    Outcome stopped = train_and_diagnose(&c, set, &run);
    g_assert_cmpint(stopped.status, ==, TRAIN_STATUS_EARLY_STOPPED);
    TrainProgress p = train_run_get_progress(run);
    g_assert_cmpint(p.best_epoch, ==, from - 1);   /* same seed, same curves up to here */
    g_assert_cmpint((int) stopped.epochs->len, ==, p.best_epoch + 4);
    double val_loss;
    GError *error = NULL;
    g_assert_true(train_run_evaluate(run, &val_loss, NULL, &error));
    g_assert_cmpfloat_with_epsilon(val_loss, e[p.best_epoch].val_loss, 1e-6);
    train_run_unref(run);

    outcome_clear(&o);
    outcome_clear(&stopped);
    train_config_clear(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/lessons/learning-rates", test_learning_rates);
    g_test_add_func("/train/lessons/overfitting-and-early-stopping",
                    test_overfitting_and_early_stopping);
    return g_test_run();
}
