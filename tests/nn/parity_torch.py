#!/usr/bin/python3
# parity_torch: the PyTorch half of tests/nn/test_parity.c. Reads a case directory that
# the C test wrote (manifest, LR Lab's parameters and optimizer state before every step,
# one batch, the dropout masks LR Lab drew at every step) and redoes LR Lab's training
# steps with torch.optim, writing the results back in LR Lab's tensor layouts so the C
# side compares them in its own order. Two ways:
#   free     torch trains on its own from LR Lab's initial parameters: its loss at every
#            step, the last step's gradients and the final parameters.
#   teacher  every step starts again from LR Lab's exact state before that step (its
#            parameters, optimizer moments and step count, its masks, and its choice
#            where a ReLU or max-pool is within rounding of a tie), so no difference
#            carries over into the next step: that step's loss and gradients, and the
#            parameters and moments torch.optim makes of LR Lab's own gradients.
#
# Usage: /usr/bin/python3 parity_torch.py CASE_DIR free|teacher float32|float64
#
# Files (raw little-endian float32 unless said otherwise):
#   manifest.txt      one record per line, see read_manifest()
#   params0.bin       (num_parameters)   LR Lab's initial parameters, LR Lab layouts
#   inputs.bin        (B,H,W,C)          NHWC, as LR Lab takes them
#   labels.bin        (B) int32
#   masks_<s>.bin     every dropout layer's (B, features) keep mask of step s, in layer
#                     order; features are in LR Lab's (H,W,C) order before a flatten
#   state_<s>.bin     (4, num_parameters) LR Lab at step s (0-based): parameters before
#                     the step, optimizer buffer m (Adam's first moment, SGD's momentum),
#                     Adam's second moment v (zeros for SGD), and the step's gradients;
#                     the optimizer had taken s steps (teacher only)
#   outputs_<s>.bin   every layer's output (B, h, w, c) or (B, units) at step s, in layer
#                     order, zeros for a convolution followed by pooling (LR Lab keeps
#                     that only as the pool's winners)
#   winners_<s>.bin   int32: every pooling layer's winners (B, h, w, c) at step s, as
#                     offsets into its (B, H, W, C) input (outputs and winners: teacher
#                     only, where torch follows LR Lab at ties, see TIE_RTOL)
# written here, PREFIX = torch (free float32), torch64 (free float64), teacher or
# teacher64 (teacher), results of float64 runs rounded to float32:
#   PREFIX_losses.bin (steps)
#   PREFIX_grads.bin  free: (num_parameters) the last step's gradients, before its update;
#                     teacher: (steps, num_parameters) every step's
#   PREFIX_params.bin free: (num_parameters) the parameters after the last step;
#                     teacher: (steps, 3, num_parameters) after each step: parameters,
#                     optimizer m and v (as in state_<s>.bin)
#   PREFIX_ties.txt   teacher: per step, how many ties torch decided LR Lab's way
#   torch_loss_nomask.bin (1)            step 0's loss with every keep mask set to 1,
#                                        so the C side can show the masks matter
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the C test shows this line to whoever runs `make test`
    print(f"parity_torch.py: {e}: PyTorch and NumPy are needed; run tools/install-deps",
          file=sys.stderr)
    sys.exit(3)


def read_manifest(path):
    """manifest.txt records:
         input H W C / batch B / steps S / classes K
         optimizer sgd|adam lr momentum nesterov beta1 beta2 eps weight_decay decoupled
         layer conv UNITS KERNEL | layer pool | layer dense UNITS | layer dropout RATE
         tensor NAME OFFSET SIZE NDIM D0 [D1 D2 D3]
    """
    m = {"layers": [], "tensors": {}}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "input":
                m["H"], m["W"], m["C"] = int(w[1]), int(w[2]), int(w[3])
            elif w[0] in ("batch", "steps", "classes"):
                m[w[0]] = int(w[1])
            elif w[0] == "optimizer":
                m["opt"] = {"kind": w[1], "lr": float(w[2]), "momentum": float(w[3]),
                            "nesterov": bool(int(w[4])), "beta1": float(w[5]),
                            "beta2": float(w[6]), "eps": float(w[7]),
                            "weight_decay": float(w[8]), "decoupled": bool(int(w[9]))}
            elif w[0] == "layer":
                m["layers"].append(w[1:])
            elif w[0] == "tensor":
                ndim = int(w[4])
                m["tensors"][w[1]] = (int(w[2]), int(w[3]), [int(d) for d in w[5:5 + ndim]])
            else:
                raise ValueError(f"manifest: unknown record '{w[0]}'")
    m["n_params"] = sum(size for _, size, _ in m["tensors"].values())
    return m


def load_f32(path, count=None):
    a = np.fromfile(path, dtype="<f4")
    if count is not None and a.size != count:
        raise ValueError(f"{path}: {a.size} floats, expected {count}")
    return a


class Layout:
    """Where each parameter tensor lives in LR Lab's flat buffer and how its layout maps
    to torch's (NCHW): conv (OC,K,K,C) -> (OC,C,K,K); the first dense layer's input
    columns from LR Lab's (H,W,C) flatten order to torch's (C,H,W). The same mapping
    serves parameters, gradients and optimizer moments."""

    def __init__(self, m):
        self.m = m
        self.entries = []       # (name, LR Lab shape, to torch, back to LR Lab), in order
        c, h, w = m["C"], m["H"], m["W"]
        flattened = False
        n_conv = n_dense = 0
        same = lambda t: t
        for layer in m["layers"]:
            kind = layer[0]
            if kind == "conv":
                n_conv += 1
                oc, k = int(layer[1]), int(layer[2])
                self._add(f"conv{n_conv}.weight", (oc, k, k, c),
                          lambda t: t.permute(0, 3, 1, 2), lambda t: t.permute(0, 2, 3, 1))
                self._add(f"conv{n_conv}.bias", (oc,), same, same)
                c = oc
            elif kind == "pool":
                h, w = h // 2, w // 2
            elif kind == "dense":
                n_dense += 1
                out = int(layer[1])
                if not flattened:
                    flattened = True
                    # LR Lab's columns are (h,w,c); torch's are (c,h,w).
                    self._add(f"fc{n_dense}.weight", (out, h * w * c),
                              lambda t, s=(out, h, w, c):
                                  t.reshape(s).permute(0, 3, 1, 2).reshape(s[0], -1),
                              lambda t, s=(out, c, h, w):
                                  t.reshape(s).permute(0, 2, 3, 1).reshape(s[0], -1))
                else:
                    self._add(f"fc{n_dense}.weight", (out, c), same, same)
                self._add(f"fc{n_dense}.bias", (out,), same, same)
                c, h, w = out, 1, 1
            elif kind != "dropout":
                raise ValueError(f"manifest: unknown layer '{kind}'")
        missing = set(m["tensors"]) - {e[0] for e in self.entries}
        if missing:
            raise ValueError(f"manifest tensors not used by the spec: {sorted(missing)}")

    def _add(self, name, shape, to_torch, to_lrlab):
        off, size, dims = self.m["tensors"][name]
        if list(shape) != dims or size != int(np.prod(shape)):
            raise ValueError(f"{name}: manifest shape {dims}, spec implies {list(shape)}")
        self.entries.append((name, shape, to_torch, to_lrlab))

    def to_torch(self, flat, dtype):
        """LR Lab's flat buffer -> one torch-layout tensor per parameter, in order."""
        out = []
        for name, shape, to_torch, _ in self.entries:
            off, size, _ = self.m["tensors"][name]
            t = torch.from_numpy(flat[off:off + size].copy()).reshape(shape)
            out.append(to_torch(t).contiguous().to(dtype))
        return out

    def to_lrlab(self, tensors):
        """One torch-layout tensor per parameter -> LR Lab's flat float32 buffer."""
        out = np.zeros(self.m["n_params"], dtype="<f4")
        for (name, _, _, to_lrlab), t in zip(self.entries, tensors):
            off, size, _ = self.m["tensors"][name]
            out[off:off + size] = to_lrlab(t.detach().float()).reshape(-1).numpy()
        return out


# A ReLU whose input, or a max-pool window whose two largest inputs, are this close
# (relative to the largest value of the layer) may go either way in a correct float32
# implementation: the test calls tensors this close equal (TENSOR_RTOL), and one-step
# rounding differences between LR Lab and torch are ~1e-6 of a layer's scale. Left to
# chance, one such tie every few steps on these networks (measured margins down to
# 1e-8) routes a gradient elsewhere and moves a whole weight tensor by ~5e-3.
# Teacher-forced steps therefore follow LR Lab's choice there (Net.forward; the C side
# prints how often it differed from torch's own), and everywhere else torch decides for
# itself, so a pooling or ReLU bug still shows wherever values are not tied.
TIE_RTOL = 1e-4


class Net:
    """The spec's layers in torch (NCHW) on parameters taken from LR Lab's flat buffer."""

    def __init__(self, m, layout, flat, dtype):
        self.m = m
        self.params = [t.requires_grad_(True) for t in layout.to_torch(flat, dtype)]
        self.shapes = []            # each layer's output for one image: (h, w, c) or (units,)
        self.dropout_features = []  # per dropout layer: (features, (h, w, c) or None)
        shape = (m["H"], m["W"], m["C"])
        for layer in m["layers"]:
            if layer[0] == "conv":
                shape = shape[:2] + (int(layer[1]),)
            elif layer[0] == "pool":
                shape = (shape[0] // 2, shape[1] // 2, shape[2])
            elif layer[0] == "dense":
                shape = (int(layer[1]),)
            else:
                self.dropout_features.append((int(np.prod(shape)),
                                              shape if len(shape) == 3 else None))
            self.shapes.append(shape)
        self.ties = {"relu": 0, "pool": 0}

    def lrlab_choices(self, outputs, winners, dtype):
        """LR Lab's forward as torch tensors, for forward() to follow at ties: every
        layer's output ((B,C,H,W) or (B,units), from one float32 buffer in layer order,
        NHWC) and every pooling layer's winners as the position in its 2x2 window
        (B,C,H/2,W/2) of 0..3 (from LR Lab's offsets into the pool's NHWC input)."""
        outs, wins, at, wat, B = [], [], 0, 0, self.m["batch"]
        for i, shape in enumerate(self.shapes):
            n = B * int(np.prod(shape))
            t = torch.from_numpy(outputs[at:at + n].copy()).reshape(B, *shape).to(dtype)
            outs.append(t.permute(0, 3, 1, 2) if len(shape) == 3 else t)
            at += n
            if self.m["layers"][i][0] != "pool":
                wins.append(None)
                continue
            H, W, C = self.shapes[i - 1] if i > 0 else (self.m["H"], self.m["W"], self.m["C"])
            off = torch.from_numpy(winners[wat:wat + n].astype(np.int64))
            y, x = off // (W * C) % H, off // C % W
            wins.append(((y % 2) * 2 + x % 2).reshape(B, *shape).permute(0, 3, 1, 2))
            wat += n
        if at != outputs.size or wat != winners.size:
            raise ValueError(f"LR Lab's forward: {outputs.size} outputs and {winners.size} "
                             f"winners, expected {at} and {wat}")
        return outs, wins

    def _relu(self, pre, lrlab_out):
        if lrlab_out is None:
            return F.relu(pre)
        own = pre > 0
        tie = pre.detach().abs() <= TIE_RTOL * pre.detach().abs().max()
        on = torch.where(tie, lrlab_out > 0, own)
        self.ties["relu"] += int((on != own).sum())
        return pre * on

    def _pool(self, x, lrlab_winner):
        if lrlab_winner is None:
            return F.max_pool2d(x, 2, 2)
        B, C, H, W = x.shape
        win = x[:, :, :H // 2 * 2, :W // 2 * 2].reshape(B, C, H // 2, 2, W // 2, 2)
        win = win.permute(0, 1, 2, 4, 3, 5).reshape(B, C, H // 2, W // 2, 4)
        top2 = win.detach().topk(2, dim=-1).values
        own = win.detach().argmax(dim=-1)           # the first of equal maxima, as LR Lab
        # (a window whose inputs are all <= 0 passes no gradient through its ReLU)
        tie = (top2[..., 0] - top2[..., 1] <= TIE_RTOL * x.detach().abs().max()) & \
              (top2[..., 0] > 0)
        idx = torch.where(tie, lrlab_winner, own)
        self.ties["pool"] += int((idx != own).sum())
        return win.gather(-1, idx.unsqueeze(-1)).squeeze(-1)

    def forward(self, x, masks, lrlab=None):
        """x (B,C,H,W); masks: one (B, features) tensor per dropout layer, or None for
        all-ones; lrlab: LR Lab's forward (lrlab_choices()) to follow at ties, or None.
        Returns logits (B, classes)."""
        layers = self.m["layers"]
        outs, wins = lrlab if lrlab is not None else ([None] * len(layers),) * 2
        params = iter(self.params)
        n_dense = sum(1 for l in layers if l[0] == "dense")
        d = 0
        relu_after_pool = False
        for i, layer in enumerate(layers):
            kind = layer[0]
            if kind == "conv":
                wt, b = next(params), next(params)
                x = F.conv2d(x, wt, b, padding=int(layer[2]) // 2)
                # Before pooling, LR Lab keeps the output only as the pool's winners, whose
                # ReLU states are the pooled values' signs: pool first, then the ReLU
                # (max and ReLU commute), following LR Lab's pooled output at ties.
                relu_after_pool = (lrlab is not None and i + 1 < len(layers)
                                   and layers[i + 1][0] == "pool")
                if not relu_after_pool:
                    x = self._relu(x, outs[i])
            elif kind == "pool":
                x = self._pool(x, wins[i])
                if relu_after_pool:
                    x = self._relu(x, outs[i])
                    relu_after_pool = False
            elif kind == "dense":
                wt, b = next(params), next(params)
                x = F.linear(x.flatten(1) if x.dim() == 4 else x, wt, b)
                n_dense -= 1
                if n_dense > 0:
                    x = self._relu(x, outs[i])
            else:
                _, hwc = self.dropout_features[d]
                if masks is not None:
                    mk = masks[d]
                    if hwc is not None:
                        mk = mk.reshape(-1, *hwc).permute(0, 3, 1, 2)
                    x = x * mk
                d += 1
        return x


def make_optimizer(params, o):
    if o["kind"] == "adam":
        cls = torch.optim.AdamW if o["decoupled"] else torch.optim.Adam
        return cls(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                   weight_decay=o["weight_decay"])
    if o["kind"] == "sgd":
        if o["decoupled"] and o["weight_decay"] > 0:
            raise ValueError("torch.optim.SGD has no decoupled weight decay")
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"],
                               nesterov=o["nesterov"], weight_decay=o["weight_decay"])
    raise ValueError(f"unknown optimizer {o['kind']}")


def is_adam(opt):
    return isinstance(opt, (torch.optim.Adam, torch.optim.AdamW))


def set_optimizer_state(opt, params, moments, second, steps_taken):
    """Puts LR Lab's optimizer state into a fresh torch.optim optimizer (torch 1.13's
    state keys): Adam's step count and moments, SGD's momentum buffer (which torch
    creates at its first step, so there is none before it)."""
    for p, mk, vk in zip(params, moments, second):
        if is_adam(opt):
            opt.state[p] = {"step": torch.tensor(float(steps_taken)), "exp_avg": mk,
                            "exp_avg_sq": vk}
        elif steps_taken > 0 and opt.defaults["momentum"] != 0:
            opt.state[p] = {"momentum_buffer": mk}


def optimizer_state(opt, params):
    """The optimizer's (m, v) per parameter after a step, as set_optimizer_state takes
    them (zeros where it keeps none: SGD's v, plain SGD's m)."""
    keys = ("exp_avg", "exp_avg_sq") if is_adam(opt) else ("momentum_buffer", None)

    def get(p, k):
        t = opt.state[p].get(k) if k else None
        return t if t is not None else torch.zeros_like(p)

    return [[get(p, k) for p in params] for k in keys]


def step_loss(net, x, labels, masks, lrlab=None):
    loss = F.cross_entropy(net.forward(x, masks, lrlab), labels)
    loss.backward()
    return loss.item()


def free(m, layout, flat0, x, labels, masks_of, dtype):
    """The C side's training steps in torch at dtype, from LR Lab's initial parameters
    on. Returns (losses per step, last step's gradients, final parameters)."""
    net = Net(m, layout, flat0, dtype)
    opt = make_optimizer(net.params, m["opt"])
    losses = []
    for step in range(m["steps"]):
        opt.zero_grad(set_to_none=False)
        losses.append(step_loss(net, x, labels, masks_of(step, dtype)))
        if step == m["steps"] - 1:
            grads = layout.to_lrlab([p.grad for p in net.params])
        opt.step()
    return losses, grads, layout.to_lrlab(net.params)


def teacher(m, layout, x, labels, masks_of, state_of, choices_of, dtype, ties_path):
    """Teacher forcing: each step from LR Lab's state before it, following LR Lab at
    ties. Returns (losses, gradients (steps, n), what torch.optim's step makes of LR
    Lab's state and gradients (steps, 3, n): parameters, m, v); writes the ties it
    followed, a line per step."""
    n, steps = m["n_params"], m["steps"]
    losses, ties = [], []
    grads = np.zeros((steps, n), dtype="<f4")
    after = np.zeros((steps, 3, n), dtype="<f4")
    for step in range(steps):
        p0, mk, vk, g = state_of(step)
        net = Net(m, layout, p0, dtype)
        lrlab = net.lrlab_choices(*choices_of(step), dtype)
        losses.append(step_loss(net, x, labels, masks_of(step, dtype), lrlab))
        grads[step] = layout.to_lrlab([p.grad for p in net.params])
        ties.append(f"step {step + 1}: torch took LR Lab's side at {net.ties['relu']} "
                    f"ReLU(s) and {net.ties['pool']} max-pool window(s) within rounding "
                    f"of a tie")
        # The update on LR Lab's own gradients: with torch's, Adam would turn a gradient
        # that is zero up to rounding into a full +-lr step on one side only.
        for p, gk in zip(net.params, layout.to_torch(g, dtype)):
            p.grad = gk
        opt = make_optimizer(net.params, m["opt"])
        set_optimizer_state(opt, net.params, layout.to_torch(mk, dtype),
                            layout.to_torch(vk, dtype), step)
        opt.step()
        after[step, 0] = layout.to_lrlab(net.params)
        for k, state in enumerate(optimizer_state(opt, net.params)):
            after[step, 1 + k] = layout.to_lrlab(state)
    with open(ties_path, "w") as f:
        f.write("\n".join(ties) + "\n")
    return losses, grads, after


def main():
    dtypes = {"float32": torch.float32, "float64": torch.float64}
    modes = {("free", "float32"): "torch", ("free", "float64"): "torch64",
             ("teacher", "float32"): "teacher", ("teacher", "float64"): "teacher64"}
    if len(sys.argv) != 4 or tuple(sys.argv[2:]) not in modes:
        print("usage: parity_torch.py CASE_DIR free|teacher float32|float64", file=sys.stderr)
        return 2
    d, mode, dtype_name = sys.argv[1:]
    prefix, dtype = modes[(mode, dtype_name)], dtypes[dtype_name]
    torch.set_num_threads(2)
    torch.manual_seed(0)  # nothing here is random; this only makes that certain
    m = read_manifest(os.path.join(d, "manifest.txt"))
    n = m["n_params"]
    B, H, W, C = m["batch"], m["H"], m["W"], m["C"]
    layout = Layout(m)

    flat0 = load_f32(os.path.join(d, "params0.bin"), n)
    x = torch.from_numpy(load_f32(os.path.join(d, "inputs.bin"), B * H * W * C))
    x = x.reshape(B, H, W, C).permute(0, 3, 1, 2).contiguous()
    labels = torch.from_numpy(np.fromfile(os.path.join(d, "labels.bin"), dtype="<i4")
                              .astype(np.int64))
    feats = [f for f, _ in Net(m, layout, flat0, torch.float32).dropout_features]

    def masks_of(step, dt):
        a = load_f32(os.path.join(d, f"masks_{step}.bin"), B * sum(feats))
        out, at = [], 0
        for f in feats:
            out.append(torch.from_numpy(a[at:at + B * f].copy()).reshape(B, f).to(dt))
            at += B * f
        return out

    def state_of(step):
        return load_f32(os.path.join(d, f"state_{step}.bin"), 4 * n).reshape(4, n)

    def choices_of(step):
        return (load_f32(os.path.join(d, f"outputs_{step}.bin")),
                np.fromfile(os.path.join(d, f"winners_{step}.bin"), dtype="<i4"))

    with torch.no_grad():
        net = Net(m, layout, flat0, torch.float32)
        nomask = F.cross_entropy(net.forward(x, None), labels).item()
    np.array([nomask], dtype="<f4").tofile(os.path.join(d, "torch_loss_nomask.bin"))

    x = x.to(dtype)
    if mode == "free":
        losses, grads, params = free(m, layout, flat0, x, labels, masks_of, dtype)
    else:
        losses, grads, params = teacher(m, layout, x, labels, masks_of, state_of, choices_of,
                                        dtype, os.path.join(d, f"{prefix}_ties.txt"))
    np.array(losses, dtype="<f4").tofile(os.path.join(d, f"{prefix}_losses.bin"))
    grads.tofile(os.path.join(d, f"{prefix}_grads.bin"))
    params.tofile(os.path.join(d, f"{prefix}_params.bin"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
