/* test_batcher: what the training loop relies on: every image exactly once per epoch,
 * a reproducible shuffle that changes between epochs, labels that follow their images,
 * exact normalised pixels (augmented only when asked), and a clean stop mid-epoch. */
#include <string.h>
#include "data_batcher.h"
#include "data_test_sets.h"

#define H 6
#define W 6
#define VALUES (H * W * 3)

static DataSet *
make_set(void)
{
    const int counts[] = {40, 33, 30};   /* 103 images */
    return data_test_random_set(counts, 3, H, W, 21);
}

/* Runs one epoch; order (n) receives the indices in delivery order. Checks the batch
 * sizes (full ones, then one short one) and the labels. Returns the number of batches. */
static int
run_epoch(DataBatcher *batcher, const DataSet *set, int epoch, int batch_size, int *order,
          int n)
{
    DataBatch batch;
    int seen = 0, batches = 0;
    data_batcher_start_epoch(batcher, epoch);
    while (data_batcher_next(batcher, &batch)) {
        g_assert_cmpint(batch.size, ==, MIN(batch_size, n - seen));
        for (int k = 0; k < batch.size; k++) {
            g_assert_cmpint(batch.labels[k], ==, set->labels[batch.indices[k]]);
            order[seen + k] = batch.indices[k];
        }
        seen += batch.size;
        batches++;
    }
    g_assert_cmpint(seen, ==, n);
    g_assert_cmpint(batches, ==, data_batcher_batches_per_epoch(batcher));
    g_assert_false(data_batcher_next(batcher, &batch));   /* stays at the end */
    return batches;
}

static void
test_every_index_once(void)
{
    g_autoptr(DataSet) set = make_set();
    /* A subset, as a training split is: every odd image. */
    int n = set->count / 2;
    g_autofree int *indices = g_new(int, n);
    for (int i = 0; i < n; i++)
        indices[i] = 2 * i + 1;

    DataBatcher *batcher = data_batcher_new(set, indices, n, 8, TRUE, NULL, NULL, 1);
    g_assert_cmpint(data_batcher_batches_per_epoch(batcher), ==, 7);   /* 51 = 6*8 + 3 */
    g_autofree int *order = g_new(int, n);
    for (int epoch = 0; epoch < 3; epoch++) {
        run_epoch(batcher, set, epoch, 8, order, n);
        g_autofree int *count = g_new0(int, set->count);
        for (int i = 0; i < n; i++)
            count[order[i]]++;
        for (int i = 0; i < set->count; i++)
            g_assert_cmpint(count[i], ==, i % 2);
    }
    data_batcher_free(batcher);
}

static void
test_shuffle_order(void)
{
    g_autoptr(DataSet) set = make_set();
    int n = set->count;
    g_autofree int *all = g_new(int, n);
    for (int i = 0; i < n; i++)
        all[i] = i;

    DataBatcher *a = data_batcher_new(set, all, n, 10, TRUE, NULL, NULL, 7);
    DataBatcher *b = data_batcher_new(set, all, n, 10, TRUE, NULL, NULL, 7);
    DataBatcher *c = data_batcher_new(set, all, n, 10, TRUE, NULL, NULL, 8);
    DataBatcher *plain = data_batcher_new(set, all, n, 10, FALSE, NULL, NULL, 7);
    g_autofree int *a0 = g_new(int, n), *a1 = g_new(int, n), *b0 = g_new(int, n);
    g_autofree int *c0 = g_new(int, n), *p0 = g_new(int, n);

    run_epoch(a, set, 0, 10, a0, n);
    run_epoch(a, set, 1, 10, a1, n);
    run_epoch(b, set, 0, 10, b0, n);
    run_epoch(c, set, 0, 10, c0, n);
    run_epoch(plain, set, 5, 10, p0, n);

    g_assert_cmpmem(a0, n * sizeof(int), b0, n * sizeof(int));     /* same seed, epoch */
    g_assert_false(memcmp(a0, a1, n * sizeof(int)) == 0);           /* next epoch */
    g_assert_false(memcmp(a0, c0, n * sizeof(int)) == 0);           /* other seed */
    g_assert_false(memcmp(a0, all, n * sizeof(int)) == 0);          /* shuffled at all */
    g_assert_cmpmem(p0, n * sizeof(int), all, n * sizeof(int));     /* no shuffle */

    /* Repeating an epoch number repeats its order (a resumed run sees the same batches). */
    run_epoch(b, set, 1, 10, b0, n);
    g_assert_cmpmem(a1, n * sizeof(int), b0, n * sizeof(int));

    data_batcher_free(a);
    data_batcher_free(b);
    data_batcher_free(c);
    data_batcher_free(plain);
}

/* Without augmentation a batch holds exactly data_normalize_image of the originals; with
 * it, exactly the augmented image of (seed, epoch, index), the one the preview shows. */
static void
test_values(void)
{
    g_autoptr(DataSet) set = make_set();
    int n = set->count;
    g_autofree int *all = g_new(int, n);
    for (int i = 0; i < n; i++)
        all[i] = i;
    const int train[] = {0, 1, 2, 50, 90};
    DataNormalization norm = data_normalization_compute(set, train, 5);
    DataAugmentConfig augment = data_augment_config_default();
    augment.flags = DATA_AUGMENT_HFLIP | DATA_AUGMENT_ROT90 | DATA_AUGMENT_NOISE;
    float expected[VALUES];
    guint8 augmented[VALUES];

    for (int with_augment = 0; with_augment < 2; with_augment++) {
        DataBatcher *batcher = data_batcher_new(set, all, n, 16, TRUE,
                                                with_augment ? &augment : NULL, &norm, 3);
        int n_changed = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            DataBatch batch;
            data_batcher_start_epoch(batcher, epoch);
            while (data_batcher_next(batcher, &batch)) {
                for (int k = 0; k < batch.size; k++) {
                    int index = batch.indices[k];
                    const guint8 *src = data_set_image(set, index);
                    g_assert_cmpint(batch.labels[k], ==, set->labels[index]);
                    if (with_augment) {
                        data_augment_image(augmented, src, H, W, &augment, 3, epoch, index);
                        n_changed += memcmp(augmented, src, VALUES) != 0;
                        src = augmented;
                    }
                    data_normalize_image(expected, src, H * W, &norm);
                    g_assert_cmpmem(batch.images + k * VALUES, VALUES * sizeof(float),
                                    expected, VALUES * sizeof(float));
                }
            }
        }
        if (with_augment)
            g_assert_cmpint(n_changed, >, n);
        data_batcher_free(batcher);
    }

    /* Normalised means (value - mean) / std: spot-check one value by hand. */
    DataBatcher *batcher = data_batcher_new(set, all, n, 4, FALSE, NULL, &norm, 3);
    DataBatch batch;
    data_batcher_start_epoch(batcher, 0);
    g_assert_true(data_batcher_next(batcher, &batch));
    float v = (data_set_image(set, 0)[4] - norm.mean[1]) / norm.std[1];
    g_assert_cmpfloat_with_epsilon(batch.images[4], v, 1e-5);
    data_batcher_free(batcher);
}

static void
test_stop_mid_epoch(void)
{
    g_autoptr(DataSet) set = make_set();
    int n = set->count;
    g_autofree int *all = g_new(int, n);
    for (int i = 0; i < n; i++)
        all[i] = i;
    DataAugmentConfig augment = data_augment_config_default();
    augment.flags = (1u << DATA_AUGMENT_N_KINDS) - 1;
    DataBatch batch;

    /* Freed before any epoch, right after starting one, and after one batch. */
    data_batcher_free(data_batcher_new(set, all, n, 8, TRUE, &augment, NULL, 1));
    for (int taken = 0; taken < 3; taken++) {
        DataBatcher *batcher = data_batcher_new(set, all, n, 8, TRUE, &augment, NULL, 1);
        data_batcher_start_epoch(batcher, 0);
        for (int k = 0; k < taken; k++)
            g_assert_true(data_batcher_next(batcher, &batch));
        data_batcher_free(batcher);
    }

    /* Restarting mid-epoch drops the rest and begins the new epoch from its start. */
    DataBatcher *batcher = data_batcher_new(set, all, n, 8, TRUE, NULL, NULL, 1);
    DataBatcher *fresh = data_batcher_new(set, all, n, 8, TRUE, NULL, NULL, 1);
    g_autofree int *expected = g_new(int, n), *order = g_new(int, n);
    run_epoch(fresh, set, 4, 8, expected, n);
    data_batcher_start_epoch(batcher, 3);
    g_assert_true(data_batcher_next(batcher, &batch));
    g_assert_true(data_batcher_next(batcher, &batch));
    run_epoch(batcher, set, 4, 8, order, n);
    g_assert_cmpmem(order, n * sizeof(int), expected, n * sizeof(int));

    int prepared = 0;
    data_batcher_timings(batcher, NULL, NULL, &prepared);
    g_assert_cmpint(prepared, >=, data_batcher_batches_per_epoch(batcher) + 2);
    data_batcher_free(batcher);
    data_batcher_free(fresh);
}

static void
test_empty(void)
{
    g_autoptr(DataSet) set = make_set();
    DataBatcher *batcher = data_batcher_new(set, NULL, 0, 8, TRUE, NULL, NULL, 1);
    DataBatch batch;
    g_assert_cmpint(data_batcher_batches_per_epoch(batcher), ==, 0);
    data_batcher_start_epoch(batcher, 0);
    g_assert_false(data_batcher_next(batcher, &batch));
    data_batcher_free(batcher);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data/batcher/every-index-once", test_every_index_once);
    g_test_add_func("/data/batcher/shuffle-order", test_shuffle_order);
    g_test_add_func("/data/batcher/values", test_values);
    g_test_add_func("/data/batcher/stop-mid-epoch", test_stop_mid_epoch);
    g_test_add_func("/data/batcher/empty", test_empty);
    return g_test_run();
}
