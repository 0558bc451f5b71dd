/* train_export: several runs' epochs in one CSV file, for a spreadsheet or pandas. Each
 * line is a line of the run's history.csv (train_history_format: the same columns, the
 * same digits) with the run's name and label in front, so an export never disagrees with
 * the run folders it came from. */
#pragma once
#include <glib.h>
#include "train_history.h"
#include "train_run.h"

/* The header line, without newline. */
#define TRAIN_EXPORT_HEADER "run,label," TRAIN_HISTORY_HEADER

typedef struct {
    const char *name;          /* "Run 2" */
    const char *label;         /* what differs from the other runs ("lr 1e-4"); NULL: "" */
    const TrainEpoch *epochs;  /* n_epochs */
    int n_epochs;
} TrainExportRun;

/* The CSV text: the header, then every epoch of runs[0], of runs[1]... The name and label
 * are always quoted (a quote inside doubled), since a user's run name may hold a comma. */
char *train_export_format(const TrainExportRun *runs, int n_runs);

/* Writes train_export_format() to path atomically (a temporary file renamed over it). */
gboolean train_export_save(const char *path, const TrainExportRun *runs, int n_runs,
                           GError **error);
