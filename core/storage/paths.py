"""Where Clockwork keeps things: the runs folder, the render cache, the shipped pretrained models."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def runs_dir() -> Path:
    """The runs folder: $CLOCKWORK_RUNS, else runs/ in the repository (git-ignored)."""
    return Path(os.environ.get("CLOCKWORK_RUNS") or REPO_ROOT / "runs")


def cache_dir() -> Path:
    """Rendered datasets and other rebuildable files: $CLOCKWORK_CACHE, else ~/.cache/clockwork."""
    return Path(os.environ.get("CLOCKWORK_CACHE") or Path.home() / ".cache" / "clockwork")


def pretrained_dir() -> Path:
    """The pretrained models shipped with the repository (one run folder each)."""
    return Path(os.environ.get("CLOCKWORK_PRETRAINED") or REPO_ROOT / "pretrained")


def embedded_data_dir() -> Path:
    """The compact offline copy of MNIST and Fashion-MNIST shipped in the repository."""
    return REPO_ROOT / "core" / "data"
