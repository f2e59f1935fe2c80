"""FER2013 loading shared by the emotion training and evaluation scripts.

Reads either layout of the data set:

* the npz files described in the data README (``fer2013_train.npz`` with the Training rows and
  ``fer2013_test.npz`` with PublicTest + PrivateTest, each with ``images``, ``labels``,
  ``usage`` and ``ferplus_votes``), or
* the compact pack written by ``pack-fer-compact.py`` (``meta.npz`` + ``x{tr,pub,priv}.u8.xz``),
  whose PrivateTest part is present only when packed with ``--private``.
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SPLITS = ("train", "public", "private")
_USAGE = {"train": 0, "public": 1, "private": 2}
_PACKED = {"train": "tr", "public": "pub", "private": "priv"}

# FER+ vote columns (neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
# unknown, NF) that correspond to FER2013 classes 0..6 (Angry .. Neutral). Contempt, unknown
# and not-a-face have no FER2013 class and are dropped.
FERPLUS_TO_FER = np.array([4, 5, 6, 1, 3, 2, 0])


@dataclass(frozen=True)
class Split:
    """One split: grey 48x48 uint8 faces, FER2013 labels (int64) and FER+ votes (N, 10)."""

    images: np.ndarray
    labels: np.ndarray
    votes: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def load_split(data_dir: str | Path, split: str) -> Split:
    """Load ``split`` ("train", "public" or "private") from either data layout in ``data_dir``."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    data_dir = Path(data_dir)
    if (data_dir / "meta.npz").exists():
        meta = np.load(data_dir / "meta.npz")
        key = _PACKED[split]
        if f"n{key}" not in meta:
            raise FileNotFoundError(f"{data_dir} has no {split} split (pack it with --private)")
        n = int(meta[f"n{key}"])
        raw = lzma.decompress((data_dir / f"x{key}.u8.xz").read_bytes())
        images = np.frombuffer(raw, np.uint8).reshape(n, 48, 48)
        return Split(images, meta[f"y{key}"].astype(np.int64), meta[f"v{key}"])
    name = "fer2013_train.npz" if split == "train" else "fer2013_test.npz"
    with np.load(data_dir / name) as f:
        keep = f["usage"] == _USAGE[split]
        return Split(f["images"][keep], f["labels"][keep].astype(np.int64), f["ferplus_votes"][keep])


def ferplus_distribution(votes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FER+ votes as (N, 7) distributions in FER2013 order, and a mask of rows that have any vote
    for one of the seven classes (the others are all contempt / unknown / not-a-face)."""
    counts = votes[:, FERPLUS_TO_FER].astype(np.float32)
    total = counts.sum(axis=1, keepdims=True)
    valid = total[:, 0] > 0
    return counts / np.maximum(total, 1.0), valid


def ferplus_majority(votes: np.ndarray) -> np.ndarray:
    """FER+ majority label in FER2013 order per row, or -1 where the most-voted FER+ category has
    no FER2013 class (contempt, unknown, not a face) or the top vote is tied."""
    top = votes.argmax(axis=1)
    mapped = np.full(len(votes), -1, np.int64)
    for fer_class, column in enumerate(FERPLUS_TO_FER):
        mapped[top == column] = fer_class
    sorted_votes = np.sort(votes, axis=1)
    mapped[sorted_votes[:, -1] == sorted_votes[:, -2]] = -1
    return mapped
