"""Run configs: JSON round trips, and bad files refused with the key named."""

import json

import pytest

from core.config import ConfigError, RunConfig


def clock_config(**overrides):
    raw = {"data": {"dataset": "clocks"}, "model": {"kind": "clock_cnn"}, "encoding": "sincos"}
    raw.update(overrides)
    return raw


def test_default_config_round_trips_through_json():
    config = RunConfig()
    assert RunConfig.from_dict(json.loads(config.to_json())) == config


def test_unknown_key_is_refused_by_name():
    with pytest.raises(ConfigError, match="'optimizer.lr'"):
        RunConfig.from_dict({"optimizer": {"lr": 0.1}})


def test_wrong_type_is_refused_by_name():
    with pytest.raises(ConfigError, match="'epochs' must be an integer"):
        RunConfig.from_dict({"epochs": "ten"})


def test_learning_rate_must_be_positive():
    with pytest.raises(ConfigError, match="optimizer.learning_rate"):
        RunConfig.from_dict({"optimizer": {"learning_rate": 0}})


def test_epochs_have_a_classroom_limit():
    with pytest.raises(ConfigError, match="'epochs'"):
        RunConfig.from_dict({"epochs": 100000})


def test_classes_must_divide_720():
    with pytest.raises(ConfigError, match="divide 720"):
        RunConfig.from_dict(clock_config(encoding="classes-7"))


def test_clock_runs_need_a_clock_model():
    with pytest.raises(ConfigError, match="model.kind"):
        RunConfig.from_dict(clock_config(model={"kind": "mlp"}))


def test_integers_are_accepted_for_float_keys():
    assert RunConfig.from_dict({"optimizer": {"learning_rate": 1}}).optimizer.learning_rate == 1.0


def test_malformed_config_file_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        RunConfig.from_json_file(path)


def test_a_clock_turns_at_most_half_a_circle_either_way():
    assert RunConfig.from_dict(clock_config(data={"dataset": "clocks", "clock_max_turn": 45})).data.clock_max_turn == 45
    with pytest.raises(ConfigError, match="data.clock_max_turn"):
        RunConfig.from_dict(clock_config(data={"dataset": "clocks", "clock_max_turn": 181}))


def test_a_preset_must_exist_for_the_model_kind():
    assert RunConfig.from_dict({"model": {"kind": "cnn", "preset": "compact"}}).model.preset == "compact"
    with pytest.raises(ConfigError, match="model.preset"):
        RunConfig.from_dict({"model": {"kind": "mlp", "preset": "compact"}})


def test_clock_difficulties_are_the_renderer_styles():
    from core.clocks.render import DIFFICULTIES

    for difficulty in DIFFICULTIES:
        assert RunConfig.from_dict(clock_config(data={"dataset": "clocks", "clock_difficulty": difficulty}))
    with pytest.raises(ConfigError, match="data.clock_difficulty"):
        RunConfig.from_dict(clock_config(data={"dataset": "clocks", "clock_difficulty": "medium"}))
