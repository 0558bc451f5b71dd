/* data_test_sets: small in-memory datasets for the data tests (split, augment, batcher),
 * filled from nn_rng so every test sees the same pixels on every machine. Header-only
 * because each test program is a single .c file. */
#pragma once
#include "data_dataset.h"
#include "nn_rng.h"

/* count random images of (height, width, 3); labels from class_counts (n_classes
 * entries summing to count) in blocks, so class c's images are contiguous. */
static inline DataSet *
data_test_random_set(const int *class_counts, int n_classes, int height, int width,
                     guint64 seed)
{
    int count = 0;
    for (int c = 0; c < n_classes; c++)
        count += class_counts[c];
    DataSet *set = data_set_new(count, height, width, n_classes);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    gsize bytes = (gsize) count * height * width * 3;
    for (gsize i = 0; i < bytes; i++)
        set->pixels[i] = (guint8) (nn_rng_next(&rng) >> 56);
    for (int c = 0, i = 0; c < n_classes; c++) {
        set->class_names[c] = g_strdup_printf("class%d", c);
        for (int k = 0; k < class_counts[c]; k++, i++) {
            set->labels[i] = c;
            set->sources[i] = g_strdup_printf("test/class%d/%06d", c, k);
        }
    }
    return set;
}
