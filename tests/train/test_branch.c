/* test_branch: checkpoints per epoch, resume and fork, as issue 13 asks them:
 * - a run SIGKILLed mid-epoch and resumed with lrlab-train --resume ends byte for byte as
 *   the same run never interrupted (history.csv but its seconds, predictions.bin, the final
 *   checkpoint, the update ratios), on the same thread count;
 * - a fork after epoch k with unchanged settings reproduces the parent's later epochs;
 *   with another rate it differs from epoch k+1 on and not before;
 * - the recorded update/weight ratio against one computed from two consecutive checkpoints;
 * - bad input: changed data (refused, folder untouched, a fork offered), a damaged or
 *   truncated checkpoint in the ring, a full disk while writing a checkpoint (the previous
 *   one stays valid), a fork epoch the ring pruned; a folder from before per-epoch
 *   checkpoints.
 * The runs are tiny (60 images of 16x16, 6 batches an epoch) with dropout, augmentation and
 * a plateau schedule on, so every piece of state a checkpoint carries is exercised. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "nn_checkpoint.h"
#include "train_checkpoints.h"
#include "train_model.h"
#include "train_resume.h"
#include "train_run.h"
#include "train_test_util.h"

/* The flags of the runs below, for lrlab-train; branch_config is the same in a TrainConfig. */
#define RUN_FLAGS "--model", "c8-p-f32-d0.5-f2", "--size", "16", "--data", "synthetic:30", \
                  "--batch", "8", "--threads", "1", "--augment", "hflip", "--schedule",      \
                  "plateau", "--plateau-patience", "0", "--min-lr", "1e-6", "--early-stop", "100"

static void
branch_config(TrainConfig *c, int epochs)
{
    test_config_init(c, "c8-p-f32-d0.5-f2", epochs);
    c->synthetic.images_per_class = 30;
    c->batch_size = 8;
    c->dropout = TRUE;
    c->augment.flags = DATA_AUGMENT_HFLIP;
    c->schedule.kind = TRAIN_SCHEDULE_PLATEAU;
    c->schedule.plateau_patience = 0;
    c->schedule.min_lr = 1e-6;
    c->early_stop_patience = 100;
}

static char *
read_file(const char *path)
{
    g_autofree char *text = NULL;
    gsize length;
    GError *error = NULL;
    g_assert_true(g_file_get_contents(path, &text, &length, &error));
    g_assert_no_error(error);
    return g_steal_pointer(&text);
}

/* The same bytes in dir_a/name and dir_b/name (history.csv: but its seconds column). */
static void
assert_same_file(const char *dir_a, const char *dir_b, const char *name)
{
    g_autofree char *a = g_build_filename(dir_a, name, NULL);
    g_autofree char *b = g_build_filename(dir_b, name, NULL);
    if (g_str_equal(name, "history.csv")) {
        g_autofree char *ta = test_history_without_seconds(a);
        g_autofree char *tb = test_history_without_seconds(b);
        g_assert_cmpstr(ta, ==, tb);
        return;
    }
    g_autofree char *ca = NULL, *cb = NULL;
    gsize la, lb;
    g_assert_true(g_file_get_contents(a, &ca, &la, NULL));
    g_assert_true(g_file_get_contents(b, &cb, &lb, NULL));
    if (la != lb || memcmp(ca, cb, la) != 0)
        g_error("%s differs between %s and %s", name, dir_a, dir_b);
}

/* The files that make a run what it is; only status.ini's time stamp and history.csv's
 * seconds may differ between two runs of the same settings. */
static void
assert_same_run(const char *a, const char *b, int epochs)
{
    g_autofree char *last = g_strdup_printf("checkpoints/epoch-%04d.ckpt", epochs);
    const char *names[] = { "history.csv", "predictions.bin", "best.ckpt", last,
                            "update-ratio.csv", "update-ratio-batches.csv" };
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
        assert_same_file(a, b, names[i]);
}


static void
run_cli_ok(const char *const *args)
{
    g_autofree char *out = NULL, *err = NULL;
    int status = test_run_cli(args, &out, &err);
    if (status != 0)
        g_error("lrlab-train exited %d: %s%s", status, out, err);
}

/* SIGKILL mid-epoch: lrlab-train prints "Epoch 2/60" once epoch 2 is on disk and goes on
 * with epoch 3 at once; the kill lands somewhere after (each epoch is 6 batches and a
 * validation pass; 60 epochs, so the run is still going however late the line is read).
 * Wherever it lands, the resume must end as the whole run. */
static void
test_resume_after_sigkill(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *whole = g_build_filename(dir, "whole", NULL);
    g_autofree char *killed = g_build_filename(dir, "killed", NULL);
    g_autofree char *run = g_build_filename(killed, "lr_1e-03", NULL);
    const char *full[] = { RUN_FLAGS, "--epochs", "60", "--out", whole, NULL };
    run_cli_ok(full);

    const char *argv[] = { test_lrlab_train, RUN_FLAGS, "--epochs", "60", "--out", killed,
                           NULL };
    GError *error = NULL;
    g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                           G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                                 &error);
    g_assert_no_error(error);
    g_autoptr(GDataInputStream) in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
    for (;;) {
        g_autofree char *line = g_data_input_stream_read_line_utf8(in, NULL, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(line);
        if (g_str_has_prefix(line, "Epoch 2/60"))
            break;
    }
    g_subprocess_send_signal(p, SIGKILL);
    g_assert_true(g_subprocess_wait(p, NULL, &error));
    g_assert_true(g_subprocess_get_if_signaled(p));

    /* It died mid-run: the folder says "running", the history is short of the end. */
    g_autofree char *status_path = g_build_filename(run, "status.ini", NULL);
    g_autofree char *status = read_file(status_path);
    g_assert_nonnull(strstr(status, "status=running"));

    g_autofree char *out = NULL, *err = NULL;
    const char *resume[] = { "--resume", run, NULL };
    int rc = test_run_cli(resume, &out, &err);
    if (rc != 0)
        g_error("resume exited %d: %s%s", rc, out, err);
    g_assert_nonnull(strstr(out, "Resuming"));
    g_autofree char *whole_run = g_build_filename(whole, "lr_1e-03", NULL);
    assert_same_run(whole_run, run, 60);
    g_free(status);
    status = read_file(status_path);
    g_assert_nonnull(strstr(status, "status=finished"));

    /* --epochs N trains N more, and ends as a run planned that long from the start. */
    g_autofree char *longer = g_build_filename(dir, "longer", NULL);
    const char *more_whole[] = { RUN_FLAGS, "--epochs", "62", "--out", longer, NULL };
    run_cli_ok(more_whole);
    const char *more[] = { "--resume", run, "--epochs", "2", NULL };
    run_cli_ok(more);
    g_autofree char *longer_run = g_build_filename(longer, "lr_1e-03", NULL);
    /* The plateau schedule does not depend on the epoch count, so the 60 + 2 run and the
     * 62-epoch run train the same batches with the same rates. */
    assert_same_run(longer_run, run, 62);
    test_rmdir_recursive(dir);
}

/* Runs config in dir (with start, when given) to its end; the run, finished. */
static TrainRun *
train_in(const TrainConfig *config, const char *dir, TrainStart *start)
{
    TrainRun *run = train_run_new(config, NULL);
    train_run_set_output_dir(run, dir);
    if (start)
        train_run_set_start(run, start);
    test_run_to_end(run);
    g_autofree char *message = train_run_dup_message(run);
    if (train_run_get_status(run) != TRAIN_STATUS_FINISHED)
        g_error("the run ended %s: %s", train_status_to_string(train_run_get_status(run)),
                message ? message : "");
    return run;
}

/* In dir, "whole": the run trained for `epochs`, and "run": the same stopped after `cut`
 * (c left planned for `epochs`), to resume and compare. */
static void
whole_and_cut(const char *dir, int epochs, int cut, TrainConfig *c, char **whole, char **run)
{
    *whole = g_build_filename(dir, "whole", NULL);
    *run = g_build_filename(dir, "run", NULL);
    branch_config(c, epochs);
    g_autoptr(TrainRun) w = train_in(c, *whole, NULL);
    c->epochs = cut;
    g_autoptr(TrainRun) r = train_in(c, *run, NULL);
    c->epochs = epochs;
}

static TrainStart *
fork_of(const char *parent, int epochs)
{
    GError *error = NULL;
    TrainStart *start = train_start_new_fork(parent, epochs, &error);
    g_assert_no_error(error);
    g_assert_nonnull(start);
    return start;
}

/* history.csv's lines without the seconds column, header first. */
static GStrv
history_lines(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "history.csv", NULL);
    g_autofree char *text = test_history_without_seconds(path);
    return g_strsplit(text, "\n", -1);
}

static void
test_fork(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *parent = g_build_filename(dir, "parent", NULL);
    g_autofree char *same = g_build_filename(dir, "same", NULL);
    g_autofree char *other = g_build_filename(dir, "other", NULL);
    TrainConfig c;
    branch_config(&c, 5);
    g_autoptr(TrainRun) p = train_in(&c, parent, NULL);

    /* Unchanged settings: the fork is the parent's epochs 3..5 again, byte for byte. */
    g_autoptr(TrainRun) s = train_in(&c, same, fork_of(parent, 2));
    assert_same_run(parent, same, 5);
    TrainForkInfo info;
    g_assert_true(train_fork_info_read(same, &info));
    g_assert_cmpint(info.epochs, ==, 2);
    g_assert_true(info.exact);
    g_autofree char *canonical = g_canonicalize_filename(parent, NULL);
    g_assert_cmpstr(info.parent, ==, canonical);
    train_fork_info_clear(&info);
    g_assert_false(train_fork_info_read(parent, &info));

    /* Another rate: the first two epochs are the parent's, every later one differs. */
    TrainConfig faster;
    train_config_copy(&faster, &c);
    faster.lr = 1e-2;
    g_autoptr(TrainRun) o = train_in(&faster, other, fork_of(parent, 2));
    g_auto(GStrv) a = history_lines(parent);
    g_auto(GStrv) b = history_lines(other);
    for (int line = 0; line <= 2; line++)   /* the header, epochs 0 and 1 */
        g_assert_cmpstr(a[line], ==, b[line]);
    for (int line = 3; line <= 5; line++) {
        g_assert_nonnull(a[line]);
        g_assert_nonnull(b[line]);
        g_assert_cmpstr(a[line], !=, b[line]);
    }
    g_autofree char *name = train_fork_describe(&faster, &c, 2);
    g_assert_cmpstr(name, ==, "lr 1e-2 from epoch 2");

    /* A fork may not change what its weights and first epochs belong to. */
    TrainConfig bigger;
    train_config_copy(&bigger, &c);
    bigger.size = 32;
    g_autoptr(TrainRun) refused = train_run_new(&bigger, NULL);
    g_autofree char *nowhere = g_build_filename(dir, "refused", NULL);
    train_run_set_output_dir(refused, nowhere);
    train_run_set_start(refused, fork_of(parent, 2));
    GError *error = NULL;
    g_assert_false(train_run_start(refused, &error));
    g_assert_nonnull(strstr(error->message, "--size"));
    g_clear_error(&error);
    g_assert_false(g_file_test(nowhere, G_FILE_TEST_EXISTS));
    train_config_clear(&bigger);
    train_config_clear(&faster);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

/* The weights of a checkpoint (a model file). */
static nn_model *
load_model(const char *path)
{
    GError *error = NULL;
    nn_model *m = train_model_load(path, 1, NULL, NULL, &error);
    g_assert_no_error(error);
    return m;
}

/* One batch per epoch, so two consecutive epoch checkpoints are one optimizer step apart:
 * ||W(k+1) - W(k)|| / ||W(k)|| per tensor, computed here in double from the files, is the
 * step's recorded ratio (and the epoch's mean of its one step). The record is a float
 * written with 9 digits: 1e-6 relative covers its rounding and the sums' order. */
static void
test_ratio_against_checkpoints(void)
{
    g_autofree char *dir = test_tmpdir();
    TrainConfig c;
    branch_config(&c, 3);
    c.synthetic.images_per_class = 8;   /* 12 training images */
    c.batch_size = 16;
    g_autoptr(TrainRun) run = train_in(&c, dir, NULL);
    g_autoptr(TrainRatioLog) log = train_run_dup_update_ratios(run);
    g_assert_nonnull(log);
    g_assert_cmpuint(train_ratio_log_n_batches(log), ==, 3);
    g_assert_cmpuint(train_ratio_log_n_epochs(log), ==, 3);

    g_autofree char *p1 = train_checkpoints_path(dir, 1), *p2 = train_checkpoints_path(dir, 2);
    nn_model *m1 = load_model(p1), *m2 = load_model(p2);
    const int nk = nn_model_num_tensors(m1);
    g_assert_cmpint(nk, ==, train_ratio_log_n_tensors(log));
    /* The log as it was recorded, and as the folder gives it back. */
    g_autoptr(GError) error = NULL;
    g_autoptr(TrainRatioLog) read = train_ratio_log_read(dir, 3, &error);
    g_assert_no_error(error);
    TrainRatioLog *logs[] = { log, read };
    for (int l = 0; l < 2; l++) {
        g_autoptr(GArray) batches = g_array_new(FALSE, FALSE, sizeof(float));
        g_autoptr(GArray) epochs = g_array_new(FALSE, FALSE, sizeof(float));
        g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(TrainRatioKey));
        g_assert_cmpuint(train_ratio_log_copy_batches(logs[l], 0, batches, keys), ==, 3);
        g_assert_cmpuint(train_ratio_log_copy_epochs(logs[l], 0, epochs), ==, 3);
        g_assert_cmpint(g_array_index(keys, TrainRatioKey, 2).epoch, ==, 2);
        for (int k = 0; k < nk; k++) {
            const nn_tensor_info *t = nn_model_tensor(m1, k);
            const float *w1 = nn_model_params(m1) + t->offset, *w2 = nn_model_params(m2) + t->offset;
            double du = 0, w = 0;
            for (size_t i = 0; i < t->size; i++) {
                du += ((double) w2[i] - w1[i]) * ((double) w2[i] - w1[i]);
                w += (double) w1[i] * w1[i];
            }
            double direct = sqrt(du) / sqrt(w);
            g_assert_cmpstr(train_ratio_log_tensor(logs[l], k)->name, ==, t->name);
            g_assert_cmpfloat(direct, >, 0);
            g_assert_cmpfloat_with_epsilon(g_array_index(batches, float, 1 * nk + k), direct,
                                           1e-6 * direct);
            g_assert_cmpfloat_with_epsilon(g_array_index(epochs, float, 1 * nk + k), direct,
                                           1e-6 * direct);
        }
    }
    nn_model_free(m1);
    nn_model_free(m2);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

/* Every file of dir (recursively) with its contents, to see that nothing changed. */
static void
snapshot(const char *dir, const char *prefix, GHashTable *files)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *key = g_build_filename(prefix, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            snapshot(path, key, files);
            continue;
        }
        g_autofree char *contents = NULL;
        gsize length = 0;
        g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
        g_hash_table_insert(files, g_steal_pointer(&key),
                            g_bytes_new_take(g_steal_pointer(&contents), length));
    }
}

static void
assert_unchanged(GHashTable *before, const char *dir)
{
    g_autoptr(GHashTable) now = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                      (GDestroyNotify) g_bytes_unref);
    snapshot(dir, "", now);
    g_assert_cmpuint(g_hash_table_size(now), ==, g_hash_table_size(before));
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, before);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        GBytes *other = g_hash_table_lookup(now, key);
        if (other == NULL || !g_bytes_equal(value, other))
            g_error("%s changed", (const char *) key);
    }
}

/* A run whose worker fails; its message. */
static char *
fails_with(TrainRun *run)
{
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FAILED);
    char *message = train_run_dup_message(run);
    g_assert_nonnull(message);
    return message;
}

static void
test_resume_refuses_changed_data(void)
{
    g_autofree char *dir = test_tmpdir();
    TrainConfig c;
    branch_config(&c, 2);
    g_autoptr(TrainRun) first = train_in(&c, dir, NULL);
    g_autoptr(GHashTable) before = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_bytes_unref);
    snapshot(dir, "", before);

    /* Other images of the same shape and classes, as a folder edited since would give. */
    g_autoptr(DataSet) changed = test_dataset_new(60, 16, 2, 99);
    GError *error = NULL;
    g_autoptr(TrainStart) probe = train_start_new_resume(dir, &error);
    g_assert_no_error(error);
    TrainConfig more;
    train_config_copy(&more, train_start_config(probe));
    more.epochs = 4;
    g_autoptr(TrainRun) resumed = train_run_new(&more, changed);
    train_run_set_start(resumed, train_start_new_resume(dir, &error));
    g_assert_no_error(error);
    g_autofree char *message = fails_with(resumed);
    g_assert_nonnull(strstr(message, "The data changed"));
    g_assert_nonnull(strstr(message, "--fork"));
    /* Refused before a single write: the folder is exactly as it was. */
    assert_unchanged(before, dir);
    train_config_clear(&more);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
damage(const char *path, gboolean truncate)
{
    g_autofree char *contents = NULL;
    gsize length;
    g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
    if (truncate)
        length /= 2;
    else
        contents[length / 2] ^= 0x55;
    g_assert_true(g_file_set_contents(path, contents, (gssize) length, NULL));
}

static void
test_damaged_checkpoints(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *whole = NULL, *run = NULL;
    TrainConfig c;
    whole_and_cut(dir, 6, 4, &c, &whole, &run);

    /* In the middle of the ring, one corrupted and one cut short: forks from them are
     * refused with the reason and the nearest whole ones... */
    g_autofree char *p2 = train_checkpoints_path(run, 2), *p3 = train_checkpoints_path(run, 3);
    g_autofree char *p4 = train_checkpoints_path(run, 4);
    damage(p2, FALSE);
    damage(p3, TRUE);
    GError *error = NULL;
    g_assert_null(train_start_new_fork(run, 2, &error));
    g_assert_nonnull(strstr(error->message, "damaged"));
    g_assert_nonnull(strstr(error->message, "checksum"));
    g_clear_error(&error);
    g_assert_null(train_start_new_fork(run, 3, &error));
    g_assert_nonnull(strstr(error->message, "truncated"));
    g_clear_error(&error);

    /* ...and when the newest is damaged too, the resume falls back to the newest whole one
     * (after epoch 1), says so, trains epochs 2-4 again and still ends as the whole run. */
    damage(p4, FALSE);
    TrainStart *start = train_start_new_resume(run, &error);
    g_assert_no_error(error);
    g_assert_cmpint(train_start_epochs_done(start), ==, 1);
    g_assert_nonnull(strstr(train_start_note(start), "after epoch 1"));
    g_assert_nonnull(strstr(train_start_note(start), "3 epochs after it are trained again"));
    g_autoptr(TrainRun) resumed = train_in(&c, run, start);
    assert_same_run(whole, run, 6);

    /* Every checkpoint damaged: nothing to continue from, said in words. */
    for (int e = 1; e <= 6; e++) {
        g_autofree char *p = train_checkpoints_path(run, e);
        damage(p, TRUE);
    }
    g_assert_null(train_start_new_resume(run, &error));
    g_assert_nonnull(strstr(error->message, "cannot be resumed"));
    g_clear_error(&error);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

/* A full disk, made real with RLIMIT_FSIZE: a write past the limit fails with EFBIG, as one
 * past the end of a disk fails with ENOSPC, anywhere in the file. The checkpoints (about
 * 30 KB) no longer fit, the small records do. */
static void
test_full_disk(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *whole = NULL, *run = NULL;
    TrainConfig c;
    whole_and_cut(dir, 4, 2, &c, &whole, &run);
    g_autofree char *p2 = train_checkpoints_path(run, 2);
    GStatBuf st;
    g_assert_cmpint(g_stat(p2, &st), ==, 0);

    struct rlimit old, limit;
    g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &old), ==, 0);
    limit = old;
    limit.rlim_cur = (rlim_t) st.st_size / 2;
    signal(SIGXFSZ, SIG_IGN);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &limit), ==, 0);
    GError *error = NULL;
    g_autoptr(TrainRun) full = train_run_new(&c, NULL);
    train_run_set_start(full, train_start_new_resume(run, &error));
    g_assert_no_error(error);
    g_autofree char *message = fails_with(full);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &old), ==, 0);

    /* The run says why it stopped, in status.ini too; nothing of epoch 3 was recorded; the
     * previous checkpoint is whole; no temporary file is left behind. */
    g_assert_nonnull(strstr(message, "Cannot save the epoch's checkpoint"));
    g_autofree char *status_path = g_build_filename(run, "status.ini", NULL);
    g_autofree char *status = read_file(status_path);
    g_assert_nonnull(strstr(status, "status=failed"));
    g_assert_nonnull(strstr(status, "checkpoint"));
    g_autoptr(GArray) epochs = train_run_dup_epochs(full);
    g_assert_cmpuint(epochs->len, ==, 2);
    nn_error err;
    g_assert_cmpint(nn_checkpoint_verify(p2, &err), ==, NN_OK);
    g_autoptr(GArray) files = train_checkpoints_list(run);
    g_assert_cmpuint(files->len, ==, 2);
    g_autofree char *ckdir = g_build_filename(run, TRAIN_CHECKPOINTS_DIR, NULL);
    g_autoptr(GDir) d = g_dir_open(ckdir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        g_assert_null(strstr(name, ".tmp"));
    g_autoptr(TrainRun) reread = train_run_load(run, &error);
    g_assert_no_error(error);

    /* Room again: the resume carries on, and ends as the run never short of space. */
    g_autoptr(TrainRun) again = train_in(&c, run, train_start_new_resume(run, &error));
    g_assert_no_error(error);
    assert_same_run(whole, run, 4);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
test_ring_and_pruned_fork(void)
{
    g_autofree char *dir = test_tmpdir();
    TrainConfig c;
    branch_config(&c, 7);
    c.keep_last = 2;
    c.keep_every = 3;
    g_autoptr(TrainRun) run = train_in(&c, dir, NULL);
    TrainProgress p = train_run_get_progress(run);
    const int best = p.best_epoch + 1;

    /* The last two, every third and the best. */
    g_autoptr(GArray) files = train_checkpoints_list(dir);
    for (int e = 1; e <= 7; e++) {
        gboolean kept = FALSE;
        for (guint i = 0; i < files->len; i++)
            kept |= g_array_index(files, TrainCheckpointFile, i).epochs_done == e;
        g_assert_cmpint(kept, ==, e == 3 || e == 6 || e == 7 || e == best);
    }
    guint64 checkpoints = 0;
    guint64 total = train_checkpoints_disk_usage(dir, &checkpoints);
    g_assert_cmpuint(checkpoints, >, 0);
    g_assert_cmpuint(total, >, checkpoints);

    /* A fork from a pruned epoch is refused, naming what is kept around it. */
    int pruned = best == 4 ? 5 : 4;
    GError *error = NULL;
    g_assert_null(train_start_new_fork(dir, pruned, &error));
    g_assert_nonnull(strstr(error->message, "not kept"));
    g_assert_nonnull(strstr(error->message, "nearest kept"));
    g_clear_error(&error);
    g_autoptr(TrainStart) ok = train_start_new_fork(dir, 6, &error);
    g_assert_no_error(error);
    /* The advice's quick question agrees with the fork points for every epoch. */
    {
        g_autoptr(GArray) ring = train_start_fork_points(dir);
        for (int e = 1; e <= 7; e++) {
            gboolean listed = FALSE;
            for (guint i = 0; i < ring->len; i++)
                listed |= g_array_index(ring, int, i) == e;
            g_assert_cmpint(train_start_keeps_epoch(dir, e), ==, listed);
        }
        g_assert_false(train_start_keeps_epoch(dir, pruned));
    }

    /* Pruning by hand: the last and the best stay, whatever the ring says. */
    int removed = 0;
    guint64 freed = 0;
    g_assert_true(train_checkpoints_prune(dir, 1, 0, 7, best, &removed, &freed, &error));
    g_assert_no_error(error);
    g_assert_cmpint(removed, >, 0);
    g_assert_cmpuint(freed, >, 0);
    g_autoptr(GArray) left = train_checkpoints_list(dir);
    g_assert_cmpuint(left->len, ==, best == 7 ? 1 : 2);
    g_autoptr(GArray) points = train_start_fork_points(dir);
    g_assert_cmpint(g_array_index(points, int, points->len - 1), ==, 7);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

/* A folder from before per-epoch checkpoints: best.ckpt alone, without [resume]. It cannot
 * be resumed (the error says to fork); forking from its best epoch works, with the
 * optimizer state it has and the schedule read from the history, and says so. */
static void
test_old_folder(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *parent = g_build_filename(dir, "old", NULL);
    g_autofree char *child = g_build_filename(dir, "fork", NULL);
    TrainConfig c;
    branch_config(&c, 3);
    g_autoptr(TrainRun) run = train_in(&c, parent, NULL);
    TrainProgress p = train_run_get_progress(run);
    g_autofree char *best = g_build_filename(parent, "best.ckpt", NULL);
    TrainModelInfo info;
    nn_model *m = train_model_load(best, 1, &info, NULL, NULL);
    g_assert_nonnull(m);
    g_assert_true(train_model_save(best, m, NULL, &info, NULL, NULL));   /* no [resume] */
    train_model_info_clear(&info);
    nn_model_free(m);
    g_autofree char *ckdir = g_build_filename(parent, TRAIN_CHECKPOINTS_DIR, NULL);
    test_rmdir_recursive(ckdir);

    /* best.ckpt alone keeps its epoch, and only that one. */
    g_assert_true(train_start_keeps_epoch(parent, p.best_epoch + 1));
    g_assert_false(train_start_keeps_epoch(parent, p.best_epoch == 0 ? 2 : 1));

    GError *error = NULL;
    g_assert_null(train_start_new_resume(parent, &error));
    g_assert_nonnull(strstr(error->message, "cannot be resumed exactly"));
    g_assert_nonnull(strstr(error->message, "--fork"));
    g_clear_error(&error);
    TrainStart *start = train_start_new_fork(parent, p.best_epoch + 1, &error);
    g_assert_no_error(error);
    c.epochs = p.best_epoch + 3;
    g_autoptr(TrainRun) forked = train_in(&c, child, start);
    g_assert_nonnull(strstr(train_start_note(train_run_get_start(forked)), "weights only"));
    TrainForkInfo fork;
    g_assert_true(train_fork_info_read(child, &fork));
    g_assert_false(fork.exact);
    train_fork_info_clear(&fork);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

static void
test_cli_arguments(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *runs = g_build_filename(dir, "runs", NULL);
    g_autofree char *run = g_build_filename(runs, "lr_1e-03", NULL);
    const char *train[] = { RUN_FLAGS, "--epochs", "3", "--out", runs, NULL };
    run_cli_ok(train);
    g_autofree char *fork_arg = g_strdup_printf("%s:2", run);
    g_autofree char *bad_epoch = g_strdup_printf("%s:9", run);
    g_autofree char *no_epoch = g_strdup_printf("%s:x", run);
    static const int usage = 2, failed = 1;
    const struct {
        const char *args[8];
        int status;
        const char *says;
    } cases[] = {
        { { "--resume", run, NULL }, usage, "done 3 epochs already" },
        { { "--resume", run, "--lr", "1e-2", NULL }, usage, "--lr cannot differ" },
        { { "--resume", run, "--epochs", "1", "--out", dir, NULL }, usage, "--out" },
        { { "--resume", dir, NULL }, failed, "config.ini is missing" },
        { { "--fork", bad_epoch, NULL }, failed, "epochs 1 to 3" },
        { { "--fork", no_epoch, NULL }, usage, "RUN_DIR:EPOCH" },
        { { "--fork", fork_arg, "--size", "32", NULL }, usage, "--size cannot differ" },
        { { "--fork", fork_arg, "--resume", run, NULL }, usage, "one of them" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = NULL, *err = NULL;
        int status = test_run_cli(cases[i].args, &out, &err);
        if (status != cases[i].status || !strstr(err, cases[i].says))
            g_error("case %zu: exit %d, stderr \"%s\"", i, status, err);
    }

    /* A sweep of forks: one folder per rate beside the parent, each named by its rate. */
    const char *sweep[] = { "--fork", fork_arg, "--lr", "1e-2,1e-4", "--epochs", "4", NULL };
    run_cli_ok(sweep);
    g_autofree char *a = g_strdup_printf("%s-from-2-lr_1e-02", run);
    g_autofree char *b = g_strdup_printf("%s-from-2-lr_1e-04", run);
    g_auto(GStrv) la = history_lines(a);
    g_auto(GStrv) lb = history_lines(b);
    g_assert_cmpuint(g_strv_length(la), ==, 6);   /* header, 4 epochs, the final "" */
    g_assert_cmpstr(la[2], ==, lb[2]);
    g_assert_cmpstr(la[3], !=, lb[3]);
    test_rmdir_recursive(dir);
}

/* The diagnosis line's sentence: the weight tensor furthest outside the band, by its layer's
 * name, in the words the issue gives; biases and tensors near the band say nothing. */
static void
test_ratio_diagnosis(void)
{
    nn_tensor_info t[3] = { { "conv1.weight" }, { "conv1.bias" }, { "fc1.weight" } };
    g_autoptr(TrainRatioLog) log = train_ratio_log_new(t, 3);
    g_assert_null(train_ratio_log_diagnose(log, FALSE));   /* no epoch yet */
    const float steps[2][3] = { { 1.2e-6f, 1e-9f, 2e-3f }, { 1.4e-6f, 1e-9f, 3e-3f } };
    train_ratio_log_append(log, 0, 0, steps[0]);
    train_ratio_log_append(log, 0, 1, steps[1]);
    train_ratio_log_end_epoch(log, 0);
    g_autofree char *low = train_ratio_log_diagnose(log, FALSE);
    g_assert_cmpstr(low, ==, "conv1 updates 1e-6 of its weights per step: the rate is too low "
                             "for this layer");
    g_autofree char *adam = train_ratio_log_diagnose(log, TRUE);
    g_assert_nonnull(strstr(adam, "Adam"));

    const float healthy[3] = { 5e-4f, 1e-9f, 2e-3f }, wild[3] = { 5e-4f, 1e-9f, 0.4f };
    train_ratio_log_append(log, 1, 0, healthy);
    train_ratio_log_end_epoch(log, 1);
    g_assert_null(train_ratio_log_diagnose(log, FALSE));
    train_ratio_log_append(log, 2, 0, wild);
    train_ratio_log_end_epoch(log, 2);
    g_autofree char *high = train_ratio_log_diagnose(log, FALSE);
    g_assert_cmpstr(high, ==, "fc1 updates 4e-1 of its weights per step: unstable, the rate is too "
                              "high for this layer");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (argc < 2) {
        g_printerr("usage: %s PATH-TO-lrlab-train\n", argv[0]);
        return 1;
    }
    test_lrlab_train = argv[1];
    g_test_add_func("/train/branch/resume-after-sigkill", test_resume_after_sigkill);
    g_test_add_func("/train/branch/fork", test_fork);
    g_test_add_func("/train/branch/ratio-against-checkpoints", test_ratio_against_checkpoints);
    g_test_add_func("/train/branch/resume-refuses-changed-data", test_resume_refuses_changed_data);
    g_test_add_func("/train/branch/damaged-checkpoints", test_damaged_checkpoints);
    g_test_add_func("/train/branch/full-disk", test_full_disk);
    g_test_add_func("/train/branch/ring-and-pruned-fork", test_ring_and_pruned_fork);
    g_test_add_func("/train/branch/old-folder", test_old_folder);
    g_test_add_func("/train/branch/cli-arguments", test_cli_arguments);
    g_test_add_func("/train/branch/ratio-diagnosis", test_ratio_diagnosis);
    return g_test_run();
}
