#!/usr/bin/python3
"""The independent half of test_tfevents: TensorBoard event files read and written by
hand in Python (the TFRecord framing, CRC-32C and the few protobuf fields), with none of
LR Lab's code, so the C writer and reader are checked against another implementation.

    tfevents_tool.py read FILE              one JSON line per record: wall_time, step,
                                            file_version, scalars {tag: value}
    tfevents_tool.py summarywriter DIR      files as PyTorch's SummaryWriter writes them:
                                            one file, simple_value scalars, tags
                                            Loss/train, Loss/val, Accuracy/train,
                                            Accuracy/val, learning_rate, steps 0..2
    tfevents_tool.py keras DIR              as Keras's TensorBoard callback (TF 2): train/
                                            and validation/ files, epoch_loss and
                                            epoch_accuracy as float tensors with the
                                            scalars plugin's metadata, batch_loss per batch
                                            (to be skipped), epochs 0..2
The values written are in VALUES below; test_tfevents.c checks the imports against them."""
import json
import os
import struct
import sys

# epoch -> (loss, accuracy, val_loss, val_accuracy, lr)
VALUES = [(0.9, 0.5, 0.8, 0.55, 0.01), (0.7, 0.625, 0.75, 0.6, 0.01), (0.5, 0.75, 0.8, 0.65, 0.001)]


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---- protobuf, by hand

def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field(num, wire, payload):
    return varint(num << 3 | wire) + payload


def bytes_field(num, data):
    return field(num, 2, varint(len(data)) + data)


def read_varint(data, at):
    v = shift = 0
    while True:
        b = data[at]
        at += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, at


def fields(data):
    at = 0
    while at < len(data):
        key, at = read_varint(data, at)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, at = read_varint(data, at)
        elif wire == 1:
            v, at = data[at:at + 8], at + 8
        elif wire == 5:
            v, at = data[at:at + 4], at + 4
        elif wire == 2:
            n, at = read_varint(data, at)
            v, at = data[at:at + n], at + n
        else:
            raise ValueError(f"wire type {wire}")
        yield num, wire, v


def read(path):
    data = open(path, "rb").read()
    at = 0
    while at + 12 <= len(data):
        (n,) = struct.unpack_from("<Q", data, at)
        (len_crc,) = struct.unpack_from("<I", data, at + 8)
        assert masked(crc32c(data[at:at + 8])) == len_crc, "length checksum"
        if at + 12 + n + 4 > len(data):
            break
        payload = data[at + 12:at + 12 + n]
        (data_crc,) = struct.unpack_from("<I", data, at + 12 + n)
        assert masked(crc32c(payload)) == data_crc, "data checksum"
        rec = {"scalars": {}}
        for num, wire, v in fields(payload):
            if num == 1 and wire == 1:
                rec["wall_time"] = struct.unpack("<d", v)[0]
            elif num == 2 and wire == 0:
                rec["step"] = v
            elif num == 3 and wire == 2:
                rec["file_version"] = v.decode()
            elif num == 5 and wire == 2:
                for snum, _, value in fields(v):
                    if snum != 1:
                        continue
                    tag, simple = None, None
                    for vnum, vwire, x in fields(value):
                        if vnum == 1:
                            tag = x.decode()
                        elif vnum == 2 and vwire == 5:
                            simple = struct.unpack("<f", x)[0]
                    rec["scalars"][tag] = simple
        print(json.dumps(rec))
        at += 12 + n + 4


def record(event):
    n = struct.pack("<Q", len(event))
    return n + struct.pack("<I", masked(crc32c(n))) + event + struct.pack("<I", masked(crc32c(event)))


def event(step, wall_time, summary=None, file_version=None):
    e = field(1, 1, struct.pack("<d", wall_time)) + field(2, 0, varint(step))
    if file_version:
        e += bytes_field(3, file_version.encode())
    if summary is not None:
        e += bytes_field(5, summary)
    return e


def simple_value(tag, v):
    return bytes_field(1, bytes_field(1, tag.encode()) + field(2, 5, struct.pack("<f", v)))


def tensor_value(tag, v):
    """A Keras (TF 2) scalar: a float tensor of shape () in tensor_content, with the
    scalars plugin named in its metadata."""
    tensor = field(1, 0, varint(1)) + bytes_field(2, b"") + bytes_field(4, struct.pack("<f", v))
    metadata = bytes_field(1, bytes_field(1, b"scalars"))
    return bytes_field(1, bytes_field(1, tag.encode()) + bytes_field(9, metadata) + bytes_field(8, tensor))


def header(t):
    return record(event(0, t, file_version="brain.Event:2"))


def summarywriter(d):
    os.makedirs(d, exist_ok=True)
    out = header(1e9)
    for step, (loss, acc, vloss, vacc, lr) in enumerate(VALUES):
        for tag, v in (("Loss/train", loss), ("Accuracy/train", acc), ("Loss/val", vloss),
                       ("Accuracy/val", vacc), ("learning_rate", lr)):
            out += record(event(step, 1e9 + step, simple_value(tag, v)))
    open(os.path.join(d, "events.out.tfevents.1000000000.host.1234.0"), "wb").write(out)


def keras(d):
    for sub, cols in (("train", (0, 1)), ("validation", (2, 3))):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
        out = header(1e9)
        for step, vals in enumerate(VALUES):
            if sub == "train":
                for b in range(2):   # per-batch summaries: not epochs
                    out += record(event(step * 2 + b, 1e9, tensor_value("batch_loss", 9.0)))
            summary = tensor_value("epoch_loss", vals[cols[0]]) + tensor_value("epoch_accuracy", vals[cols[1]])
            if sub == "train":
                summary += tensor_value("epoch_learning_rate", vals[4])
            out += record(event(step, 1e9 + step, summary))
        name = "events.out.tfevents.1000000000.host.1234.%d.v2" % (0 if sub == "train" else 1)
        open(os.path.join(d, sub, name), "wb").write(out)


if __name__ == "__main__":
    cmd, arg = sys.argv[1], sys.argv[2]
    {"read": read, "summarywriter": summarywriter, "keras": keras}[cmd](arg)
