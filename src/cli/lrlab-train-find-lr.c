/* lrlab-train --find-lr: fastai's learning-rate range test (train_lr_finder.h) from the
 * initial weights a run of these settings would start from. Prints one line per few
 * batches (rate, loss, smoothed loss), the three rules' rates and the suggestion, and
 * writes every batch to lr_find.csv under --out. The run itself is untouched: the finder
 * trains a copy of its starting point and forgets it. */
#include "lrlab-train-find-lr.h"

#include <errno.h>
#include <glib-unix.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "train_format.h"
#include "train_lr_finder.h"

typedef struct {
    GMainLoop *loop;
    TrainNotifier *notifier;
    GCancellable *cancellable;
    TrainLrFinderResult result;
    GError *error;
    int printed;
    gboolean ok;
} Finding;

/* Every fifth batch as it comes, so a terminal shows the curve being drawn. */
static void
print_points(gpointer user_data)
{
    Finding *f = user_data;
    static TrainLrFinderState state;   /* 10 kB: not on the stack; one finder per process */

    train_notifier_read(f->notifier, &state);
    for (; f->printed < state.n_points; f->printed++) {
        const TrainLrFinderPoint *p = &state.points[f->printed];
        if (f->printed % 5 != 0 && f->printed + 1 != state.n_points)
            continue;
        g_autofree char *lr = train_format_lr(p->lr);
        printf("%5d  %-8s  %10.4f  %10.4f\n", f->printed + 1, lr, p->loss, p->smoothed);
    }
    fflush(stdout);
}

static void
on_found(GObject *source, GAsyncResult *res, gpointer user_data)
{
    Finding *f = user_data;

    f->ok = train_lr_finder_run_finish(res, &f->result, &f->error);
    g_main_loop_quit(f->loop);
}

static gboolean
on_sigint(gpointer user_data)
{
    g_cancellable_cancel(user_data);
    return G_SOURCE_CONTINUE;
}

static void
print_rule(const char *name, double lr, const char *why)
{
    g_autofree char *text = train_format_lr(lr);
    printf("  %-9s %-8s %s\n", name, text, why);
}

int lrlab_train_find_lr(const TrainConfig *config, DataSet *set, int steps, const char *out)
{
    Finding f = {
        .loop = g_main_loop_new(NULL, FALSE),
        .notifier = train_notifier_new(NULL, sizeof(TrainLrFinderState)),
        .cancellable = g_cancellable_new(),
    };
    TrainLrFinderOptions options = train_lr_finder_options_default();
    if (steps > 0)
        options.steps = steps;
    g_autofree char *start = train_format_lr(options.start_lr);
    g_autofree char *end = train_format_lr(options.end_lr);
    int status = 0;

    printf("Finding a learning rate: %d batches from the run's initial weights, the rate "
           "growing from %s to %s (fastai's range test); the weights are put back after.\n",
           options.steps, start, end);
    printf("%5s  %-8s  %10s  %10s\n", "batch", "lr", "loss", "smoothed");
    train_lr_finder_result_init(&f.result);
    train_notifier_set_func(f.notifier, print_points, &f, NULL);
    train_lr_finder_run_async(config, set, &options, f.notifier, f.cancellable, on_found, &f);
    guint sigint = g_unix_signal_add(SIGINT, on_sigint, f.cancellable);
    g_main_loop_run(f.loop);
    g_source_remove(sigint);
    print_points(&f);
    train_notifier_set_func(f.notifier, NULL, NULL, NULL);

    if (!f.ok) {
        gboolean interrupted = g_error_matches(f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        fprintf(stderr, "lrlab-train: %s\n", f.error->message);
        status = interrupted ? 130 : 1;
        goto done;
    }
    const TrainLrFinderPoint *p = (const TrainLrFinderPoint *) f.result.points->data;
    const TrainLrSuggestion *s = &f.result.suggestion;
    printf("%u batches in %.1f s%s\n", f.result.points->len, f.result.seconds,
           f.result.stop == TRAIN_LR_FINDER_DIVERGED ? ", stopped when the smoothed loss "
                                                       "passed 4x its minimum"
           : f.result.stop == TRAIN_LR_FINDER_NOT_FINITE ? ", stopped when the loss was no "
                                                           "longer a number"
                                                         : "");
    if (s->found) {
        g_autofree char *lr = train_format_lr(s->lr);
        printf("\nSuggested learning rate: %s\n", lr);
        g_autofree char *lowest = train_format_lr(p[s->minimum].lr);
        g_autofree char *valley = g_strdup_printf(
            "down the longest fall of the loss (smoothed %.4f there): the suggestion",
            p[s->valley].smoothed);
        g_autofree char *steep = g_strdup_printf("where the loss falls fastest (%.4f)",
                                                 p[s->steep].smoothed);
        g_autofree char *minimum = g_strdup_printf(
            "a tenth of %s, where the loss is lowest (%.4f)", lowest, p[s->minimum].smoothed);
        print_rule("valley", s->valley_lr, valley);
        print_rule("steep", s->steep_lr, steep);
        print_rule("minimum", s->minimum_lr, minimum);
        if (s->clear)
            printf("Train with it: --lr %s\n", lr);
        else
            printf("But: %s\n", f.result.message);
    } else {
        printf("\nNo suggestion: %s\n", f.result.message);
        status = 1;
    }
    if (out) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(out, "lr_find.csv", NULL);
        if (g_mkdir_with_parents(out, 0755) != 0 ||
            !train_lr_finder_save_csv(&f.result, path, &error)) {
            fprintf(stderr, "lrlab-train: cannot write %s: %s\n", path,
                    error ? error->message : g_strerror(errno));
            status = 1;
        } else {
            printf("Wrote %s\n", path);
        }
    }

done:
    g_clear_error(&f.error);
    train_lr_finder_result_clear(&f.result);
    train_notifier_unref(f.notifier);
    g_object_unref(f.cancellable);
    g_main_loop_unref(f.loop);
    return status;
}
