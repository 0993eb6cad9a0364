"""Rendered clocks: balanced datasets, the assignment's time-stratified split, a disk cache, its file format, one clock.

`make_clock_dataset` renders every one of the 720 times equally often and keeps the result in the cache folder
(an atomic, uncompressed .npz keyed by every parameter), so the app and the CLI render a set once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from core.clocks.render import RENDER_VERSION, ClockStyle, render_clocks, style_of
from core.clocks.time import MINUTES, to_minutes
from core.storage.atomic import write_with
from core.storage.paths import cache_dir

TEST_FRACTION = 0.2  # the assignment's 80:20 split, by time


def balanced_times(n: int, seed: int) -> np.ndarray:
    """n labels [hour, minute] (int64 [n, 2]): every one of the 720 times n//720 or n//720+1 times, shuffled."""
    if n < 0:
        raise ValueError(f"the number of clocks must be >= 0 (got {n})")
    rng = np.random.default_rng([seed, 720])
    extra = rng.permutation(MINUTES)[: n % MINUTES]
    minutes = np.concatenate([np.tile(np.arange(MINUTES), n // MINUTES), np.sort(extra)])
    minutes = rng.permutation(minutes)
    return np.stack([minutes // 60, minutes % 60], axis=1).astype(np.int64)


def random_time(seed: int) -> int:
    """A reproducible random time (minutes after 12:00) for 'random clock'."""
    return int(np.random.default_rng([seed, 7]).integers(MINUTES))


def render_one(minutes: float, size: int = 150, difficulty: str = "assignment", seed: int = 0) -> np.ndarray:
    """One rendered clock showing `minutes` after 12:00, uint8 [size, size]."""
    return render_clocks(np.array([minutes], np.float64), size=size, difficulty=difficulty, seed=seed, workers=1)[0]


def make_clock_dataset(
    n: int = 18000, size: int = 150, difficulty: str | ClockStyle = "assignment", seed: int = 0, cache: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Balanced labels and their rendered clocks (uint8 [n, size, size], int64 [n, 2]), cached on disk."""
    style = style_of(difficulty)
    path = cache_path(n, size, difficulty, seed)
    if cache and path.exists():
        try:
            with np.load(path, allow_pickle=False) as stored:
                images, labels = stored["images"], stored["labels"]
            if images.shape == (n, size, size) and images.dtype == np.uint8 and labels.shape == (n, 2):
                return images, labels.astype(np.int64, copy=False)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    labels = balanced_times(n, seed)
    images = render_clocks(to_minutes(labels), size, style, seed)
    if cache:
        # Stored, not compressed: sensor noise leaves ~15% to gain, and zlib would turn a load of
        # under a second into several seconds (and the first save into ten or more).
        write_with(path, lambda file: np.savez(file, images=images, labels=labels))
    return images, labels


def cache_path(n: int, size: int, difficulty: str | ClockStyle, seed: int) -> Path:
    """Where make_clock_dataset keeps a rendered set: every parameter and the style's knobs in the name."""
    style = style_of(difficulty)
    name = difficulty if isinstance(difficulty, str) else "custom"
    knobs = hashlib.sha256(json.dumps(asdict(style), sort_keys=True).encode()).hexdigest()[:10]
    return cache_dir() / "clocks" / f"clocks-v{RENDER_VERSION}-{name}-{knobs}-n{n}-s{size}-seed{seed}.npz"


def write_assignment_files(out_dir: str | Path, images: np.ndarray, labels: np.ndarray) -> tuple[Path, Path]:
    """Write images.npy (uint8 [N, H, W]) and labels.npy (int64 [N, 2]) in the assignment's format."""
    images = np.ascontiguousarray(images, dtype=np.uint8)
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    if images.ndim != 3 or labels.shape != (len(images), 2):
        raise ValueError(f"need images [N, H, W] and labels [N, 2]; got {images.shape} and {labels.shape}")
    out_dir = Path(out_dir)
    image_path = write_with(out_dir / "images.npy", lambda file: np.save(file, images, allow_pickle=False))
    label_path = write_with(out_dir / "labels.npy", lambda file: np.save(file, labels, allow_pickle=False))
    return image_path, label_path


def split_by_time(
    labels: np.ndarray, test_fraction: float = TEST_FRACTION, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train/test index arrays, stratified by the 720 times: a time seen twice or more is in both
    parts; a time seen once goes to test with probability test_fraction, so small sets split too."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1 (got {test_fraction})")
    minutes = to_minutes(np.asarray(labels))
    rng = np.random.default_rng([seed, 2])
    order = np.lexsort((rng.random(len(minutes)), minutes))  # grouped by time, shuffled within
    counts = np.bincount(minutes, minlength=720)
    group_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(order)) - group_start[minutes[order]]  # position within its time group
    n_test = np.floor(counts * test_fraction + 0.5).astype(np.int64)
    single_to_test = rng.random(720) < test_fraction
    n_test = np.where(counts >= 2, np.clip(n_test, 1, counts - 1), (counts == 1) & single_to_test)
    is_test = rank < n_test[minutes[order]]
    return np.sort(order[~is_test]), np.sort(order[is_test])
