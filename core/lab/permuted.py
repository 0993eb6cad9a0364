"""Permuted pixels as plain data: the MLP-vs-CNN rows and what they say, and the recipes retrained on permuted pixels."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from core.config import ConfigError, RunConfig
from core.data.datasets import TITLES
from core.lab.knobs import KnobError, format_value
from core.runs.pretrain import RECIPES

DATASET_SHORT = {"mnist": "mnist", "fashion-mnist": "fashion"}  # in pretrained recipe names, e.g. fashion_cnn


def permutation_rows(infos: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows for core.figures.permutation_accuracy_chart from finished MNIST/Fashion runs with a test accuracy."""
    rows = []
    for info in infos:
        config, metrics = info.config or {}, info.metrics or {}
        data, model = config.get("data", {}), config.get("model", {})
        if data.get("dataset") not in DATASET_SHORT or model.get("kind") not in ("mlp", "cnn"):
            continue
        if metrics.get("accuracy") is None:
            continue
        rows.append(
            {
                "dataset": TITLES[data["dataset"]],
                "pixels": "permuted" if data.get("permuted") else "original",
                "model": model["kind"],
                "accuracy": float(metrics["accuracy"]),
                "history": info.history or {},
                "run": config.get("name") or info.run_id,
            }
        )
    order = {"MNIST": 0, "Fashion-MNIST": 1, "original": 0, "permuted": 1, "mlp": 0, "cnn": 1}
    return sorted(rows, key=lambda row: (order[row["dataset"]], order[row["pixels"]], order[row["model"]]))


def permutation_drops(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """(dataset, model) -> original minus permuted test accuracy, for pairs where both are known."""
    accuracy = {(row["dataset"], row["model"], row["pixels"]): float(row["accuracy"]) for row in rows}
    return {
        (dataset, model): accuracy[(dataset, model, "original")] - accuracy[(dataset, model, "permuted")]
        for dataset, model, pixels in accuracy
        if pixels == "original" and (dataset, model, "permuted") in accuracy
    }


def permutation_reading(rows: Sequence[dict[str, Any]]) -> str:
    """One sentence per dataset reading the chart: how many points each model lost to the permutation."""
    drops = permutation_drops(rows)
    sentences = []
    for dataset in dict.fromkeys(d for d, _ in drops):
        mlp, cnn = drops.get((dataset, "mlp")), drops.get((dataset, "cnn"))
        if mlp is None or cnn is None:
            continue
        verdict = (
            "so the CNN's advantage came from neighbouring pixels"
            if cnn > mlp
            else "so here the permutation did not hurt the CNN more than the MLP"
        )
        sentences.append(
            f"On {dataset}, with permuted pixels the MLP's test accuracy {_change(-mlp)} and the "
            f"CNN's {_change(-cnn)}, {verdict}."
        )
    return " ".join(sentences)


def _change(change: float) -> str:
    points = round(100 * change, 1)
    if points == 0:
        return "stays the same"
    return f"{'rises' if points > 0 else 'falls'} by {abs(points):.1f} points"


def recipe_config(
    dataset: str,
    kind: str,
    permuted: bool,
    permutation_seed: int = 0,
    limit_train: int = 3000,
    epochs: int = 3,
    seed: int = 0,
) -> RunConfig:
    """The pretrained recipe of this dataset and model, shrunk for a CPU classroom run (named to say so)."""
    if dataset not in DATASET_SHORT or kind not in ("mlp", "cnn"):
        raise KnobError(f"no recipe for {dataset} {kind}; choose mnist/fashion-mnist and mlp/cnn")
    recipe = RECIPES[f"{DATASET_SHORT[dataset]}_{kind}" + ("_permuted" if permuted else "")]
    config = recipe.config
    data = dataclasses.replace(
        config.data, permuted=permuted, permutation_seed=permutation_seed, limit_train=limit_train
    )
    name = f"{recipe.name} (classroom, {format_value(limit_train)} images, {epochs} epochs)"
    if permuted and permutation_seed:
        name = name.replace(")", f", permutation seed {permutation_seed})")
    try:
        return RunConfig.from_dict(
            dataclasses.replace(config, name=name, data=data, epochs=epochs, seed=seed).to_dict()
        )
    except ConfigError as error:
        raise KnobError(str(error)) from None


def permuted_retrain_configs(
    dataset: str, permutation_seed: int = 0, limit_train: int = 3000, epochs: int = 3, seed: int = 0
) -> list[RunConfig]:
    """The best MLP and the best CNN (the pretrained recipes) on permuted pixels, shrunk for a classroom run."""
    return [recipe_config(dataset, kind, True, permutation_seed, limit_train, epochs, seed) for kind in ("mlp", "cnn")]
