/* test_cli: lrlab-train as a user meets it: --help documents every flag, a bad value gets
 * one line naming the flag and exit status 2, a sweep writes one folder per rate,
 * --config starts from a run folder's settings, Ctrl-C stops cleanly, and a SIGKILL
 * mid-run leaves every finished epoch readable. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "nn_threads.h"

#include "train_diagnosis.h"
#include "train_fields.h"
#include "train_run.h"
#include "train_session.h"
#include "train_test_util.h"


/* run_cli that must succeed: the output, or the error with stderr. */
static void
run_cli_ok(const char *const *args, char **out, char **err)
{
    int status = test_run_cli(args, out, err);
    if (status != 0)
        g_error("exit %d: %s", status, *err);
}

static void
test_help(void)
{
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--help", NULL };
    g_assert_cmpint(test_run_cli(args, &out, &err), ==, 0);
    static const char *const flags[] = {
        "--data", "--model", "--size", "--lr", "--epochs", "--batch", "--optimizer",
        "--momentum", "--dropout", "--weight-decay", "--decoupled", "--augment", "--val-split",
        "--seed", "--early-stop", "--threads", "--out", "--export-synthetic", "--difficulty",
        "--multiclass", "--config", "--resize", "--data-seed", "--split-seed", "--dropout-rate",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(flags); i++)
        g_assert_nonnull(strstr(out, flags[i]));
    /* Every option line states its default (or that it is a switch/action). */
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (int i = 0; lines[i]; i++)
        if (g_str_has_prefix(lines[i], "  --") && !g_str_has_prefix(lines[i], "  --help"))
            if (!strstr(lines[i], "default") && !strstr(lines[i], "and exit"))
                g_error("no default in: %s", lines[i]);
    /* Ranges and defaults are the table's. */
    g_assert_nonnull(strstr(out, "input side (16..384 px, default 64)"));
    g_assert_nonnull(strstr(out, "(center-crop, squash or letterbox, default center-crop)"));
}

static void
test_bad_values(void)
{
    static const struct { const char *flag, *value; } cases[] = {
        { "--lr", "20" }, { "--lr", "1e-3,abc" }, { "--lr", "0" }, { "--epochs", "0" },
        { "--epochs", "ten" }, { "--batch", "-1" }, { "--size", "8" }, { "--size", "64px" },
        { "--optimizer", "rmsprop" }, { "--momentum", "1.5" }, { "--dropout", "maybe" },
        { "--weight-decay", "-1" }, { "--augment", "sparkle" }, { "--val-split", "0.95" },
        { "--early-stop", "-3" }, { "--threads", "x" }, { "--model", "c16-q-f2" },
        { "--data", "synthetic:abc" }, { "--data", "/nonexistent/folder" },
        { "--difficulty", "2" }, { "--seed", "-5" }, { "--resize", "crop" },
        { "--data-seed", "x" }, { "--split-seed", "-1" }, { "--dropout-rate", "1" },
        { "--config", "/nonexistent/config.ini" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = NULL, *err = NULL;
        const char *args[] = { cases[i].flag, cases[i].value, NULL };
        int status = test_run_cli(args, &out, &err);
        if (status != 2)
            g_error("%s %s: exit %d, stderr %s", cases[i].flag, cases[i].value, status, err);
        /* One line, naming the flag. */
        g_assert_true(g_str_has_suffix(err, "\n"));
        g_assert_null(strchr(err, '\n') + 1 == err + strlen(err) ? NULL : "more than one line");
        if (!strstr(err, cases[i].flag))
            g_error("%s %s: \"%s\" does not name the flag", cases[i].flag, cases[i].value, err);
        g_assert_cmpstr(out, ==, "");
    }
    g_autofree char *out = NULL, *err = NULL;
    const char *unknown[] = { "--frobnicate", NULL };
    g_assert_cmpint(test_run_cli(unknown, &out, &err), ==, 2);
    g_assert_nonnull(strstr(err, "--frobnicate"));
}

static void
test_sweep_writes_a_folder_per_rate(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--model", "tiny", "--size", "16", "--data", "synthetic:20",
                           "--epochs", "2", "--batch", "16", "--lr", "1e-2,1e-3",
                           "--threads", "1", "--out", dir, NULL };
    int status = test_run_cli(args, &out, &err);
    if (status != 0)
        g_error("exit %d: %s", status, err);

    g_autoptr(TrainSession) s = train_session_load(dir, NULL);
    g_assert_nonnull(s);
    g_assert_cmpuint(s->problems->len, ==, 0);
    g_assert_cmpuint(s->runs->len, ==, 2);
    static const char *const names[] = { "lr_1e-02", "lr_1e-03" };
    static const double rates[] = { 1e-2, 1e-3 };
    for (int i = 0; i < 2; i++) {
        TrainRun *run = g_ptr_array_index(s->runs, i);
        g_autofree char *base = g_path_get_basename(train_run_get_output_dir(run));
        g_assert_cmpstr(base, ==, names[i]);
        g_assert_cmpfloat(train_run_get_config(run)->lr, ==, rates[i]);
        g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
        g_autoptr(GArray) epochs = train_run_dup_epochs(run);
        g_assert_cmpuint(epochs->len, ==, 2);
        g_autofree char *history = g_build_filename(dir, names[i], "history.csv", NULL);
        g_assert_true(g_file_test(history, G_FILE_TEST_IS_REGULAR));
    }
    /* Same seed and data: the two runs validated on the same images. */
    int n0, n1;
    const int *v0 = train_run_get_val_indices(g_ptr_array_index(s->runs, 0), &n0);
    const int *v1 = train_run_get_val_indices(g_ptr_array_index(s->runs, 1), &n1);
    g_assert_cmpmem(v0, n0 * sizeof(int), v1, n1 * sizeof(int));

    /* The table: a header and one row per rate, with its verdict. */
    g_assert_nonnull(strstr(out, "best val loss"));
    g_assert_nonnull(g_strrstr(out, "\n1e-2 "));
    g_assert_nonnull(g_strrstr(out, "\n1e-3 "));

    /* A second sweep into the same folder never overwrites the first. */
    g_free(out);
    g_free(err);
    const char *again[] = { "--model", "tiny", "--size", "16", "--data", "synthetic:20",
                            "--epochs", "1", "--batch", "16", "--lr", "1e-2", "--out", dir,
                            NULL };
    g_assert_cmpint(test_run_cli(again, &out, &err), ==, 0);
    g_autofree char *second = g_build_filename(dir, "lr_1e-02-2", "history.csv", NULL);
    g_assert_true(g_file_test(second, G_FILE_TEST_IS_REGULAR));
    test_rmdir_recursive(dir);
}

/* The run folder's config.ini of a one-run --out dir. */
static void
load_run_config(const char *dir, TrainConfig *config)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    const char *name = g_dir_read_name(d);
    g_assert_nonnull(name);
    g_assert_null(g_dir_read_name(d));
    g_autofree char *path = g_build_filename(dir, name, "config.ini", NULL);
    GError *error = NULL;
    g_assert_true(train_config_load(config, path, &error));
    g_assert_no_error(error);
}

/* --config starts from a file (a run folder's config.ini); the other flags override it. */
static void
test_config_file(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *runs = g_build_filename(dir, "runs", NULL);
    g_autofree char *path = g_build_filename(dir, "config.ini", NULL);
    g_autofree char *out = NULL, *err = NULL;
    TrainConfig file, ran;
    GError *error = NULL;

    test_config_init(&file, "tiny", 1);
    file.synthetic.images_per_class = 12;
    file.synthetic.seed = 4;
    file.split_seed = 3;
    file.seed = 5;
    file.resize = DATA_RESIZE_LETTERBOX;
    file.nesterov = TRUE;
    file.val_split = 0.5;
    g_assert_true(train_config_save(&file, path, &error));
    g_assert_no_error(error);

    const char *args[] = { "--config", path, "--epochs", "2", "--out", runs, NULL };
    int status = test_run_cli(args, &out, &err);
    if (status != 0)
        g_error("exit %d: %s", status, err);
    load_run_config(runs, &ran);
    /* Everything as the file says but the run's name and the flag given. */
    g_assert_cmpint(ran.epochs, ==, 2);
    ran.epochs = file.epochs;
    g_free(ran.name);
    ran.name = g_strdup(file.name);
    guint n;
    const TrainField *fields = train_fields(&n);
    for (guint i = 0; i < n; i++)
        if (!train_field_equal(&fields[i], &file, &ran))
            g_error("[%s] %s: the run differs from --config's file", fields[i].group,
                    fields[i].key);
    train_config_clear(&ran);
    train_config_clear(&file);
    test_rmdir_recursive(dir);
}

/* One epoch of the tiny network on 16 synthetic chips with the flags of extra
 * (NULL-terminated), into dir; what its config.ini says into ran. */
static void
train_tiny(const char *dir, const char *const *extra, TrainConfig *ran)
{
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    const char *base[] = { "--model", "tiny", "--size", "16", "--data", "synthetic:8",
                           "--epochs", "1", "--batch", "8", "--out", dir };
    for (guint i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(args, (gpointer) base[i]);
    for (int i = 0; extra[i] != NULL; i++)
        g_ptr_array_add(args, (gpointer) extra[i]);
    g_ptr_array_add(args, NULL);
    run_cli_ok((const char *const *) args->pdata, &out, &err);
    load_run_config(dir, ran);
}

/* --seed is the training seed only, as the app's seed row: the images and the split keep
 * their own seeds (1 unless --data-seed and --split-seed say otherwise). */
static void
test_seeds(void)
{
    g_autofree char *dir = test_tmpdir();
    TrainConfig ran;

    train_tiny(dir, (const char *const[]) { "--threads", "1", "--seed", "5", "--split-seed",
                                            "6", NULL }, &ran);
    g_assert_cmpuint(ran.seed, ==, 5);
    g_assert_cmpuint(ran.split_seed, ==, 6);
    g_assert_cmpuint(ran.synthetic.seed, ==, 1);
    train_config_clear(&ran);
    test_rmdir_recursive(dir);
}

/* Starts a long run with --out and reads its stdout until n_epochs epoch lines; *in is
 * that stdout, for more. */
static GSubprocess *
start_long_run(const char *dir, int n_epochs, GDataInputStream **in)
{
    const char *argv[] = { test_lrlab_train, "--model", "c8-p-f32-f2", "--size", "16",
                           "--data", "synthetic:60", "--batch", "8", "--epochs", "100000",
                           "--threads", "1", "--out", dir, NULL };
    GError *error = NULL;
    GSubprocess *p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                 G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                       &error);
    g_assert_no_error(error);
    *in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
    int seen = 0;
    while (seen < n_epochs) {
        g_autofree char *line = g_data_input_stream_read_line_utf8(*in, NULL, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(line);   /* it must not end on its own */
        if (g_str_has_prefix(line, "Epoch "))
            seen++;
    }
    return p;
}

/* The same, then sends sig and returns the exit status (or -signal). */
static int
interrupt_after_epochs(const char *dir, int n_epochs, int sig)
{
    GError *error = NULL;
    g_autoptr(GDataInputStream) in = NULL;
    g_autoptr(GSubprocess) p = start_long_run(dir, n_epochs, &in);
    g_subprocess_send_signal(p, sig);
    g_assert_true(g_subprocess_wait(p, NULL, &error));
    if (g_subprocess_get_if_signaled(p))
        return -g_subprocess_get_term_sig(p);
    return g_subprocess_get_exit_status(p);
}

static TrainRun *
load_only_run(const char *dir)
{
    g_autoptr(TrainSession) s = train_session_load(dir, NULL);
    g_assert_nonnull(s);
    g_assert_cmpuint(s->problems->len, ==, 0);
    g_assert_cmpuint(s->runs->len, ==, 1);
    return train_run_ref(g_ptr_array_index(s->runs, 0));
}

static void
test_sigkill_keeps_finished_epochs(void)
{
    g_autofree char *dir = test_tmpdir();
    g_assert_cmpint(interrupt_after_epochs(dir, 2, SIGKILL), ==, -SIGKILL);

    g_autoptr(TrainRun) run = load_only_run(dir);
    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    g_assert_cmpuint(epochs->len, >=, 2);
    for (guint i = 0; i < epochs->len; i++)
        g_assert_cmpint(g_array_index(epochs, TrainEpoch, i).epoch, ==, (int) i);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
    g_autofree char *message = train_run_dup_message(run);
    g_assert_nonnull(strstr(message, "ended before this run finished"));
    TrainPrediction p[64];
    int n_val;
    train_run_get_val_indices(run, &n_val);
    g_assert_cmpint(n_val, ==, 30);
    g_assert_true(train_run_get_predictions(run, (int) epochs->len - 1, p));
    test_rmdir_recursive(dir);
}

static void
test_ctrl_c_stops_cleanly(void)
{
    g_autofree char *dir = test_tmpdir();
    g_assert_cmpint(interrupt_after_epochs(dir, 1, SIGINT), ==, 130);

    g_autoptr(TrainRun) run = load_only_run(dir);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
    g_assert_null(train_run_dup_message(run));   /* stopped by the user, not killed */
    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    g_assert_cmpuint(epochs->len, >=, 1);
    test_rmdir_recursive(dir);
}

/* kill's default and a closed terminal stop a run as Ctrl-C does: status.ini says
 * "stopped", not "running", and the exit status is 128 + the signal. */
static void
test_term_and_hup_stop_cleanly(void)
{
    static const int signals[] = { SIGTERM, SIGHUP };
    for (guint i = 0; i < G_N_ELEMENTS(signals); i++) {
        g_autofree char *dir = test_tmpdir();
        g_assert_cmpint(interrupt_after_epochs(dir, 1, signals[i]), ==, 128 + signals[i]);
        g_autoptr(TrainRun) run = load_only_run(dir);
        g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
        g_assert_null(train_run_dup_message(run));   /* stopped, not killed */
        g_autoptr(GArray) epochs = train_run_dup_epochs(run);
        g_assert_cmpuint(epochs->len, >=, 1);
        test_rmdir_recursive(dir);
    }
}

/* lrlab-train | head: once the reader is gone the run stops as for a signal (SIGPIPE
 * would have killed it with status.ini "running"). */
static void
test_closed_stdout_stops_cleanly(void)
{
    g_autofree char *dir = test_tmpdir();
    GError *error = NULL;
    g_autoptr(GDataInputStream) in = NULL;
    g_autoptr(GSubprocess) p = start_long_run(dir, 1, &in);
    GInputStream *out = g_subprocess_get_stdout_pipe(p);
    g_assert_true(g_input_stream_close(G_INPUT_STREAM(in), NULL, &error));
    g_assert_true(g_input_stream_close(out, NULL, &error));
    g_assert_true(g_subprocess_wait(p, NULL, &error));
    g_assert_false(g_subprocess_get_if_signaled(p));
    g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 128 + SIGPIPE);
    g_autoptr(TrainRun) run = load_only_run(dir);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_STOPPED);
    test_rmdir_recursive(dir);
}

/* The summary table names the epoch best.ckpt and status.ini hold: with --min-delta, the
 * first of a run of small improvements, not the plain minimum. */
static void
test_min_delta_best_epoch(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--model", "c8-p-f32-f2", "--size", "16", "--data", "synthetic:30",
                           "--epochs", "4", "--batch", "8", "--lr", "3e-3", "--threads", "1",
                           "--min-delta", "100", "--out", dir, NULL };
    run_cli_ok(args, &out, &err);
    g_autoptr(TrainRun) run = load_only_run(dir);
    TrainProgress p = train_run_get_progress(run);
    g_assert_cmpint(p.best_epoch, ==, 0);   /* no epoch beats the first by 100 */
    g_autofree char *run_dir = g_strdup(train_run_get_output_dir(run));
    g_autofree char *status_path = g_build_filename(run_dir, "status.ini", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_file(kf, status_path, G_KEY_FILE_NONE, NULL));
    g_assert_cmpint(g_key_file_get_integer(kf, "status", "best-epoch", NULL), ==, 0);
    /* The table's row: lr, best val loss, best val acc, at epoch, epochs, verdict. */
    const char *row = g_strrstr(out, "\n3e-3 ");
    g_assert_nonnull(row);
    g_auto(GStrv) words = g_strsplit_set(row + 1, " \n", -1);
    int column = 0, at_epoch = -1;
    for (int i = 0; words[i] && column <= 3; i++)
        if (words[i][0] != '\0' && column++ == 3)
            at_epoch = atoi(words[i]);
    g_assert_cmpint(at_epoch, ==, p.best_epoch + 1);
    test_rmdir_recursive(dir);
}

static void
save_png(const char *dir, const char *name, guint8 level)
{
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, 20, 20);
    gdk_pixbuf_fill(pixbuf, (guint32) level << 24 | 0x40ff);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(gdk_pixbuf_save(pixbuf, path, "png", NULL, NULL));
}

/* A two-class folder under root: six images of each, and n_bad broken files in "a". */
static void
make_image_folder(const char *root, int n_bad)
{
    g_autofree char *a = g_build_filename(root, "a", NULL);
    g_autofree char *b = g_build_filename(root, "b", NULL);
    g_assert_cmpint(g_mkdir_with_parents(a, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(b, 0755), ==, 0);
    for (int i = 0; i < 6; i++) {
        g_autofree char *name = g_strdup_printf("%d.png", i);
        save_png(a, name, 40);
        save_png(b, name, 200);
    }
    for (int i = 0; i < n_bad; i++) {
        g_autofree char *name = g_strdup_printf("bad%02d.png", i);
        g_autofree char *path = g_build_filename(a, name, NULL);
        g_assert_true(g_file_set_contents(path, "not a picture", -1, NULL));
    }
}

/* Every skipped file is accounted for: the first 20 on stderr, all of them in each run
 * folder's skipped-files.txt (the app's panel lists them all). */
static void
test_skipped_files_listed(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *data = g_build_filename(dir, "data", NULL);
    g_autofree char *runs = g_build_filename(dir, "runs", NULL);
    g_autofree char *out = NULL, *err = NULL;
    make_image_folder(data, 25);
    const char *args[] = { "--model", "c4-p-f2", "--size", "16", "--data", data, "--epochs",
                           "1", "--batch", "4", "--threads", "1", "--out", runs, NULL };
    run_cli_ok(args, &out, &err);
    g_assert_nonnull(strstr(err, "Skipped 25 files"));
    for (int i = 0; i < 25; i++) {
        g_autofree char *name = g_strdup_printf("bad%02d.png", i);
        g_assert_true((strstr(err, name) != NULL) == (i < 20));
    }
    g_assert_nonnull(strstr(err, "and 5 more"));
    g_assert_nonnull(strstr(err, "skipped-files.txt"));
    g_autoptr(TrainRun) run = load_only_run(runs);
    g_autofree char *list_path = g_build_filename(train_run_get_output_dir(run),
                                                  "skipped-files.txt", NULL);
    g_autofree char *list = NULL;
    g_assert_true(g_file_get_contents(list_path, &list, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(list, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 26);   /* 25 and the empty rest */
    g_assert_nonnull(strstr(lines[24], "bad24.png\t"));
    test_rmdir_recursive(dir);
}

/* The summary says the update ratios' sentence of a run whose layers barely move (1e-9 with
 * Adam), the very sentence the app's verdict line gives for its folder; a run at a usual
 * rate has none. */
static void
test_update_ratio_sentence(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--model", "tiny", "--size", "16", "--data", "synthetic:20",
                           "--epochs", "1", "--batch", "16", "--lr", "1e-9,1e-3",
                           "--threads", "1", "--out", dir, NULL };
    run_cli_ok(args, &out, &err);

    g_autoptr(TrainSession) s = train_session_load(dir, NULL);
    g_assert_nonnull(s);
    g_assert_cmpuint(s->runs->len, ==, 2);
    for (guint i = 0; i < 2; i++) {
        TrainRun *run = s->runs->pdata[i];
        g_autofree char *sentence = train_diagnose_updates(run);
        if (train_run_get_config(run)->lr == 1e-9) {
            g_assert_nonnull(sentence);
            g_assert_nonnull(strstr(sentence, "of its weights per step: the rate is too low"));
            g_autofree char *line = g_strdup_printf("\nlr 1e-9: %s\n", sentence);
            if (!strstr(out, line))
                g_error("no \"%s\" in:\n%s", line + 1, out);
        } else {
            g_assert_null(sentence);
        }
    }
    g_assert_null(strstr(out, "lr 1e-3: "));
    test_rmdir_recursive(dir);
}

/* --data takes any folder the system can name: not UTF-8 (a Latin-1 name), and UTF-8
 * under LC_ALL=C, where it is not text of the locale. config.ini gives it back. */
static void
test_data_any_file_name(void)
{
    static const char *const names[] = { "caf\xe9", "caf\xc3\xa9" };
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *dir = test_tmpdir();
        g_autofree char *data = g_build_filename(dir, names[i], NULL);
        g_autofree char *runs = g_build_filename(dir, "runs", NULL);
        make_image_folder(data, 0);
        const char *argv[] = { test_lrlab_train, "--model", "c4-p-f2", "--size", "16",
                               "--data", data, "--epochs", "1", "--batch", "4", "--threads",
                               "1", "--out", runs, NULL };
        g_autoptr(GSubprocessLauncher) launcher =
            g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                      G_SUBPROCESS_FLAGS_STDERR_PIPE);
        g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
        GError *error = NULL;
        g_autoptr(GSubprocess) p = g_subprocess_launcher_spawnv(launcher, argv, &error);
        g_assert_no_error(error);
        g_autoptr(GBytes) err = NULL;
        g_assert_true(g_subprocess_communicate(p, NULL, NULL, NULL, &err, &error));
        g_assert_no_error(error);
        g_assert_true(g_subprocess_get_if_exited(p));
        if (g_subprocess_get_exit_status(p) != 0)
            g_error("--data with a %s name: exit %d: %.*s", i == 0 ? "Latin-1" : "UTF-8",
                    g_subprocess_get_exit_status(p), (int) g_bytes_get_size(err),
                    (const char *) g_bytes_get_data(err, NULL));
        TrainConfig ran;
        load_run_config(runs, &ran);
        g_assert_cmpint(ran.data_kind, ==, TRAIN_DATA_FOLDER);
        g_assert_cmpstr(ran.folder, ==, data);
        train_config_clear(&ran);
        test_rmdir_recursive(dir);
    }
}

/* --threads 0 ("all cores") is recorded as the count the run used, which --config then
 * repeats: results differ between thread counts, and --help says so. */
static void
test_threads_recorded(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    TrainConfig ran;
    train_tiny(dir, (const char *const[]) { "--threads", "0", NULL }, &ran);
    g_assert_cmpint(ran.threads, ==, nn_threads_resolve(0));
    g_assert_cmpint(ran.threads, >, 0);
    train_config_clear(&ran);

    const char *help[] = { "--help", NULL };
    g_assert_cmpint(test_run_cli(help, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, "another thread count or another CPU"));
    test_rmdir_recursive(dir);
}

static void
test_export_synthetic(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--data", "synthetic:3", "--size", "16", "--export-synthetic", dir,
                           NULL };
    g_assert_cmpint(test_run_cli(args, &out, &err), ==, 0);
    g_autofree char *good = g_build_filename(dir, "good", NULL);
    g_autofree char *defect = g_build_filename(dir, "defect", NULL);
    g_assert_true(g_file_test(good, G_FILE_TEST_IS_DIR));
    g_assert_true(g_file_test(defect, G_FILE_TEST_IS_DIR));
    g_assert_nonnull(strstr(out, "Wrote 6 images"));
    test_rmdir_recursive(dir);
}

/* After the table, the teacher's next step in flags one can paste: a run that overfits
 * gets the cures it leaves off and the --fork of its best epoch (which then runs); a
 * single run that crawls gets a rate ten times higher. */
static void
test_advice_line(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    /* The tiny network (no dropout layer) on 60 images memorises them in a few epochs. */
    const char *args[] = { "--model", "tiny", "--size", "16", "--data", "synthetic:30",
                           "--epochs", "20", "--batch", "8", "--lr", "3e-3", "--threads", "1",
                           "--out", dir, NULL };
    run_cli_ok(args, &out, &err);
    g_autoptr(TrainRun) run = load_only_run(dir);
    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    TrainVerdict v = train_diagnose((const TrainEpoch *) (gpointer) epochs->data,
                                    (int) epochs->len, train_run_get_status(run), 2);
    g_assert_cmpint(v.kind, ==, TRAIN_VERDICT_OVERFITTING);
    g_autofree char *fork = g_strdup_printf("%s:%d", train_run_get_output_dir(run), v.from_epoch);
    g_autofree char *line = g_strdup_printf(
        "\nlr 3e-3: %s: try --weight-decay 1e-4, --augment hflip,translate or --early-stop 5, "
        "from its best weights with --fork %s; or start again with a --model with a dropout "
        "layer (d0.5 before the last f), a smaller --model or more images\n", v.text, fork);
    if (!strstr(out, line))
        g_error("no \"%s\" in:\n%s", line + 1, out);
    train_verdict_clear(&v);
    /* The fork it names runs, with one of the cures. */
    g_autofree char *fork_dir = g_build_filename(dir, "forked", NULL);
    const char *fork_args[] = { "--fork", fork, "--weight-decay", "1e-4", "--out", fork_dir,
                                "--threads", "1", NULL };
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    run_cli_ok(fork_args, &out, &err);

    const char *slow[] = { "--model", "tiny", "--size", "16", "--data", "synthetic:20",
                           "--epochs", "2", "--batch", "16", "--lr", "1e-9", "--threads", "1",
                           NULL };
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    run_cli_ok(slow, &out, &err);
    g_assert_nonnull(strstr(out, "\nlr 1e-9: too slow: try --lr 1e-8, ten times higher\n"));
    test_rmdir_recursive(dir);
}

/* With seeds, the advice is the group's (its mean curve's verdict, as the table's
 * verdict column reads it): the cures without a --fork, since each seed has its own best
 * weights; and a group that crawls, alone, gets a rate ten times higher. */
static void
test_group_advice_line(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *out = NULL, *err = NULL;
    const char *args[] = { "--model", "tiny", "--size", "16", "--data", "synthetic:30",
                           "--epochs", "20", "--batch", "8", "--lr", "3e-3", "--threads", "1",
                           "--seeds", "2", "--out", dir, NULL };
    run_cli_ok(args, &out, &err);
    g_autoptr(TrainSession) s = train_session_load(dir, NULL);
    g_assert_nonnull(s);
    g_assert_cmpuint(s->runs->len, ==, 2);
    g_autoptr(GArray) e0 = train_run_dup_epochs(g_ptr_array_index(s->runs, 0));
    g_autoptr(GArray) e1 = train_run_dup_epochs(g_ptr_array_index(s->runs, 1));
    const TrainEpoch *runs[] = { (const TrainEpoch *) (gpointer) e0->data,
                                 (const TrainEpoch *) (gpointer) e1->data };
    const int n_epochs[] = { (int) e0->len, (int) e1->len };
    const TrainStatus statuses[] = { train_run_get_status(g_ptr_array_index(s->runs, 0)),
                                     train_run_get_status(g_ptr_array_index(s->runs, 1)) };
    TrainVerdict v = train_diagnose_group(runs, n_epochs, statuses, 2, 2, 20);
    g_assert_cmpint(v.kind, ==, TRAIN_VERDICT_OVERFITTING);
    g_autofree char *line = g_strdup_printf(
        "\nlr 3e-3, 2 seeds: %s: try --weight-decay 1e-4, --augment hflip,translate or "
        "--early-stop 5; or start again with a --model with a dropout layer (d0.5 before the "
        "last f), a smaller --model or more images\n", v.text);
    if (!strstr(out, line))
        g_error("no \"%s\" in:\n%s", line + 1, out);
    /* A member's own advice (with its --fork) is not said: the group's is. */
    g_assert_null(strstr(out, "--fork"));
    train_verdict_clear(&v);

    const char *slow[] = { "--model", "tiny", "--size", "16", "--data", "synthetic:20",
                           "--epochs", "2", "--batch", "16", "--lr", "1e-9", "--threads", "1",
                           "--seeds", "2", NULL };
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    run_cli_ok(slow, &out, &err);
    g_assert_nonnull(strstr(out, "\nlr 1e-9, 2 seeds: too slow: try --lr 1e-8, ten times higher\n"));
    test_rmdir_recursive(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (argc < 2) {
        g_printerr("usage: %s PATH-TO-lrlab-train\n", argv[0]);
        return 1;
    }
    test_lrlab_train = argv[1];
    g_test_add_func("/train/cli/help", test_help);
    g_test_add_func("/train/cli/bad-values", test_bad_values);
    g_test_add_func("/train/cli/sweep-writes-a-folder-per-rate",
                    test_sweep_writes_a_folder_per_rate);
    g_test_add_func("/train/cli/config-file", test_config_file);
    g_test_add_func("/train/cli/seeds", test_seeds);
    g_test_add_func("/train/cli/sigkill-keeps-finished-epochs", test_sigkill_keeps_finished_epochs);
    g_test_add_func("/train/cli/ctrl-c-stops-cleanly", test_ctrl_c_stops_cleanly);
    g_test_add_func("/train/cli/export-synthetic", test_export_synthetic);
    g_test_add_func("/train/cli/term-and-hup-stop-cleanly", test_term_and_hup_stop_cleanly);
    g_test_add_func("/train/cli/closed-stdout-stops-cleanly", test_closed_stdout_stops_cleanly);
    g_test_add_func("/train/cli/min-delta-best-epoch", test_min_delta_best_epoch);
    g_test_add_func("/train/cli/skipped-files-listed", test_skipped_files_listed);
    g_test_add_func("/train/cli/data-any-file-name", test_data_any_file_name);
    g_test_add_func("/train/cli/threads-recorded", test_threads_recorded);
    g_test_add_func("/train/cli/update-ratio-sentence", test_update_ratio_sentence);
    g_test_add_func("/train/cli/advice-line", test_advice_line);
    g_test_add_func("/train/cli/group-advice-line", test_group_advice_line);
    return g_test_run();
}
