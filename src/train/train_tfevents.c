/* train_tfevents: TFRecord framing with masked CRC-32C around tensorflow.Event messages
 * (the layout is in the header), written by appending and read bounds-checked, so a file
 * still being written reads up to its last whole record. */
#include "train_tfevents.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "train_protobuf.h"

#define LRLAB_SUFFIX ".lrlab"

/* ---- CRC-32C ---- */

#define CRC32C_POLY 0x82f63b78u   /* Castagnoli, bit-reflected */

guint32 train_crc32c_reference(const void *data, gsize length)
{
    const guint8 *p = data;
    guint32 crc = 0xffffffffu;
    for (gsize i = 0; i < length; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (CRC32C_POLY & (0u - (crc & 1u)));
    }
    return crc ^ 0xffffffffu;
}

/* One byte at a time through a 256-entry table of the reference's eight steps. */
static const guint32 *
crc32c_table(void)
{
    static guint32 table[256];
    static gsize ready = 0;
    if (g_once_init_enter(&ready)) {
        for (guint32 b = 0; b < 256; b++) {
            guint32 crc = b;
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (CRC32C_POLY & (0u - (crc & 1u)));
            table[b] = crc;
        }
        g_once_init_leave(&ready, 1);
    }
    return table;
}

guint32 train_crc32c(const void *data, gsize length)
{
    const guint32 *table = crc32c_table();
    const guint8 *p = data;
    guint32 crc = 0xffffffffu;
    for (gsize i = 0; i < length; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc ^ 0xffffffffu;
}

guint32 train_tfrecord_mask(guint32 crc)
{
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

/* ---- writing ---- */

static void
put_le32(GByteArray *out, guint32 v)
{
    guint8 b[4] = { v, v >> 8, v >> 16, v >> 24 };
    g_byte_array_append(out, b, 4);
}

/* data as one TFRecord. */
static void
frame_record(GByteArray *out, const GByteArray *data)
{
    guint8 len[8];
    guint64 n = data->len;
    for (int i = 0; i < 8; i++)
        len[i] = (guint8) (n >> (8 * i));
    g_byte_array_append(out, len, 8);
    put_le32(out, train_tfrecord_mask(train_crc32c(len, 8)));
    g_byte_array_append(out, data->data, data->len);
    put_le32(out, train_tfrecord_mask(train_crc32c(data->data, data->len)));
}

static GByteArray *
event_new(double wall_time, gint64 step)
{
    GByteArray *event = g_byte_array_new();
    train_pb_put_double(event, 1, wall_time);
    train_pb_put_int(event, 2, step);
    return event;
}

static void
frame_file_version(GByteArray *out, double wall_time)
{
    g_autoptr(GByteArray) event = event_new(wall_time, 0);
    train_pb_put_string(event, 3, TRAIN_TFEVENTS_FILE_VERSION);
    frame_record(out, event);
}

static void
frame_scalars(GByteArray *out, gint64 step, double wall_time, const TrainTfScalar *scalars,
              int n)
{
    g_autoptr(GByteArray) summary = g_byte_array_new();
    for (int i = 0; i < n; i++) {
        g_autoptr(GByteArray) value = g_byte_array_new();
        train_pb_put_string(value, 1, scalars[i].tag);
        train_pb_put_float(value, 2, (float) scalars[i].value);
        train_pb_put_message(summary, 1, value);
    }
    g_autoptr(GByteArray) event = event_new(wall_time, step);
    train_pb_put_message(event, 5, summary);
    frame_record(out, event);
}

/* The LR Lab event file already in dir, or NULL. */
static char *
find_own_file(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    char *found = NULL;
    while (d && (name = g_dir_read_name(d)))
        if (g_str_has_prefix(name, TRAIN_TFEVENTS_PREFIX) && g_str_has_suffix(name, LRLAB_SUFFIX)
            && (found == NULL || strcmp(name, found) > 0)) {
            g_free(found);
            found = g_strdup(name);
        }
    return found;
}

static gboolean
io_failed(GError **error, const char *what, const char *path)
{
    int saved = errno;
    g_autofree char *shown = g_filename_display_name(path);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "Cannot %s %s: %s", what,
                shown, g_strerror(saved));
    return FALSE;
}

/* What this process last left each event file at (path -> its size): a file still that
 * size has no tail a crash cut short, so the next append need not read it all again (a
 * 2000-epoch run would read its whole log at every epoch). */
static GMutex appended_lock;
static GHashTable *appended_sizes;

static gint64
file_size(const char *path)
{
    GStatBuf st;
    return g_stat(path, &st) == 0 ? (gint64) st.st_size : -1;
}

static gboolean
known_whole(const char *path)
{
    g_mutex_lock(&appended_lock);
    gpointer size = appended_sizes ? g_hash_table_lookup(appended_sizes, path) : NULL;
    g_mutex_unlock(&appended_lock);
    return size != NULL && *(gint64 *) size == file_size(path);
}

static void
remember_size(const char *path)
{
    gint64 *size = g_new(gint64, 1);
    *size = file_size(path);
    g_mutex_lock(&appended_lock);
    if (appended_sizes == NULL)
        appended_sizes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_replace(appended_sizes, g_strdup(path), size);
    g_mutex_unlock(&appended_lock);
}

/* The file to append to: the existing one with a tail cut short removed, or a new one
 * (with its file_version record in header) when there is none or the old one is damaged:
 * a damaged file is left as it is, never cut. */
static char *
open_target(const char *dir, double wall_time, GByteArray *header, GError **error)
{
    g_autofree char *existing = find_own_file(dir);
    if (existing) {
        char *path = g_build_filename(dir, existing, NULL);
        if (known_whole(path))
            return path;
        TrainTfEventsFile f;
        gboolean ok = train_tfevents_load(path, &f, NULL);
        if (ok && f.truncated && truncate(path, (off_t) f.valid_length) != 0) {
            io_failed(error, "repair", path);
            train_tfevents_file_clear(&f);
            g_free(path);
            return NULL;
        }
        train_tfevents_file_clear(&f);
        if (ok)
            return path;
        g_free(path);
    }
    g_autofree char *host = g_strdup(g_get_host_name());
    g_strdelimit(host, "/", '_');
    for (int i = 0;; i++) {
        g_autofree char *name =
            g_strdup_printf(TRAIN_TFEVENTS_PREFIX "%lld.%s%s%.0d" LRLAB_SUFFIX,
                            (long long) wall_time, host, i ? "." : "", i);
        char *path = g_build_filename(dir, name, NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
            frame_file_version(header, wall_time);
            return path;
        }
        g_free(path);
    }
}

gboolean train_tfevents_append(const char *dir, gint64 step, double wall_time,
                               const TrainTfScalar *scalars, int n, GError **error)
{
    g_return_val_if_fail(dir != NULL && (n == 0 || scalars != NULL), FALSE);

    if (g_mkdir_with_parents(dir, 0755) != 0)
        return io_failed(error, "create folder", dir);
    g_autoptr(GByteArray) bytes = g_byte_array_new();
    g_autofree char *path = open_target(dir, wall_time, bytes, error);
    if (path == NULL)
        return FALSE;
    frame_scalars(bytes, step, wall_time, scalars, n);

    FILE *f = fopen(path, "ab");
    if (f == NULL)
        return io_failed(error, "open", path);
    /* One write, then to the disk: a reader sees whole records or a cut-short tail. */
    gboolean ok = fwrite(bytes->data, 1, bytes->len, f) == bytes->len && fflush(f) == 0 &&
                  fsync(fileno(f)) == 0;
    if (!ok) {
        io_failed(error, "write", path);
        fclose(f);
        return FALSE;
    }
    if (fclose(f) != 0)
        return io_failed(error, "write", path);
    remember_size(path);
    return TRUE;
}

gboolean train_tfevents_write_epoch(const char *run_dir, const TrainEpoch *epoch,
                                    GError **error)
{
    g_return_val_if_fail(run_dir != NULL && epoch != NULL, FALSE);

    double now = (double) g_get_real_time() / G_USEC_PER_SEC;
    const TrainTfScalar train[] = {
        { .tag = "loss", .value = epoch->loss },
        { .tag = "accuracy", .value = epoch->accuracy },
        { .tag = "lr", .value = epoch->lr },
    };
    const TrainTfScalar validation[] = {
        { .tag = "loss", .value = epoch->val_loss },
        { .tag = "accuracy", .value = epoch->val_accuracy },
    };
    g_autofree char *train_dir = g_build_filename(run_dir, "train", NULL);
    g_autofree char *val_dir = g_build_filename(run_dir, "validation", NULL);
    return train_tfevents_append(train_dir, epoch->epoch, now, train, G_N_ELEMENTS(train),
                                 error) &&
           train_tfevents_append(val_dir, epoch->epoch, now, validation,
                                 G_N_ELEMENTS(validation), error);
}

void train_tfevents_log_epoch(const char *run_dir, const TrainEpoch *epoch)
{
    g_autoptr(GError) error = NULL;

    if (run_dir == NULL || train_tfevents_write_epoch(run_dir, epoch, &error))
        return;
    g_message("The TensorBoard log of %s is not written: %s", run_dir, error->message);
}

/* ---- reading ---- */

void train_tfevents_file_clear(TrainTfEventsFile *file)
{
    g_clear_pointer(&file->file_version, g_free);
    if (file->scalars) {
        for (guint i = 0; i < file->scalars->len; i++)
            g_free(g_array_index(file->scalars, TrainTfScalar, i).tag);
        g_clear_pointer(&file->scalars, g_array_unref);
    }
    memset(file, 0, sizeof *file);
}

static guint64
le_bits(const guint8 *p, int n)
{
    guint64 v = 0;
    for (int i = 0; i < n; i++)
        v |= (guint64) p[i] << (8 * i);
    return v;
}

/* TensorFlow's DataType numbers for the scalar kinds we read. */
enum { DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3, DT_INT64 = 9 };

/* The little-endian bits of one number of dtype as a double. */
static double
decode_number(int dtype, guint64 bits)
{
    if (dtype == DT_FLOAT) {
        guint32 b32 = (guint32) bits;
        float f;
        memcpy(&f, &b32, 4);
        return f;
    }
    if (dtype == DT_DOUBLE) {
        double d;
        memcpy(&d, &bits, 8);
        return d;
    }
    return dtype == DT_INT32 ? (double) (gint32) bits : (double) (gint64) bits;
}

static gsize
dtype_size(int dtype)
{
    return dtype == DT_FLOAT || dtype == DT_INT32 ? 4 : dtype == DT_DOUBLE || dtype == DT_INT64 ? 8 : 0;
}

/* The numbers of a TensorProto; TRUE with *value when it holds exactly one. Its typed
 * lists (float_val 5, double_val 6, int_val 7, int64_val 10) may be packed or not; else
 * tensor_content (4) holds the raw bytes of its dtype. */
static gboolean
tensor_scalar(const guint8 *data, gsize length, double *value)
{
    static const int list_dtype[11] = { [5] = DT_FLOAT, [6] = DT_DOUBLE, [7] = DT_INT32,
                                        [10] = DT_INT64 };
    TrainPbReader r;
    int dtype = 0, count = 0;
    const guint8 *content = NULL;
    gsize n_content = 0;

    train_pb_reader_init(&r, data, length);
    while (train_pb_next(&r)) {
        int list = r.field < G_N_ELEMENTS(list_dtype) ? list_dtype[r.field] : 0;
        if (r.field == 1 && r.type == TRAIN_PB_VARINT) {
            dtype = (int) r.varint;
        } else if (r.field == 4 && r.type == TRAIN_PB_BYTES) {
            content = r.bytes;
            n_content = r.n_bytes;
        } else if (list && r.type != TRAIN_PB_BYTES) {
            *value = decode_number(list, r.varint);
            count++;
        } else if (list && (list == DT_FLOAT || list == DT_DOUBLE)) {
            gsize size = dtype_size(list);
            if (r.n_bytes % size != 0)
                return FALSE;
            for (gsize at = 0; at < r.n_bytes; at += size, count++)
                *value = decode_number(list, le_bits(r.bytes + at, (int) size));
        } else if (list) {
            TrainPbReader packed;
            guint64 v;
            train_pb_reader_init(&packed, r.bytes, r.n_bytes);
            while (train_pb_next_packed_varint(&packed, &v)) {
                *value = decode_number(list, v);
                count++;
            }
            if (packed.error)
                return FALSE;
        }
    }
    if (r.error)
        return FALSE;
    if (count == 0 && content && dtype_size(dtype) && n_content == dtype_size(dtype)) {
        *value = decode_number(dtype, le_bits(content, (int) n_content));
        count = 1;
    }
    return count == 1;
}

/* A Summary's scalars (field 1: Value) into file->scalars. FALSE when malformed. */
static gboolean
read_summary(const guint8 *data, gsize length, gint64 step, double wall_time,
             TrainTfEventsFile *file)
{
    TrainPbReader r;
    train_pb_reader_init(&r, data, length);
    while (train_pb_next(&r)) {
        if (r.field != 1 || r.type != TRAIN_PB_BYTES)
            continue;
        TrainPbReader v;
        const guint8 *tag = NULL;
        gsize n_tag = 0;
        gboolean has_value = FALSE;
        double value = 0;
        train_pb_reader_init(&v, r.bytes, r.n_bytes);
        while (train_pb_next(&v)) {
            if (v.field == 1 && v.type == TRAIN_PB_BYTES) {
                tag = v.bytes;
                n_tag = v.n_bytes;
            } else if (v.field == 2 && v.type == TRAIN_PB_FIXED32) {
                value = train_pb_float(&v);
                has_value = TRUE;
            } else if (v.field == 8 && v.type == TRAIN_PB_BYTES && !has_value) {
                has_value = tensor_scalar(v.bytes, v.n_bytes, &value);
            }
        }
        if (v.error)
            return FALSE;
        if (!has_value || tag == NULL || !g_utf8_validate((const char *) tag, n_tag, NULL))
            continue;
        TrainTfScalar s = {
            .tag = g_strndup((const char *) tag, n_tag),
            .step = step,
            .wall_time = wall_time,
            .value = value,
        };
        g_array_append_val(file->scalars, s);
    }
    return r.error == NULL;
}

static gboolean
read_event(const guint8 *data, gsize length, TrainTfEventsFile *file)
{
    TrainPbReader r;
    gint64 step = 0;
    double wall_time = 0;
    const guint8 *summary = NULL;
    gsize n_summary = 0;

    train_pb_reader_init(&r, data, length);
    while (train_pb_next(&r)) {
        if (r.field == 1 && r.type == TRAIN_PB_FIXED64)
            wall_time = train_pb_double(&r);
        else if (r.field == 2 && r.type == TRAIN_PB_VARINT)
            step = (gint64) r.varint;
        else if (r.field == 3 && r.type == TRAIN_PB_BYTES && file->file_version == NULL)
            file->file_version = g_strndup((const char *) r.bytes, r.n_bytes);
        else if (r.field == 5 && r.type == TRAIN_PB_BYTES) {
            summary = r.bytes;
            n_summary = r.n_bytes;
        }
    }
    if (r.error)
        return FALSE;
    /* The summary may come before the step in the message: read it once both are known. */
    return summary == NULL || read_summary(summary, n_summary, step, wall_time, file);
}

static gboolean
damaged(GError **error, const char *name, int record, gsize at, const char *what,
        TrainTfEventsFile *file)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                /* Translators: the file, the record's number, its offset and why. */
                _("%s: record %d at byte %lu is damaged: %s"), name, record + 1,
                (unsigned long) at, what);
    train_tfevents_file_clear(file);
    return FALSE;
}

gboolean train_tfevents_parse(const guint8 *data, gsize length, const char *name,
                              TrainTfEventsFile *file, GError **error)
{
    g_return_val_if_fail(file != NULL && (data != NULL || length == 0), FALSE);

    memset(file, 0, sizeof *file);
    file->scalars = g_array_new(FALSE, TRUE, sizeof(TrainTfScalar));
    gsize at = 0;
    while (at < length) {
        gsize left = length - at;
        if (left < 12)
            break;   /* a length header not yet complete */
        guint32 len_crc = (guint32) le_bits(data + at + 8, 4);
        if (train_tfrecord_mask(train_crc32c(data + at, 8)) != len_crc)
            return damaged(error, name, file->n_records, at,
                           _("the checksum of its length does not match"), file);
        guint64 n = le_bits(data + at, 8);
        if (n > left - 12 || left - 12 - n < 4)
            break;   /* its data not yet complete */
        const guint8 *payload = data + at + 12;
        guint32 data_crc = (guint32) le_bits(payload + n, 4);
        if (train_tfrecord_mask(train_crc32c(payload, (gsize) n)) != data_crc)
            return damaged(error, name, file->n_records, at,
                           _("the checksum of its data does not match"), file);
        if (!read_event(payload, (gsize) n, file))
            return damaged(error, name, file->n_records, at, _("it is not an Event message"),
                           file);
        at += 12 + (gsize) n + 4;
        file->n_records++;
        file->valid_length = at;
    }
    file->truncated = at < length;
    return TRUE;
}

gboolean train_tfevents_load(const char *path, TrainTfEventsFile *file, GError **error)
{
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_return_val_if_fail(path != NULL && file != NULL, FALSE);
    memset(file, 0, sizeof *file);
    if (!g_file_get_contents(path, &contents, &length, error))
        return FALSE;
    g_autofree char *base = g_filename_display_basename(path);
    return train_tfevents_parse((const guint8 *) contents, length, base, file, error);
}
