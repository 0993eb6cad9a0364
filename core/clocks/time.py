"""Clock time arithmetic: [hour, minute] labels, minutes after 12:00, the common-sense error that wraps at 12 h."""

from __future__ import annotations

import numpy as np

MINUTES = 720  # one turn of the hour hand: 12 hours


def to_minutes(labels: np.ndarray) -> np.ndarray:
    """[hour, minute] rows -> minutes after 12:00 (int, 0..719); hour 12 counts as 0."""
    labels = np.asarray(labels)
    return (labels[..., 0].astype(np.int64) % 12) * 60 + labels[..., 1].astype(np.int64)


def to_labels(minutes: np.ndarray) -> np.ndarray:
    """Minutes after 12:00 -> [hour, minute] int rows, rounding to the nearest minute."""
    whole = np.rint(np.asarray(minutes, dtype=np.float64)).astype(np.int64) % MINUTES
    return np.stack([whole // 60, whole % 60], axis=-1)


def common_sense_error(predicted_minutes: np.ndarray, true_minutes: np.ndarray) -> np.ndarray:
    """Minutes between two times on a 12-hour dial, the short way round (0..360): 11:55 vs 0:05 is 10."""
    diff = np.abs(np.asarray(predicted_minutes, np.float64) - np.asarray(true_minutes, np.float64)) % MINUTES
    return np.minimum(diff, MINUTES - diff)


def format_time(minutes: float) -> str:
    """Minutes after 12:00 -> a clock reading like '3:30' (12:05 for 5 minutes past twelve)."""
    whole = int(round(float(minutes))) % MINUTES
    hour = whole // 60 or 12
    return f"{hour}:{whole % 60:02d}"


def hour_angle_degrees(minutes: float) -> tuple[float, float]:
    """(hour hand, minute hand) angles in degrees clockwise from 12 for a time: for drawing hands."""
    return (float(minutes) % MINUTES) / MINUTES * 360.0, (float(minutes) % 60) / 60.0 * 360.0
