"""Writes predictions.bin v2 exactly as the format in src/train/train_predictions.h says,
independently of the C writer, for test_predictions: `predictions_v2.py OUT`. The data is
the test's fixed example; probabilities are k/16, exact in float32 on both sides."""
import struct
import sys

NUM_CLASSES, N_EPOCHS = 3, 2
INDICES = [7, 3, 11, 0, 42]
LABELS = [0, 1, 1, 0, 2]
SOURCES = ["a.png", "b/c.png", "", "synthetic/good/000003", "\u00e9.png"]


def probability(epoch, image, cls):
    return (1 + (epoch * 7 + image * 3 + cls) % 11) / 16.0


def fnv1a64(data):
    h = 14695981039346656037
    for byte in data:
        h ^= byte
        h = (h * 1099511628211) % (1 << 64)
    return h


def main(path):
    n_val = len(INDICES)
    out = bytearray(b"LRLABPRD")
    out += struct.pack("<4I", 2, NUM_CLASSES, n_val, N_EPOCHS)
    out += struct.pack("<%di" % n_val, *INDICES)
    out += struct.pack("<%di" % n_val, *LABELS)
    for source in SOURCES:
        encoded = source.encode("utf-8")
        out += struct.pack("<I", len(encoded)) + encoded
    for epoch in range(N_EPOCHS):
        for image in range(n_val):
            for cls in range(NUM_CLASSES):
                out += struct.pack("<f", probability(epoch, image, cls))
    out += struct.pack("<Q", fnv1a64(out))
    with open(path, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main(sys.argv[1])
