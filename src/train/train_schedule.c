/* train_schedule: the rate of every batch, in torch.optim.lr_scheduler's arithmetic (double,
 * in torch's order of operations) so an exported run and the app agree to the last digits.
 * Where torch computes a rate recursively from the previous one (StepLR), we repeat the same
 * multiplications instead of using pow(), which rounds differently. */
#include "train_schedule.h"
#include "train_types.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <math.h>

static const char *const kind_names[] = {
    "constant", "step", "plateau", "cosine", "one-cycle", "cyclic", NULL,
};

void train_schedule_init(TrainSchedule *s)
{
    g_return_if_fail(s != NULL);

    *s = (TrainSchedule) {
        .kind = TRAIN_SCHEDULE_CONSTANT,
        .step_every = 10,
        .step_factor = 0.1,
        .plateau_factor = 0.1,
        .plateau_patience = 10,
        .plateau_min_delta = 1e-4,
        .plateau_cooldown = 0,
        .min_lr = 0,
        .cosine_floor = 0,
        .onecycle_warmup = 0.3,
        .onecycle_div = 25,
        .onecycle_final_div = 1e4,
        .cyclic_div = 10,
        .cyclic_half_epochs = 2,
    };
}

const char *train_schedule_kind_name(TrainScheduleKind kind)
{
    return kind >= 0 && kind < TRAIN_SCHEDULE_N_KINDS ? kind_names[kind] : NULL;
}

int train_schedule_kind_from_name(const char *name)
{
    for (int i = 0; name && kind_names[i]; i++)
        if (g_ascii_strcasecmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *const *train_schedule_kind_names(void)
{
    return kind_names;
}

/* x in (0, 1), open at both ends: a factor of 1 never lowers the rate, 0 stops learning. */
static gboolean
is_fraction(double x)
{
    return x > 0 && x < 1;
}

gboolean train_schedule_validate(const TrainSchedule *s, double lr, GError **error)
{
    g_return_val_if_fail(s != NULL, FALSE);

    switch (s->kind) {
    case TRAIN_SCHEDULE_CONSTANT:
        return TRUE;
    case TRAIN_SCHEDULE_STEP:
        if (s->step_every < 1 || s->step_every > 100000)
            return train_invalid(error, _("step schedule: the interval must be between 1 and 100000 "
                                  "epochs, got %d"), s->step_every);
        if (!is_fraction(s->step_factor))
            return train_invalid(error, _("step schedule: the factor must be between 0 and 1 "
                                  "(exclusive), got %g"), s->step_factor);
        return TRUE;
    case TRAIN_SCHEDULE_PLATEAU:
        if (!is_fraction(s->plateau_factor))
            return train_invalid(error, _("plateau schedule: the factor must be between 0 and 1 "
                                  "(exclusive), got %g"), s->plateau_factor);
        if (s->plateau_patience < 0 || s->plateau_patience > 100000)
            return train_invalid(error, _("plateau schedule: the patience must be between 0 and 100000 "
                                  "epochs, got %d"), s->plateau_patience);
        if (!(s->plateau_min_delta >= 0 && isfinite(s->plateau_min_delta)))
            return train_invalid(error, _("plateau schedule: the minimum improvement must be >= 0, "
                                  "got %g"), s->plateau_min_delta);
        if (s->plateau_cooldown < 0 || s->plateau_cooldown > 100000)
            return train_invalid(error, _("plateau schedule: the cooldown must be between 0 and 100000 "
                                  "epochs, got %d"), s->plateau_cooldown);
        if (!(s->min_lr >= 0 && s->min_lr < lr))
            return train_invalid(error, _("plateau schedule: the lowest rate must be >= 0 and below "
                                  "the learning rate %g, got %g"), lr, s->min_lr);
        return TRUE;
    case TRAIN_SCHEDULE_COSINE:
        if (!(s->cosine_floor >= 0 && s->cosine_floor < lr))
            return train_invalid(error, _("cosine schedule: the floor must be >= 0 and below the "
                                  "learning rate %g, got %g"), lr, s->cosine_floor);
        return TRUE;
    case TRAIN_SCHEDULE_ONE_CYCLE:
        if (!is_fraction(s->onecycle_warmup))
            return train_invalid(error, _("one-cycle schedule: the warm-up fraction must be between 0 "
                                  "and 1 (exclusive), got %g"), s->onecycle_warmup);
        if (!(s->onecycle_div > 1 && isfinite(s->onecycle_div)))
            return train_invalid(error, _("one-cycle schedule: the start divisor must be above 1, "
                                  "got %g"), s->onecycle_div);
        if (!(s->onecycle_final_div >= 1 && isfinite(s->onecycle_final_div)))
            return train_invalid(error, _("one-cycle schedule: the final divisor must be at least 1, "
                                  "got %g"), s->onecycle_final_div);
        return TRUE;
    case TRAIN_SCHEDULE_CYCLIC:
        if (!(s->cyclic_div > 1 && isfinite(s->cyclic_div)))
            return train_invalid(error, _("cyclic schedule: the divisor must be above 1, got %g"),
                           s->cyclic_div);
        if (s->cyclic_half_epochs < 1 || s->cyclic_half_epochs > 100000)
            return train_invalid(error, _("cyclic schedule: the half cycle must be between 1 and "
                                  "100000 epochs, got %d"), s->cyclic_half_epochs);
        return TRUE;
    case TRAIN_SCHEDULE_N_KINDS:
        break;
    }
    return train_invalid(error, _("schedule: unknown kind %d"), (int) s->kind);
}

void train_schedule_state_init(TrainScheduleState *state, double lr)
{
    g_return_if_fail(state != NULL);

    *state = (TrainScheduleState) { .lr = lr, .best = INFINITY };
}

/* StepLR multiplies the previous rate by gamma at every multiple of step_size: k
 * multiplications, in that order (pow(gamma, k) rounds differently from them). */
static double
step_rate(const TrainSchedule *s, double lr, int epoch)
{
    for (int k = epoch / s->step_every; k > 0; k--)
        lr = lr * s->step_factor;
    return lr;
}

/* CosineAnnealingLR's closed form; torch's recursive get_lr() agrees with it to rounding
 * (~1e-15 relative over 10^5 steps, and both are exactly eta_min at T_max). */
static double
cosine_rate(const TrainSchedule *s, double lr, long step, long total)
{
    return s->cosine_floor + (lr - s->cosine_floor) * (1 + cos(M_PI * step / total)) / 2;
}

static double
anneal_cos(double start, double end, double pct)
{
    double cos_out = cos(M_PI * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
}

/* OneCycleLR.get_lr, two phases: (start -> max) until warmup*total - 1, then (max -> min). */
static double
one_cycle_rate(const TrainSchedule *s, double max_lr, long step, long total)
{
    double initial_lr = max_lr / s->onecycle_div;
    double min_lr = initial_lr / s->onecycle_final_div;
    double end_1 = s->onecycle_warmup * (double) total - 1;
    double end_2 = (double) total - 1;

    if ((double) step <= end_1)
        return anneal_cos(initial_lr, max_lr, (step - 0.0) / (end_1 - 0.0));
    return anneal_cos(max_lr, min_lr, (step - end_1) / (end_2 - end_1));
}

/* CyclicLR.get_lr, mode 'triangular' (scale 1), step_size_down = step_size_up. */
static double
cyclic_rate(const TrainSchedule *s, double max_lr, long step, int batches_per_epoch)
{
    double base_lr = max_lr / s->cyclic_div;
    double up = (double) s->cyclic_half_epochs * batches_per_epoch;
    double total_size = up + up;
    double step_ratio = up / total_size;
    double cycle = floor(1 + step / total_size);
    double x = 1. + step / total_size - cycle;
    double scale_factor = x <= step_ratio ? x / step_ratio : (x - 1) / (step_ratio - 1);
    double base_height = (max_lr - base_lr) * scale_factor;
    return base_lr + base_height * 1.0;
}

double train_schedule_rate(const TrainSchedule *s, const TrainScheduleState *state, double lr,
                           int epoch, int batch, int batches_per_epoch, int epochs)
{
    g_return_val_if_fail(s != NULL, lr);

    long bpe = MAX(batches_per_epoch, 1);
    long step = (long) epoch * bpe + batch;
    long total = MAX((long) epochs * bpe, 1);

    switch (s->kind) {
    case TRAIN_SCHEDULE_CONSTANT:
    case TRAIN_SCHEDULE_N_KINDS:
        return lr;
    case TRAIN_SCHEDULE_STEP:
        return step_rate(s, lr, epoch);
    case TRAIN_SCHEDULE_PLATEAU:
        return state ? state->lr : lr;
    case TRAIN_SCHEDULE_COSINE:
        return cosine_rate(s, lr, step, total);
    case TRAIN_SCHEDULE_ONE_CYCLE:
        /* torch needs at least two steps per phase to define the ramp; a run that short
         * has nothing to schedule */
        return total < 4 ? lr : one_cycle_rate(s, lr, step, total);
    case TRAIN_SCHEDULE_CYCLIC:
        return cyclic_rate(s, lr, step, (int) bpe);
    }
    return lr;
}

/* ReduceLROnPlateau.step (mode 'min', threshold_mode 'abs', eps 1e-8), in torch's order:
 * count the epoch, let the cooldown swallow it, lower the rate when the count exceeds the
 * patience. */
gboolean train_schedule_end_epoch(const TrainSchedule *s, TrainScheduleState *st,
                                  double val_loss)
{
    g_return_val_if_fail(s != NULL && st != NULL, FALSE);

    if (s->kind != TRAIN_SCHEDULE_PLATEAU)
        return FALSE;
    /* A NaN compares false, so it counts as a bad epoch, as float('nan') does in torch. */
    if (val_loss < st->best - s->plateau_min_delta) {
        st->best = val_loss;
        st->bad_epochs = 0;
    } else {
        st->bad_epochs++;
    }
    if (st->cooldown_left > 0) {
        st->cooldown_left--;
        st->bad_epochs = 0;
    }
    if (st->bad_epochs > s->plateau_patience) {
        double old_lr = st->lr;
        double new_lr = MAX(old_lr * s->plateau_factor, s->min_lr);
        st->cooldown_left = s->plateau_cooldown;
        st->bad_epochs = 0;
        if (old_lr - new_lr > 1e-8) {
            st->lr = new_lr;
            return TRUE;
        }
    }
    return FALSE;
}

void train_schedule_preview(const TrainSchedule *s, double lr, int epochs, int batches_per_epoch,
                            double *out)
{
    g_return_if_fail(s != NULL && out != NULL);

    TrainScheduleState state;
    train_schedule_state_init(&state, lr);
    for (int e = 0; e < epochs; e++)
        for (int b = 0; b < batches_per_epoch; b++)
            out[(gsize) e * batches_per_epoch + b] =
                train_schedule_rate(s, &state, lr, e, b, batches_per_epoch, epochs);
}

char *train_schedule_describe(const TrainSchedule *s)
{
    g_return_val_if_fail(s != NULL, NULL);

    switch (s->kind) {
    case TRAIN_SCHEDULE_STEP:
        return g_strdup_printf(_("step x%g every %d"), s->step_factor, s->step_every);
    case TRAIN_SCHEDULE_PLATEAU:
        return g_strdup_printf(_("plateau x%g after %d"), s->plateau_factor, s->plateau_patience);
    case TRAIN_SCHEDULE_COSINE:
        return g_strdup_printf(_("cosine to %g"), s->cosine_floor);
    case TRAIN_SCHEDULE_ONE_CYCLE:
        return g_strdup(_("one-cycle"));
    case TRAIN_SCHEDULE_CYCLIC:
        return g_strdup_printf(_("cyclic /%g every %d"), s->cyclic_div, s->cyclic_half_epochs);
    case TRAIN_SCHEDULE_CONSTANT:
    case TRAIN_SCHEDULE_N_KINDS:
        break;
    }
    return g_strdup(_("constant"));
}
