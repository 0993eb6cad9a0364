"""Comparing runs: the knobs a student compares, one config per chosen value, and the rows of their tables and bars."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.config import ACTIVATIONS, INITIALIZERS, LEARNING_RATES, OPTIMIZERS, SCHEDULES, RunConfig
from core.lab.knobs import (
    PENALTIES,
    KnobError,
    config_from_knobs,
    format_value,
    preset_fixed_fields,
    with_knobs,
    without_preset,
)
from core.lab.tables import KNOBS, config_value

LABELS = {path: label for label, path in KNOBS.items()}
SHORT_NAMES = {
    "optimizer": "opt",
    "learning_rate": "lr",
    "initializer": "init",
    "activation": "act",
    "batch_norm": "bn",
    "conv_filters": "filters",
    "kernel_size": "kernel",
    "l2": "L2",
    "batch_size": "batch",
}  # in run names; other knobs go by their name


def knob_name(path: str) -> str:
    """A knob's name in widget keys and run names: its field, or its section for a name ('optimizer.name')."""
    return path.removesuffix(".name").rsplit(".", 1)[-1]


@dataclass(frozen=True)
class CompareAxis:
    """A knob (or pair of knobs) a student compares: config paths declared with core.config.knob, values offered."""

    label: str
    paths: tuple[str, ...]  # dotted config paths, e.g. "optimizer.learning_rate"
    options: tuple[tuple[Any, ...], ...]  # offered values, one tuple per path
    defaults: tuple[tuple[Any, ...], ...]  # preselected values, one tuple per path
    kinds: tuple[str, ...] = ("mlp", "cnn")

    @property
    def names(self) -> tuple[str, ...]:
        """The knobs' names (widget keys, run names)."""
        return tuple(knob_name(path) for path in self.paths)

    @property
    def table_knobs(self) -> tuple[str, ...]:
        """The knobs' columns in run tables (core.lab.tables.KNOBS labels)."""
        return tuple(LABELS[path] for path in self.paths)


COMPARE_AXES: dict[str, CompareAxis] = {
    axis.label: axis
    for axis in (
        CompareAxis(
            "optimizer x learning rate",
            ("optimizer.name", "optimizer.learning_rate"),
            (OPTIMIZERS, LEARNING_RATES),
            (("sgd", "adam"), (1e-2,)),
        ),
        CompareAxis(
            "initializer", ("model.initializer",), (INITIALIZERS,), (("glorot_uniform", "he_normal", "zeros"),)
        ),
        CompareAxis("activation", ("model.activation",), (ACTIVATIONS,), (("relu", "tanh", "sigmoid"),)),
        CompareAxis("dropout", ("model.dropout",), ((0.0, 0.1, 0.2, 0.3, 0.5),), ((0.0, 0.3),)),
        CompareAxis("batch norm", ("model.batch_norm",), ((False, True),), ((False, True),)),
        CompareAxis("L2 regularisation", ("model.l2",), (PENALTIES,), ((0.0, 1e-4, 1e-3),)),
        CompareAxis("learning-rate schedule", ("optimizer.schedule",), (SCHEDULES,), (("constant", "cosine"),)),
        CompareAxis("batch size", ("batch_size",), ((16, 32, 64, 128, 256),), ((32, 128),)),
        CompareAxis(
            "hidden layers",
            ("model.hidden",),
            (((100,), (300,), (300, 100), (512, 256, 128), (1000, 1000)),),
            (((100,), (300, 100)),),
            kinds=("mlp",),
        ),
        CompareAxis(
            "conv filters",
            ("model.conv_filters",),
            (((16, 32), (32, 64), (64, 128), (32, 64, 128)),),
            (((16, 32), (32, 64)),),
            kinds=("cnn",),
        ),
        CompareAxis("kernel size", ("model.kernel_size",), ((3, 5, 7),), ((3, 5),), kinds=("cnn",)),
    )
}


def axes_for(kind: str) -> list[str]:
    """The comparison knobs that make sense for an MLP or a CNN."""
    return [label for label, axis in COMPARE_AXES.items() if kind in axis.kinds]


def comparison_configs(base: RunConfig, axis_label: str, values: Sequence[Sequence[Any]]) -> list[RunConfig]:
    """One config per value (or combination, for a pair of knobs), all else equal and the same seed."""
    axis = COMPARE_AXES.get(axis_label)
    if axis is None:
        raise KnobError(f"unknown comparison knob '{axis_label}'")
    if len(values) != len(axis.paths) or any(len(chosen) == 0 for chosen in values):
        raise KnobError(f"pick at least one value for each of: {', '.join(axis.names)}")
    fixed = {f"model.{name}" for name in preset_fixed_fields(base.model.kind, base.model.preset)}
    if fixed & set(axis.paths):
        base = without_preset(base)
    configs = []
    for combination in itertools.product(*values):
        changes = {
            path: list(value) if isinstance(value, tuple) else value for path, value in zip(axis.paths, combination)
        }
        name = " ".join(f"{SHORT_NAMES.get(n, n)}={format_value(v)}" for n, v in zip(axis.names, combination))
        configs.append(config_from_knobs(with_knobs(base, changes), name=name))
    return configs


def comparison_bar_rows(table_rows: Sequence[dict[str, Any]], x: str, color: str | None = None) -> list[dict[str, Any]]:
    """Rows for core.figures.comparison_bar from core.lab.tables.run_rows: the knob values and accuracy as a fraction."""
    rows = []
    for row in table_rows:
        if row.get("test accuracy") is None:
            continue
        bar = {x: format_value(row.get(x)), "accuracy": float(row["test accuracy"]) / 100.0}
        if color:
            bar[color] = format_value(row.get(color))
        rows.append(bar)
    return rows


def differing_knobs(configs: Iterable[dict[str, Any]], fallback: Sequence[str]) -> list[str]:
    """The core.lab.tables.KNOBS labels whose values differ between configs (the fallback when none differ)."""
    configs = list(configs)
    differing = [
        knob for knob, dotted in KNOBS.items() if len({str(config_value(config, dotted)) for config in configs}) > 1
    ]
    return differing or list(fallback)


def per_class_rows(class_names: Sequence[str], per_class: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Rows (class, model, accuracy) for a grouped bar chart of per-class accuracy of several models."""
    return [
        {"class": str(name), "model": label, "accuracy": float(values[index])}
        for label, values in per_class.items()
        for index, name in enumerate(class_names)
        if np.isfinite(values[index])
    ]
