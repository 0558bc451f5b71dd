/* lrlab-train --find-lr: the learning-rate range test instead of training (see
 * lrlab-train-find-lr.c). */
#pragma once
#include "data_dataset.h"
#include "train_config.h"

/* Runs the finder on set with config's network, batches and initial weights over steps
 * batches (0: fastai's 100), prints the rates and losses and the suggestions, writes
 * out/lr_find.csv when out is given. Ctrl-C
 * cancels it. The exit status: 0, 1 (it could not run), 130 (interrupted). */
int lrlab_train_find_lr(const TrainConfig *config, DataSet *set, int steps, const char *out);
