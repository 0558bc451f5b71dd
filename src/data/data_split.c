/* data_split: stratified train/validation split and training-split normalisation. The
 * split must be a pure function of (labels, fraction, seed) so that every run in a
 * comparison validates on the same images; the statistics must ignore validation. */
#include "data_split.h"
#include <math.h>
#include "nn_rng.h"

/* The stream tag of the split's RNG, so it never shares draws with shuffles or
 * augmentation (which use (epoch, index) counters) under the same seed. */
#define SPLIT_STREAM 0x5b117

static int
compare_int(gconstpointer a, gconstpointer b)
{
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}

/* How many of a class's n images go to validation. */
static int
val_count(int n, double val_fraction)
{
    if (val_fraction <= 0.0 || n < 2)
        return 0;
    int k = (int) floor(val_fraction * n + 0.5);
    return CLAMP(k, 1, n - 1);
}

/* Stratified split of the candidate images (n, all with given_split TRAIN or none). */
static void
split_stratified(DataSplit *split, const DataSet *set, const int *candidates, int n,
                 double val_fraction, guint64 seed)
{
    int n_classes = set->num_classes;
    int *members = g_new(int, MAX(n, 1));

    for (int c = 0; c < n_classes; c++) {
        int n_c = 0;
        for (int i = 0; i < n; i++)
            if (set->labels[candidates[i]] == c)
                members[n_c++] = candidates[i];

        nn_rng rng;
        nn_rng_seed(&rng, nn_rng_mix(seed, SPLIT_STREAM, (guint64) c));
        for (int i = n_c - 1; i > 0; i--) {   /* Fisher-Yates */
            int j = (int) (nn_rng_next(&rng) % (guint64) (i + 1));
            int t = members[i]; members[i] = members[j]; members[j] = t;
        }

        int k = val_count(n_c, val_fraction);
        for (int i = 0; i < n_c; i++) {
            if (i < k)
                split->val[split->n_val++] = members[i];
            else
                split->train[split->n_train++] = members[i];
        }
    }
    g_free(members);
}

DataSplit *
data_split_new(const DataSet *set, double val_fraction, guint64 seed)
{
    g_return_val_if_fail(set != NULL, NULL);
    g_return_val_if_fail(val_fraction >= 0.0 && val_fraction < 1.0, NULL);

    DataSplit *split = g_new0(DataSplit, 1);
    split->train = g_new(int, MAX(set->count, 1));
    split->val = g_new(int, MAX(set->count, 1));

    gboolean given_val = FALSE;
    if (set->given_split != NULL)
        for (int i = 0; i < set->count; i++)
            given_val |= set->given_split[i] == DATA_SPLIT_VAL;

    if (given_val) {
        for (int i = 0; i < set->count; i++) {
            if (set->given_split[i] == DATA_SPLIT_TRAIN)
                split->train[split->n_train++] = i;
            else if (set->given_split[i] == DATA_SPLIT_VAL)
                split->val[split->n_val++] = i;
        }
    } else {
        int *candidates = g_new(int, MAX(set->count, 1));
        int n = 0;
        for (int i = 0; i < set->count; i++)
            if (set->given_split == NULL || set->given_split[i] != DATA_SPLIT_TEST)
                candidates[n++] = i;
        split_stratified(split, set, candidates, n, val_fraction, seed);
        g_free(candidates);
    }

    /* Ascending order: a split reads like a list of files, and the batcher shuffles. */
    qsort(split->train, split->n_train, sizeof(int), (GCompareFunc) compare_int);
    qsort(split->val, split->n_val, sizeof(int), (GCompareFunc) compare_int);
    return split;
}

void
data_split_free(DataSplit *split)
{
    if (split == NULL)
        return;
    g_free(split->train);
    g_free(split->val);
    g_free(split);
}

DataNormalization
data_normalization_compute(const DataSet *set, const int *indices, int n)
{
    DataNormalization norm = data_normalization_identity();
    g_return_val_if_fail(set != NULL, norm);
    g_return_val_if_fail(n == 0 || indices != NULL, norm);

    /* Integer sums are exact, so the statistics do not depend on the order of images;
     * guint64 holds 255^2 * 2^40 values before it could overflow. */
    guint64 sum[3] = {0}, sum_sq[3] = {0};
    gsize n_pixels = (gsize) set->height * set->width;
    for (int k = 0; k < n; k++) {
        const guint8 *p = data_set_image(set, indices[k]);
        guint32 s[3] = {0}, q[3] = {0};
        gsize run = 0;
        for (gsize i = 0; i < n_pixels; i++, p += 3) {
            for (int ch = 0; ch < 3; ch++) {
                s[ch] += p[ch];
                q[ch] += (guint32) p[ch] * p[ch];
            }
            /* q[ch] grows by at most 255^2 per pixel: flush before guint32 overflows. */
            if (++run == 60000) {
                for (int ch = 0; ch < 3; ch++) {
                    sum[ch] += s[ch]; sum_sq[ch] += q[ch]; s[ch] = q[ch] = 0;
                }
                run = 0;
            }
        }
        for (int ch = 0; ch < 3; ch++) {
            sum[ch] += s[ch];
            sum_sq[ch] += q[ch];
        }
    }

    double count = (double) n * n_pixels;
    if (count == 0)
        return norm;
    for (int ch = 0; ch < 3; ch++) {
        double mean = sum[ch] / count;
        double var = sum_sq[ch] / count - mean * mean;
        double std = var > 0 ? sqrt(var) : 0;
        norm.mean[ch] = (float) mean;
        norm.std[ch] = std > 1e-3 ? (float) std : 1.0f;
    }
    return norm;
}

DataNormalization
data_normalization_identity(void)
{
    DataNormalization norm = {{0, 0, 0}, {1, 1, 1}};
    return norm;
}

void
data_normalize_image(float *dst, const guint8 *src, int n_pixels, const DataNormalization *norm)
{
    g_assert(dst != NULL && src != NULL && norm != NULL);
    float scale[3], shift[3];
    for (int ch = 0; ch < 3; ch++) {
        scale[ch] = 1.0f / norm->std[ch];
        shift[ch] = -norm->mean[ch] * scale[ch];
    }
    for (int i = 0; i < n_pixels; i++, src += 3, dst += 3) {
        dst[0] = src[0] * scale[0] + shift[0];
        dst[1] = src[1] * scale[1] + shift[1];
        dst[2] = src[2] * scale[2] + shift[2];
    }
}
