/* data_folder_decode: one image file of a user's folder -> RGB pixels at the network's
 * input size, or the reason it cannot be used. Runs on the loader's decoding threads, one
 * call per file, so every check of a single file (is it complete, is it an image at all,
 * what does it hold) lives here and nowhere else. */
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "data_folder_private.h"

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

char *
data_folder_decode_image(const char *path, const DataFolderOptions *options, guint8 *dst)
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
