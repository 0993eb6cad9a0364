"""core.lab.permuted: MLP-vs-CNN rows from run metrics, what they say, and the recipes retrained on permuted pixels."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.lab.knobs import KnobError
from core.lab.permuted import (
    permutation_drops,
    permutation_reading,
    permutation_rows,
    permuted_retrain_configs,
    recipe_config,
)
from core.runs.pretrain import RECIPES


def _info(dataset: str, kind: str, permuted: bool, accuracy: float | None) -> SimpleNamespace:
    config = {
        "name": f"{dataset}-{kind}-{permuted}",
        "data": {"dataset": dataset, "permuted": permuted},
        "model": {"kind": kind},
    }
    metrics = {} if accuracy is None else {"accuracy": accuracy}
    return SimpleNamespace(config=config, metrics=metrics, history={"epochs": []}, run_id="x")


def test_permutation_rows_keep_finished_dataset_runs_in_a_fixed_order() -> None:
    infos = [
        _info("fashion-mnist", "cnn", True, 0.8),
        _info("mnist", "mlp", False, 0.98),
        _info("mnist", "cnn", True, None),
        _info("clocks", "clock_cnn", False, 0.5),
    ]
    rows = permutation_rows(infos)
    assert [(r["dataset"], r["pixels"], r["model"]) for r in rows] == [
        ("MNIST", "original", "mlp"),
        ("Fashion-MNIST", "permuted", "cnn"),
    ]


def test_permutation_reading_reports_the_drops_from_the_metrics() -> None:
    infos = [
        _info("mnist", "mlp", False, 0.980),
        _info("mnist", "mlp", True, 0.975),
        _info("mnist", "cnn", False, 0.990),
        _info("mnist", "cnn", True, 0.950),
    ]
    rows = permutation_rows(infos)
    drops = permutation_drops(rows)
    assert drops[("MNIST", "mlp")] == pytest.approx(0.005) and drops[("MNIST", "cnn")] == pytest.approx(0.04)
    reading = permutation_reading(rows)
    assert "MLP's test accuracy falls by 0.5 points" in reading and "CNN's falls by 4.0 points" in reading
    assert "neighbouring pixels" in reading


def test_permutation_reading_is_empty_without_pairs() -> None:
    assert permutation_reading(permutation_rows([_info("mnist", "mlp", False, 0.9)])) == ""


def test_permuted_retrain_configs_are_the_recipes_shrunk_on_permuted_pixels() -> None:
    mlp, cnn = permuted_retrain_configs("fashion-mnist", permutation_seed=4, limit_train=2000, epochs=2)
    recipe = RECIPES["fashion_mlp_permuted"].config
    assert mlp.model == recipe.model and mlp.optimizer == recipe.optimizer
    assert cnn.model == RECIPES["fashion_cnn_permuted"].config.model
    for config in (mlp, cnn):
        assert config.data.permuted and config.data.permutation_seed == 4
        assert (config.data.limit_train, config.epochs, config.data.dataset) == (2000, 2, "fashion-mnist")


def test_recipe_config_refuses_an_unknown_dataset() -> None:
    with pytest.raises(KnobError, match="no recipe"):
        recipe_config("clocks", "mlp", True)
