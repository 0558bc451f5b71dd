/* test_run: a training run as its consumers rely on it: reproducible to the bit (except
 * wall time), pausable without changing the result, stoppable and cancellable at once
 * with its finished epochs kept, honest about divergence and failures, restoring the best
 * weights on early stopping, and never flooding a main loop with notifications. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "data_synthetic.h"
#include "nn_rng.h"
#include "train_history.h"
#include "train_test_util.h"

/* A started run of config on set, writing to dir unless NULL. */
static TrainRun *
start_run(const TrainConfig *config, DataSet *set, const char *dir)
{
    TrainRun *run = train_run_new(config, set);
    if (dir)
        train_run_set_output_dir(run, dir);
    GError *error = NULL;
    g_assert_true(train_run_start(run, &error));
    g_assert_no_error(error);
    return run;
}

/* A started run of 50 epochs on 320 images (seeded by seed) writing to dir: long enough to
 * stop or rename while it trains. config is set up for the caller to clear. */
static TrainRun *
start_long_run(TrainConfig *config, guint64 seed, const char *dir)
{
    g_autoptr(DataSet) set = test_dataset_new(320, 16, 2, seed);
    test_config_init(config, "c16-p-c16-p-f64-f2", 50);
    return start_run(config, set, dir);
}

static GArray *
run_and_get_epochs(TrainConfig *config, DataSet *set, const char *dir)
{
    g_autoptr(TrainRun) run = train_run_new(config, set);
    if (dir)
        train_run_set_output_dir(run, dir);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
    return train_run_dup_epochs(run);
}

static char *
read_file(const char *dir, const char *name, gsize *length)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *data = NULL;
    g_assert_true(g_file_get_contents(path, &data, length, NULL));
    return data;
}

/* Two runs of one config and seed write the same history.csv and predictions.bin. The
 * seconds column is wall time and so the one thing allowed to differ: it is cut off before
 * comparing (test_history_without_seconds). Dropout and augmentation are on, so their
 * seeds are covered too. */
static void
test_same_seed_same_history(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *a = g_build_filename(dir, "a", NULL);
    g_autofree char *b = g_build_filename(dir, "b", NULL);
    g_autoptr(DataSet) set = test_dataset_new(96, 16, 3, 5);
    TrainConfig c;
    test_config_init(&c, "c8-p-f32-d0.3-f3", 3);
    c.dropout = TRUE;
    c.augment.flags = DATA_AUGMENT_HFLIP | DATA_AUGMENT_NOISE;

    g_autoptr(GArray) ea = run_and_get_epochs(&c, set, a);
    g_autoptr(GArray) eb = run_and_get_epochs(&c, set, b);
    g_autofree char *ha_path = g_build_filename(a, "history.csv", NULL);
    g_autofree char *hb_path = g_build_filename(b, "history.csv", NULL);
    g_autofree char *ha = test_history_without_seconds(ha_path);
    g_autofree char *hb = test_history_without_seconds(hb_path);
    g_assert_cmpstr(ha, ==, hb);
    g_assert_cmpint(strlen(ha), >, 100);   /* three epochs were written */
    gsize la, lb;
    g_autofree char *pa = read_file(a, "predictions.bin", &la);
    g_autofree char *pb = read_file(b, "predictions.bin", &lb);
    g_assert_cmpmem(pa, la, pb, lb);

    /* Another seed gives another run (so the comparison above can fail). */
    c.seed = 2;
    g_autoptr(GArray) ec = run_and_get_epochs(&c, set, NULL);
    g_assert_cmpfloat(g_array_index(ec, TrainEpoch, 2).loss, !=,
                      g_array_index(ea, TrainEpoch, 2).loss);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

/* Every learning rate of a sweep starts from the same weights and split: the first
 * batch, computed before any update, has the same loss. */
static void
test_sweep_starts_from_identical_weights(void)
{
    g_autoptr(DataSet) set = test_dataset_new(64, 16, 2, 6);
    double first_loss[2];
    g_autofree int *val0 = NULL;
    const double rates[2] = { 1e-2, 1e-4 };
    for (int i = 0; i < 2; i++) {
        TrainConfig c;
        test_config_init(&c, "c8-p-f16-f2", 1);
        c.lr = rates[i];
        g_autoptr(TrainRun) run = train_run_new(&c, set);
        test_run_to_end(run);
        g_autoptr(GArray) batches = train_run_dup_batches(run, 0);
        g_assert_cmpuint(batches->len, ==, 3);   /* 48 training images, batch 16 */
        first_loss[i] = g_array_index(batches, TrainBatchPoint, 0).loss;
        g_assert_cmpfloat(g_array_index(batches, TrainBatchPoint, 0).lr, ==, rates[i]);
        int n_val;
        const int *val = train_run_get_val_indices(run, &n_val);
        g_assert_cmpint(n_val, ==, 16);
        if (i == 0)
            val0 = g_memdup2(val, n_val * sizeof(int));
        else
            g_assert_cmpmem(val0, 16 * sizeof(int), val, n_val * sizeof(int));
        /* ...but the second batch has already seen different updates. */
        if (i == 1)
            g_assert_cmpfloat(first_loss[0], ==, first_loss[1]);
        train_config_clear(&c);
    }
}

static gboolean
wait_for(TrainRun *run, gboolean (*done)(TrainRun *run))
{
    for (int i = 0; i < 20000; i++) {
        if (done(run))
            return TRUE;
        g_usleep(1000);
    }
    return FALSE;
}

static gboolean
two_batches_done(TrainRun *run)
{
    g_autoptr(GArray) b = train_run_dup_batches(run, 0);
    return b->len >= 2 || !train_status_is_active(train_run_get_status(run));
}

static gboolean
is_paused(TrainRun *run)
{
    return train_run_get_status(run) == TRAIN_STATUS_PAUSED;
}

static gboolean
is_running(TrainRun *run)
{
    return train_run_get_status(run) == TRAIN_STATUS_RUNNING;
}

static void
test_pause_resume_same_history(void)
{
    g_autoptr(DataSet) set = test_dataset_new(320, 16, 2, 7);
    TrainConfig c;
    test_config_init(&c, "c16-p-c16-p-f64-d0.2-f2", 3);
    c.dropout = TRUE;
    g_autoptr(GArray) plain = run_and_get_epochs(&c, set, NULL);

    g_autoptr(TrainRun) run = train_run_new(&c, set);
    GError *error = NULL;
    g_assert_true(train_run_start(run, &error));
    g_assert_true(wait_for(run, two_batches_done));
    train_run_pause(run);
    g_assert_true(wait_for(run, is_paused));
    /* Paused means paused: no batch runs while it is. */
    g_autoptr(GArray) before = train_run_dup_batches(run, 0);
    g_usleep(150 * 1000);
    g_autoptr(GArray) after = train_run_dup_batches(run, 0);
    g_assert_cmpuint(before->len, ==, after->len);
    g_assert_cmpuint(before->len, <, 3 * 15);
    train_run_resume(run);
    g_assert_true(wait_for(run, is_running) ||
                  train_run_get_status(run) == TRAIN_STATUS_FINISHED);
    train_run_wait(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);

    g_autoptr(GArray) resumed = train_run_dup_epochs(run);
    g_assert_cmpuint(resumed->len, ==, plain->len);
    for (guint i = 0; i < plain->len; i++) {
        TrainEpoch *x = &g_array_index(plain, TrainEpoch, i);
        TrainEpoch *y = &g_array_index(resumed, TrainEpoch, i);
        g_assert_cmpfloat(x->loss, ==, y->loss);
        g_assert_cmpfloat(x->accuracy, ==, y->accuracy);
        g_assert_cmpfloat(x->val_loss, ==, y->val_loss);
        g_assert_cmpfloat(x->val_accuracy, ==, y->val_accuracy);
    }
    train_config_clear(&c);
}

static void
test_stop_keeps_finished_epochs(void)
{
    g_autofree char *dir = test_tmpdir();
    TrainConfig c;
    g_autoptr(TrainRun) run = start_long_run(&c, 8, dir);
    GError *error = NULL;
    /* Into the second epoch, then stop. */
    for (int i = 0; i < 20000 && train_run_get_progress(run).epoch < 1; i++)
        g_usleep(1000);
    train_run_stop(run);
    train_run_wait(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
    g_assert_null(train_run_dup_message(run));

    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    g_assert_cmpuint(epochs->len, >=, 1);
    g_assert_cmpuint(epochs->len, <, 50);
    for (guint i = 0; i < epochs->len; i++) {
        g_assert_cmpint(g_array_index(epochs, TrainEpoch, i).epoch, ==, (int) i);
        g_assert_true(isfinite(g_array_index(epochs, TrainEpoch, i).val_loss));
    }
    g_autoptr(TrainRun) back = train_run_load(dir, &error);
    g_assert_no_error(error);
    g_assert_cmpint(train_run_get_status(back), ==, TRAIN_STATUS_STOPPED);
    g_autoptr(GArray) saved = train_run_dup_epochs(back);
    g_assert_cmpuint(saved->len, ==, epochs->len);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

/* The cancel-latency requirement (< 200 ms from train_run_cancel to the worker's end) is
 * the one timed assertion in the suite: it is what the app's Cancel button promises. It
 * is measured on the "small" preset at 64x64 with batch 64 (a batch is ~8 GFLOP of work,
 * which the engine's checks between layers split into ~10 pieces). Two bounds:
 *  - always: less than half the time of a batch measured in the same run, so cancelling
 *    does not wait for the batch to end (a ratio, robust to the machine's load);
 *  - the requirement itself, 200 ms, when the same run shows the machine is not saturated
 *    by other processes (a batch under 400 ms, i.e. over ~20 GFLOP/s; an idle 2-core machine
 *    at ~50-150 GFLOP/s should take 50-150 ms). On a machine so loaded that a batch takes longer, one layer alone
 *    can exceed 200 ms, and the test says so instead of failing.
 * Any of three attempts may pass, so that another process's burst cannot fail it. */
static double
cancel_latency_ms(double *batch_ms)
{
    g_autoptr(DataSet) set = test_dataset_new(384, 64, 2, 9);
    TrainConfig c;
    test_config_init(&c, "small", 5);
    c.size = 64;
    c.batch_size = 64;
    c.threads = 0;
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    GError *error = NULL;
    g_assert_true(train_run_start(run, &error));
    for (int i = 0; i < 60000 && train_run_dup_batches(run, 0)->len < 3; i++)
        g_usleep(1000);
    g_autoptr(GArray) batches = train_run_dup_batches(run, 0);
    g_assert_cmpuint(batches->len, >=, 3);
    *batch_ms = 1000 * (g_array_index(batches, TrainBatchPoint, 2).elapsed -
                        g_array_index(batches, TrainBatchPoint, 0).elapsed) / 2;
    g_usleep((gulong) (*batch_ms * 1000 / 3));   /* somewhere inside a batch */
    g_assert_true(train_status_is_active(train_run_get_status(run)));

    gint64 t0 = g_get_monotonic_time();
    train_run_cancel(run);
    train_run_wait(run);
    double ms = (g_get_monotonic_time() - t0) / 1000.0;
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    g_assert_cmpuint(epochs->len, ==, 0);   /* the first epoch never finished */
    train_config_clear(&c);
    return ms;
}

static void
test_cancel_is_prompt(void)
{
    for (int attempt = 1;; attempt++) {
        double batch_ms = 0, ms = cancel_latency_ms(&batch_ms);
        gboolean saturated = batch_ms >= 400;
        g_test_message("cancel took %.1f ms; a batch takes %.1f ms%s", ms, batch_ms,
                       saturated ? " (machine saturated: 200 ms bound not applied)" : "");
        gboolean ok = ms < batch_ms / 2 && (saturated || ms < 200);
        if (ok || attempt == 3) {
            g_assert_cmpfloat(ms, <, batch_ms / 2);
            if (!saturated)
                g_assert_cmpfloat(ms, <, 200);
            break;
        }
    }
}

static void
test_cancel_while_loading(void)
{
    TrainConfig c;
    test_config_init(&c, "tiny", 1);
    c.synthetic.images_per_class = 100000;   /* far more than it will ever draw */
    g_autoptr(TrainRun) run = train_run_new(&c, NULL);
    GError *error = NULL;
    g_assert_true(train_run_start(run, &error));
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_LOADING);
    g_usleep(50 * 1000);
    train_run_cancel(run);
    train_run_wait(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
    g_assert_null(train_run_get_dataset(run));
    train_config_clear(&c);
}

/* A cancel before start is kept: the run starts, trains nothing and says STOPPED. */
static void
test_cancel_before_start(void)
{
    g_autoptr(DataSet) set = test_dataset_new(64, 16, 2, 16);
    TrainConfig c;
    test_config_init(&c, "c8-p-f2", 3);
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    train_run_cancel(run);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
    g_autoptr(GArray) batches = train_run_dup_batches(run, 0);
    g_assert_cmpuint(batches->len, ==, 0);
    train_config_clear(&c);
}

/* A rename reaches the run folder at once, also while the run trains (only the run writes
 * config.ini, never its worker), and the folder read back has the new name. */
static void
test_rename_reaches_the_folder(void)
{
    g_autofree char *dir = test_tmpdir();
    TrainConfig c;
    g_autoptr(TrainRun) run = start_long_run(&c, 15, dir);
    GError *error = NULL;
    g_assert_true(wait_for(run, two_batches_done));
    train_run_set_name(run, "renamed while training");
    g_autofree char *path = g_build_filename(dir, "config.ini", NULL);
    TrainConfig saved;
    g_assert_true(train_config_load(&saved, path, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(saved.name, ==, "renamed while training");
    train_config_clear(&saved);
    train_run_cancel(run);
    train_run_wait(run);

    g_autoptr(TrainRun) back = train_run_load(dir, &error);
    g_assert_no_error(error);
    g_autofree char *name = train_run_dup_name(back);
    g_assert_cmpstr(name, ==, "renamed while training");
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
test_loads_its_own_dataset(void)
{
    TrainConfig c;
    test_config_init(&c, "tiny", 1);
    c.synthetic.images_per_class = 24;
    g_autoptr(TrainRun) run = train_run_new(&c, NULL);
    g_assert_null(train_run_get_dataset(run));
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
    TrainProgress p = train_run_get_progress(run);
    g_assert_cmpint(p.load_total, ==, 48);
    g_assert_cmpint(p.load_done, ==, 48);
    DataSet *set = train_run_get_dataset(run);
    g_assert_nonnull(set);
    g_assert_cmpint(set->width, ==, 16);
    int n_val, n_train;
    train_run_get_val_indices(run, &n_val);
    train_run_get_train_indices(run, &n_train);
    g_assert_cmpint(n_val, ==, 12);   /* round(0.25 * 24) of each class */
    g_assert_cmpint(n_train + n_val, ==, 48);
    train_config_clear(&c);
}

/* A user's own folder trains end to end: the synthetic chips written out as PNG files
 * (ROOT/<class>/NNNNNN.png), read back by the folder loader inside the run, trained on. */
static void
test_trains_on_an_image_folder(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *root = g_build_filename(dir, "chips", NULL);
    GError *error = NULL;
    DataSyntheticParams params = data_synthetic_params_default();
    params.images_per_class = 24;
    params.size = 24;
    params.seed = 3;
    g_autoptr(DataSet) chips = data_synthetic_generate(&params, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(data_synthetic_export(chips, root, &error));
    g_assert_no_error(error);

    TrainConfig c;
    test_config_init(&c, "tiny", 2);
    c.data_kind = TRAIN_DATA_FOLDER;
    c.folder = g_strdup(root);
    c.size = 16;   /* the loader resizes the 24x24 files to the network's input */
    g_autoptr(TrainRun) run = train_run_new(&c, NULL);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
    DataSet *set = train_run_get_dataset(run);
    g_assert_nonnull(set);
    g_assert_cmpint(set->count, ==, 48);
    g_assert_cmpint(set->width, ==, 16);
    /* numbered as the built-in chips (the export's classes.txt), not alphabetically */
    g_assert_cmpstr(set->class_names[0], ==, "good");
    g_assert_cmpstr(set->class_names[1], ==, "defect");
    g_assert_true(g_str_has_prefix(set->sources[0], root));
    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    g_assert_cmpuint(epochs->len, ==, 2);
    for (guint e = 0; e < epochs->len; e++) {
        const TrainEpoch *ep = &g_array_index(epochs, TrainEpoch, e);
        g_assert_true(isfinite(ep->loss) && isfinite(ep->val_loss));
    }
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
test_divergence_is_reported(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(DataSet) set = test_dataset_new(128, 16, 2, 10);
    TrainConfig c;
    /* Four convolutions and SGD at the highest rate the settings allow: the weights
     * explode within a few batches until a logit overflows. */
    test_config_init(&c, "c8-c8-c8-c8-p-f2", 5);
    c.optimizer = NN_OPTIMIZER_SGD;
    c.momentum = 0.9;
    c.lr = 10;
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    train_run_set_output_dir(run, dir);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_DIVERGED);

    TrainProgress p = train_run_get_progress(run);
    g_assert_cmpint(p.diverged_epoch, >=, 0);
    g_autofree char *message = train_run_dup_message(run);
    g_autofree char *where = p.diverged_batch >= 0
        ? g_strdup_printf("The loss became \\w+ at epoch %d, batch %d", p.diverged_epoch + 1,
                          p.diverged_batch + 1)
        : g_strdup_printf("The validation loss became \\w+ at epoch %d", p.diverged_epoch + 1);
    g_autofree char *pattern = g_strdup_printf(
        "^%s: the learning rate 1e1 is too high for this network; try 1e-1 or lower\\.$", where);
    if (!g_regex_match_simple(pattern, message, 0, 0))
        g_error("\"%s\" does not match %s", message, pattern);

    /* Nothing garbage was recorded: every epoch and batch kept is finite, and the
     * epochs stop before the one that diverged. */
    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    g_assert_cmpint((int) epochs->len, ==, p.diverged_epoch);
    g_autoptr(GArray) batches = train_run_dup_batches(run, 0);
    for (guint i = 0; i < batches->len; i++)
        g_assert_true(isfinite(g_array_index(batches, TrainBatchPoint, i).loss));
    GError *error = NULL;
    g_autoptr(TrainRun) back = train_run_load(dir, &error);
    g_assert_no_error(error);
    g_assert_cmpint(train_run_get_status(back), ==, TRAIN_STATUS_DIVERGED);
    g_autofree char *saved = train_run_dup_message(back);
    g_assert_cmpstr(saved, ==, message);
    g_assert_cmpint(train_run_get_progress(back).diverged_batch, ==, p.diverged_batch);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
test_failures_are_explained(void)
{
    g_autoptr(DataSet) set = test_dataset_new(64, 16, 3, 11);
    TrainConfig c;
    test_config_init(&c, "c8-p-f2", 1);
    {
        /* A typed spec with the wrong class count. */
        g_autoptr(TrainRun) run = train_run_new(&c, set);
        test_run_to_end(run);
        g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FAILED);
        g_autofree char *message = train_run_dup_message(run);
        g_assert_nonnull(strstr(message, "end the spec in f3"));
    }
    {
        /* Over the memory limit: the engine says how many bytes it needs. */
        g_free(c.model);
        c.model = g_strdup("tiny");
        c.memory_limit = 4096;
        g_autoptr(TrainRun) run = train_run_new(&c, set);
        test_run_to_end(run);
        g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FAILED);
        g_autofree char *message = train_run_dup_message(run);
        g_assert_nonnull(strstr(message, "needs"));
        g_assert_nonnull(strstr(message, "limit"));
        GError *error = NULL;
        g_assert_false(train_run_evaluate(run, NULL, NULL, &error));
        g_assert_nonnull(error);
        g_clear_error(&error);
    }
    {
        /* A dataset at another size is refused at start. */
        c.memory_limit = 0;
        c.size = 32;
        g_autoptr(TrainRun) run = train_run_new(&c, set);
        GError *error = NULL;
        g_assert_false(train_run_start(run, &error));
        g_assert_nonnull(strstr(error->message, "16x16"));
        g_clear_error(&error);
    }
    train_config_clear(&c);
}

/* Random labels: nothing to learn, everything to memorise. The validation loss can only
 * get worse as the network fits the training labels, so early stopping must trigger. */
static DataSet *
random_label_dataset(int count, guint64 seed)
{
    DataSet *set = test_dataset_new(count, 16, 2, seed);
    nn_rng rng;
    nn_rng_seed(&rng, seed + 100);
    for (int i = 0; i < count; i++)
        set->labels[i] = nn_rng_next(&rng) % 2;
    return set;
}

static void
test_early_stopping_restores_best(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(DataSet) set = random_label_dataset(96, 12);
    TrainConfig c;
    test_config_init(&c, "f256-f256-f2", 60);
    c.early_stop_patience = 3;
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    train_run_set_output_dir(run, dir);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_EARLY_STOPPED);

    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    TrainProgress p = train_run_get_progress(run);
    g_assert_cmpint(p.best_epoch, >=, 0);
    g_assert_cmpint((int) epochs->len, ==, p.best_epoch + 1 + c.early_stop_patience);
    const TrainEpoch *best = &g_array_index(epochs, TrainEpoch, p.best_epoch);
    for (guint i = 0; i < epochs->len; i++)
        g_assert_cmpfloat(g_array_index(epochs, TrainEpoch, i).val_loss, >=, best->val_loss);
    g_assert_cmpfloat(p.best_val_loss, ==, best->val_loss);
    /* The last epoch's weights were worse; the model now holds the best epoch's. */
    const TrainEpoch *last = &g_array_index(epochs, TrainEpoch, epochs->len - 1);
    g_assert_cmpfloat(last->val_loss, >, best->val_loss);
    double val_loss, val_accuracy;
    GError *error = NULL;
    g_assert_true(train_run_evaluate(run, &val_loss, &val_accuracy, &error));
    g_assert_no_error(error);
    g_assert_cmpfloat_with_epsilon(val_loss, best->val_loss, 1e-6);
    g_assert_cmpfloat(val_accuracy, ==, best->val_accuracy);
    /* Evaluation runs as the worker's validation did (same thread count, same chunks),
     * so it reproduces the recorded number to the bit. */
    g_assert_cmpfloat(val_loss, ==, best->val_loss);
    g_autofree char *ckpt = g_build_filename(dir, "best.ckpt", NULL);
    g_assert_true(g_file_test(ckpt, G_FILE_TEST_EXISTS));

    /* Without restore_best the last weights stay. */
    c.restore_best = FALSE;
    g_autoptr(TrainRun) kept = train_run_new(&c, set);
    test_run_to_end(kept);
    g_assert_true(train_run_evaluate(kept, &val_loss, NULL, &error));
    g_assert_cmpfloat_with_epsilon(val_loss, last->val_loss, 1e-6);
    g_assert_cmpfloat(val_loss, ==, last->val_loss);
    /* Evaluating twice changes nothing: the weights are only read. */
    double again;
    g_assert_true(train_run_evaluate(kept, &again, NULL, &error));
    g_assert_cmpfloat(again, ==, val_loss);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

typedef struct {
    int calls;
    GThread *thread;
    TrainStatus last_status;
} NotifyCount;

static void
count_notify(TrainRun *run, gpointer user_data)
{
    NotifyCount *n = user_data;
    n->calls++;
    n->thread = g_thread_self();
    n->last_status = train_run_get_status(run);
}

/* A fast run whose consumer does not iterate its main loop gets exactly one pending
 * notification, however many batches it trained: the worker never floods it. */
static void
test_notify_coalesces(void)
{
    g_autoptr(DataSet) set = test_dataset_new(256, 16, 2, 13);
    TrainConfig c;
    test_config_init(&c, "c4-p-f2", 4);
    g_autoptr(GMainContext) ctx = g_main_context_new();
    NotifyCount n = { 0 };
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    train_run_set_notify(run, ctx, count_notify, &n, NULL);
    test_run_to_end(run);
    g_autoptr(GArray) batches = train_run_dup_batches(run, 0);
    g_assert_cmpuint(batches->len, ==, 4 * 12);   /* 192 training images, batch 16 */

    g_assert_cmpint(n.calls, ==, 0);   /* nothing runs until the context is iterated */
    while (g_main_context_iteration(ctx, FALSE))
        ;
    g_assert_cmpint(n.calls, ==, 1);
    g_assert_true(n.thread == g_thread_self());
    g_assert_cmpint(n.last_status, ==, TRAIN_STATUS_FINISHED);
    g_assert_false(g_main_context_pending(ctx));
    train_config_clear(&c);
}

/* With the main loop running, news keeps arriving while the run trains. */
static void
test_notify_follows_progress(void)
{
    g_autoptr(DataSet) set = test_dataset_new(256, 16, 2, 14);
    TrainConfig c;
    test_config_init(&c, "c8-p-c8-p-f32-f2", 3);
    g_autoptr(GMainContext) ctx = g_main_context_new();
    NotifyCount n = { 0 };
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    train_run_set_notify(run, ctx, count_notify, &n, NULL);
    GError *error = NULL;
    g_assert_true(train_run_start(run, &error));
    while (n.last_status != TRAIN_STATUS_FINISHED)
        g_main_context_iteration(ctx, TRUE);
    train_run_wait(run);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    g_assert_cmpint(n.calls, >, 1);
    train_config_clear(&c);
}

typedef struct {
    const char *dir;
    int checks;
    TrainStatus last_status;
} ShownIsSaved;

static void
check_shown_is_saved(TrainRun *run, gpointer user_data)
{
    ShownIsSaved *check = user_data;
    g_autoptr(GArray) shown = train_run_dup_epochs(run);
    g_autofree char *path = g_build_filename(check->dir, "history.csv", NULL);
    GError *error = NULL;
    g_autoptr(GArray) saved = train_history_load(path, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(saved->len, >=, shown->len);
    check->checks++;
    check->last_status = train_run_get_status(run);
}

/* Whatever a consumer has been told of is already on disk: at every notification the
 * folder's history holds at least the epochs the run hands out. */
static void
test_shown_epochs_are_saved(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(DataSet) set = test_dataset_new(128, 16, 2, 17);
    TrainConfig c;
    test_config_init(&c, "c4-p-f2", 6);
    g_autoptr(GMainContext) ctx = g_main_context_new();
    ShownIsSaved check = { .dir = dir };
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    train_run_set_output_dir(run, dir);
    train_run_set_notify(run, ctx, check_shown_is_saved, &check, NULL);
    GError *error = NULL;
    g_assert_true(train_run_start(run, &error));
    while (check.last_status == TRAIN_STATUS_READY || train_status_is_active(check.last_status))
        g_main_context_iteration(ctx, TRUE);
    train_run_wait(run);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    g_assert_cmpint(check.last_status, ==, TRAIN_STATUS_FINISHED);
    g_assert_cmpint(check.checks, >, 1);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/run/same-seed-same-history", test_same_seed_same_history);
    g_test_add_func("/train/run/sweep-starts-from-identical-weights",
                    test_sweep_starts_from_identical_weights);
    g_test_add_func("/train/run/pause-resume-same-history", test_pause_resume_same_history);
    g_test_add_func("/train/run/stop-keeps-finished-epochs", test_stop_keeps_finished_epochs);
    g_test_add_func("/train/run/cancel-is-prompt", test_cancel_is_prompt);
    g_test_add_func("/train/run/cancel-while-loading", test_cancel_while_loading);
    g_test_add_func("/train/run/cancel-before-start", test_cancel_before_start);
    g_test_add_func("/train/run/rename-reaches-the-folder", test_rename_reaches_the_folder);
    g_test_add_func("/train/run/loads-its-own-dataset", test_loads_its_own_dataset);
    g_test_add_func("/train/run/trains-on-an-image-folder", test_trains_on_an_image_folder);
    g_test_add_func("/train/run/divergence-is-reported", test_divergence_is_reported);
    g_test_add_func("/train/run/failures-are-explained", test_failures_are_explained);
    g_test_add_func("/train/run/early-stopping-restores-best", test_early_stopping_restores_best);
    g_test_add_func("/train/run/notify-coalesces", test_notify_coalesces);
    g_test_add_func("/train/run/notify-follows-progress", test_notify_follows_progress);
    g_test_add_func("/train/run/shown-epochs-are-saved", test_shown_epochs_are_saved);
    return g_test_run();
}
