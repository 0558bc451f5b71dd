/* data_image: the folder loader's decoder for one file at a time, and a look at the
 * file's header for what it held. */
#include "data_image.h"

#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "data_folder_private.h"

/* Channels from a PNG's IHDR colour type or a JPEG's start-of-frame component count; 0
 * for anything else. Only the first 64 KiB are read: the headers are near the start. */
static int
header_channels(const char *path)
{
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GFileInputStream) in = g_file_read(file, NULL, NULL);
    guint8 head[65536];
    gsize n = 0;
    if (in == NULL || !g_input_stream_read_all(G_INPUT_STREAM(in), head, sizeof head, &n, NULL,
                                               NULL))
        return 0;
    static const guint8 png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (n >= 26 && memcmp(head, png, 8) == 0) {
        switch (head[25]) {   /* IHDR colour type */
        case 0: return 1;
        case 4: return 2;
        case 2: case 3: return 3;   /* RGB, palette */
        case 6: return 4;
        default: return 0;
        }
    }
    for (gsize i = 2; n > 2 && head[0] == 0xFF && head[1] == 0xD8 && i + 9 < n; i++)
        if (head[i] == 0xFF && head[i + 1] >= 0xC0 && head[i + 1] <= 0xCF &&
            head[i + 1] != 0xC4 && head[i + 1] != 0xC8 && head[i + 1] != 0xCC)
            return head[i + 9];   /* SOFn: length(2) precision(1) height(2) width(2) Nf */
    return 0;
}

char *
data_image_load(const char *path, int size, DataResizeMode resize, guint8 *dst,
                DataImageInfo *info)
{
    g_return_val_if_fail(path != NULL && dst != NULL, NULL);

    DataFolderOptions options = data_folder_options_default();
    options.size = size;
    options.resize = resize;
    char *reason = data_folder_decode_image(path, &options, dst);
    if (info != NULL && reason == NULL) {
        *info = (DataImageInfo) { 0 };
        gdk_pixbuf_get_file_info(path, &info->width, &info->height);
        info->channels = header_channels(path);
    }
    return reason;
}
