#!/usr/bin/python3
"""The torch half of test_schedule: prints the learning rate torch.optim.lr_scheduler gives
every batch of a run, one repr() per line, for the settings on the command line:

    schedule_torch.py KIND LR EPOCHS BATCHES_PER_EPOCH key=value... [losses=a,b,c]

Per-batch schedulers (cosine, one-cycle, cyclic) step after every batch; per-epoch ones
(step, plateau) after every epoch, plateau with that epoch's validation loss from losses=.
The rate printed for a batch is the one the optimizer uses for that batch's step."""
import sys
import warnings

import torch

warnings.filterwarnings("ignore")


def main():
    kind, lr, epochs, bpe = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    opts = dict(a.split("=", 1) for a in sys.argv[5:])
    losses = [float(x) for x in opts.pop("losses", "").split(",") if x]
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr)
    S = torch.optim.lr_scheduler
    per_batch = True
    if kind == "step":
        sched = S.StepLR(opt, step_size=int(opts["every"]), gamma=float(opts["factor"]))
        per_batch = False
    elif kind == "plateau":
        sched = S.ReduceLROnPlateau(opt, mode="min", factor=float(opts["factor"]),
                                    patience=int(opts["patience"]),
                                    threshold=float(opts["min_delta"]), threshold_mode="abs",
                                    cooldown=int(opts["cooldown"]), min_lr=float(opts["min_lr"]))
        per_batch = False
    elif kind == "cosine":
        sched = S.CosineAnnealingLR(opt, T_max=epochs * bpe, eta_min=float(opts["floor"]))
    elif kind == "one-cycle":
        sched = S.OneCycleLR(opt, max_lr=lr, total_steps=epochs * bpe,
                             pct_start=float(opts["warmup"]), div_factor=float(opts["div"]),
                             final_div_factor=float(opts["final_div"]), anneal_strategy="cos",
                             cycle_momentum=False, three_phase=False)
    elif kind == "cyclic":
        div = float(opts["div"])
        sched = S.CyclicLR(opt, base_lr=lr / div, max_lr=lr,
                           step_size_up=int(opts["half"]) * bpe, mode="triangular",
                           cycle_momentum=False)
    elif kind == "constant":
        sched = None
    else:
        sys.exit("unknown schedule " + kind)

    out = []
    for e in range(epochs):
        for _ in range(bpe):
            out.append(repr(opt.param_groups[0]["lr"]))
            opt.step()
            if sched is not None and per_batch:
                sched.step()
        if kind == "step":
            sched.step()
        elif kind == "plateau":
            sched.step(losses[e])
    print("\n".join(out))


if __name__ == "__main__":
    main()
