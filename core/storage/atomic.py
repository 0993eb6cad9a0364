"""Atomic file writes: write a temporary file beside the target, fsync, then rename over it.

A crash or kill leaves either the old file or the new one, never half of one, so listings that read
these files always load.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def write_with(path: str | Path, write: Callable[[io.BufferedWriter], None]) -> Path:
    """Call `write(file)` on a temporary file and move it to `path` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, 0o644)
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes atomically."""
    return write_with(path, lambda file: file.write(data))


def write_json(path: str | Path, value: Any) -> Path:
    """Write a JSON document atomically (NaN and infinity are written as null)."""
    text = json.dumps(_finite(value), indent=2, sort_keys=True)
    return write_bytes(path, text.encode("utf-8"))


def read_json(path: str | Path, default: Any = None) -> Any:
    """Read a JSON document; a missing or unreadable file gives `default`."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def save_npz(path: str | Path, **arrays: np.ndarray) -> Path:
    """Save arrays as a compressed .npz atomically (plain arrays only: loading never unpickles)."""
    return write_with(path, lambda file: np.savez_compressed(file, **arrays))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    if isinstance(value, np.ndarray):
        return _finite(value.tolist())
    return value
