#!/usr/bin/python3
# optim_torch: the PyTorch half of test_optim's /nn/optim/torch-bits. Replays the same
# optimizer steps with torch.optim on the parameters and gradients the C test wrote, so
# the C side can check that LR Lab's updates are bit-identical to torch 1.13's.
#
# Usage: /usr/bin/python3 optim_torch.py CASE_DIR
#   cases.txt   one case a line: name adam|sgd lr momentum nesterov weight_decay decoupled
#               (doubles printed with %.17g, so torch gets the very same numbers)
#   sizes.txt   "n steps"
#   p0.bin      (n) float32 initial parameters
#   grads.bin   (steps, n) float32 gradients, one row per step
# writes torch_<name>.bin: (n) float32 parameters after the last step, and capability.txt:
# the vector unit torch's kernels run on (its fused multiply-adds come with AVX2).
import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"optim_torch.py: {e}: PyTorch and NumPy are needed; run tools/install-deps",
          file=sys.stderr)
    sys.exit(3)


def make_optimizer(p, kind, lr, momentum, nesterov, wd, decoupled):
    if kind == "adam":
        cls = torch.optim.AdamW if decoupled else torch.optim.Adam
        # AdamW's default decay is 1e-2: always pass ours, 0 included
        return cls([p], lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    if decoupled:
        raise SystemExit("optim_torch.py: torch has no decoupled SGD to compare with")
    return torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=bool(nesterov),
                           weight_decay=wd)


def main():
    d = sys.argv[1]
    torch.set_num_threads(1)
    capability = "unknown"
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            capability = line.split(":", 1)[1].strip()
    with open(os.path.join(d, "capability.txt"), "w") as f:
        f.write(capability + "\n")
    with open(os.path.join(d, "sizes.txt")) as f:
        n, steps = (int(x) for x in f.read().split())
    p0 = torch.from_numpy(np.fromfile(os.path.join(d, "p0.bin"), dtype=np.float32))
    grads = torch.from_numpy(np.fromfile(os.path.join(d, "grads.bin"), dtype=np.float32))
    grads = grads.reshape(steps, n)
    with open(os.path.join(d, "cases.txt")) as f:
        for line in f:
            name, kind, lr, mom, nest, wd, dec = line.split()
            p = p0.clone().requires_grad_(True)
            opt = make_optimizer(p, kind, float(lr), float(mom), int(nest), float(wd), int(dec))
            for s in range(steps):
                p.grad = grads[s].clone()
                opt.step()
            p.detach().numpy().astype(np.float32).tofile(os.path.join(d, f"torch_{name}.bin"))


main()
