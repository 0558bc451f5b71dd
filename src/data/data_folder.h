/* data_folder: a user's own images, ROOT/<class>/*.{png,jpg,jpeg,bmp,tif,tiff,webp}
 * (torchvision ImageFolder layout) or ROOT/{train,val,test}/<class>/..., decoded with
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

typedef struct {
    int size;                 /* output side (square), e.g. 64 */
    DataResizeMode resize;
    gsize memory_limit;       /* bytes; 0 = none. Checked before decoding anything */
    int threads;              /* 0 = all cores */
} DataFolderOptions;

typedef struct {
    char *path;
    char *reason;             /* "not an image", "truncated: ...", "empty file" */
} DataSkippedFile;

typedef struct {
    GPtrArray *skipped;       /* of DataSkippedFile* */
    char *imbalance_warning;  /* NULL, or "class 'defect' has 12 images, 'good' 400" */
} DataFolderReport;

void data_folder_report_clear(DataFolderReport *report);

/* On failure (missing root, no class folders, empty class, one class only, over the
 * memory limit, cancelled) returns NULL and an error whose message says what to fix. */
DataSet *data_folder_load(const char *root, const DataFolderOptions *options,
                          DataFolderReport *report, DataProgressFunc progress,
                          gpointer progress_data, GCancellable *cancellable, GError **error);
