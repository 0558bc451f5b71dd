#!/usr/bin/python3
# bench_torch: PyTorch's half of the engine benchmark. Builds the network of an LR Lab
# spec (cN, cNkK, p, fN, dR tokens) in torch, times training steps (forward + backward +
# Adam) and evaluation (forward only) in one memory format, and prints one JSON object
# with the same keys as bench_engine. Run as its own process so its peak RSS is its own.
import argparse
import json
import resource
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    sys.exit(f"bench_torch.py: {e}: the benchmark needs Debian's python3-torch; "
             "run tools/install-deps")


def status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def build(spec, size, channels=3):
    """nn.Sequential of an LR Lab spec string (the canonical text bench_engine prints)."""
    mods, c, h, w = [], channels, size, size
    tokens = spec.split("-")
    dense_left = sum(t.startswith("f") for t in tokens)
    for t in tokens:
        if t[0] == "c":
            units, _, k = t[1:].partition("k")
            k = int(k) if k else 3
            mods += [nn.Conv2d(c, int(units), k, padding=k // 2), nn.ReLU(inplace=True)]
            c = int(units)
        elif t == "p":
            mods.append(nn.MaxPool2d(2, 2))
            h, w = h // 2, w // 2
        elif t[0] == "f":
            if h or w:
                mods.append(nn.Flatten())
                c, h, w = c * h * w, 0, 0
            mods.append(nn.Linear(c, int(t[1:])))
            c = int(t[1:])
            dense_left -= 1
            if dense_left:
                mods.append(nn.ReLU(inplace=True))
        elif t[0] == "d":
            mods.append(nn.Dropout(float(t[1:])))
        else:
            raise ValueError(f"unknown spec token '{t}'")
    return nn.Sequential(*mods), c


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--model", default="")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--eval-iters", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--format", choices=["nchw", "channels_last"], default="nchw")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    rss_start = status_kb("VmRSS")
    fmt = torch.channels_last if a.format == "channels_last" else torch.contiguous_format
    model, classes = build(a.spec, a.size)
    model = model.to(memory_format=fmt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(a.batch, 3, a.size, a.size).contiguous(memory_format=fmt)
    y = torch.arange(a.batch) % classes

    model.train()
    t_train = 0.0
    for it in range(a.warmup + a.iters):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if it >= a.warmup:
            t_train += time.perf_counter() - t0

    model.eval()
    t_eval = 0.0
    with torch.no_grad():
        for it in range(a.warmup + a.eval_iters):
            t0 = time.perf_counter()
            model(x)
            if it >= a.warmup:
                t_eval += time.perf_counter() - t0

    peak = max(status_kb("VmHWM"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(json.dumps({
        "side": "torch", "format": a.format, "model": a.model, "spec": a.spec,
        "size": a.size, "batch": a.batch, "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "params": sum(p.numel() for p in model.parameters()),
        "train_ips": a.iters * a.batch / t_train, "eval_ips": a.eval_iters * a.batch / t_eval,
        "loss": loss.item(), "rss_start_kb": rss_start, "peak_rss_kb": peak}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
