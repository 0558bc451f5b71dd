/* test_folder_layout: the folder layouts that decide class numbers and splits. The
 * built-in chips exported to a folder load back numbered as the built-in set (good = 0)
 * through the export's classes.txt, and that file's mistakes are explained; a test/
 * folder beside the class folders holds test images out of the random split. */
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include "data_folder.h"
#include "data_split.h"
#include "data_synthetic.h"

static DataSet *
chips(gboolean multiclass, int per_class)
{
    DataSyntheticParams params = data_synthetic_params_default();
    params.images_per_class = per_class;
    params.size = 16;
    params.multiclass = multiclass;
    GError *error = NULL;
    DataSet *set = data_synthetic_generate(&params, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    return set;
}

static DataSet *
load(const char *root, GError **error)
{
    DataFolderOptions options = data_folder_options_default();
    options.size = 16;
    return data_folder_load(root, &options, NULL, NULL, NULL, NULL, error);
}

static void
remove_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        GDir *dir = g_dir_open(path, 0, NULL);
        const char *name;
        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        if (dir)
            g_dir_close(dir);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

/* Every image of `loaded` is the exported image of the same name, with the same class. */
static void
assert_same_numbering(const DataSet *exported, const DataSet *loaded)
{
    g_assert_cmpint(loaded->num_classes, ==, exported->num_classes);
    for (int c = 0; c < exported->num_classes; c++)
        g_assert_cmpstr(loaded->class_names[c], ==, exported->class_names[c]);
    for (int i = 0; i < loaded->count; i++) {
        g_autofree char *base = g_path_get_basename(loaded->sources[i]);
        int n = atoi(base);   /* "000123.png": the exported image's number */
        g_assert_cmpint(loaded->labels[i], ==, exported->labels[n]);
        g_assert_cmpmem(data_set_image(loaded, i), 16 * 16 * 3, data_set_image(exported, n),
                        16 * 16 * 3);
    }
}

static void
test_exported_chips_keep_their_numbers(void)
{
    g_autofree char *root = g_dir_make_tmp("lrlab-layout-XXXXXX", NULL);
    GError *error = NULL;
    for (int multiclass = 0; multiclass < 2; multiclass++) {
        g_autoptr(DataSet) set = chips(multiclass, 3);
        g_autofree char *dir = g_build_filename(root, multiclass ? "multi" : "two", NULL);
        g_assert_true(data_synthetic_export(set, dir, &error));
        g_autoptr(DataSet) back = load(dir, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(back->class_names[0], ==, "good");
        assert_same_numbering(set, back);
    }

    /* Without the file: alphabetical, as torchvision's ImageFolder numbers them. */
    g_autofree char *order = g_build_filename(root, "two", DATA_FOLDER_CLASS_ORDER_FILE, NULL);
    g_autofree char *two = g_build_filename(root, "two", NULL);
    g_assert_cmpint(g_unlink(order), ==, 0);
    g_autoptr(DataSet) sorted = load(two, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(sorted->class_names[0], ==, "defect");
    g_assert_cmpstr(sorted->class_names[1], ==, "good");

    /* A hand-written order with comments and blank lines. */
    g_assert_true(g_file_set_contents(order, "# numbered as on the line\n\n defect \ngood\n", -1,
                                      NULL));
    g_autoptr(DataSet) by_hand = load(two, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(by_hand->class_names[0], ==, "defect");

    /* Its mistakes are said, naming the class and what to do. */
    const struct { const char *text, *expect; } bad[] = {
        { "good\ndefect\nscratch\n", "lists the class 'scratch', but there is no such" },
        { "good\n", "'defect' is not listed" },
        { "good\ndefect\ngood\n", "lists the class 'good' twice" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_true(g_file_set_contents(order, bad[i].text, -1, NULL));
        g_assert_null(load(two, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_test_message("%s", error->message);
        g_assert_nonnull(strstr(error->message, bad[i].expect));
        g_assert_nonnull(strstr(error->message, DATA_FOLDER_CLASS_ORDER_FILE));
        g_clear_error(&error);
    }
    remove_tree(root);
}

static void
test_test_folder_beside_the_classes(void)
{
    g_autofree char *root = g_dir_make_tmp("lrlab-layout-XXXXXX", NULL);
    g_autoptr(DataSet) set = chips(FALSE, 6);
    GError *error = NULL;
    g_assert_true(data_synthetic_export(set, root, &error));
    /* Two images of each class move to ROOT/test/<class>/. */
    for (int c = 0; c < 2; c++) {
        g_autofree char *test_dir = g_build_filename(root, "test", set->class_names[c], NULL);
        g_assert_cmpint(g_mkdir_with_parents(test_dir, 0755), ==, 0);
        for (int k = 0; k < 2; k++) {
            g_autofree char *name = g_strdup_printf("%06d.png", c + 2 * k);
            g_autofree char *from = g_build_filename(root, set->class_names[c], name, NULL);
            g_autofree char *to = g_build_filename(test_dir, name, NULL);
            g_assert_cmpint(g_rename(from, to), ==, 0);
        }
    }
    g_autoptr(DataSet) back = load(root, &error);
    g_assert_no_error(error);
    g_assert_cmpint(back->count, ==, 12);
    g_assert_cmpint(back->num_classes, ==, 2);   /* test/ is no class */
    assert_same_numbering(set, back);
    g_assert_nonnull(back->given_split);
    int n_test = 0;
    for (int i = 0; i < back->count; i++) {
        gboolean in_test = strstr(back->sources[i], "/test/") != NULL;
        g_assert_cmpint(back->given_split[i], ==, in_test ? DATA_SPLIT_TEST : DATA_SPLIT_NONE);
        n_test += in_test;
    }
    g_assert_cmpint(n_test, ==, 4);

    /* The rest is split at random; test images go to neither side. */
    g_autoptr(DataSplit) split = data_split_new(back, 0.25, 1);
    g_assert_cmpint(split->n_train + split->n_val, ==, 8);
    g_assert_cmpint(split->n_val, ==, 2);
    for (int i = 0; i < split->n_train; i++)
        g_assert_cmpint(back->given_split[split->train[i]], ==, DATA_SPLIT_NONE);
    for (int i = 0; i < split->n_val; i++)
        g_assert_cmpint(back->given_split[split->val[i]], ==, DATA_SPLIT_NONE);
    remove_tree(root);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data/folder-layout/exported-chips-keep-their-numbers",
                    test_exported_chips_keep_their_numbers);
    g_test_add_func("/data/folder-layout/test-folder-beside-the-classes",
                    test_test_folder_beside_the_classes);
    return g_test_run();
}
