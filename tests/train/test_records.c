/* test_records: what a run leaves on disk reads back exactly, and what is damaged is
 * reported rather than half-read: history.csv (Keras columns), predictions.bin, a folder
 * through train_record alone (no TrainRun), what a killed run leaves, a whole run folder
 * via train_run_load, and a session of good and broken folders. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <utime.h>

#include "nn_blas_core.h"
#include "train_history.h"
#include "train_predictions.h"
#include "train_record.h"
#include "train_session.h"
#include "train_test_util.h"

static void
test_history_round_trip(void)
{
    TrainEpoch in[3] = {
        { .epoch = 0, .loss = 0.6931471805599453, .accuracy = 0.5, .val_loss = 0.7,
          .val_accuracy = 0.48, .lr = 1e-3, .seconds = 1.25 },
        { .epoch = 1, .loss = 1.0 / 3, .accuracy = 2.0 / 3, .val_loss = 0.123456789012345,
          .val_accuracy = 0.75, .lr = 1e-3, .seconds = 1.5 },
        { .epoch = 2, .loss = 1e-9, .accuracy = 1, .val_loss = 12.5, .val_accuracy = 0.25,
          .lr = 1e-3, .seconds = 0.001 },
    };
    g_autofree char *text = train_history_format(in, 3);
    g_assert_true(g_str_has_prefix(text, "epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds\n"
                                         "0,0.5,0.6931471805599453,0.48,0.7,0.001,1.250\n"));
    GError *error = NULL;
    g_autoptr(GArray) out = train_history_parse(text, strlen(text), "history.csv", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(out->len, ==, 3);
    for (int i = 0; i < 3; i++) {
        const TrainEpoch *e = &g_array_index(out, TrainEpoch, i);
        /* Bit-exact: the shortest text that reads back as the same double. */
        g_assert_cmpint(e->epoch, ==, i);
        g_assert_cmpfloat(e->loss, ==, in[i].loss);
        g_assert_cmpfloat(e->accuracy, ==, in[i].accuracy);
        g_assert_cmpfloat(e->val_loss, ==, in[i].val_loss);
        g_assert_cmpfloat(e->val_accuracy, ==, in[i].val_accuracy);
        g_assert_cmpfloat(e->lr, ==, in[i].lr);
        g_assert_cmpfloat_with_epsilon(e->seconds, in[i].seconds, 1e-9);
    }
}

static void
test_history_reads_keras_logs(void)
{
    /* Keras's CSVLogger writes its columns alphabetically and has no seconds. */
    const char *keras = "epoch,accuracy,loss,val_accuracy,val_loss\n"
                        "0,0.51,0.70,0.5,0.69\n1,0.6,0.65,0.55,0.66\n";
    GError *error = NULL;
    g_autoptr(GArray) out = train_history_parse(keras, strlen(keras), "log.csv", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(out->len, ==, 2);
    g_assert_cmpfloat(g_array_index(out, TrainEpoch, 1).val_loss, ==, 0.66);
    g_assert_cmpfloat(g_array_index(out, TrainEpoch, 1).seconds, ==, 0);
}

static void
test_history_rejects_garbage(void)
{
    static const struct { const char *text, *expect; } cases[] = {
        { "", "empty" },
        { "\x7f" "ELF\x02\x01\x01 binary", "line 1" },
        { "epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds\n0,0.5,abc,0.5,0.7,0.001,1\n",
          "line 2: loss is not a number" },
        { "epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds\n0,0.5,0.7,0.5\n", "line 2" },
        { "epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds\n0,0.5,0.7,0.5,0.7,0.001,1\n"
          "3,0.5,0.7,0.5,0.7,0.001,1\n", "line 3: epoch 3 where 1" },
        { "epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds\n0,0.5,0.7,0.5,0.7,0.001,1\n\n"
          "1,0.5,0.7,0.5,0.7,0.001,1\n", "line 3 is empty" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *error = NULL;
        GArray *out = train_history_parse(cases[i].text, strlen(cases[i].text), "h.csv", &error);
        g_assert_null(out);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        if (!strstr(error->message, cases[i].expect))
            g_error("case %zu: \"%s\" lacks \"%s\"", i, error->message, cases[i].expect);
        g_assert_true(g_str_has_prefix(error->message, "h.csv: "));
        g_clear_error(&error);
    }
}

static void
test_predictions_round_trip_and_truncation(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "predictions.bin", NULL);
    const int n_val = 5, n_epochs = 3;
    int indices[5] = { 7, 3, 11, 0, 42 }, labels[5] = { 0, 1, 1, 0, 2 };
    const char *sources[6] = { "a.png", "b/c.png", "", "synthetic/good/000003", "é.png", NULL };
    /* Every class's probability (version 2): class i % 3 is the most likely, so the
     * predictions read back are the ones a version 1 file kept (test_predictions reads
     * those). */
    float probs[15 * 3];
    TrainPrediction preds[15];
    for (int i = 0; i < n_val * n_epochs; i++) {
        for (int c = 0; c < 3; c++)
            probs[i * 3 + c] = c == i % 3 ? 0.4f + 0.01f * i : 0.001f * i;
        preds[i] = (TrainPrediction) { .predicted = i % 3,
                                       .confidence = 0.4f + 0.01f * i,
                                       .true_probability = probs[i * 3 + labels[i % n_val]] };
    }
    GError *error = NULL;
    g_assert_true(train_predictions_save(path, 3, n_val, indices, labels, sources, probs,
                                         n_epochs, &error));
    g_assert_no_error(error);

    TrainPredictionsFile f;
    g_assert_true(train_predictions_load(path, &f, &error));
    g_assert_no_error(error);
    g_assert_cmpint(f.num_classes, ==, 3);
    g_assert_cmpint(f.n_val, ==, n_val);
    g_assert_cmpint(f.n_epochs, ==, n_epochs);
    for (int i = 0; i < n_val; i++) {
        g_assert_cmpint(f.val_indices[i], ==, indices[i]);
        g_assert_cmpint(f.val_labels[i], ==, labels[i]);
        g_assert_cmpstr(f.val_sources[i], ==, sources[i]);
    }
    g_assert_null(f.val_sources[n_val]);
    for (int i = 0; i < n_val * n_epochs; i++) {
        g_assert_cmpint(f.predictions[i].predicted, ==, preds[i].predicted);
        g_assert_cmpfloat(f.predictions[i].confidence, ==, preds[i].confidence);
        g_assert_cmpfloat(f.predictions[i].true_probability, ==, preds[i].true_probability);
    }
    g_assert_cmpmem(f.probabilities, sizeof probs, probs, sizeof probs);
    train_predictions_file_clear(&f);

    /* Every truncation and a flipped byte are reported, never read. */
    g_autofree char *data = NULL;
    gsize length;
    g_assert_true(g_file_get_contents(path, &data, &length, NULL));
    for (gsize cut = 0; cut < length; cut += 7) {
        g_assert_true(g_file_set_contents(path, data, cut, NULL));
        g_assert_false(train_predictions_load(path, &f, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_null(f.predictions);
        g_clear_error(&error);
    }
    data[length / 2] ^= 0x10;
    g_assert_true(g_file_set_contents(path, data, length, NULL));
    g_assert_false(train_predictions_load(path, &f, &error));
    g_assert_nonnull(strstr(error->message, "checksum"));
    g_clear_error(&error);
    test_rmdir_recursive(dir);
}

/* A folder written and read through train_record alone: plain data in, the same out. */
static void
write_small_folder(const char *dir, int history_epochs, int prediction_epochs,
                   TrainStatus status, const char *message)
{
    char *classes[] = { "good", "defect", NULL };
    int indices[3] = { 4, 0, 9 }, labels[3] = { 1, 0, 1 };
    char *sources[] = { "synthetic/defect/000004", "synthetic/good/000000", "x.png", NULL };
    TrainRecordSplit split = { .num_classes = 2, .class_names = classes, .n_val = 3,
                               .val_indices = indices, .val_labels = labels,
                               .val_sources = sources };
    TrainEpoch epochs[3];
    float probabilities[9 * 2];   /* the predicted class i % 2 has 0.5 + 0.05 i */
    for (int e = 0; e < 3; e++)
        epochs[e] = (TrainEpoch) { .epoch = e, .loss = 1.0 / (e + 2), .accuracy = 0.5,
                                   .val_loss = 0.9 - 0.1 * e, .val_accuracy = 0.25 * e,
                                   .lr = 1e-3, .seconds = 2 };
    for (int i = 0; i < 9; i++) {
        probabilities[i * 2 + i % 2] = 0.5f + 0.05f * i;
        probabilities[i * 2 + 1 - i % 2] = 1.0f - (0.5f + 0.05f * i);
    }
    TrainConfig config;
    train_config_init(&config);
    g_free(config.model);
    config.model = g_strdup("c4-p-f2");
    config.name = g_strdup("plain");
    TrainProgress progress = train_progress_init(config.epochs);
    progress.status = status;
    progress.diverged_epoch = status == TRAIN_STATUS_DIVERGED ? history_epochs : -1;
    progress.diverged_batch = status == TRAIN_STATUS_DIVERGED ? 3 : -1;
    GError *error = NULL;
    g_assert_true(train_record_write_config(dir, &config, &error));
    /* A kill between the two files of an epoch: predictions.bin already has it. */
    g_assert_true(train_record_write_epochs(dir, &split, epochs, prediction_epochs,
                                            probabilities, &error));
    g_autofree char *history_path = g_build_filename(dir, "history.csv", NULL);
    g_assert_true(train_history_save(history_path, epochs, history_epochs, &error));
    g_assert_true(train_record_write_status(dir, &progress, message, history_epochs, &split,
                                            &error));
    g_assert_no_error(error);
    train_config_clear(&config);
}

static void
test_record_folder_round_trip(void)
{
    g_autofree char *dir = test_tmpdir();
    write_small_folder(dir, 2, 2, TRAIN_STATUS_DIVERGED, "The loss became NaN.");

    TrainRecordFolder folder;
    GError *error = NULL;
    g_assert_true(train_record_read(dir, &folder, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(folder.config.model, ==, "c4-p-f2");
    g_assert_cmpstr(folder.config.name, ==, "plain");
    g_assert_cmpint(folder.status, ==, TRAIN_STATUS_DIVERGED);
    g_assert_cmpstr(folder.message, ==, "The loss became NaN.");
    g_assert_cmpint(folder.diverged_epoch, ==, 2);
    g_assert_cmpint(folder.diverged_batch, ==, 3);
    g_assert_cmpint(folder.split.num_classes, ==, 2);
    g_assert_cmpstr(folder.split.class_names[1], ==, "defect");
    g_assert_cmpint(folder.split.n_val, ==, 3);
    /* status.ini names the kernels this process's GEMMs ran on (informative) */
    {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autofree char *status_path = g_build_filename(dir, "status.ini", NULL);
        g_assert_true(g_key_file_load_from_file(kf, status_path, G_KEY_FILE_NONE, NULL));
        g_autofree char *kernels = g_key_file_get_string(kf, "status", "blas-kernels", NULL);
        g_assert_cmpstr(kernels, ==, nn_blas_core_name());
        g_assert_cmpstr(kernels, !=, "");
    }
    g_assert_cmpint(folder.split.val_indices[2], ==, 9);
    g_assert_cmpint(folder.split.val_labels[0], ==, 1);
    g_assert_cmpstr(folder.split.val_sources[2], ==, "x.png");
    g_assert_cmpuint(folder.epochs->len, ==, 2);
    g_assert_cmpfloat(g_array_index(folder.epochs, TrainEpoch, 1).loss, ==, 1.0 / 3);
    g_assert_cmpfloat(folder.predictions[5].confidence, ==, 0.5f + 0.05f * 5);
    g_assert_cmpint(folder.predictions[5].predicted, ==, 1);
    g_assert_cmpfloat(folder.probabilities[5 * 2], ==, 1.0f - (0.5f + 0.05f * 5));
    train_record_folder_clear(&folder);

    /* Fewer predicted epochs than history lines: the files do not belong together. */
    write_small_folder(dir, 2, 1, TRAIN_STATUS_FINISHED, NULL);
    g_assert_false(train_record_read(dir, &folder, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull(strstr(error->message, "predictions.bin has 1 epochs but history.csv has 2"));
    g_assert_null(folder.epochs);
    g_clear_error(&error);
    test_rmdir_recursive(dir);
}

/* A run killed mid-epoch, between predictions.bin and history.csv: status.ini still says
 * running and the predictions hold one epoch more. It reads back STOPPED with the epochs
 * history.csv has, and says why. */
static void
test_killed_run_reads_back(void)
{
    g_autofree char *dir = test_tmpdir();
    write_small_folder(dir, 2, 3, TRAIN_STATUS_RUNNING, NULL);

    GError *error = NULL;
    g_autoptr(TrainRun) run = train_run_load(dir, &error);
    g_assert_no_error(error);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
    g_autofree char *message = train_run_dup_message(run);
    g_assert_cmpstr(message, ==, "The program ended before this run finished; its 2 finished "
                                 "epochs are kept.");
    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    g_assert_cmpuint(epochs->len, ==, 2);
    g_assert_cmpint(train_run_get_n_prediction_epochs(run), ==, 2);
    TrainPrediction p[3];
    g_assert_true(train_run_get_predictions(run, 1, p));
    g_assert_cmpfloat(p[0].confidence, ==, 0.5f + 0.05f * 3);
    g_assert_false(train_run_get_predictions(run, 2, p));
    TrainProgress progress = train_run_get_progress(run);
    g_assert_cmpint(progress.best_epoch, ==, 1);
    g_assert_cmpfloat(progress.elapsed, ==, 4);
    test_rmdir_recursive(dir);
}

/* A file of a few bytes at dir/name, its modification time `age` seconds ago. */
static char *
touch(const char *dir, const char *name, int age)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, "partial", -1, NULL));
    if (age > 0) {
        struct utimbuf times = { .actime = time(NULL) - age, .modtime = time(NULL) - age };
        g_assert_cmpint(g_utime(path, &times), ==, 0);
    }
    return path;
}

/* status.ini as a program of that pid on that host wrote it. */
static void
set_writer(const char *dir, gint64 pid, const char *host)
{
    g_autofree char *path = g_build_filename(dir, "status.ini", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_KEEP_COMMENTS, NULL));
    if (pid > 0)
        g_key_file_set_int64(kf, "status", "pid", pid);
    else
        g_key_file_remove_key(kf, "status", "pid", NULL);
    if (host)
        g_key_file_set_string(kf, "status", "host", host);
    g_assert_true(g_key_file_save_to_file(kf, path, NULL));
}

/* The pid of a process that has ended. */
static gint64
dead_pid(void)
{
    GPid pid;
    const char *argv[] = { "/bin/true", NULL };
    g_assert_true(g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                NULL, &pid, NULL));
    int status;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_spawn_close_pid(pid);
    return pid;
}

/* SIGKILL or SIGPIPE mid-write leaves a writer's temporary beside its file, up to a
 * checkpoint's size. Opening the folder removes ours once no program writes it, and never
 * a file of the user's or of a live run. */
static void
test_stale_temporaries_removed(void)
{
    g_autofree char *dir = test_tmpdir();
    write_small_folder(dir, 2, 2, TRAIN_STATUS_RUNNING, NULL);
    static const char *const ours[] = {
        "history.csv.Ab3dE9", "predictions.bin.q1W2e3", "status.ini.000042",
        "config.ini.ZZZZZZ", "best.ckpt.tmpa1B2c3", "epoch-0003.ckpt.tmp7x8Y9z",
    };
    static const char *const theirs[] = {
        "config.ini.backup", "notes.txt.Ab3dE9", "history.csv.Ab3dE9x", "history.csv",
        "best.ckpt.tmp", "predictions.bin.a-b-c1",
    };
    g_autofree char *keep_history = g_build_filename(dir, "history.csv", NULL);
    g_autofree char *history = NULL;
    g_assert_true(g_file_get_contents(keep_history, &history, NULL, NULL));

    /* A live writer (this process wrote status.ini "running"): nothing goes. */
    for (guint i = 0; i < G_N_ELEMENTS(ours); i++)
        g_free(touch(dir, ours[i], 3600));
    g_assert_cmpuint(train_record_remove_stale_temporaries(dir), ==, 0);
    /* Another machine's writer (a shared folder): never judged from here. */
    set_writer(dir, dead_pid(), "some-other-host");
    g_assert_cmpuint(train_record_remove_stale_temporaries(dir), ==, 0);

    /* Its writer is gone: every one of ours goes, nothing else. */
    set_writer(dir, dead_pid(), g_get_host_name());
    for (guint i = 0; i < G_N_ELEMENTS(theirs); i++)   /* history.csv is already there */
        if (!g_str_equal(theirs[i], "history.csv"))
            g_free(touch(dir, theirs[i], 3600));
    g_assert_cmpuint(train_record_remove_stale_temporaries(dir), ==, G_N_ELEMENTS(ours));
    for (guint i = 0; i < G_N_ELEMENTS(ours); i++) {
        g_autofree char *path = g_build_filename(dir, ours[i], NULL);
        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    }
    for (guint i = 0; i < G_N_ELEMENTS(theirs); i++) {
        g_autofree char *path = g_build_filename(dir, theirs[i], NULL);
        g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    }
    g_autofree char *after = NULL;
    g_assert_true(g_file_get_contents(keep_history, &after, NULL, NULL));
    g_assert_cmpstr(after, ==, history);

    /* An older folder names no writer: only temporaries untouched for 10 minutes go. */
    set_writer(dir, 0, NULL);
    g_autofree char *fresh = touch(dir, "history.csv.Fresh1", 0);
    g_autofree char *old = touch(dir, "history.csv.Old123", 3600);
    g_assert_cmpuint(train_record_remove_stale_temporaries(dir), ==, 1);
    g_assert_true(g_file_test(fresh, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(old, G_FILE_TEST_EXISTS));

    /* A run that ended: status.ini says so, whoever wrote it. Opening it cleans up. */
    write_small_folder(dir, 2, 2, TRAIN_STATUS_FINISHED, NULL);
    g_autofree char *ckpt = touch(dir, "best.ckpt.tmpR4nd0m", 0);
    GError *error = NULL;
    g_autoptr(TrainRun) run = train_run_load(dir, &error);
    g_assert_no_error(error);
    g_assert_false(g_file_test(ckpt, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(fresh, G_FILE_TEST_EXISTS));
    test_rmdir_recursive(dir);
}

/* The files a folder dataset skipped, one "PATH<TAB>REASON" line each. */
static void
test_skipped_files_list(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(GPtrArray) skipped = g_ptr_array_new();
    DataSkippedFile a = { "/data/a/x.png", "corrupt or truncated: ..." };
    DataSkippedFile b = { "/data/b/y.txt", "not an image file" };
    g_ptr_array_add(skipped, &a);
    g_ptr_array_add(skipped, &b);
    GError *error = NULL;
    g_assert_true(train_record_write_skipped_files(dir, skipped, &error));
    g_assert_no_error(error);
    g_autofree char *path = g_build_filename(dir, TRAIN_RECORD_SKIPPED_FILES, NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "/data/a/x.png\tcorrupt or truncated: ...\n"
                              "/data/b/y.txt\tnot an image file\n");
    test_rmdir_recursive(dir);
}

/* A real tiny run written to dir/name; returns it (finished). */
static TrainRun *
make_run(const char *dir, const char *name, int epochs)
{
    TrainConfig c;
    test_config_init(&c, "c4-p-f2", epochs);
    g_autoptr(DataSet) set = test_dataset_new(48, 16, 2, 3);
    TrainRun *run = train_run_new(&c, set);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    train_run_set_output_dir(run, path);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
    train_config_clear(&c);
    return run;
}

static void
test_run_folder_reads_back(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(TrainRun) run = make_run(dir, "run", 3);
    g_autofree char *path = g_build_filename(dir, "run", NULL);
    GError *error = NULL;
    g_autoptr(TrainRun) back = train_run_load(path, &error);
    g_assert_no_error(error);
    g_assert_nonnull(back);

    g_assert_cmpint(train_run_get_status(back), ==, TRAIN_STATUS_FINISHED);
    g_assert_cmpstr(train_run_get_config(back)->model, ==, "c4-p-f2");
    g_autoptr(GArray) a = train_run_dup_epochs(run);
    g_autoptr(GArray) b = train_run_dup_epochs(back);
    g_assert_cmpuint(a->len, ==, 3);
    g_assert_cmpuint(b->len, ==, 3);
    for (guint i = 0; i < a->len; i++) {
        TrainEpoch *x = &g_array_index(a, TrainEpoch, i), *y = &g_array_index(b, TrainEpoch, i);
        g_assert_cmpfloat(x->loss, ==, y->loss);
        g_assert_cmpfloat(x->val_loss, ==, y->val_loss);
        g_assert_cmpfloat(x->val_accuracy, ==, y->val_accuracy);
    }
    int n_val_a, n_val_b;
    const int *va = train_run_get_val_indices(run, &n_val_a);
    const int *vb = train_run_get_val_indices(back, &n_val_b);
    g_assert_cmpint(n_val_a, ==, 12);
    g_assert_cmpint(n_val_b, ==, n_val_a);
    g_assert_cmpmem(va, n_val_a * sizeof(int), vb, n_val_b * sizeof(int));
    g_assert_cmpint(train_run_get_num_classes(back), ==, 2);
    g_assert_cmpstr(train_run_get_class_names(back)[1], ==, "class1");
    g_assert_true(g_str_has_prefix(train_run_get_val_sources(back)[0], "test/class"));
    g_assert_cmpint(train_run_get_n_prediction_epochs(back), ==, 3);
    TrainPrediction pa[12], pb[12];
    for (int e = 0; e < 3; e++) {
        g_assert_true(train_run_get_predictions(run, e, pa));
        g_assert_true(train_run_get_predictions(back, e, pb));
        /* Field by field: padding bytes, if any, are nobody's. */
        for (int i = 0; i < 12; i++) {
            g_assert_cmpint(pa[i].predicted, ==, pb[i].predicted);
            g_assert_cmpfloat(pa[i].confidence, ==, pb[i].confidence);
            g_assert_cmpfloat(pa[i].true_probability, ==, pb[i].true_probability);
        }
        float qa[12 * 2], qb[12 * 2];
        g_assert_true(train_run_get_probabilities(run, e, qa));
        g_assert_true(train_run_get_probabilities(back, e, qb));
        g_assert_cmpmem(qa, sizeof qa, qb, sizeof qb);
        for (int i = 0; i < 12; i++)
            g_assert_cmpfloat(qa[i * 2 + pa[i].predicted], ==, pa[i].confidence);
    }
    g_assert_false(train_run_get_predictions(back, 3, pb));
    TrainProgress p = train_run_get_progress(back);
    g_assert_cmpint(p.best_epoch, ==, train_run_get_progress(run).best_epoch);

    /* A run read from disk is a record, not something to start again. */
    g_assert_false(train_run_start(back, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_autofree char *ckpt = g_build_filename(path, "best.ckpt", NULL);
    g_assert_true(g_file_test(ckpt, G_FILE_TEST_EXISTS));
    test_rmdir_recursive(dir);
}

static void
corrupt(const char *dir, const char *run, const char *file, const char *contents, gssize len)
{
    g_autofree char *path = g_build_filename(dir, run, file, NULL);
    if (contents == NULL) {
        g_assert_cmpint(g_unlink(path), ==, 0);
        return;
    }
    g_assert_true(g_file_set_contents(path, contents, len, NULL));
}

static void
test_session_skips_broken_runs(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(TrainRun) good1 = make_run(dir, "a_good", 2);
    g_autoptr(TrainRun) good2 = make_run(dir, "b_good", 2);
    g_autoptr(TrainRun) r1 = make_run(dir, "c_garbage_csv", 2);
    g_autoptr(TrainRun) r2 = make_run(dir, "d_no_config", 2);
    g_autoptr(TrainRun) r3 = make_run(dir, "e_truncated_predictions", 2);
    g_autoptr(TrainRun) r4 = make_run(dir, "f_bad_status", 2);
    corrupt(dir, "c_garbage_csv", "history.csv", "epoch,loss\n0,zebra\n", -1);
    corrupt(dir, "d_no_config", "config.ini", NULL, 0);
    g_autofree char *pred = g_build_filename(dir, "e_truncated_predictions", "predictions.bin",
                                             NULL);
    g_autofree char *bytes = NULL;
    gsize n;
    g_assert_true(g_file_get_contents(pred, &bytes, &n, NULL));
    g_assert_true(g_file_set_contents(pred, bytes, n - 20, NULL));
    corrupt(dir, "f_bad_status", "status.ini", "[status]\nstatus=exploded\n", -1);
    g_autofree char *empty = g_build_filename(dir, "g_empty", NULL);
    g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
    g_autofree char *stray = g_build_filename(dir, "notes.txt", NULL);
    g_assert_true(g_file_set_contents(stray, "not a run", -1, NULL));

    GError *error = NULL;
    g_autoptr(TrainSession) s = train_session_load(dir, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(s->runs->len, ==, 2);
    g_assert_cmpstr(train_run_get_output_dir(g_ptr_array_index(s->runs, 0)), ==,
                    train_run_get_output_dir(good1));
    static const struct { const char *folder, *reason; } expected[] = {
        { "c_garbage_csv", "history.csv: line 2: loss is not a number" },
        { "d_no_config", "config.ini is missing" },
        { "e_truncated_predictions", "predictions.bin: truncated" },
        { "f_bad_status", "status.ini has no valid status" },
        { "g_empty", "config.ini is missing" },
    };
    g_assert_cmpuint(s->problems->len, ==, G_N_ELEMENTS(expected));
    for (gsize i = 0; i < G_N_ELEMENTS(expected); i++) {
        TrainSessionProblem *p = g_ptr_array_index(s->problems, i);
        g_assert_true(g_str_has_suffix(p->folder, expected[i].folder));
        if (!strstr(p->reason, expected[i].reason))
            g_error("%s: \"%s\" lacks \"%s\"", expected[i].folder, p->reason, expected[i].reason);
    }

    /* An empty folder is an empty session; a missing one an error. */
    g_autoptr(TrainSession) none = train_session_load(empty, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(none->runs->len + none->problems->len, ==, 0);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    g_assert_null(train_session_load(missing, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    test_rmdir_recursive(dir);
}

/* A writer that saves after every epoch through a cache writes the very bytes the plain
 * writer does, as the record grows, is cut back (a resume that fell back) and grows again. */
static void
test_history_cache_writes_the_same(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *plain = g_build_filename(dir, "plain.csv", NULL);
    g_autofree char *cached = g_build_filename(dir, "cached.csv", NULL);
    TrainHistoryText cache = { 0 };
    TrainEpoch epochs[40];
    GError *error = NULL;

    for (int i = 0; i < 40; i++)
        epochs[i] = (TrainEpoch) { .epoch = i, .loss = 1.0 / (i + 3), .accuracy = 0.5 + i / 100.0,
                                   .val_loss = 0.7 - i * 1e-3, .val_accuracy = 1.0 / 3,
                                   .lr = 1e-3 * (1 + i % 3), .seconds = 0.125 * i };
    static const int lengths[] = { 0, 1, 2, 10, 25, 7, 0, 40, 33, 40 };
    for (guint k = 0; k < G_N_ELEMENTS(lengths); k++) {
        int n = lengths[k];
        /* a cut-back epoch comes again with other numbers, as retraining gives them */
        if (k == 8)
            epochs[33].loss = 0.25;
        g_assert_true(train_history_save(plain, epochs, n, &error));
        g_assert_true(train_history_save_cached(cached, &cache, epochs, n, &error));
        g_assert_no_error(error);
        g_autofree char *a = NULL, *b = NULL;
        g_assert_true(g_file_get_contents(plain, &a, NULL, NULL));
        g_assert_true(g_file_get_contents(cached, &b, NULL, NULL));
        g_assert_cmpstr(a, ==, b);
    }
    train_history_text_clear(&cache);
    test_rmdir_recursive(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/records/history-round-trip", test_history_round_trip);
    g_test_add_func("/train/records/history-cache", test_history_cache_writes_the_same);
    g_test_add_func("/train/records/history-reads-keras-logs", test_history_reads_keras_logs);
    g_test_add_func("/train/records/history-rejects-garbage", test_history_rejects_garbage);
    g_test_add_func("/train/records/predictions", test_predictions_round_trip_and_truncation);
    g_test_add_func("/train/records/record-folder-round-trip", test_record_folder_round_trip);
    g_test_add_func("/train/records/killed-run-reads-back", test_killed_run_reads_back);
    g_test_add_func("/train/records/run-folder-reads-back", test_run_folder_reads_back);
    g_test_add_func("/train/records/session-skips-broken-runs", test_session_skips_broken_runs);
    g_test_add_func("/train/records/stale-temporaries-removed", test_stale_temporaries_removed);
    g_test_add_func("/train/records/skipped-files-list", test_skipped_files_list);
    return g_test_run();
}
