"""Loading model files safely: Keras safe mode always on, clear errors for corrupt or foreign files."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from core.models.encodings import Encoding, encoding_from_outputs, get_encoding
from core.storage.atomic import read_json

MAX_MODEL_BYTES = 200 * 1024 * 1024


class ModelFileError(ValueError):
    """A model file that cannot be used: missing, corrupt, foreign or unsafe."""


def model_path(path: str | Path) -> Path:
    """The .keras file for a path that names either the file or a run folder holding model.keras."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.keras"
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    if path.suffix != ".keras":
        raise ModelFileError(f"{path.name} is not a .keras model file")
    if path.stat().st_size > MAX_MODEL_BYTES:
        raise ModelFileError(f"{path.name} is larger than {MAX_MODEL_BYTES // 2**20} MB")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path.name} is not a Keras model archive (corrupt or another format)")
    return path


def load_model_file(path: str | Path) -> Any:
    """Load a .keras model for inference; never runs code from the file (safe_mode=True)."""
    import keras

    import core.models.layers  # noqa: F401  registers Clockwork's own layers for safe-mode loading

    path = model_path(path)
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for foreign or damaged archives
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelFileError(f"{path.name} could not be loaded as a Keras model: {first_line[:300]}") from None


def output_widths(model: Any) -> dict[str, int]:
    """Output-layer name -> number of units, for a loaded model."""
    outputs = model.outputs if isinstance(model.outputs, list) else [model.outputs]
    return {model.output_names[i]: int(t.shape[-1]) for i, t in enumerate(outputs)}


def model_encoding(model: Any, path: str | Path | None = None) -> Encoding:
    """The model's label encoding: from config.json beside the file when present, else from its outputs."""
    if path is not None:
        folder = Path(path) if Path(path).is_dir() else Path(path).parent
        config = read_json(folder / "config.json", default={}) or {}
        if isinstance(config, dict) and isinstance(config.get("encoding"), str):
            try:
                return get_encoding(
                    config["encoding"],
                    label_smoothing=float(config.get("label_smoothing", 0) or 0),
                    soft_sigma=float(config.get("soft_label_sigma", 0) or 0),
                )
            except (ValueError, TypeError):
                pass
    return encoding_from_outputs(output_widths(model))


def model_image_size(model: Any) -> tuple[int, int]:
    """(height, width) of the images a model takes."""
    shape = model.inputs[0].shape
    return int(shape[1]), int(shape[2])
