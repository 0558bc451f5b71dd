/* train_diagnosis: the teacher's reading of a run's curves, as a few explicit rules on the
 * per-epoch training and validation losses. The thresholds are named constants, chosen so
 * that the synthetic IC-chip lessons (too high, too low, overfitting) read as a teacher
 * would read them; tests/train/test_diagnosis.c pins each rule on made-up curves. */
#include "train_diagnosis.h"

#include <glib/gi18n.h>
#include <math.h>

#include "train_group.h"
#include "train_ratios.h"

/* "Stuck at chance": the training loss ends no lower than this fraction below ln(classes),
 * the loss of a network that always answers 1/classes. */
#define STUCK_BAND 0.10
/* Accuracy not this far above 1/classes counts as chance. */
#define STUCK_ACCURACY_MARGIN 0.10
/* What tells a too-high rate stuck at chance from a too-low one that has not left it: the
 * high rate throws the weights about, so the first epoch's loss is this far above chance
 * (the jump before settling), or the loss moved by TOO_SLOW_FALL over the run and still
 * ended at chance, or it moves by STUCK_WOBBLE x chance between two epochs; a too-low
 * rate changes it smoothly and by far less. */
#define STUCK_JUMP 1.25
#define STUCK_WOBBLE 0.02
/* "Diverged" without a NaN: an epoch's mean loss this many times the chance loss means
 * the network was confidently wrong about nearly everything (p(true) ~ e^-69 for two
 * classes): only an exploding update does that. The stable softmax keeps such a loss
 * finite, so the run itself does not stop; the verdict still says what happened. */
#define EXPLODED_FACTOR 100.0
/* "Too slow": the training loss fell by less than this fraction over the whole run. */
#define TOO_SLOW_FALL 0.10
/* "Overfitting": after its minimum the validation loss rose by at least this fraction
 * (and OVERFIT_RISE_ABS) and stayed up for OVERFIT_EPOCHS epochs, while the training loss
 * went on falling (by OVERFIT_TRAIN_FALL at least, so that noise is not a fall). */
#define OVERFIT_RISE 0.05
#define OVERFIT_RISE_ABS 0.01
#define OVERFIT_EPOCHS 2
#define OVERFIT_TRAIN_FALL 0.02

static TrainVerdict
verdict(TrainVerdictKind kind, int from_epoch, char *text)
{
    return (TrainVerdict) { .kind = kind, .from_epoch = from_epoch, .text = text };
}

/* The largest change of the training or validation loss from one epoch to the next,
 * from the second epoch on: the first epoch's training loss averages the initial descent
 * of every run and says nothing about wobbling. */
static double
largest_step(const TrainEpoch *epochs, int n)
{
    double step = 0;
    for (int i = 2; i < n; i++) {
        step = MAX(step, fabs(epochs[i].loss - epochs[i - 1].loss));
        step = MAX(step, fabs(epochs[i].val_loss - epochs[i - 1].val_loss));
    }
    return step;
}

TrainVerdict train_diagnose(const TrainEpoch *epochs, int n, TrainStatus status,
                            int num_classes)
{
    g_return_val_if_fail(n == 0 || epochs != NULL, verdict(TRAIN_VERDICT_NONE, -1, NULL));

    const double chance_loss = log(MAX(num_classes, 2));
    gboolean finite = TRUE, exploded = FALSE;
    for (int i = 0; i < n; i++) {
        finite = finite && isfinite(epochs[i].loss) && isfinite(epochs[i].val_loss);
        exploded = exploded || epochs[i].loss > EXPLODED_FACTOR * chance_loss ||
                   epochs[i].val_loss > EXPLODED_FACTOR * chance_loss;
    }
    if (status == TRAIN_STATUS_DIVERGED || !finite)
        return verdict(TRAIN_VERDICT_DIVERGED, -1, g_strdup(_("diverged")));
    if (exploded)
        return verdict(TRAIN_VERDICT_DIVERGED, -1, g_strdup(_("diverged (the loss exploded)")));
    if (n < 2)
        return verdict(TRAIN_VERDICT_NONE, -1, g_strdup(_("too early to tell")));

    const double chance_accuracy = 1.0 / MAX(num_classes, 2);
    double first = epochs[0].loss, min_train = first, best_accuracy = 0;
    for (int i = 0; i < n; i++) {
        min_train = MIN(min_train, epochs[i].loss);
        best_accuracy = MAX(best_accuracy, epochs[i].val_accuracy);
    }
    const double last = epochs[n - 1].loss;
    const double fall = first > 0 ? (first - min_train) / first : 0;

    /* Overfitting first: a validation loss that turned up for good while the training
     * loss went on falling is the memorising network's signature, even when its
     * validation accuracy never left chance. */
    int best = 0;
    for (int i = 1; i < n; i++)
        if (epochs[i].val_loss < epochs[best].val_loss)
            best = i;
    const double min_val = epochs[best].val_loss;
    const double risen = min_val + MAX(OVERFIT_RISE * min_val, OVERFIT_RISE_ABS);
    gboolean stays_up = n - 1 - best >= OVERFIT_EPOCHS;
    /* Sustained: the last OVERFIT_EPOCHS epochs are all well above the minimum. */
    for (int i = MAX(best + 1, n - OVERFIT_EPOCHS); stays_up && i < n; i++)
        stays_up = epochs[i].val_loss >= risen;
    if (stays_up && epochs[n - 1].loss < (1 - OVERFIT_TRAIN_FALL) * epochs[best].loss)
        return verdict(TRAIN_VERDICT_OVERFITTING, best + 1,
                       g_strdup_printf(_("overfitting from epoch %d"), best + 2));

    /* Stuck: ending no better than chance (at it, or above it after a jump), with chance
     * accuracy throughout, after the weights clearly moved. */
    if (last > (1 - STUCK_BAND) * chance_loss &&
        best_accuracy < chance_accuracy + STUCK_ACCURACY_MARGIN &&
        (first > STUCK_JUMP * chance_loss || fall >= TOO_SLOW_FALL ||
         largest_step(epochs, n) > STUCK_WOBBLE * chance_loss))
        return verdict(TRAIN_VERDICT_STUCK, -1, g_strdup(_("stuck at chance")));
    if (fall < TOO_SLOW_FALL)
        return verdict(TRAIN_VERDICT_TOO_SLOW, -1, g_strdup(_("too slow")));

    return verdict(TRAIN_VERDICT_LEARNING, -1, g_strdup(_("learning")));
}

void train_verdict_clear(TrainVerdict *verdict)
{
    g_return_if_fail(verdict != NULL);
    g_clear_pointer(&verdict->text, g_free);
}

TrainVerdict train_diagnose_live(const TrainEpoch *epochs, int n, TrainStatus status,
                                 int num_classes, int epochs_planned)
{
    TrainVerdict v = train_diagnose(epochs, n, status, num_classes);

    if (!train_status_is_active(status) || n < 1)
        return v;
    const int wait = MAX(TRAIN_DIAGNOSIS_WAIT_EPOCHS, epochs_planned / 5);
    if (n >= wait || epochs_planned <= n)
        return v;
    const double chance_loss = log(MAX(num_classes, 2));
    /* A jump above chance in the first epoch is a too-high rate's mark: said at once. */
    gboolean jumped = epochs[0].loss > STUCK_JUMP * chance_loss;
    gboolean at_chance = epochs[n - 1].loss > (1 - STUCK_BAND) * chance_loss;
    if ((v.kind == TRAIN_VERDICT_STUCK && !jumped) || v.kind == TRAIN_VERDICT_TOO_SLOW ||
        (v.kind == TRAIN_VERDICT_NONE && at_chance)) {
        train_verdict_clear(&v);
        return verdict(TRAIN_VERDICT_WAITING, -1,
                       /* Translators: the epochs done and the epochs planned. */
                       g_strdup_printf(at_chance ? _("at chance so far, epoch %d of %d")
                                                 : _("slow so far, epoch %d of %d"),
                                       n, epochs_planned));
    }
    return v;
}

TrainVerdict train_diagnose_group(const TrainEpoch *const *runs, const int *n_epochs,
                                  const TrainStatus *statuses, int n_runs, int num_classes,
                                  int epochs_planned)
{
    g_return_val_if_fail(n_runs == 0 || (runs && n_epochs && statuses),
                         verdict(TRAIN_VERDICT_NONE, -1, NULL));

    if (n_runs == 0)
        return verdict(TRAIN_VERDICT_NONE, -1, g_strdup(_("too early to tell")));
    if (n_runs == 1)
        return train_diagnose_live(runs[0], n_epochs[0], statuses[0], num_classes,
                                   epochs_planned);

    int n_diverged = 0;
    gboolean active = FALSE;
    for (int i = 0; i < n_runs; i++) {
        TrainRunSummary s = train_run_summary(runs[i], n_epochs[i], statuses[i]);
        n_diverged += s.diverged;
        active = active || train_status_is_active(statuses[i]);
    }
    if (n_diverged == n_runs)
        return verdict(TRAIN_VERDICT_DIVERGED, -1,
                       g_strdup_printf(_("diverged with all %d seeds"), n_runs));
    if (n_diverged > 0)
        return verdict(TRAIN_VERDICT_DIVERGED, -1,
                       /* Translators: the runs that diverged, of the runs in the group (more
                        * than one). */
                       g_strdup_printf(_("diverged with %d of %d seeds"), n_diverged, n_runs));

    g_autoptr(GArray) mean = train_group_mean_epochs(runs, n_epochs, n_runs);
    return train_diagnose_live((const TrainEpoch *) mean->data, (int) mean->len,
                               active ? TRAIN_STATUS_RUNNING : TRAIN_STATUS_FINISHED,
                               num_classes, epochs_planned);
}

char *train_diagnose_updates(TrainRun *run)
{
    g_return_val_if_fail(run != NULL, NULL);

    g_autoptr(TrainRatioLog) log = train_run_dup_update_ratios(run);
    if (log == NULL)
        return NULL;
    return train_ratio_log_diagnose(log, train_run_get_config(run)->optimizer == NN_OPTIMIZER_ADAM);
}
