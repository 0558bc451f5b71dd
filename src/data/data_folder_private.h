/* data_folder_private: what the folder loader's phases (data_folder.c) share with its
 * per-image decoder (data_folder_decode.c). */
#pragma once
#include "data_folder.h"

/* Decodes the image file at path into dst (options->size, options->size, 3), resized as
 * options->resize says. Returns NULL, or the reason for the skipped-files list (newly
 * allocated; "empty file", "corrupt or truncated: ...", "not an image: ..."). Thread-safe:
 * the loader calls it from every decoding thread at once. */
char *data_folder_decode_image(const char *path, const DataFolderOptions *options, guint8 *dst);

/* A format a training folder's images may be in (data_folder_formats.c). */
typedef struct {
    const char *gdk_name;          /* GdkPixbufFormat's name: "png", "jpeg" */
    const char *label;             /* for people: "PNG" */
    const char *extensions[2];     /* the file names read as images: ".jpg", ".jpeg" */
    /* The width and height the header of a file of this format declares; FALSE when the
     * data is not of this format (or too short to say). */
    gboolean (*size)(const guint8 *data, gsize len, guint32 *width, guint32 *height);
    /* FALSE when the file (whole, len bytes) ends before its format says it does; NULL
     * when the decoder itself fails on a cut file. */
    gboolean (*is_complete)(const guint8 *data, gsize len);
    const char *truncated;         /* why, when it does */
} DataImageFormat;

/* The format of that GdkPixbuf name, or NULL when a folder does not take it (SVG...). */
const DataImageFormat *data_folder_format_find(const char *gdk_name);
/* The taken format the contents are in, by their header, and the size it declares; NULL
 * when they are in none of them (GdkPixbuf may still know them: SVG, icons...). */
const DataImageFormat *data_folder_format_sniff(const guint8 *data, gsize len,
                                                guint32 *width, guint32 *height);
/* Whether a file name ends in a taken format's extension, any case. */
gboolean data_folder_has_image_extension(const char *name);
/* ".png/.jpg/.jpeg/.bmp/.tif/.tiff/.webp/.gif" and "PNG, JPEG, BMP, TIFF, WebP or GIF",
 * for messages. */
const char *data_folder_extension_list(void);
const char *data_folder_format_list(void);
