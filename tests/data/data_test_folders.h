/* data_test_folders: writing image folders for the folder loader's tests (test_folder,
 * test_folder_hostile) with GdkPixbuf and by hand, and reading what the loader made of
 * them. Header-only, as data_test_sets.h: each test program is a single .c file. */
#pragma once
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "data_folder.h"

static inline char *
make_dirs(const char *root, const char *sub)
{
    char *dir = g_build_filename(root, sub, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    return dir;
}

static inline gboolean
format_writable(const char *name)
{
    gboolean writable = FALSE;
    GSList *formats = gdk_pixbuf_get_formats();
    for (GSList *l = formats; l != NULL; l = l->next) {
        g_autofree char *format_name = gdk_pixbuf_format_get_name(l->data);
        if (g_strcmp0(format_name, name) == 0)
            writable = gdk_pixbuf_format_is_writable(l->data);
    }
    g_slist_free(formats);
    return writable;
}

/* A w x h image whose pixel (x, y) is color(x, w) (RGBA). */
typedef void (*ColorFunc)(int x, int width, guint8 rgba[4]);

static inline void
save_image(const char *dir, const char *name, const char *format, int w, int h, ColorFunc color)
{
    /* JPEG and BMP have no alpha: those are written opaque. */
    gboolean alpha = g_str_equal(format, "png") || g_str_equal(format, "webp")
                     || g_str_equal(format, "tiff");
    int n_channels = alpha ? 4 : 3;
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new(GDK_COLORSPACE_RGB, alpha, 8, w, h);
    guint8 *px = gdk_pixbuf_get_pixels(pixbuf);
    int stride = gdk_pixbuf_get_rowstride(pixbuf);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            guint8 rgba[4];
            color(x, w, rgba);
            memcpy(px + y * stride + x * n_channels, rgba, n_channels);
        }
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) error = NULL;
    gboolean ok = g_str_equal(format, "jpeg")
                      ? gdk_pixbuf_save(pixbuf, path, format, &error, "quality", "95", NULL)
                      : gdk_pixbuf_save(pixbuf, path, format, &error, NULL);
    g_assert_no_error(error);
    g_assert_true(ok);
}

static inline void red(int x, int w, guint8 c[4])   { c[0] = 255; c[1] = 0; c[2] = 0; c[3] = 255; }
static inline void blue(int x, int w, guint8 c[4])  { c[0] = 0; c[1] = 0; c[2] = 255; c[3] = 255; }
static inline void half_red(int x, int w, guint8 c[4]) { red(x, w, c); c[3] = 128; }
static inline void noise(int x, int w, guint8 c[4])
{
    static guint32 state = 1;   /* only for JPEG bulk: any content will do */
    state = state * 1664525u + 1013904223u;
    c[0] = state >> 24; c[1] = state >> 16; c[2] = x * 255 / w; c[3] = 255;
}
/* Quarters: green, red, blue, green, so each resize mode keeps a different part. */
static inline void bands(int x, int w, guint8 c[4])
{
    int q = x * 4 / w;
    c[0] = q == 1 ? 255 : 0; c[1] = q == 0 || q == 3 ? 255 : 0; c[2] = q == 2 ? 255 : 0;
    c[3] = 255;
}

static inline void
png_chunk(GByteArray *png, const char *type, const guint8 *data, guint32 len)
{
    guint8 header[8] = {len >> 24, len >> 16, len >> 8, len, type[0], type[1], type[2], type[3]};
    g_byte_array_append(png, header, 8);
    if (len > 0)
        g_byte_array_append(png, data, len);
    uLong crc = crc32(0, header + 4, 4);
    if (len > 0)   /* crc32(crc, NULL, 0) would restart at 0 */
        crc = crc32(crc, data, len);
    guint8 tail[4] = {crc >> 24, crc >> 16, crc >> 8, crc};
    g_byte_array_append(png, tail, 4);
}

static inline void
save_bytes(const char *dir, const char *name, const char *bytes, gssize len)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, bytes, len, NULL));
}

static inline void
remove_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        GDir *dir = g_dir_open(path, 0, NULL);
        const char *name;
        while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        if (dir != NULL)
            g_dir_close(dir);
    }
    g_remove(path);
}

static inline char *
make_root(void)
{
    g_autoptr(GError) error = NULL;
    char *root = g_dir_make_tmp("lrlab-folder-XXXXXX", &error);
    g_assert_no_error(error);
    return root;
}

static inline const char *
skipped_reason(const DataFolderReport *report, const char *basename)
{
    for (guint i = 0; report->skipped != NULL && i < report->skipped->len; i++) {
        DataSkippedFile *file = report->skipped->pdata[i];
        g_autofree char *base = g_path_get_basename(file->path);
        if (g_str_equal(base, basename))
            return file->reason;
    }
    return NULL;
}

static inline DataSet *
load(const char *root, int size, DataResizeMode mode, DataFolderReport *report, GError **error)
{
    DataFolderOptions options = data_folder_options_default();
    options.size = size;
    options.resize = mode;
    return data_folder_load(root, &options, report, NULL, NULL, NULL, error);
}

static inline int
find_source(const DataSet *set, const char *basename)
{
    for (int i = 0; i < set->count; i++) {
        g_autofree char *base = g_path_get_basename(set->sources[i]);
        if (g_str_equal(base, basename))
            return i;
    }
    return -1;
}

/* Every pixel of image i is within tolerance of (r, g, b). */
static inline void
assert_solid(const DataSet *set, const char *basename, int r, int g, int b, int tolerance)
{
    int i = find_source(set, basename);
    g_assert_cmpint(i, >=, 0);
    const guint8 *p = data_set_image(set, i);
    int worst = 0;
    for (int k = 0; k < set->height * set->width; k++, p += 3)
        worst = MAX(worst, MAX(ABS(p[0] - r), MAX(ABS(p[1] - g), ABS(p[2] - b))));
    if (worst > tolerance)
        g_error("%s: a pixel is %d levels from (%d,%d,%d)", basename, worst, r, g, b);
}
