/* data_folder_private: what the folder loader's phases (data_folder.c) share with its
 * per-image decoder (data_folder_decode.c). */
#pragma once
#include "data_folder.h"

/* Decodes the image file at path into dst (options->size, options->size, 3), resized as
 * options->resize says. Returns NULL, or the reason for the skipped-files list (newly
 * allocated; "empty file", "corrupt or truncated: ...", "not an image: ..."). Thread-safe:
 * the loader calls it from every decoding thread at once. */
char *data_folder_decode_image(const char *path, const DataFolderOptions *options, guint8 *dst);
