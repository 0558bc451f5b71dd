/* train_import: other programs' training logs as LR Lab runs, to compare on one chart with
 * the runs made here: TensorBoard event files (PyTorch's SummaryWriter, Keras's TensorBoard
 * callback, tf.summary, tensorboardX; train_tfevents.h reads them) and CSV histories (Keras's
 * CSVLogger, or any CSV with an epoch column and loss/accuracy columns). Each source becomes
 * an ordinary run folder in a session (docs/run-folder.md): config.ini (the defaults, named
 * "Imported: <source>", epochs = what was found), status.ini (finished), history.csv, and a
 * predictions.bin that names no images (nothing is known of them), so the app and
 * lrlab-train load it like any run and nothing special exists downstream. A CSV with a
 * config.ini beside it (an LR Lab run folder trained elsewhere: an exported train.py's)
 * keeps those settings and its name (train.py's says "(PyTorch, N processes)"), so legends
 * say what really differed.
 *
 * Which number is which comes from its name (a tag or a column header), in words split at
 * anything that is not a letter or a digit:
 *   a word val, validation, valid, eval, evaluation, test or dev, or a sub-run folder of
 *   that name (Keras's logs/validation/)  -> the validation side, else training;
 *   loss -> loss; accuracy or acc -> accuracy; lr, or learning and rate -> the rate;
 *   seconds -> the epoch's time (history.csv's column);
 *   a word batch or step -> per-batch data, skipped (the epochs are what compares).
 * So "loss", "epoch_loss" under validation/, "val_loss", "Loss/val", "val_acc" all land in
 * their column. Event files' steps, sorted, are the epochs (0, 1, ...); a CSV's rows are, in
 * order. */
#pragma once
#include <glib.h>

/* The imported history of path: a folder searched for event files (files named
 * events.out.tfevents.*, a sub-run per folder: train/, validation/), one event file, or a
 * CSV file. runs receives, per run found, its name (a path relative to path, "" for path
 * itself) and its epochs (GArray of TrainEpoch). FALSE with the reason: no event files,
 * a damaged file, a CSV without an epoch or loss column, a malformed line. */
gboolean train_import_read(const char *path, GPtrArray **names, GPtrArray **histories,
                           GError **error);

/* Reads path (as above) and writes each run it holds as a new run folder in session_dir
 * (train_session_next_run_dir). Returns the folders written (NULL-terminated, g_strfreev),
 * or NULL with an error; nothing is written unless everything read. */
char **train_import_path(const char *path, const char *session_dir, GError **error);
