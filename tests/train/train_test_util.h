/* train_test_util: what the train tests share: small learnable datasets that cost nothing
 * to make, a tiny run config, running a run to its end, temporary folders, and reading a
 * history.csv without its wall-time column. */
#pragma once
#include <glib.h>
#include "train_config.h"
#include "train_run.h"

/* count images of size x size in num_classes classes whose mean brightness and a stripe
 * depend on the class (plus noise drawn from seed): a network can learn them in a few
 * epochs, and they take no time to make. */
DataSet *test_dataset_new(int count, int size, int num_classes, guint64 seed);

/* A config for a tiny, fast run: model spec, 16x16 input, batch 16, Adam 1e-3, no dropout. */
void test_config_init(TrainConfig *config, const char *model, int epochs);

/* Starts the run and waits for its worker; asserts start succeeded. */
void test_run_to_end(TrainRun *run);

/* A new empty temporary folder (removed by test_rmdir_recursive). */
char *test_tmpdir(void);
void test_rmdir_recursive(const char *dir);

/* history.csv's text with the last (seconds) column removed from every line. */
char *test_history_without_seconds(const char *path);

/* The lrlab-train executable under test (argv[1] of the CLI tests, via meson). */
extern const char *test_lrlab_train;

/* Runs test_lrlab_train with args (NULL-terminated) to its end; its output in out and
 * err; the exit status, or -1 when it did not exit. */
int test_run_cli(const char *const *args, char **out, char **err);
