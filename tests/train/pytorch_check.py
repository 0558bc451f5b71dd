#!/usr/bin/python3
"""The Python half of test_pytorch_export: the run folder an exported train.py wrote, read
back by hand and checked against its project.

    pytorch_check.py RUN_DIR PROJECT_DIR

predictions.bin must be format v2 (every class's probability), name the validation images
of split/val.txt in order with their labels, hold one block per history.csv epoch whose
rows sum to 1, and its argmax accuracy must be history.csv's val_accuracy. Prints one line
of what it found; exits 1 on any mismatch."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lrlab_files import read_history, read_predictions  # noqa: E402


def main():
    run, project = sys.argv[1:3]
    pred = read_predictions(os.path.join(run, "predictions.bin"))
    history = read_history(os.path.join(run, "history.csv"))
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(project, "split", "val.txt"))
            if not l.startswith("#")]
    problems = []
    if pred["version"] != 2:
        problems.append(f"version {pred['version']}")
    if pred["index"] != [int(r[0]) for r in rows] or pred["label"] != [int(r[1]) for r in rows]:
        problems.append("the validation images differ from split/val.txt")
    if pred["source"] != [r[3] for r in rows]:
        problems.append("the sources differ from split/val.txt")
    if len(pred["epochs"]) != len(history):
        problems.append(f"{len(pred['epochs'])} epochs of predictions, {len(history)} in history.csv")
    labels = np.array(pred["label"])
    for e, probs in enumerate(pred["epochs"]):
        if not np.allclose(probs.sum(axis=1), 1, atol=1e-5):
            problems.append(f"epoch {e}: probabilities do not sum to 1")
        acc = float((probs.argmax(axis=1) == labels).mean())
        if e < len(history) and abs(acc - history[e]["val_accuracy"]) > 1e-12:
            problems.append(f"epoch {e}: accuracy {acc} from predictions, "
                            f"{history[e]['val_accuracy']} in history.csv")
    print(f"pytorch_check: {len(labels)} validation images, {len(pred['epochs'])} epochs, "
          f"{pred['classes']} classes" + ("; " + "; ".join(problems) if problems else ": ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
