/* data_folder_formats: the image formats a training folder takes, and for each one the
 * size its header declares and how to tell a whole file from a cut one. The size is read
 * here, not by GdkPixbuf's size-prepared alone: a loader may allocate the declared pixels
 * before it asks (WebP's: 16384x16384 from a 30-byte file). GdkPixbuf sniffs a file's format from its contents
 * and decodes whatever it recognises, and several of its loaders return the rows they
 * got from a cut file without an error (PNG, WebP, BMP; libjpeg pads with grey), so a
 * half-copied image would train as a grey or black one. Each check reads the container's
 * own bookkeeping (an end marker, a declared size) and no pixel data: cheap, and never
 * wrong about a file the decoder read whole. GIF and TIFF need none: their loaders
 * already fail on a cut file ("Not all frames...", "Failed to load TIFF image").
 *
 * Why no SVG (or icons, XPM, PNM...): content sniffing finds an SVG behind any name, and
 * a vector drawing has no size of its own: a 123-byte file can declare 30000x30000 and
 * cost gigabytes and minutes to render, for a drawing, not a photograph of anything. A
 * user who means it converts it to PNG at the size they want. */
#include <glib/gi18n.h>
#include <string.h>
#include "data_folder_private.h"

static guint32
le32(const guint8 *p)
{
    return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static guint32
be32(const guint8 *p)
{
    return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | (guint32) p[3];
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

/* A PNG is a signature and chunks (length, type, data, CRC) ending with IEND: walking
 * the lengths must reach an IEND chunk inside the file. */
static gboolean
png_is_complete(const guint8 *data, gsize len)
{
    gsize pos = 8;
    while (pos + 12 <= len) {
        guint32 length = be32(data + pos);
        if (length > 0x7fffffffu)
            return FALSE;
        if (memcmp(data + pos + 4, "IEND", 4) == 0)
            return TRUE;
        pos += 12 + (gsize) length;
    }
    return FALSE;
}

/* A WebP is a RIFF file: "RIFF", the size of what follows, "WEBP". */
static gboolean
webp_is_complete(const guint8 *data, gsize len)
{
    return len >= 12 && memcmp(data, "RIFF", 4) == 0 && len >= 8 + (guint64) le32(data + 4);
}

/* A BMP's pixels start at bfOffBits; uncompressed rows are padded to 4 bytes, so the
 * header gives the exact end. Run-length encoded ones are as long as bfSize says. */
static gboolean
bmp_is_complete(const guint8 *data, gsize len)
{
    if (len < 26 || data[0] != 'B' || data[1] != 'M')
        return FALSE;
    guint32 file_size = le32(data + 2), offset = le32(data + 10), header = le32(data + 14);
    /* GdkPixbuf's loader allocates the header's size before reading it: 2.4 GB for a
     * 35-byte file that claims so (found by fuzz_image). */
    if ((guint64) header + 14 > len)
        return FALSE;
    gint64 width, height;
    guint32 bpp, compression = 0;
    if (header == 12) {                      /* OS/2 BITMAPCOREHEADER */
        width = data[18] | data[19] << 8;
        height = data[20] | data[21] << 8;
        bpp = data[24] | data[25] << 8;
    } else if (header >= 40 && len >= 34) {  /* BITMAPINFOHEADER and its successors */
        width = (gint32) le32(data + 18);
        height = (gint32) le32(data + 22);
        bpp = data[28] | data[29] << 8;
        compression = le32(data + 30);
    } else {
        return FALSE;
    }
    /* BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS: rows of whole pixels. */
    if (compression == 0 || compression == 3 || compression == 6) {
        guint64 stride = ((guint64) ABS(width) * bpp + 31) / 32 * 4;
        return (guint64) len >= (guint64) offset + stride * (guint64) ABS(height);
    }
    return file_size == 0 || len >= file_size;
}

/* ---- the declared size, read from the header before any decoder sees the file ---- */

static guint16
le16(const guint8 *p)
{
    return (guint16) (p[0] | p[1] << 8);
}

static guint16
be16(const guint8 *p)
{
    return (guint16) (p[0] << 8 | p[1]);
}

static gboolean
png_size(const guint8 *data, gsize len, guint32 *w, guint32 *h)
{
    if (len < 24 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(data + 12, "IHDR", 4) != 0)
        return FALSE;
    *w = be32(data + 16);
    *h = be32(data + 20);
    return TRUE;
}

/* The frame header (SOF0..SOF15 but DHT, JPG and DAC) after the APPn segments. */
static gboolean
jpeg_size(const guint8 *data, gsize len, guint32 *w, guint32 *h)
{
    if (len < 4 || data[0] != 0xFF || data[1] != 0xD8)
        return FALSE;
    for (gsize pos = 2; pos + 9 <= len;) {
        if (data[pos] != 0xFF)
            return FALSE;
        guint8 marker = data[pos + 1];
        if (marker == 0xFF) {          /* fill byte */
            pos++;
            continue;
        }
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
            *h = be16(data + pos + 5);
            *w = be16(data + pos + 7);
            return TRUE;
        }
        pos += 2 + be16(data + pos + 2);
    }
    return FALSE;
}

static gboolean
gif_size(const guint8 *data, gsize len, guint32 *w, guint32 *h)
{
    if (len < 10 || memcmp(data, "GIF8", 4) != 0)
        return FALSE;
    *w = le16(data + 6);
    *h = le16(data + 8);
    return TRUE;
}

static gboolean
bmp_size(const guint8 *data, gsize len, guint32 *w, guint32 *h)
{
    if (len < 26 || data[0] != 'B' || data[1] != 'M')
        return FALSE;
    if (le32(data + 14) == 12) {
        *w = le16(data + 18);
        *h = le16(data + 20);
    } else {
        *w = (guint32) ABS((gint32) le32(data + 18));
        *h = (guint32) ABS((gint32) le32(data + 22));
    }
    return TRUE;
}

/* VP8X's canvas, VP8L's 14-bit sizes, or the VP8 key frame's. */
static gboolean
webp_size(const guint8 *data, gsize len, guint32 *w, guint32 *h)
{
    if (len < 30 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WEBP", 4) != 0)
        return FALSE;
    const guint8 *c = data + 12;
    if (memcmp(c, "VP8X", 4) == 0) {
        *w = 1 + (c[12] | c[13] << 8 | (guint32) c[14] << 16);
        *h = 1 + (c[15] | c[16] << 8 | (guint32) c[17] << 16);
    } else if (memcmp(c, "VP8L", 4) == 0) {
        guint32 bits = le32(c + 9);
        *w = 1 + (bits & 0x3fff);
        *h = 1 + ((bits >> 14) & 0x3fff);
    } else if (memcmp(c, "VP8 ", 4) == 0) {
        *w = le16(c + 14) & 0x3fff;
        *h = le16(c + 16) & 0x3fff;
    } else {
        return FALSE;
    }
    return TRUE;
}

/* ImageWidth (256) and ImageLength (257) of the first IFD, little- or big-endian. */
static gboolean
tiff_size(const guint8 *data, gsize len, guint32 *w, guint32 *h)
{
    gboolean little = len >= 8 && memcmp(data, "II*\0", 4) == 0;
    if (!little && (len < 8 || memcmp(data, "MM\0*", 4) != 0))
        return FALSE;
    guint32 (*u32)(const guint8 *) = little ? le32 : be32;
    guint16 (*u16)(const guint8 *) = little ? le16 : be16;
    guint64 ifd = u32(data + 4);
    if (ifd + 2 > len)
        return FALSE;
    guint n = u16(data + ifd);
    gboolean have_w = FALSE, have_h = FALSE;
    for (guint i = 0; i < n && ifd + 2 + 12 * (guint64) (i + 1) <= len; i++) {
        const guint8 *e = data + ifd + 2 + 12 * i;
        guint16 tag = u16(e), type = u16(e + 2);
        guint32 value = type == 3 ? u16(e + 8) : u32(e + 8);   /* SHORT or LONG */
        if (tag == 256)
            *w = value, have_w = TRUE;
        else if (tag == 257)
            *h = value, have_h = TRUE;
    }
    return have_w && have_h;
}

/* The formats a folder's images may be in: their extensions (which files are read at
 * all), GdkPixbuf's name for them (what the contents turned out to be), their header's
 * size and their completeness. */
static const DataImageFormat formats[] = {
    { "png", "PNG", { ".png" }, png_size, png_is_complete,
      N_("the PNG data ends before its IEND chunk") },
    { "jpeg", "JPEG", { ".jpg", ".jpeg" }, jpeg_size, jpeg_is_complete,
      N_("the JPEG data ends before its end-of-image marker") },
    { "bmp", "BMP", { ".bmp" }, bmp_size, bmp_is_complete,
      N_("the BMP file is shorter than its header says") },
    { "tiff", "TIFF", { ".tif", ".tiff" }, tiff_size, NULL, NULL },
    { "webp", "WebP", { ".webp" }, webp_size, webp_is_complete,
      N_("the WebP file is shorter than its RIFF header says") },
    { "gif", "GIF", { ".gif" }, gif_size, NULL, NULL },
};

const DataImageFormat *
data_folder_format_sniff(const guint8 *data, gsize len, guint32 *width, guint32 *height)
{
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
        if (formats[i].size(data, len, width, height))
            return &formats[i];
    return NULL;
}

const DataImageFormat *
data_folder_format_find(const char *gdk_name)
{
    for (guint i = 0; gdk_name != NULL && i < G_N_ELEMENTS(formats); i++)
        if (strcmp(formats[i].gdk_name, gdk_name) == 0)
            return &formats[i];
    return NULL;
}

gboolean
data_folder_has_image_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL)
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
        for (guint k = 0; k < G_N_ELEMENTS(formats[i].extensions); k++)
            if (formats[i].extensions[k] != NULL &&
                g_ascii_strcasecmp(dot, formats[i].extensions[k]) == 0)
                return TRUE;
    return FALSE;
}

/* ".png/.jpg/..." and "PNG, JPEG, ... or GIF", from the table, made once. */
static char *extension_list, *format_list;

static void
make_lists(void)
{
    static gsize once = 0;
    if (!g_once_init_enter(&once))
        return;
    GString *extensions = g_string_new(NULL), *names = g_string_new(NULL);
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
        for (guint k = 0; k < G_N_ELEMENTS(formats[i].extensions); k++)
            if (formats[i].extensions[k] != NULL)
                g_string_append_printf(extensions, "%s%s", extensions->len ? "/" : "",
                                       formats[i].extensions[k]);
        g_string_append_printf(names, "%s%s",
                               i == 0 ? "" : i + 1 == G_N_ELEMENTS(formats) ? " or " : ", ",
                               formats[i].label);
    }
    extension_list = g_string_free(extensions, FALSE);
    format_list = g_string_free(names, FALSE);
    g_once_init_leave(&once, 1);
}

const char *
data_folder_extension_list(void)
{
    make_lists();
    return extension_list;
}

const char *
data_folder_format_list(void)
{
    make_lists();
    return format_list;
}
