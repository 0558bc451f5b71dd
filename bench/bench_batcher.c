/* bench_batcher: shows that preparing batches (augment + normalise, in the batcher's
 * background thread) costs the training loop < 5% of a step, for the paper network at
 * 64x64, batch 64: the time the consumer waits in data_batcher_next vs the step itself. */
#include <stdio.h>
#include <stdlib.h>
#include "data_batcher.h"
#include "data_synthetic.h"
#include "nn_model.h"
#include "nn_threads.h"

#define SIZE 64
#define BATCH 64
#define PAPER "c64-p-c64-p-c128-c128-p-c256-c256-p-c64-p-f512-d0.5-f2"

static double
now(void)
{
    return g_get_monotonic_time() / 1e6;
}

/* Seconds per batch of preparation with nobody else busy: one epoch, consumer idle. */
static double
prepare_alone(DataSet *set, const DataSplit *split, const DataAugmentConfig *augment,
              const DataNormalization *norm)
{
    DataBatcher *batcher = data_batcher_new(set, split->train, split->n_train, BATCH, TRUE,
                                            augment, norm, 1);
    DataBatch batch;
    data_batcher_start_epoch(batcher, 0);
    while (data_batcher_next(batcher, &batch))
        ;
    double prepare = 0;
    int batches = 0;
    data_batcher_timings(batcher, &prepare, NULL, &batches);
    data_batcher_free(batcher);
    return prepare / MAX(batches, 1);
}

int
main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 4;   /* a paper step takes seconds on 2 cores */
    int cores = (int) g_get_num_processors();
    nn_set_threads(0);

    DataSyntheticParams params = data_synthetic_params_default();
    params.size = SIZE;
    params.images_per_class = (steps + 2) * BATCH * 2 / 3;   /* 3/4 train: enough batches */
    params.seed = 5;
    g_autoptr(GError) gerror = NULL;
    g_autoptr(DataSet) set = data_synthetic_generate(&params, NULL, NULL, NULL, &gerror);
    if (set == NULL) {
        g_printerr("bench_batcher: %s\n", gerror->message);
        return 1;
    }
    g_autoptr(DataSplit) split = data_split_new(set, 0.25, 5);
    DataNormalization norm = data_normalization_compute(set, split->train, split->n_train);
    DataAugmentConfig augment = data_augment_config_default();
    augment.flags = (1u << DATA_AUGMENT_N_KINDS) - 1;   /* everything on: the worst case */

    printf("bench_batcher: %d cores, %d training images %dx%d, batch %d, %s\n", cores,
           split->n_train, SIZE, SIZE, BATCH, PAPER);
    double prep_plain = prepare_alone(set, split, NULL, &norm);
    double prep_aug = prepare_alone(set, split, &augment, &norm);
    printf("preparation alone, per batch: %.2f ms normalise only, %.2f ms with all 7 "
           "augmentations\n", prep_plain * 1e3, prep_aug * 1e3);

    nn_spec spec;
    nn_error err;
    nn_model *model = NULL;
    if (nn_spec_parse(&spec, PAPER, &err) != NN_OK
        || nn_model_create(&model, &spec, SIZE, SIZE, 3, BATCH, 1, 0, NN_OPTIMIZER_ADAM,
                           &err) != NN_OK) {
        g_printerr("bench_batcher: %s\n", err.message);
        return 1;
    }
    nn_optimizer_config config = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    nn_optimizer opt;
    if (nn_optimizer_init(&opt, &config, nn_model_num_parameters(model), &err) != NN_OK) {
        g_printerr("bench_batcher: %s\n", err.message);
        return 1;
    }

    /* The training loop as train_run does it; step 0 (cold caches, and a first batch
     * that nothing could prepare ahead of) is reported apart. */
    DataBatcher *batcher = data_batcher_new(set, split->train, split->n_train, BATCH, TRUE,
                                            &augment, &norm, 1);
    data_batcher_start_epoch(batcher, 0);
    steps = MIN(steps, data_batcher_batches_per_epoch(batcher) - 1);
    double wait_total = 0, step_total = 0, first_wait = 0, first_step = 0;
    DataBatch batch;
    for (int s = 0; s <= steps; s++) {
        double t0 = now();
        if (!data_batcher_next(batcher, &batch))
            break;
        double t1 = now();
        nn_model_zero_grad(model);
        nn_model_forward(model, batch.images, batch.labels, batch.size, 1);
        nn_model_backward(model);
        nn_optimizer_step(&opt, nn_model_params(model), nn_model_grads(model));
        double t2 = now();
        if (s == 0) {
            first_wait = t1 - t0;
            first_step = t2 - t1;
        } else {
            wait_total += t1 - t0;
            step_total += t2 - t1;
        }
    }
    double prep_during = 0;
    int prepared = 0;
    data_batcher_timings(batcher, &prep_during, NULL, &prepared);
    data_batcher_free(batcher);

    double wait = wait_total / steps, step = step_total / steps;
    printf("%-34s %10s\n", "per training step (mean of steps)", "ms");
    printf("%-34s %10.2f\n", "  preparation (background thread)", prep_during / prepared * 1e3);
    printf("%-34s %10.3f\n", "  consumer wait in next()", wait * 1e3);
    printf("%-34s %10.1f\n", "  forward+backward+Adam step", step * 1e3);
    printf("first step: wait %.2f ms (nothing to overlap with), step %.1f ms\n",
           first_wait * 1e3, first_step * 1e3);
    printf("wait / step = %.3f%%, preparation / step = %.2f%% (target < 5%%): %s\n",
           100 * wait / step, 100 * prep_during / prepared / step,
           wait / step < 0.05 ? "ok" : "TOO SLOW");

    nn_optimizer_free(&opt);
    nn_model_free(model);
    return 0;
}
