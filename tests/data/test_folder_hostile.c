/* test_folder_hostile: a training folder as it comes from the world: images whose header
 * claims 30000x30000 pixels in a few bytes, SVG drawings behind a .png name, files cut
 * short in every format, large photos, links from one class into another, a class that
 * only the validation folder has, names that are not UTF-8. Each is listed with its
 * reason or refused in words, and costs no more memory than its header. */
#include <stdint.h>
#include <sys/resource.h>
#include "data_folder_private.h"
#include "data_test_folders.h"

/* Peak resident memory of this process so far, in bytes. */
static guint64
peak_rss(void)
{
    struct rusage usage;
    g_assert_cmpint(getrusage(RUSAGE_SELF, &usage), ==, 0);
    return (guint64) usage.ru_maxrss * 1024;
}

static void
put_be32(guint8 *p, guint32 v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

/* A PNG that is a header and the start of its pixel data: IHDR declaring w x h RGB, then
 * an IDAT chunk of a few deflate bytes, and no IEND (74 bytes for the case). */
static void
save_png_header(const char *dir, const char *name, guint32 w, guint32 h)
{
    GByteArray *png = g_byte_array_new();
    const guint8 signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    g_byte_array_append(png, signature, 8);
    guint8 ihdr[13] = {0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0};
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    png_chunk(png, "IHDR", ihdr, 13);
    const guint8 idat[] = {0x78, 0x9c, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00, 0x00, 0xc2, 0xa0,
                           0xf7, 0x4f, 0x6d, 0x0e, 0x37, 0xa0, 0x00, 0x00, 0x00, 0x00};
    png_chunk(png, "IDAT", idat, sizeof idat);
    save_bytes(dir, name, (const char *) png->data, png->len);
    g_byte_array_unref(png);
}

/* A WebP that is only its VP8X header declaring w x h (30 bytes). */
static void
save_webp_header(const char *dir, const char *name, guint32 w, guint32 h)
{
    guint8 riff[30] = {'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P',
                       'V', 'P', '8', 'X', 10, 0, 0, 0, 0, 0, 0, 0};
    riff[24] = (w - 1) & 0xff; riff[25] = (w - 1) >> 8; riff[26] = (w - 1) >> 16;
    riff[27] = (h - 1) & 0xff; riff[28] = (h - 1) >> 8; riff[29] = (h - 1) >> 16;
    save_bytes(dir, name, (const char *) riff, sizeof riff);
}

/* A GIF of w x h in four colours, written by hand (GdkPixbuf cannot write GIF): 3-bit
 * LZW codes, a clear code before every two pixels so the code size never grows. */
static GByteArray *
gif_bytes(int w, int h)
{
    GByteArray *gif = g_byte_array_new();
    const guint8 head[] = {'G', 'I', 'F', '8', '9', 'a', w & 0xff, w >> 8, h & 0xff, h >> 8,
                           0x81, 0, 0, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255,
                           0x2c, 0, 0, 0, 0, w & 0xff, w >> 8, h & 0xff, h >> 8, 0, 2};
    g_byte_array_append(gif, head, sizeof head);
    g_autoptr(GByteArray) codes = g_byte_array_new();
    guint32 bits = 0;
    int n_bits = 0;
    for (int i = 0; i <= w * h; i++) {
        int emit[2] = { 4, i < w * h ? (i % w / 8 + i / w / 8) % 4 : 5 };
        for (int k = (i % 2 == 0 || i == w * h) ? 0 : 1; k < 2; k++) {
            bits |= (guint32) emit[k] << n_bits;
            n_bits += 3;
            for (; n_bits >= 8; n_bits -= 8, bits >>= 8)
                g_byte_array_append(codes, (guint8[]) { bits & 0xff }, 1);
        }
    }
    if (n_bits > 0)
        g_byte_array_append(codes, (guint8[]) { bits & 0xff }, 1);
    for (guint i = 0; i < codes->len; i += 255) {
        guint8 n = (guint8) MIN(255, codes->len - i);
        g_byte_array_append(gif, &n, 1);
        g_byte_array_append(gif, codes->data + i, n);
    }
    g_byte_array_append(gif, (const guint8[]) { 0, 0x3b }, 2);
    return gif;
}

/* The first `keep` bytes (from the end when negative) of dir/name as dir/cut_name. */
static void
save_cut(const char *dir, const char *name, const char *cut_name, gssize keep)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
    gsize n = keep >= 0 ? (gsize) keep : len - (gsize) -keep;
    g_assert_cmpuint(n, <, len);
    save_bytes(dir, cut_name, bytes, (gssize) n);
}

static void
assert_skipped(const DataFolderReport *report, const char *basename, const char *fragment)
{
    const char *reason = skipped_reason(report, basename);
    if (reason == NULL)
        g_error("%s was not listed as skipped", basename);
    if (strstr(reason, fragment) == NULL)
        g_error("%s: \"%s\" does not say \"%s\"", basename, reason, fragment);
}

/* A few bytes that claim a giant image are refused from their header: never decoded,
 * never allocated (the SVG once took ~7 GB and 83 s and was then accepted). SVG behind
 * an image name is refused as a drawing whatever size it claims. */
static void
test_giant_headers(void)
{
    g_autofree char *root = make_root();
    g_autofree char *a = make_dirs(root, "a");
    g_autofree char *b = make_dirs(root, "b");
    for (int i = 0; i < 2; i++) {
        g_autofree char *name = g_strdup_printf("ok%d.png", i);
        save_image(a, name, "png", 20, 20, red);
        save_image(b, name, "png", 20, 20, blue);
    }
    save_bytes(a, "big.png", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"30000\" "
                             "height=\"30000\"><rect width=\"30000\" height=\"30000\"/></svg>", -1);
    save_bytes(a, "drawing.jpg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" "
                                 "height=\"16\"/>", -1);
    save_png_header(a, "huge.png", 20000, 20000);
    save_png_header(b, "wide.png", 12000, 9000);   /* 108 MP: just over the limit */
    save_webp_header(b, "huge.webp", 16384, 16384);   /* only a header: no encoder needed */
    /* fuzz_image's find: a 35-byte BMP whose info header claims 2.4 GB, which GdkPixbuf's
     * loader allocated before reading it (fuzz/regressions/fuzz_image/bmp-offset-4gb). */
    const guint8 bmp[] = { 'B', 'M', 0xc6, 0, 0, 0, 0, 0, 0, 1, 0, 0x18, 0, 0, 0, 0, 0, 0x90,
                           0, 0, 0, 0, 0, 0, 0, 0xce, 0, 0, 0, 0x4c, 0x27, 0xfc, 0x02, 0x84,
                           0x5f };
    save_bytes(b, "hostile.bmp", (const char *) bmp, sizeof bmp);

    guint64 before = peak_rss();
    DataFolderReport report = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load(root, 32, DATA_RESIZE_CENTER_CROP, &report, &error);
    g_assert_no_error(error);
    g_assert_cmpint(set->count, ==, 4);
    assert_skipped(&report, "big.png", "not a photo");
    assert_skipped(&report, "big.png", "svg");
    assert_skipped(&report, "drawing.jpg", "not a photo");
    assert_skipped(&report, "huge.png", "too large: 20000x20000 pixels");
    assert_skipped(&report, "wide.png", "too large: 12000x9000");
    assert_skipped(&report, "huge.webp", "too large: 16384x16384");
    assert_skipped(&report, "hostile.bmp", "shorter than its header says");
    /* Headers cost no pixels: far below one of those images (1.2 GB for huge.png). */
    g_test_message("peak RSS %.1f MB, before the load %.1f MB", peak_rss() / 1e6, before / 1e6);
    g_assert_cmpuint(peak_rss(), <, before + (100u << 20));
    data_folder_report_clear(&report);
    remove_tree(root);
}

/* The size every taken format's header declares, read without a decoder (a decoder
 * may allocate it before anyone can refuse it). */
static void
test_declared_sizes(void)
{
    g_autofree char *dir = make_root();
    const char *formats[] = { "png", "jpeg", "bmp", "tiff", "webp" };
    for (guint f = 0; f < G_N_ELEMENTS(formats); f++) {
        if (!format_writable(formats[f]))
            continue;
        g_autofree char *name = g_strdup_printf("x.%s", formats[f]);
        save_image(dir, name, formats[f], 37, 23, noise);
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *bytes = NULL;
        gsize len;
        g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
        guint32 w = 0, h = 0;
        g_assert_true(data_folder_format_sniff((const guint8 *) bytes, len, &w, &h) != NULL);
        g_test_message("%s: %ux%u", formats[f], w, h);
        g_assert_cmpuint(w, ==, 37);
        g_assert_cmpuint(h, ==, 23);
    }
    g_autoptr(GByteArray) gif = gif_bytes(40, 30);
    guint32 w = 0, h = 0;
    g_assert_true(data_folder_format_sniff(gif->data, gif->len, &w, &h) != NULL);
    g_assert_cmpuint(w, ==, 40);
    g_assert_cmpuint(h, ==, 30);
    g_assert_false(data_folder_format_sniff((const guint8 *) "<svg/>", 6, &w, &h) != NULL);
    remove_tree(dir);
}

/* A photo far larger than the network's input decodes small, with the same content: a
 * crop of the middle, the colours where they belong. */
static void
test_large_photos(void)
{
    g_autofree char *root = make_root();
    g_autofree char *a = make_dirs(root, "a");
    g_autofree char *b = make_dirs(root, "b");
    save_image(a, "bands.png", "png", 2400, 1200, bands);   /* green|red|blue|green */
    save_image(b, "red.jpg", "jpeg", 4000, 3000, red);      /* a 12 MP photo */

    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load(root, 16, DATA_RESIZE_CENTER_CROP, NULL, &error);
    g_assert_no_error(error);
    int bands_i = find_source(set, "bands.png");
    for (int y = 0; y < 16; y += 5) {
        const guint8 *left = data_set_image(set, bands_i) + (y * 16 + 2) * 3;
        const guint8 *right = data_set_image(set, bands_i) + (y * 16 + 13) * 3;
        g_assert_cmpint(left[0], >, 240);   /* red, then blue: the middle square */
        g_assert_cmpint(left[1] + left[2], <, 16);
        g_assert_cmpint(right[2], >, 240);
        g_assert_cmpint(right[0] + right[1], <, 16);
    }
    assert_solid(set, "red.jpg", 255, 0, 0, 12);

    g_autoptr(DataSet) box = load(root, 16, DATA_RESIZE_LETTERBOX, NULL, &error);
    g_assert_no_error(error);
    const guint8 *top = data_set_image(box, find_source(box, "bands.png")) + 8 * 3;
    g_assert_cmpint(top[0] + top[1] + top[2], ==, 0);   /* 2:1 -> rows 4..11, black above */
    remove_tree(root);
}

/* A cut file in any format is listed as skipped with the reason; before, PNG, WebP and
 * BMP decoders returned the rows they had and a half-black image was trained on. */
static void
test_truncated_formats(void)
{
    g_autofree char *root = make_root();
    g_autofree char *a = make_dirs(root, "a");
    g_autofree char *b = make_dirs(root, "b");
    save_image(b, "ok.png", "png", 20, 20, blue);
    const char *formats[] = { "png", "jpeg", "bmp", "tiff", "webp" };
    int n_whole = 0;
    for (guint f = 0; f < G_N_ELEMENTS(formats); f++) {
        if (!format_writable(formats[f])) {
            g_test_message("%s is not writable here: skipping it", formats[f]);
            continue;
        }
        g_autofree char *whole = g_strdup_printf("whole.%s", formats[f]);
        g_autofree char *half = g_strdup_printf("half.%s", formats[f]);
        g_autofree char *short200 = g_strdup_printf("cut200.%s", formats[f]);
        save_image(a, whole, formats[f], 96, 64, noise);
        save_cut(a, whole, half, -1);   /* one byte short */
        save_cut(a, whole, short200, 200);
        n_whole++;
    }
    g_autoptr(GByteArray) gif = gif_bytes(40, 30);
    save_bytes(a, "whole.gif", (const char *) gif->data, gif->len);
    save_bytes(a, "half.gif", (const char *) gif->data, gif->len / 2);
    save_bytes(a, "cut200.gif", (const char *) gif->data, 200);
    n_whole++;

    DataFolderReport report = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load(root, 16, DATA_RESIZE_CENTER_CROP, &report, &error);
    g_assert_no_error(error);
    g_assert_cmpint(set->count, ==, n_whole + 1);
    for (guint f = 0; f <= G_N_ELEMENTS(formats); f++) {
        const char *ext = f < G_N_ELEMENTS(formats) ? formats[f] : "gif";
        if (f < G_N_ELEMENTS(formats) && !format_writable(ext))
            continue;
        g_autofree char *whole = g_strdup_printf("whole.%s", ext);
        g_autofree char *half = g_strdup_printf("half.%s", ext);
        g_autofree char *short200 = g_strdup_printf("cut200.%s", ext);
        g_assert_cmpint(find_source(set, whole), >=, 0);
        g_test_message("%s: %s", half, skipped_reason(&report, half));
        assert_skipped(&report, half, "truncated");
        assert_skipped(&report, short200, "truncated");
    }
    g_assert_cmpuint(report.skipped->len, ==, 2 * n_whole);
    data_folder_report_clear(&report);
    remove_tree(root);
}

/* Two classes of n images each, a red, b blue; returns the root. */
static char *
two_classes(int n)
{
    char *root = make_root();
    g_autofree char *a = make_dirs(root, "a");
    g_autofree char *b = make_dirs(root, "b");
    for (int i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("%d.png", i);
        save_image(a, name, "png", 12, 12, red);
        save_image(b, name, "png", 12, 12, blue);
    }
    return root;
}

/* Loads root expecting INVALID_DATA with every fragment in the message. */
static void
assert_refused(const char *root, const char *const *fragments)
{
    g_autoptr(GError) error = NULL;
    DataFolderReport report = {0};
    g_assert_null(load(root, 16, DATA_RESIZE_CENTER_CROP, &report, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_test_message("%s", error->message);
    for (int i = 0; fragments[i] != NULL; i++)
        if (strstr(error->message, fragments[i]) == NULL)
            g_error("\"%s\" lacks \"%s\"", error->message, fragments[i]);
    data_folder_report_clear(&report);
}

/* Links are followed, but a file that one class reaches inside another cannot have two
 * labels: both copies are refused, each naming the other (before, b's image trained as
 * a's too). A class folder that is a link to another class, or a link in one class to
 * another's folder, is said to be one (before: "has no images", or b relabelled a). */
static void
test_links_between_classes(void)
{
    g_autofree char *root = two_classes(3);
    g_autofree char *target = g_build_filename(root, "b", "1.png", NULL);
    g_autofree char *link = g_build_filename(root, "a", "from-b.png", NULL);
    g_assert_cmpint(symlink(target, link), ==, 0);
    DataFolderReport report = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load(root, 16, DATA_RESIZE_CENTER_CROP, &report, &error);
    g_assert_no_error(error);
    g_assert_cmpint(set->count, ==, 5);
    assert_skipped(&report, "from-b.png", "in two classes");
    assert_skipped(&report, "from-b.png", "in class 'b'");
    assert_skipped(&report, "1.png", "in class 'a'");
    g_assert_cmpuint(report.skipped->len, ==, 2);
    for (int i = 0; i < set->count; i++)
        g_assert_cmpint(set->labels[i], ==, strstr(set->sources[i], "/a/") ? 0 : 1);
    data_folder_report_clear(&report);
    remove_tree(root);

    /* Class b is a link to class a. */
    g_autofree char *linked = make_root();
    g_autofree char *a = make_dirs(linked, "a");
    for (int i = 0; i < 3; i++) {
        g_autofree char *name = g_strdup_printf("%d.png", i);
        save_image(a, name, "png", 12, 12, red);
    }
    g_autofree char *b = g_build_filename(linked, "b", NULL);
    g_assert_cmpint(symlink(a, b), ==, 0);
    assert_refused(linked, (const char *const[]) { "Every image of class 'a' (3)",
                                                   "also in class 'b'", NULL });
    remove_tree(linked);

    /* A link inside a to the whole of b. */
    g_autofree char *into = two_classes(2);
    g_autofree char *b_dir = g_build_filename(into, "b", NULL);
    g_autofree char *more = g_build_filename(into, "a", "more", NULL);
    g_assert_cmpint(symlink(b_dir, more), ==, 0);
    assert_refused(into, (const char *const[]) { "Every image of class 'b' (2)",
                                                 "also in class 'a'", NULL });
    remove_tree(into);
}

/* train/ and val/ folders: a class that only val/ (or test/) has can never be learnt;
 * before, it trained to 0% without a word. */
static void
test_class_only_in_val(void)
{
    g_autofree char *root = make_root();
    const char *dirs[] = { "train/a", "train/b", "val/a", "val/b", "val/c" };
    for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *dir = make_dirs(root, dirs[i]);
        save_image(dir, "0.png", "png", 12, 12, red);
        save_image(dir, "1.png", "png", 12, 12, blue);
    }
    g_autofree char *train_c = g_build_filename(root, "train", "c", NULL);
    assert_refused(root, (const char *const[]) { "Class 'c' has 2 images in",
                                                 "none in train/", train_c, NULL });

    /* Its training images exist but none decodes: the same, said after decoding. */
    g_autofree char *c = make_dirs(root, "train/c");
    save_bytes(c, "broken.png", "not a picture", -1);
    assert_refused(root, (const char *const[]) { "Class 'c' has 2 images in",
                                                 "no readable one in train/", NULL });
    remove_tree(root);
}

/* Folder and file names are bytes, not text: a Latin-1 name loads, and the source keeps
 * its bytes. */
static void
test_names_not_utf8(void)
{
    g_autofree char *root = make_root();
    g_autofree char *a = make_dirs(root, "caf\xe9");
    g_autofree char *b = make_dirs(root, "b");
    save_image(a, "\xe9t\xe9.png", "png", 12, 12, red);
    save_image(b, "0.png", "png", 12, 12, blue);
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load(root, 16, DATA_RESIZE_CENTER_CROP, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(set->count, ==, 2);
    g_assert_cmpstr(set->class_names[1], ==, "caf\xe9");   /* bytewise after "b" */
    g_assert_true(g_str_has_suffix(set->sources[1], "/caf\xe9/\xe9t\xe9.png"));
    assert_solid(set, "\xe9t\xe9.png", 255, 0, 0, 0);
    remove_tree(root);
}

/* What is said of files and folders whose names are not UTF-8 is text all the same: the
 * skip reasons and the refusals name them in UTF-8 (g_filename_display_name), while the
 * report keeps each path's own bytes (found above by their Latin-1 names). */
static void
test_messages_of_names_not_utf8(void)
{
    g_autofree char *root = two_classes(2);
    g_autofree char *latin = make_dirs(root, "caf\xe9");
    g_autofree char *a = g_build_filename(root, "a", NULL);
    save_bytes(a, "\xe9t\xe9.png", "not a picture", -1);
    /* A link from a into the Latin-1 class: its reason names the other copy's path. */
    save_image(latin, "0.png", "png", 12, 12, red);
    save_image(latin, "1.png", "png", 12, 12, red);
    g_autofree char *target = g_build_filename(latin, "0.png", NULL);
    g_autofree char *link = g_build_filename(a, "from-caf\xe9.png", NULL);
    g_assert_cmpint(symlink(target, link), ==, 0);

    DataFolderReport report = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load(root, 16, DATA_RESIZE_CENTER_CROP, &report, &error);
    g_assert_no_error(error);
    assert_skipped(&report, "\xe9t\xe9.png", "not an image");
    assert_skipped(&report, "from-caf\xe9.png", "in two classes");
    for (guint i = 0; i < report.skipped->len; i++) {
        const DataSkippedFile *f = report.skipped->pdata[i];
        if (!g_utf8_validate(f->reason, -1, NULL))
            g_error("the reason for %s is not UTF-8: %s", f->path, f->reason);
    }
    g_assert_nonnull(strstr(skipped_reason(&report, "from-caf\xe9.png"), "caf\xef\xbf\xbd"));
    data_folder_report_clear(&report);

    /* A refusal naming a Latin-1 root and class: only one class folder. */
    g_autofree char *parent = make_root();
    g_autofree char *lone = make_dirs(parent, "m\xfcll");
    g_autofree char *lone_class = make_dirs(lone, "caf\xe9");
    save_bytes(lone_class, "\xe9t\xe9.png", "not a picture", -1);
    g_autoptr(GError) refused = NULL;
    g_assert_null(load(lone, 16, DATA_RESIZE_CENTER_CROP, NULL, &refused));
    g_assert_nonnull(refused);
    g_test_message("%s", refused->message);
    g_assert_true(g_utf8_validate(refused->message, -1, NULL));
    g_assert_nonnull(strstr(refused->message, "Only one class folder"));
    remove_tree(parent);
    remove_tree(root);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data/folder-hostile/giant-headers", test_giant_headers);
    g_test_add_func("/data/folder-hostile/declared-sizes", test_declared_sizes);
    g_test_add_func("/data/folder-hostile/large-photos", test_large_photos);
    g_test_add_func("/data/folder-hostile/truncated-formats", test_truncated_formats);
    g_test_add_func("/data/folder-hostile/links-between-classes", test_links_between_classes);
    g_test_add_func("/data/folder-hostile/class-only-in-val", test_class_only_in_val);
    g_test_add_func("/data/folder-hostile/names-not-utf8", test_names_not_utf8);
    g_test_add_func("/data/folder-hostile/messages-of-names-not-utf8", test_messages_of_names_not_utf8);
    return g_test_run();
}
