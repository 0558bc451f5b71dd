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

int test_run_cli(const char *const *args, char **out, char **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer) test_lrlab_train);
    for (int i = 0; args[i]; i++)
        g_ptr_array_add(argv, (gpointer) args[i]);
    g_ptr_array_add(argv, NULL);
    GError *error = NULL;
    g_autoptr(GSubprocess) p = g_subprocess_newv((const char *const *) argv->pdata,
                                                 G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                     G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                 &error);
    g_assert_no_error(error);
    g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, out, err, &error));
    g_assert_no_error(error);
    return g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
}
