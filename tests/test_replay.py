"""Replay: every run records its probe predictions after each epoch (epoch 0 = untrained)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny_clock_config, tiny_config

from core.runs.replay import PROBE_COUNT, REPLAY_FILE, ReplayError, load_replay, probe_indices
from core.runs.training import run_config


def test_probe_spreads_evenly_over_the_classes():
    labels = np.repeat(np.arange(10), 100)
    probe = probe_indices(labels, count=50)
    assert len(probe) == 50
    assert np.bincount(labels[probe], minlength=10).tolist() == [5] * 10


def test_probe_takes_everything_from_a_small_test_split():
    assert probe_indices(np.arange(7), count=50).tolist() == list(range(7))


def test_a_run_records_every_epoch_from_the_untrained_network(tmp_path):
    info = run_config(tiny_config(epochs=2), root=tmp_path)
    replay = load_replay(info.path)
    assert replay is not None
    assert replay.epochs.tolist() == [0, 1, 2]
    assert replay.predicted.shape == (3, len(replay.probe))
    assert replay.probabilities.shape == (3, len(replay.probe), 10)
    assert np.allclose(replay.probabilities.astype(np.float32).sum(axis=-1), 1.0, atol=0.02)


def test_an_mlp_record_holds_first_layer_weights_as_images(tmp_path):
    replay = load_replay(run_config(tiny_config(), root=tmp_path).path)
    assert replay.weights.shape == (2, len(replay.units), 28, 28)
    assert not np.array_equal(replay.weights[0], replay.weights[1])


def test_a_clock_run_records_predicted_times_and_circle_points(tmp_path):
    replay = load_replay(run_config(tiny_clock_config(), root=tmp_path).path)
    assert replay.is_clock
    assert len(replay.probe) == PROBE_COUNT
    assert replay.hour_circle.shape == (2, PROBE_COUNT, 2)
    assert ((replay.predicted >= 0) & (replay.predicted < 720)).all()
    assert replay.weights is None


def test_a_run_without_a_record_has_none(tmp_path):
    assert load_replay(tmp_path) is None


def test_a_damaged_record_is_refused_with_a_reason(tmp_path):
    (tmp_path / REPLAY_FILE).write_bytes(b"not a zip")
    with pytest.raises(ReplayError, match="cannot be read"):
        load_replay(tmp_path)
