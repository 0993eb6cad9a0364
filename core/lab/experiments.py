"""The lab's experiments as plain data: knob values to run configs, comparison grids, confusion cells, permutation rows.

Pages draw widgets and call these functions; everything here is pure (no Streamlit, no Keras), so the
rules behind "what does this knob do" and "how much did the permutation cost" are unit-tested.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.config import ConfigError, DataConfig, ModelConfig, OptimizerConfig, RunConfig
from core.models.build import resolve_model_config

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
PRESETS = ("reference", "compact", "custom")
DATASET_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
DATASET_SHORT = {"mnist": "mnist", "fashion-mnist": "fashion"}
ARCHITECTURE_FIELDS = ("hidden", "conv_filters", "convs_per_block", "kernel_size", "first_kernel_size", "activation",
                       "initializer", "l1", "l2", "dropout", "batch_norm")


class KnobError(ValueError):
    """A knob value typed by a user that no run can use (e.g. '300,abc' as hidden layers)."""


@dataclass
class LabKnobs:
    """The values of the MLPs-and-CNNs page's knobs (JSON-able), turned into a RunConfig by config_from_knobs."""

    dataset: str = "mnist"
    kind: str = "mlp"                      # mlp | cnn
    preset: str = "reference"              # reference | compact | custom
    hidden: list[int] = field(default_factory=lambda: [300, 100])
    conv_filters: list[int] = field(default_factory=lambda: [32, 64])
    convs_per_block: int = 1
    kernel_size: int = 3
    first_kernel_size: int = 3
    activation: str = "relu"
    initializer: str = "glorot_uniform"
    l1: float = 0.0
    l2: float = 0.0
    dropout: float = 0.0
    batch_norm: bool = False
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    schedule: str = "constant"
    epochs: int = 5
    batch_size: int = 64
    limit_train: int = 3000
    seed: int = 0
    permuted: bool = False
    permutation_seed: int = 0


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


def model_config_from_knobs(knobs: LabKnobs) -> ModelConfig:
    """The ModelConfig the knobs describe ('custom' preset means the fields decide)."""
    return ModelConfig(kind=knobs.kind, preset="" if knobs.preset == "custom" else knobs.preset,
                       hidden=list(knobs.hidden), conv_filters=list(knobs.conv_filters),
                       convs_per_block=knobs.convs_per_block, kernel_size=knobs.kernel_size,
                       first_kernel_size=knobs.first_kernel_size,
                       activation=knobs.activation, initializer=knobs.initializer, l1=knobs.l1, l2=knobs.l2,
                       dropout=knobs.dropout, batch_norm=knobs.batch_norm)


def config_from_knobs(knobs: LabKnobs, name: str = "") -> RunConfig:
    """A validated RunConfig for one run of the lab (ConfigError names a bad value)."""
    return RunConfig.from_dict(build_config(knobs, name).to_dict())


def build_config(knobs: LabKnobs, name: str = "") -> RunConfig:
    """The RunConfig the knobs describe, not yet validated (the Train panel validates and names a bad value)."""
    return RunConfig(
        name=name or default_run_name(knobs),
        data=DataConfig(dataset=knobs.dataset, limit_train=knobs.limit_train, validation_split=0.1,
                        permuted=knobs.permuted, permutation_seed=knobs.permutation_seed),
        model=model_config_from_knobs(knobs),
        optimizer=OptimizerConfig(name=knobs.optimizer, learning_rate=float(knobs.learning_rate),
                                  schedule=knobs.schedule),
        encoding="labels", epochs=knobs.epochs, batch_size=knobs.batch_size, seed=knobs.seed)


def default_run_name(knobs: LabKnobs) -> str:
    """A short readable name, e.g. 'MNIST MLP adam lr=1e-3'."""
    title = DATASET_TITLES.get(knobs.dataset, knobs.dataset)
    permuted = " permuted" if knobs.permuted else ""
    return f"{title}{permuted} {knobs.kind.upper()} {knobs.optimizer} lr={format_value(knobs.learning_rate)}"


def preset_fixed_fields(kind: str, preset: str) -> dict[str, Any]:
    """The architecture fields a preset decides, with the preset's values (empty for 'custom').

    Found by resolving two bases that differ in every field: what comes out equal is the preset's.
    """
    if preset == "custom":
        return {}
    first = ModelConfig(kind=kind, preset=preset, hidden=[7], conv_filters=[7], convs_per_block=3, kernel_size=7,
                        first_kernel_size=1, activation="tanh", initializer="zeros", l1=0.7, l2=0.7, dropout=0.7,
                        batch_norm=False)
    second = ModelConfig(kind=kind, preset=preset, hidden=[9, 9], conv_filters=[9, 9], convs_per_block=4,
                         kernel_size=5, first_kernel_size=5, activation="elu", initializer="random_normal", l1=0.9,
                         l2=0.9, dropout=0.9, batch_norm=True)
    resolved_first, resolved_second = resolve_model_config(first), resolve_model_config(second)
    return {name: getattr(resolved_first, name) for name in ARCHITECTURE_FIELDS
            if getattr(resolved_first, name) == getattr(resolved_second, name)}


def without_preset(knobs: LabKnobs) -> LabKnobs:
    """The same network written out field by field (preset 'custom'), so one field can change."""
    fixed = preset_fixed_fields(knobs.kind, knobs.preset)
    return dataclasses.replace(knobs, preset="custom", **{k: list(v) if isinstance(v, list) else v
                                                          for k, v in fixed.items()})


# ---- comparing runs: pick a knob, several values, one run each ------------------------------------------

@dataclass(frozen=True)
class CompareAxis:
    """A knob (or pair of knobs) a student compares: the LabKnobs fields, the values offered, the table columns."""

    label: str
    fields: tuple[str, ...]
    options: tuple[tuple[Any, ...], ...]     # offered values, one tuple per field
    defaults: tuple[tuple[Any, ...], ...]    # preselected values, one tuple per field
    table_knobs: tuple[str, ...]             # core.lab.tables.KNOBS labels shown as columns
    kinds: tuple[str, ...] = ("mlp", "cnn")


SHORT_NAMES = {"optimizer": "opt", "learning_rate": "lr", "initializer": "init", "activation": "act",
               "dropout": "dropout", "batch_norm": "bn", "hidden": "hidden", "conv_filters": "filters",
               "kernel_size": "kernel", "l2": "L2", "batch_size": "batch", "schedule": "schedule"}

COMPARE_AXES: dict[str, CompareAxis] = {axis.label: axis for axis in (
    CompareAxis("optimizer x learning rate", ("optimizer", "learning_rate"),
                (("sgd", "adam", "rmsprop", "adamw", "nadam", "adagrad"), LEARNING_RATES),
                (("sgd", "adam"), (1e-2,)), ("optimizer", "learning rate")),
    CompareAxis("initializer", ("initializer",),
                (("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "random_normal",
                  "zeros"),), (("glorot_uniform", "he_normal", "zeros"),), ("initializer",)),
    CompareAxis("activation", ("activation",),
                (("relu", "elu", "selu", "gelu", "tanh", "sigmoid", "leaky_relu", "swish"),),
                (("relu", "tanh", "sigmoid"),), ("activation",)),
    CompareAxis("dropout", ("dropout",), ((0.0, 0.1, 0.2, 0.3, 0.5),), ((0.0, 0.3),), ("dropout",)),
    CompareAxis("batch norm", ("batch_norm",), ((False, True),), ((False, True),), ("batch norm",)),
    CompareAxis("L2 regularisation", ("l2",), ((0.0, 1e-5, 1e-4, 1e-3, 1e-2),), ((0.0, 1e-4, 1e-3),), ("L2",)),
    CompareAxis("learning-rate schedule", ("schedule",), (("constant", "cosine", "step"),),
                (("constant", "cosine"),), ("schedule",)),
    CompareAxis("batch size", ("batch_size",), ((16, 32, 64, 128, 256),), ((32, 128),), ("batch size",)),
    CompareAxis("hidden layers", ("hidden",), (((100,), (300,), (300, 100), (512, 256, 128), (1000, 1000)),),
                (((100,), (300, 100)),), ("hidden layers",), kinds=("mlp",)),
    CompareAxis("conv filters", ("conv_filters",), (((16, 32), (32, 64), (64, 128), (32, 64, 128)),),
                (((16, 32), (32, 64)),), ("conv filters",), kinds=("cnn",)),
    CompareAxis("kernel size", ("kernel_size",), ((3, 5, 7),), ((3, 5),), ("kernel size",), kinds=("cnn",)),
)}


def axes_for(kind: str) -> list[str]:
    """The comparison knobs that make sense for an MLP or a CNN."""
    return [label for label, axis in COMPARE_AXES.items() if kind in axis.kinds]


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


def comparison_configs(base: LabKnobs, axis_label: str, values: Sequence[Sequence[Any]]) -> list[RunConfig]:
    """One config per value (or combination, for a pair of knobs), all else equal and the same seed."""
    axis = COMPARE_AXES.get(axis_label)
    if axis is None:
        raise KnobError(f"unknown comparison knob '{axis_label}'")
    if len(values) != len(axis.fields) or any(len(chosen) == 0 for chosen in values):
        raise KnobError(f"pick at least one value for each of: {', '.join(axis.fields)}")
    if set(axis.fields) & set(preset_fixed_fields(base.kind, base.preset)):
        base = without_preset(base)
    configs = []
    for combination in itertools.product(*values):
        changes = {name: list(value) if isinstance(value, tuple) else value
                   for name, value in zip(axis.fields, combination)}
        name = " ".join(f"{SHORT_NAMES.get(f, f)}={format_value(v)}" for f, v in zip(axis.fields, combination))
        configs.append(config_from_knobs(dataclasses.replace(base, **changes), name=name))
    return configs


# ---- confusion matrix cells and mistakes ---------------------------------------------------------------

def confusion_cell_indices(y_true: np.ndarray, predicted: np.ndarray, true_class: int, predicted_class: int,
                           limit: int | None = None) -> np.ndarray:
    """Test-set indices whose true class and predicted class are this confusion cell, in test order."""
    y_true, predicted = np.asarray(y_true).reshape(-1), np.asarray(predicted).reshape(-1)
    if y_true.shape != predicted.shape:
        raise ValueError(f"y_true and predicted differ in length ({len(y_true)} vs {len(predicted)})")
    indices = np.flatnonzero((y_true == true_class) & (predicted == predicted_class))
    return indices if limit is None else indices[:limit]


def selected_cell(points: Iterable[dict[str, Any]], labels: Sequence[str]) -> tuple[int, int] | None:
    """(true, predicted) of the first clicked heatmap cell in a Plotly selection, or None when nothing is chosen."""
    names = [str(label) for label in labels]
    for point in points or []:
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)) and len(custom) >= 2:
            return int(custom[0]), int(custom[1])
        x, y = str(point.get("x")), str(point.get("y"))
        if x in names and y in names:
            return names.index(y), names.index(x)
    return None


def mistake_captions(indices: Sequence[int], y_true: np.ndarray, predicted: np.ndarray,
                     class_names: Sequence[str]) -> list[str]:
    """'predicted X / true Y' for each test index (one line each, so captions fit under small images)."""
    return [f"predicted {class_names[int(predicted[i])]} /\ntrue {class_names[int(y_true[i])]}" for i in indices]


def sample_indices(labels: np.ndarray, per_class: int) -> np.ndarray:
    """The first `per_class` indices of each class, class by class (a sample grid that shows every class)."""
    labels = np.asarray(labels).reshape(-1)
    picks = [np.flatnonzero(labels == value)[:per_class] for value in np.unique(labels)]
    return np.concatenate(picks) if picks else np.zeros(0, np.int64)


def per_class_rows(class_names: Sequence[str], per_class: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Rows (class, model, accuracy) for a grouped bar chart of per-class accuracy of several models."""
    return [{"class": str(name), "model": label, "accuracy": float(values[index])}
            for label, values in per_class.items() for index, name in enumerate(class_names)
            if np.isfinite(values[index])]


# ---- permuted pixels -------------------------------------------------------------------------------------

def permutation_rows(infos: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows for core.figures.permutation_accuracy_chart from finished MNIST/Fashion runs with a test accuracy."""
    rows = []
    for info in infos:
        config, metrics = info.config or {}, info.metrics or {}
        data, model = config.get("data", {}), config.get("model", {})
        if data.get("dataset") not in DATASET_TITLES or model.get("kind") not in ("mlp", "cnn"):
            continue
        if metrics.get("accuracy") is None:
            continue
        rows.append({"dataset": DATASET_TITLES[data["dataset"]], "pixels": "permuted" if data.get("permuted") else
                     "original", "model": model["kind"], "accuracy": float(metrics["accuracy"]),
                     "history": info.history or {}, "run": config.get("name") or info.run_id})
    order = {"MNIST": 0, "Fashion-MNIST": 1, "original": 0, "permuted": 1, "mlp": 0, "cnn": 1}
    return sorted(rows, key=lambda row: (order[row["dataset"]], order[row["pixels"]], order[row["model"]]))


def permutation_drops(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """(dataset, model) -> original minus permuted test accuracy, for pairs where both are known."""
    accuracy = {(row["dataset"], row["model"], row["pixels"]): float(row["accuracy"]) for row in rows}
    return {(dataset, model): accuracy[(dataset, model, "original")] - accuracy[(dataset, model, "permuted")]
            for dataset, model, pixels in accuracy
            if pixels == "original" and (dataset, model, "permuted") in accuracy}


def permutation_reading(rows: Sequence[dict[str, Any]]) -> str:
    """One sentence per dataset reading the chart: how many points each model lost to the permutation."""
    drops = permutation_drops(rows)
    sentences = []
    for dataset in dict.fromkeys(d for d, _ in drops):
        mlp, cnn = drops.get((dataset, "mlp")), drops.get((dataset, "cnn"))
        if mlp is None or cnn is None:
            continue
        verdict = ("so the CNN's advantage came from neighbouring pixels" if cnn > mlp
                   else "so here the permutation did not hurt the CNN more than the MLP")
        sentences.append(f"On {dataset}, with permuted pixels the MLP's test accuracy {_change(-mlp)} and the "
                         f"CNN's {_change(-cnn)}, {verdict}.")
    return " ".join(sentences)


def _change(change: float) -> str:
    points = round(100 * change, 1)
    if points == 0:
        return "stays the same"
    return f"{'rises' if points > 0 else 'falls'} by {abs(points):.1f} points"


def recipe_config(dataset: str, kind: str, permuted: bool, permutation_seed: int = 0, limit_train: int = 3000,
                  epochs: int = 3, seed: int = 0) -> RunConfig:
    """The pretrained recipe of this dataset and model, shrunk for a CPU classroom run (named to say so)."""
    from core.runs.pretrain import RECIPES

    if dataset not in DATASET_SHORT or kind not in ("mlp", "cnn"):
        raise KnobError(f"no recipe for {dataset} {kind}; choose mnist/fashion-mnist and mlp/cnn")
    recipe = RECIPES[f"{DATASET_SHORT[dataset]}_{kind}" + ("_permuted" if permuted else "")]
    config = recipe.config
    data = dataclasses.replace(config.data, permuted=permuted, permutation_seed=permutation_seed,
                               limit_train=limit_train)
    name = f"{recipe.name} (classroom, {format_value(limit_train)} images, {epochs} epochs)"
    if permuted and permutation_seed:
        name = name.replace(")", f", permutation seed {permutation_seed})")
    try:
        return RunConfig.from_dict(dataclasses.replace(config, name=name, data=data, epochs=epochs,
                                                       seed=seed).to_dict())
    except ConfigError as error:
        raise KnobError(str(error)) from None


def permuted_retrain_configs(dataset: str, permutation_seed: int = 0, limit_train: int = 3000, epochs: int = 3,
                             seed: int = 0) -> list[RunConfig]:
    """The best MLP and the best CNN (the pretrained recipes) on permuted pixels, shrunk for a classroom run."""
    return [recipe_config(dataset, kind, True, permutation_seed, limit_train, epochs, seed) for kind in ("mlp", "cnn")]


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
    from core.lab.tables import KNOBS, config_value

    configs = list(configs)
    differing = [knob for knob, dotted in KNOBS.items()
                 if len({str(config_value(config, dotted)) for config in configs}) > 1]
    return differing or list(fallback)
