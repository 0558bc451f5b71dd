/* bench_branch: what checkpoints per epoch and the update ratios cost (issue 13).
 * 1. Per epoch, for the small and the paper network at 64x64 with Adam: the time to write
 *    the epoch's checkpoint the way the worker does (train_model_save: weights, moments,
 *    the [model] and [resume] metadata, fsync, rename, fsync of the folder) and the bytes it
 *    adds to the run folder (the checkpoint, and the update-ratio lines of an epoch of the
 *    student's size, 190 steps).
 * 2. The ratio bookkeeping as a share of a training step (target < 1%): the measured
 *    optimizer step against the plain one, alternated in one run so machine load hits both
 *    alike, divided by the whole step (forward, backward, optimizer) at batch 64.
 * Usage: bench_branch [steps] [dir]; the checkpoints go to dir (default a temporary one). */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn_checkpoint.h"
#include "nn_model.h"
#include "nn_rng.h"
#include "nn_threads.h"
#include "train_checkpoints.h"
#include "train_model.h"
#include "train_ratios.h"
#include "train_resume.h"

#define SIZE 64
#define BATCH 64
#define STUDENT_STEPS 190   /* the seed student's batches per epoch */

static double
now(void)
{
    return g_get_monotonic_time() / 1e6;
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static nn_model *
build(const char *preset, nn_optimizer *opt)
{
    nn_spec spec;
    nn_error err;
    nn_model *model = NULL;
    nn_optimizer_config config = nn_optimizer_config_default(NN_OPTIMIZER_ADAM);
    if (nn_spec_parse(&spec, preset, &err) != NN_OK ||
        nn_model_create(&model, &spec, SIZE, SIZE, 3, BATCH, 1, 0, NN_OPTIMIZER_ADAM, &err) != NN_OK ||
        nn_optimizer_init(opt, &config, nn_model_num_parameters(model), &err) != NN_OK) {
        g_printerr("bench_branch: %s: %s\n", preset, err.message);
        exit(1);
    }
    return model;
}

/* The bytes of one epoch's lines in update-ratio-batches.csv and update-ratio.csv. */
static guint64
ratio_bytes_per_epoch(nn_model *model, const char *dir)
{
    const int nk = nn_model_num_tensors(model);
    g_autofree nn_tensor_info *tensors = g_new(nn_tensor_info, nk);
    g_autofree float *row = g_new(float, nk);
    for (int k = 0; k < nk; k++) {
        tensors[k] = *nn_model_tensor(model, k);
        row[k] = 1.234567e-3f * (k + 1);
    }
    g_autoptr(TrainRatioLog) log = train_ratio_log_new(tensors, nk);
    g_autofree char *batches = g_build_filename(dir, "update-ratio-batches.csv", NULL);
    g_autofree char *epochs = g_build_filename(dir, "update-ratio.csv", NULL);
    GStatBuf before_b, after_b, after_e;
    train_ratio_log_rewrite_batches(log, dir, NULL);   /* the header */
    g_stat(batches, &before_b);
    for (int b = 0; b < STUDENT_STEPS; b++)
        train_ratio_log_append(log, 0, b, row);
    train_ratio_log_end_epoch(log, 0);
    train_ratio_log_append_batches(log, dir, 0, NULL);
    train_ratio_log_save_epochs(log, dir, NULL);
    g_stat(batches, &after_b);
    g_stat(epochs, &after_e);
    return (guint64) (after_b.st_size - before_b.st_size) + (guint64) after_e.st_size;
}

/* Median seconds to write one epoch's checkpoint, and its size. */
static void
bench_checkpoint(const char *preset, const char *name, const char *dir, int repeats)
{
    nn_optimizer opt;
    nn_model *model = build(preset, &opt);
    opt.step = 1234;
    TrainModelInfo info;
    train_model_info_init(&info);
    info.has_info = TRUE;
    info.num_classes = 2;
    const char *classes[] = { "good", "defect", NULL };
    info.class_names = (char **) classes;
    info.epoch = 19;
    TrainResumeState state = { .epochs_done = 20, .data_hash = 0x0123456789abcdefull,
                               .best_epoch = 12, .best_val_loss = 0.25 };
    train_schedule_state_init(&state.schedule, 1e-3);
    g_autoptr(GKeyFile) extra = g_key_file_new();
    train_resume_state_save(&state, extra);

    g_autofree char *run = g_build_filename(dir, name, NULL);
    g_autofree char *checkpoints = g_build_filename(run, TRAIN_CHECKPOINTS_DIR, NULL);
    g_mkdir_with_parents(checkpoints, 0755);
    g_autofree double *seconds = g_new(double, repeats);
    guint64 bytes = 0;
    for (int r = 0; r < repeats; r++) {
        g_autofree char *path = train_checkpoints_path(run, r + 1);
        g_autoptr(GError) error = NULL;
        double t0 = now();
        if (!train_model_save(path, model, &opt, &info, extra, &error)) {
            g_printerr("bench_branch: %s\n", error->message);
            exit(1);
        }
        seconds[r] = now() - t0;
        GStatBuf st;
        g_stat(path, &st);
        bytes = (guint64) st.st_size;
    }
    guint64 ratio_bytes = ratio_bytes_per_epoch(model, run);
    g_autofree char *size = g_format_size(bytes);
    printf("%-6s %10zu params  checkpoint %9s (%llu B)  write %7.1f ms (median of %d)  "
           "ratio lines %5.1f KB/epoch at %d steps\n",
           name, nn_model_num_parameters(model), size, (unsigned long long) bytes,
           median(seconds, repeats) * 1e3, repeats, ratio_bytes / 1024.0, STUDENT_STEPS);
    nn_optimizer_free(&opt);
    nn_model_free(model);
}

/* The ratio's share of a training step of preset. */
static void
bench_ratio(const char *preset, const char *name, int steps)
{
    nn_optimizer opt;
    nn_model *model = build(preset, &opt);
    const size_t n = nn_model_num_parameters(model);
    const int nk = nn_model_num_tensors(model);
    g_autofree size_t *ends = g_new(size_t, nk);
    g_autofree double *update = g_new(double, nk), *weight = g_new(double, nk);
    for (int k = 0; k < nk; k++)
        ends[k] = nn_model_tensor(model, k)->offset + nn_model_tensor(model, k)->size;
    nn_update_norms norms = { ends, nk, update, weight };

    g_autofree float *images = g_new(float, (size_t) BATCH * SIZE * SIZE * 3);
    g_autofree int *labels = g_new(int, BATCH);
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    for (size_t i = 0; i < (size_t) BATCH * SIZE * SIZE * 3; i++)
        images[i] = nn_rng_uniform_range(&rng, -1.0f, 1.0f);
    for (int i = 0; i < BATCH; i++)
        labels[i] = i % 2;
    /* The learning rate small enough that the weights hardly move over the run. */
    opt.config.lr = 1e-7;

    g_autofree double *full = g_new(double, steps);
    g_autofree double *plain = g_new(double, steps * 20);
    g_autofree double *measured = g_new(double, steps * 20);
    for (int s = 0; s < steps; s++) {
        double t0 = now();
        nn_model_zero_grad(model);
        nn_model_forward(model, images, labels, BATCH, 1);
        nn_model_backward(model);
        nn_optimizer_step(&opt, nn_model_params(model), nn_model_grads(model));
        full[s] = now() - t0;
        /* The optimizer step alone, plain and measured in turn, on these gradients. */
        for (int r = 0; r < 20; r++) {
            double a = now();
            nn_optimizer_step(&opt, nn_model_params(model), nn_model_grads(model));
            double b = now();
            nn_optimizer_step_measured(&opt, nn_model_params(model), nn_model_grads(model), &norms);
            double c = now();
            plain[s * 20 + r] = b - a;
            measured[s * 20 + r] = c - b;
        }
    }
    double step = median(full, steps);
    double p = median(plain, steps * 20), m = median(measured, steps * 20);
    printf("%-6s %10zu params, %d tensors: training step %8.1f ms; optimizer step %.3f ms "
           "plain, %.3f ms measured: the ratios cost %+.3f ms = %.3f%% of a step (target < 1%%): "
           "%s\n",
           name, n, nk, step * 1e3, p * 1e3, m * 1e3, (m - p) * 1e3, 100 * (m - p) / step,
           (m - p) / step < 0.01 ? "ok" : "TOO SLOW");
    nn_optimizer_free(&opt);
    nn_model_free(model);
}

int
main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 5;
    g_autofree char *dir = argc > 2 ? g_strdup(argv[2]) : g_dir_make_tmp("lrlab-bench-XXXXXX", NULL);
    nn_set_threads(0);

    printf("bench_branch: %d cores, %dx%d, Adam, checkpoints in %s\n",
           (int) g_get_num_processors(), SIZE, SIZE, dir);
    printf("-- checkpoint per epoch --\n");
    bench_checkpoint(nn_preset_spec("small"), "small", dir, 9);
    bench_checkpoint(nn_preset_spec("paper"), "paper", dir, 9);
    printf("-- update ratios per step, batch %d --\n", BATCH);
    bench_ratio(nn_preset_spec("small"), "small", steps);
    bench_ratio(nn_preset_spec("paper"), "paper", MAX(steps / 2, 2));
    if (argc <= 2) {
        /* Only what this benchmark wrote. */
        g_autofree char *small = g_build_filename(dir, "small", NULL);
        g_autofree char *paper = g_build_filename(dir, "paper", NULL);
        const char *runs[] = { small, paper };
        for (int i = 0; i < 2; i++) {
            g_autoptr(GArray) files = train_checkpoints_list(runs[i]);
            for (guint f = 0; f < files->len; f++)
                g_unlink(g_array_index(files, TrainCheckpointFile, f).path);
            g_autofree char *ck = g_build_filename(runs[i], TRAIN_CHECKPOINTS_DIR, NULL);
            g_autofree char *b = g_build_filename(runs[i], "update-ratio-batches.csv", NULL);
            g_autofree char *e = g_build_filename(runs[i], "update-ratio.csv", NULL);
            g_rmdir(ck);
            g_unlink(b);
            g_unlink(e);
            g_rmdir(runs[i]);
        }
        g_rmdir(dir);
    }
    return 0;
}
