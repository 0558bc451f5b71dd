/* data_folder: a user's own images, ROOT/<class>/<name>.{png,jpg,jpeg,bmp,tif,tiff,webp,
 * gif} (torchvision ImageFolder layout) or ROOT/{train,val,test}/<class>/..., decoded with
 * GdkPixbuf in parallel, converted to RGB and resized to the network input. */
#pragma once
#include <gio/gio.h>
#include "data_dataset.h"
#include "data_synthetic.h"   /* DataProgressFunc */

typedef enum {
    DATA_RESIZE_CENTER_CROP = 0,  /* default: scale the short side, crop the middle */
    DATA_RESIZE_SQUASH,           /* scale both sides, ignore aspect */
    DATA_RESIZE_LETTERBOX,        /* scale the long side, pad with black */
} DataResizeMode;

/* The most pixels one image may declare: 100 megapixels (a 61 MP camera's photos pass).
 * Judged from the file's header before its pixels are allocated, so a few bytes that
 * claim 30000x30000 cost nothing; it bounds what one decoding thread holds at once (an
 * image is decoded at no more than twice the size it is resized to when it is larger). */
#define DATA_FOLDER_MAX_PIXELS 100000000

typedef struct {
    int size;                 /* output side (square), 8..2048, e.g. 64 */
    DataResizeMode resize;
    gsize memory_limit;       /* bytes; 0 = none. Checked before decoding anything */
    int threads;              /* 0 = all cores */
} DataFolderOptions;

/* size 64, center crop, no memory limit, all cores. */
DataFolderOptions data_folder_options_default(void);

typedef struct {
    char *path;
    char *reason;             /* "not an image", "truncated: ...", "empty file" */
} DataSkippedFile;

/* What the load could not use. Zero-initialise before the first load; a load clears it
 * first, and fills it even when it fails (a class whose every file failed to decode). */
typedef struct {
    GPtrArray *skipped;       /* of DataSkippedFile*, sorted by path; NULL = none */
    char *imbalance_warning;  /* NULL, or "class 'defect' has 12 images, 'good' 400" */
} DataFolderReport;

void data_folder_report_clear(DataFolderReport *report);

/* The file in a folder's root that fixes the class order: one class name per line, in
 * the order the network numbers them (data_synthetic_export writes it). */
#define DATA_FOLDER_CLASS_ORDER_FILE "classes.txt"

/* Loads root into a DataSet: classes are the class folders' names sorted bytewise (as
 * torchvision's sorted()), or in the order ROOT/classes.txt lists them when it exists
 * (then it must list every class folder once and nothing else); images are ordered by
 * split, class, then path; sources hold the paths. Layouts: ROOT/<class>/,
 * ROOT/train/<class>/ with optional val/ and test/ beside it, or ROOT/<class>/ with a
 * ROOT/test/<class>/ beside the class folders (held-out test images, the rest split at
 * random). Class folders are searched recursively; names starting with '.' (.DS_Store,
 * AppleDouble ._x.jpg, .git) and Thumbs.db/desktop.ini are ignored silently. Other files
 * without an image extension are listed in report->skipped ("not an image file"), so a
 * user sees that e.g. their .heic files were not used; image files that fail are listed
 * with the reason: empty, unreadable, not decodable, truncated (PNG, JPEG, WebP, BMP,
 * TIFF, GIF: a cut file is never trained on as a grey one), over DATA_FOLDER_MAX_PIXELS,
 * or in a format a folder does not take whatever its name (SVG drawings, icons: see
 * data_folder_formats.c). The load goes on. An animated GIF gives its first frame.
 * Symbolic links are followed, each folder once per class; a file reachable from two
 * classes (a link from one class into another) is refused in both and listed, naming
 * both, since it cannot have two labels.
 * Pixels: EXIF orientation applied; grayscale and 16-bit come out as 8-bit RGB (GdkPixbuf);
 * alpha is composited over black, the letterbox colour, so colour hidden under
 * transparent pixels (often junk from editors) never reaches the network.
 * Progress (done, total image files) is called from the decoding threads, one call at a
 * time, with done increasing by one each call.
 * On failure returns NULL and a G_IO_ERROR whose message says what to fix:
 * NOT_FOUND / NOT_DIRECTORY (root), INVALID_DATA (no class folders, a class without
 * images or whose images are all another class's too, one class only, mixed split and
 * class folders, a class with images in val/ or test/ but none in train/), NO_SPACE (over
 * memory_limit: the bytes needed are in the message), INVALID_ARGUMENT (options),
 * CANCELLED. */
DataSet *data_folder_load(const char *root, const DataFolderOptions *options,
                          DataFolderReport *report, DataProgressFunc progress,
                          gpointer progress_data, GCancellable *cancellable, GError **error);
