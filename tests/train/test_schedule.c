/* test_schedule: every learning-rate schedule gives, batch after batch over a whole run, the
 * rates torch.optim.lr_scheduler 1.13 gives for the same settings (to 1e-7 relative; the
 * arithmetic is the same doubles in the same order, so in practice they are equal), plus
 * the rules a user relies on: the shapes' landmarks, a plateau state that resumes exactly,
 * and values out of range refused with the setting's name. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "train_schedule.h"
#include "train_test_util.h"

#define RATE_RTOL 1e-7

static const char *python_path = "/usr/bin/python3";
static char *script_path;

typedef struct {
    const char *name;
    TrainSchedule schedule;
    double lr;
    int epochs, batches_per_epoch;
} ScheduleCase;

/* A validation loss that falls, then wanders on a plateau (with one NaN epoch, which both
 * sides must count as "no improvement"), so plateau has something to react to. */
static double
plateau_loss(int epoch)
{
    if (epoch == 23)
        return NAN;
    double trend = epoch < 12 ? 1.0 - 0.05 * epoch : 0.45;
    return trend + 0.004 * sin(epoch * 1.7);
}

/* The key=value words schedule_torch.py reads for this case. */
static void
append_options(GPtrArray *argv, const ScheduleCase *c)
{
    const TrainSchedule *s = &c->schedule;
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

#define ADD_DOUBLE(key, value) \
    g_ptr_array_add(argv, g_strconcat(key "=", g_ascii_dtostr(buf, sizeof buf, value), NULL))
#define ADD_INT(key, value) g_ptr_array_add(argv, g_strdup_printf(key "=%d", value))
    switch (s->kind) {
    case TRAIN_SCHEDULE_STEP:
        ADD_INT("every", s->step_every);
        ADD_DOUBLE("factor", s->step_factor);
        break;
    case TRAIN_SCHEDULE_PLATEAU: {
        ADD_DOUBLE("factor", s->plateau_factor);
        ADD_INT("patience", s->plateau_patience);
        ADD_DOUBLE("min_delta", s->plateau_min_delta);
        ADD_INT("cooldown", s->plateau_cooldown);
        ADD_DOUBLE("min_lr", s->min_lr);
        GString *losses = g_string_new("losses=");
        for (int e = 0; e < c->epochs; e++) {
            double v = plateau_loss(e);
            g_string_append_printf(losses, "%s%s", e ? "," : "",
                                   isnan(v) ? "nan" : g_ascii_dtostr(buf, sizeof buf, v));
        }
        g_ptr_array_add(argv, g_string_free(losses, FALSE));
        break;
    }
    case TRAIN_SCHEDULE_COSINE:
        ADD_DOUBLE("floor", s->cosine_floor);
        break;
    case TRAIN_SCHEDULE_ONE_CYCLE:
        ADD_DOUBLE("warmup", s->onecycle_warmup);
        ADD_DOUBLE("div", s->onecycle_div);
        ADD_DOUBLE("final_div", s->onecycle_final_div);
        break;
    case TRAIN_SCHEDULE_CYCLIC:
        ADD_DOUBLE("div", s->cyclic_div);
        ADD_INT("half", s->cyclic_half_epochs);
        break;
    default:
        break;
    }
#undef ADD_DOUBLE
#undef ADD_INT
}

/* torch's rate for every batch of the case. A missing torch fails: CI installs it. */
static double *
torch_rates(const ScheduleCase *c, int *n_out)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;

    g_ptr_array_add(argv, g_strdup(python_path));
    g_ptr_array_add(argv, g_strdup(script_path));
    g_ptr_array_add(argv, g_strdup(train_schedule_kind_name(c->schedule.kind)));
    g_ptr_array_add(argv, g_strdup(g_ascii_dtostr(buf, sizeof buf, c->lr)));
    g_ptr_array_add(argv, g_strdup_printf("%d", c->epochs));
    g_ptr_array_add(argv, g_strdup_printf("%d", c->batches_per_epoch));
    append_options(argv, c);
    g_ptr_array_add(argv, NULL);

    if (!g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                      &err, &status, &error) ||
        !g_spawn_check_wait_status(status, &error))
        g_error("schedule_torch.py failed (%s): %s\n(torch missing? run tools/install-deps)",
                error->message, err ? err : "");
    g_auto(GStrv) lines = g_strsplit(g_strstrip(out), "\n", -1);
    int n = (int) g_strv_length(lines);
    double *rates = g_new(double, n);
    for (int i = 0; i < n; i++)
        rates[i] = g_ascii_strtod(lines[i], NULL);
    *n_out = n;
    return rates;
}

/* LR Lab's rates for the same run, telling plateau each epoch's loss as the worker does. */
static double *
our_rates(const ScheduleCase *c)
{
    int bpe = c->batches_per_epoch;
    double *rates = g_new(double, (gsize) c->epochs * bpe);
    TrainScheduleState state;

    train_schedule_state_init(&state, c->lr);
    for (int e = 0; e < c->epochs; e++) {
        for (int b = 0; b < bpe; b++)
            rates[e * bpe + b] = train_schedule_rate(&c->schedule, &state, c->lr, e, b, bpe,
                                                     c->epochs);
        train_schedule_end_epoch(&c->schedule, &state, plateau_loss(e));
    }
    return rates;
}

static void
test_against_torch(gconstpointer data)
{
    const ScheduleCase *c = data;
    g_autoptr(GError) error = NULL;
    int n_torch = 0, n = c->epochs * c->batches_per_epoch;
    double worst = 0;
    int worst_at = -1, changes = 0;

    g_assert_true(train_schedule_validate(&c->schedule, c->lr, &error));
    g_autofree double *theirs = torch_rates(c, &n_torch);
    g_autofree double *ours = our_rates(c);
    g_assert_cmpint(n_torch, ==, n);
    for (int i = 0; i < n; i++) {
        double scale = fabs(theirs[i]) > 0 ? fabs(theirs[i]) : 1e-300;
        double rel = fabs(ours[i] - theirs[i]) / scale;
        if (rel > worst) {
            worst = rel;
            worst_at = i;
        }
        changes += i > 0 && theirs[i] != theirs[i - 1];
    }
    g_test_message("%s: %d batches, %d rate changes, worst relative difference %.2e%s", c->name,
                   n, changes, worst, worst_at >= 0 ? "" : " (identical)");
    if (worst_at >= 0)
        g_test_message("  at batch %d: lrlab %.17g torch %.17g", worst_at, ours[worst_at],
                       theirs[worst_at]);
    g_assert_cmpfloat(worst, <=, RATE_RTOL);
    /* A case whose rate never moves would prove nothing (constant aside). */
    if (c->schedule.kind != TRAIN_SCHEDULE_CONSTANT)
        g_assert_cmpint(changes, >, 0);
}

static TrainSchedule
schedule_of(TrainScheduleKind kind)
{
    TrainSchedule s;
    train_schedule_init(&s);
    s.kind = kind;
    return s;
}

static void
test_landmarks(void)
{
    TrainSchedule s = schedule_of(TRAIN_SCHEDULE_ONE_CYCLE);
    const double lr = 1e-2;
    const int epochs = 10, bpe = 10;

    /* one-cycle starts at lr/25, peaks at lr where the warm-up ends (30% of 100 batches:
     * batch 29), ends at lr/25/1e4 */
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 0, 0, bpe, epochs), lr / 25,
                                   1e-15);
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 2, 9, bpe, epochs), lr, 1e-15);
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 9, 9, bpe, epochs),
                                   lr / 25 / 1e4, 1e-15);

    /* cosine: lr first, half way down at the middle batch, the floor never undershot */
    s = schedule_of(TRAIN_SCHEDULE_COSINE);
    s.cosine_floor = 1e-4;
    g_assert_cmpfloat(train_schedule_rate(&s, NULL, lr, 0, 0, bpe, epochs), ==, lr);
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 5, 0, bpe, epochs),
                                   (lr + 1e-4) / 2, 1e-15);
    for (int e = 0; e < epochs; e++)
        g_assert_cmpfloat(train_schedule_rate(&s, NULL, lr, e, bpe - 1, bpe, epochs), >, 1e-4);

    /* cyclic: low end at 0, high end after one half cycle (2 epochs), low again after two */
    s = schedule_of(TRAIN_SCHEDULE_CYCLIC);
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 0, 0, bpe, epochs), lr / 10,
                                   1e-15);
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 2, 0, bpe, epochs), lr, 1e-15);
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 4, 0, bpe, epochs), lr / 10,
                                   1e-15);

    /* step: constant inside an epoch, x0.1 at epochs 10 and 20 */
    s = schedule_of(TRAIN_SCHEDULE_STEP);
    g_assert_cmpfloat(train_schedule_rate(&s, NULL, lr, 9, 9, bpe, 30), ==, lr);
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 10, 0, bpe, 30), lr * 0.1,
                                   1e-17);
    g_assert_cmpfloat_with_epsilon(train_schedule_rate(&s, NULL, lr, 29, 3, bpe, 30),
                                   lr * 0.1 * 0.1, 1e-17);

    /* constant is constant, whatever the state says */
    TrainScheduleState state = { .lr = 5.0 };
    s = schedule_of(TRAIN_SCHEDULE_CONSTANT);
    g_assert_cmpfloat(train_schedule_rate(&s, &state, lr, 7, 3, bpe, epochs), ==, lr);
}

/* The plateau state is all a checkpoint needs: continuing from a copy taken mid-run gives
 * the same rates as never stopping. */
static void
test_plateau_state_resumes(void)
{
    TrainSchedule s = schedule_of(TRAIN_SCHEDULE_PLATEAU);
    s.plateau_patience = 2;
    s.plateau_cooldown = 1;
    TrainScheduleState straight, saved, resumed;
    double rates_straight[40], rates_resumed[40];
    int drops = 0;

    train_schedule_state_init(&straight, 1e-3);
    for (int e = 0; e < 40; e++) {
        if (e == 17)
            saved = straight;
        rates_straight[e] = train_schedule_rate(&s, &straight, 1e-3, e, 0, 1, 40);
        drops += train_schedule_end_epoch(&s, &straight, plateau_loss(e));
    }
    resumed = saved;
    for (int e = 17; e < 40; e++) {
        rates_resumed[e] = train_schedule_rate(&s, &resumed, 1e-3, e, 0, 1, 40);
        train_schedule_end_epoch(&s, &resumed, plateau_loss(e));
    }
    g_assert_cmpint(drops, >=, 2);
    for (int e = 17; e < 40; e++)
        g_assert_cmpfloat(rates_resumed[e], ==, rates_straight[e]);
    g_assert_cmpfloat(resumed.lr, ==, straight.lr);
    g_assert_cmpfloat(resumed.best, ==, straight.best);
    g_assert_cmpint(resumed.bad_epochs, ==, straight.bad_epochs);
    g_assert_cmpint(resumed.cooldown_left, ==, straight.cooldown_left);
}

static void
expect_invalid(TrainSchedule s, double lr, const char *words)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(train_schedule_validate(&s, lr, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    if (strstr(error->message, words) == NULL)
        g_error("\"%s\" does not say \"%s\"", error->message, words);
}

static void
test_out_of_range(void)
{
    TrainSchedule s = schedule_of(TRAIN_SCHEDULE_STEP);
    s.step_factor = 1.0;
    expect_invalid(s, 1e-3, "step schedule: the factor");
    s = schedule_of(TRAIN_SCHEDULE_STEP);
    s.step_every = 0;
    expect_invalid(s, 1e-3, "interval");
    s = schedule_of(TRAIN_SCHEDULE_PLATEAU);
    s.plateau_patience = -1;
    expect_invalid(s, 1e-3, "patience");
    s = schedule_of(TRAIN_SCHEDULE_PLATEAU);
    s.min_lr = 1e-2;
    expect_invalid(s, 1e-3, "lowest rate");
    s = schedule_of(TRAIN_SCHEDULE_COSINE);
    s.cosine_floor = 2e-3;
    expect_invalid(s, 1e-3, "floor");
    s = schedule_of(TRAIN_SCHEDULE_ONE_CYCLE);
    s.onecycle_warmup = 0;
    expect_invalid(s, 1e-3, "warm-up");
    s = schedule_of(TRAIN_SCHEDULE_ONE_CYCLE);
    s.onecycle_div = 1;
    expect_invalid(s, 1e-3, "start divisor");
    s = schedule_of(TRAIN_SCHEDULE_CYCLIC);
    s.cyclic_half_epochs = 0;
    expect_invalid(s, 1e-3, "half cycle");
    s = schedule_of(TRAIN_SCHEDULE_CYCLIC);
    s.cyclic_div = NAN;
    expect_invalid(s, 1e-3, "divisor");

    /* Fields of other kinds do not matter: a constant run with a silly step factor is fine. */
    s = schedule_of(TRAIN_SCHEDULE_CONSTANT);
    s.step_factor = -5;
    g_assert_true(train_schedule_validate(&s, 1e-3, NULL));
}

static void
test_names(void)
{
    for (int k = 0; k < TRAIN_SCHEDULE_N_KINDS; k++) {
        const char *name = train_schedule_kind_name(k);
        g_assert_nonnull(name);
        g_assert_cmpint(train_schedule_kind_from_name(name), ==, k);
        g_assert_cmpstr(train_schedule_kind_names()[k], ==, name);
    }
    g_assert_null(train_schedule_kind_names()[TRAIN_SCHEDULE_N_KINDS]);
    g_assert_cmpint(train_schedule_kind_from_name("ONE-CYCLE"), ==, TRAIN_SCHEDULE_ONE_CYCLE);
    g_assert_cmpint(train_schedule_kind_from_name("warmup"), ==, -1);
    g_assert_null(train_schedule_kind_name(TRAIN_SCHEDULE_N_KINDS));

    TrainSchedule s = schedule_of(TRAIN_SCHEDULE_STEP);
    g_autofree char *text = train_schedule_describe(&s);
    g_assert_cmpstr(text, ==, "step x0.1 every 10");
}

static void
test_preview_matches_rates(void)
{
    TrainSchedule s = schedule_of(TRAIN_SCHEDULE_ONE_CYCLE);
    double preview[6 * 5];

    train_schedule_preview(&s, 3e-3, 6, 5, preview);
    for (int e = 0; e < 6; e++)
        for (int b = 0; b < 5; b++)
            g_assert_cmpfloat(preview[e * 5 + b], ==,
                              train_schedule_rate(&s, NULL, 3e-3, e, b, 5, 6));
}

/* The settings table's defaults are train_schedule_init's: two places hold them, and a
 * run started from the table must schedule as the module documents. */
static void
test_config_defaults(void)
{
    TrainConfig c;
    TrainSchedule s;

    train_config_init(&c);
    train_schedule_init(&s);
    /* member by member: padding bytes are nobody's value */
    g_assert_cmpint(c.schedule.kind, ==, s.kind);
    g_assert_cmpint(c.schedule.step_every, ==, s.step_every);
    g_assert_cmpfloat(c.schedule.step_factor, ==, s.step_factor);
    g_assert_cmpfloat(c.schedule.plateau_factor, ==, s.plateau_factor);
    g_assert_cmpint(c.schedule.plateau_patience, ==, s.plateau_patience);
    g_assert_cmpfloat(c.schedule.plateau_min_delta, ==, s.plateau_min_delta);
    g_assert_cmpint(c.schedule.plateau_cooldown, ==, s.plateau_cooldown);
    g_assert_cmpfloat(c.schedule.min_lr, ==, s.min_lr);
    g_assert_cmpfloat(c.schedule.cosine_floor, ==, s.cosine_floor);
    g_assert_cmpfloat(c.schedule.onecycle_warmup, ==, s.onecycle_warmup);
    g_assert_cmpfloat(c.schedule.onecycle_div, ==, s.onecycle_div);
    g_assert_cmpfloat(c.schedule.onecycle_final_div, ==, s.onecycle_final_div);
    g_assert_cmpfloat(c.schedule.cyclic_div, ==, s.cyclic_div);
    g_assert_cmpint(c.schedule.cyclic_half_epochs, ==, s.cyclic_half_epochs);
    train_config_clear(&c);
}

/* A run trains every batch at the schedule's rate and records it: each batch point
 * carries its rate, each epoch the rate of its last batch; a plateau run reacts to the
 * validation losses it records. */
static void
test_run_uses_rates(void)
{
    static const TrainScheduleKind kinds[] = { TRAIN_SCHEDULE_COSINE, TRAIN_SCHEDULE_PLATEAU };

    for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
        g_autoptr(DataSet) set = test_dataset_new(96, 16, 2, 3);
        TrainConfig c;
        test_config_init(&c, "c4-p-f8-f2", 6);
        c.schedule.kind = kinds[k];
        c.schedule.plateau_patience = 0;         /* every epoch without improvement drops */
        c.schedule.plateau_min_delta = 10;       /* and no epoch improves by 10 */
        g_autoptr(TrainRun) run = train_run_new(&c, set);
        test_run_to_end(run);
        g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
        g_autoptr(GArray) epochs = train_run_dup_epochs(run);
        g_autoptr(GArray) batches = train_run_dup_batches(run, 0);
        TrainProgress p = train_run_get_progress(run);
        int bpe = p.batches_per_epoch;
        g_assert_cmpuint(batches->len, ==, (guint) (bpe * c.epochs));

        TrainScheduleState state;
        train_schedule_state_init(&state, c.lr);
        for (int e = 0; e < c.epochs; e++) {
            const TrainEpoch *ep = &g_array_index(epochs, TrainEpoch, e);
            for (int b = 0; b < bpe; b++) {
                const TrainBatchPoint *pt = &g_array_index(batches, TrainBatchPoint, e * bpe + b);
                g_assert_cmpfloat(pt->lr, ==, train_schedule_rate(&c.schedule, &state, c.lr, e,
                                                                  b, bpe, c.epochs));
            }
            g_assert_cmpfloat(ep->lr, ==, g_array_index(batches, TrainBatchPoint,
                                                        e * bpe + bpe - 1).lr);
            train_schedule_end_epoch(&c.schedule, &state, ep->val_loss);
        }
        /* plateau: the first epoch sets the best, each later one drops the rate x0.1 */
        if (kinds[k] == TRAIN_SCHEDULE_PLATEAU)
            g_assert_cmpfloat_with_epsilon(g_array_index(epochs, TrainEpoch, 5).lr, 1e-3 * 1e-4,
                                           1e-18);
        else
            g_assert_cmpfloat(g_array_index(epochs, TrainEpoch, 5).lr, <, 1e-4);
        train_config_clear(&c);
    }
}

int
main(int argc, char **argv)
{
    static ScheduleCase cases[16];
    int n = 0;

    g_test_init(&argc, &argv, NULL);
    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--python="))
            python_path = argv[i] + strlen("--python=");
        else if (g_str_has_prefix(argv[i], "--script="))
            script_path = g_strdup(argv[i] + strlen("--script="));
    }
    if (script_path == NULL)
        script_path = g_test_build_filename(G_TEST_DIST, "train", "schedule_torch.py", NULL);

#define CASE(path, kind_, lr_, epochs_, bpe_, ...)                                  \
    do {                                                                            \
        ScheduleCase *c = &cases[n++];                                              \
        c->name = path;                                                             \
        c->schedule = schedule_of(kind_);                                           \
        c->lr = lr_, c->epochs = epochs_, c->batches_per_epoch = bpe_;              \
        TrainSchedule *s = &c->schedule;                                            \
        (void) s;                                                                   \
        __VA_ARGS__;                                                                \
        g_test_add_data_func("/train/schedule/torch/" path, c, test_against_torch); \
    } while (0)

    CASE("constant", TRAIN_SCHEDULE_CONSTANT, 1e-3, 3, 4);
    CASE("step/defaults", TRAIN_SCHEDULE_STEP, 1e-3, 35, 3);
    CASE("step/half-every-3", TRAIN_SCHEDULE_STEP, 3e-4, 20, 4, s->step_every = 3,
         s->step_factor = 0.5);
    CASE("plateau/keras-defaults", TRAIN_SCHEDULE_PLATEAU, 1e-3, 80, 2);
    CASE("plateau/cooldown-floor", TRAIN_SCHEDULE_PLATEAU, 1e-3, 60, 2, s->plateau_patience = 2,
         s->plateau_cooldown = 1, s->plateau_factor = 0.5, s->plateau_min_delta = 0.01,
         s->min_lr = 2e-5);
    CASE("cosine/to-zero", TRAIN_SCHEDULE_COSINE, 1e-3, 25, 13);
    CASE("cosine/floor", TRAIN_SCHEDULE_COSINE, 0.1, 7, 50, s->cosine_floor = 1e-5);
    CASE("one-cycle/defaults", TRAIN_SCHEDULE_ONE_CYCLE, 1e-2, 10, 9);
    CASE("one-cycle/short", TRAIN_SCHEDULE_ONE_CYCLE, 3e-3, 3, 5, s->onecycle_warmup = 0.25,
         s->onecycle_div = 10, s->onecycle_final_div = 100);
    CASE("cyclic/defaults", TRAIN_SCHEDULE_CYCLIC, 1e-3, 15, 6);
    CASE("cyclic/fast", TRAIN_SCHEDULE_CYCLIC, 1e-2, 5, 3, s->cyclic_div = 4,
         s->cyclic_half_epochs = 1);
#undef CASE

    g_test_add_func("/train/schedule/landmarks", test_landmarks);
    g_test_add_func("/train/schedule/plateau-state-resumes", test_plateau_state_resumes);
    g_test_add_func("/train/schedule/out-of-range", test_out_of_range);
    g_test_add_func("/train/schedule/names", test_names);
    g_test_add_func("/train/schedule/preview", test_preview_matches_rates);
    g_test_add_func("/train/schedule/config-defaults", test_config_defaults);
    g_test_add_func("/train/schedule/run-uses-rates", test_run_uses_rates);

    int status = g_test_run();
    g_free(script_path);
    return status;
}
