/* test_lr_finder: the range test's rules on made-up curves whose answers are worked out
 * by hand (fastai's arithmetic), its smoother, the messages when there is nothing to
 * suggest, and the test on a real engine model: it suggests a rate on learnable data,
 * gives the weights, the optimizer and the dropout stream back byte for byte, ends with
 * a message (not a crash) when the loss is not finite or blows up at every rate, and
 * stops when cancelled. */
#include <math.h>
#include <string.h>

#include "data_split.h"
#include "nn_spec.h"
#include "train_lr_finder.h"
#include "train_setup.h"
#include "train_test_util.h"

static void
test_rates(void)
{
    TrainLrFinderOptions o = train_lr_finder_options_default();
    g_assert_cmpfloat(o.start_lr, ==, 1e-7);
    g_assert_cmpfloat(o.end_lr, ==, 10);
    g_assert_cmpint(o.steps, ==, 100);
    /* lr_i = start * (end/start)^(i/n): 8 decades over 100 steps, 1e-3 at step 50. */
    g_assert_cmpfloat_with_epsilon(train_lr_finder_rate(&o, 0), 1e-7, 1e-20);
    g_assert_cmpfloat(fabs(train_lr_finder_rate(&o, 50) / 1e-3 - 1), <, 1e-12);
    g_assert_cmpfloat(fabs(train_lr_finder_rate(&o, 25) / 1e-5 - 1), <, 1e-12);
    g_assert_cmpfloat(train_lr_finder_rate(&o, 99), <, 10);
}

static void
test_smoother(void)
{
    TrainLrSmoother s;
    train_lr_smoother_init(&s, 0.98);
    /* Debiased: the first value is the first loss itself, not 2% of it. */
    g_assert_cmpfloat_with_epsilon(train_lr_smoother_add(&s, 2.0), 2.0, 1e-12);
    /* Two values: (0.98 * 0.02 * 2 + 0.02 * 1) / (1 - 0.98^2). */
    double expected = (0.98 * 0.02 * 2 + 0.02 * 1) / (1 - 0.98 * 0.98);
    g_assert_cmpfloat_with_epsilon(train_lr_smoother_add(&s, 1.0), expected, 1e-12);
    /* A constant stays that constant. */
    train_lr_smoother_init(&s, 0.98);
    for (int i = 0; i < 50; i++)
        g_assert_cmpfloat_with_epsilon(train_lr_smoother_add(&s, 0.7), 0.7, 1e-12);
    /* A NaN poisons the average, which is what stops the test. */
    g_assert_true(isnan(train_lr_smoother_add(&s, NAN)));
}

static void
test_valley(void)
{
    /* Flat at 1 for indices 0-3, falling 0.9 ... 0.2 at 4-11, then rising. The longest
     * decreasing run is 1, 0.9, ..., 0.2 (9 points, index 3 to 11); fastai keeps its start
     * as 11 - 9 = 2, so sections = 9 / 3 = 3 and the suggestion is 2 + 3 + 1 = index 6. */
    static const double curve[] = { 1, 1, 1, 1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2,
                                     0.5, 2 };
    g_assert_cmpint(train_lr_rule_valley(curve, G_N_ELEMENTS(curve)), ==, 6);

    /* Two valleys: the longer wins. 3, 0.9, 0.8, 0.7, 0.6, 0.5 (indices 4 or 5, then 6-10:
     * six points) over 0.7, 0.6, 0.5, 0.4 (0-3): fastai's start is 10 - 6 = 4, sections
     * 6 / 3 = 2, so 4 + 2 + 1 = index 7. */
    static const double two[] = { 0.7, 0.6, 0.5, 0.4, 3, 3, 0.9, 0.8, 0.7, 0.6, 0.5, 3 };
    g_assert_cmpint(train_lr_rule_valley(two, G_N_ELEMENTS(two)), ==, 7);

    /* Falling from the first point: fastai's start is -1; the index stays in range. */
    static const double down[] = { 5, 4, 3, 2, 1 };
    g_assert_cmpint(train_lr_rule_valley(down, 5), ==, 0);
    /* Never falling: index 0. */
    static const double up[] = { 1, 2, 3 };
    g_assert_cmpint(train_lr_rule_valley(up, 3), ==, 0);
}

static void
test_steep_and_minimum(void)
{
    /* Rates a decade apart: the slope against log(rate) is the loss difference over
     * ln 10 per step, steepest from index 2 to 3 (a fall of 0.4). */
    static const double lrs[] = { 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1 };
    static const double losses[] = { 0.70, 0.69, 0.60, 0.20, 0.10, 0.9 };
    g_assert_cmpint(train_lr_rule_steep(lrs, losses, 6), ==, 2);
    g_assert_cmpint(train_lr_rule_minimum(losses, 6), ==, 4);
}

/* A finder curve of n points at the default rates whose smoothed loss is f(i). */
static TrainLrFinderPoint *
finder_curve(int n, double (*f)(int))
{
    TrainLrFinderOptions o = train_lr_finder_options_default();
    TrainLrFinderPoint *p = g_new0(TrainLrFinderPoint, n);
    for (int i = 0; i < n; i++)
        p[i] = (TrainLrFinderPoint) { train_lr_finder_rate(&o, i), f(i), f(i) };
    return p;
}

/* Flat at chance to step 40 (1e-3.8), then down in equal steps to 0.2 at step 70, the
 * steepest fall between steps 60 and 61, then up 10% a step until it blows up. */
static double
typical(int i)
{
    if (i <= 40)
        return 0.6931;
    if (i <= 70)
        return 0.6931 - (0.4931 / 30) * (i - 40) - (i > 60 ? 0.02 : 0);
    return 0.2 * pow(1.1, i - 70) - 0.02;
}

static void
test_suggest(void)
{
    g_autofree TrainLrFinderPoint *p = finder_curve(100, typical);
    TrainLrSuggestion s;
    char *message = NULL;

    train_lr_finder_suggest(p, 100, 100, &s, &message);
    g_assert_null(message);
    g_assert_true(s.found);
    g_assert_true(s.clear);
    /* Kept: points 10 to 94. The valley runs from step 40 (the last flat point) to 70;
     * 31 points, fastai's start at 70 - 31 = 39: sections 31/3 = 10.33, so 39 + 10 + 5 =
     * 54, a little under half way down. */
    g_assert_cmpint(s.valley, ==, 54);
    g_assert_cmpfloat(s.lr, ==, p[54].lr);
    g_assert_cmpfloat(s.valley_lr, ==, p[54].lr);
    g_assert_cmpint(s.steep, ==, 60);
    g_assert_cmpfloat(s.steep_lr, ==, p[60].lr);
    g_assert_cmpint(s.minimum, ==, 70);
    g_assert_cmpfloat(s.minimum_lr, ==, p[70].lr / 10);
    /* The suggestion is where the loss still falls, well below the minimum's rate. */
    g_assert_cmpfloat(s.lr, <, p[70].lr);
    g_assert_cmpfloat(s.lr, >, p[40].lr);
}

static double flat(int i) { return 0.6931 + 0.001 * (i % 2); }
/* What the default preset gives: at chance, a dip of 0.3% near 5e-3, then the blow-up. */
static double at_chance(int i) { return i < 90 ? 0.6931 - (i > 60 ? 0.0001 * (i - 60) : 0) : 0.69 * pow(1.5, i - 89); }

static void
test_nothing_to_suggest(void)
{
    TrainLrSuggestion s;
    char *message = NULL;

    /* Not a number from the very first batch: broken data or network. */
    g_autofree TrainLrFinderPoint *nan = finder_curve(1, flat);
    nan[0].loss = nan[0].smoothed = NAN;
    train_lr_finder_suggest(nan, 1, 100, &s, &message);
    g_assert_false(s.found);
    g_assert_nonnull(strstr(message, "not a number from the very first batch"));
    g_clear_pointer(&message, g_free);

    /* Blew up after 12 points: 10 dropped at the start, 5 at the end, nothing left. */
    g_autofree TrainLrFinderPoint *early = finder_curve(12, flat);
    train_lr_finder_suggest(early, 12, 100, &s, &message);
    g_assert_false(s.found);
    g_assert_nonnull(strstr(message, "blew up after 12 batches"));
    g_assert_nonnull(strstr(message, "too high"));
    g_clear_pointer(&message, g_free);

    /* A fall within the noise: a rate, but said to be a guess. */
    g_autofree TrainLrFinderPoint *guess = finder_curve(100, at_chance);
    train_lr_finder_suggest(guess, 100, 100, &s, &message);
    g_assert_true(s.found);
    g_assert_false(s.clear);
    g_assert_nonnull(strstr(message, "hardly fell"));
    g_assert_nonnull(strstr(message, "is a guess"));
    g_clear_pointer(&message, g_free);

    /* Never fell at any rate. */
    static const double rising[] = { 0.69, 0.70, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76 };
    TrainLrFinderPoint up[8];
    for (int i = 0; i < 8; i++)
        up[i] = (TrainLrFinderPoint) { 1e-3 * (i + 1), rising[i], rising[i] };
    train_lr_finder_suggest(up, 8, 6, &s, &message);
    g_assert_false(s.found);
    g_assert_nonnull(strstr(message, "did not fall at any rate"));
    g_clear_pointer(&message, g_free);
}

/* A tiny model, its optimizer and training batches, built as a run builds them. */
typedef struct {
    TrainConfig config;
    DataSet *set;
    DataSplit *split;
    nn_model *model;
    nn_optimizer opt;
    DataBatcher *batcher;
} Rig;

static void
rig_init(Rig *r, gboolean dropout)
{
    test_config_init(&r->config, dropout ? "c8-p-f16-d0.5-f2" : "c8-p-f16-f2", 1);
    r->config.dropout = dropout;
    r->set = test_dataset_new(320, 16, 2, 7);
    nn_spec spec;
    nn_error err;
    g_assert_true(train_config_build_spec(&r->config, 2, &spec, NULL));
    g_assert_cmpint(train_setup_model(&r->model, &r->config, &spec, &err), ==, NN_OK);
    g_assert_cmpint(train_setup_optimizer(&r->opt, &r->config,
                                          nn_model_num_parameters(r->model), &err), ==, NN_OK);
    r->split = data_split_new(r->set, r->config.val_split, r->config.split_seed);
    DataNormalization norm = data_normalization_compute(r->set, r->split->train,
                                                        r->split->n_train);
    r->batcher = data_batcher_new(r->set, r->split->train, r->split->n_train,
                                  r->config.batch_size, TRUE, NULL, &norm, r->config.seed);
}

static void
rig_clear(Rig *r)
{
    data_batcher_free(r->batcher);
    data_split_free(r->split);
    nn_optimizer_free(&r->opt);
    nn_model_free(r->model);
    data_set_unref(r->set);
    train_config_clear(&r->config);
}

/* Everything the finder must give back, as bytes. */
static GBytes *
snapshot(Rig *r)
{
    GByteArray *b = g_byte_array_new();
    size_t n = nn_model_num_parameters(r->model);
    g_byte_array_append(b, (const guint8 *) nn_model_params(r->model), n * sizeof(float));
    g_byte_array_append(b, (const guint8 *) r->opt.m, n * sizeof(float));
    g_byte_array_append(b, (const guint8 *) r->opt.v, n * sizeof(float));
    g_byte_array_append(b, (const guint8 *) &r->opt.step, sizeof r->opt.step);
    g_byte_array_append(b, (const guint8 *) &r->opt.config.lr, sizeof r->opt.config.lr);
    uint64_t dropout_seed = nn_model_dropout_seed(r->model);
    g_byte_array_append(b, (const guint8 *) &dropout_seed, sizeof dropout_seed);
    return g_byte_array_free_to_bytes(b);
}

static void
count_progress(const TrainLrFinderPoint *points, int n, int steps, gpointer user_data)
{
    int *calls = user_data;
    g_assert_cmpint(n, ==, *calls + 1);
    g_assert_cmpint(steps, ==, 100);
    (*calls)++;
}

static void
test_restores_weights(void)
{
    Rig r;
    rig_init(&r, TRUE);
    /* Not the fresh state: a few real steps first, so m, v and step are not zeros. */
    DataBatch batch;
    data_batcher_start_epoch(r.batcher, 0);
    for (int i = 0; i < 3 && data_batcher_next(r.batcher, &batch); i++) {
        nn_model_zero_grad(r.model);
        nn_model_forward(r.model, batch.images, batch.labels, batch.size, 1);
        nn_model_backward(r.model);
        nn_optimizer_step(&r.opt, nn_model_params(r.model), nn_model_grads(r.model));
    }
    nn_model_set_dropout_seed(r.model, 12345);
    g_autoptr(GBytes) before = snapshot(&r);

    TrainLrFinderResult result;
    train_lr_finder_result_init(&result);
    int calls = 0;
    GError *error = NULL;
    g_assert_true(train_lr_finder_run_model(r.model, &r.opt, r.batcher, NULL, NULL,
                                            count_progress, &calls, &result, &error));
    g_assert_no_error(error);
    g_autoptr(GBytes) after = snapshot(&r);
    g_assert_true(g_bytes_equal(before, after));

    /* It trained: one point per batch at the scheduled rates, across epochs (240
     * training images are 15 batches an epoch). */
    g_assert_cmpint(calls, ==, (int) result.points->len);
    g_assert_cmpint(result.points->len, >, 30);
    TrainLrFinderOptions o = train_lr_finder_options_default();
    for (guint i = 0; i < result.points->len; i++)
        g_assert_cmpfloat(g_array_index(result.points, TrainLrFinderPoint, i).lr, ==,
                          train_lr_finder_rate(&o, (int) i));
    /* This data is learnable: the loss falls somewhere, a rate is suggested. */
    g_assert_true(result.suggestion.found);
    g_assert_null(result.message);
    g_assert_cmpfloat(result.suggestion.lr, >, 1e-6);
    g_assert_cmpfloat(result.suggestion.lr, <, 10);
    g_test_message("suggested %g (steep %g, minimum/10 %g) after %u batches",
                   result.suggestion.lr, result.suggestion.steep_lr,
                   result.suggestion.minimum_lr, result.points->len);
    train_lr_finder_result_clear(&result);
    rig_clear(&r);
}

static void
test_not_finite(void)
{
    Rig r;
    rig_init(&r, FALSE);
    /* An output bias that is not a number (a ReLU would swallow an earlier one): the
     * first loss is NaN. */
    nn_model_params(r.model)[nn_model_num_parameters(r.model) - 1] = NAN;
    g_autoptr(GBytes) before = snapshot(&r);

    TrainLrFinderResult result;
    train_lr_finder_result_init(&result);
    GError *error = NULL;
    g_assert_true(train_lr_finder_run_model(r.model, &r.opt, r.batcher, NULL, NULL, NULL,
                                            NULL, &result, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result.stop, ==, TRAIN_LR_FINDER_NOT_FINITE);
    g_assert_cmpint(result.points->len, ==, 1);
    g_assert_false(result.suggestion.found);
    g_assert_nonnull(strstr(result.message, "not a number"));
    g_autoptr(GBytes) after = snapshot(&r);
    g_assert_true(g_bytes_equal(before, after));
    train_lr_finder_result_clear(&result);
    rig_clear(&r);
}

static void
test_diverges_at_every_rate(void)
{
    Rig r;
    rig_init(&r, FALSE);
    /* Rates from 1 to 10 with Adam: every step throws the weights about, the smoothed
     * loss passes 4x its minimum within a few batches. */
    TrainLrFinderOptions o = { .start_lr = 1, .end_lr = 10, .steps = 100 };
    TrainLrFinderResult result;
    train_lr_finder_result_init(&result);
    GError *error = NULL;
    g_assert_true(train_lr_finder_run_model(r.model, &r.opt, r.batcher, &o, NULL, NULL, NULL,
                                            &result, &error));
    g_assert_no_error(error);
    g_test_message("stopped after %u batches: %s", result.points->len, result.message);
    g_assert_cmpint(result.stop, !=, TRAIN_LR_FINDER_DONE);
    g_assert_false(result.suggestion.found);
    g_assert_nonnull(strstr(result.message, "too high"));
    train_lr_finder_result_clear(&result);
    rig_clear(&r);
}

static void
test_cancel(void)
{
    Rig r;
    rig_init(&r, FALSE);
    g_autoptr(GBytes) before = snapshot(&r);
    gint cancel = 1;
    TrainLrFinderResult result;
    train_lr_finder_result_init(&result);
    GError *error = NULL;
    g_assert_false(train_lr_finder_run_model(r.model, &r.opt, r.batcher, NULL, &cancel, NULL,
                                             NULL, &result, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error(&error);
    g_autoptr(GBytes) after = snapshot(&r);
    g_assert_true(g_bytes_equal(before, after));
    train_lr_finder_result_clear(&result);
    rig_clear(&r);
}

typedef struct {
    GMainLoop *loop;
    TrainNotifier *notifier;
    int most_points;
    TrainLrFinderResult result;
    gboolean ok;
} Async;

static void
on_state(gpointer user_data)
{
    Async *a = user_data;
    static TrainLrFinderState state;   /* 10 kB: not on the stack */
    train_notifier_read(a->notifier, &state);
    a->most_points = MAX(a->most_points, state.n_points);
}

static void
on_found(GObject *source, GAsyncResult *res, gpointer user_data)
{
    Async *a = user_data;
    GError *error = NULL;
    a->ok = train_lr_finder_run_finish(res, &a->result, &error);
    g_assert_no_error(error);
    g_main_loop_quit(a->loop);
}

/* From a config, in its thread, as the app runs it; and lr_find.csv. */
static void
test_async_and_csv(void)
{
    TrainConfig c;
    test_config_init(&c, "c8-p-f16-f2", 1);
    g_autoptr(DataSet) set = test_dataset_new(320, 16, 2, 7);
    Async a = { .loop = g_main_loop_new(NULL, FALSE) };
    a.notifier = train_notifier_new(NULL, sizeof(TrainLrFinderState));
    train_lr_finder_result_init(&a.result);
    train_notifier_set_func(a.notifier, on_state, &a, NULL);
    train_lr_finder_run_async(&c, set, NULL, a.notifier, NULL, on_found, &a);
    g_main_loop_run(a.loop);
    on_state(&a);
    g_assert_true(a.ok);
    g_assert_cmpint(a.most_points, ==, (int) a.result.points->len);
    g_assert_true(a.result.suggestion.found);

    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "lr_find.csv", NULL);
    GError *error = NULL;
    g_assert_true(train_lr_finder_save_csv(&a.result, path, &error));
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_assert_cmpstr(lines[0], ==, "step,lr,loss,smoothed_loss");
    g_assert_true(g_str_has_prefix(lines[1], "0,1e-07,"));
    g_assert_cmpint(g_strv_length(lines), ==, a.result.points->len + 2);   /* + header, "" */

    test_rmdir_recursive(dir);
    train_notifier_set_func(a.notifier, NULL, NULL, NULL);
    train_notifier_unref(a.notifier);
    train_lr_finder_result_clear(&a.result);
    g_main_loop_unref(a.loop);
    train_config_clear(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/lr-finder/rates", test_rates);
    g_test_add_func("/train/lr-finder/smoother", test_smoother);
    g_test_add_func("/train/lr-finder/valley", test_valley);
    g_test_add_func("/train/lr-finder/steep-and-minimum", test_steep_and_minimum);
    g_test_add_func("/train/lr-finder/suggest", test_suggest);
    g_test_add_func("/train/lr-finder/nothing-to-suggest", test_nothing_to_suggest);
    g_test_add_func("/train/lr-finder/restores-weights", test_restores_weights);
    g_test_add_func("/train/lr-finder/not-finite", test_not_finite);
    g_test_add_func("/train/lr-finder/diverges-at-every-rate", test_diverges_at_every_rate);
    g_test_add_func("/train/lr-finder/cancel", test_cancel);
    g_test_add_func("/train/lr-finder/async-and-csv", test_async_and_csv);
    return g_test_run();
}
