"""core.lab.knobs: the page's knobs are a RunConfig; typed layer sizes, run names, what a preset decides."""

from __future__ import annotations

import dataclasses

import pytest

from core.config import PRESETS, ConfigError
from core.lab.knobs import (
    KnobError,
    config_from_knobs,
    default_knobs,
    format_value,
    parse_layer_sizes,
    preset_fixed_fields,
    with_knobs,
    without_preset,
)
from core.models.build import resolve_model_config


def test_parse_layer_sizes_reads_commas_and_spaces() -> None:
    assert parse_layer_sizes(" 300, 100 ") == [300, 100]
    assert parse_layer_sizes("") == []


@pytest.mark.parametrize("text", ["300,abc", "0", "9000", "1.5"])
def test_parse_layer_sizes_refuses_bad_text_naming_it(text: str) -> None:
    with pytest.raises(KnobError, match="hidden layers"):
        parse_layer_sizes(text)


def test_config_from_knobs_carries_every_knob() -> None:
    knobs = with_knobs(
        default_knobs("fashion-mnist"),
        {
            "model.preset": "",
            "model.hidden": [64, 32],
            "model.activation": "tanh",
            "model.initializer": "he_normal",
            "model.l1": 1e-5,
            "model.l2": 1e-4,
            "model.dropout": 0.2,
            "model.batch_norm": True,
            "optimizer.name": "sgd",
            "optimizer.learning_rate": 0.01,
            "optimizer.schedule": "cosine",
            "epochs": 2,
            "batch_size": 32,
            "data.limit_train": 1000,
            "seed": 7,
        },
    )
    config = config_from_knobs(knobs)
    assert config.data.dataset == "fashion-mnist" and config.data.limit_train == 1000
    assert config.model.preset == "" and config.model.hidden == [64, 32] and config.model.activation == "tanh"
    assert (config.model.l1, config.model.l2, config.model.dropout, config.model.batch_norm) == (1e-5, 1e-4, 0.2, True)
    assert (config.optimizer.name, config.optimizer.learning_rate, config.optimizer.schedule) == ("sgd", 0.01, "cosine")
    assert (config.epochs, config.batch_size, config.seed, config.encoding) == (2, 32, 7, "labels")


def test_config_from_knobs_names_the_run_and_refuses_a_bad_value_naming_the_key() -> None:
    assert config_from_knobs(default_knobs()).name == "MNIST MLP adam lr=1e-3"
    with pytest.raises(ConfigError, match="model.hidden"):
        config_from_knobs(with_knobs(default_knobs(), {"model.preset": "", "model.hidden": [0]}))


def test_with_knobs_copies_and_refuses_unknown_paths() -> None:
    knobs = default_knobs()
    changed = with_knobs(knobs, {"model.hidden": [10], "data.permuted": True})
    assert (changed.model.hidden, changed.data.permuted) == ([10], True)
    assert (knobs.model.hidden, knobs.data.permuted) == ([300, 100], False)
    with pytest.raises(KnobError, match="model.colour"):
        with_knobs(knobs, {"model.colour": "red"})


def test_preset_fixed_fields_names_what_a_preset_decides() -> None:
    assert preset_fixed_fields("mlp", "reference") == {"hidden": [300, 100], "activation": "relu"}
    assert preset_fixed_fields("cnn", "custom") == {}
    compact = preset_fixed_fields("cnn", "compact")
    assert compact["conv_filters"] == [32, 64] and compact["batch_norm"] is True and "l2" not in compact


@pytest.mark.parametrize("kind, preset", [key for key in PRESETS if key[0] in ("mlp", "cnn")])
def test_writing_a_preset_out_keeps_its_network(kind: str, preset: str) -> None:
    knobs = with_knobs(default_knobs(), {"model.kind": kind, "model.preset": preset})
    written = without_preset(knobs).model
    assert written == dataclasses.replace(resolve_model_config(knobs.model), preset="")


@pytest.mark.parametrize(
    "value, text",
    [
        (1e-3, "1e-3"),
        (3e-4, "3e-4"),
        (0.1, "0.1"),
        (0.0, "0"),
        (True, "on"),
        (False, "off"),
        ((300, 100), "300-100"),
        ("adam", "adam"),
        (64, "64"),
    ],
)
def test_format_value_gives_short_labels(value, text: str) -> None:
    assert format_value(value) == text
