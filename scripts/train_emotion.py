"""Train the Moodify Edge emotion CNN on FER2013 with Keras 3 (any backend).

The backend comes from ``KERAS_BACKEND``: tensorflow on a CPU box and jax on a GPU are the
tested ones (the script uses keras.ops only, so torch should also work).
Augmentation (flip, one random affine per face, brightness/contrast jitter, random erasing)
runs inside the training graph, so it runs on the accelerator. Before it, on the CPU, a share of
the faces (``--camera-augment``) gets what a real camera and the aligned crop do to a face
(:func:`camera_augment`): gaussian noise, JPEG at quality 30-90, blur, sampling down to 16-48 px and
back up, and the small shift/scale/rotation jitter of a crop placed from landmarks. Class imbalance is handled with
per-sample class weights, targets are label-smoothed and can mix in the FER+ crowd-vote
distribution. Only Training is fitted and only PublicTest is watched (model selection happens
by comparing runs on PublicTest); PrivateTest is never read here.

Writes to ``--out``: ``model.keras`` (float inference model: raw 0-255 grey pixels in, 7 logits
out, no augmentation layers, float32) and ``history.json`` (per-epoch curves, config, timings,
final PublicTest accuracy with and without flip test-time augmentation).

    KERAS_BACKEND=tensorflow python scripts/train_emotion.py --data DIR --out runs/quick --quick
    KERAS_BACKEND=jax python scripts/train_emotion.py --data DIR --out runs/vgg --epochs 276 \
        --mixed-precision --soft-labels ferplus --seed 2      # the shipped model's recipe

The shipped model's exact command, timings and the PublicTest sweep are in models/MODEL_CARD.md.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import keras
import numpy as np
from fer_data import Split, ferplus_distribution, load_split
from keras import layers, ops

NUM_CLASSES = 7
SIZE = 48


class Augment(layers.Layer):
    """Random horizontal flip, rotation/zoom/shift, brightness/contrast and erasing, on 0-255
    pixels, active only when ``training`` is true."""

    def __init__(
        self,
        rotation_deg: float = 15.0,
        shift: float = 0.1,
        zoom: float = 0.15,
        erase_prob: float = 0.5,
        seed: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.rotation = math.radians(rotation_deg)
        self.shift = shift
        self.zoom = zoom
        self.erase_prob = erase_prob
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _uniform(self, shape: tuple, low: float, high: float):
        return keras.random.uniform(shape, low, high, seed=self.seed_generator)

    def call(self, x, training: bool = False):
        if not training:
            return x
        n = ops.shape(x)[0]
        x = ops.where(self._uniform((n, 1, 1, 1), 0, 1) < 0.5, ops.flip(x, axis=2), x)

        # One combined affine (one interpolation) mapping output (col, row) to input coordinates.
        angle = self._uniform((n,), -self.rotation, self.rotation)
        inv_scale = 1.0 / self._uniform((n,), 1.0 - self.zoom, 1.0 + self.zoom)
        tx = self._uniform((n,), -self.shift, self.shift) * SIZE
        ty = self._uniform((n,), -self.shift, self.shift) * SIZE
        c = (SIZE - 1) / 2.0
        cos, sin = ops.cos(angle) * inv_scale, ops.sin(angle) * inv_scale
        zero = ops.zeros_like(cos)
        transform = ops.stack(
            [cos, -sin, c - cos * c + sin * c + tx, sin, cos, c - sin * c - cos * c + ty, zero, zero], axis=1
        )
        x = ops.image.affine_transform(
            x, transform, interpolation="bilinear", fill_mode="nearest", data_format="channels_last"
        )

        contrast = self._uniform((n, 1, 1, 1), 0.75, 1.25)
        brightness = self._uniform((n, 1, 1, 1), -25.0, 25.0)
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        x = ops.clip((x - mean) * contrast + mean + brightness, 0.0, 255.0)

        # Random erasing: one rectangle of 2-20 % of the face filled with a random grey level.
        area = self._uniform((n, 1, 1, 1), 0.02, 0.2) * SIZE * SIZE
        aspect = ops.exp(self._uniform((n, 1, 1, 1), math.log(0.3), math.log(3.3)))
        half_h, half_w = ops.sqrt(area * aspect) / 2, ops.sqrt(area / aspect) / 2
        cy = self._uniform((n, 1, 1, 1), 0, SIZE)
        cx = self._uniform((n, 1, 1, 1), 0, SIZE)
        grid = ops.arange(SIZE, dtype="float32")
        inside = ops.logical_and(
            ops.abs(ops.reshape(grid, (1, SIZE, 1, 1)) - cy) < half_h,
            ops.abs(ops.reshape(grid, (1, 1, SIZE, 1)) - cx) < half_w,
        )
        erase = ops.logical_and(inside, self._uniform((n, 1, 1, 1), 0, 1) < self.erase_prob)
        return ops.where(erase, self._uniform((n, 1, 1, 1), 0, 255), x)


@dataclass(frozen=True)
class CameraAugment:
    """What a camera and the aligned crop do to a face; each effect is applied with its own chance."""

    noise_sigma: tuple[float, float] = (2.0, 12.0)  # gaussian noise, grey levels
    jpeg_quality: tuple[int, int] = (30, 90)
    blur_sigma: tuple[float, float] = (0.3, 1.2)  # gaussian blur, px of the 48×48 face
    down_to: tuple[int, int] = (16, 48)  # sampled down to this side, then back up to 48
    # The aligned crop's own jitter (landmark noise): scale, shift (share of the side), rotation (deg).
    crop_scale: float = 0.06
    crop_shift: float = 0.04
    crop_rotation: float = 6.0
    chance: float = 0.5  # of each effect, for a face chosen for camera augmentation


def jitter_crop(face: np.ndarray, rng: np.random.Generator, settings: CameraAugment) -> np.ndarray:
    """The face re-cut the way the aligned crop varies from frame to frame (edges replicated)."""
    c = (SIZE - 1) / 2.0
    angle = rng.uniform(-settings.crop_rotation, settings.crop_rotation)
    scale = 1.0 + rng.uniform(-settings.crop_scale, settings.crop_scale)
    matrix = cv2.getRotationMatrix2D((c, c), angle, scale)
    matrix[:, 2] += rng.uniform(-settings.crop_shift, settings.crop_shift, 2) * SIZE
    return cv2.warpAffine(face, matrix, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def camera_augment(
    images: np.ndarray, rng: np.random.Generator, share: float = 0.5, settings: CameraAugment | None = None
) -> np.ndarray:
    """A copy of ``images`` (N, 48, 48) uint8 where ``share`` of the faces went through camera effects."""
    settings = settings or CameraAugment()
    out = images.copy()
    for i in np.flatnonzero(rng.random(len(images)) < share):
        face = out[i]
        if rng.random() < settings.chance:
            face = jitter_crop(face, rng, settings)
        if rng.random() < settings.chance:
            side = int(rng.integers(settings.down_to[0], settings.down_to[1] + 1))
            face = cv2.resize(cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA), (SIZE, SIZE))
        if rng.random() < settings.chance:
            face = cv2.GaussianBlur(face, (0, 0), rng.uniform(*settings.blur_sigma))
        if rng.random() < settings.chance:
            noise = rng.normal(0.0, rng.uniform(*settings.noise_sigma), face.shape)
            face = np.clip(face + noise, 0, 255).astype(np.uint8)
        if rng.random() < settings.chance:
            quality = int(rng.integers(settings.jpeg_quality[0], settings.jpeg_quality[1] + 1))
            face = cv2.imdecode(cv2.imencode(".jpg", face, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], 0)
        out[i] = face
    return out


class CameraBatches(keras.utils.PyDataset):
    """Shuffled training batches, camera-augmented afresh every epoch: (x, y, sample weight)."""

    def __init__(
        self, images: np.ndarray, y: np.ndarray, weights: np.ndarray, batch: int, share: float, seed: int
    ) -> None:
        super().__init__()
        self.images, self.y, self.weights, self.batch, self.share = images, y, weights, batch, share
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(images))

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = self.order[index * self.batch : (index + 1) * self.batch]
        x = camera_augment(self.images[rows], self.rng, self.share)
        return x[..., None].astype(np.float32), self.y[rows], self.weights[rows]

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.images))


def build_core(arch: str, width: int, dropout: float) -> keras.Model:
    """The inference network: raw grey pixels (0-255) in, 7 logits out."""
    inputs = keras.Input((SIZE, SIZE, 1), name="pixels")
    x = layers.Rescaling(1.0 / 255.0)(inputs)
    if arch == "prototype":
        # The desktop prototype's network, as published (no activation after its conv).
        x = layers.Conv2D(32, 3, padding="same")(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(256, activation="relu")(x)
        x = layers.Dropout(0.3)(x)
    elif arch == "vgg":
        for multiplier in (1, 2, 4, 8):
            for _ in range(2):
                x = layers.Conv2D(
                    width * multiplier, 3, padding="same", use_bias=False, kernel_initializer="he_normal"
                )(x)
                x = layers.BatchNormalization()(x)
                x = layers.ReLU()(x)
            x = layers.MaxPooling2D(2)(x)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dropout(dropout)(x)
    else:
        raise ValueError(f"unknown arch {arch!r}")
    logits = layers.Dense(NUM_CLASSES, dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name=f"emotion_{arch}")


class CosineSchedule(keras.callbacks.Callback):
    """Per-epoch linear warm-up then cosine decay to zero. Progress is epochs done / ``epochs``
    or, with ``time_budget`` seconds, wall time used / budget if that is further along (training
    then stops when the next epoch would overrun the budget)."""

    def __init__(self, base_lr: float, epochs: int, warmup: int, time_budget: float | None) -> None:
        super().__init__()
        self.base_lr, self.epochs, self.warmup, self.time_budget = base_lr, epochs, warmup, time_budget
        self.start = time.monotonic()
        self.epoch_start = self.start
        self.lr = base_lr

    def _progress(self, epoch: int) -> float:
        progress = epoch / self.epochs
        if self.time_budget:
            progress = max(progress, (time.monotonic() - self.start) / self.time_budget)
        return min(1.0, progress)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch_start = time.monotonic()
        if epoch < self.warmup:
            self.lr = self.base_lr * (epoch + 1) / self.warmup
        else:
            self.lr = self.base_lr * 0.5 * (1.0 + math.cos(math.pi * self._progress(epoch)))
        self.model.optimizer.learning_rate = self.lr

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        now = time.monotonic()
        if logs is not None:
            logs["lr"] = self.lr
            logs["epoch_seconds"] = now - self.epoch_start
        if self.time_budget and now - self.start + (now - self.epoch_start) > self.time_budget:
            self.model.stop_training = True


def targets(split: Split, soft_labels: str, ferplus_weight: float) -> np.ndarray:
    """One-hot FER2013 targets, optionally mixed with the FER+ vote distribution."""
    onehot = np.eye(NUM_CLASSES, dtype=np.float32)[split.labels]
    if soft_labels == "none":
        return onehot
    dist, valid = ferplus_distribution(split.votes)
    mixed = (1.0 - ferplus_weight) * onehot + ferplus_weight * dist
    return np.where(valid[:, None], mixed, onehot).astype(np.float32)


def class_weights(labels: np.ndarray, power: float) -> np.ndarray:
    """Per-class weight (N / (K * count_c)) ** power, scaled to mean 1 over the training samples."""
    counts = np.bincount(labels, minlength=NUM_CLASSES).astype(np.float64)
    weights = (len(labels) / (NUM_CLASSES * np.maximum(counts, 1))) ** power
    return (weights / weights[labels].mean()).astype(np.float32)


def make_optimizer(args: argparse.Namespace) -> keras.optimizers.Optimizer:
    common = dict(
        learning_rate=args.lr, weight_decay=args.weight_decay, use_ema=args.ema > 0, ema_momentum=args.ema or 0.99
    )
    if args.optimizer == "sgd":
        opt = keras.optimizers.SGD(momentum=0.9, nesterov=True, **common)
    else:
        opt = keras.optimizers.AdamW(**common)
    opt.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    return opt


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def flip_tta_accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray, batch: int) -> tuple[float, float]:
    """PublicTest accuracy plain and with the mean of the face and its mirror image."""
    plain = model.predict(x, batch_size=batch, verbose=0)
    mirrored = model.predict(x[:, :, ::-1], batch_size=batch, verbose=0)
    tta = _softmax(plain) + _softmax(mirrored)
    return float((plain.argmax(1) == y).mean()), float((tta.argmax(1) == y).mean())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with fer2013_{train,test}.npz or a pack-fer-compact.py pack")
    p.add_argument("--out", required=True, help="output folder for model.keras and history.json")
    p.add_argument("--arch", choices=["vgg", "prototype"], default="vgg")
    p.add_argument("--width", type=int, default=32, help="vgg channels of the first block (x1, x2, x4, x8)")
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--epochs", type=int, default=150, help="epochs (a cap when --time-budget is set)")
    p.add_argument("--time-budget", type=float, default=None, help="seconds: cosine schedule by wall time")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--weight-decay", type=float, default=5e-3, help="decoupled (scaled by the learning rate)")
    p.add_argument("--warmup", type=int, default=3, help="warm-up epochs")
    p.add_argument("--ema", type=float, default=0.0, help="EMA momentum of the weights (0: off)")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--class-weight-power", type=float, default=0.5, help="0: none, 1: fully balanced")
    p.add_argument("--soft-labels", choices=["none", "ferplus"], default="none")
    p.add_argument("--ferplus-weight", type=float, default=0.3, help="share of the FER+ distribution in the target")
    p.add_argument("--mixed-precision", action="store_true", help="train in bfloat16 (saved model is float32)")
    p.add_argument(
        "--camera-augment", type=float, default=0.5, help="share of training faces given camera effects (0: off)"
    )
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument(
        "--quick",
        action="store_true",
        help="width-8 vgg, 3 epochs: a pipeline check (about 32%% PublicTest in 4 min on 2 CPU cores)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.arch, args.width, args.epochs, args.warmup = "vgg", 8, 3, 1
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    if args.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")

    train, public = load_split(args.data, "train"), load_split(args.data, "public")
    x_train = train.images[..., None].astype(np.float32)
    x_public = public.images[..., None].astype(np.float32)
    y_train = targets(train, args.soft_labels, args.ferplus_weight)
    y_public = np.eye(NUM_CLASSES, dtype=np.float32)[public.labels]
    weights = class_weights(train.labels, args.class_weight_power)
    print(
        f"backend={keras.backend.backend()} train={len(train)} public={len(public)} "
        f"class weights={np.round(weights, 2).tolist()}",
        flush=True,
    )

    core = build_core(args.arch, args.width, args.dropout)
    trainer = keras.Sequential([keras.Input((SIZE, SIZE, 1)), Augment(seed=args.seed), core])
    trainer.compile(
        optimizer=make_optimizer(args),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=args.label_smoothing),
        metrics=["accuracy"],
    )
    print(f"{core.name}: {core.count_params():,} parameters", flush=True)

    schedule = CosineSchedule(args.lr, args.epochs, args.warmup, args.time_budget)
    started = time.monotonic()
    if args.camera_augment > 0:
        batches = CameraBatches(
            train.images, y_train, weights[train.labels], args.batch, args.camera_augment, args.seed
        )
        fit_data: dict = {"x": batches}
    else:
        fit_data = {
            "x": x_train,
            "y": y_train,
            "sample_weight": weights[train.labels],
            "batch_size": args.batch,
            "shuffle": True,
        }
    history = trainer.fit(
        **fit_data,
        epochs=args.epochs,
        validation_data=(x_public, y_public),
        callbacks=[schedule],
        verbose=2,
    )
    train_seconds = time.monotonic() - started

    # Rebuild in float32 so the saved file carries no training-only dtype policy.
    keras.mixed_precision.set_global_policy("float32")
    model = build_core(args.arch, args.width, args.dropout)
    model.set_weights(core.get_weights())
    model.save(out / "model.keras")

    plain, tta = flip_tta_accuracy(model, x_public, public.labels, 512)
    print(f"PublicTest accuracy {plain:.4f} (flip TTA {tta:.4f}); {train_seconds:.0f} s training", flush=True)
    record = {
        "config": vars(args),
        "backend": keras.backend.backend(),
        "parameters": model.count_params(),
        "epochs_run": len(history.history["loss"]),
        "train_seconds": train_seconds,
        "public_accuracy": plain,
        "public_accuracy_flip_tta": tta,
        "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
    }
    (out / "history.json").write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
