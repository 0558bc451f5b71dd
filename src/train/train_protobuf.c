/* train_protobuf: protobuf's wire format by hand (see the header): varints, tags, fixed
 * 32/64-bit numbers little-endian, length-delimited bytes. */
#include "train_protobuf.h"

#include <string.h>

void train_pb_put_varint(GByteArray *out, guint64 value)
{
    guint8 buf[10];
    int n = 0;
    do {
        buf[n] = (guint8) (value & 0x7f);
        value >>= 7;
        if (value)
            buf[n] |= 0x80;
        n++;
    } while (value);
    g_byte_array_append(out, buf, n);
}

void train_pb_put_tag(GByteArray *out, guint field, TrainPbWireType type)
{
    train_pb_put_varint(out, ((guint64) field << 3) | (guint) type);
}

void train_pb_put_int(GByteArray *out, guint field, gint64 value)
{
    train_pb_put_tag(out, field, TRAIN_PB_VARINT);
    train_pb_put_varint(out, (guint64) value);
}

static void
put_le(GByteArray *out, guint64 bits, int n_bytes)
{
    guint8 buf[8];
    for (int i = 0; i < n_bytes; i++)
        buf[i] = (guint8) (bits >> (8 * i));
    g_byte_array_append(out, buf, n_bytes);
}

void train_pb_put_float(GByteArray *out, guint field, float value)
{
    guint32 bits;
    memcpy(&bits, &value, 4);
    train_pb_put_tag(out, field, TRAIN_PB_FIXED32);
    put_le(out, bits, 4);
}

void train_pb_put_double(GByteArray *out, guint field, double value)
{
    guint64 bits;
    memcpy(&bits, &value, 8);
    train_pb_put_tag(out, field, TRAIN_PB_FIXED64);
    put_le(out, bits, 8);
}

void train_pb_put_bytes(GByteArray *out, guint field, const void *data, gsize length)
{
    train_pb_put_tag(out, field, TRAIN_PB_BYTES);
    train_pb_put_varint(out, length);
    if (length)
        g_byte_array_append(out, data, (guint) length);
}

void train_pb_put_string(GByteArray *out, guint field, const char *text)
{
    train_pb_put_bytes(out, field, text, strlen(text));
}

void train_pb_put_message(GByteArray *out, guint field, const GByteArray *message)
{
    train_pb_put_bytes(out, field, message->data, message->len);
}

void train_pb_put_packed_ints(GByteArray *out, guint field, const gint64 *values, int n)
{
    g_autoptr(GByteArray) packed = g_byte_array_new();
    for (int i = 0; i < n; i++)
        train_pb_put_varint(packed, (guint64) values[i]);
    train_pb_put_message(out, field, packed);
}

void train_pb_reader_init(TrainPbReader *r, const void *data, gsize length)
{
    memset(r, 0, sizeof *r);
    r->data = data;
    r->length = length;
}

static gboolean
read_varint(TrainPbReader *r, guint64 *out)
{
    guint64 v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->length) {
            r->error = "truncated varint";
            return FALSE;
        }
        guint8 b = r->data[r->pos++];
        v |= (guint64) (b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return TRUE;
        }
    }
    r->error = "varint longer than ten bytes";
    return FALSE;
}

static gboolean
read_le(TrainPbReader *r, int n_bytes)
{
    if (r->length - r->pos < (gsize) n_bytes) {
        r->error = "truncated fixed-size field";
        return FALSE;
    }
    r->varint = 0;
    for (int i = 0; i < n_bytes; i++)
        r->varint |= (guint64) r->data[r->pos + i] << (8 * i);
    r->pos += n_bytes;
    return TRUE;
}

gboolean train_pb_next(TrainPbReader *r)
{
    guint64 key, length;

    if (r->error || r->pos >= r->length)
        return FALSE;
    if (!read_varint(r, &key))
        return FALSE;
    r->field = (guint) (key >> 3);
    r->type = (TrainPbWireType) (key & 7);
    if (r->field == 0 || key >> 3 > G_MAXUINT32) {
        r->error = "field number out of range";
        return FALSE;
    }
    switch (r->type) {
    case TRAIN_PB_VARINT:
        return read_varint(r, &r->varint);
    case TRAIN_PB_FIXED64:
        return read_le(r, 8);
    case TRAIN_PB_FIXED32:
        return read_le(r, 4);
    case TRAIN_PB_BYTES:
        if (!read_varint(r, &length))
            return FALSE;
        if (length > r->length - r->pos) {
            r->error = "length-delimited field runs past the end";
            return FALSE;
        }
        r->bytes = r->data + r->pos;
        r->n_bytes = (gsize) length;
        r->pos += (gsize) length;
        return TRUE;
    }
    r->error = "unsupported wire type (groups or a reserved type)";
    return FALSE;
}

float train_pb_float(const TrainPbReader *r)
{
    guint32 bits = (guint32) r->varint;
    float v;
    memcpy(&v, &bits, 4);
    return v;
}

double train_pb_double(const TrainPbReader *r)
{
    double v;
    memcpy(&v, &r->varint, 8);
    return v;
}

gboolean train_pb_next_packed_varint(TrainPbReader *r, guint64 *value)
{
    if (r->error || r->pos >= r->length)
        return FALSE;
    return read_varint(r, value);
}
