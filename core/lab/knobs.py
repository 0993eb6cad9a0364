"""The MLPs-and-CNNs page's knobs as plain data: layer sizes typed as text, what a preset decides, short labels.

The knobs are a RunConfig with the page's defaults (its preset '' is the page's 'custom'), so every config
field is a knob the page can set; build_config names it and config_from_knobs validates it.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from core.config import PRESETS, DataConfig, ModelConfig, RunConfig
from core.data.datasets import TITLES

PENALTIES = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)  # the L1 / L2 weights the page offers


class KnobError(ValueError):
    """A knob value typed by a user that no run can use (e.g. '300,abc' as hidden layers)."""


def default_knobs(dataset: str = "mnist") -> RunConfig:
    """The page's starting knobs: the reference MLP on 3,000 training images of the dataset."""
    return RunConfig(data=DataConfig(dataset=dataset, limit_train=3000), model=ModelConfig(preset="reference"))


def with_knobs(knobs: RunConfig, changes: dict[str, Any]) -> RunConfig:
    """A copy of the knobs with dotted config paths set, e.g. {"model.hidden": [100], "batch_size": 32}."""
    knobs = copy.deepcopy(knobs)
    for path, value in changes.items():
        *sections, name = path.split(".")
        target = knobs
        for section in sections:
            target = getattr(target, section)
        if name not in {item.name for item in dataclasses.fields(target)}:
            raise KnobError(f"unknown knob '{path}'")
        setattr(target, name, value)
    return knobs


def parse_layer_sizes(text: str, what: str = "hidden layers") -> list[int]:
    """'300, 100' -> [300, 100]; an empty text means no layer; anything else raises KnobError."""
    parts = [part.strip() for part in str(text).replace(";", ",").split(",")]
    parts = [part for part in parts if part]
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        raise KnobError(f"{what} must be whole numbers separated by commas, e.g. 300,100 (got '{text}')") from None
    if any(size < 1 or size > 8192 for size in sizes):
        raise KnobError(f"{what} must be between 1 and 8192 units each (got '{text}')")
    return sizes


def build_config(knobs: RunConfig, name: str = "") -> RunConfig:
    """The run the knobs describe, named, not yet validated (the Train panel validates and names a bad value)."""
    return dataclasses.replace(copy.deepcopy(knobs), name=name or default_run_name(knobs))


def config_from_knobs(knobs: RunConfig, name: str = "") -> RunConfig:
    """A validated RunConfig for one run of the lab (ConfigError names a bad value)."""
    return RunConfig.from_dict(build_config(knobs, name).to_dict())


def default_run_name(knobs: RunConfig) -> str:
    """A short readable name, e.g. 'MNIST MLP adam lr=1e-3'."""
    title = TITLES.get(knobs.data.dataset, knobs.data.dataset)
    permuted = " permuted" if knobs.data.permuted else ""
    return (
        f"{title}{permuted} {knobs.model.kind.upper()} {knobs.optimizer.name} "
        f"lr={format_value(knobs.optimizer.learning_rate)}"
    )


def format_value(value: Any) -> str:
    """A knob value as a short label: 1e-3, 0.2, on/off, 300-100."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        return "-".join(str(v) for v in value) or "none"
    if isinstance(value, float):
        if 0 < abs(value) < 0.01:
            mantissa, exponent = f"{value:e}".split("e")
            return f"{float(mantissa):g}e{int(exponent)}"
        return f"{value:g}"
    return str(value)


def presets_for(kind: str) -> tuple[str, ...]:
    """The presets core.config.PRESETS holds for a model kind, in table order."""
    return tuple(preset for preset_kind, preset in PRESETS if preset_kind == kind)


def preset_fixed_fields(kind: str, preset: str) -> dict[str, Any]:
    """The ModelConfig fields a preset decides, with its values, in field order (empty for no preset or 'custom')."""
    fixed = copy.deepcopy(PRESETS.get((kind, preset), {}))
    return {item.name: fixed[item.name] for item in dataclasses.fields(ModelConfig) if item.name in fixed}


def without_preset(knobs: RunConfig) -> RunConfig:
    """The same network written out field by field (no preset), so one field can change."""
    fixed = preset_fixed_fields(knobs.model.kind, knobs.model.preset)
    return with_knobs(knobs, {"model.preset": "", **{f"model.{name}": value for name, value in fixed.items()}})
