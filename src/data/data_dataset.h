/* data_dataset: a labelled set of images held in memory as uint8 RGB, NHWC, whatever
 * they came from (the synthetic IC-chip generator or a user's folder). Every image is
 * already at the network's input size. */
#pragma once
#include <glib.h>

typedef enum {
    DATA_SPLIT_NONE = -1,   /* no split given by the source: the random split decides */
    DATA_SPLIT_TRAIN = 0,
    DATA_SPLIT_VAL = 1,
    DATA_SPLIT_TEST = 2,
} DataSplitKind;

/* A rectangle of an image in pixels: columns x .. x + width - 1, rows y .. y + height - 1;
 * width 0 when there is nothing to mark. */
typedef struct {
    int x, y, width, height;
} DataBox;

/* Reference counted (a GLib atomic rc box: data_set_ref/unref), because the runs that
 * train on one set share it. */
typedef struct {
    int count;              /* number of images */
    int height, width;      /* every image's size */
    int channels;           /* always 3 (RGB) */
    guint8 *pixels;         /* (count, height, width, 3) */
    int *labels;            /* (count), in [0, num_classes) */
    int num_classes;
    char **class_names;     /* (num_classes), NULL-terminated (a GStrv) */
    char **sources;         /* (count), NULL-terminated: file path, or "synthetic/<class>/000123" */
    DataSplitKind *given_split; /* (count) or NULL: a folder's own train/val/test split */
    DataBox *defect_boxes;  /* (count) or NULL: where each image's defect was drawn (the
                             * synthetic sets; empty for a good chip). It follows the
                             * pixels, not the label, which label noise may have flipped */
} DataSet;

/* An empty dataset with room for count images of height x width (pixels zeroed),
 * holding one reference (free it with data_set_unref, never g_free). class_names and
 * sources are allocated (NULL entries). */
DataSet *data_set_new(int count, int height, int width, int num_classes);
DataSet *data_set_ref(DataSet *set);
void data_set_unref(DataSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DataSet, data_set_unref)

/* Pointer to image i: (height, width, 3). */
static inline guint8 *
data_set_image(const DataSet *set, int i)
{
    return set->pixels + (gsize) i * set->height * set->width * 3;
}

/* Number of images of each class, into counts (num_classes). */
void data_set_class_counts(const DataSet *set, int *counts);
