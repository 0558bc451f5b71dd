/* gradcam_hits: does the network look at the defect? For a run folder trained on the
 * built-in chips (e.g. `lrlab-train --out runs`, the default preset), takes the validation
 * chips that are defective and that the run's best.ckpt classifies correctly, and counts
 * how often the peak of the Grad-CAM map for "defect" (and, as the model-agnostic check, of
 * the occlusion map) falls inside the box the generator drew the defect in. Also prints
 * what chance would give (the boxes' mean share of the image) and the cost per image.
 * Usage: build/bench/gradcam-hits RUN_DIR [--occlusion-window N]. Timings are wall time on
 * this machine: compare them only with others measured in the same run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_images.h"
#include "train_predictor.h"

static double
now(void)
{
    return (double) g_get_monotonic_time() / G_USEC_PER_SEC;
}

static int
peak_of(const float *map, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (map[i] > map[best])
            best = i;
    return best;
}

static gboolean
inside(const DataBox *box, int pixel, int side)
{
    int y = pixel / side, x = pixel % side;
    return x >= box->x && x < box->x + box->width && y >= box->y && y < box->y + box->height;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s RUN_DIR [--occlusion-window N]\n", argv[0]);
        return 2;
    }
    int window = argc > 3 && g_str_equal(argv[2], "--occlusion-window") ? atoi(argv[3]) : 0;
    GError *error = NULL;
    TrainRun *run = train_run_load(argv[1], &error);
    TrainImages images;
    g_autofree char *ckpt = g_build_filename(argv[1], "best.ckpt", NULL);
    TrainPredictor *p = run ? train_predictor_new(ckpt, 32, &error) : NULL;
    if (p == NULL || !train_images_load(run, &images, NULL, &error)) {
        fprintf(stderr, "gradcam-hits: %s\n", error->message);
        return 1;
    }
    DataSet *set = images.images;
    const int side = p->size, defect = 1;
    if (set->defect_boxes == NULL || set->num_classes != 2) {
        fprintf(stderr, "gradcam-hits: needs a run on the two-class built-in chips\n");
        return 1;
    }
    if (window <= 0)
        window = train_predictor_occlusion_window(p);

    /* The defective validation chips, and which of them the best weights get right. */
    g_autoptr(GArray) chips = g_array_new(FALSE, FALSE, sizeof(int));
    for (int i = 0; i < set->count; i++)
        if (set->labels[i] == defect && set->defect_boxes[i].width > 0)
            g_array_append_val(chips, i);
    const int n = (int) chips->len, K = set->num_classes;
    g_autofree const guint8 **pixels = g_new(const guint8 *, MAX(n, 1));
    for (int k = 0; k < n; k++)
        pixels[k] = data_set_image(set, g_array_index(chips, int, k));
    g_autofree float *probs = g_new(float, (gsize) MAX(n, 1) * K);
    g_autofree float *maps = g_new(float, (gsize) MAX(n, 1) * side * side);
    g_autofree int *classes = g_new(int, MAX(n, 1));
    for (int k = 0; k < n; k++)
        classes[k] = defect;
    train_predictor_predict(p, pixels, MIN(n, p->batch), probs);   /* warm up threads, memory */
    double t0 = now();
    if (!train_predictor_gradcam(p, pixels, n, classes, maps, NULL, probs, &error)) {
        fprintf(stderr, "gradcam-hits: %s\n", error->message);
        return 1;
    }
    double gradcam_seconds = now() - t0;
    t0 = now();
    train_predictor_predict(p, pixels, n, probs);
    double forward_seconds = now() - t0;

    int correct = 0, hits = 0, occlusion_hits = 0;
    double box_share = 0, occlusion_seconds = 0;
    g_autofree float *drop = g_new(float, (gsize) side * side);
    for (int k = 0; k < n; k++) {
        if (train_argmax(probs + (gsize) k * K, K) != defect)
            continue;
        const DataBox *box = &set->defect_boxes[g_array_index(chips, int, k)];
        correct++;
        box_share += (double) box->width * box->height / (side * side);
        hits += inside(box, peak_of(maps + (gsize) k * side * side, side * side), side);
        /* The app's own occlusion (the Mistakes page's "by occlusion"), one chip at a time. */
        t0 = now();
        if (!train_predictor_occlusion(p, pixels + k, 1, &defect, window, drop, NULL, NULL,
                                       &error)) {
            fprintf(stderr, "gradcam-hits: %s\n", error->message);
            return 1;
        }
        occlusion_seconds += now() - t0;
        occlusion_hits += inside(box, peak_of(drop, side * side), side);
    }
    printf("run %s: best weights of epoch %d, %d defective validation chips, %d classified "
           "correctly\n", argv[1], p->info.epoch + 1, n, correct);
    printf("Grad-CAM peak inside the defect box: %d of %d (%.1f%%)\n", hits, correct,
           100.0 * hits / MAX(correct, 1));
    printf("occlusion (window %d, stride %d) peak inside the box: %d of %d (%.1f%%)\n", window,
           MAX(window / 2, 1), occlusion_hits, correct, 100.0 * occlusion_hits / MAX(correct, 1));
    printf("chance (a uniformly random pixel; the boxes' mean share of the image): %.1f%%\n",
           100.0 * box_share / MAX(correct, 1));
    printf("cost per image (batches of %d): forward %.2f ms, Grad-CAM %.2f ms, occlusion %.1f ms\n",
           p->batch, 1e3 * forward_seconds / MAX(n, 1), 1e3 * gradcam_seconds / MAX(n, 1),
           1e3 * occlusion_seconds / MAX(correct, 1));
    train_images_clear(&images);
    train_predictor_free(p);
    train_run_unref(run);
    return 0;
}
