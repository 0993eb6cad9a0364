"""Which test images to show, and how to caption them: samples of every class, a confusion cell's images, mistakes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def sample_indices(labels: np.ndarray, per_class: int) -> np.ndarray:
    """The first `per_class` indices of each class, class by class (a sample grid that shows every class)."""
    labels = np.asarray(labels).reshape(-1)
    picks = [np.flatnonzero(labels == value)[:per_class] for value in np.unique(labels)]
    return np.concatenate(picks) if picks else np.zeros(0, np.int64)


def confusion_cell_indices(
    y_true: np.ndarray, predicted: np.ndarray, true_class: int, predicted_class: int, limit: int | None = None
) -> np.ndarray:
    """Test-set indices whose true class and predicted class are this confusion cell, in test order."""
    y_true, predicted = np.asarray(y_true).reshape(-1), np.asarray(predicted).reshape(-1)
    if y_true.shape != predicted.shape:
        raise ValueError(f"y_true and predicted differ in length ({len(y_true)} vs {len(predicted)})")
    indices = np.flatnonzero((y_true == true_class) & (predicted == predicted_class))
    return indices if limit is None else indices[:limit]


def mistake_captions(
    indices: Sequence[int], y_true: np.ndarray, predicted: np.ndarray, class_names: Sequence[str]
) -> list[str]:
    """'predicted X / true Y' for each test index (one line each, so captions fit under small images)."""
    return [f"predicted {class_names[int(predicted[i])]} /\ntrue {class_names[int(y_true[i])]}" for i in indices]
