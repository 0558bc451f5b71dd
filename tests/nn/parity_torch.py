#!/usr/bin/python3
# parity_torch: the PyTorch half of tests/nn/test_parity.c. Reads a case directory that
# the C test wrote (manifest, LR Lab's initial parameters, one batch, the dropout masks LR
# Lab drew at every step), replays the same training steps with torch.optim, and writes
# back the loss per step, the last step's gradients and the final parameters, all in LR
# Lab's tensor layouts so the C side compares them byte-for-byte in its own order.
#
# Usage: /usr/bin/python3 parity_torch.py CASE_DIR [float32|float64]...  (default: both)
#
# Files (raw little-endian float32 unless said otherwise):
#   manifest.txt      one record per line, see read_manifest()
#   params0.bin       (num_parameters)   LR Lab's initial parameters, LR Lab layouts
#   inputs.bin        (B,H,W,C)          NHWC, as LR Lab takes them
#   labels.bin        (B) int32
#   masks_<s>.bin     every dropout layer's (B, features) keep mask of step s, in layer
#                     order; features are in LR Lab's (H,W,C) order before a flatten
# written here:
#   torch_losses.bin  (steps)
#   torch_grads.bin   (num_parameters)   gradients of the last step, before its update
#   torch_params.bin  (num_parameters)   parameters after the last step
#   torch64_*.bin     the same three from a float64 replay (rounded to float32)
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
    return m


def load_f32(path, count=None):
    a = np.fromfile(path, dtype="<f4")
    if count is not None and a.size != count:
        raise ValueError(f"{path}: {a.size} floats, expected {count}")
    return a


class Net:
    """The spec's layers in torch (NCHW), with parameters converted from LR Lab's layouts:
    conv (OC,K,K,C) -> (OC,C,K,K); the first dense layer's input columns from LR Lab's
    (H,W,C) flatten order to torch's (C,H,W)."""

    def __init__(self, m, flat):
        self.m = m
        self.ops = []           # (kind, info)
        self.params = []        # torch leaves, in the order the optimizer sees them
        self.to_lrlab = {}      # name -> function(torch tensor) -> flat LR Lab layout
        c, h, w = m["C"], m["H"], m["W"]
        flat_shape = None       # (C,H,W) of the tensor the first dense layer flattens
        n_conv = n_dense = 0
        dense_units = [int(l[1]) for l in m["layers"] if l[0] == "dense"]
        for layer in m["layers"]:
            kind = layer[0]
            if kind == "conv":
                n_conv += 1
                oc, k = int(layer[1]), int(layer[2])
                wt = self._take(flat, f"conv{n_conv}.weight", (oc, k, k, c)).permute(0, 3, 1, 2)
                b = self._take(flat, f"conv{n_conv}.bias", (oc,))
                self._leaf(f"conv{n_conv}.weight", wt, lambda g: g.permute(0, 2, 3, 1))
                self._leaf(f"conv{n_conv}.bias", b, lambda g: g)
                self.ops.append(("conv", (self.params[-2], self.params[-1], k // 2)))
                c = oc
            elif kind == "pool":
                self.ops.append(("pool", None))
                h, w = h // 2, w // 2
            elif kind == "dense":
                n_dense += 1
                out = int(layer[1])
                fan_in = c * h * w if flat_shape is None else c
                wt = self._take(flat, f"fc{n_dense}.weight", (out, fan_in))
                if flat_shape is None:
                    fc, fh, fw = flat_shape = (c, h, w)
                    # LR Lab's columns are (h,w,c); torch's are (c,h,w).
                    wt = wt.reshape(out, fh, fw, fc).permute(0, 3, 1, 2).reshape(out, -1)
                    back = (lambda g, fc=fc, fh=fh, fw=fw:
                            g.reshape(g.shape[0], fc, fh, fw).permute(0, 2, 3, 1))
                else:
                    back = lambda g: g
                b = self._take(flat, f"fc{n_dense}.bias", (out,))
                self._leaf(f"fc{n_dense}.weight", wt, back)
                self._leaf(f"fc{n_dense}.bias", b, lambda g: g)
                last = n_dense == len(dense_units)
                self.ops.append(("dense", (self.params[-2], self.params[-1], last)))
                c, h, w = out, 1, 1
            elif kind == "dropout":
                # Mask shape as LR Lab stores it, and how to turn it into torch's.
                if flat_shape is None:
                    self.ops.append(("dropout", (h * w * c, (h, w, c))))
                else:
                    self.ops.append(("dropout", (c, None)))
            else:
                raise ValueError(f"manifest: unknown layer '{kind}'")
        missing = set(m["tensors"]) - set(self.to_lrlab)
        if missing:
            raise ValueError(f"manifest tensors not used by the spec: {sorted(missing)}")

    def _take(self, flat, name, shape):
        off, size, dims = self.m["tensors"][name]
        if list(shape) != dims or size != int(np.prod(shape)):
            raise ValueError(f"{name}: manifest shape {dims}, spec implies {list(shape)}")
        return torch.from_numpy(flat[off:off + size].copy()).reshape(shape)

    def _leaf(self, name, t, back):
        p = t.contiguous().clone().requires_grad_(True)
        p.lrlab_name = name
        self.params.append(p)
        self.to_lrlab[name] = back

    def dropout_features(self):
        return [info[0] for kind, info in self.ops if kind == "dropout"]

    def forward(self, x, masks):
        """x (B,C,H,W); masks: one (B, features) tensor per dropout layer, or None for
        all-ones. Returns logits (B, classes)."""
        d = 0
        for kind, info in self.ops:
            if kind == "conv":
                wt, b, pad = info
                x = F.relu(F.conv2d(x, wt, b, padding=pad))
            elif kind == "pool":
                x = F.max_pool2d(x, 2, 2)
            elif kind == "dense":
                wt, b, last = info
                if x.dim() == 4:
                    x = x.flatten(1)
                x = F.linear(x, wt, b)
                if not last:
                    x = F.relu(x)
            elif kind == "dropout":
                features, hwc = info
                if masks is not None:
                    mk = masks[d]
                    if hwc is not None:
                        mk = mk.reshape(-1, *hwc).permute(0, 3, 1, 2)
                    x = x * mk
                d += 1
        return x

    def flat_lrlab(self, tensors):
        """Concatenates torch-layout tensors (one per param) into LR Lab's flat buffer."""
        n = sum(size for _, size, _ in self.m["tensors"].values())
        out = np.zeros(n, dtype="<f4")
        for p, t in zip(self.params, tensors):
            off, size, _ = self.m["tensors"][p.lrlab_name]
            out[off:off + size] = self.to_lrlab[p.lrlab_name](t.detach()).reshape(-1).numpy()
        return out


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


def main():
    dtypes = {"float32": (torch.float32, "torch"), "float64": (torch.float64, "torch64")}
    if len(sys.argv) < 2 or any(a not in dtypes for a in sys.argv[2:]):
        print("usage: parity_torch.py CASE_DIR [float32|float64]...", file=sys.stderr)
        return 2
    d = sys.argv[1]
    torch.set_num_threads(2)
    torch.manual_seed(0)  # nothing here is random; this only makes that certain
    m = read_manifest(os.path.join(d, "manifest.txt"))
    n_params = sum(size for _, size, _ in m["tensors"].values())
    B, H, W, C = m["batch"], m["H"], m["W"], m["C"]

    flat0 = load_f32(os.path.join(d, "params0.bin"), n_params)
    x = torch.from_numpy(load_f32(os.path.join(d, "inputs.bin"), B * H * W * C))
    x = x.reshape(B, H, W, C).permute(0, 3, 1, 2).contiguous()
    labels = torch.from_numpy(np.fromfile(os.path.join(d, "labels.bin"), dtype="<i4")
                              .astype(np.int64))
    feats = Net(m, flat0).dropout_features()

    def masks_of(step):
        a = load_f32(os.path.join(d, f"masks_{step}.bin"), B * sum(feats))
        out, at = [], 0
        for f in feats:
            out.append(torch.from_numpy(a[at:at + B * f].copy()).reshape(B, f))
            at += B * f
        return out

    with torch.no_grad():
        nomask = F.cross_entropy(Net(m, flat0).forward(x, None), labels).item()
    np.array([nomask], dtype="<f4").tofile(os.path.join(d, "torch_loss_nomask.bin"))

    # float32 is the comparison the test asks for; float64 is the truth both float32
    # runs are measured against, so the C side can tell a bug from rounding (Adam turns
    # a gradient that is zero up to rounding into a full +-lr step, in torch too).
    for dtype, prefix in (dtypes[a] for a in (sys.argv[2:] or ["float32", "float64"])):
        losses, grads, params = replay(m, flat0, x, labels, masks_of, dtype)
        np.array(losses, dtype="<f4").tofile(os.path.join(d, f"{prefix}_losses.bin"))
        grads.tofile(os.path.join(d, f"{prefix}_grads.bin"))
        params.tofile(os.path.join(d, f"{prefix}_params.bin"))
    return 0


def replay(m, flat0, x, labels, masks_of, dtype):
    """The C side's training steps in torch at dtype. Returns (losses per step, last
    step's gradients, final parameters), the latter two flat in LR Lab's layouts."""
    net = Net(m, flat0)
    for p in net.params:
        p.data = p.data.to(dtype)
    x = x.to(dtype)
    opt = make_optimizer(net.params, m["opt"])
    losses = []
    for step in range(m["steps"]):
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(net.forward(x, [mk.to(dtype) for mk in masks_of(step)]),
                               labels)
        loss.backward()
        losses.append(loss.item())
        if step == m["steps"] - 1:
            grads = net.flat_lrlab([p.grad.float() for p in net.params])
        opt.step()
    return losses, grads, net.flat_lrlab([p.float() for p in net.params])


if __name__ == "__main__":
    sys.exit(main())
