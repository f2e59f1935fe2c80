"""Draw the model card's figures: training curves from ``train_emotion.py``'s history.json and
the PrivateTest confusion matrix from ``evaluate_emotion.py --json``.

    python scripts/plot_emotion.py --history runs/vgg/history.json --eval eval.json --out models/
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from moodify_edge.emotions import LABELS


def plot_history(history: dict, path: Path) -> None:
    curves = history["history"]
    epochs = np.arange(1, len(curves["loss"]) + 1)
    fig, (acc, loss) = plt.subplots(1, 2, figsize=(10, 4))
    acc.plot(epochs, curves["accuracy"], label="Training (augmented)")
    acc.plot(epochs, curves["val_accuracy"], label="PublicTest")
    acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    loss.plot(epochs, curves["loss"], label="Training (augmented, weighted)")
    loss.plot(epochs, curves["val_loss"], label="PublicTest")
    loss.set(xlabel="epoch", ylabel="cross-entropy (smoothed targets)", title="Loss")
    for ax in (acc, loss):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confusion(result: dict, title: str, path: Path) -> None:
    matrix = np.array(result["confusion"], dtype=np.float64)
    normalised = matrix / matrix.sum(axis=1, keepdims=True)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            ax.text(
                j,
                i,
                f"{int(matrix[i, j])}\n{normalised[i, j]:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if normalised[i, j] > 0.5 else "black",
            )
    ax.set_xticks(range(len(LABELS)), LABELS, rotation=45)
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    fig.colorbar(image, ax=ax, fraction=0.046, label="recall share of the row")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--history", required=True, help="history.json from train_emotion.py")
    p.add_argument("--eval", required=True, help="JSON from evaluate_emotion.py --json")
    p.add_argument("--out", required=True, help="folder for training_curves.png and confusion_private.png")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_history(json.loads(Path(args.history).read_text()), out / "training_curves.png")
    result = json.loads(Path(args.eval).read_text())
    accuracy = result["private"]["accuracy"]
    plot_confusion(
        result["private"], f"PrivateTest, shipped int8 model ({accuracy:.1%})", out / "confusion_private.png"
    )


if __name__ == "__main__":
    main()
