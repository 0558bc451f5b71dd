/* lrlab-train-advice: the teacher's next step after the verdict, as lrlab-train flags. */
#include "lrlab-train-advice.h"

#include "train_fields.h"
#include "train_format.h"

/* "a, b or c" */
static void
append_listed(GString *text, const char *const *items, int n)
{
    for (int i = 0; i < n; i++)
        g_string_append_printf(text, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ",
                               items[i]);
}

char *lrlab_train_phrase_advice(const TrainAdvice *advice, const TrainVerdict *verdict,
                                const char *folder, gboolean fork_kept)
{
    g_return_val_if_fail(advice != NULL && verdict != NULL, NULL);

    if (advice->kind == TRAIN_ADVICE_LOWER_RATE || advice->kind == TRAIN_ADVICE_HIGHER_RATE) {
        g_autofree char *rate = train_format_lr(advice->rate);
        return g_strdup_printf("%s: try --lr %s, ten times %s", verdict->text, rate,
                               advice->kind == TRAIN_ADVICE_LOWER_RATE ? "lower" : "higher");
    }
    if (advice->kind != TRAIN_ADVICE_CURES)
        return NULL;

    /* The values the flags would take: the patience the advice names, the field's own
     * default decay, and two augmentations that keep a chip a chip. */
    const TrainField *decay = train_field_find("weight-decay");
    g_autofree char *decay_text = train_format_lr(decay ? decay->def : 1e-4);
    g_autofree char *early = g_strdup_printf("--early-stop %d", TRAIN_ADVICE_PATIENCE);
    g_autofree char *weight_decay = g_strdup_printf("--weight-decay %s", decay_text);
    /* What a fork can change (the network it cannot: its weights belong to it), then
     * what needs a new run. */
    const char *cures[4];
    int n = 0;
    if (advice->cures & TRAIN_CURE_DROPOUT)
        cures[n++] = "--dropout on";
    if (advice->cures & TRAIN_CURE_WEIGHT_DECAY)
        cures[n++] = weight_decay;
    if (advice->cures & TRAIN_CURE_AUGMENT)
        cures[n++] = "--augment hflip,translate";
    if (advice->cures & TRAIN_CURE_EARLY_STOP)
        cures[n++] = early;

    GString *text = g_string_new(verdict->text);
    if (n > 0) {
        g_string_append(text, ": try ");
        append_listed(text, cures, n);
        if (folder != NULL && fork_kept)
            g_string_append_printf(text, ", from its best weights with --fork %s:%d", folder,
                                   advice->fork_epoch);
        g_string_append(text, "; or start again with ");
    } else
        g_string_append(text, ": start again with ");
    if (advice->cures & TRAIN_CURE_DROPOUT_LAYER)
        g_string_append(text, "a --model with a dropout layer (d0.5 before the last f), ");
    g_string_append(text, "a smaller --model or more images");
    return g_string_free(text, FALSE);
}
