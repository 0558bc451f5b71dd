/* data_folder_decode: one image file of a user's folder -> RGB pixels at the network's
 * input size, or the reason it cannot be used. Runs on the loader's decoding threads, one
 * call per file, so every check of a single file (is it an image at all, in a format a
 * folder takes, within the pixel limit, complete, what does it hold) starts here; what
 * each format's completeness means is data_folder_formats.c. A hostile file costs no
 * more than its header: its declared size is judged before the pixels are allocated. */
#include <glib/gi18n.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "data_folder_private.h"

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

/* What size-prepared learnt of the file before any pixel was decoded: the format, the
 * declared size, and the reason to stop right there. */
typedef struct {
    const DataFolderOptions *options;
    const DataImageFormat *format;
    int width, height;
    char *refusal;
} Header;

/* The decoded size to ask for: twice what the resize keeps of the image (the short side
 * for a crop or a squash, the long one for a letterbox), so the box filter that follows
 * still has two pixels per output pixel. Only for an image at least 4x larger than that:
 * JPEG then decodes at 1/2, 1/4 or 1/8 straight from its DCT, and a folder of 24 MP photos
 * costs a fraction of their full size; smaller images decode as they are. FALSE: as is. */
static gboolean
decode_size(int width, int height, const DataFolderOptions *options, int *w, int *h)
{
    int side = options->resize == DATA_RESIZE_LETTERBOX ? MAX(width, height) : MIN(width, height);
    double scale = 2.0 * options->size / side;
    if (scale > 0.25)
        return FALSE;
    *w = MAX(1, (int) (width * scale + 0.5));
    *h = MAX(1, (int) (height * scale + 0.5));
    return TRUE;
}

/* The reason an image of that size is refused, or NULL. */
static char *
too_large(guint64 width, guint64 height)
{
    if (width * height <= DATA_FOLDER_MAX_PIXELS)
        return NULL;
    return g_strdup_printf(_("too large: %llux%llu pixels (%.0f megapixels) is over the "
                             "%d-megapixel limit for one image; scale it down"),
                           (unsigned long long) width, (unsigned long long) height,
                           (double) width * height / 1e6, DATA_FOLDER_MAX_PIXELS / 1000000);
}

/* The loader's size-prepared: the first thing it knows, before it allocates the pixels
 * (most loaders; the header was read already, for those that allocate first).
 * A format a folder does not take, or an image over the pixel limit, is refused here
 * (a size of 0 stops the loader); a large one is decoded small. */
static void
on_size_prepared(GdkPixbufLoader *loader, int width, int height, gpointer data)
{
    Header *header = data;
    GdkPixbufFormat *format = gdk_pixbuf_loader_get_format(loader);
    g_autofree char *name = format != NULL ? gdk_pixbuf_format_get_name(format) : NULL;
    int w, h;

    header->width = width;
    header->height = height;
    header->format = data_folder_format_find(name);
    if (header->format == NULL)
        /* Translators: %s is the format GdkPixbuf found, e.g. "svg" or "ico"; English
         * needs two sentences for "a" and "an" only. */
        header->refusal = g_strdup_printf(
            name && strchr("aeiou", name[0])
                ? _("not a photo: an %s file (SVG drawings, icons and the like are not used "
                    "for training); convert it to PNG or JPEG")
                : _("not a photo: a %s file (SVG drawings, icons and the like are not used "
                    "for training); convert it to PNG or JPEG"),
            name ? name : _("unknown"));
    else
        header->refusal = too_large(width, height);
    if (header->refusal != NULL)
        gdk_pixbuf_loader_set_size(loader, 0, 0);
    else if (decode_size(width, height, header->options, &w, &h))
        gdk_pixbuf_loader_set_size(loader, w, h);
}

char *
data_folder_decode_image(const char *path, const DataFolderOptions *options, guint8 *dst)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;

    if (!g_file_get_contents(path, &data, &len, &error))
        return g_strdup_printf(_("unreadable: %s"), error->message);
    if (len == 0)
        return g_strdup(_("empty file (0 bytes)"));

    /* The declared size and the container's bookkeeping, before any decoder sees the
     * file: a decoder may allocate what a header claims before it can be refused. */
    guint32 declared_width, declared_height;
    const DataImageFormat *sniffed = data_folder_format_sniff((const guint8 *) data, len,
                                                              &declared_width, &declared_height);
    char *refusal;
    if (sniffed != NULL && (refusal = too_large(declared_width, declared_height)) != NULL)
        return refusal;
    if (sniffed != NULL && sniffed->is_complete != NULL &&
        !sniffed->is_complete((const guint8 *) data, len))
        return g_strdup_printf(_("truncated: %s"), _(sniffed->truncated));

    Header header = { .options = options };
    g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new();
    g_signal_connect(loader, "size-prepared", G_CALLBACK(on_size_prepared), &header);
    gboolean ok = gdk_pixbuf_loader_write(loader, (const guchar *) data, len, &error);
    /* Always close: a loader finalised unclosed warns; the first error is the one kept. */
    ok = gdk_pixbuf_loader_close(loader, ok ? &error : NULL) && ok;
    if (header.refusal != NULL)
        return header.refusal;
    if (!ok) {
        if (g_error_matches(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE))
            return g_strdup(_("not an image: the contents are in no format GdkPixbuf knows"));
        return g_strdup_printf(_("corrupt or truncated: %s"),
                               error != NULL ? error->message : _("the decoder gave up"));
    }
    GdkPixbuf *pixbuf = gdk_pixbuf_loader_get_pixbuf(loader);
    if (pixbuf == NULL || header.format == NULL)
        return g_strdup(_("corrupt or truncated: no picture in the file"));

    /* The decoder may have made rows up for a cut file: the container says (checked
     * above already when the header was recognised as this format). */
    if (header.format != sniffed && header.format->is_complete != NULL &&
        !header.format->is_complete((const guint8 *) data, len))
        return g_strdup_printf(_("truncated: %s"), _(header.format->truncated));

    g_autoptr(GdkPixbuf) oriented = gdk_pixbuf_apply_embedded_orientation(pixbuf);
    g_autoptr(GdkPixbuf) rgb = oriented != NULL ? flatten_to_rgb(oriented) : NULL;
    if (rgb == NULL || !resize_into(dst, options->size, options->resize, rgb))
        return g_strdup(_("out of memory while converting"));
    return NULL;
}
