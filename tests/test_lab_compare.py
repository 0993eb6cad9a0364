"""core.lab.compare: comparison grids, their table columns and bars, what differs between runs."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from core.config import ACTIVATIONS, INITIALIZERS, LEARNING_RATES, OPTIMIZERS, SCHEDULES
from core.lab import tables
from core.lab.compare import (
    COMPARE_AXES,
    axes_for,
    comparison_bar_rows,
    comparison_configs,
    differing_knobs,
    per_class_rows,
)
from core.lab.knobs import KnobError, config_from_knobs, default_knobs, with_knobs


def test_comparison_configs_cover_every_combination_with_the_same_seed() -> None:
    base = with_knobs(default_knobs(), {"seed": 5, "epochs": 2})
    configs = comparison_configs(base, "optimizer x learning rate", [("sgd", "adam"), (1e-3, 0.1)])
    assert [c.name for c in configs] == ["opt=sgd lr=1e-3", "opt=sgd lr=0.1", "opt=adam lr=1e-3", "opt=adam lr=0.1"]
    assert {c.seed for c in configs} == {5} and {c.epochs for c in configs} == {2}
    assert [(c.optimizer.name, c.optimizer.learning_rate) for c in configs] == [
        ("sgd", 1e-3),
        ("sgd", 0.1),
        ("adam", 1e-3),
        ("adam", 0.1),
    ]


def test_comparing_an_architecture_knob_writes_the_preset_out() -> None:
    base = with_knobs(default_knobs(), {"model.kind": "cnn", "model.preset": "compact"})
    configs = comparison_configs(base, "kernel size", [(3, 5)])
    assert [c.model.kernel_size for c in configs] == [3, 5]
    assert all(c.model.preset == "" and c.model.conv_filters == [32, 64] and c.model.batch_norm for c in configs)


def test_comparison_configs_refuse_unknown_knobs_and_empty_choices() -> None:
    with pytest.raises(KnobError, match="unknown comparison knob"):
        comparison_configs(default_knobs(), "colour", [("red",)])
    with pytest.raises(KnobError, match="at least one value"):
        comparison_configs(default_knobs(), "activation", [()])


def test_comparison_axes_match_model_kinds_and_table_knobs() -> None:
    assert "hidden layers" in axes_for("mlp") and "hidden layers" not in axes_for("cnn")
    assert "kernel size" in axes_for("cnn")
    for axis in COMPARE_AXES.values():
        assert all(knob in tables.KNOBS for knob in axis.table_knobs)
        assert all(set(chosen) <= set(offered) for chosen, offered in zip(axis.defaults, axis.options))


def test_comparison_axes_offer_the_config_option_lists() -> None:
    assert COMPARE_AXES["optimizer x learning rate"].options == (OPTIMIZERS, LEARNING_RATES)
    assert COMPARE_AXES["optimizer x learning rate"].names == ("optimizer", "learning_rate")
    assert COMPARE_AXES["initializer"].options == (INITIALIZERS,)
    assert COMPARE_AXES["activation"].options == (ACTIVATIONS,)
    assert COMPARE_AXES["learning-rate schedule"].options == (SCHEDULES,)


def test_per_class_rows_skip_classes_without_examples() -> None:
    rows = per_class_rows(["a", "b"], {"pretrained": np.array([0.5, np.nan])})
    assert rows == [{"class": "a", "model": "pretrained", "accuracy": 0.5}]


def test_comparison_bar_rows_turn_percent_into_fractions() -> None:
    rows = [
        {"optimizer": "sgd", "learning rate": 0.001, "test accuracy": 91.5},
        {"optimizer": "adam", "learning rate": 0.1, "test accuracy": None},
    ]
    assert comparison_bar_rows(rows, "optimizer", "learning rate") == [
        {"optimizer": "sgd", "accuracy": pytest.approx(0.915), "learning rate": "1e-3"}
    ]


def test_differing_knobs_find_what_changed_between_runs() -> None:
    configs = [
        config_from_knobs(with_knobs(default_knobs(), {"optimizer.name": name})).to_dict() for name in ("sgd", "adam")
    ]
    assert differing_knobs(configs, ["activation"]) == ["optimizer"]
    assert differing_knobs(configs[:1], ["activation"]) == ["activation"]


def test_comparison_table_exports_csv_and_markdown_with_the_knob_columns() -> None:
    configs = comparison_configs(default_knobs(), "activation", [("relu", "tanh")])
    infos = [
        SimpleNamespace(
            config=c.to_dict(), metrics={"accuracy": 0.9}, status={"state": "done"}, run_id=f"r{i}", is_pretrained=False
        )
        for i, c in enumerate(configs)
    ]
    rows = tables.run_rows(infos, differing_knobs([i.config for i in infos], []))
    csv_text, markdown = tables.to_csv(rows), tables.to_markdown(rows)
    assert csv_text.splitlines()[0].startswith("run,source,state,dataset,model,activation")
    assert "act=tanh" in csv_text and "| act=relu |" in markdown


def test_a_generative_model_row_names_the_model_and_its_sample_scores():
    info = SimpleNamespace(
        config={"name": "mnist_gan", "data": {"dataset": "mnist"}, "model": {"kind": "gan", "preset": "dcgan"}},
        metrics={"classifier_score": 5.234, "params": 1000},
        status={"state": "done"},
        is_pretrained=True,
        run_id="mnist_gan",
    )
    row = tables.run_row(info)
    assert row["model"] == "GAN (dcgan)"
    assert row["classifier score (of 10)"] == 5.23 and "test accuracy" not in row
