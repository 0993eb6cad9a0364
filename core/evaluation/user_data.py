"""A saved clock model scored on a user's own clock files: a seeded sample spread over the 720 times, resized to
the model's input, reported exactly like the model's own test split (`core.evaluation.metrics.evaluate_outputs`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.clocks.time import MINUTES, to_minutes

SAMPLE_LIMIT = 1440  # two clocks per time: minutes, not tens of minutes, for 8 models at 150 px on a CPU
SAMPLE_SEED = 0


class NotAClockModelError(ValueError):
    """A model that does not read clocks (an MNIST / Fashion classifier), so it cannot be scored on clock files."""


def stratified_sample(labels: np.ndarray, limit: int = SAMPLE_LIMIT, seed: int = SAMPLE_SEED) -> np.ndarray:
    """Sorted indices of up to `limit` clocks taken round-robin over the 720 times (seeded); all when fewer."""
    minutes = to_minutes(np.asarray(labels)).reshape(-1)
    if limit < 1:
        raise ValueError(f"the sample needs at least one clock (limit {limit})")
    if len(minutes) <= limit:
        return np.arange(len(minutes), dtype=np.int64)
    rng = np.random.default_rng([seed, 720])
    order = np.lexsort((rng.random(len(minutes)), minutes))  # grouped by time, shuffled within
    counts = np.bincount(minutes, minlength=MINUTES)
    group_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(minutes), np.int64)
    rank[order] = np.arange(len(order)) - group_start[minutes[order]]  # 0 for each time's first clock, ...
    picked = np.lexsort((rng.random(len(minutes)), rank))[:limit]  # all first clocks, then all second, ...
    return np.sort(picked).astype(np.int64)


def evaluate_model_on_clocks(model: Any, encoding: Any, images: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """The clock report of a loaded model on uint8 clock images [N, H, W] (resized to the model's input size)."""
    from core.clocks.userfiles import resize_images
    from core.evaluation.metrics import evaluate_outputs, predict_outputs
    from core.models.saved import model_image_size

    if not encoding.is_clock:
        raise NotAClockModelError("this model does not read clocks (it is an image classifier)")
    height, width = model_image_size(model)
    if height != width:
        raise ValueError(f"this model takes {height} x {width} images; clock models take square ones")
    images = resize_images(np.asarray(images), height)
    return evaluate_outputs(encoding, predict_outputs(model, images), np.asarray(labels))


def score_run_on_clocks(
    run_path: str | Path,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    model: Any = None,
    limit: int = SAMPLE_LIMIT,
    seed: int = SAMPLE_SEED,
) -> dict[str, Any]:
    """A run's report on a time-stratified sample of clock files, with `data_indices` and `data_total` added."""
    from core.models.saved import load_model_file, model_encoding

    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if not len(labels):
        raise ValueError("the clock files hold no images")
    model = load_model_file(run_path) if model is None else model
    encoding = model_encoding(model, run_path)
    indices = stratified_sample(labels, limit, seed)
    report = evaluate_model_on_clocks(model, encoding, np.asarray(images)[indices], np.asarray(labels)[indices])
    report["data_indices"] = indices
    report["data_total"] = int(len(labels))
    return report
