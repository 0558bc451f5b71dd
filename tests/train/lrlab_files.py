"""LR Lab's run-folder files read by hand in Python, for the tests that compare other tools'
results with LR Lab's (onnx_check.py, pytorch_check.py): predictions.bin in its format v1
(src/train/train_predictions.h) and v2 (agreed for issues 14/15), range-checked; history.csv."""
import csv
import struct

import numpy as np

U64 = (1 << 64) - 1


def fnv1a64(data):
    h = 14695981039346656037
    for b in np.frombuffer(data, dtype=np.uint8).tolist():
        h = ((h ^ b) * 1099511628211) & U64
    return h


def read_predictions(path):
    """{'version', 'classes' (count), 'index', 'label', 'source', 'epochs'} where epochs is
    a list per epoch of: v2, (n_val, classes) float32 probabilities; v1, a list of
    (predicted, confidence, true_probability)."""
    data = open(path, "rb").read()
    if data[:8] != b"LRLABPRD":
        raise ValueError(f"{path}: not a predictions file")
    if struct.unpack_from("<Q", data, len(data) - 8)[0] != fnv1a64(data[:-8]):
        raise ValueError(f"{path}: checksum mismatch")
    version, k, n, n_epochs = struct.unpack_from("<IIII", data, 8)
    at = 24
    index = list(struct.unpack_from(f"<{n}i", data, at)); at += 4 * n
    label = list(struct.unpack_from(f"<{n}i", data, at)); at += 4 * n
    if any(i < 0 for i in index) or any(not 0 <= l < k for l in label):
        raise ValueError(f"{path}: an index or label is out of range")
    source = []
    for _ in range(n):
        (length,) = struct.unpack_from("<I", data, at)
        source.append(data[at + 4:at + 4 + length].decode("utf-8"))
        at += 4 + length
    epochs = []
    for _ in range(n_epochs):
        if version == 2:
            epochs.append(np.frombuffer(data, dtype="<f4", count=n * k, offset=at).reshape(n, k))
            at += 4 * n * k
        elif version == 1:
            rows = []
            for _ in range(n):
                rows.append(struct.unpack_from("<Bff", data, at))
                at += 9
            epochs.append(rows)
        else:
            raise ValueError(f"{path}: version {version}")
    if at != len(data) - 8:
        raise ValueError(f"{path}: {len(data) - 8 - at} bytes left over")
    return {"version": version, "classes": k, "index": index, "label": label,
            "source": source, "epochs": epochs}


def read_history(path):
    with open(path, newline="") as fh:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]
