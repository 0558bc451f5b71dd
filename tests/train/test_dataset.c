/* test_dataset: the one way from a config to its images (train_dataset) and the one way
 * news leaves a thread (train_notifier): the same config gives the same images as the
 * generator itself, a folder is read with the config's size, resize mode and memory
 * limit and reports what it skipped, a loading in a thread reports its progress merged
 * into few main-loop callbacks and can be cancelled. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "data_synthetic.h"
#include "train_dataset.h"
#include "train_notifier.h"
#include "train_test_util.h"

typedef struct {
    int calls;
    int last;
} Seen;

static void
on_news(gpointer user_data)
{
    Seen *seen = user_data;
    seen->calls++;
}

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static gpointer
publish_many(gpointer data)
{
    for (int i = 1; i <= 10000; i++)
        train_notifier_publish(data, &i);
    return NULL;
}

/* A producer that never waits: one pending idle at a time, and it carries the latest. */
static void
test_notifier_merges(void)
{
    g_autoptr(TrainNotifier) notifier = train_notifier_new(NULL, sizeof(int));
    Seen seen = { 0 };
    int latest = 0;

    train_notifier_set_func(notifier, on_news, &seen, NULL);
    g_thread_join(g_thread_new("producer", publish_many, notifier));
    drain();
    g_assert_cmpint(seen.calls, ==, 1);
    train_notifier_read(notifier, &latest);
    g_assert_cmpint(latest, ==, 10000);

    /* News after a callback ran is news again. */
    int one = 1;
    train_notifier_publish(notifier, &one);
    drain();
    g_assert_cmpint(seen.calls, ==, 2);

    /* A consumer that left gets nothing, even from an idle already pending. */
    train_notifier_notify(notifier);
    train_notifier_set_func(notifier, NULL, NULL, NULL);
    drain();
    g_assert_cmpint(seen.calls, ==, 2);
}

static void
small_config(TrainConfig *config)
{
    test_config_init(config, "tiny", 1);
    config->synthetic.images_per_class = 6;
    config->synthetic.seed = 11;
}

/* The config's images are the generator's for the same settings, its seed the data seed. */
static void
test_synthetic_is_the_generators(void)
{
    TrainConfig config;
    GError *error = NULL;

    small_config(&config);
    g_autoptr(DataSet) set = train_dataset_load(&config, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    DataSyntheticParams params = data_synthetic_params_default();
    params.images_per_class = 6;
    params.size = config.size;
    params.seed = 11;
    params.threads = 1;
    g_autoptr(DataSet) direct = data_synthetic_generate(&params, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(set->count, ==, direct->count);
    g_assert_cmpint(set->width, ==, 16);
    g_assert_cmpmem(set->pixels, (gsize) set->count * 16 * 16 * 3, direct->pixels,
                    (gsize) direct->count * 16 * 16 * 3);
    train_config_clear(&config);
}

static void
write_png(const char *path, int width, int height, guint32 rgba)
{
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, width, height);
    GError *error = NULL;

    gdk_pixbuf_fill(pixbuf, rgba);
    /* A bright left edge, so cropping and squashing give different images. */
    for (int y = 0; y < height; y++)
        memset(gdk_pixbuf_get_pixels(pixbuf) + y * gdk_pixbuf_get_rowstride(pixbuf), 255, 3 * 4);
    g_assert_true(gdk_pixbuf_save(pixbuf, path, "png", &error, NULL));
    g_assert_no_error(error);
}

/* Two classes of wide images, and one file that is not an image. */
static char *
make_folder(void)
{
    char *root = test_tmpdir();
    const char *classes[] = { "defect", "good" };

    for (int c = 0; c < 2; c++) {
        g_autofree char *dir = g_build_filename(root, classes[c], NULL);
        g_mkdir_with_parents(dir, 0755);
        for (int i = 0; i < 3; i++) {
            g_autofree char *name = g_strdup_printf("%d.png", i);
            g_autofree char *path = g_build_filename(dir, name, NULL);
            write_png(path, 48, 24, c ? 0x20c020ff : 0xc02020ff);
        }
    }
    g_autofree char *broken = g_build_filename(root, "good", "broken.png", NULL);
    g_assert_true(g_file_set_contents(broken, "not a png", -1, NULL));
    return root;
}

static void
test_folder_follows_the_config(void)
{
    g_autofree char *root = make_folder();
    TrainConfig config;
    DataFolderReport report = { 0 };
    GError *error = NULL;

    small_config(&config);
    config.data_kind = TRAIN_DATA_FOLDER;
    config.folder = g_strdup(root);
    g_autoptr(DataSet) cropped = train_dataset_load(&config, &report, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(cropped->count, ==, 6);
    g_assert_cmpint(cropped->width, ==, 16);
    g_assert_nonnull(report.skipped);
    g_assert_cmpuint(report.skipped->len, ==, 1);

    config.resize = DATA_RESIZE_SQUASH;
    g_autoptr(DataSet) squashed = train_dataset_load(&config, &report, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(memcmp(cropped->pixels, squashed->pixels, 16 * 16 * 3) != 0);

    /* The memory limit is the config's: too small a one is refused before decoding. */
    config.memory_limit = 1000;
    g_assert_null(train_dataset_load(&config, &report, NULL, NULL, NULL, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
    g_clear_error(&error);
    data_folder_report_clear(&report);
    train_config_clear(&config);
    test_rmdir_recursive(root);
}

typedef struct {
    gboolean done;
    DataSet *set;
    GError *error;
    DataFolderReport report;
} Loaded;

static void
on_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Loaded *loaded = user_data;
    loaded->set = train_dataset_load_finish(result, &loaded->report, &loaded->error);
    loaded->done = TRUE;
}

static void
test_load_in_a_thread(void)
{
    g_autofree char *root = make_folder();
    g_autoptr(TrainNotifier) notifier = train_notifier_new(NULL, sizeof(TrainLoadProgress));
    Seen seen = { 0 };
    Loaded loaded = { 0 };
    TrainConfig config;
    TrainLoadProgress progress;

    small_config(&config);
    config.data_kind = TRAIN_DATA_FOLDER;
    config.folder = g_strdup(root);
    train_notifier_set_func(notifier, on_news, &seen, NULL);
    train_dataset_load_async(&config, notifier, NULL, on_loaded, &loaded);
    while (!loaded.done)
        g_main_context_iteration(NULL, TRUE);
    drain();
    g_assert_no_error(loaded.error);
    g_assert_cmpint(loaded.set->count, ==, 6);
    g_assert_cmpuint(loaded.report.skipped->len, ==, 1);
    g_assert_cmpint(seen.calls, >=, 1);
    train_notifier_read(notifier, &progress);
    g_assert_cmpint(progress.total, ==, 7);   /* every image file, the broken one too */
    g_assert_cmpint(progress.done, ==, progress.total);
    g_clear_pointer(&loaded.set, data_set_unref);
    data_folder_report_clear(&loaded.report);

    /* Cancelled: no set, the cancellation as the error. */
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_cancellable_cancel(cancellable);
    loaded = (Loaded) { 0 };
    train_dataset_load_async(&config, NULL, cancellable, on_loaded, &loaded);
    while (!loaded.done)
        g_main_context_iteration(NULL, TRUE);
    g_assert_null(loaded.set);
    g_assert_error(loaded.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error(&loaded.error);
    data_folder_report_clear(&loaded.report);
    train_config_clear(&config);
    test_rmdir_recursive(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/notifier/merges", test_notifier_merges);
    g_test_add_func("/train/dataset/synthetic-is-the-generators", test_synthetic_is_the_generators);
    g_test_add_func("/train/dataset/folder-follows-the-config", test_folder_follows_the_config);
    g_test_add_func("/train/dataset/load-in-a-thread", test_load_in_a_thread);
    return g_test_run();
}
