"""core.lab.experiments: knobs to configs, comparison grids, confusion cells, permutation rows (pure functions)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from core.config import ConfigError
from core.lab import experiments as ex
from core.lab import tables
from core.runs.pretrain import RECIPES


def test_parse_layer_sizes_reads_commas_and_spaces() -> None:
    assert ex.parse_layer_sizes(" 300, 100 ") == [300, 100]
    assert ex.parse_layer_sizes("") == []


@pytest.mark.parametrize("text", ["300,abc", "0", "9000", "1.5"])
def test_parse_layer_sizes_refuses_bad_text_naming_it(text: str) -> None:
    with pytest.raises(ex.KnobError, match="hidden layers"):
        ex.parse_layer_sizes(text)


def test_config_from_knobs_carries_every_knob() -> None:
    knobs = ex.LabKnobs(dataset="fashion-mnist", kind="mlp", preset="custom", hidden=[64, 32], activation="tanh",
                        initializer="he_normal", l1=1e-5, l2=1e-4, dropout=0.2, batch_norm=True, optimizer="sgd",
                        learning_rate=0.01, schedule="cosine", epochs=2, batch_size=32, limit_train=1000, seed=7)
    config = ex.config_from_knobs(knobs)
    assert config.data.dataset == "fashion-mnist" and config.data.limit_train == 1000
    assert config.model.preset == "" and config.model.hidden == [64, 32] and config.model.activation == "tanh"
    assert (config.model.l1, config.model.l2, config.model.dropout, config.model.batch_norm) == (1e-5, 1e-4, 0.2, True)
    assert (config.optimizer.name, config.optimizer.learning_rate, config.optimizer.schedule) == ("sgd", 0.01, "cosine")
    assert (config.epochs, config.batch_size, config.seed, config.encoding) == (2, 32, 7, "labels")


def test_config_from_knobs_refuses_a_bad_value_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="model.hidden"):
        ex.config_from_knobs(ex.LabKnobs(preset="custom", hidden=[0]))


def test_preset_fixed_fields_names_what_a_preset_decides() -> None:
    assert ex.preset_fixed_fields("mlp", "reference") == {"hidden": [300, 100], "activation": "relu"}
    assert ex.preset_fixed_fields("cnn", "custom") == {}
    compact = ex.preset_fixed_fields("cnn", "compact")
    assert compact["conv_filters"] == [32, 64] and compact["batch_norm"] is True and "l2" not in compact


@pytest.mark.parametrize("value, text", [(1e-3, "1e-3"), (3e-4, "3e-4"), (0.1, "0.1"), (0.0, "0"), (True, "on"),
                                         (False, "off"), ((300, 100), "300-100"), ("adam", "adam"), (64, "64")])
def test_format_value_gives_short_labels(value, text: str) -> None:
    assert ex.format_value(value) == text


def test_comparison_configs_cover_every_combination_with_the_same_seed() -> None:
    base = ex.LabKnobs(seed=5, epochs=2)
    configs = ex.comparison_configs(base, "optimizer x learning rate", [("sgd", "adam"), (1e-3, 0.1)])
    assert [c.name for c in configs] == ["opt=sgd lr=1e-3", "opt=sgd lr=0.1", "opt=adam lr=1e-3", "opt=adam lr=0.1"]
    assert {c.seed for c in configs} == {5} and {c.epochs for c in configs} == {2}
    assert [(c.optimizer.name, c.optimizer.learning_rate) for c in configs] == [
        ("sgd", 1e-3), ("sgd", 0.1), ("adam", 1e-3), ("adam", 0.1)]


def test_comparing_an_architecture_knob_writes_the_preset_out() -> None:
    base = ex.LabKnobs(kind="cnn", preset="compact")
    configs = ex.comparison_configs(base, "kernel size", [(3, 5)])
    assert [c.model.kernel_size for c in configs] == [3, 5]
    assert all(c.model.preset == "" and c.model.conv_filters == [32, 64] and c.model.batch_norm for c in configs)


def test_comparison_configs_refuse_unknown_knobs_and_empty_choices() -> None:
    with pytest.raises(ex.KnobError, match="unknown comparison knob"):
        ex.comparison_configs(ex.LabKnobs(), "colour", [("red",)])
    with pytest.raises(ex.KnobError, match="at least one value"):
        ex.comparison_configs(ex.LabKnobs(), "activation", [()])


def test_comparison_axes_match_model_kinds_and_table_knobs() -> None:
    assert "hidden layers" in ex.axes_for("mlp") and "hidden layers" not in ex.axes_for("cnn")
    assert "kernel size" in ex.axes_for("cnn")
    for axis in ex.COMPARE_AXES.values():
        assert all(knob in tables.KNOBS for knob in axis.table_knobs)
        assert all(set(chosen) <= set(offered) for chosen, offered in zip(axis.defaults, axis.options))


def test_confusion_cell_indices_match_a_brute_force_loop() -> None:
    rng = np.random.default_rng(0)
    y_true, predicted = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    for true_class, predicted_class in [(0, 0), (3, 5), (9, 1)]:
        expected = [i for i in range(500) if y_true[i] == true_class and predicted[i] == predicted_class]
        assert ex.confusion_cell_indices(y_true, predicted, true_class, predicted_class).tolist() == expected
    assert len(ex.confusion_cell_indices(y_true, predicted, 3, 5, limit=2)) == 2


def test_selected_cell_reads_customdata_then_axis_labels() -> None:
    labels = ["cat", "dog", "bird"]
    assert ex.selected_cell([{"customdata": [2, 1, 7, 30.0], "x": "dog", "y": "bird"}], labels) == (2, 1)
    assert ex.selected_cell([{"x": "cat", "y": "dog"}], labels) == (1, 0)
    assert ex.selected_cell([], labels) is None


def test_mistake_captions_name_predicted_and_true_class() -> None:
    captions = ex.mistake_captions([1], np.array([0, 2]), np.array([0, 1]), ["a", "b", "c"])
    assert captions == ["predicted b /\ntrue c"]


def test_sample_indices_take_the_first_of_every_class() -> None:
    labels = np.array([1, 0, 1, 2, 0, 2, 1])
    assert ex.sample_indices(labels, 2).tolist() == [1, 4, 0, 2, 3, 5]


def test_per_class_rows_skip_classes_without_examples() -> None:
    rows = ex.per_class_rows(["a", "b"], {"pretrained": np.array([0.5, np.nan])})
    assert rows == [{"class": "a", "model": "pretrained", "accuracy": 0.5}]


def _info(dataset: str, kind: str, permuted: bool, accuracy: float | None) -> SimpleNamespace:
    config = {"name": f"{dataset}-{kind}-{permuted}", "data": {"dataset": dataset, "permuted": permuted},
              "model": {"kind": kind}}
    metrics = {} if accuracy is None else {"accuracy": accuracy}
    return SimpleNamespace(config=config, metrics=metrics, history={"epochs": []}, run_id="x")


def test_permutation_rows_keep_finished_dataset_runs_in_a_fixed_order() -> None:
    infos = [_info("fashion-mnist", "cnn", True, 0.8), _info("mnist", "mlp", False, 0.98),
             _info("mnist", "cnn", True, None), _info("clocks", "clock_cnn", False, 0.5)]
    rows = ex.permutation_rows(infos)
    assert [(r["dataset"], r["pixels"], r["model"]) for r in rows] == [
        ("MNIST", "original", "mlp"), ("Fashion-MNIST", "permuted", "cnn")]


def test_permutation_reading_reports_the_drops_from_the_metrics() -> None:
    infos = [_info("mnist", "mlp", False, 0.980), _info("mnist", "mlp", True, 0.975),
             _info("mnist", "cnn", False, 0.990), _info("mnist", "cnn", True, 0.950)]
    rows = ex.permutation_rows(infos)
    drops = ex.permutation_drops(rows)
    assert drops[("MNIST", "mlp")] == pytest.approx(0.005) and drops[("MNIST", "cnn")] == pytest.approx(0.04)
    reading = ex.permutation_reading(rows)
    assert "MLP's test accuracy falls by 0.5 points" in reading and "CNN's falls by 4.0 points" in reading
    assert "neighbouring pixels" in reading


def test_permutation_reading_is_empty_without_pairs() -> None:
    assert ex.permutation_reading(ex.permutation_rows([_info("mnist", "mlp", False, 0.9)])) == ""


def test_permuted_retrain_configs_are_the_recipes_shrunk_on_permuted_pixels() -> None:
    mlp, cnn = ex.permuted_retrain_configs("fashion-mnist", permutation_seed=4, limit_train=2000, epochs=2)
    recipe = RECIPES["fashion_mlp_permuted"].config
    assert mlp.model == recipe.model and mlp.optimizer == recipe.optimizer
    assert cnn.model == RECIPES["fashion_cnn_permuted"].config.model
    for config in (mlp, cnn):
        assert config.data.permuted and config.data.permutation_seed == 4
        assert (config.data.limit_train, config.epochs, config.data.dataset) == (2000, 2, "fashion-mnist")


def test_recipe_config_refuses_an_unknown_dataset() -> None:
    with pytest.raises(ex.KnobError, match="no recipe"):
        ex.recipe_config("clocks", "mlp", True)


def test_comparison_bar_rows_turn_percent_into_fractions() -> None:
    rows = [{"optimizer": "sgd", "learning rate": 0.001, "test accuracy": 91.5},
            {"optimizer": "adam", "learning rate": 0.1, "test accuracy": None}]
    assert ex.comparison_bar_rows(rows, "optimizer", "learning rate") == [
        {"optimizer": "sgd", "accuracy": pytest.approx(0.915), "learning rate": "1e-3"}]


def test_differing_knobs_find_what_changed_between_runs() -> None:
    configs = [ex.config_from_knobs(ex.LabKnobs(optimizer=name)).to_dict() for name in ("sgd", "adam")]
    assert ex.differing_knobs(configs, ["activation"]) == ["optimizer"]
    assert ex.differing_knobs(configs[:1], ["activation"]) == ["activation"]


def test_comparison_table_exports_csv_and_markdown_with_the_knob_columns() -> None:
    configs = ex.comparison_configs(ex.LabKnobs(), "activation", [("relu", "tanh")])
    infos = [SimpleNamespace(config=c.to_dict(), metrics={"accuracy": 0.9}, status={"state": "done"}, run_id=f"r{i}",
                             is_pretrained=False) for i, c in enumerate(configs)]
    rows = tables.run_rows(infos, ex.differing_knobs([i.config for i in infos], []))
    csv_text, markdown = tables.to_csv(rows), tables.to_markdown(rows)
    assert csv_text.splitlines()[0].startswith("run,source,state,dataset,model,activation")
    assert "act=tanh" in csv_text and "| act=relu |" in markdown
