/* train_checkpoints: the per-epoch checkpoints of a run folder, the ring that decides which
 * stay, and what the folder holds on disk.
 *
 *   run-003/checkpoints/epoch-0020.ckpt   the whole training state after 20 finished
 *                                         epochs (history.csv's epochs 0..19): a model file
 *                                         (train_model.h) whose [resume] group says how to
 *                                         continue (train_resume.h)
 *   run-003/best.ckpt                     the best epoch's, the same file (a hard link where
 *                                         the file system has them, else a copy)
 *
 * File names count finished epochs, as lrlab-train's "Epoch 20/30" line and the chart's
 * x axis do, so "--fork run:20" is the file epoch-0020.ckpt and the point at x = 20.
 *
 * The ring (config.ini [checkpoints], keep-last and keep-every): with keep-last 0 (the
 * default) every epoch's checkpoint stays; with keep-last K the last K epochs' stay, plus
 * every keep-every'th (20, 40, ... for 20), plus, always, the last and the best epoch's.
 * Pruning happens after an epoch is recorded, never before: the checkpoint of the last
 * epoch history.csv holds is on disk whatever moment the program dies. */
#pragma once
#include <glib.h>

#define TRAIN_CHECKPOINTS_DIR "checkpoints"

/* dir/checkpoints/epoch-0020.ckpt for epochs_done 20. Newly allocated. */
char *train_checkpoints_path(const char *run_dir, int epochs_done);

/* The ring's rule: does a run that has finished `last` epochs, the best after `best`
 * (0: none yet), keep the checkpoint after epochs_done epochs? */
gboolean train_checkpoints_keeps(int keep_last, int keep_every, int epochs_done, int last,
                                 int best);

typedef struct {
    int epochs_done;
    char *path;
    guint64 bytes;          /* the file's size */
} TrainCheckpointFile;

/* The folder's epoch checkpoints (GArray of TrainCheckpointFile, ascending epochs_done,
 * cleared with the array); empty when there are none. Other files are ignored. */
GArray *train_checkpoints_list(const char *run_dir);

/* What the run folder takes on disk (every file under it, a hard-linked file once), and how
 * much of it the per-epoch checkpoints are; either pointer may be NULL. */
guint64 train_checkpoints_disk_usage(const char *run_dir, guint64 *checkpoint_bytes);

/* Removes the checkpoints the ring (keep_last, keep_every) does not keep for a run of
 * `last` finished epochs whose best is `best`. keep_last 0 keeps every one. n_removed and
 * bytes_freed (may be NULL) say what went. A file that cannot be removed is an error naming
 * it; those removed before it stay removed. */
gboolean train_checkpoints_prune(const char *run_dir, int keep_last, int keep_every, int last,
                                 int best, int *n_removed, guint64 *bytes_freed,
                                 GError **error);

/* Makes dst the same file as src, atomically (a reader sees the old dst or the new one): a
 * hard link renamed over dst, or, where the file system has no hard links (or dst is on
 * another one), a copy written beside dst and renamed. */
gboolean train_checkpoints_share(const char *src, const char *dst, GError **error);
