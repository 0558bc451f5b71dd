#!/usr/bin/python3
# bench_driver: `make bench`'s engine benchmark. Runs bench_engine (LR Lab) and
# bench_torch.py (PyTorch, NCHW and channels_last) as separate processes on the same
# machine with the same thread count, one after the other, and prints ONE table of
# throughput, share of the sgemm peak and peak RSS with LR Lab / PyTorch ratios, then LR
# Lab's per-layer time split. --scaling adds batch and input-size sweeps.
import argparse
import json
import os
import subprocess
import sys
import time

# name or name@size (the speed issue asks for the paper network at 64 and 128, small at 64)
NETWORKS = ["paper", "paper@128", "small"]
SCALING_BATCHES = [16, 32, 64, 128]
SCALING_SIZES = [32, 64, 128]


def run_json(argv, env):
    """Runs one benchmark process and returns the JSON object it prints last."""
    # Progress on stderr, so a slow run shows it is alive and the table stays clean.
    print("bench_driver: running " + " ".join(os.path.basename(a) if i < 2 else a
                                               for i, a in enumerate(argv)),
          file=sys.stderr, flush=True)
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        sys.exit(f"bench_driver: {' '.join(argv)} failed ({p.returncode}):\n{p.stderr}")
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if not lines:
        sys.exit(f"bench_driver: no result from {' '.join(argv)}:\n{p.stdout}{p.stderr}")
    return json.loads(lines[-1])


class Bench:
    def __init__(self, a):
        self.a = a
        self.env = dict(os.environ, OMP_NUM_THREADS=str(a.threads),
                        OPENBLAS_NUM_THREADS=str(a.threads))
        # Timed steps per measurement: enough to average out a step's jitter, few enough to
        # keep `make bench` within minutes on 2 cores.
        if a.quick:
            self.warmup, self.iters, self.eval_iters = 1, 2, 3
        else:
            self.warmup, self.iters, self.eval_iters = 2, 5, 10

    def counts(self, iters=None):
        return ["--warmup", str(self.warmup), "--iters", str(iters or self.iters),
                "--eval-iters", str(self.eval_iters), "--threads", str(self.a.threads)]

    def engine(self, model, size, batch, iters=None):
        return run_json([self.a.engine, "--model", model, "--size", str(size),
                         "--batch", str(batch)] + self.counts(iters), self.env)

    def torch(self, spec, size, batch, iters=None):
        """Both memory formats; returns {format: result}."""
        out = {}
        for fmt in ("nchw", "channels_last"):
            out[fmt] = run_json([self.a.python, self.a.torch_script, "--spec", spec,
                                 "--size", str(size), "--batch", str(batch),
                                 "--format", fmt] + self.counts(iters), self.env)
        return out

    def gemm(self):
        return run_json([self.a.engine, "--gemm", str(self.a.gemm_size), "--warmup", "2",
                         "--iters", "3" if self.a.quick else "5",
                         "--threads", str(self.a.threads)], self.env)


def best(results, key):
    fmt = max(results, key=lambda f: results[f][key])
    return results[fmt][key], fmt


def mib(kb):
    return kb / 1024.0


def main_table(b, nets, default_size, batch):
    gemm = b.gemm()
    peak = gemm["gflops"]
    rows = []
    breakdowns = []
    torch_version = "?"
    verdicts = []
    for entry in nets:
        net, _, at = entry.partition("@")
        size = int(at) if at else default_size
        e = b.engine(net, size, batch)
        t = b.torch(e["spec"], size, batch)
        torch_version = t["nchw"]["torch"]
        t_train, f_train = best(t, "train_ips")
        t_eval, f_eval = best(t, "eval_ips")
        train_flops = 3.0 * e["flops_forward"]  # forward + backward (2x forward)
        e_gf = e["train_ips"] * train_flops / 1e9
        t_gf = t_train * train_flops / 1e9
        label = f"{net} {size}x{size}x3 b{batch}"
        rows.append((label, "train images/s", f"{e['train_ips']:.1f}", f"{t_train:.1f}",
                     e["train_ips"] / t_train, f_train))
        rows.append(("", "eval images/s", f"{e['eval_ips']:.1f}", f"{t_eval:.1f}",
                     e["eval_ips"] / t_eval, f_eval))
        rows.append(("", "train GFLOP/s (% sgemm peak)", f"{e_gf:.1f} ({100 * e_gf / peak:.0f}%)",
                     f"{t_gf:.1f} ({100 * t_gf / peak:.0f}%)", e_gf / t_gf, f_train))
        e_rss, t_rss = e["peak_rss_kb"], t[f_train]["peak_rss_kb"]
        rows.append(("", "peak RSS MiB (at start)",
                     f"{mib(e_rss):.0f} ({mib(e['rss_start_kb']):.0f})",
                     f"{mib(t_rss):.0f} ({mib(t[f_train]['rss_start_kb']):.0f})",
                     e_rss / t_rss, f_train))
        rows.append(("", "parameters", f"{e['params']}", f"{t[f_train]['params']}",
                     e["params"] / t[f_train]["params"], ""))
        breakdowns.append((label, e))
        verdicts.append((label, e["train_ips"] / t_train, e["eval_ips"] / t_eval, e_rss / t_rss))

    print()
    print(f"LR Lab engine vs PyTorch {torch_version}: {b.a.threads} threads each, one process "
          f"per side, run one after the other on this machine ({time.strftime('%Y-%m-%d %H:%M %Z')})")
    print(f"sgemm peak ({gemm['gemm']}^3, {gemm['threads']} threads, best of runs): "
          f"{peak:.1f} GFLOP/s on OpenBLAS's {gemm.get('blas_core', '?')} kernels; "
          f"training FLOPs = 3 x nn_model_estimate's flops_forward")
    print(f"timed: {b.iters} training steps, {b.eval_iters} evaluation batches after "
          f"{b.warmup} warm-up; PyTorch column = faster of NCHW / channels_last")
    head = ("network", "metric", "LR Lab", "PyTorch", "LR Lab/PyTorch", "torch format")
    w = [24, 30, 16, 16, 15, 13]
    print()
    print("".join(h.ljust(n) for h, n in zip(head, w)))
    print("-" * sum(w))
    for r in rows:
        cells = [r[0], r[1], r[2], r[3], f"{r[4]:.2f}", r[5]]
        print("".join(c.ljust(n) for c, n in zip(cells, w)))

    print()
    for label, tr, ev, rss in verdicts:
        ok = tr >= 1.0 and ev >= 1.0 and rss <= 1.0
        print(f"{label:<24}training {tr:.2f}x, evaluation {ev:.2f}x, peak RSS {rss:.2f}x of "
              f"PyTorch: {'faster and smaller' if ok else 'NOT faster and smaller'}")

    for label, e in breakdowns:
        total = sum(l["forward_ms"] + l["backward_ms"] for l in e["layers"]) or 1.0
        step_ms = 1e3 * e["batch"] / e["train_ips"]
        print()
        print(f"LR Lab per-layer time, {label}, ms per training step "
              f"(layers sum {total:.1f} of {step_ms:.1f} ms; the rest is the optimizer, "
              f"loss and bookkeeping)")
        print(f"{'layer':<30}{'forward':>10}{'backward':>10}{'share':>8}")
        for l in e["layers"]:
            s = l["forward_ms"] + l["backward_ms"]
            print(f"{l['name']:<30}{l['forward_ms']:>10.2f}{l['backward_ms']:>10.2f}"
                  f"{100 * s / total:>7.1f}%")


def scaling_table(b, net, grid=False):
    print()
    print(f"Scaling, {net}: training / evaluation images/s, LR Lab vs PyTorch (faster format)")
    w = [20, 12, 12, 8, 12, 12, 8]
    print("".join(h.ljust(n) for h, n in zip(
        ("config", "train LR", "train torch", "ratio", "eval LR", "eval torch", "ratio"), w)))
    print("-" * sum(w))
    configs = [(64, bs) for bs in SCALING_BATCHES] + [(s, 64) for s in SCALING_SIZES if s != 64]
    if grid:  # every batch at every input size (12 configurations, ~10 minutes on 2 cores)
        configs = [(s, bs) for s in SCALING_SIZES for bs in SCALING_BATCHES]
    for size, batch in configs:
        e = b.engine(net, size, batch, iters=3)
        t = b.torch(e["spec"], size, batch, iters=3)
        t_train, _ = best(t, "train_ips")
        t_eval, _ = best(t, "eval_ips")
        cells = [f"{size}x{size} b{batch}", f"{e['train_ips']:.1f}", f"{t_train:.1f}",
                 f"{e['train_ips'] / t_train:.2f}", f"{e['eval_ips']:.1f}", f"{t_eval:.1f}",
                 f"{e['eval_ips'] / t_eval:.2f}"]
        print("".join(c.ljust(n) for c, n in zip(cells, w)), flush=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="LR Lab engine vs PyTorch, one table.")
    ap.add_argument("--engine", required=True, help="path of the bench_engine program")
    ap.add_argument("--torch-script", default=os.path.join(here, "bench_torch.py"))
    ap.add_argument("--python", default=sys.executable,
                    help="the Python that has torch (Debian's /usr/bin/python3)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--gemm-size", type=int, default=2048)
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("LRLAB_BENCH_QUICK") == "1",
                    help="fewer timed steps (also LRLAB_BENCH_QUICK=1)")
    ap.add_argument("--scaling", action="store_true",
                    default=os.environ.get("LRLAB_BENCH_SCALING") == "1",
                    help="add the batch 16..128 / input 32..128 sweep of the paper "
                         "network (also LRLAB_BENCH_SCALING=1)")
    ap.add_argument("--scaling-network", default="paper")
    ap.add_argument("--no-main", action="store_true", help="only the scaling table")
    ap.add_argument("--scaling-grid", action="store_true",
                    help="the sweep over every batch x input size instead of one of each")
    a = ap.parse_args()

    b = Bench(a)
    t0 = time.time()
    if not a.no_main:
        main_table(b, a.networks.split(","), a.size, a.batch)
    if a.scaling:
        scaling_table(b, a.scaling_network, a.scaling_grid)
    print(f"\n(benchmark took {time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
