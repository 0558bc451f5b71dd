#!/usr/bin/python3
"""The Python half of test_onnx: LR Lab's ONNX export checked by other people's code.

    onnx_check.py MODEL.onnx RUN_DIR IMAGES_DIR

Debian's onnx package checks the model (full_check: types and shapes inferred), its IR
version, opset, operators and class-name metadata; OpenCV's DNN module runs it on every
validation image of RUN_DIR (the PNGs lrlab-train --export-synthetic wrote under
IMAGES_DIR/<class>/) and its probabilities are compared with those LR Lab recorded in
predictions.bin for the epoch the model file is from. Prints the largest difference; exits
1 when it is above 1e-5."""
import json
import os
import sys

import cv2
import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lrlab_files import read_predictions  # noqa: E402

TOLERANCE = 1e-5
ALLOWED = {"Sub", "Div", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"}


def main():
    path, run, images = sys.argv[1:4]
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version in (7, 8), model.ir_version
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 13)]
    ops = {n.op_type for n in model.graph.node}
    assert ops <= ALLOWED, ops - ALLOWED
    meta = {p.key: p.value for p in model.metadata_props}
    classes = json.loads(meta["classes"])
    status = open(os.path.join(run, "status.ini")).read()
    assert "classes=" + "".join(c + ";" for c in classes) in status, (classes, status)
    epoch = int(meta["lrlab.epoch"])

    pred = read_predictions(os.path.join(run, "predictions.bin"))
    net = cv2.dnn.readNetFromONNX(path)
    worst, n = 0.0, 0
    for i, source in enumerate(pred["source"]):
        _, cls, number = source.split("/")
        bgr = cv2.imread(os.path.join(images, cls, number + ".png"), cv2.IMREAD_COLOR)
        blob = cv2.dnn.blobFromImage(bgr, swapRB=True)       # (1, 3, H, W) RGB 0..255
        net.setInput(blob)
        probs = net.forward()[0].astype(np.float64)
        if pred["version"] == 2:
            lrlab = pred["epochs"][epoch][i].astype(np.float64)
            worst = max(worst, float(np.abs(probs - lrlab).max()))
        else:
            predicted, confidence, true_p = pred["epochs"][epoch][i]
            worst = max(worst, abs(probs[predicted] - confidence),
                        abs(probs[pred["label"][i]] - true_p))
        n += 1
    print(f"onnx_check: {n} validation images, largest |OpenCV - LR Lab| probability "
          f"difference {worst:.3g} (tolerance {TOLERANCE:g})")
    return 0 if n > 0 and worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
