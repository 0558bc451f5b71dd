/* test_folder: the image-folder loader on corpora built here with GdkPixbuf, Cairo and a
 * hand-written 16-bit PNG: every format and pixel kind comes out as the right RGB, bad
 * files are listed with their reason while the load goes on, and each fatal problem
 * stops the load with a message that says what to fix. */
#include <string.h>
#include <unistd.h>
#include <cairo.h>
#include <zlib.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "data_folder.h"
#include "data_split.h"
#include "data_test_folders.h"

/* ---- corpus writing ---- */

/* A grayscale PNG (colour type 0): Cairo writes A8 surfaces as 8-bit grey. */
static void
save_gray_png(const char *dir, const char *name, int w, int h, guint8 level)
{
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    cairo_surface_flush(surface);
    guint8 *data = cairo_image_surface_get_data(surface);
    for (int y = 0; y < h; y++)
        memset(data + y * cairo_image_surface_get_stride(surface), level, w);
    cairo_surface_mark_dirty(surface);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_cmpint(cairo_surface_write_to_png(surface, path), ==, CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(surface);

    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
    g_assert_cmpint(bytes[25], ==, 0);   /* IHDR colour type: greyscale */
}

/* A 16-bit-per-channel RGB PNG written by hand (GdkPixbuf only writes 8 bits). */
static void
save_png16(const char *dir, const char *name, int w, int h, guint16 r, guint16 g, guint16 b)
{
    gsize row = 1 + (gsize) w * 6, raw_len = row * h;
    g_autofree guint8 *raw = g_malloc0(raw_len);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            guint8 *p = raw + y * row + 1 + x * 6;
            p[0] = r >> 8; p[1] = r & 255; p[2] = g >> 8; p[3] = g & 255;
            p[4] = b >> 8; p[5] = b & 255;
        }
    uLongf z_len = compressBound(raw_len);
    g_autofree guint8 *z = g_malloc(z_len);
    g_assert_cmpint(compress(z, &z_len, raw, raw_len), ==, Z_OK);

    GByteArray *png = g_byte_array_new();
    const guint8 signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    g_byte_array_append(png, signature, 8);
    guint8 ihdr[13] = {w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16, h >> 8, h,
                       16, 2, 0, 0, 0};   /* depth 16, RGB */
    png_chunk(png, "IHDR", ihdr, 13);
    png_chunk(png, "IDAT", z, (guint32) z_len);
    png_chunk(png, "IEND", NULL, 0);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, (char *) png->data, png->len, NULL));
    g_byte_array_unref(png);
}

/* The first half of a real JPEG: it still "decodes" in libjpeg, grey-padded. */
static void
save_truncated_jpeg(const char *dir, const char *name)
{
    save_image(dir, "whole.tmp.jpg", "jpeg", 96, 96, noise);
    g_autofree char *whole = g_build_filename(dir, "whole.tmp.jpg", NULL);
    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(whole, &bytes, &len, NULL));
    g_assert_cmpint(g_remove(whole), ==, 0);
    save_bytes(dir, name, bytes, len / 2);
}

/* ---- checking ---- */


typedef struct {
    int calls;
    int max_done;
    int total;
    GCancellable *cancel_after_first;
} Progress;

static void
on_progress(int done, int total, gpointer data)
{
    Progress *p = data;
    /* Calls never overlap and count up by one (data_folder.h). */
    g_assert_cmpint(done, ==, p->calls + 1);
    p->calls++;
    p->max_done = done;
    p->total = total;
    if (p->cancel_after_first != NULL)
        g_cancellable_cancel(p->cancel_after_first);
}

/* ---- tests ---- */

static void
build_format_corpus(const char *root, gboolean *have_webp)
{
    g_autofree char *a = make_dirs(root, "chips");
    g_autofree char *nested = make_dirs(root, "chips/batch2");
    g_autofree char *b = make_dirs(root, "blank");

    save_image(a, "red.png", "png", 37, 91, red);        /* odd size, tall */
    save_image(a, "red.JPG", "jpeg", 50, 40, red);       /* upper-case extension */
    save_image(a, "red.bmp", "bmp", 30, 30, red);
    save_image(a, "red.tiff", "tiff", 20, 33, red);
    *have_webp = format_writable("webp");
    if (*have_webp)
        save_image(a, "red.webp", "webp", 40, 40, red);
    else
        g_test_message("webp is not writable here: skipping that format");
    save_gray_png(a, "gray.png", 21, 17, 128);
    save_image(a, "half-red.png", "png", 16, 16, half_red);
    save_png16(a, "deep.png", 9, 7, 200 * 257, 100 * 257, 50 * 257);
    save_image(nested, "nested.png", "png", 8, 8, red);
    /* A link back up the tree: its images must not be loaded twice. */
    g_autofree char *loop = g_build_filename(nested, "up", NULL);
    g_assert_cmpint(symlink(a, loop), ==, 0);
    /* Bad ones. */
    save_bytes(a, "zero.png", "", 0);
    save_truncated_jpeg(a, "cut.jpg");
    save_bytes(a, "text.png", "this is not a picture\n", -1);

    for (int i = 0; i < 4; i++) {
        g_autofree char *name = g_strdup_printf("blue%d.png", i);
        save_image(b, name, "png", 64 + i, 48, blue);
    }
    save_bytes(b, "README.txt", "notes\n", -1);
    save_bytes(b, ".DS_Store", "junk", -1);
    save_bytes(b, "Thumbs.db", "junk", -1);
}

static void
test_formats_and_bad_files(void)
{
    g_autofree char *root = make_root();
    gboolean have_webp;
    build_format_corpus(root, &have_webp);

    DataFolderReport report = {0};
    Progress progress = {0};
    DataFolderOptions options = data_folder_options_default();
    options.size = 32;
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = data_folder_load(root, &options, &report, on_progress, &progress,
                                              NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(set);

    int n_chips = 8 + (have_webp ? 1 : 0);
    g_assert_cmpint(set->count, ==, n_chips + 4);
    g_assert_cmpint(set->num_classes, ==, 2);
    g_assert_cmpstr(set->class_names[0], ==, "blank");   /* sorted */
    g_assert_cmpstr(set->class_names[1], ==, "chips");
    g_assert_null(set->class_names[2]);
    g_assert_cmpint(set->height, ==, 32);
    g_assert_cmpint(set->width, ==, 32);
    g_assert_null(set->given_split);
    for (int i = 0; i < set->count; i++)
        g_assert_cmpint(set->labels[i], ==, strstr(set->sources[i], "/chips/") ? 1 : 0);
    int counts[2];
    data_set_class_counts(set, counts);
    g_assert_cmpint(counts[1], ==, n_chips);

    /* Pixels: solid colours survive every decoder and resize. */
    assert_solid(set, "red.png", 255, 0, 0, 0);
    assert_solid(set, "red.JPG", 255, 0, 0, 12);   /* lossy, chroma subsampled */
    assert_solid(set, "red.bmp", 255, 0, 0, 0);
    assert_solid(set, "red.tiff", 255, 0, 0, 0);
    if (have_webp)
        assert_solid(set, "red.webp", 255, 0, 0, 12);   /* the loader may encode lossy */
    assert_solid(set, "gray.png", 128, 128, 128, 0);
    assert_solid(set, "half-red.png", 128, 0, 0, 1);   /* alpha 128 over black */
    assert_solid(set, "deep.png", 200, 100, 50, 1);
    assert_solid(set, "nested.png", 255, 0, 0, 0);
    assert_solid(set, "blue3.png", 0, 0, 255, 0);

    /* Bad files: listed with their reason, in path order; system files not at all. */
    g_assert_nonnull(report.skipped);
    g_assert_cmpint(report.skipped->len, ==, 4);
    g_assert_nonnull(strstr(skipped_reason(&report, "zero.png"), "empty"));
    g_assert_nonnull(strstr(skipped_reason(&report, "cut.jpg"), "truncated"));
    g_assert_nonnull(strstr(skipped_reason(&report, "text.png"), "not an image"));
    g_assert_nonnull(strstr(skipped_reason(&report, "README.txt"), "not an image file"));
    g_assert_null(skipped_reason(&report, ".DS_Store"));
    g_assert_null(skipped_reason(&report, "Thumbs.db"));
    for (guint i = 1; i < report.skipped->len; i++)
        g_assert_cmpint(strcmp(((DataSkippedFile *) report.skipped->pdata[i - 1])->path,
                               ((DataSkippedFile *) report.skipped->pdata[i])->path), <, 0);
    g_assert_null(report.imbalance_warning);   /* 9 vs 4: not beyond 3x */

    /* Progress counted every file handed to a decoder (the zero-byte one never was). */
    g_assert_cmpint(progress.total, ==, set->count + 2);
    g_assert_cmpint(progress.max_done, ==, progress.total);

    /* One thread or three: the same set, byte for byte. */
    options.threads = 1;
    g_autoptr(DataSet) serial = data_folder_load(root, &options, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(serial->count, ==, set->count);
    g_assert_cmpmem(serial->pixels, (gsize) set->count * 32 * 32 * 3, set->pixels,
                    (gsize) set->count * 32 * 32 * 3);
    g_assert_cmpmem(serial->labels, set->count * sizeof(int), set->labels,
                    set->count * sizeof(int));
    for (int i = 0; i < set->count; i++)
        g_assert_cmpstr(serial->sources[i], ==, set->sources[i]);

    data_folder_report_clear(&report);
    g_assert_null(report.skipped);
    remove_tree(root);
}

static void
assert_pixel(const DataSet *set, int i, int y, int x, int r, int g, int b)
{
    const guint8 *p = data_set_image(set, i) + (y * set->width + x) * 3;
    if (ABS(p[0] - r) > 8 || ABS(p[1] - g) > 8 || ABS(p[2] - b) > 8)
        g_error("image %d pixel (%d,%d) is (%d,%d,%d), expected (%d,%d,%d)", i, y, x, p[0], p[1],
                p[2], r, g, b);
}

static void
test_resize_modes(void)
{
    g_autofree char *root = make_root();
    g_autofree char *a = make_dirs(root, "a");
    g_autofree char *b = make_dirs(root, "b");
    save_image(a, "bands.png", "png", 100, 50, bands);   /* green|red|blue|green */
    save_image(b, "red.png", "png", 10, 10, red);

    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) crop = load(root, 16, DATA_RESIZE_CENTER_CROP, NULL, &error);
    g_assert_no_error(error);
    /* The middle square: red then blue, no green. */
    for (int y = 0; y < 16; y += 5) {
        assert_pixel(crop, 0, y, 2, 255, 0, 0);
        assert_pixel(crop, 0, y, 13, 0, 0, 255);
    }

    g_autoptr(DataSet) squash = load(root, 16, DATA_RESIZE_SQUASH, NULL, &error);
    g_assert_no_error(error);
    for (int y = 0; y < 16; y += 5) {
        assert_pixel(squash, 0, y, 1, 0, 255, 0);
        assert_pixel(squash, 0, y, 5, 255, 0, 0);
        assert_pixel(squash, 0, y, 10, 0, 0, 255);
        assert_pixel(squash, 0, y, 14, 0, 255, 0);
    }

    /* 100x50 -> 16x8 in rows 4..11, black above and below. */
    g_autoptr(DataSet) box = load(root, 16, DATA_RESIZE_LETTERBOX, NULL, &error);
    g_assert_no_error(error);
    for (int x = 0; x < 16; x++) {
        assert_pixel(box, 0, 0, x, 0, 0, 0);
        assert_pixel(box, 0, 3, x, 0, 0, 0);
        assert_pixel(box, 0, 12, x, 0, 0, 0);
        assert_pixel(box, 0, 15, x, 0, 0, 0);
    }
    assert_pixel(box, 0, 6, 1, 0, 255, 0);
    assert_pixel(box, 0, 6, 5, 255, 0, 0);
    assert_pixel(box, 0, 9, 10, 0, 0, 255);
    remove_tree(root);
}

/* Loads root expecting failure with code and every fragment in the message. */
static void
assert_load_fails(const char *root, int code, const char *fragment1, const char *fragment2)
{
    g_autoptr(GError) error = NULL;
    DataFolderReport report = {0};
    DataSet *set = load(root, 16, DATA_RESIZE_CENTER_CROP, &report, &error);
    g_assert_null(set);
    g_assert_error(error, G_IO_ERROR, code);
    g_test_message("%s", error->message);
    if (strstr(error->message, fragment1) == NULL
        || (fragment2 != NULL && strstr(error->message, fragment2) == NULL))
        g_error("message \"%s\" lacks \"%s\" / \"%s\"", error->message, fragment1, fragment2);
    data_folder_report_clear(&report);
}

static void
test_fatal_errors(void)
{
    g_autofree char *root = make_root();

    g_autofree char *missing = g_build_filename(root, "nope", NULL);
    assert_load_fails(missing, G_IO_ERROR_NOT_FOUND, missing, "does not exist");

    save_bytes(root, "file.png", "x", -1);
    g_autofree char *file = g_build_filename(root, "file.png", NULL);
    assert_load_fails(file, G_IO_ERROR_NOT_DIRECTORY, file, "not a folder");

    g_autofree char *empty = make_dirs(root, "empty");
    assert_load_fails(empty, G_IO_ERROR_INVALID_DATA, "No class folders", empty);

    g_autofree char *loose = make_dirs(root, "loose");
    save_image(loose, "a.png", "png", 8, 8, red);
    save_image(loose, "b.png", "png", 8, 8, red);
    assert_load_fails(loose, G_IO_ERROR_INVALID_DATA, "holds 2 images but no class folders",
                      "/<class>/");

    g_autofree char *single = make_dirs(root, "single");
    g_autofree char *good = make_dirs(single, "good");
    save_image(good, "a.png", "png", 8, 8, red);
    assert_load_fails(single, G_IO_ERROR_INVALID_DATA, "Only one class folder ('good')",
                      "at least two");

    /* An empty class folder (a README does not count as an image). */
    g_autofree char *defect = make_dirs(single, "defect");
    save_bytes(defect, "README.txt", "todo\n", -1);
    g_autofree char *expected = g_strdup_printf("files in %s or remove the folder", defect);
    assert_load_fails(single, G_IO_ERROR_INVALID_DATA, "Class folder 'defect' has no images",
                      expected);

    /* A class whose every image is broken: the load stops, the list says why. */
    save_bytes(defect, "bad.png", "not a png", -1);
    {
        g_autoptr(GError) error = NULL;
        DataFolderReport report = {0};
        g_assert_null(load(single, 16, DATA_RESIZE_CENTER_CROP, &report, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_nonnull(strstr(error->message, "'defect' could be read"));
        g_assert_nonnull(strstr(skipped_reason(&report, "bad.png"), "not an image"));
        data_folder_report_clear(&report);
    }

    g_autofree char *mixed = make_dirs(root, "mixed");
    g_autofree char *mixed_a = make_dirs(mixed, "train/a");
    g_autofree char *mixed_b = make_dirs(mixed, "extra");
    assert_load_fails(mixed, G_IO_ERROR_INVALID_DATA, "mixes split folders", "'extra'");

    g_autofree char *no_train = make_dirs(root, "notrain");
    g_autofree char *val_a = make_dirs(no_train, "val/a");
    assert_load_fails(no_train, G_IO_ERROR_INVALID_DATA, "without a train folder", NULL);

    DataFolderOptions options = data_folder_options_default();
    options.size = 3;
    g_autoptr(GError) error = NULL;
    g_assert_null(data_folder_load(single, &options, NULL, NULL, NULL, NULL, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    remove_tree(root);
}

static char *
build_two_classes(int n_a, int n_b)
{
    char *root = make_root();
    g_autofree char *a = make_dirs(root, "a");
    g_autofree char *b = make_dirs(root, "b");
    for (int i = 0; i < MAX(n_a, n_b); i++) {
        g_autofree char *name = g_strdup_printf("%02d.png", i);
        if (i < n_a)
            save_image(a, name, "png", 12, 12, red);
        if (i < n_b)
            save_image(b, name, "png", 12, 12, blue);
    }
    return root;
}

static void
test_memory_limit(void)
{
    g_autofree char *root = build_two_classes(3, 3);
    DataFolderOptions options = data_folder_options_default();
    options.size = 64;
    options.memory_limit = 6 * 64 * 64 * 3 - 1;
    Progress progress = {0};
    g_autoptr(GError) error = NULL;

    DataSet *set = data_folder_load(root, &options, NULL, on_progress, &progress, NULL, &error);
    g_assert_null(set);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, "73728 bytes"));
    g_assert_nonnull(strstr(error->message, "6 images"));
    g_assert_cmpint(progress.calls, ==, 0);   /* refused before decoding anything */
    g_clear_error(&error);

    options.memory_limit = 6 * 64 * 64 * 3;
    g_autoptr(DataSet) fits = data_folder_load(root, &options, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(fits->count, ==, 6);
    remove_tree(root);
}

static void
test_given_split(void)
{
    g_autofree char *root = make_root();
    const char *splits[] = {"train", "val", "test"};
    const int per_class[] = {3, 2, 1};
    for (int s = 0; s < 3; s++)
        for (int c = 0; c < 2; c++) {
            g_autofree char *sub = g_strdup_printf("%s/%s", splits[s], c == 0 ? "ok" : "bad");
            g_autofree char *dir = make_dirs(root, sub);
            for (int i = 0; i < per_class[s]; i++) {
                g_autofree char *name = g_strdup_printf("%s-%d.png", splits[s], i);
                save_image(dir, name, "png", 10, 10, c == 0 ? red : blue);
            }
        }

    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load(root, 16, DATA_RESIZE_CENTER_CROP, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(set->count, ==, 12);
    g_assert_cmpstr(set->class_names[0], ==, "bad");
    g_assert_cmpstr(set->class_names[1], ==, "ok");
    g_assert_nonnull(set->given_split);
    for (int i = 0; i < set->count; i++) {
        DataSplitKind expected = strstr(set->sources[i], "/train/") ? DATA_SPLIT_TRAIN
                                 : strstr(set->sources[i], "/val/") ? DATA_SPLIT_VAL
                                                                     : DATA_SPLIT_TEST;
        g_assert_cmpint(set->given_split[i], ==, expected);
        g_assert_cmpint(set->labels[i], ==, strstr(set->sources[i], "/ok/") ? 1 : 0);
    }

    /* The given split overrides the random one. */
    g_autoptr(DataSplit) split = data_split_new(set, 0.25, 1);
    g_assert_cmpint(split->n_train, ==, 6);
    g_assert_cmpint(split->n_val, ==, 4);
    for (int i = 0; i < split->n_val; i++)
        g_assert_nonnull(strstr(set->sources[split->val[i]], "/val/"));
    remove_tree(root);
}

static void
test_imbalance(void)
{
    g_autofree char *root = build_two_classes(7, 2);
    DataFolderReport report = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load(root, 16, DATA_RESIZE_CENTER_CROP, &report, &error);
    g_assert_no_error(error);
    g_assert_nonnull(report.imbalance_warning);
    g_test_message("%s", report.imbalance_warning);
    g_assert_nonnull(strstr(report.imbalance_warning, "'a' has 7 images"));
    g_assert_nonnull(strstr(report.imbalance_warning, "'b' only 2"));
    g_assert_null(report.skipped);
    data_folder_report_clear(&report);
    remove_tree(root);

    g_autofree char *balanced = build_two_classes(6, 2);   /* exactly 3x: fine */
    g_autoptr(DataSet) set2 = load(balanced, 16, DATA_RESIZE_CENTER_CROP, &report, &error);
    g_assert_no_error(error);
    g_assert_null(report.imbalance_warning);
    remove_tree(balanced);
}

static void
test_cancel(void)
{
    g_autofree char *root = build_two_classes(4, 4);
    DataFolderOptions options = data_folder_options_default();
    options.threads = 1;
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GError) error = NULL;

    /* Cancelled by the first progress report: the rest is never decoded. */
    Progress progress = {.cancel_after_first = cancellable};
    g_assert_null(data_folder_load(root, &options, NULL, on_progress, &progress, cancellable,
                                   &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpint(progress.calls, ==, 1);
    g_clear_error(&error);

    /* Already cancelled: nothing starts. */
    Progress none = {0};
    g_assert_null(data_folder_load(root, &options, NULL, on_progress, &none, cancellable,
                                   &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpint(none.calls, ==, 0);
    remove_tree(root);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data/folder/formats-and-bad-files", test_formats_and_bad_files);
    g_test_add_func("/data/folder/resize-modes", test_resize_modes);
    g_test_add_func("/data/folder/fatal-errors", test_fatal_errors);
    g_test_add_func("/data/folder/memory-limit", test_memory_limit);
    g_test_add_func("/data/folder/given-split", test_given_split);
    g_test_add_func("/data/folder/imbalance", test_imbalance);
    g_test_add_func("/data/folder/cancel", test_cancel);
    return g_test_run();
}
