/* test_split: the stratified split every run in a comparison shares (counts per class,
 * determinism per seed, folder-given splits) and the normalisation computed on the
 * training images only. */
#include <math.h>
#include "data_split.h"
#include "data_test_sets.h"

static int
count_class(const DataSet *set, const int *indices, int n, int c)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += set->labels[indices[i]] == c;
    return k;
}

/* Every image is in exactly one list, and each list is ascending. */
static void
assert_partition(const DataSet *set, const DataSplit *split, int expected_total)
{
    g_autofree int *seen = g_new0(int, set->count);
    for (int i = 0; i < split->n_train; i++) {
        seen[split->train[i]]++;
        if (i > 0)
            g_assert_cmpint(split->train[i - 1], <, split->train[i]);
    }
    for (int i = 0; i < split->n_val; i++) {
        seen[split->val[i]]++;
        if (i > 0)
            g_assert_cmpint(split->val[i - 1], <, split->val[i]);
    }
    int total = 0;
    for (int i = 0; i < set->count; i++) {
        g_assert_cmpint(seen[i], <=, 1);
        total += seen[i];
    }
    g_assert_cmpint(total, ==, expected_total);
}

static void
test_stratified_counts(void)
{
    /* round(0.25 n): 40 -> 10, 13 -> 3 (3.25), 2 -> 1 (0.5 rounds up, and at least one
     * each side), 6 -> 2 (1.5), 1 -> 0 (a single image trains). */
    const int counts[] = {40, 13, 2, 6, 1};
    const int expected_val[] = {10, 3, 1, 2, 0};
    g_autoptr(DataSet) set = data_test_random_set(counts, 5, 2, 2, 1);
    g_autoptr(DataSplit) split = data_split_new(set, 0.25, 42);

    assert_partition(set, split, set->count);
    for (int c = 0; c < 5; c++) {
        g_assert_cmpint(count_class(set, split->val, split->n_val, c), ==, expected_val[c]);
        g_assert_cmpint(count_class(set, split->train, split->n_train, c), ==,
                        counts[c] - expected_val[c]);
    }
}

static void
test_small_classes_in_both(void)
{
    /* A tiny fraction still puts one image of every class of >= 2 in validation, and a
     * large one still leaves one to train on. */
    const int counts[] = {2, 3, 50};
    g_autoptr(DataSet) set = data_test_random_set(counts, 3, 2, 2, 2);
    for (int f = 0; f < 2; f++) {
        double fraction = f == 0 ? 0.01 : 0.95;
        g_autoptr(DataSplit) split = data_split_new(set, fraction, 7);
        for (int c = 0; c < 3; c++) {
            g_assert_cmpint(count_class(set, split->val, split->n_val, c), >=, 1);
            g_assert_cmpint(count_class(set, split->train, split->n_train, c), >=, 1);
        }
    }
    g_autoptr(DataSplit) none = data_split_new(set, 0.0, 7);
    g_assert_cmpint(none->n_val, ==, 0);
    g_assert_cmpint(none->n_train, ==, set->count);
}

static void
test_deterministic_per_seed(void)
{
    const int counts[] = {100, 60};
    g_autoptr(DataSet) set = data_test_random_set(counts, 2, 2, 2, 3);
    g_autoptr(DataSplit) a = data_split_new(set, 0.25, 1234);
    g_autoptr(DataSplit) b = data_split_new(set, 0.25, 1234);
    g_autoptr(DataSplit) c = data_split_new(set, 0.25, 1235);

    g_assert_cmpint(a->n_val, ==, 40);
    g_assert_cmpmem(a->val, a->n_val * sizeof(int), b->val, b->n_val * sizeof(int));
    g_assert_cmpmem(a->train, a->n_train * sizeof(int), b->train, b->n_train * sizeof(int));
    /* Another seed picks other images (the chance of the same 40 is negligible). */
    g_assert_cmpint(c->n_val, ==, 40);
    g_assert_false(memcmp(a->val, c->val, a->n_val * sizeof(int)) == 0);
    /* Not simply the first images of each class. */
    g_assert_false(a->val[0] == 0 && a->val[24] == 24);
}

static void
test_given_split(void)
{
    const int counts[] = {6, 6};
    g_autoptr(DataSet) set = data_test_random_set(counts, 2, 2, 2, 4);
    set->given_split = g_new(DataSplitKind, set->count);
    for (int i = 0; i < set->count; i++)
        set->given_split[i] = (DataSplitKind) (i % 3);   /* train, val, test, ... */

    g_autoptr(DataSplit) split = data_split_new(set, 0.25, 99);
    assert_partition(set, split, 8);
    for (int i = 0; i < split->n_train; i++)
        g_assert_cmpint(split->train[i] % 3, ==, DATA_SPLIT_TRAIN);
    for (int i = 0; i < split->n_val; i++)
        g_assert_cmpint(split->val[i] % 3, ==, DATA_SPLIT_VAL);
    g_assert_cmpint(split->n_val, ==, 4);

    /* train/ and test/ but no val/: the train images are split, test stays out. */
    for (int i = 0; i < set->count; i++)
        set->given_split[i] = i % 2 == 0 ? DATA_SPLIT_TRAIN : DATA_SPLIT_TEST;
    g_autoptr(DataSplit) split2 = data_split_new(set, 0.5, 99);
    assert_partition(set, split2, 6);
    for (int i = 0; i < split2->n_val; i++)
        g_assert_cmpint(split2->val[i] % 2, ==, 0);
    for (int i = 0; i < split2->n_train; i++)
        g_assert_cmpint(split2->train[i] % 2, ==, 0);
    g_assert_cmpint(count_class(set, split2->val, split2->n_val, 0), ==, 2);   /* of 3 */
    g_assert_cmpint(count_class(set, split2->val, split2->n_val, 1), ==, 2);
}

static void
test_normalization_training_only(void)
{
    const int counts[] = {2, 2};
    g_autoptr(DataSet) set = data_test_random_set(counts, 2, 8, 8, 5);
    int n_values = 8 * 8 * 3;
    /* Images 0 and 2 train; 1 and 3 are validation and must not matter. */
    const int train[] = {0, 2};
    DataNormalization a = data_normalization_compute(set, train, 2);
    memset(data_set_image(set, 1), 255, n_values);
    memset(data_set_image(set, 3), 0, n_values);
    DataNormalization b = data_normalization_compute(set, train, 2);
    g_assert_cmpmem(&a, sizeof a, &b, sizeof b);

    /* Against a plain double computation. */
    for (int ch = 0; ch < 3; ch++) {
        double sum = 0, sum_sq = 0;
        int n = 0;
        for (int k = 0; k < 2; k++)
            for (int p = ch; p < n_values; p += 3, n++) {
                double v = data_set_image(set, train[k])[p];
                sum += v;
                sum_sq += v * v;
            }
        double mean = sum / n, std = sqrt(sum_sq / n - mean * mean);
        g_assert_cmpfloat_with_epsilon(a.mean[ch], mean, 1e-3);
        g_assert_cmpfloat_with_epsilon(a.std[ch], std, 1e-3);
    }

    /* A constant channel gets std 1, not a division by zero. */
    const int one[] = {1};
    DataNormalization flat = data_normalization_compute(set, one, 1);
    for (int ch = 0; ch < 3; ch++) {
        g_assert_cmpfloat(flat.mean[ch], ==, 255.0f);
        g_assert_cmpfloat(flat.std[ch], ==, 1.0f);
    }
}

static void
test_normalize_image(void)
{
    const guint8 src[6] = {0, 128, 255, 10, 20, 30};
    DataNormalization norm = {{10, 20, 30}, {2, 4, 5}};
    float dst[6];
    data_normalize_image(dst, src, 2, &norm);
    const float expected[6] = {-5, 27, 45, 0, 0, 0};
    for (int i = 0; i < 6; i++)
        g_assert_cmpfloat_with_epsilon(dst[i], expected[i], 1e-5);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data/split/stratified-counts", test_stratified_counts);
    g_test_add_func("/data/split/small-classes-in-both", test_small_classes_in_both);
    g_test_add_func("/data/split/deterministic-per-seed", test_deterministic_per_seed);
    g_test_add_func("/data/split/given-split", test_given_split);
    g_test_add_func("/data/split/normalization-training-only", test_normalization_training_only);
    g_test_add_func("/data/split/normalize-image", test_normalize_image);
    return g_test_run();
}
