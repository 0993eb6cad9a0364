"""Replay frames as plain data: one recorded epoch of a run's probe predictions (core.runs.replay) turned into what
the replay views draw, so the epoch slider only picks a frame and hands these arrays to the figure builders.

A frame is a position in `Replay.epochs` (position 0 is the untrained network). Everything here scores the
probe only (a few hundred test images), never the full test split, and `frame_title` says so.
"""

from __future__ import annotations

import numpy as np

from core.clocks.time import MINUTES, common_sense_error, format_time
from core.data.permutation import pixel_permutation, unpermute_images
from core.evaluation.metrics import circle_points, confusion_matrix, whole_minutes
from core.models.encodings import Classes
from core.runs.replay import Replay

CLOCK_CLASSES = 24  # 300 probe clocks over 24 half-hour classes: about a dozen per row
PROBE_ACCURACY = "probe_accuracy"  # history keys for training_curves ("probe accuracy", shown as a percentage)
PROBE_ERROR = "probe_mean_error_in_minutes"


def frame_count(replay: Replay) -> int:
    """How many frames the record holds (recorded epochs, the untrained network included)."""
    return len(replay.epochs)


def _checked(replay: Replay, frame: int) -> int:
    if not 0 <= frame < frame_count(replay):
        raise ValueError(f"frame {frame} is outside the record's {frame_count(replay)} frames")
    return frame


def frame_of_epoch(replay: Replay, epoch: int) -> int:
    """The frame of the latest recorded epoch at or before `epoch` (the first frame when none is)."""
    return max(0, int(np.searchsorted(replay.epochs, epoch, side="right")) - 1)


def probe_errors(replay: Replay, frame: int) -> np.ndarray:
    """Clocks: the common-sense error in minutes of each probe clock at a frame."""
    return common_sense_error(replay.predicted[_checked(replay, frame)], replay.truth)


def probe_scores(replay: Replay) -> np.ndarray:
    """Per frame: the share of probe images classified right, or (clocks) the probe's mean error in minutes."""
    if replay.is_clock:
        return common_sense_error(replay.predicted, replay.truth[None, :]).mean(axis=1)
    return (replay.predicted == replay.truth[None, :]).mean(axis=1)


def probe_history(replay: Replay) -> dict:
    """The probe score per epoch as a history (the shape training_curves reads), keyed PROBE_ACCURACY or PROBE_ERROR."""
    key = PROBE_ERROR if replay.is_clock else PROBE_ACCURACY
    return {"epochs": [{"epoch": int(e), key: float(s)} for e, s in zip(replay.epochs, probe_scores(replay))]}


def class_count(replay: Replay) -> int:
    """Classes of a classifier's record (from its probabilities, else from the labels it saw)."""
    if replay.probabilities is not None:
        return int(replay.probabilities.shape[-1])
    return int(max(replay.truth.max(initial=0), replay.predicted.max(initial=0))) + 1


def probe_confusion(replay: Replay, frame: int) -> np.ndarray:
    """Confusion counts over the probe at a frame: classes x classes, or CLOCK_CLASSES half-hour classes for clocks."""
    predicted = replay.predicted[_checked(replay, frame)]
    if replay.is_clock:
        bins = Classes(CLOCK_CLASSES)
        return confusion_matrix(
            bins.classes_of(replay.truth), bins.classes_of(whole_minutes(predicted)), CLOCK_CLASSES, np.int32
        )
    return confusion_matrix(replay.truth, predicted, class_count(replay), np.int32)


def clock_class_names() -> list[str]:
    """The CLOCK_CLASSES half-hour classes by their start time ('12:00', '12:30', ...), as the probe confusion's labels."""
    return [format_time(start) for start in range(0, MINUTES, MINUTES // CLOCK_CLASSES)]


def mistake_count(replay: Replay, frame: int) -> int:
    """How many probe images a classifier gets wrong at a frame."""
    return int(np.count_nonzero(replay.predicted[_checked(replay, frame)] != replay.truth))


def probe_mistakes(replay: Replay, frame: int, limit: int) -> np.ndarray:
    """Probe positions misclassified at a frame, the ones the network was surest about first (at most `limit`)."""
    predicted = replay.predicted[_checked(replay, frame)]
    wrong = np.flatnonzero(predicted != replay.truth)
    if replay.probabilities is None:
        return wrong[:limit]
    confidence = replay.probabilities[frame, wrong, predicted[wrong]].astype(np.float32)
    return wrong[np.argsort(-confidence, kind="stable")][:limit]


def probe_images(images: np.ndarray, labels: np.ndarray, probe: np.ndarray, truth: np.ndarray) -> np.ndarray | None:
    """The probe's images out of a test split, or None when the split is not the one the record was made on."""
    indices = np.asarray(probe, np.int64)
    if indices.max(initial=-1) >= len(labels) or not np.array_equal(np.asarray(labels)[indices], truth):
        return None
    return np.array(images[indices])


def clock_circle_points(replay: Replay, frame: int) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) (sin, cos) [P, 2] on the hour circle at a frame, the predicted ones as the network gave them."""
    true = circle_points(replay.truth)[0]
    return true, replay.hour_circle[_checked(replay, frame)].astype(np.float64)


def weight_permutation(replay: Replay, config: dict) -> np.ndarray | None:
    """The pixel permutation an MLP's recorded weights follow (the one its run trained with), or None for plain pixels."""
    data = config.get("data", {})
    if replay.weights is None or not data.get("permuted"):
        return None
    return pixel_permutation(int(data.get("permutation_seed") or 0), int(np.prod(replay.weights.shape[2:])))


def first_layer_tiles(replay: Replay, frame: int, perm: np.ndarray | None = None) -> np.ndarray | None:
    """An MLP's recorded first-layer weights at a frame as images [U, H, W] (colour: [U, H, W, 3]); with `perm`, put
    back in pixel order.

    None when the record holds no weights (CNNs, clock models).
    """
    if replay.weights is None:
        return None
    tiles = replay.weights[_checked(replay, frame)].astype(np.float32)
    return tiles if perm is None else unpermute_images(tiles, perm)


def frame_title(replay: Replay, frame: int, planned_epochs: int | None = None) -> str:
    """What a frame is: 'Epoch 3 of 15 — 300 test images (the replay probe): 87.3% right' (or the mean error)."""
    epoch = int(replay.epochs[_checked(replay, frame)])
    total = max(int(replay.epochs[-1]), planned_epochs or 0)
    when = f"Epoch {epoch} of {total}" + (" (before training)" if epoch == 0 else "")
    score = float(probe_scores(replay)[frame])
    if replay.is_clock:
        return f"{when} — {len(replay.probe)} test clocks (the replay probe): mean error {score:.1f} min"
    return f"{when} — {len(replay.probe)} test images (the replay probe): {100 * score:.1f}% right"
