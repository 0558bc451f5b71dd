/* test_i18n: the engine's words reach a German user in German. With the build tree's
 * catalogue (build/po) bound and German asked for, a verdict, a legend, a config error,
 * a folder loader's error and, once the engine's translator is installed, an engine
 * (src/nn) error come back as po/de.po says: a string left unmarked in
 * src/train or src/data, or a msgid without its translation, fails here. The other suites
 * run untranslated and see the English msgids. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "data_folder.h"
#include "train_config.h"
#include "train_diagnosis.h"
#include "train_process.h"

static double falling(int i) { return 0.69 * exp(-0.15 * i) + 0.05; }
static double u_shaped(int i) { return 0.45 + 0.004 * (i - 8) * (i - 8); }  /* min at 8 */

static void
test_verdict(void)
{
    TrainEpoch e[20] = { 0 };
    for (int i = 0; i < 20; i++)
        e[i] = (TrainEpoch) { .epoch = i, .loss = falling(i), .val_loss = u_shaped(i),
                              .accuracy = 0.9, .val_accuracy = 0.9, .lr = 1e-3 };

    TrainVerdict v = train_diagnose(e, 20, TRAIN_STATUS_FINISHED, 2);
    g_assert_cmpint(v.kind, ==, TRAIN_VERDICT_OVERFITTING);
    g_assert_cmpstr(v.text, ==, "Überanpassung ab Epoche 10");
    train_verdict_clear(&v);

    /* One epoch, near chance, of a run planned for 30: the verdict waits. */
    v = train_diagnose_live(e, 1, TRAIN_STATUS_RUNNING, 2, 30);
    g_assert_cmpint(v.kind, ==, TRAIN_VERDICT_WAITING);
    g_assert_cmpstr(v.text, ==, "bisher beim Zufall, Epoche 1 von 30");
    train_verdict_clear(&v);
}

static void
test_legend_and_config(void)
{
    TrainConfig a, b;
    train_config_init(&a);
    train_config_init(&b);
    b.dropout = FALSE;
    const TrainConfig *others[] = { &a };
    g_autofree char *legend = train_config_describe_difference(&b, others, 1);
    g_assert_cmpstr(legend, ==, "Dropout aus");

    g_autoptr(GError) error = NULL;
    b.batch_size = 0;
    g_assert_false(train_config_validate(&b, &error));
    g_assert_cmpstr(error->message, ==,
                    "batch-size: '0' ist ungültig, erwartet wird eine Batchgröße "
                    "(eine ganze Zahl von 1 bis 4096)");
    train_config_clear(&a);
    train_config_clear(&b);
}

static void
test_folder_error(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *root = g_dir_make_tmp("lrlab-i18n-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *good = g_build_filename(root, "good", NULL);
    g_autofree char *image = g_build_filename(good, "a.png", NULL);
    g_assert_cmpint(g_mkdir(good, 0755), ==, 0);
    g_assert_true(g_file_set_contents(image, "x", 1, NULL));

    DataFolderOptions options = data_folder_options_default();
    g_assert_null(data_folder_load(root, &options, NULL, NULL, NULL, NULL, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_autofree char *expected = g_strdup_printf("Nur ein Klassenordner ('good') in %s.", root);
    g_assert_true(g_str_has_prefix(error->message, expected));

    g_unlink(image);
    g_rmdir(good);
    g_rmdir(root);
}

/* The engine (src/nn, no gettext) speaks English until the program installs its
 * translator, as the app does at start-up and lrlab-train does not. */
static void
test_engine_error(void)
{
    TrainConfig c;
    train_config_init(&c);
    g_free(c.model);
    c.model = g_strdup("c8-x-f2");
    {
        g_autoptr(GError) error = NULL;
        g_assert_false(train_config_validate(&c, &error));
        g_assert_nonnull(strstr(error->message, "token 2 'x': unknown layer"));
    }
    train_process_translate_engine();
    {
        g_autoptr(GError) error = NULL;
        g_assert_false(train_config_validate(&c, &error));
        if (!strstr(error->message, "Element 2 'x': unbekannte Schicht; erwartet wird cN (Faltung)"))
            g_error("not German: %s", error->message);
    }
    train_config_clear(&c);
}

static void
skip_no_locale(void)
{
    g_test_skip("no C.UTF-8 locale (glibc before 2.35?): LANGUAGE cannot choose a catalogue");
}

int
main(int argc, char **argv)
{
    /* GNU gettext ignores LANGUAGE in the "C" locale; C.UTF-8 is a locale of its own
     * (built into glibc 2.35 and later), so LANGUAGE picks the catalogue without a
     * generated de_DE locale. */
    g_setenv("LANGUAGE", "de", TRUE);
    const char *locale = setlocale(LC_ALL, "C.UTF-8");
    bindtextdomain(GETTEXT_PACKAGE, LRLAB_TEST_LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    g_test_init(&argc, &argv, NULL);

    if (locale == NULL) {
        g_test_add_func("/i18n/skipped", skip_no_locale);
        return g_test_run();
    }
    /* A catalogue that did not load would fail every case below for another reason:
     * one of the window's own strings says whether German is on at all. */
    if (g_strcmp0(_("Run %u"), "Lauf %u") != 0)
        g_error("the German catalogue in %s did not load", LRLAB_TEST_LOCALEDIR);

    g_test_add_func("/i18n/verdict", test_verdict);
    g_test_add_func("/i18n/legend-and-config", test_legend_and_config);
    g_test_add_func("/i18n/folder-error", test_folder_error);
    /* Last: it installs the engine's translator for the rest of the process. */
    g_test_add_func("/i18n/engine-error", test_engine_error);
    return g_test_run();
}
