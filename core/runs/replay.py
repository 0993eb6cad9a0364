"""Replay: what a run predicted on a fixed probe set of test images after every epoch, so views can step
through training ("watch it learn").

Every run records, before its first epoch (epoch 0, the untrained network) and after each epoch, its
predictions on PROBE_COUNT test images spread evenly over the classes (or over the 12 hours) and, for an
MLP, the first dense layer's weights of WEIGHT_UNITS hidden units (three per pixel for colour images). The record
is small (float16, well under 2 MB for 40 epochs of a grayscale model; a CIFAR-10 MLP's colour weights add about
90 KB an epoch) and is rewritten atomically after each epoch, so a live run can be replayed too.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.clocks.time import to_minutes
from core.models.build import model_input
from core.storage.atomic import save_npz

REPLAY_FILE = "replay.npz"
WRITE_EVERY_S = 2.0  # fast runs (an MLP epoch can take under a second) rewrite the file at most this often
PROBE_COUNT = 300
WEIGHT_UNITS = 16
PROBE_BATCH = 100  # images per direct call: 300 clocks of 150 px at once would hold about 1 GB of activations


class ReplayError(ValueError):
    """A replay file that cannot be read as the arrays a replay holds."""


def probe_indices(keys: np.ndarray, count: int = PROBE_COUNT) -> np.ndarray:
    """Indices of `count` items spread evenly over the sorted keys (class labels, or minutes after 12:00)."""
    keys = np.asarray(keys).reshape(-1)
    if len(keys) <= count:
        return np.arange(len(keys), dtype=np.int32)
    order = np.argsort(keys, kind="stable")
    positions = np.linspace(0, len(keys) - 1, count).round().astype(np.int64)
    return np.sort(order[positions]).astype(np.int32)


@dataclass
class Replay:
    """A run's record: per recorded epoch, its predictions on the probe images (and MLP weights)."""

    probe: np.ndarray  # [P] indices into the run's test split
    truth: np.ndarray  # [P] true class, or true minutes after 12:00 for clocks
    epochs: np.ndarray  # [E] epoch numbers; 0 is the untrained network
    predicted: np.ndarray  # [E, P] predicted class, or predicted minutes for clocks
    probabilities: np.ndarray | None = None  # [E, P, C] class probabilities (classifiers)
    hour_circle: np.ndarray | None = None  # [E, P, 2] (sin, cos) on the 12-hour circle (clocks)
    weights: np.ndarray | None = None  # [E, U, H, W] (colour: [E, U, H, W, 3]) first-layer weights of some MLP units
    units: np.ndarray | None = None  # [U] which hidden units

    @property
    def is_clock(self) -> bool:
        return self.hour_circle is not None

    def __len__(self) -> int:
        return len(self.epochs)

    def arrays(self) -> dict[str, np.ndarray]:
        """The record as plain arrays for an .npz (absent parts left out)."""
        names = ("probe", "truth", "epochs", "predicted", "probabilities", "hour_circle", "weights", "units")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


def load_replay(run_dir: str | Path) -> Replay | None:
    """The run's replay record, or None when it has none (runs trained before replay existed)."""
    path = Path(run_dir) / REPLAY_FILE
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        replay = Replay(**arrays)
    except (OSError, ValueError, EOFError, TypeError) as error:
        raise ReplayError(f"replay file {path} cannot be read: {error}") from None
    if replay.predicted.shape[:1] != replay.epochs.shape or replay.predicted.shape[1:2] != replay.probe.shape:
        raise ReplayError(f"replay file {path} has arrays of mismatched sizes")
    return replay


def _first_layer_weights(model: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """([U, H, W] or, colour, [U, H, W, 3] weights, unit indices) of an MLP's first dense layer when it reads the
    pixels, else None."""
    from core.evaluation.activations import first_layer

    layer = first_layer(model, "dense")
    if layer is None or first_layer(model, "conv") is not None:
        return None
    image_shape = tuple(int(size) for size in model.inputs[0].shape[1:])
    if image_shape[-1] == 1:
        image_shape = image_shape[:-1]
    kernel = np.asarray(layer.get_weights()[0])
    if kernel.shape[0] != np.prod(image_shape):
        return None
    units = np.linspace(0, kernel.shape[1] - 1, min(WEIGHT_UNITS, kernel.shape[1])).round().astype(np.int32)
    return kernel[:, units].T.reshape(len(units), *image_shape), units


def probe_outputs(model: Any, images: np.ndarray) -> dict[str, np.ndarray]:
    """The model's outputs on the probe by direct calls, keyed by output name (as predict_outputs gives them).

    model.predict sets up a data pipeline on every call, which costs far more than 300 images do.
    """
    import keras

    names = list(model.output_names)
    parts = []
    for start in range(0, len(images), PROBE_BATCH):
        outputs = model(np.asarray(images[start : start + PROBE_BATCH], np.float32), training=False)
        if not isinstance(outputs, dict):
            outputs = dict(zip(names, outputs if isinstance(outputs, (list, tuple)) else [outputs]))
        parts.append({name: keras.ops.convert_to_numpy(value) for name, value in outputs.items()})
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


class Recorder:
    """Collects the replay of one run and writes it after every recorded epoch."""

    def __init__(self, run_dir: Path, encoding: Any, images: np.ndarray, labels: np.ndarray) -> None:
        keys = to_minutes(labels) if encoding.is_clock else np.asarray(labels)
        self.path, self.encoding = Path(run_dir) / REPLAY_FILE, encoding
        self.probe = probe_indices(keys)
        self.images = model_input(np.asarray(images)[self.probe])
        self.truth = np.asarray(keys)[self.probe]
        self.rows: list[dict[str, np.ndarray]] = []
        self.epochs: list[int] = []
        self.units: np.ndarray | None = None
        self.written = -math.inf

    def record(self, model: Any, epoch: int) -> None:
        """Predict the probe images with the model as it is now; rewrite the file unless it was just written."""
        from core.evaluation.metrics import circle_points

        outputs = probe_outputs(model, self.images)
        row: dict[str, np.ndarray] = {}
        if self.encoding.is_clock:
            minutes = np.asarray(self.encoding.decode(outputs), np.float32)
            circle = self.encoding.circle_points(outputs)[0] if hasattr(self.encoding, "circle_points") else None
            row["predicted"] = minutes
            row["hour_circle"] = np.asarray(circle if circle is not None else circle_points(minutes)[0], np.float16)
        else:
            probabilities = np.asarray(self.encoding.class_probabilities(outputs))
            row["predicted"] = np.argmax(probabilities, axis=-1).astype(np.int16)
            row["probabilities"] = probabilities.astype(np.float16)
        weights = _first_layer_weights(model)
        if weights is not None:
            row["weights"], self.units = weights[0].astype(np.float16), weights[1]
        self.rows.append(row)
        self.epochs.append(int(epoch))
        if time.monotonic() - self.written >= WRITE_EVERY_S:
            self.write()

    def replay(self) -> Replay:
        """What has been recorded so far."""
        stacked = {key: np.stack([row[key] for row in self.rows]) for key in self.rows[0]}
        return Replay(
            probe=self.probe,
            truth=self.truth,
            epochs=np.asarray(self.epochs, np.int16),
            units=self.units if "weights" in stacked else None,
            **stacked,
        )

    def write(self) -> None:
        self.written = time.monotonic()
        save_npz(self.path, **self.replay().arrays())


def replay_callback(recorder: Recorder) -> Any:
    """A Keras callback: records epoch 0 when training starts and each epoch as it ends; writes the file at the end."""
    import keras

    class ReplayCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            recorder.record(self.model, 0)

        def on_epoch_end(self, epoch, logs=None):
            recorder.record(self.model, epoch + 1)

        def on_train_end(self, logs=None):
            if recorder.rows:
                recorder.write()

    return ReplayCallback()
