/* test_sweep: runs over rates and seeds, one after another (rate after rate, each with
 * all its seeds): a plan is checked in words a user understands, every rate starts from
 * its seed's weights (the first batch's loss,
 * computed before any step, is the same for every rate of a seed and differs between
 * seeds), a stopped sweep keeps what finished and starts nothing more, members that would
 * not fit in memory together still all run (each freed when it ends), the table of
 * rates becomes sweep.csv, and the seeds of a rate come back as one group when their
 * session is read again (a copied one too). */
#include <math.h>
#include <string.h>

#include "nn_model.h"
#include "train_session.h"
#include "train_sweep.h"
#include "train_test_util.h"

static void
test_check_and_parse(void)
{
    const double rates[] = { 1e-2, 1e-3, 1e-2 };
    const guint64 seeds[] = { 1, 2, 1 };
    GError *error = NULL;

    g_assert_true(train_sweep_check(rates, 2, seeds, 2, &error));
    g_assert_false(train_sweep_check(rates, 3, seeds, 1, &error));
    g_assert_cmpstr(error->message, ==, "The learning rate 1e-2 is listed twice.");
    g_clear_error(&error);
    g_assert_false(train_sweep_check(rates, 1, seeds, 3, &error));
    g_assert_nonnull(strstr(error->message, "seed 1 is listed twice"));
    g_clear_error(&error);
    g_assert_false(train_sweep_check(rates, 0, seeds, 1, &error));
    g_assert_nonnull(strstr(error->message, "No learning rate"));
    g_clear_error(&error);
    const double bad[] = { 20 };
    g_assert_false(train_sweep_check(bad, 1, seeds, 1, &error));
    g_assert_nonnull(strstr(error->message, "is not a learning rate"));
    g_clear_error(&error);

    g_autoptr(GArray) parsed = train_sweep_parse_rates("1e-1, 1e-2;3e-4 1e-5", &error);
    g_assert_no_error(error);
    g_assert_cmpint(parsed->len, ==, 4);
    g_assert_cmpfloat(g_array_index(parsed, double, 2), ==, 3e-4);
    g_assert_null(train_sweep_parse_rates("1e-3, fast", &error));
    g_assert_nonnull(strstr(error->message, "'fast' is not a learning rate"));
    g_clear_error(&error);
    g_autoptr(GArray) s = train_sweep_parse_seeds("1,2,3", &error);
    g_assert_cmpint(s->len, ==, 3);
    g_assert_null(train_sweep_parse_seeds("1,-2", &error));
    g_clear_error(&error);
    g_autoptr(GArray) from = train_sweep_seeds_from(4, 3);
    g_assert_cmpint(g_array_index(from, guint64, 2), ==, 6);
}

typedef struct {
    GMainLoop *loop;
    int notifications;
} Watch;

static void
on_sweep_news(TrainSweep *sweep, gpointer user_data)
{
    Watch *w = user_data;
    w->notifications++;
    if (train_sweep_is_done(sweep))
        g_main_loop_quit(w->loop);
}

static double
first_batch_loss(TrainRun *run)
{
    g_autoptr(GArray) batches = train_run_dup_batches(run, 0);
    g_assert_cmpint(batches->len, >, 0);
    return g_array_index(batches, TrainBatchPoint, 0).loss;
}

static void
test_rates_and_seeds(void)
{
    g_autoptr(DataSet) set = test_dataset_new(96, 16, 2, 3);
    TrainConfig c;
    test_config_init(&c, "c4-p-f8-f2", 2);
    const double rates[] = { 1e-2, 1e-3 };
    const guint64 seeds[] = { 5, 6 };
    GError *error = NULL;
    g_autoptr(TrainSweep) sweep = train_sweep_new(&c, set, rates, 2, seeds, 2, &error);
    g_assert_no_error(error);
    Watch w = { .loop = g_main_loop_new(NULL, FALSE) };
    train_sweep_set_notify(sweep, NULL, on_sweep_news, &w, NULL);
    g_assert_true(train_sweep_start(sweep, &error));
    g_main_loop_run(w.loop);
    train_sweep_wait(sweep);
    g_assert_cmpint(w.notifications, >=, 1);

    g_assert_cmpint(train_sweep_get_n_members(sweep), ==, 4);
    g_assert_cmpint(train_sweep_get_n_created(sweep), ==, 4);
    g_assert_false(train_sweep_releases_models(sweep));
    double loss[4];
    /* Rate after rate, each with all its seeds. */
    static const char *const names[] = { "lr 1e-2, seed 5", "lr 1e-2, seed 6",
                                         "lr 1e-3, seed 5", "lr 1e-3, seed 6" };
    for (int i = 0; i < 4; i++) {
        int rate_index, seed_index;
        g_autoptr(TrainRun) run = train_sweep_dup_run(sweep, i, &rate_index, &seed_index);
        g_assert_cmpint(rate_index, ==, i / 2);
        g_assert_cmpint(seed_index, ==, i % 2);
        const TrainConfig *rc = train_run_get_config(run);
        g_assert_cmpfloat(rc->lr, ==, rates[rate_index]);
        g_assert_cmpuint(rc->seed, ==, seeds[seed_index]);
        g_autofree char *name = train_run_dup_name(run);
        g_assert_cmpstr(name, ==, names[i]);
        g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
        loss[i] = first_batch_loss(run);
    }
    /* Same seed, same first loss whatever the rate; another seed, another one. */
    g_assert_cmpfloat(loss[0], ==, loss[2]);
    g_assert_cmpfloat(loss[1], ==, loss[3]);
    g_assert_cmpfloat(loss[0], !=, loss[1]);
    g_assert_null(train_sweep_dup_run(sweep, 4, NULL, NULL));

    g_autofree char *plan = train_sweep_describe_plan(sweep);
    g_assert_cmpstr(plan, ==, "2 rates x 2 seeds = 4 runs, one after another, from one "
                              "dataset and one split");
    train_sweep_set_notify(sweep, NULL, NULL, NULL, NULL);
    g_main_loop_unref(w.loop);
    train_config_clear(&c);
}

static void
test_stop_keeps_finished(void)
{
    g_autoptr(DataSet) set = test_dataset_new(96, 16, 2, 3);
    TrainConfig c;
    test_config_init(&c, "c4-p-f8-f2", 500);
    const double rates[] = { 1e-2, 1e-3, 1e-4 };
    const guint64 seed = 1;
    GError *error = NULL;
    g_autoptr(TrainSweep) sweep = train_sweep_new(&c, set, rates, 3, &seed, 1, &error);
    g_assert_true(train_sweep_start(sweep, &error));
    /* Stop once the first run has trained an epoch. */
    for (;;) {
        g_autoptr(TrainRun) run = train_sweep_dup_run(sweep, 0, NULL, NULL);
        if (run) {
            g_autoptr(GArray) epochs = train_run_dup_epochs(run);
            if (epochs->len > 0)
                break;
        }
        g_usleep(2000);
    }
    train_sweep_stop(sweep);
    train_sweep_wait(sweep);
    g_assert_true(train_sweep_is_done(sweep));
    g_assert_cmpint(train_sweep_get_n_created(sweep), ==, 1);
    g_autoptr(TrainRun) first = train_sweep_dup_run(sweep, 0, NULL, NULL);
    g_assert_cmpint(train_run_get_status(first), ==, TRAIN_STATUS_STOPPED);
    g_autoptr(GArray) kept = train_run_dup_epochs(first);
    g_assert_cmpint(kept->len, >=, 1);
    train_config_clear(&c);
}

static void
test_more_than_fits_in_memory(void)
{
    g_autoptr(DataSet) set = test_dataset_new(64, 16, 2, 3);
    TrainConfig c;
    test_config_init(&c, "c4-p-f8-f2", 1);
    nn_spec spec;
    nn_memory_estimate estimate;
    g_assert_true(train_config_build_spec(&c, 2, &spec, NULL));
    g_assert_cmpint(nn_model_estimate(&spec, c.size, c.size, 3, c.batch_size, c.optimizer,
                                      &estimate, NULL), ==, NN_OK);
    /* Room for one run and a half: three seeds do not fit together. */
    c.memory_limit = estimate.total_bytes * 3 / 2;
    const double lr = 1e-3;
    const guint64 seeds[] = { 1, 2, 3 };
    GError *error = NULL;
    g_autoptr(TrainSweep) sweep = train_sweep_new(&c, set, &lr, 1, seeds, 3, &error);
    g_assert_true(train_sweep_start(sweep, &error));
    train_sweep_wait(sweep);
    g_assert_true(train_sweep_releases_models(sweep));
    for (int i = 0; i < 3; i++) {
        g_autoptr(TrainRun) run = train_sweep_dup_run(sweep, i, NULL, NULL);
        g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
        /* Its record stays; its network was freed. */
        g_autoptr(GArray) epochs = train_run_dup_epochs(run);
        g_assert_cmpint(epochs->len, ==, 1);
        g_assert_false(train_run_evaluate(run, NULL, NULL, &error));
        g_clear_error(&error);
    }
    g_autofree char *plan = train_sweep_describe_plan(sweep);
    g_assert_cmpstr(plan, ==, "3 seeds, one after another, from one dataset and one split; "
                              "together they would not fit in memory, so each run's network "
                              "is freed when it ends (its record is kept)");
    train_config_clear(&c);
}

static void
test_rows_and_csv(void)
{
    TrainEpoch a[] = { { .epoch = 0, .loss = 0.6, .val_loss = 0.5, .val_accuracy = 0.7 },
                       { .epoch = 1, .loss = 0.4, .val_loss = 0.45, .val_accuracy = 0.8 } };
    TrainEpoch b[] = { { .epoch = 0, .loss = 0.6, .val_loss = 0.6, .val_accuracy = 0.6 },
                       { .epoch = 1, .loss = 0.2, .val_loss = 0.55, .val_accuracy = 0.7 } };
    TrainEpoch d[] = { { .epoch = 0, .loss = NAN, .val_loss = NAN } };
    const TrainEpoch *runs[] = { a, b };
    const int n[] = { 2, 2 };
    const TrainStatus statuses[] = { TRAIN_STATUS_FINISHED, TRAIN_STATUS_FINISHED };
    TrainSweepRow rows[2];
    train_sweep_row_compute(&rows[0], 1e-3, runs, n, statuses, 2, 2, 2);
    g_assert_cmpint(rows[0].seeds, ==, 2);
    g_assert_cmpint(rows[0].diverged, ==, 0);
    g_assert_cmpfloat_with_epsilon(rows[0].best_val_loss, 0.5, 1e-12);
    g_assert_cmpfloat_with_epsilon(rows[0].best_val_loss_std, sqrt(0.005), 1e-12);
    g_assert_cmpfloat_with_epsilon(rows[0].final_loss, 0.3, 1e-12);
    g_assert_cmpfloat_with_epsilon(rows[0].best_val_accuracy, 0.75, 1e-12);
    g_assert_cmpstr(rows[0].verdict, ==, "learning");

    const TrainEpoch *diverged[] = { d };
    const int nd[] = { 1 };
    const TrainStatus sd[] = { TRAIN_STATUS_DIVERGED };
    train_sweep_row_compute(&rows[1], 1, diverged, nd, sd, 1, 2, 2);
    g_assert_cmpint(rows[1].diverged, ==, 1);
    g_assert_true(isnan(rows[1].best_val_loss));

    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "sweep.csv", NULL);
    GError *error = NULL;
    g_assert_true(train_sweep_save_csv(rows, 2, path, &error));
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    /* The text of a standard deviation's last digit depends on how the compiler
     * rounds the sum of squares (the sanitizer build's differs in the 17th digit), so
     * each number is checked to read back as the row's double, not against a text. */
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 4);
    g_assert_cmpstr(lines[0], ==,
                    "lr,seeds,diverged,best_val_loss,best_val_loss_std,final_loss,final_loss_std,"
                    "best_val_accuracy,best_val_accuracy_std,verdict");
    g_auto(GStrv) f = g_strsplit(lines[1], ",", -1);
    g_assert_cmpuint(g_strv_length(f), ==, 10);
    g_assert_cmpstr(f[0], ==, "0.001");
    g_assert_cmpstr(f[1], ==, "2");
    g_assert_cmpstr(f[2], ==, "0");
    g_assert_cmpstr(f[3], ==, "0.5");
    g_assert_cmpstr(f[5], ==, "0.30000000000000004");
    g_assert_cmpstr(f[7], ==, "0.75");
    g_assert_cmpstr(f[9], ==, "\"learning\"");
    const double values[] = { rows[0].best_val_loss, rows[0].best_val_loss_std,
                              rows[0].final_loss, rows[0].final_loss_std,
                              rows[0].best_val_accuracy, rows[0].best_val_accuracy_std };
    for (int i = 0; i < 6; i++) {
        char *end = NULL;
        g_assert_cmpfloat(g_ascii_strtod(f[3 + i], &end), ==, values[i]);
        g_assert_cmpint(*end, ==, '\0');
        /* The shortest text that reads back: never 17 digits where fewer do. */
        g_autofree char *shorter = g_strdup_printf("%.15g", values[i]);
        if (g_ascii_strtod(shorter, NULL) == values[i])
            g_assert_cmpuint(strlen(f[3 + i]), <=, strlen(shorter));
    }
    g_assert_cmpstr(lines[2], ==, "1,1,1,,,,,,,\"diverged\"");
    g_assert_cmpstr(lines[3], ==, "");
    test_rmdir_recursive(dir);
    train_sweep_row_clear(&rows[0]);
    train_sweep_row_clear(&rows[1]);
}

/* The members' folders in session, as the app names them. */
static char *
session_folder(TrainRun *run, const TrainConfig *member, int rate_index, int seed_index,
               gpointer user_data)
{
    return train_session_next_run_dir(user_data, NULL);
}

static void
run_sweep_into(const char *session, const double *rates, int n_rates, const guint64 *seeds,
               int n_seeds)
{
    g_autoptr(DataSet) set = test_dataset_new(64, 16, 2, 3);
    TrainConfig c;
    test_config_init(&c, "c4-p-f8-f2", 1);
    GError *error = NULL;
    g_autoptr(TrainSweep) sweep = train_sweep_new(&c, set, rates, n_rates, seeds, n_seeds, &error);
    g_assert_no_error(error);
    train_sweep_set_folder_func(sweep, session_folder, (gpointer) session);
    g_assert_true(train_sweep_start(sweep, &error));
    train_sweep_wait(sweep);
    g_autofree char *failed = train_sweep_dup_error(sweep);
    g_assert_null(failed);
    g_assert_cmpint(train_sweep_get_n_ended(sweep), ==, n_rates * n_seeds);
    train_config_clear(&c);
}

/* The session as the app left it: run-001 alone, run-002..005 two rates with two seeds
 * each, run-006..007 two rates with one seed (no groups). */
static void
assert_groups(const char *dir)
{
    GError *error = NULL;
    g_autoptr(TrainSession) session = train_session_load(dir, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(session->runs->len, ==, 7);
    g_assert_cmpuint(session->problems->len, ==, 0);
    g_assert_cmpuint(session->groups->len, ==, 2);
    for (guint g = 0; g < 2; g++) {
        const TrainSessionGroup *group = session->groups->pdata[g];
        g_assert_cmpint(group->n_seeds, ==, 2);
        g_assert_cmpuint(group->runs->len, ==, 2);
        for (guint k = 0; k < 2; k++) {
            TrainRun *run = group->runs->pdata[k];
            /* In folder order: run-002, 003 (lr 1e-2), run-004, 005 (lr 1e-3). */
            g_assert_true(run == session->runs->pdata[1 + 2 * g + k]);
            g_assert_cmpfloat(train_run_get_config(run)->lr, ==, g == 0 ? 1e-2 : 1e-3);
            g_assert_cmpuint(train_run_get_config(run)->seed, ==, 5 + k);
            g_assert_true(train_session_find_group(session, run) == group);
        }
    }
    g_assert_cmpstr(((TrainSessionGroup *) session->groups->pdata[0])->id, !=,
                    ((TrainSessionGroup *) session->groups->pdata[1])->id);
    g_assert_null(train_session_find_group(session, session->runs->pdata[0]));
    g_assert_null(train_session_find_group(session, session->runs->pdata[5]));
    g_assert_null(train_session_find_group(session, session->runs->pdata[6]));
}

static void
test_groups_read_back(void)
{
    g_autofree char *session = test_tmpdir();
    g_autofree char *copy = test_tmpdir();
    const double rates[] = { 1e-2, 1e-3 };
    const guint64 seeds[] = { 5, 6 };

    /* A run of its own first: a folder without group.ini is no member (older sessions). */
    {
        g_autoptr(DataSet) set = test_dataset_new(64, 16, 2, 3);
        TrainConfig c;
        test_config_init(&c, "c4-p-f8-f2", 1);
        g_autoptr(TrainRun) run = train_run_new(&c, set);
        g_autofree char *dir = train_session_next_run_dir(session, NULL);
        train_run_set_output_dir(run, dir);
        test_run_to_end(run);
        train_config_clear(&c);
    }
    run_sweep_into(session, rates, 2, seeds, 2);
    run_sweep_into(session, rates, 2, seeds, 1);
    assert_groups(session);

    /* Save Session: the copy keeps its groups. */
    {
        GError *error = NULL;
        g_autoptr(TrainSession) loaded = train_session_load(session, &error);
        g_autoptr(GPtrArray) dirs = g_ptr_array_new();
        for (guint i = 0; i < loaded->runs->len; i++)
            g_ptr_array_add(dirs, (gpointer) train_run_get_output_dir(loaded->runs->pdata[i]));
        g_ptr_array_add(dirs, NULL);
        g_assert_true(train_session_copy_runs((const char *const *) dirs->pdata, copy, &error));
        g_assert_no_error(error);
    }
    assert_groups(copy);

    /* A damaged group.ini makes no group; the run still loads. */
    {
        g_autofree char *path = g_build_filename(copy, "run-002", TRAIN_SWEEP_GROUP_FILE, NULL);
        g_assert_true(g_file_set_contents(path, "[group]\nseeds=two\n", -1, NULL));
        GError *error = NULL;
        g_autoptr(TrainSession) loaded = train_session_load(copy, &error);
        g_assert_cmpuint(loaded->runs->len, ==, 7);
        g_assert_null(train_session_find_group(loaded, loaded->runs->pdata[1]));
        g_assert_cmpuint(((TrainSessionGroup *) loaded->groups->pdata[0])->runs->len, ==, 1);
    }
    test_rmdir_recursive(session);
    test_rmdir_recursive(copy);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/sweep/check-and-parse", test_check_and_parse);
    g_test_add_func("/train/sweep/rates-and-seeds", test_rates_and_seeds);
    g_test_add_func("/train/sweep/stop-keeps-finished", test_stop_keeps_finished);
    g_test_add_func("/train/sweep/more-than-fits-in-memory", test_more_than_fits_in_memory);
    g_test_add_func("/train/sweep/rows-and-csv", test_rows_and_csv);
    g_test_add_func("/train/sweep/groups-read-back", test_groups_read_back);
    return g_test_run();
}
