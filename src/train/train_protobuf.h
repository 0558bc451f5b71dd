/* train_protobuf: the few pieces of the protocol-buffers wire format that LR Lab's files for
 * other tools need (TensorBoard's Event records, ONNX models), written and read by hand:
 * the format is small (https://protobuf.dev/programming-guides/encoding/) and a protobuf
 * library would bring a code generator and a schema compiler for a dozen fields.
 *
 * Writing: a message is a GByteArray; a nested message is built in its own array and
 * added with train_pb_put_message (a length-delimited field), so no size is computed twice.
 * Reading: TrainPbReader walks one message's fields in order, bounds-checked: a truncated or
 * malformed buffer makes train_pb_next return FALSE with reader->error set, never reads
 * past the end. Unknown fields are skipped by the caller simply not looking at them. */
#pragma once
#include <glib.h>

typedef enum {
    TRAIN_PB_VARINT = 0,
    TRAIN_PB_FIXED64 = 1,
    TRAIN_PB_BYTES = 2,       /* length-delimited: strings, bytes, messages, packed lists */
    TRAIN_PB_FIXED32 = 5,
} TrainPbWireType;

void train_pb_put_varint(GByteArray *out, guint64 value);
void train_pb_put_tag(GByteArray *out, guint field, TrainPbWireType type);
/* int32/int64/enum/bool fields: negative values take ten bytes, as protobuf says. */
void train_pb_put_int(GByteArray *out, guint field, gint64 value);
void train_pb_put_float(GByteArray *out, guint field, float value);
void train_pb_put_double(GByteArray *out, guint field, double value);
void train_pb_put_bytes(GByteArray *out, guint field, const void *data, gsize length);
void train_pb_put_string(GByteArray *out, guint field, const char *text);
void train_pb_put_message(GByteArray *out, guint field, const GByteArray *message);
/* A packed repeated int64 field (ONNX's ints and dims lists are written unpacked by most
 * writers; both read alike). */
void train_pb_put_packed_ints(GByteArray *out, guint field, const gint64 *values, int n);

typedef struct {
    const guint8 *data;
    gsize length, pos;
    const char *error;        /* set when a field does not fit: "truncated varint", ... */
    /* the field train_pb_next just read */
    guint field;
    TrainPbWireType type;
    guint64 varint;           /* VARINT, and the raw bits of FIXED32/FIXED64 */
    const guint8 *bytes;      /* BYTES */
    gsize n_bytes;
} TrainPbReader;

void train_pb_reader_init(TrainPbReader *r, const void *data, gsize length);
/* The next field; FALSE at the end of the message or on malformed input (r->error). */
gboolean train_pb_next(TrainPbReader *r);
/* The current FIXED32 field as a float, FIXED64 as a double. */
float train_pb_float(const TrainPbReader *r);
double train_pb_double(const TrainPbReader *r);
/* The next number of a packed repeated varint field (the reader spans its bytes); FALSE
 * at the end or on a malformed number (r->error). */
gboolean train_pb_next_packed_varint(TrainPbReader *r, guint64 *value);
