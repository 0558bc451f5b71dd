/* train_tfevents: TensorBoard's event files, written for every run folder and read back from
 * any program that writes them (PyTorch's SummaryWriter, Keras's TensorBoard callback,
 * tf.summary, tensorboardX), so `tensorboard --logdir runs` shows LR Lab's runs and LR Lab
 * shows theirs (train_import.h).
 *
 * A file is a sequence of TFRecords, little-endian:
 *   u64 length | u32 masked CRC-32C of those 8 bytes | data (length bytes)
 *   | u32 masked CRC-32C of data
 * where masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 (TensorFlow's crc32c::Mask), and
 * each data is one tensorflow.Event message (event.proto):
 *   wall_time (1, double) | step (2, int64) | file_version (3, string) | summary (5)
 *   Summary: repeated value (1): tag (1), simple_value (2, float), metadata (9), tensor (8)
 *   TensorProto: dtype (1), tensor_shape (2), tensor_content (4), float_val (5),
 *                double_val (6), int_val (7), int64_val (10)
 * The first record is an Event with file_version "brain.Event:2" and no summary.
 *
 * LR Lab writes, as each epoch finishes (after its records: docs/run-folder.md), one Event
 * per sub-run with step = the epoch (from 0, as history.csv): RUN/train/ gets the scalars
 * loss, accuracy and lr, RUN/validation/ gets loss and accuracy, each as simple_value, so
 * TensorBoard draws training and validation of one tag in one chart, as it does for Keras.
 * Appending (not rewriting) is what TensorBoard expects of a file being written: it keeps
 * reading where it stopped. */
#pragma once
#include <glib.h>
#include "train_types.h"

#define TRAIN_TFEVENTS_FILE_VERSION "brain.Event:2"
/* What every event file's name starts with; TensorBoard finds files by it. */
#define TRAIN_TFEVENTS_PREFIX "events.out.tfevents."

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF):
 * "123456789" gives 0xE3069283. Bitwise reference and the table version the files use. */
guint32 train_crc32c(const void *data, gsize length);
guint32 train_crc32c_reference(const void *data, gsize length);
guint32 train_tfrecord_mask(guint32 crc);

/* One scalar as written or read back. */
typedef struct {
    char *tag;
    gint64 step;
    double wall_time;
    double value;
} TrainTfScalar;

/* A parsed event file. */
typedef struct {
    char *file_version;       /* the first record's, or NULL */
    GArray *scalars;          /* TrainTfScalar, in file order */
    int n_records;            /* whole records read */
    gsize valid_length;       /* bytes up to the end of the last whole record */
    gboolean truncated;       /* the file ends inside a record: a file still being written
                               * (or cut by a crash); everything before it was read */
} TrainTfEventsFile;

void train_tfevents_file_clear(TrainTfEventsFile *file);

/* Reads data (a whole file) record by record up to its end or its first incomplete
 * record. Scalars are simple_value or a one-element float, double, int32 or int64 tensor;
 * anything else (images, histograms, text) is skipped. FALSE with an error in words
 * ("record 3 at byte 120 is damaged: its checksum does not match") when a whole record's
 * checksum or message is wrong; file is then cleared. name prefixes the message. */
gboolean train_tfevents_parse(const guint8 *data, gsize length, const char *name,
                              TrainTfEventsFile *file, GError **error);
gboolean train_tfevents_load(const char *path, TrainTfEventsFile *file, GError **error);

/* Appends one Event holding scalars (n; their step and wall_time are ignored) at step to
 * the LR Lab event file in dir (created, with its file_version record first, when there
 * is none; a record a crash cut short at its end is cut off before appending). */
gboolean train_tfevents_append(const char *dir, gint64 step, double wall_time,
                               const TrainTfScalar *scalars, int n, GError **error);

/* The run folder's event files for one finished epoch: RUN/train and RUN/validation, as
 * described above. The worker calls it after the epoch's records are written. */
gboolean train_tfevents_write_epoch(const char *run_dir, const TrainEpoch *epoch,
                                    GError **error);

/* What the worker calls after an epoch's records are written: train_tfevents_write_epoch
 * when run_dir is not NULL. The event files are for other tools, not the run's record, so
 * a failure does not stop the run: it is said on stderr (g_message). */
void train_tfevents_log_epoch(const char *run_dir, const TrainEpoch *epoch);
