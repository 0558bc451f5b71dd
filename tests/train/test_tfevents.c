/* test_tfevents: TensorBoard's event files both ways. CRC-32C against its published check
 * value; what LR Lab writes parsed back by an independent reader (tfevents_tool.py,
 * Python, by hand); files cut mid-record (a run still being written) read up to their last
 * whole record, and appending repairs such a tail; a damaged record is reported in words;
 * files as PyTorch's SummaryWriter and Keras's TensorBoard callback write them, and CSV
 * histories, imported as runs that a session loads like any other. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "train_history.h"
#include "train_import.h"
#include "train_record.h"
#include "train_session.h"
#include "train_test_util.h"
#include "train_tfevents.h"


static int
run_tool(const char *command, const char *path, char **out)
{
    g_autofree char *err = NULL;
    const char *argv[] = { test_python, test_script, command, path, NULL };
    int status = test_run_argv(argv, out, &err);
    if (status != 0)
        g_error("tfevents_tool.py %s %s failed (%d): %s", command, path, status, err);
    return status;
}

static void
test_crc32c(void)
{
    /* The check value of CRC-32C (RFC 3720 and every CRC catalogue). */
    g_assert_cmphex(train_crc32c("123456789", 9), ==, 0xE3069283u);
    g_assert_cmphex(train_crc32c_reference("123456789", 9), ==, 0xE3069283u);
    g_assert_cmphex(train_crc32c("", 0), ==, 0);
    /* 32 zero bytes: RFC 3720's B.4 example. */
    guint8 zeros[32] = { 0 };
    g_assert_cmphex(train_crc32c(zeros, 32), ==, 0x8A9136AAu);
    /* The table version against the bitwise reference on pseudo-random data. */
    guint8 buf[1000];
    for (gsize i = 0; i < sizeof buf; i++)
        buf[i] = (guint8) (i * 2654435761u >> 13);
    for (gsize n = 0; n <= sizeof buf; n += 37)
        g_assert_cmphex(train_crc32c(buf, n), ==, train_crc32c_reference(buf, n));
    /* TensorFlow's mask: rotate right by 15, add a constant. */
    g_assert_cmphex(train_tfrecord_mask(0), ==, 0xa282ead8u);
    g_assert_cmphex(train_tfrecord_mask(0x8000u), ==, 0xa282ead9u);
}

static TrainEpoch
epoch_n(int i)
{
    return (TrainEpoch) { .epoch = i, .loss = 1.0 / (i + 1), .accuracy = 0.5 + 0.1 * i,
                          .val_loss = 1.5 / (i + 1), .val_accuracy = 0.4 + 0.1 * i,
                          .lr = 1e-3 * (i + 1) };
}

/* dir's event files after epochs 0 .. n-1 of epoch_n. */
static void
write_epochs(const char *dir, int n)
{
    for (int i = 0; i < n; i++) {
        TrainEpoch e = epoch_n(i);
        g_assert_true(train_tfevents_write_epoch(dir, &e, NULL));
    }
}

/* The single event file in dir/sub. */
static char *
event_file(const char *dir, const char *sub)
{
    g_autofree char *d = g_build_filename(dir, sub, NULL);
    g_autoptr(GDir) gd = g_dir_open(d, 0, NULL);
    g_assert_nonnull(gd);
    const char *name = g_dir_read_name(gd);
    g_assert_nonnull(name);
    g_assert_true(g_str_has_prefix(name, TRAIN_TFEVENTS_PREFIX));
    char *path = g_build_filename(d, name, NULL);
    g_assert_null(g_dir_read_name(gd));   /* one file per sub-run, appended to */
    return path;
}

static double
scalar(const TrainTfEventsFile *f, const char *tag, gint64 step)
{
    for (guint i = 0; i < f->scalars->len; i++) {
        const TrainTfScalar *s = &g_array_index(f->scalars, TrainTfScalar, i);
        if (s->step == step && g_str_equal(s->tag, tag))
            return s->value;
    }
    return NAN;
}

static void
test_write_read(void)
{
    g_autofree char *dir = test_tmpdir();
    write_epochs(dir, 3);
    g_autofree char *train = event_file(dir, "train");
    g_autofree char *val = event_file(dir, "validation");

    TrainTfEventsFile f;
    g_assert_true(train_tfevents_load(train, &f, NULL));
    g_assert_cmpstr(f.file_version, ==, TRAIN_TFEVENTS_FILE_VERSION);
    g_assert_cmpint(f.n_records, ==, 4);
    g_assert_false(f.truncated);
    for (int i = 0; i < 3; i++) {
        TrainEpoch e = epoch_n(i);
        g_assert_cmpfloat(scalar(&f, "loss", i), ==, (float) e.loss);
        g_assert_cmpfloat(scalar(&f, "accuracy", i), ==, (float) e.accuracy);
        g_assert_cmpfloat(scalar(&f, "lr", i), ==, (float) e.lr);
    }
    train_tfevents_file_clear(&f);
    g_assert_true(train_tfevents_load(val, &f, NULL));
    g_assert_cmpfloat(scalar(&f, "loss", 2), ==, (float) epoch_n(2).val_loss);
    g_assert_true(isnan(scalar(&f, "lr", 2)));
    train_tfevents_file_clear(&f);

    /* The independent reader: the first record is file_version alone, then one Event per
     * epoch with step = the epoch and the three scalars. */
    g_autofree char *out = NULL;
    run_tool("read", train, &out);
    g_auto(GStrv) lines = g_strsplit(g_strstrip(out), "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 4);
    g_assert_nonnull(strstr(lines[0], "\"file_version\": \"brain.Event:2\""));
    g_assert_nonnull(strstr(lines[0], "\"scalars\": {}"));
    g_assert_nonnull(strstr(lines[2], "\"step\": 1"));
    g_assert_nonnull(strstr(lines[2], "\"loss\": 0.5"));
    g_assert_nonnull(strstr(lines[2], "\"accuracy\": 0.6"));
    g_assert_nonnull(strstr(lines[2], "\"lr\": 0.002"));
    test_rmdir_recursive(dir);
}

static void
test_truncated(void)
{
    g_autofree char *dir = test_tmpdir();
    write_epochs(dir, 3);
    g_autofree char *path = event_file(dir, "train");
    g_autofree char *data = NULL;
    gsize length;
    g_assert_true(g_file_get_contents(path, &data, &length, NULL));

    /* Record ends, from a whole read. */
    TrainTfEventsFile whole;
    g_assert_true(train_tfevents_parse((const guint8 *) data, length, "x", &whole, NULL));
    g_assert_cmpuint(whole.valid_length, ==, length);
    /* Every cut reads the records that fit, and says a record was cut short. */
    for (gsize cut = 0; cut <= length; cut++) {
        TrainTfEventsFile f;
        g_autoptr(GError) error = NULL;
        g_assert_true(train_tfevents_parse((const guint8 *) data, cut, "x", &f, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(f.valid_length, <=, cut);
        g_assert_cmpint(f.truncated, ==, f.valid_length < cut);
        /* each epoch record holds three scalars */
        g_assert_cmpuint(f.scalars->len, ==, 3u * (guint) MAX(f.n_records - 1, 0));
        train_tfevents_file_clear(&f);
    }
    train_tfevents_file_clear(&whole);

    /* A run killed mid-write: the tail is cut off before the next epoch is appended. */
    g_assert_true(g_file_set_contents(path, data, (gssize) length - 5, NULL));
    TrainEpoch e = epoch_n(3);
    g_assert_true(train_tfevents_write_epoch(dir, &e, NULL));
    TrainTfEventsFile f;
    g_assert_true(train_tfevents_load(path, &f, NULL));
    g_assert_false(f.truncated);
    g_assert_cmpint(f.n_records, ==, 4);            /* header, epochs 0, 1 and 3 */
    g_assert_true(isnan(scalar(&f, "loss", 2)));
    g_assert_cmpfloat(scalar(&f, "loss", 3), ==, (float) e.loss);
    train_tfevents_file_clear(&f);

    /* A changed byte inside a whole record is damage, said in words. */
    data[length / 2] ^= 0x40;
    g_autoptr(GError) error = NULL;
    g_assert_false(train_tfevents_parse((const guint8 *) data, length, "events.x", &f, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull(strstr(error->message, "events.x: record"));
    g_assert_nonnull(strstr(error->message, "is damaged"));
    test_rmdir_recursive(dir);
}

/* The one run a session holds, with its epochs checked against tfevents_tool.py's VALUES
 * (loss, accuracy, val_loss, val_accuracy, lr per epoch). */
static void
assert_imported(const char *session_dir, gboolean has_lr)
{
    static const double values[3][5] = { { 0.9, 0.5, 0.8, 0.55, 0.01 },
                                         { 0.7, 0.625, 0.75, 0.6, 0.01 },
                                         { 0.5, 0.75, 0.8, 0.65, 0.001 } };
    g_autoptr(GError) error = NULL;
    g_autoptr(TrainSession) session = train_session_load(session_dir, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(session->problems->len, ==, 0);
    g_assert_cmpuint(session->runs->len, ==, 1);
    TrainRun *run = g_ptr_array_index(session->runs, 0);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FINISHED);
    g_autofree char *name = train_run_dup_name(run);
    g_assert_true(g_str_has_prefix(name, "Imported: "));
    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    g_assert_cmpuint(epochs->len, ==, 3);
    for (int i = 0; i < 3; i++) {
        const TrainEpoch *e = &g_array_index(epochs, TrainEpoch, i);
        g_assert_cmpint(e->epoch, ==, i);
        g_assert_cmpfloat_with_epsilon(e->loss, values[i][0], 1e-7);
        g_assert_cmpfloat_with_epsilon(e->accuracy, values[i][1], 1e-7);
        g_assert_cmpfloat_with_epsilon(e->val_loss, values[i][2], 1e-7);
        g_assert_cmpfloat_with_epsilon(e->val_accuracy, values[i][3], 1e-7);
        if (has_lr)
            g_assert_cmpfloat_with_epsilon(e->lr, values[i][4], 1e-9);
    }
    /* The best epoch is the lowest validation loss, as for LR Lab's own runs. */
    g_assert_cmpint(train_run_get_progress(run).best_epoch, ==, 1);
}

static void
import_events(const char *tool_command, gboolean cut_last)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *logs = g_build_filename(dir, "logs", NULL);
    g_autofree char *session = g_build_filename(dir, "session", NULL);
    run_tool(tool_command, logs, NULL);
    if (cut_last) {
        /* a run still being written: half a record more at the end of each file */
        g_autofree char *path = event_file(logs, "validation");
        g_autofree char *data = NULL;
        gsize length;
        g_assert_true(g_file_get_contents(path, &data, &length, NULL));
        g_autofree char *longer = g_malloc(length + 20);
        memcpy(longer, data, length);
        memcpy(longer + length, data, 20);   /* a record's length header and 8 bytes */
        g_assert_true(g_file_set_contents(path, longer, (gssize) length + 20, NULL));
    }
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) runs = train_import_path(logs, session, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_strv_length(runs), ==, 1);
    assert_imported(session, TRUE);
    test_rmdir_recursive(dir);
}

static void
test_import_summarywriter(void)
{
    import_events("summarywriter", FALSE);
}

static void
test_import_keras(void)
{
    import_events("keras", FALSE);
}

static void
test_import_keras_still_writing(void)
{
    import_events("keras", TRUE);
}

static void
import_csv(const char *text, gboolean has_lr)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *csv = g_build_filename(dir, "history.csv", NULL);
    g_autofree char *session = g_build_filename(dir, "session", NULL);
    g_assert_true(g_file_set_contents(csv, text, -1, NULL));
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) runs = train_import_path(csv, session, &error);
    g_assert_no_error(error);
    assert_imported(session, has_lr);
    test_rmdir_recursive(dir);
}

static void
test_import_csv(void)
{
    /* Keras's CSVLogger: its columns in alphabetical order, epochs from 0. */
    import_csv("epoch,accuracy,loss,lr,val_accuracy,val_loss\n"
               "0,0.5,0.9,0.01,0.55,0.8\n1,0.625,0.7,0.01,0.6,0.75\n2,0.75,0.5,0.001,0.65,0.8\n",
               TRUE);
    /* Any CSV with an epoch column: counted from 1, other names, quotes, CRLF. */
    import_csv("\"Epoch\",train_loss,train_acc,val_loss,val_acc\r\n"
               "1,0.9,0.5,0.8,0.55\r\n2,0.7,0.625,0.75,0.6\r\n3,0.5,0.75,0.8,0.65\r\n", FALSE);
}

/* A history with LR Lab's config.ini beside it (an exported train.py's run folder) keeps
 * its settings and name: the legend then says what really differed. */
static void
test_import_with_settings(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *run = g_build_filename(dir, "run", NULL);
    g_autofree char *csv = g_build_filename(run, "history.csv", NULL);
    g_autofree char *ini = g_build_filename(run, "config.ini", NULL);
    g_autofree char *session = g_build_filename(dir, "session", NULL);
    TrainConfig config;
    train_config_init(&config);
    config.name = g_strdup("torch-run (PyTorch, 2 processes)");
    config.lr = 3e-4;
    config.dropout = FALSE;
    g_assert_cmpint(g_mkdir(run, 0755), ==, 0);
    g_assert_true(train_config_save(&config, ini, NULL));
    train_config_clear(&config);
    g_assert_true(g_file_set_contents(csv, "epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds\n"
                                           "0,0.5,0.9,0.55,0.8,0.0003,12.5\n", -1, NULL));
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) runs = train_import_path(csv, session, &error);
    g_assert_no_error(error);
    g_autofree char *back_path = g_build_filename(runs[0], "config.ini", NULL);
    g_assert_true(train_config_load(&config, back_path, NULL));
    g_assert_cmpstr(config.name, ==, "torch-run (PyTorch, 2 processes)");
    g_assert_cmpfloat(config.lr, ==, 3e-4);
    g_assert_false(config.dropout);
    g_assert_cmpint(config.epochs, ==, 1);
    train_config_clear(&config);
    g_autofree char *history = g_build_filename(runs[0], "history.csv", NULL);
    g_autoptr(GArray) epochs = train_history_load(history, NULL);
    g_assert_cmpfloat(g_array_index(epochs, TrainEpoch, 0).seconds, ==, 12.5);
    test_rmdir_recursive(dir);
}

static void
test_import_errors(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *csv = g_build_filename(dir, "notes.csv", NULL);
    g_autofree char *session = g_build_filename(dir, "session", NULL);
    struct { const char *text, *message; } cases[] = {
        { "name,value\na,1\n", "notes.csv: line 1 names no epoch column" },
        { "epoch,accuracy\n0,0.5\n", "notes.csv: line 1 names no loss column" },
        { "epoch,loss\n0,0.5\n1,abc\n", "notes.csv: line 3: loss is not a number (\"abc\")" },
        { "epoch,loss\n0,0.5,7\n", "notes.csv: line 2 has 3 fields, the header 2" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_assert_true(g_file_set_contents(csv, cases[i].text, -1, NULL));
        g_assert_null(train_import_path(csv, session, &error));
        g_assert_nonnull(error);
        if (!strstr(error->message, cases[i].message))
            g_error("expected \"%s\" in \"%s\"", cases[i].message, error->message);
    }
    /* A folder without event files. */
    g_autoptr(GError) error = NULL;
    g_assert_null(train_import_path(dir, session, &error));
    g_assert_nonnull(strstr(error->message, "holds no TensorBoard event files"));
    /* Names that are not UTF-8, and bytes in the file that are not: the messages are text
     * (U+FFFD where a byte was not), so a label can show them. */
    g_autofree char *latin = g_build_filename(dir, "caf\xe9.csv", NULL);
    g_assert_true(g_file_set_contents(latin, "epoch,loss\n0,0.5\n1,\xff\xfe\n", -1, NULL));
    g_autofree char *missing = g_build_filename(dir, "m\xfcll.csv", NULL);
    const char *paths[] = { latin, missing };
    const char *says[] = { "caf\xef\xbf\xbd.csv: line 3: loss is not a number", "m\xef\xbf\xbdll.csv does not exist" };
    for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
        g_autoptr(GError) bad = NULL;
        g_assert_null(train_import_path(paths[i], session, &bad));
        g_assert_nonnull(bad);
        g_assert_true(g_utf8_validate(bad->message, -1, NULL));
        if (!strstr(bad->message, says[i]))
            g_error("expected \"%s\" in \"%s\"", says[i], bad->message);
    }
    /* Nothing was written for any of them. */
    g_assert_false(g_file_test(session, G_FILE_TEST_EXISTS));
    test_rmdir_recursive(dir);
}

/* LR Lab's own run folders, imported back through their event files, give their history. */
static void
test_roundtrip_own_run(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *session = g_build_filename(dir, "session", NULL);
    write_epochs(dir, 3);
    g_autoptr(GPtrArray) names = NULL, histories = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_true(train_import_read(dir, &names, &histories, &error));
    g_assert_cmpuint(histories->len, ==, 1);
    GArray *epochs = g_ptr_array_index(histories, 0);
    g_assert_cmpuint(epochs->len, ==, 3);
    for (int i = 0; i < 3; i++) {
        const TrainEpoch *got = &g_array_index(epochs, TrainEpoch, i);
        TrainEpoch e = epoch_n(i);
        g_assert_cmpfloat(got->loss, ==, (float) e.loss);
        g_assert_cmpfloat(got->val_loss, ==, (float) e.val_loss);
        g_assert_cmpfloat(got->val_accuracy, ==, (float) e.val_accuracy);
        g_assert_cmpfloat(got->lr, ==, (float) e.lr);
    }
    test_rmdir_recursive(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_tool_args(argc, argv, "tfevents_tool.py");
    g_test_add_func("/train/tfevents/crc32c", test_crc32c);
    g_test_add_func("/train/tfevents/write-read", test_write_read);
    g_test_add_func("/train/tfevents/truncated", test_truncated);
    g_test_add_func("/train/tfevents/roundtrip-own-run", test_roundtrip_own_run);
    g_test_add_func("/train/import/summarywriter", test_import_summarywriter);
    g_test_add_func("/train/import/keras", test_import_keras);
    g_test_add_func("/train/import/keras-still-writing", test_import_keras_still_writing);
    g_test_add_func("/train/import/csv", test_import_csv);
    g_test_add_func("/train/import/with-settings", test_import_with_settings);
    g_test_add_func("/train/import/errors", test_import_errors);
    return g_test_run();
}
