"""Occlusion saliency: grey out one patch at a time and see how much the model's answer suffers.

It needs only a predict function, so it works with any Keras backend (or no model at all in tests):
`predict_fn(images [N, H, W] uint8) -> outputs dict`, `target_fn(outputs) -> one score per image`
(higher = more of the answer being explained).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.clocks.time import common_sense_error

PredictFn = Callable[[np.ndarray], dict]
TargetFn = Callable[[dict], np.ndarray]
BASELINES = ("mean", "black", "white")


class SaliencyError(ValueError):
    """Occlusion settings or an image that saliency cannot work with."""


def _positions(length: int, patch: int, stride: int) -> list[int]:
    """Patch starts along one side, always including one flush with the far edge."""
    starts = list(range(0, length - patch + 1, stride))
    if starts[-1] != length - patch:
        starts.append(length - patch)
    return starts


def _fill_value(image: np.ndarray, baseline: str | float) -> int:
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        return int(np.clip(baseline, 0, 255))
    values = {"mean": float(image.mean()), "black": 0.0, "white": 255.0}
    if baseline not in values:
        raise SaliencyError(f"baseline must be a pixel value or one of {', '.join(BASELINES)}, got {baseline!r}")
    return int(round(values[baseline]))


def _scores(predict_fn: PredictFn, target_fn: TargetFn, images: np.ndarray) -> np.ndarray:
    return np.asarray(target_fn(predict_fn(images)), np.float64).reshape(-1)


def occlusion_saliency(
    predict_fn: PredictFn,
    image: np.ndarray,
    target_fn: TargetFn,
    patch: int = 15,
    stride: int = 8,
    baseline: str | float = "mean",
    batch_size: int = 64,
) -> np.ndarray:
    """Heat map [H, W] in 0..1: how much covering each area lowers the target score (1 = matters most)."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise SaliencyError(f"occlusion saliency needs one grayscale image [H, W], got shape {image.shape}")
    if patch < 1 or stride < 1 or batch_size < 1:
        raise SaliencyError(f"patch, stride and batch_size must be >= 1 (got {patch}, {stride}, {batch_size})")
    image = np.clip(image, 0, 255).astype(np.uint8)
    height, width = image.shape
    patch_h, patch_w = min(patch, height), min(patch, width)
    fill = _fill_value(image, baseline)
    corners = [
        (top, left) for top in _positions(height, patch_h, stride) for left in _positions(width, patch_w, stride)
    ]
    reference = _scores(predict_fn, target_fn, image[None])[0]
    total, covered = np.zeros(image.shape), np.zeros(image.shape)
    for start in range(0, len(corners), batch_size):
        chunk = corners[start : start + batch_size]
        occluded = np.repeat(image[None], len(chunk), axis=0)
        for index, (top, left) in enumerate(chunk):
            occluded[index, top : top + patch_h, left : left + patch_w] = fill
        drops = reference - _scores(predict_fn, target_fn, occluded)
        for (top, left), drop in zip(chunk, drops):
            total[top : top + patch_h, left : left + patch_w] += drop
            covered[top : top + patch_h, left : left + patch_w] += 1
    heat = np.clip(total / np.maximum(covered, 1), 0, None)  # areas whose covering helped count as unimportant
    peak = heat.max()
    return (heat / peak if peak > 0 else heat).astype(np.float32)


def clock_target_fn(encoding, reference_outputs: dict) -> TargetFn:
    """Score = minus the common-sense error (minutes) to the model's own answer on the unoccluded image."""
    reference_minutes = float(np.asarray(encoding.decode(reference_outputs)).reshape(-1)[0])

    def score(outputs: dict) -> np.ndarray:
        return -common_sense_error(encoding.decode(outputs), reference_minutes)

    return score


def class_target_fn(class_index: int, output: str | None = None) -> TargetFn:
    """Score = the probability of one class (e.g. the predicted one) from a softmax output."""

    def score(outputs: dict) -> np.ndarray:
        if output is None and len(outputs) != 1:
            raise SaliencyError(f"the model has outputs {sorted(outputs)}: name the one to explain")
        values = np.asarray(outputs[output] if output is not None else next(iter(outputs.values())))
        return values.reshape(len(values), -1)[:, class_index]

    return score
