"""Label encodings: how a target is represented, which head and loss learn it, and how outputs decode.

Every clock experiment goes through one `Encoding`: training asks it for targets, output layers and
losses; evaluation and figures ask it to decode network outputs to minutes after 12:00. Keras is
imported only inside `build_head`/`losses`, so encoding and decoding stay cheap NumPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from core.clocks.time import MINUTES, common_sense_error, to_minutes

PEAK_REACH_SIGMAS = 3.0  # soft-target classes decode from the slots within this many sigmas of the top one
CLOCK_ENCODINGS = (
    "regression",
    "regression-minutes",
    "classes-24",
    "classes-72",
    "classes-180",
    "classes-720",
    "multihead",
    "multihead-sincos",
    "sincos",
)


def _angle(minutes: np.ndarray, period: float) -> np.ndarray:
    return 2.0 * np.pi * np.asarray(minutes, np.float64) / period


def _from_angle(sin: np.ndarray, cos: np.ndarray, period: float) -> np.ndarray:
    return (np.arctan2(sin, cos) / (2.0 * np.pi) * period) % period


class Encoding(Protocol):
    """What every label representation provides; outputs are dicts keyed by output-layer name."""

    name: str
    title: str
    summary: str
    is_clock: bool

    def encode(self, labels: np.ndarray) -> dict[str, np.ndarray]: ...
    def build_head(self, features: Any) -> dict[str, Any]: ...
    def losses(self) -> dict[str, Any]: ...
    def loss_weights(self) -> dict[str, float]: ...
    def metrics(self) -> dict[str, list]: ...
    def decode(self, outputs: dict[str, np.ndarray]) -> np.ndarray: ...
    def class_probabilities(self, outputs: dict[str, np.ndarray]) -> np.ndarray | None: ...


def _dense(units: int, activation: str | None, name: str):
    import keras

    return keras.layers.Dense(units, activation=activation, name=name, dtype="float32")


@dataclass(frozen=True)
class DatasetLabels:
    """Plain class labels (MNIST, Fashion-MNIST): softmax over n classes, optional label smoothing."""

    n_classes: int = 10
    label_smoothing: float = 0.0
    name: str = "labels"
    title: str = "Class labels"
    summary: str = "One softmax output per class."
    is_clock: bool = False

    def encode(self, labels: np.ndarray) -> dict[str, np.ndarray]:
        labels = np.asarray(labels).astype(np.int64).reshape(-1)
        if self.label_smoothing > 0:
            return {"label": np.eye(self.n_classes, dtype=np.float32)[labels]}
        return {"label": labels}

    def build_head(self, features: Any) -> dict[str, Any]:
        return {"label": _dense(self.n_classes, "softmax", "label")(features)}

    def losses(self) -> dict[str, Any]:
        import keras

        if self.label_smoothing > 0:
            return {"label": keras.losses.CategoricalCrossentropy(label_smoothing=self.label_smoothing)}
        return {"label": keras.losses.SparseCategoricalCrossentropy()}

    def loss_weights(self) -> dict[str, float]:
        return {"label": 1.0}

    def metrics(self) -> dict[str, list]:
        name = "categorical_accuracy" if self.label_smoothing > 0 else "sparse_categorical_accuracy"
        return {"label": [_named_accuracy(name)]}

    def decode(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        return np.argmax(outputs["label"], axis=-1)

    def class_probabilities(self, outputs: dict[str, np.ndarray]) -> np.ndarray | None:
        return np.asarray(outputs["label"])


def _named_accuracy(kind: str):
    import keras

    if kind == "categorical_accuracy":
        return keras.metrics.CategoricalAccuracy(name="accuracy")
    return keras.metrics.SparseCategoricalAccuracy(name="accuracy")


class _Variants:
    """Regression and MultiHead come in two variants each, picked by one field; VARIANTS names and titles them."""

    @property
    def name(self) -> str:
        return self._variant()[0]

    @property
    def title(self) -> str:
        return self._variant()[1]

    def _variant(self) -> tuple[str, str]:
        field, variants = VARIANTS[type(self)]
        return variants[getattr(self, field)]


@dataclass(frozen=True)
class Regression(_Variants):
    """One number: hours as a float (3:30 -> 3.5), or minutes after 12:00 scaled to 0..1."""

    unit: str = "hours"  # "hours" | "minutes"
    is_clock: bool = True
    summary: ClassVar[str] = (
        "One linear output; 12:00 and 11:59 are numerically far apart, so errors near "
        "twelve are large although the times are close."
    )

    @property
    def _scale(self) -> float:
        return 60.0 if self.unit == "hours" else float(MINUTES)

    def encode(self, labels: np.ndarray) -> dict[str, np.ndarray]:
        return {"time": (to_minutes(labels) / self._scale).astype(np.float32)[:, None]}

    def build_head(self, features: Any) -> dict[str, Any]:
        return {"time": _dense(1, None, "time")(features)}

    def losses(self) -> dict[str, Any]:
        import keras

        return {"time": keras.losses.Huber(delta=1.0 if self.unit == "hours" else 0.1)}

    def loss_weights(self) -> dict[str, float]:
        return {"time": 1.0}

    def metrics(self) -> dict[str, list]:
        return {"time": ["mae"]}

    def decode(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        return (np.asarray(outputs["time"], np.float64).reshape(-1) * self._scale) % MINUTES

    def class_probabilities(self, outputs: dict[str, np.ndarray]) -> np.ndarray | None:
        return None


@dataclass(frozen=True)
class Classes:
    """n classes over the 12 hours (n divides 720): class = floor(minutes / (720 / n)).

    `soft_sigma` (minutes) spreads each target over neighbouring classes with a Gaussian that wraps
    at 12:00, which keeps 720-class training from collapsing to one answer.
    """

    n: int = 24
    soft_sigma: float = 0.0
    label_smoothing: float = 0.0
    is_clock: bool = True

    def __post_init__(self) -> None:
        if self.n < 2 or MINUTES % self.n:
            raise ValueError(f"the number of classes must divide 720 (got {self.n})")

    @property
    def name(self) -> str:
        return f"classes-{self.n}"

    @property
    def title(self) -> str:
        return f"{self.n} classes ({MINUTES // self.n} min each)"

    @property
    def summary(self) -> str:
        answer = (
            "the answer is the centre of mass of the most likely slots"
            if self.soft_sigma > 0
            else "the answer is the centre of the most likely slot"
        )
        return f"A softmax over {self.n} time slots of {MINUTES // self.n} minutes; {answer}."

    @property
    def width(self) -> int:
        """Minutes covered by one class."""
        return MINUTES // self.n

    def centres(self) -> np.ndarray:
        """The decoded time of each class: the mean of the whole minutes it covers."""
        return np.arange(self.n) * self.width + (self.width - 1) / 2.0

    def classes_of(self, minutes: np.ndarray) -> np.ndarray:
        """Class index of each time (minutes after 12:00)."""
        return (np.floor(np.asarray(minutes, np.float64)) % MINUTES // self.width).astype(np.int64)

    def encode(self, labels: np.ndarray) -> dict[str, np.ndarray]:
        minutes = to_minutes(labels)
        classes = self.classes_of(minutes)
        if self.soft_sigma > 0:
            distance = common_sense_error(self.centres()[None, :], minutes[:, None])
            weights = np.exp(-0.5 * (distance / self.soft_sigma) ** 2)
            weights[np.arange(len(classes)), classes] = np.maximum(weights[np.arange(len(classes)), classes], 1.0)
            return {"time_class": (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)}
        if self.label_smoothing > 0:
            return {"time_class": np.eye(self.n, dtype=np.float32)[classes]}
        return {"time_class": classes}

    def _dense_targets(self) -> bool:
        return self.soft_sigma > 0 or self.label_smoothing > 0

    def build_head(self, features: Any) -> dict[str, Any]:
        return {"time_class": _dense(self.n, "softmax", "time_class")(features)}

    def losses(self) -> dict[str, Any]:
        import keras

        if self._dense_targets():
            return {"time_class": keras.losses.CategoricalCrossentropy(label_smoothing=self.label_smoothing)}
        return {"time_class": keras.losses.SparseCategoricalCrossentropy()}

    def loss_weights(self) -> dict[str, float]:
        return {"time_class": 1.0}

    def metrics(self) -> dict[str, list]:
        kind = "categorical_accuracy" if self._dense_targets() else "sparse_categorical_accuracy"
        return {"time_class": [_named_accuracy(kind)]}

    def decode(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        """The centre of the most likely slot; with soft targets the centre of mass of the peak, since a model
        trained on Gaussian targets answers with a Gaussian around the time, whose single top slot is noisier
        than the middle of the bump."""
        probabilities = np.asarray(outputs["time_class"], np.float64)
        peak = np.argmax(probabilities, axis=-1)
        if self.soft_sigma <= 0:
            return self.centres()[peak]
        reach = math.ceil(PEAK_REACH_SIGMAS * self.soft_sigma / self.width)
        window = (peak[:, None] + np.arange(-reach, reach + 1)) % self.n
        weights = np.take_along_axis(probabilities, window, axis=1)
        angles = 2.0 * np.pi * self.centres()[window] / MINUTES
        return _from_angle((weights * np.sin(angles)).sum(axis=1), (weights * np.cos(angles)).sum(axis=1), MINUTES)

    def class_probabilities(self, outputs: dict[str, np.ndarray]) -> np.ndarray | None:
        return np.asarray(outputs["time_class"])


@dataclass(frozen=True)
class MultiHead(_Variants):
    """Two heads: 12 hour classes, and the minute as a regression (minute / 60) or as sin/cos."""

    minute_as: str = "regression"  # "regression" | "sincos"
    label_smoothing: float = 0.0
    is_clock: bool = True
    summary: ClassVar[str] = (
        "A 12-way softmax picks the hour; a second head reads the minute hand. "
        "Near the full hour the two heads can disagree by an hour."
    )

    def encode(self, labels: np.ndarray) -> dict[str, np.ndarray]:
        minutes = to_minutes(labels)
        hours = minutes // 60
        hour = np.eye(12, dtype=np.float32)[hours] if self.label_smoothing > 0 else hours
        if self.minute_as == "regression":
            minute = ((minutes % 60) / 60.0).astype(np.float32)[:, None]
        else:
            angle = _angle(minutes % 60, 60.0)
            minute = np.stack([np.sin(angle), np.cos(angle)], axis=1).astype(np.float32)
        return {"hour": hour, "minute": minute}

    def build_head(self, features: Any) -> dict[str, Any]:
        width = 1 if self.minute_as == "regression" else 2
        return {"hour": _dense(12, "softmax", "hour")(features), "minute": _dense(width, None, "minute")(features)}

    def losses(self) -> dict[str, Any]:
        import keras

        hour = (
            keras.losses.CategoricalCrossentropy(label_smoothing=self.label_smoothing)
            if self.label_smoothing > 0
            else keras.losses.SparseCategoricalCrossentropy()
        )
        return {"hour": hour, "minute": keras.losses.MeanSquaredError()}

    def loss_weights(self) -> dict[str, float]:
        return {"hour": 1.0, "minute": 10.0}

    def metrics(self) -> dict[str, list]:
        kind = "categorical_accuracy" if self.label_smoothing > 0 else "sparse_categorical_accuracy"
        return {"hour": [_named_accuracy(kind)], "minute": ["mae"]}

    def decode(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        hour = np.argmax(outputs["hour"], axis=-1)
        minute_out = np.asarray(outputs["minute"], np.float64)
        if self.minute_as == "regression":
            minute = np.clip(minute_out.reshape(-1) * 60.0, 0.0, 59.999)
        else:
            minute = _from_angle(minute_out[:, 0], minute_out[:, 1], 60.0)
        return (hour * 60 + minute) % MINUTES

    def class_probabilities(self, outputs: dict[str, np.ndarray]) -> np.ndarray | None:
        return np.asarray(outputs["hour"])


# The variants of Regression and MultiHead: the field that picks one, and each of its values' (name, title)
VARIANTS: dict[type, tuple[str, dict[str, tuple[str, str]]]] = {
    Regression: (
        "unit",
        {
            "hours": ("regression", "Regression (hours)"),
            "minutes": ("regression-minutes", "Regression (minutes / 720)"),
        },
    ),
    MultiHead: (
        "minute_as",
        {
            "regression": ("multihead", "Multi-head (hour classes + minute regression)"),
            "sincos": ("multihead-sincos", "Multi-head (hour classes + minute sin/cos)"),
        },
    ),
}


@dataclass(frozen=True)
class SinCos:
    """Periodic targets: (sin, cos) of the time on the 12-hour circle and of the minute on the hour circle.

    Decoding reads the minute from the minute circle and uses the coarse 12-hour angle only to pick
    the hour, so the answer is as precise as the minute hand and never jumps at 12:00.
    """

    name: str = "sincos"
    title: str = "Periodic sin/cos (4 outputs)"
    summary: str = "Points on two circles: no seam at 12:00, so neighbouring times always get neighbouring targets."
    is_clock: bool = True

    def encode(self, labels: np.ndarray) -> dict[str, np.ndarray]:
        minutes = to_minutes(labels)
        hour_angle, minute_angle = _angle(minutes, MINUTES), _angle(minutes % 60, 60.0)
        targets = np.stack([np.sin(hour_angle), np.cos(hour_angle), np.sin(minute_angle), np.cos(minute_angle)], 1)
        return {"sincos": targets.astype(np.float32)}

    def build_head(self, features: Any) -> dict[str, Any]:
        return {"sincos": _dense(4, None, "sincos")(features)}

    def losses(self) -> dict[str, Any]:
        import keras

        return {"sincos": keras.losses.MeanSquaredError()}

    def loss_weights(self) -> dict[str, float]:
        return {"sincos": 1.0}

    def metrics(self) -> dict[str, list]:
        return {"sincos": ["mae"]}

    def circle_points(self, outputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(hour-circle xy, minute-circle xy) as [N, 2] arrays of (sin, cos), for the circle plot."""
        raw = np.asarray(outputs["sincos"], np.float64)
        return raw[:, 0:2], raw[:, 2:4]

    def decode(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        raw = np.asarray(outputs["sincos"], np.float64)
        coarse = _from_angle(raw[:, 0], raw[:, 1], MINUTES)
        minute = _from_angle(raw[:, 2], raw[:, 3], 60.0)
        hour = np.round((coarse - minute) / 60.0) % 12
        return (hour * 60 + minute) % MINUTES

    def class_probabilities(self, outputs: dict[str, np.ndarray]) -> np.ndarray | None:
        return None


def get_encoding(name: str, *, label_smoothing: float = 0.0, soft_sigma: float = 0.0, n_labels: int = 10) -> Encoding:
    """The encoding called `name` ('labels', 'regression', 'classes-72', 'sincos', ...)."""
    if name == "labels":
        return DatasetLabels(n_labels, label_smoothing)
    if name in ("regression", "regression-minutes"):
        return Regression("hours" if name == "regression" else "minutes")
    if name in ("multihead", "multihead-sincos"):
        return MultiHead("regression" if name == "multihead" else "sincos", label_smoothing)
    if name == "sincos":
        return SinCos()
    if name.startswith("classes-") and name[8:].isdigit():
        return Classes(int(name[8:]), soft_sigma, label_smoothing)
    raise ValueError(
        f"unknown encoding '{name}'; choose labels, classes-N (N divides 720) or one of "
        + ", ".join(e for e in CLOCK_ENCODINGS if not e.startswith("classes-"))
    )


def encoding_for(config: Any) -> Encoding:
    """The encoding a RunConfig asks for, with its smoothing options."""
    return get_encoding(config.encoding, label_smoothing=config.label_smoothing, soft_sigma=config.soft_label_sigma)


def encoding_from_outputs(output_widths: dict[str, int]) -> Encoding:
    """Guess the encoding of a bare model file from its output names and widths (config.json is better)."""
    names = set(output_widths)
    if names == {"label"}:
        return DatasetLabels(output_widths["label"])
    if names == {"time"}:
        return Regression("hours")
    if names == {"time_class"}:
        return Classes(output_widths["time_class"])
    if names == {"hour", "minute"}:
        return MultiHead("regression" if output_widths["minute"] == 1 else "sincos")
    if names == {"sincos"}:
        return SinCos()
    raise ValueError(f"the model's outputs {sorted(names)} match no Clockwork encoding")
