/* data_folder: loads a user's image folder (ImageFolder layout, or train/val/test
 * folders) into a DataSet. Scans first so that every fatal problem (no classes, an empty
 * class, too much memory) is reported before any decoding, then decodes on every core. */
#include "data_folder.h"
#include <string.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#define MAX_DEPTH 16   /* folders inside a class folder */

static const char *const image_extensions[] = {
    ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", NULL,
};
#define EXTENSION_LIST ".png/.jpg/.jpeg/.bmp/.tif/.tiff/.webp"

typedef struct {
    char *path;
    int label;
    DataSplitKind split;
    gboolean ok;        /* set by the decoder */
    char *reason;       /* set by the decoder when !ok */
} Candidate;

typedef struct {
    const DataFolderOptions *options;
    Candidate *candidates;
    int n;
    DataSet *staging;                 /* (n) images, decoded in place */
    int next;                         /* atomic: next candidate to decode */
    GMutex progress_mutex;            /* one report at a time, done never going back */
    int done;                         /* under progress_mutex */
    DataProgressFunc progress;
    gpointer progress_data;
    GCancellable *cancellable;
} DecodeJob;

DataFolderOptions
data_folder_options_default(void)
{
    DataFolderOptions options = {
        .size = 64, .resize = DATA_RESIZE_CENTER_CROP, .memory_limit = 0, .threads = 0,
    };
    return options;
}

static void
skipped_file_free(gpointer data)
{
    DataSkippedFile *file = data;
    g_free(file->path);
    g_free(file->reason);
    g_free(file);
}

void
data_folder_report_clear(DataFolderReport *report)
{
    g_return_if_fail(report != NULL);
    g_clear_pointer(&report->skipped, g_ptr_array_unref);
    g_clear_pointer(&report->imbalance_warning, g_free);
}

static void
report_skip(GPtrArray *skipped, const char *path, char *reason /* owned */)
{
    DataSkippedFile *file = g_new(DataSkippedFile, 1);
    file->path = g_strdup(path);
    file->reason = reason;
    g_ptr_array_add(skipped, file);
}

static int
compare_skipped(gconstpointer a, gconstpointer b)
{
    const DataSkippedFile *x = *(DataSkippedFile *const *) a;
    const DataSkippedFile *y = *(DataSkippedFile *const *) b;
    return strcmp(x->path, y->path);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static gboolean
has_image_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL)
        return FALSE;
    for (int i = 0; image_extensions[i] != NULL; i++)
        if (g_ascii_strcasecmp(dot, image_extensions[i]) == 0)
            return TRUE;
    return FALSE;
}

/* Files a file manager or an OS leaves behind: never the user's data, never worth a line
 * in the skipped list. */
static gboolean
is_ignored_name(const char *name)
{
    return name[0] == '.' || g_ascii_strcasecmp(name, "Thumbs.db") == 0
           || g_ascii_strcasecmp(name, "desktop.ini") == 0;
}

static DataSplitKind
split_kind_from_name(const char *name)
{
    if (g_ascii_strcasecmp(name, "train") == 0)
        return DATA_SPLIT_TRAIN;
    if (g_ascii_strcasecmp(name, "val") == 0 || g_ascii_strcasecmp(name, "valid") == 0
        || g_ascii_strcasecmp(name, "validation") == 0)
        return DATA_SPLIT_VAL;
    if (g_ascii_strcasecmp(name, "test") == 0)
        return DATA_SPLIT_TEST;
    return DATA_SPLIT_NONE;
}

/* The non-hidden sub-folders of dir, sorted; counts its image files in *n_images. */
static GPtrArray *
list_subfolders(const char *dir, int *n_images, GError **error)
{
    GDir *d = g_dir_open(dir, 0, error);
    if (d == NULL)
        return NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    if (n_images != NULL)
        *n_images = 0;
    while ((name = g_dir_read_name(d)) != NULL) {
        if (is_ignored_name(name))
            continue;
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(names, g_strdup(name));
        else if (n_images != NULL && has_image_extension(name))
            (*n_images)++;
    }
    g_dir_close(d);
    g_ptr_array_sort(names, compare_strings);
    return names;
}

/* Appends dir's image files (recursively, sorted by path) to files; lists the rest.
 * visited holds the folders already read ("device:inode"), so a link back up the tree
 * (class/all -> class) does not load every image again at each level. */
static void
collect_files(const char *dir, int depth, GHashTable *visited, GPtrArray *files,
              GPtrArray *skipped)
{
    GStatBuf dir_st;
    if (g_stat(dir, &dir_st) == 0) {
        char *key = g_strdup_printf("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                                    (guint64) dir_st.st_dev, (guint64) dir_st.st_ino);
        if (!g_hash_table_add(visited, key))
            return;
    }
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL) {
        report_skip(skipped, dir, g_strdup("folder could not be read"));
        return;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        if (!is_ignored_name(name))
            g_ptr_array_add(names, g_strdup(name));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_strings);

    for (guint i = 0; i < names->len; i++) {
        const char *entry = names->pdata[i];
        char *path = g_build_filename(dir, entry, NULL);
        GStatBuf st;
        if (g_stat(path, &st) != 0) {
            report_skip(skipped, path, g_strdup("unreadable: broken link or no permission"));
            g_free(path);
        } else if (S_ISDIR(st.st_mode)) {
            if (depth < MAX_DEPTH)
                collect_files(path, depth + 1, visited, files, skipped);
            g_free(path);
        } else if (!has_image_extension(entry)) {
            report_skip(skipped, path,
                        g_strdup("not an image file: only " EXTENSION_LIST " files are loaded"));
            g_free(path);
        } else if (st.st_size == 0) {
            report_skip(skipped, path, g_strdup("empty file (0 bytes)"));
            g_free(path);
        } else {
            g_ptr_array_add(files, path);
        }
    }
    g_ptr_array_unref(names);
}

/* A JPEG that ends early still decodes (libjpeg pads it with grey and only warns), so
 * truncation is detected here: the end-of-image marker FF D9 must follow the last
 * start-of-scan marker FF DA. Neither can occur inside entropy-coded data (FF is
 * stuffed as FF 00), and an EXIF thumbnail's markers come before the image's own scans. */
static gboolean
jpeg_is_complete(const guint8 *data, gsize len)
{
    gssize last_sos = -1;
    for (gsize i = 0; i + 1 < len; i++)
        if (data[i] == 0xFF && data[i + 1] == 0xDA)
            last_sos = (gssize) i;
    if (last_sos < 0)
        return FALSE;
    for (gsize i = (gsize) last_sos + 2; i + 1 < len; i++)
        if (data[i] == 0xFF && data[i + 1] == 0xD9)
            return TRUE;
    return FALSE;
}

/* An 8-bit RGB copy of pixbuf (which has any channels), alpha composited over black. */
static GdkPixbuf *
flatten_to_rgb(GdkPixbuf *pixbuf)
{
    int n_channels = gdk_pixbuf_get_n_channels(pixbuf);
    gboolean alpha = gdk_pixbuf_get_has_alpha(pixbuf);
    if (n_channels == 3 && !alpha)
        return g_object_ref(pixbuf);

    int w = gdk_pixbuf_get_width(pixbuf), h = gdk_pixbuf_get_height(pixbuf);
    GdkPixbuf *rgb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, w, h);
    if (rgb == NULL)
        return NULL;
    const guint8 *src = gdk_pixbuf_read_pixels(pixbuf);
    guint8 *dst = gdk_pixbuf_get_pixels(rgb);
    int src_stride = gdk_pixbuf_get_rowstride(pixbuf), dst_stride = gdk_pixbuf_get_rowstride(rgb);
    for (int y = 0; y < h; y++) {
        const guint8 *s = src + (gsize) y * src_stride;
        guint8 *d = dst + (gsize) y * dst_stride;
        for (int x = 0; x < w; x++, s += n_channels, d += 3) {
            int a = alpha ? s[n_channels - 1] : 255;
            for (int ch = 0; ch < 3; ch++)
                d[ch] = (guint8) ((s[ch] * a + 127) / 255);
        }
    }
    return rgb;
}

/* Copies pixbuf (RGB, 8-bit) into dst (size, size, 3) at (x0, y0). */
static void
paste(guint8 *dst, int size, GdkPixbuf *pixbuf, int x0, int y0)
{
    int w = gdk_pixbuf_get_width(pixbuf), h = gdk_pixbuf_get_height(pixbuf);
    int stride = gdk_pixbuf_get_rowstride(pixbuf);
    const guint8 *src = gdk_pixbuf_read_pixels(pixbuf);
    for (int y = 0; y < h; y++)
        memcpy(dst + ((gsize) (y0 + y) * size + x0) * 3, src + (gsize) y * stride, (gsize) w * 3);
}

/* Resizes rgb into dst (size, size, 3). GDK_INTERP_BILINEAR integrates over each output
 * pixel's footprint when reducing (a box filter), so big downscales do not alias. */
static gboolean
resize_into(guint8 *dst, int size, DataResizeMode mode, GdkPixbuf *rgb)
{
    int w = gdk_pixbuf_get_width(rgb), h = gdk_pixbuf_get_height(rgb);
    g_autoptr(GdkPixbuf) scaled = NULL;

    switch (mode) {
    case DATA_RESIZE_SQUASH:
        scaled = gdk_pixbuf_scale_simple(rgb, size, size, GDK_INTERP_BILINEAR);
        break;
    case DATA_RESIZE_LETTERBOX: {
        int sw = w >= h ? size : MAX(1, (int) ((double) w * size / h + 0.5));
        int sh = h >= w ? size : MAX(1, (int) ((double) h * size / w + 0.5));
        scaled = gdk_pixbuf_scale_simple(rgb, sw, sh, GDK_INTERP_BILINEAR);
        if (scaled == NULL)
            return FALSE;
        memset(dst, 0, (gsize) size * size * 3);
        paste(dst, size, scaled, (size - sw) / 2, (size - sh) / 2);
        return TRUE;
    }
    case DATA_RESIZE_CENTER_CROP:
    default: {
        int side = MIN(w, h);
        g_autoptr(GdkPixbuf) crop = gdk_pixbuf_new_subpixbuf(rgb, (w - side) / 2,
                                                             (h - side) / 2, side, side);
        scaled = gdk_pixbuf_scale_simple(crop, size, size, GDK_INTERP_BILINEAR);
        break;
    }
    }
    if (scaled == NULL)
        return FALSE;
    paste(dst, size, scaled, 0, 0);
    return TRUE;
}

/* Decodes path into dst (size, size, 3); on failure returns the reason for the list. */
static char *
decode_file(const char *path, const DataFolderOptions *options, guint8 *dst)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;

    if (!g_file_get_contents(path, &data, &len, &error))
        return g_strdup_printf("unreadable: %s", error->message);
    if (len == 0)
        return g_strdup("empty file (0 bytes)");

    g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new();
    gboolean ok = gdk_pixbuf_loader_write(loader, (const guchar *) data, len, &error);
    /* Always close: a loader finalised unclosed warns; the first error is the one kept. */
    ok = gdk_pixbuf_loader_close(loader, ok ? &error : NULL) && ok;
    if (!ok) {
        if (g_error_matches(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE))
            return g_strdup("not an image: the contents are in no format GdkPixbuf knows");
        return g_strdup_printf("corrupt or truncated: %s",
                               error != NULL ? error->message : "the decoder gave up");
    }
    GdkPixbuf *pixbuf = gdk_pixbuf_loader_get_pixbuf(loader);
    if (pixbuf == NULL)
        return g_strdup("corrupt or truncated: no picture in the file");

    GdkPixbufFormat *format = gdk_pixbuf_loader_get_format(loader);
    g_autofree char *format_name = format != NULL ? gdk_pixbuf_format_get_name(format) : NULL;
    if (g_strcmp0(format_name, "jpeg") == 0 && !jpeg_is_complete((const guint8 *) data, len))
        return g_strdup("truncated: the JPEG data ends before its end-of-image marker");

    g_autoptr(GdkPixbuf) oriented = gdk_pixbuf_apply_embedded_orientation(pixbuf);
    g_autoptr(GdkPixbuf) rgb = oriented != NULL ? flatten_to_rgb(oriented) : NULL;
    if (rgb == NULL || !resize_into(dst, options->size, options->resize, rgb))
        return g_strdup("out of memory while converting");
    return NULL;
}

static gpointer
decode_worker(gpointer data)
{
    DecodeJob *job = data;
    for (;;) {
        if (g_cancellable_is_cancelled(job->cancellable))
            break;
        int i = g_atomic_int_add(&job->next, 1);
        if (i >= job->n)
            break;
        Candidate *c = &job->candidates[i];
        c->reason = decode_file(c->path, job->options, data_set_image(job->staging, i));
        c->ok = c->reason == NULL;
        g_mutex_lock(&job->progress_mutex);
        job->done++;
        if (job->progress != NULL)
            job->progress(job->done, job->n, job->progress_data);
        g_mutex_unlock(&job->progress_mutex);
    }
    return NULL;
}

static void
decode_all(DecodeJob *job, int threads)
{
    g_mutex_init(&job->progress_mutex);
    GThread **workers = g_new(GThread *, threads);
    for (int t = 0; t < threads; t++)
        workers[t] = g_thread_new("data-folder", decode_worker, job);
    for (int t = 0; t < threads; t++)
        g_thread_join(workers[t]);
    g_free(workers);
    g_mutex_clear(&job->progress_mutex);
}

/* Describes where a class's images were looked for, for error messages. */
static char *
class_folders_text(const char *root, GPtrArray *split_dirs, const char *class_name)
{
    if (split_dirs == NULL)
        return g_build_filename(root, class_name, NULL);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < split_dirs->len; i++) {
        g_autofree char *path = g_build_filename(root, split_dirs->pdata[i], class_name, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_DIR))
            continue;
        g_string_append_printf(s, "%s%s", s->len > 0 ? " and " : "", path);
    }
    return g_string_free(s, FALSE);
}

static char *
imbalance_warning(const DataSet *set)
{
    int *counts = g_new0(int, set->num_classes);
    data_set_class_counts(set, counts);
    int lo = 0, hi = 0;
    for (int c = 1; c < set->num_classes; c++) {
        if (counts[c] < counts[lo])
            lo = c;
        if (counts[c] > counts[hi])
            hi = c;
    }
    char *text = NULL;
    /* 3x: beyond it, always answering the big class already scores 75% on two classes. */
    if (counts[lo] > 0 && counts[hi] > 3 * counts[lo])
        text = g_strdup_printf("The classes are imbalanced: class '%s' has %d images, '%s' "
                               "only %d (%.1fx fewer). Accuracy can look good while the "
                               "model ignores '%s'; add images of it or watch its accuracy.",
                               set->class_names[hi], counts[hi], set->class_names[lo],
                               counts[lo], (double) counts[hi] / counts[lo],
                               set->class_names[lo]);
    g_free(counts);
    return text;
}

DataSet *
data_folder_load(const char *root, const DataFolderOptions *options, DataFolderReport *report,
                 DataProgressFunc progress, gpointer progress_data, GCancellable *cancellable,
                 GError **error)
{
    g_return_val_if_fail(root != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    DataFolderOptions defaults = data_folder_options_default();
    if (options == NULL)
        options = &defaults;
    if (options->size < 8 || options->size > 2048) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Image size %d is out of range: choose a size from 8 to 2048 pixels.",
                    options->size);
        return NULL;
    }

    DataFolderReport local_report = {0};
    if (report == NULL)
        report = &local_report;
    data_folder_report_clear(report);
    report->skipped = g_ptr_array_new_with_free_func(skipped_file_free);

    DataSet *result = NULL;
    GPtrArray *top = NULL, *split_dirs = NULL, *class_names = NULL;
    GArray *candidates = g_array_new(FALSE, TRUE, sizeof(Candidate));
    DataSet *staging = NULL;
    int *per_class = NULL;
    GHashTable *visited = NULL;   /* folders already read, see collect_files() */
    g_autoptr(GError) local_error = NULL;

    /* 1. The root and its layout. */
    if (!g_file_test(root, G_FILE_TEST_EXISTS)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "The folder %s does not exist. Choose a folder that holds one sub-folder "
                    "of images per class.", root);
        goto out;
    }
    if (!g_file_test(root, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                    "%s is a file, not a folder. Choose the folder that holds one sub-folder "
                    "of images per class.", root);
        goto out;
    }
    int loose_images = 0;
    top = list_subfolders(root, &loose_images, &local_error);
    if (top == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "The folder %s cannot be read: %s.", root, local_error->message);
        goto out;
    }

    int n_split_named = 0, train_dir = -1;
    for (guint i = 0; i < top->len; i++) {
        DataSplitKind kind = split_kind_from_name(top->pdata[i]);
        n_split_named += kind != DATA_SPLIT_NONE;
        if (kind == DATA_SPLIT_TRAIN)
            train_dir = (int) i;
    }
    if (n_split_named > 0 && (n_split_named < (int) top->len || train_dir < 0)) {
        g_autofree char *listing = NULL;
        g_ptr_array_add(top, NULL);
        listing = g_strjoinv("', '", (char **) top->pdata);
        g_ptr_array_remove_index(top, top->len - 1);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    train_dir < 0
                        ? "%s has the folders '%s': split folders (val, test) without a train "
                          "folder. Use either %s/<class>/ or %s/train/<class>/ (with optional "
                          "val/ and test/ beside train/)."
                        : "%s mixes split folders (train, val, test) with other folders: '%s'. "
                          "Use either %s/<class>/ or %s/train/<class>/ (with optional val/ and "
                          "test/ beside train/).",
                    root, listing, root, root);
        goto out;
    }

    if (n_split_named > 0) {
        /* Classes are the union of the class folders of every split. */
        split_dirs = top;
        top = NULL;
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < split_dirs->len; i++) {
            g_autofree char *dir = g_build_filename(root, split_dirs->pdata[i], NULL);
            GPtrArray *names = list_subfolders(dir, NULL, NULL);
            for (guint j = 0; names != NULL && j < names->len; j++)
                if (!g_hash_table_contains(seen, names->pdata[j]))
                    g_hash_table_add(seen, g_strdup(names->pdata[j]));
            if (names != NULL)
                g_ptr_array_unref(names);
        }
        class_names = g_ptr_array_new_with_free_func(g_free);
        GHashTableIter iter;
        gpointer key;
        g_hash_table_iter_init(&iter, seen);
        while (g_hash_table_iter_next(&iter, &key, NULL))
            g_ptr_array_add(class_names, g_strdup(key));
        g_ptr_array_sort(class_names, compare_strings);
    } else {
        class_names = top;
        top = NULL;
    }

    int n_classes = (int) class_names->len;
    if (n_classes == 0) {
        const char *where = split_dirs != NULL ? "/train" : "";
        if (loose_images > 0)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "%s holds %d images but no class folders. Put each class's images in "
                        "its own sub-folder: %s%s/<class>/image.png.",
                        root, loose_images, root, where);
        else
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "No class folders in %s. Put each class's images in its own "
                        "sub-folder: %s%s/<class>/image.png.", root, root, where);
        goto out;
    }
    if (n_classes == 1) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "Only one class folder ('%s') in %s. A classifier needs at least two "
                    "classes: add a folder of images for each, e.g. %s/good and %s/defect.",
                    (char *) class_names->pdata[0], root, root, root);
        goto out;
    }

    /* 2. Every candidate file, by split, class, path. */
    per_class = g_new0(int, n_classes);
    visited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    int n_splits = split_dirs != NULL ? (int) split_dirs->len : 1;
    for (int s = 0; s < n_splits; s++) {
        DataSplitKind kind = split_dirs != NULL ? split_kind_from_name(split_dirs->pdata[s])
                                                : DATA_SPLIT_NONE;
        for (int c = 0; c < n_classes; c++) {
            g_autofree char *dir =
                split_dirs != NULL
                    ? g_build_filename(root, split_dirs->pdata[s], class_names->pdata[c], NULL)
                    : g_build_filename(root, class_names->pdata[c], NULL);
            if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
                continue;
            GPtrArray *files = g_ptr_array_new();
            collect_files(dir, 0, visited, files, report->skipped);
            for (guint k = 0; k < files->len; k++) {
                Candidate cand = { .path = files->pdata[k], .label = c, .split = kind };
                g_array_append_val(candidates, cand);
            }
            per_class[c] += (int) files->len;
            g_ptr_array_unref(files);
        }
        if (g_cancellable_set_error_if_cancelled(cancellable, error))
            goto out;
    }
    for (int c = 0; c < n_classes; c++) {
        if (per_class[c] > 0)
            continue;
        g_autofree char *where = class_folders_text(root, split_dirs, class_names->pdata[c]);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "Class folder '%s' has no images. Put " EXTENSION_LIST " files in %s or "
                    "remove the folder.", (char *) class_names->pdata[c], where);
        goto out;
    }

    /* 3. Memory, before decoding anything. */
    int n = (int) candidates->len;
    gsize image_bytes = (gsize) options->size * options->size * 3;
    guint64 need = (guint64) n * image_bytes;
    if (options->memory_limit > 0 && need > options->memory_limit) {
        g_autofree char *need_text = g_format_size(need);
        g_autofree char *limit_text = g_format_size(options->memory_limit);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                    "%s has %d images: at %dx%d they need %s (%" G_GUINT64_FORMAT " bytes) of "
                    "memory, more than the limit of %s (%" G_GUINT64_FORMAT " bytes). Choose a "
                    "smaller image size or use fewer images.", root, n, options->size,
                    options->size, need_text, need, limit_text, (guint64) options->memory_limit);
        goto out;
    }

    /* 4. Decode on every core, each image straight into its slot of a staging set. */
    staging = data_set_new(n, options->size, options->size, n_classes);
    DecodeJob job = {
        .options = options, .candidates = (Candidate *) candidates->data, .n = n,
        .staging = staging, .progress = progress, .progress_data = progress_data,
        .cancellable = cancellable,
    };
    int threads = options->threads > 0 ? options->threads : (int) g_get_num_processors();
    decode_all(&job, CLAMP(threads, 1, MAX(n, 1)));
    if (g_cancellable_set_error_if_cancelled(cancellable, error))
        goto out;

    int n_ok = 0;
    memset(per_class, 0, sizeof(int) * n_classes);
    for (int i = 0; i < n; i++) {
        Candidate *c = &g_array_index(candidates, Candidate, i);
        if (c->ok) {
            n_ok++;
            per_class[c->label]++;
        } else {
            report_skip(report->skipped, c->path, g_steal_pointer(&c->reason));
        }
    }
    g_ptr_array_sort(report->skipped, compare_skipped);
    for (int c = 0; c < n_classes; c++) {
        if (per_class[c] > 0)
            continue;
        g_autofree char *where = class_folders_text(root, split_dirs, class_names->pdata[c]);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "No image of class '%s' could be read (see the skipped files). Replace "
                    "the broken files in %s or remove the folder.",
                    (char *) class_names->pdata[c], where);
        goto out;
    }

    /* 5. The result: the staging set itself, or a compact copy when files failed (the
     * one case where memory peaks above the check above). */
    DataSet *set = n_ok == n ? data_set_ref(staging) : data_set_new(n_ok, options->size,
                                                                    options->size, n_classes);
    if (split_dirs != NULL)
        set->given_split = g_new(DataSplitKind, MAX(n_ok, 1));
    for (int i = 0, j = 0; i < n; i++) {
        Candidate *c = &g_array_index(candidates, Candidate, i);
        if (!c->ok)
            continue;
        if (set != staging)
            memcpy(data_set_image(set, j), data_set_image(staging, i), image_bytes);
        set->labels[j] = c->label;
        set->sources[j] = g_strdup(c->path);
        if (set->given_split != NULL)
            set->given_split[j] = c->split;
        j++;
    }
    for (int c = 0; c < n_classes; c++)
        set->class_names[c] = g_strdup(class_names->pdata[c]);
    report->imbalance_warning = imbalance_warning(set);
    result = set;

out:
    if (report->skipped != NULL && report->skipped->len == 0)
        g_clear_pointer(&report->skipped, g_ptr_array_unref);
    if (report == &local_report)
        data_folder_report_clear(&local_report);
    for (guint i = 0; i < candidates->len; i++) {
        Candidate *c = &g_array_index(candidates, Candidate, i);
        g_free(c->path);
        g_free(c->reason);
    }
    g_array_unref(candidates);
    g_clear_pointer(&staging, data_set_unref);
    g_clear_pointer(&top, g_ptr_array_unref);
    g_clear_pointer(&split_dirs, g_ptr_array_unref);
    g_clear_pointer(&class_names, g_ptr_array_unref);
    g_clear_pointer(&visited, g_hash_table_unref);
    g_free(per_class);
    return result;
}
