/* train_record: a run's folder on disk, as plain data: writers for each of its files and
 * one reader that gives the whole folder back as a snapshot. It knows nothing of TrainRun
 * or of threads: the run and its worker hand it copies they own, and it takes no lock.
 * docs/run-folder.md is the format: every file and key, who writes it when, in which
 * order, what a killed run leaves, and how a folder is read back. */
#pragma once
#include <glib.h>
#include "data_folder.h"
#include "train_config.h"
#include "train_history.h"
#include "train_types.h"

/* The validation images a run's predictions are about, fixed once its dataset is loaded.
 * predictions.bin holds everything but the class names, which status.ini lists. */
typedef struct {
    int num_classes;
    char **class_names;      /* (num_classes) NULL-terminated; NULL when not known */
    int n_val;
    int *val_indices;        /* (n_val) into the dataset */
    int *val_labels;         /* (n_val) true class */
    char **val_sources;      /* (n_val) NULL-terminated: "synthetic/good/000003", a path */
} TrainRecordSplit;

void train_record_split_copy(TrainRecordSplit *dst, const TrainRecordSplit *src);
void train_record_split_clear(TrainRecordSplit *split);

/* A whole folder as train_record_read found it. */
typedef struct {
    TrainConfig config;                 /* config.ini */
    TrainStatus status;                 /* status.ini, as saved (a killed run: "running") */
    char *message;                      /* status.ini; NULL when none */
    int diverged_epoch, diverged_batch; /* status.ini; -1 unless DIVERGED */
    TrainTestScore test;                /* status.ini; images 0 when none */
    TrainRecordSplit split;             /* predictions.bin + status.ini's classes */
    GArray *epochs;                     /* history.csv: TrainEpoch */
    TrainPrediction *predictions;       /* predictions.bin: (epochs->len, split.n_val) */
    float *probabilities;               /* predictions.bin: (epochs->len, split.n_val,
                                         * split.num_classes); NULL from a version 1 file */
} TrainRecordFolder;

void train_record_folder_clear(TrainRecordFolder *folder);

/* Each writer replaces its file(s) in dir atomically (docs/run-folder.md). */

/* config.ini: the run's settings (train_config_save). */
gboolean train_record_write_config(const char *dir, const TrainConfig *config,
                                   GError **error);

/* predictions.bin, then history.csv: the n_epochs finished epochs and every class's
 * probability for each validation image ((n_epochs, split->n_val, split->num_classes)).
 * split is NULL before the dataset is loaded: then there are no epochs yet, and
 * predictions.bin names no images. A split of no images with epochs is a run that
 * recorded no predictions (imported: train_import.h); predictions may then be NULL.
 * Predictions go first so that a kill
 * between the two leaves a history that every prediction file it meets can answer. */
gboolean train_record_write_epochs(const char *dir, const TrainRecordSplit *split,
                                   const TrainEpoch *epochs, int n_epochs,
                                   const float *probabilities, GError **error);
/* The same for a writer that saves after every epoch: history.csv's text through cache
 * (train_history.h), so each save formats only the new epochs. */
gboolean train_record_write_epochs_cached(const char *dir, const TrainRecordSplit *split,
                                          const TrainEpoch *epochs, int n_epochs,
                                          const float *probabilities,
                                          TrainHistoryText *cache, GError **error);

/* status.ini: how far the run got (progress), the sentence for the user (message, may be
 * NULL), how many epochs history.csv holds, and the class names from split (may be NULL). */
gboolean train_record_write_status(const char *dir, const TrainProgress *progress,
                                   const char *message, int epochs_done,
                                   const TrainRecordSplit *split, GError **error);

/* skipped-files.txt: the files a folder dataset could not use, one "PATH<TAB>REASON"
 * line each (DataFolderReport's skipped, may be NULL: an empty file). lrlab-train writes
 * it; nothing reads it back. */
#define TRAIN_RECORD_SKIPPED_FILES "skipped-files.txt"
gboolean train_record_write_skipped_files(const char *dir, const GPtrArray *skipped,
                                          GError **error);

/* Removes the temporary files our writers leave beside a record file when the program
 * dies mid-write (SIGKILL, SIGPIPE, a crash): "history.csv.XXXXXX", "best.ckpt.tmpXXXXXX"
 * (docs/run-folder.md). Only while no live program writes the folder: status.ini says the
 * run ended, or the process it names is gone from this machine (a folder of an older
 * version names none: then only temporaries older than 10 minutes go). Returns how many
 * were removed. train_run_load calls it, so opening a run or a session cleans up. */
guint train_record_remove_stale_temporaries(const char *dir);

/* Reads and checks every file of dir. On failure folder is left cleared and the error
 * names the folder and the file ("run-003: history.csv: line 4: loss is not a number"). */
gboolean train_record_read(const char *dir, TrainRecordFolder *folder, GError **error);

/* One key file of a run folder (status.ini, fork.ini, group.ini, ...) parsed, or NULL when
 * it is missing or not a key file (error says which, when given). The readers of the small
 * files that a folder may lack all start here. */
GKeyFile *train_record_load_key_file(const char *dir, const char *name, GError **error);
