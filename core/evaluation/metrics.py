"""Metrics for trained models: classifier reports for MNIST/Fashion and time-reading reports for clocks.

Only `predict_outputs` touches the model; everything else is NumPy on its outputs, so figures and tests
can build reports from any arrays. `evaluate_outputs` and `report_summary` are the one way a run's test
split and the CLI's named data are scored. Reports are flat dicts of arrays and scalars that round-trip
through `save_evaluation` / `load_evaluation` (a plain .npz, never pickled).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.clocks.time import MINUTES, common_sense_error, to_minutes
from core.models.encodings import Classes, SinCos
from core.storage.atomic import save_npz

CLOCK_CONFUSION_SIZES = (24, 72, 720)


class EvaluationFileError(ValueError):
    """An evaluation file that is missing or cannot be read as plain arrays."""


def predict_outputs(model: Any, images: np.ndarray, batch_size: int = 256) -> dict[str, np.ndarray]:
    """Run the model on uint8/float images [N, H, W]; always a dict keyed by output name."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    outputs = model.predict(images, batch_size=batch_size, verbose=0)
    if isinstance(outputs, dict):
        return {name: np.asarray(value) for name, value in outputs.items()}
    names = list(model.output_names)
    if isinstance(outputs, (list, tuple)):
        return {name: np.asarray(value) for name, value in zip(names, outputs)}
    return {names[0]: np.asarray(outputs)}


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n: int, dtype: Any = np.int64) -> np.ndarray:
    """n x n counts, rows = true class, columns = predicted class."""
    true, predicted = np.asarray(true, np.int64).reshape(-1), np.asarray(predicted, np.int64).reshape(-1)
    counts = np.bincount(true * n + predicted, minlength=n * n)
    return counts.reshape(n, n).astype(dtype)


def evaluate_classifier(
    probabilities: np.ndarray, y_true: np.ndarray, class_names: list[str] | tuple[str, ...], top_confusions: int = 10
) -> dict[str, Any]:
    """Accuracy, confusion matrix, per-class accuracy, most confused pairs, misclassified examples."""
    probabilities = np.asarray(probabilities, np.float64)
    y_true = np.asarray(y_true, np.int64).reshape(-1)
    n = len(class_names)
    predicted = np.argmax(probabilities, axis=1)
    confusion = confusion_matrix(y_true, predicted, n)
    support = confusion.sum(axis=1)
    per_class = np.divide(np.diag(confusion), support, out=np.full(n, np.nan), where=support > 0)
    confidence = probabilities[np.arange(len(predicted)), predicted]
    wrong = np.flatnonzero(predicted != y_true)
    misclassified = wrong[np.argsort(-confidence[wrong], kind="stable")]
    return {
        "class_names": np.asarray(list(class_names), dtype=str),
        "y_true": y_true,
        "predicted": predicted,
        "confidence": confidence,
        "accuracy": float(np.mean(predicted == y_true)) if len(y_true) else float("nan"),
        "confusion": confusion,
        "per_class_accuracy": per_class,
        "most_confused": _most_confused(confusion, top_confusions),
        "misclassified": misclassified,
    }


def _most_confused(confusion: np.ndarray, top: int) -> np.ndarray:
    """Rows (true, predicted, count) of the largest off-diagonal counts, largest first; [k, 3] ints."""
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:top]
    true, predicted = np.unravel_index(order, off.shape)
    rows = np.stack([true, predicted, off[true, predicted]], axis=1).astype(np.int64)
    return rows[rows[:, 2] > 0].reshape(-1, 3)


def classifier_summary(report: dict[str, Any]) -> dict[str, Any]:
    """JSON scalars of a classifier report: accuracy, counts, the weakest class and the top confusion."""
    names = [str(name) for name in report["class_names"]]
    per_class = np.asarray(report["per_class_accuracy"], np.float64)
    summary = {
        "accuracy": float(report["accuracy"]),
        "n_examples": int(len(report["y_true"])),
        "n_misclassified": int(len(report["misclassified"])),
    }
    if np.any(np.isfinite(per_class)):
        worst = int(np.nanargmin(per_class))
        summary.update(worst_class=names[worst], worst_class_accuracy=float(per_class[worst]))
    if len(report["most_confused"]):
        true, predicted, count = (int(v) for v in report["most_confused"][0])
        summary.update(
            most_confused_true=names[true], most_confused_predicted=names[predicted], most_confused_count=count
        )
    return summary


def circle_points(minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sin, cos) [N, 2] of times on the 12-hour circle and of their minute on the hour circle."""
    minutes = np.asarray(minutes, np.float64).reshape(-1)
    hour_angle = 2.0 * np.pi * minutes / MINUTES
    minute_angle = 2.0 * np.pi * (minutes % 60) / 60.0
    return (
        np.stack([np.sin(hour_angle), np.cos(hour_angle)], axis=1),
        np.stack([np.sin(minute_angle), np.cos(minute_angle)], axis=1),
    )


def whole_minutes(minutes: np.ndarray) -> np.ndarray:
    """Times rounded to the nearest whole minute after 12:00 (0..719), as a clock reading shows them."""
    return np.rint(np.asarray(minutes, np.float64)).astype(np.int64) % MINUTES


def evaluate_clock(encoding: Any, outputs: dict[str, np.ndarray], labels: np.ndarray) -> dict[str, Any]:
    """Common-sense errors, hit rates, hour accuracy, confusions at 24/72/720 classes and circle points."""
    true = to_minutes(labels).reshape(-1)
    predicted = np.asarray(encoding.decode(outputs), np.float64).reshape(-1)
    errors = common_sense_error(predicted, true)
    shown = whole_minutes(predicted)
    report: dict[str, Any] = {"true_minutes": true, "predicted_minutes": predicted, "errors": errors}
    report.update(_error_summary(errors))
    report["hour_accuracy"] = _share(shown // 60 == true // 60)
    if isinstance(encoding, Classes):  # exact: the slot of the answer (as a clock shows it) is the true slot
        report["accuracy"] = _share(encoding.classes_of(shown) == encoding.classes_of(true))
    for n in CLOCK_CONFUSION_SIZES:
        bins = Classes(n)
        report[f"confusion_{n}"] = confusion_matrix(bins.classes_of(true), bins.classes_of(shown), n, np.int32)
    report["hour_circle_true"], report["minute_circle_true"] = circle_points(true)
    if isinstance(encoding, SinCos):
        report["hour_circle_predicted"], report["minute_circle_predicted"] = encoding.circle_points(outputs)
    else:
        report["hour_circle_predicted"], report["minute_circle_predicted"] = circle_points(predicted)
    return report


def _share(hits: np.ndarray) -> float:
    return float(np.mean(hits)) if len(hits) else float("nan")


def _error_summary(errors: np.ndarray) -> dict[str, float]:
    if not len(errors):
        nan = float("nan")
        return {
            key: nan
            for key in (
                "common_sense_error_mean_min",
                "common_sense_error_median_min",
                "common_sense_error_p90_min",
                "common_sense_error_max_min",
                "within_1_min",
                "within_5_min",
                "within_10_min",
            )
        }
    return {
        "common_sense_error_mean_min": float(np.mean(errors)),
        "common_sense_error_median_min": float(np.median(errors)),
        "common_sense_error_p90_min": float(np.percentile(errors, 90)),
        "common_sense_error_max_min": float(np.max(errors)),
        "within_1_min": _share(errors <= 1.0),
        "within_5_min": _share(errors <= 5.0),
        "within_10_min": _share(errors <= 10.0),
    }


def evaluate_outputs(
    encoding: Any, outputs: dict[str, np.ndarray], labels: np.ndarray, class_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """The report of a model's outputs: a time-reading report for a clock encoding, else a classifier report."""
    if encoding.is_clock:
        return evaluate_clock(encoding, outputs, labels)
    if class_names is None:
        raise ValueError("a classifier report needs the class names")
    return evaluate_classifier(encoding.class_probabilities(outputs), labels, list(class_names))


def report_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The scalars a report is quoted by (metrics.json, the CLI): `summary`, plus `classifier_summary` for classifiers."""
    scalars = summary(report)
    if "class_names" in report:
        scalars.update(classifier_summary(report))
    return scalars


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The JSON-able scalars of any report (numbers, booleans, strings), arrays left out."""
    scalars = {}
    for key, value in report.items():
        if isinstance(value, np.ndarray) and value.ndim == 0 or isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, (bool, int, float, str)):
            scalars[key] = value
    return scalars


def save_evaluation(path: str | Path, report: dict[str, Any]) -> Path:
    """Write a report as a compressed .npz of plain arrays (scalars become 0-d arrays)."""
    arrays = {}
    for key, value in report.items():
        array = np.asarray(value)
        if array.dtype == object:
            raise ValueError(f"evaluation entry '{key}' is not a plain array or scalar")
        arrays[key] = array
    return save_npz(path, **arrays)


def load_evaluation(path: str | Path) -> dict[str, Any]:
    """Read a report written by save_evaluation; 0-d arrays come back as Python scalars."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {key: (stored[key].item() if stored[key].ndim == 0 else stored[key]) for key in stored.files}
    except FileNotFoundError:
        raise EvaluationFileError(f"evaluation file not found: {path}") from None
    except (OSError, ValueError, EOFError) as error:
        raise EvaluationFileError(f"evaluation file {path} cannot be read: {error}") from None
