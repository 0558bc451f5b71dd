/* data_dataset: the in-memory labelled image set every source fills in (the synthetic
 * generator, the folder loader) and every consumer reads (split, batcher, UI). It is
 * reference counted because several training runs may share one set at a time. */
#include <string.h>
#include "data_dataset.h"

DataSet *
data_set_new(int count, int height, int width, int num_classes)
{
    g_return_val_if_fail(count >= 0, NULL);
    g_return_val_if_fail(height > 0 && width > 0, NULL);
    g_return_val_if_fail(num_classes > 0, NULL);

    DataSet *set = g_atomic_rc_box_new0(DataSet);
    set->count = count;
    set->height = height;
    set->width = width;
    set->channels = 3;
    /* g_malloc0_n checks the multiplication, so an absurd size fails loudly instead of
     * silently allocating a wrapped-around small buffer. */
    set->pixels = g_malloc0_n((gsize) count * height, (gsize) width * 3);
    set->labels = g_new0(int, MAX(count, 1));
    set->num_classes = num_classes;
    /* +1: both are NULL-terminated so they can be used as GStrv (g_strfreev, g_strv_length). */
    set->class_names = g_new0(char *, num_classes + 1);
    set->sources = g_new0(char *, (gsize) count + 1);
    set->given_split = NULL;
    set->defect_boxes = NULL;
    return set;
}

DataSet *
data_set_ref(DataSet *set)
{
    g_return_val_if_fail(set != NULL, NULL);
    return g_atomic_rc_box_acquire(set);
}

/* The last reference's cleanup: the box itself is GLib's to free. */
static void
data_set_clear(DataSet *set)
{
    /* What only some sources fill in (NULL otherwise). */
    g_free(set->given_split);
    g_free(set->defect_boxes);
    /* Free entry by entry rather than with g_strfreev: a source that failed half-way
     * may leave NULL holes before the last name, and g_strfreev would stop at the first. */
    for (int c = 0; c < set->num_classes; c++)
        g_free(set->class_names[c]);
    g_free(set->class_names);
    for (int i = 0; i < set->count; i++)
        g_free(set->sources[i]);
    g_free(set->sources);
    g_free(set->labels);
    g_free(set->pixels);
}

void
data_set_unref(DataSet *set)
{
    g_return_if_fail(set != NULL);
    g_atomic_rc_box_release_full(set, (GDestroyNotify) data_set_clear);
}

void
data_set_class_counts(const DataSet *set, int *counts)
{
    g_return_if_fail(set != NULL);
    g_return_if_fail(counts != NULL);
    memset(counts, 0, sizeof(int) * set->num_classes);
    for (int i = 0; i < set->count; i++) {
        int label = set->labels[i];
        /* A label out of range is a bug in the source that filled the set; count nothing
         * rather than write past the caller's array. */
        g_warn_if_fail(label >= 0 && label < set->num_classes);
        if (label >= 0 && label < set->num_classes)
            counts[label]++;
    }
}
