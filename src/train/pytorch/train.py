#!/usr/bin/env python3
# Over 800 lines on purpose: the project must run from this one file, with no LR Lab
# module to import (the "self-contained"), so the RNG port, augmentation, PNG
# reader, model file, run-folder writers and the training loop live together here.
"""LR Lab's run as a plain PyTorch project: the same network, initial weights, split,
normalisation, batch order, dropout masks, augmentations, optimizer and learning-rate
schedule, on one process or many (torchrun), writing an LR Lab run folder that the app and
lrlab-train open like their own runs. Needs torch and numpy only (no torchvision, no LR Lab).

    python3 train.py                                  # one process, ./run
    torchrun --nproc_per_node=4 train.py              # DDP on one machine (gloo on CPU,
                                                      # nccl when CUDA is there)
    python3 train.py --out DIR --epochs N --device cpu|cuda --threads T --workers W

The files beside it (written by LR Lab's --export-pytorch; README.md says more):
    config.ini       the run's LR Lab settings (copied into the run folder)
    project.ini      what LR Lab derived from them: the network spec, input, classes,
                     normalisation
    initial.ckpt     the initial weights as an LR Lab model file (nn_checkpoint v2)
    split/train.txt, split/val.txt   the split: dataset index, label, image, source
    images/          every image as LR Lab trains on it (after its resize), PNG

Layout facts (LR Lab keeps data channels-last; PyTorch is channels-first):
  - a convolution cN[kK] is Conv2d(k=K, stride 1, padding K//2 ("same")) + ReLU; LR Lab's
    weight (OC, K, K, C) is torch's (OC, C, K, K) permuted by (0, 2, 3, 1);
  - p is MaxPool2d(2, stride 2, floor): an odd row or column is dropped;
  - the first dense layer flattens: LR Lab flattens (H, W, C), torch (C, H, W), so that
    layer's weight columns are permuted (lrlab_to_torch below); the rest are plain Linear;
  - dR is inverted dropout with LR Lab's own counter-based masks (exactly the same masks);
  - softmax + cross-entropy (mean over the batch) on the last layer's outputs.
"""
import argparse
import configparser
import math
import os
import socket
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
U64 = (1 << 64) - 1


# ---- LR Lab's random numbers (src/nn/nn_rng.c), so batch order, augmentation and dropout
# ---- are LR Lab's own: splitmix64 seeding, xoshiro256**, nn_rng_mix for streams.

GOLDEN = 0x9E3779B97F4A7C15


def splitmix64_mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & U64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & U64
    return z ^ (z >> 31)


def rng_mix(seed, a, b):
    h = splitmix64_mix((seed + GOLDEN) & U64)
    h = splitmix64_mix((h + a * GOLDEN + GOLDEN) & U64)
    return splitmix64_mix(h ^ ((b * 0xD1B54A32D192ED03 + GOLDEN) & U64))


def rng_mix_array(seed, a):
    """rng_mix(seed, a[i], 0) for a uint64 array a (numpy wraps uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        def mix(z):
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            return z ^ (z >> np.uint64(31))
        h = np.uint64(splitmix64_mix((seed + GOLDEN) & U64))
        h = mix(h + a * np.uint64(GOLDEN) + np.uint64(GOLDEN))
        return mix(h ^ np.uint64(GOLDEN))     # b = 0: b * ... + GOLDEN


class Rng:
    """xoshiro256** seeded by splitmix64, as nn_rng_seed / nn_rng_next."""

    def __init__(self, seed):
        self.s, x = [], seed
        for _ in range(4):
            x = (x + GOLDEN) & U64
            self.s.append(splitmix64_mix(x))

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & U64
        result = (rotl((s[1] * 5) & U64, 7) * 9) & U64
        t = (s[1] << 17) & U64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self):
        return np.float32((self.next() >> 40) * 2.0 ** -24)


def epoch_order(train_indices, seed, epoch):
    """The training images of an epoch in LR Lab's order (data_batcher.c): a Fisher-Yates
    shuffle by the stream nn_rng_mix(seed, epoch, 2^64 - 1)."""
    order = list(train_indices)
    rng = Rng(rng_mix(seed, epoch, U64))
    for i in range(len(order) - 1, 0, -1):
        j = rng.next() % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def dropout_mask(dropout_seed, counter, layer, n, rate):
    """LR Lab's keep mask of dropout layer `layer` at training forward `counter` for the
    batch's n = B * features values (nn_dropout.c): element i is kept when
    uniform(nn_rng_mix(nn_rng_mix(seed, counter, layer), i, 0)) >= rate."""
    seed = rng_mix(dropout_seed, counter, layer)
    u = (rng_mix_array(seed, np.arange(n, dtype=np.uint64)) >> np.uint64(40)).astype(np.float32)
    u *= np.float32(2.0 ** -24)
    scale = np.float32(1) / (np.float32(1) - np.float32(rate))
    return np.where(u >= np.float32(rate), scale, np.float32(0)).astype(np.float32)


# ---- augmentation (src/data/data_augment.c), without torchvision

AUGMENT_KINDS = ["hflip", "vflip", "rot90", "rotate", "translate", "color", "noise"]


def clamp_round(v):
    v = np.asarray(v, dtype=np.float32)
    out = np.where(v > 0, np.minimum(v, np.float32(255)) + np.float32(0.5), 0)
    return np.where(v >= 255, 255, np.floor(out)).astype(np.uint8)


def warp(src, angle, dx, dy):
    """Rotation about the centre plus a shift, bilinear, the border replicated."""
    h, w, _ = src.shape
    f = np.float32
    c, s = np.cos(f(angle)), np.sin(f(angle))
    cx, cy = f(w * 0.5), f(h * 0.5)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    px, py = x + f(0.5) - cx - f(dx), y + f(0.5) - cy - f(dy)
    sx = np.clip(c * px + s * py + cx - f(0.5), 0, w - 1).astype(np.float32)
    sy = np.clip(-s * px + c * py + cy - f(0.5), 0, h - 1).astype(np.float32)
    x0, y0 = sx.astype(np.int64), sy.astype(np.int64)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    img = src.astype(np.float32)
    top = img[y0, x0] + fx * (img[y0, x1] - img[y0, x0])
    bottom = img[y1, x0] + fx * (img[y1, x1] - img[y1, x0])
    return clamp_round(top + fy * (bottom - top))


def augment(img, flags, strength, seed, epoch, index):
    """data_augment_image: every draw from the stream nn_rng_mix(seed, epoch, index), in
    LR Lab's order. Geometry and colour are LR Lab's arithmetic in float32 (a pixel may
    still differ by one level where a libm's cosf rounds differently); noise has LR Lab's
    distribution but not its values (its per-value Box-Muller draws would make this loop
    Python's slowest part)."""
    if not flags:
        return img
    rng = Rng(rng_mix(seed, epoch, index))
    u = [rng.uniform() for _ in range(9)]
    s = strength
    h, w, _ = img.shape
    f = np.float32
    hflip = "hflip" in flags and u[0] < s[0]
    vflip = "vflip" in flags and u[1] < s[1]
    turns = 1 + min(int(u[3] * f(3)), 2) if "rot90" in flags and h == w and u[2] < s[2] else 0
    angle = (f(2) * u[4] - f(1)) * s[3] * f(math.pi / 6) if "rotate" in flags else f(0)
    dx = dy = 0
    if "translate" in flags:
        dx = int(np.rint((f(2) * u[5] - f(1)) * s[4] * f(0.25) * f(w)))
        dy = int(np.rint((f(2) * u[6] - f(1)) * s[4] * f(0.25) * f(h)))
    out = img[:, ::-1] if hflip else img
    out = out[::-1] if vflip else out
    out = np.ascontiguousarray(np.rot90(out, turns))
    if angle != 0 or dx != 0 or dy != 0:
        out = warp(out, angle, dx, dy)
    if "color" in flags:
        brightness = f(1) + (f(2) * u[7] - f(1)) * s[5] * f(0.4)
        contrast = f(1) + (f(2) * u[8] - f(1)) * s[5] * f(0.4)
        if brightness != 1 or contrast != 1:
            mean = f(int(out.astype(np.uint64).sum()) / out.size)
            out = clamp_round(((out.astype(np.float32) - mean) * contrast + mean) * brightness)
    if "noise" in flags and s[6] > 0:
        noise = np.random.default_rng(rng.next()).normal(0.0, float(s[6]) * 25.0, out.shape)
        out = clamp_round(out.astype(np.float32) + noise.astype(np.float32))
    return out


# ---- PNG, read with zlib and numpy (the export writes unfiltered rows: one reshape)

def read_png(path):
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    at, idat, header = 8, [], None
    while at + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        chunk = data[at + 8:at + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
        at += 12 + n
    width, height, depth, color, _, _, interlace = header
    channels = {0: 1, 2: 3, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: only 8-bit grey, RGB or RGBA PNGs without interlacing")
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    rows = raw.reshape(height, 1 + width * channels)
    filters, pixels = rows[:, 0], rows[:, 1:].copy()
    if filters.any():
        unfilter(pixels, filters, channels)
    img = pixels.reshape(height, width, channels)
    return np.repeat(img, 3, axis=2) if channels == 1 else img[:, :, :3]


def unfilter(px, filters, bpp):
    """PNG's five row filters undone in place (the slow path: other tools' PNGs)."""
    prev = np.zeros(px.shape[1], dtype=np.int64)
    for y, kind in enumerate(filters):
        row = px[y].astype(np.int64)
        if kind == 1:
            for x in range(bpp, len(row)):
                row[x] = (row[x] + row[x - bpp]) & 255
        elif kind == 2:
            row = (row + prev) & 255
        elif kind == 3:
            for x in range(len(row)):
                left = row[x - bpp] if x >= bpp else 0
                row[x] = (row[x] + (left + prev[x]) // 2) & 255
        elif kind == 4:
            for x in range(len(row)):
                a = row[x - bpp] if x >= bpp else 0
                b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        px[y] = row
        prev = row


# ---- the project's files

def read_ini(name):
    ini = configparser.ConfigParser(interpolation=None, strict=False)
    ini.optionxform = str
    with open(os.path.join(HERE, name), encoding="utf-8") as fh:
        ini.read_file(fh)
    return ini


def ini_list(text):
    """A GKeyFile list ("a;b;c;", backslash escapes) as strings."""
    out, cur, it = [], "", iter(text)
    for ch in it:
        if ch == "\\":
            cur += next(it, "")
        elif ch == ";":
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def gkeyfile_list(items):
    return "".join(i.replace("\\", "\\\\").replace(";", "\\;") + ";" for i in items)


def read_split(name):
    rows = []
    with open(os.path.join(HERE, "split", name), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            index, label, image, source = line.rstrip("\n").split("\t")
            rows.append((int(index), int(label), image, source))
    return rows


def parse_spec(text):
    """The spec's tokens: ('conv', units, kernel), ('pool',), ('dense', units),
    ('dropout', rate), as nn_spec.h defines them."""
    layers = []
    for tok in text.split("-"):
        if tok[0] == "c":
            units, _, k = tok[1:].partition("k")
            layers.append(("conv", int(units), int(k or 3)))
        elif tok == "p":
            layers.append(("pool",))
        elif tok[0] == "f":
            layers.append(("dense", int(tok[1:])))
        elif tok[0] == "d":
            layers.append(("dropout", float(tok[1:])))
        else:
            raise ValueError(f"project.ini: unknown layer '{tok}' in the spec")
    return layers


# ---- LR Lab's model file (src/nn/nn_checkpoint.h, format v2)

def fnv1a64(data):
    """FNV-1a 64 (offset 14695981039346656037, prime 1099511628211), LR Lab's checksum."""
    h = 14695981039346656037
    for b in np.frombuffer(data, dtype=np.uint8).tolist():
        h = ((h ^ b) * 1099511628211) & U64
    return h


def read_checkpoint(path):
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:8] != b"LRLABCKP" or len(data) < 24:
        raise ValueError(f"{path}: not an LR Lab model file")
    if struct.unpack_from("<Q", data, len(data) - 8)[0] != fnv1a64(data[:-8]):
        raise ValueError(f"{path}: damaged (checksum mismatch)")
    version, header_bytes = struct.unpack_from("<II", data, 8)
    at = 16
    (spec_len,) = struct.unpack_from("<I", data, at)
    spec = data[at + 4:at + 4 + spec_len].decode()
    at += 4 + spec_len + 12 + 4 + 8 * 2 + 4 + 8 * 4 + 4 + 8
    (n_params,) = struct.unpack_from("<Q", data, at)
    params = np.frombuffer(data, dtype="<f4", count=n_params, offset=16 + header_bytes)
    return spec, params.copy()


def write_checkpoint(path, spec, hwc, opt_info, step, params, m, v, metadata):
    """nn_checkpoint v2: header, parameters (and optimizer moments), FNV-1a 64."""
    kind, lr, momentum, nesterov, beta1, beta2, eps, wd, decoupled = opt_info
    spec_b, meta_b = spec.encode(), metadata.encode()
    header = struct.pack("<I", len(spec_b)) + spec_b + struct.pack("<iii", *hwc)
    header += struct.pack("<Idd", kind, lr, momentum) + struct.pack("<I", nesterov)
    header += struct.pack("<dddd", beta1, beta2, eps, wd) + struct.pack("<I", decoupled)
    header += struct.pack("<qQI", step, params.size, 1 if m is not None else 0)
    header += struct.pack("<QQI", 0, 0, len(meta_b)) + meta_b
    body = b"LRLABCKP" + struct.pack("<II", 2, len(header)) + header
    body += params.astype("<f4").tobytes()
    for moment in (m, v):
        if moment is not None:
            body += moment.astype("<f4").tobytes()
    atomic_write(path, body + struct.pack("<Q", fnv1a64(body)))


def atomic_write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# ---- the network

class Net(torch.nn.Module):
    """The spec's layers, NCHW, with LR Lab's tensor names and order."""

    def __init__(self, layers, h, w, c):
        super().__init__()
        self.layers, self.mods, self.shapes = layers, torch.nn.ModuleList(), []
        self.dropouts = []                     # per dropout layer: the mask set per batch
        n_conv = n_fc = 0
        n_dense = sum(1 for l in layers if l[0] == "dense")
        flat = None
        for layer in layers:
            if layer[0] == "conv":
                n_conv += 1
                conv = torch.nn.Conv2d(c, layer[1], layer[2], padding=layer[2] // 2)
                conv.lrlab = ("conv", f"conv{n_conv}", (layer[1], layer[2], layer[2], c))
                self.mods.append(conv)
                c = layer[1]
            elif layer[0] == "pool":
                self.mods.append(torch.nn.MaxPool2d(2, 2))
                h, w = h // 2, w // 2
            elif layer[0] == "dense":
                n_fc += 1
                inputs = c if flat else h * w * c
                fc = torch.nn.Linear(inputs, layer[1])
                fc.lrlab = ("dense", f"fc{n_fc}", None if flat else (h, w, c))
                flat = True
                self.mods.append(fc)
                c, h, w = layer[1], 1, 1
            else:
                self.mods.append(torch.nn.Identity())
                self.dropouts.append((layer[1], (h, w, c) if not flat else None))
            self.shapes.append((h, w, c))
        self.n_dense = n_dense
        self.masks = None

    def forward(self, x):
        d = dense = 0
        for layer, mod in zip(self.layers, self.mods):
            kind = layer[0]
            if kind == "conv":
                x = F.relu(mod(x))
            elif kind == "pool":
                x = mod(x)
            elif kind == "dense":
                x = mod(x.flatten(1) if x.dim() == 4 else x)   # flatten (C, H, W)
                dense += 1
                if dense < self.n_dense:
                    x = F.relu(x)
            else:
                if self.training and self.masks is not None:
                    mask, hwc = self.masks[d], self.dropouts[d][1]
                    if hwc is not None:      # LR Lab's mask is in (H, W, C) order
                        mask = mask.reshape(-1, *hwc).permute(0, 3, 1, 2)
                    x = x * mask
                d += 1
        return x

    def lrlab_tensors(self):
        """(name, torch parameter, to-torch, to-LR-Lab) in LR Lab's tensor order."""
        out = []
        for mod in self.mods:
            info = getattr(mod, "lrlab", None)
            if info is None:
                continue
            kind, name, shape = info
            if kind == "conv":
                out.append((f"{name}.weight", mod.weight, lambda t, s=shape: t.reshape(s).permute(0, 3, 1, 2),
                            lambda t: t.permute(0, 2, 3, 1)))
            elif shape is not None:              # the first dense layer: (H,W,C) columns
                h, w, c = shape
                o = mod.weight.shape[0]
                out.append((f"{name}.weight", mod.weight,
                            lambda t, o=o, h=h, w=w, c=c: t.reshape(o, h, w, c).permute(0, 3, 1, 2).reshape(o, -1),
                            lambda t, o=o, h=h, w=w, c=c: t.reshape(o, c, h, w).permute(0, 2, 3, 1).reshape(o, -1)))
            else:
                out.append((f"{name}.weight", mod.weight, lambda t, s=mod.weight.shape: t.reshape(s),
                            lambda t: t))
            out.append((f"{name}.bias", mod.bias, lambda t: t, lambda t: t))
        return out

    def load_lrlab(self, flat):
        at = 0
        with torch.no_grad():
            for _, p, to_torch, _ in self.lrlab_tensors():
                n = p.numel()
                p.copy_(to_torch(torch.from_numpy(flat[at:at + n].copy())).reshape(p.shape))
                at += n
        if at != flat.size:
            raise ValueError(f"initial.ckpt has {flat.size} parameters, the network {at}")

    def to_lrlab(self, tensors=None):
        """The parameters (or per-parameter tensors like Adam's moments) as LR Lab's flat
        float32 buffer."""
        pieces = []
        for k, (_, p, _, to_lrlab) in enumerate(self.lrlab_tensors()):
            t = p if tensors is None else tensors[k]
            pieces.append(to_lrlab(t.detach().float().cpu()).reshape(-1).numpy())
        return np.concatenate(pieces).astype(np.float32)


# ---- data: LR Lab's split, batch order and augmentation; each rank its part of a batch

class Images(torch.utils.data.Dataset):
    """Item (epoch, position) of the split: the image, augmented for that epoch when this
    is the training split (epoch < 0: never), normalised, (C, H, W) float32."""

    def __init__(self, rows, mean, std, flags=(), strength=(), seed=0):
        self.rows, self.flags, self.strength, self.seed = rows, set(flags), strength, seed
        f = np.float32
        self.scale = np.array([f(1) / f(s) for s in std], dtype=np.float32)
        self.shift = np.array([-f(m) * sc for m, sc in zip(mean, self.scale)], dtype=np.float32)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, item):
        epoch, pos = item
        index, label, image, _ = self.rows[pos]
        img = read_png(os.path.join(HERE, image))
        if epoch >= 0:
            img = augment(img, self.flags, self.strength, self.seed, epoch, index)
        x = img.astype(np.float32) * self.scale + self.shift   # data_normalize_image
        return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))), label, pos


def rank_slice(n, rank, world):
    """The part of n items rank takes: contiguous, sizes differing by at most one."""
    base, extra = divmod(n, world)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


class GlobalBatchSampler(torch.utils.data.Sampler):
    """A distributed batch sampler that keeps LR Lab's GLOBAL batches: epoch e's order is
    LR Lab's shuffle (epoch_order), cut into batches of the run's batch size, and each rank
    takes its contiguous part of every batch (rank_slice). Like DistributedSampler it has
    set_epoch(), num_replicas and rank; unlike it, it never pads: a short last batch is
    shared out as it is."""

    def __init__(self, train_rows, batch_size, seed, num_replicas=1, rank=0):
        self.indices = [r[0] for r in train_rows]
        self.position = {r[0]: p for p, r in enumerate(train_rows)}
        self.batch_size, self.seed = batch_size, seed
        self.num_replicas, self.rank, self.epoch = num_replicas, rank, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def global_batches(self):
        order = epoch_order(self.indices, self.seed, self.epoch)
        return [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def __iter__(self):
        for batch in self.global_batches():
            lo, hi = rank_slice(len(batch), self.rank, self.num_replicas)
            yield [(self.epoch, self.position[i]) for i in batch[lo:hi]]

    def __len__(self):
        return (len(self.indices) + self.batch_size - 1) // self.batch_size


def collate(items):
    if not items:
        return None
    xs, labels, pos = zip(*items)
    return torch.stack(xs), torch.tensor(labels, dtype=torch.int64), list(pos)


# ---- the learning-rate schedule (src/train/train_schedule.h names each one's torch twin)

def make_schedule(opt, cfg, lr, epochs, bpe):
    """(scheduler, steps per batch?) as train_schedule.h maps each of LR Lab's kinds."""
    S, g = torch.optim.lr_scheduler, cfg["schedule"]
    kind = g.get("schedule", "constant")
    if kind == "constant":
        return None, False
    if kind == "step":
        return S.StepLR(opt, step_size=g.getint("step-every"), gamma=g.getfloat("step-factor")), False
    if kind == "plateau":
        return S.ReduceLROnPlateau(opt, mode="min", factor=g.getfloat("plateau-factor"),
                                   patience=g.getint("plateau-patience"),
                                   threshold=g.getfloat("plateau-min-delta"), threshold_mode="abs",
                                   cooldown=g.getint("plateau-cooldown"),
                                   min_lr=g.getfloat("min-lr")), False
    total = epochs * bpe
    if kind == "cosine":
        return S.CosineAnnealingLR(opt, T_max=total, eta_min=g.getfloat("cosine-floor")), True
    if kind == "one-cycle":
        return S.OneCycleLR(opt, max_lr=lr, total_steps=total, pct_start=g.getfloat("onecycle-warmup"),
                            div_factor=g.getfloat("onecycle-div"),
                            final_div_factor=g.getfloat("onecycle-final-div"), anneal_strategy="cos",
                            cycle_momentum=False, three_phase=False), True
    if kind == "cyclic":
        return S.CyclicLR(opt, base_lr=lr / g.getfloat("cyclic-div"), max_lr=lr,
                          step_size_up=g.getint("cyclic-half-epochs") * bpe, mode="triangular",
                          cycle_momentum=False), True
    raise SystemExit(f"train.py: config.ini: unknown schedule '{kind}'")


# ---- the run folder (LR Lab's docs/run-folder.md)

def history_text(epochs):
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss,lr,seconds"]
    for e in epochs:
        lines.append(",".join([str(e["epoch"])] + [repr(float(e[k])) for k in
                              ("accuracy", "loss", "val_accuracy", "val_loss", "lr")]
                              + ["%.3f" % e["seconds"]]))
    return "\n".join(lines) + "\n"


def predictions_bytes(classes, val_rows, probs_per_epoch):
    """predictions.bin format v2 (src/train/train_predictions.h)."""
    n_val, k = len(val_rows), len(classes)
    out = bytearray(b"LRLABPRD" + struct.pack("<IIII", 2, k, n_val, len(probs_per_epoch)))
    out += np.array([r[0] for r in val_rows], dtype="<i4").tobytes()
    out += np.array([r[1] for r in val_rows], dtype="<i4").tobytes()
    for r in val_rows:
        src = r[3].encode("utf-8")
        out += struct.pack("<I", len(src)) + src
    for probs in probs_per_epoch:
        out += np.asarray(probs, dtype="<f4").reshape(n_val, k).tobytes()
    out += struct.pack("<Q", fnv1a64(bytes(out)))
    return bytes(out)


def status_text(status, message, epochs, planned, best_epoch, best_loss, classes, diverged):
    lines = ["[status]", f"status={status}"]
    if message:
        lines.append("message=" + message.replace("\\", "\\\\").replace("\n", "\\n"))
    lines += [f"epochs-done={len(epochs)}", f"epochs-planned={planned}", f"best-epoch={best_epoch}"]
    if best_epoch >= 0:
        lines.append(f"best-val-loss={best_loss!r}")
    lines += [f"diverged-epoch={diverged[0]}", f"diverged-batch={diverged[1]}",
              "classes=" + gkeyfile_list(classes),
              "updated=" + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())]
    return "\n".join(lines) + "\n"


def config_text(name):
    """The exported config.ini with the run's name saying where it was trained."""
    out, group, named = [], None, False
    with open(os.path.join(HERE, "config.ini"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("["):
                if not named and (group is None or group == "[run]") and line.strip() != "[run]":
                    out.append(f"[run]\nname={name}\n\n")     # a config.ini without a name
                    named = True
                group = line.strip()
            if group == "[run]" and line.startswith("name="):
                continue
            out.append(line)
            if line.strip() == "[run]":
                out.append(f"name={name}\n")
                named = True
    return "".join(out)


def model_metadata(project, epoch):
    p = project["project"]
    return ("[model]\nformat=1\n" f"spec={p['spec']}\n" f"input={p['input']}\n"
            f"classes={p['classes']}\n" f"resize={p['resize']}\n" f"mean={p['mean']}\n"
            f"std={p['std']}\n" f"epoch={epoch}\n")


def adam_state(opt, net):
    """Adam's moments (or SGD's momentum) in LR Lab's layout, and the step count."""
    params = [p for _, p, _, _ in net.lrlab_tensors()]
    state = [opt.state.get(p, {}) for p in params]
    step = int(float(state[0].get("step", 0))) if state and "step" in state[0] else 0
    if "exp_avg" in (state[0] if state else {}):
        return step, net.to_lrlab([s["exp_avg"] for s in state]), net.to_lrlab([s["exp_avg_sq"] for s in state])
    if state and "momentum_buffer" in state[0] and state[0]["momentum_buffer"] is not None:
        return step, net.to_lrlab([s["momentum_buffer"] for s in state]), None
    return step, None, None


# ---- training

def main():
    ap = argparse.ArgumentParser(description="LR Lab's run in PyTorch (see README.md).")
    ap.add_argument("--out", default=os.path.join(HERE, "run"),
                    help="the LR Lab run folder to write (default: run/ beside this file)")
    ap.add_argument("--epochs", type=int, help="train this many epochs instead of config.ini's")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    ap.add_argument("--threads", type=int, default=0,
                    help="CPU threads per process (default: config.ini's, else the cores "
                         "divided among the processes on this machine)")
    ap.add_argument("--workers", type=int, default=0, help="data-loading processes per rank")
    args = ap.parse_args()

    cfg, project = read_ini("config.ini"), read_ini("project.ini")
    p, tr, aug = project["project"], cfg["training"], cfg["augment"]
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    backend = "nccl" if cuda else "gloo"
    if world > 1:
        dist.init_process_group(backend=backend)
    threads = args.threads or tr.getint("threads") or max(1, (os.cpu_count() or 1) // local_world)
    torch.set_num_threads(threads)
    lead = rank == 0
    say = (lambda *a: print(*a, flush=True)) if lead else (lambda *a: None)

    classes = ini_list(p["classes"])
    mean, std = [float(x) for x in ini_list(p["mean"])], [float(x) for x in ini_list(p["std"])]
    H, W, C = (int(x) for x in p["input"].split("x"))
    layers = parse_spec(p["spec"])
    epochs = args.epochs or tr.getint("epochs")
    batch, seed, lr = tr.getint("batch-size"), tr.getint("seed"), tr.getfloat("lr")
    train_rows, val_rows = read_split("train.txt"), read_split("val.txt")
    per_rank = [rank_slice(batch, r, world) for r in range(world)]
    per_rank = [hi - lo for lo, hi in per_rank]
    if batch % world:
        say(f"train.py: the batch of {batch} does not divide among {world} processes: they take "
            f"{', '.join(map(str, per_rank))} images of each batch; the global batch stays {batch}.")
    flags = [k for k in ini_list(aug.get("kinds", "")) if k]
    strength = [np.float32(x) for x in ini_list(aug.get("strengths", ""))]

    net = Net(layers, H, W, C)
    init_spec, flat = read_checkpoint(os.path.join(HERE, "initial.ckpt"))
    net.load_lrlab(flat)
    net.to(device)
    model = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net

    opt_name = tr.get("optimizer", "adam")
    wd = tr.getfloat("weight-decay") if tr.getboolean("weight-decay-on") else 0.0
    decoupled = tr.getboolean("decoupled")
    if opt_name == "adam":
        # LR Lab's Adam with weight decay is torch's Adam (an L2 term in the gradient);
        # decoupled is AdamW (the weights shrink by lr * wd before the update).
        cls = torch.optim.AdamW if decoupled else torch.optim.Adam
        opt = cls(net.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
        opt_info = (1, lr, 0.0, 0, 0.9, 0.999, 1e-8, wd, int(decoupled))
    else:
        momentum, nesterov = tr.getfloat("momentum"), tr.getboolean("nesterov")
        # torch's SGD has no decoupled decay: LR Lab's p *= 1 - lr*wd is done by hand.
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum, nesterov=nesterov,
                              weight_decay=0.0 if decoupled else wd)
        opt_info = (0, lr, momentum, int(nesterov), 0.9, 0.999, 1e-8, wd, int(decoupled))
    bpe = (len(train_rows) + batch - 1) // batch
    sched, per_batch = make_schedule(opt, cfg, lr, epochs, bpe)

    sampler = GlobalBatchSampler(train_rows, batch, seed, world, rank)
    train_set = Images(train_rows, mean, std, flags, strength, seed)
    loader = torch.utils.data.DataLoader(train_set, batch_sampler=sampler, collate_fn=collate,
                                         num_workers=args.workers)
    val_set = Images(val_rows, mean, std)
    my_val = list(range(rank, len(val_rows), world))     # every image exactly once
    dropout_seed = rng_mix(seed, 0xD7009, 0)             # TRAIN_STREAM_DROPOUT in the worker
    feats = [int(np.prod(net.shapes[i])) for i, l in enumerate(layers) if l[0] == "dropout"]

    out = args.out
    if lead:
        os.makedirs(out, exist_ok=True)
        name = cfg["run"].get("name") if cfg.has_section("run") else None
        name = name or os.path.basename(HERE)
        where = f"PyTorch, {world} process{'es' if world > 1 else ''}"
        atomic_write(os.path.join(out, "config.ini"), config_text(f"{name} ({where})"))
    say(f"Training {p['spec']} on {len(train_rows)} images ({len(val_rows)} validate), "
        f"{epochs} epochs, global batch {batch} = {' + '.join(map(str, per_rank))} on {world} "
        f"process(es), {backend} on {device.type}, {threads} thread(s) each")

    history, probs_per_epoch, val_counts = [], [], []
    best_loss, best_epoch, bad, counter = math.inf, -1, 0, 0
    best_params = None
    min_delta = tr.getfloat("early-stop-min-delta")
    patience = tr.getint("early-stop-patience")
    keep_best = tr.getboolean("restore-best") and patience > 0
    status, message, diverged = "running", None, (-1, -1)

    def all_sum(values):
        t = torch.tensor(values, dtype=torch.float64, device=device)
        if world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def write_records():
        if not lead:
            return
        atomic_write(os.path.join(out, "predictions.bin"), predictions_bytes(classes, val_rows, probs_per_epoch))
        atomic_write(os.path.join(out, "history.csv"), history_text(history))
        atomic_write(os.path.join(out, "status.ini"),
                     status_text(status, message, history, epochs, best_epoch, best_loss, classes, diverged))
        atomic_write(os.path.join(out, "pytorch.ini"),
                     "[pytorch]\n" f"world-size={world}\n" f"backend={backend}\n"
                     f"device={device.type}\n" f"global-batch={batch}\n"
                     f"rank-batches={gkeyfile_list(map(str, per_rank))}\n"
                     f"threads-per-rank={threads}\n"
                     f"val-counts={gkeyfile_list(str(int(c)) for c in val_counts)}\n"
                     f"torch={torch.__version__}\n")

    for epoch in range(epochs):
        start = time.time()
        sampler.set_epoch(epoch)
        model.train()
        loss_sum = correct_sum = seen = 0.0
        for b, part in enumerate(loader):
            global_n = min(batch, len(train_rows) - b * batch)
            # the rank's part of LR Lab's dropout masks for this global batch
            lo, hi = rank_slice(global_n, rank, world)
            net.masks = [torch.from_numpy(dropout_mask(dropout_seed, counter, d, global_n * f, rate)
                                          [lo * f:hi * f]).reshape(hi - lo, f).to(device)
                         for d, ((rate, _), f) in enumerate(zip(net.dropouts, feats))]
            counter += 1
            if part is None:       # a last batch smaller than the processes: nothing here
                x = torch.zeros((0, C, H, W), device=device)
                y = torch.zeros((0,), dtype=torch.int64, device=device)
            else:
                x, y = part[0].to(device), part[1].to(device)
            opt.zero_grad(set_to_none=False)
            logits = model(x)
            ce = F.cross_entropy(logits, y, reduction="sum")
            # DDP averages gradients over processes: times world / global batch makes that
            # average the gradient of the global batch's mean loss, as LR Lab's.
            (ce * (world / global_n)).backward()
            if opt_name != "adam" and decoupled and wd:
                with torch.no_grad():
                    for prm in net.parameters():
                        prm.mul_(1 - opt.param_groups[0]["lr"] * wd)
            batch_lr = opt.param_groups[0]["lr"]
            opt.step()
            if sched is not None and per_batch:
                sched.step()
            s_ce, s_ok = all_sum([ce.item(), float((logits.argmax(1) == y).sum())])
            if not math.isfinite(s_ce):
                status, diverged = "diverged", (epoch, b)
                message = (f"The loss became {'NaN' if math.isnan(s_ce) else 'infinite'} at epoch "
                           f"{epoch + 1}, batch {b + 1}: the learning rate {batch_lr:g} is too high "
                           f"for this network; try {lr / 100:g} or lower.")
                break
            loss_sum, correct_sum, seen = loss_sum + s_ce, correct_sum + s_ok, seen + global_n
        if status == "diverged":
            break

        model.eval()
        probs = torch.zeros((len(val_rows), len(classes)), dtype=torch.float32, device=device)
        v_loss = v_ok = 0.0
        with torch.no_grad():
            for lo in range(0, len(my_val), batch):
                items = [val_set[(-1, pos)] for pos in my_val[lo:lo + batch]]
                x, y, pos = collate(items)
                logits = net(x.to(device))
                v_loss += float(F.cross_entropy(logits, y.to(device), reduction="sum"))
                v_ok += float((logits.argmax(1).cpu() == y).sum())
                probs[pos] = F.softmax(logits, dim=1)
        if world > 1:
            dist.all_reduce(probs)          # each row came from exactly one process
        v_loss, v_ok, v_count = all_sum([v_loss, v_ok, float(len(my_val))])
        val_loss, val_acc = v_loss / v_count, v_ok / v_count
        val_counts.append(v_count)
        probs_per_epoch.append(probs.cpu().numpy())
        epoch_lr = batch_lr          # LR Lab records the rate of the epoch's last batch
        if sched is not None and not per_batch:
            sched.step(val_loss) if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau) else sched.step()
        if not math.isfinite(val_loss):
            status, diverged = "diverged", (epoch, -1)
            message = (f"The validation loss became NaN at epoch {epoch + 1}: the learning rate "
                       f"{batch_lr:g} is too high for this network; try {lr / 100:g} or lower.")
            break
        improved = val_loss < best_loss - min_delta
        if improved:
            best_loss, best_epoch, bad = val_loss, epoch, 0
            if keep_best:
                best_params = [t.detach().clone() for t in net.parameters()]
            if lead:
                step, m, v = adam_state(opt, net)
                write_checkpoint(os.path.join(out, "best.ckpt"), p["spec"], (H, W, C), opt_info,
                                 step, net.to_lrlab(), m, v, model_metadata(project, epoch))
        else:
            bad += 1
        history.append(dict(epoch=epoch, loss=loss_sum / seen, accuracy=correct_sum / seen,
                            val_loss=val_loss, val_accuracy=val_acc, lr=epoch_lr,
                            seconds=time.time() - start))
        early = patience > 0 and bad >= patience
        if early:
            status = "early-stopped"
        write_records()
        e = history[-1]
        say(f"Epoch {epoch + 1}/{epochs}  loss {e['loss']:.4f}  acc {e['accuracy']:.4f}  "
            f"val_loss {val_loss:.4f}  val_acc {val_acc:.4f}  ({int(v_count)} validated)  "
            f"{e['seconds']:.1f}s")
        if early:
            if best_params is not None:
                with torch.no_grad():
                    for t, b_ in zip(net.parameters(), best_params):
                        t.copy_(b_)
            break
    if status == "running":
        status = "finished"
    write_records()
    say(f"Run folder: {out}")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return 1 if status == "diverged" else 0


if __name__ == "__main__":
    sys.exit(main())
