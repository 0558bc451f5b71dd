/* test_export: the CSV of several runs is each run's history.csv lines (the same columns,
 * the same digits) behind its quoted name and label, under one header. */
#include <glib/gstdio.h>
#include <string.h>

#include "train_export.h"

static TrainEpoch *
epochs_new(int n, double first_loss)
{
    TrainEpoch *e = g_new0(TrainEpoch, n);
    for (int i = 0; i < n; i++) {
        e[i].epoch = i;
        e[i].loss = first_loss / (i + 1);
        e[i].accuracy = 0.5 + 0.1 * i;
        e[i].val_loss = first_loss / (i + 1) + 0.01;
        e[i].val_accuracy = 0.45 + 0.1 * i;
        e[i].lr = 1e-3;
        e[i].seconds = 1.25 + i;
    }
    return e;
}

static void
test_export_lines(void)
{
    g_autofree TrainEpoch *a = epochs_new(3, 0.6931);
    g_autofree TrainEpoch *b = epochs_new(2, 2.5);
    /* A user's names may hold commas and quotes; the label of a lone run is empty. */
    const TrainExportRun runs[] = {
        { "Run 1", "lr 1e-3, dropout off", a, 3 },
        { "The \"big\" one", NULL, b, 2 },
    };
    g_autofree char *csv = train_export_format(runs, G_N_ELEMENTS(runs));
    g_autofree char *history_a = train_history_format(a, 3);
    g_autofree char *history_b = train_history_format(b, 2);
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    g_auto(GStrv) a_lines = g_strsplit(history_a, "\n", -1);
    g_auto(GStrv) b_lines = g_strsplit(history_b, "\n", -1);

    g_assert_cmpstr(lines[0], ==, "run,label,epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds");
    g_assert_cmpuint(g_strv_length(lines), ==, 1 + 3 + 2 + 1);   /* the last is after "\n" */
    g_assert_cmpstr(lines[6], ==, "");
    for (int i = 0; i < 3; i++) {
        g_autofree char *expected = g_strconcat("\"Run 1\",\"lr 1e-3, dropout off\",",
                                                a_lines[1 + i], NULL);
        g_assert_cmpstr(lines[1 + i], ==, expected);
    }
    for (int i = 0; i < 2; i++) {
        g_autofree char *expected = g_strconcat("\"The \"\"big\"\" one\",\"\",", b_lines[1 + i], NULL);
        g_assert_cmpstr(lines[4 + i], ==, expected);
    }
}

static void
test_export_save(void)
{
    g_autofree char *dir = g_dir_make_tmp("lrlab-export-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "runs.csv", NULL);
    g_autofree char *bad = g_build_filename(dir, "no", "such", "folder", "runs.csv", NULL);
    g_autofree TrainEpoch *a = epochs_new(1, 0.7);
    const TrainExportRun run = { "Run 1", "", a, 1 };
    g_autofree char *expected = train_export_format(&run, 1);
    g_autofree char *written = NULL;
    GError *error = NULL;

    g_assert_true(train_export_save(path, &run, 1, &error));
    g_assert_no_error(error);
    g_assert_true(g_file_get_contents(path, &written, NULL, NULL));
    g_assert_cmpstr(written, ==, expected);

    /* No runs: the header alone, still a valid CSV. */
    g_autofree char *empty = train_export_format(NULL, 0);
    g_assert_cmpstr(empty, ==, TRAIN_EXPORT_HEADER "\n");

    /* An unwritable place is an error, not a silent skip. */
    g_assert_false(train_export_save(bad, &run, 1, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);

    g_unlink(path);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/export/lines", test_export_lines);
    g_test_add_func("/train/export/save", test_export_save);
    return g_test_run();
}
