/* train_test_util: helpers shared by the train tests (see the header). */
#include "train_test_util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "nn_rng.h"

const char *test_lrlab_train = NULL;

DataSet *test_dataset_new(int count, int size, int num_classes, guint64 seed)
{
    DataSet *set = data_set_new(count, size, size, num_classes);
    nn_rng rng;

    nn_rng_seed(&rng, seed);
    for (int c = 0; c < num_classes; c++)
        set->class_names[c] = g_strdup_printf("class%d", c);
    for (int i = 0; i < count; i++) {
        int label = i % num_classes;
        guint8 *px = data_set_image(set, i);
        set->labels[i] = label;
        set->sources[i] = g_strdup_printf("test/class%d/%06d", label, i);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                for (int ch = 0; ch < 3; ch++) {
                    /* Brightness by class, a vertical stripe at a class-dependent column,
                     * and noise, so that classes overlap a little. */
                    float v = 80.0f + 60.0f * label / MAX(num_classes - 1, 1) +
                              (x == (label * 3) % size ? 60.0f : 0.0f) +
                              nn_rng_uniform_range(&rng, -50, 50);
                    px[(y * size + x) * 3 + ch] = (guint8) CLAMP(v, 0, 255);
                }
    }
    return set;
}

void test_config_init(TrainConfig *config, const char *model, int epochs)
{
    train_config_init(config);
    g_free(config->model);
    config->model = g_strdup(model);
    config->size = 16;
    config->epochs = epochs;
    config->batch_size = 16;
    config->dropout = FALSE;
    config->threads = 1;
    config->synthetic.images_per_class = 40;
}

void test_run_to_end(TrainRun *run)
{
    GError *error = NULL;
    g_assert_true(train_run_start(run, &error));
    g_assert_no_error(error);
    train_run_wait(run);
}

char *test_tmpdir(void)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("lrlab-train-test-XXXXXX", &error);
    g_assert_no_error(error);
    return dir;
}

void test_rmdir_recursive(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    if (d == NULL)
        return;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            test_rmdir_recursive(path);
        else
            g_unlink(path);
    }
    g_dir_close(d);
    g_rmdir(dir);
}

char *test_history_without_seconds(const char *path)
{
    g_autofree char *text = NULL;
    GError *error = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, &error));
    g_assert_no_error(error);

    GString *out = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i] && lines[i][0]; i++) {
        char *comma = strrchr(lines[i], ',');
        g_assert_nonnull(comma);
        g_string_append_len(out, lines[i], comma - lines[i]);
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

int test_run_argv(const char *const *argv, char **out, char **err)
{
    GError *error = NULL;
    g_autoptr(GSubprocess) p = g_subprocess_newv(argv,
                                                 G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                     G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                 &error);
    g_assert_no_error(error);
    g_autofree char *o = NULL, *e = NULL;
    g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &o, &e, &error));
    g_assert_no_error(error);
    if (out)
        *out = g_steal_pointer(&o);
    if (err)
        *err = g_steal_pointer(&e);
    return g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
}

const char *test_python = "/usr/bin/python3", *test_torchrun = "/usr/bin/torchrun";
char *test_script = NULL;

void test_tool_args(int argc, char **argv, const char *default_script)
{
    static const struct { const char *prefix; const char **value; } flags[] = {
        { "--python=", &test_python }, { "--torchrun=", &test_torchrun },
    };
    for (int i = 1; i < argc; i++) {
        gboolean taken = FALSE;
        for (gsize f = 0; f < G_N_ELEMENTS(flags) && !taken; f++)
            if ((taken = g_str_has_prefix(argv[i], flags[f].prefix)))
                *flags[f].value = argv[i] + strlen(flags[f].prefix);
        if (taken)
            continue;
        if (g_str_has_prefix(argv[i], "--script="))
            test_script = g_strdup(argv[i] + strlen("--script="));
        else
            test_lrlab_train = argv[i];
    }
    if (test_script == NULL)
        test_script = g_test_build_filename(G_TEST_DIST, "train", default_script, NULL);
}

int test_run_cli(const char *const *args, char **out, char **err)
{
    return test_run_program(test_lrlab_train, args, out, err);
}

int test_run_program(const char *program, const char *const *args, char **out, char **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer) program);
    for (int i = 0; args[i]; i++)
        g_ptr_array_add(argv, (gpointer) args[i]);
    g_ptr_array_add(argv, NULL);
    return test_run_argv((const char *const *) argv->pdata, out, err);
}
