/* train_history: a run's per-epoch record as a CSV file, in the columns of Keras's
 * CSVLogger (epoch,accuracy,loss,val_accuracy,val_loss,lr) plus seconds, so the file opens
 * in a spreadsheet, in pandas, and beside a Keras run's log for comparison. It is the
 * run folder's history.csv: docs/run-folder.md says when it is written and how it is read. */
#pragma once
#include <glib.h>
#include "train_types.h"

/* The header line, without newline. */
#define TRAIN_HISTORY_HEADER "epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds"

/* The CSV text of epochs (n): the header and one line per epoch, numbers in the C locale
 * with the shortest text that reads back to the same double. */
char *train_history_format(const TrainEpoch *epochs, int n);

/* Writes train_history_format() to path atomically (temp file, fsync, rename). */
gboolean train_history_save(const char *path, const TrainEpoch *epochs, int n,
                            GError **error);

/* The text of the epochs saved so far, kept by a writer that saves after every epoch: a
 * run's record only grows (or is cut back, when a resume falls back), so each save formats
 * only the lines it has not seen, and a 2000-epoch run does not format 2000 lines at every
 * epoch. The epochs a cache saw must not change. Zero-initialise; clear when done. */
typedef struct {
    GString *text;      /* the header and one line per epoch */
    GArray *line_ends;  /* gsize: where each epoch's line ends in text */
} TrainHistoryText;

void train_history_text_clear(TrainHistoryText *cache);
/* train_history_save through cache (NULL: none). */
gboolean train_history_save_cached(const char *path, TrainHistoryText *cache,
                                   const TrainEpoch *epochs, int n, GError **error);

/* Parses a history CSV: columns are found by name (so a Keras CSVLogger file reads too;
 * epoch and loss are required), epochs must count up from 0. Any malformed line is an
 * error naming the file and line. Returns a GArray of TrainEpoch. */
GArray *train_history_parse(const char *text, gsize length, const char *filename,
                            GError **error);
GArray *train_history_load(const char *path, GError **error);
