/* lrlab-train's advice line: train_advice.h's cures and rates in flags one can paste. */
#pragma once
#include "train_advice.h"

/* "overfitting from epoch 18: try --weight-decay 1e-4, --augment hflip,translate or
 * --early-stop 5, from its best weights with --fork runs/lr_1e-03:17; or start again with a
 * smaller --model or more images", "too slow: try --lr 1e-3, ten times higher", or NULL
 * when there is nothing to say. folder: the run's folder, or
 * NULL (nothing kept to fork from); fork_kept: whether its checkpoint after the advice's
 * fork epoch is kept. Newly allocated. */
char *lrlab_train_phrase_advice(const TrainAdvice *advice, const TrainVerdict *verdict,
                                const char *folder, gboolean fork_kept);
