"""Replay of a CIFAR-10 MLP: the record keeps its first-layer weights as colour tiles [U, 32, 32, 3], the replay
frame draws them in colour (mid-gray zero, each tile stretched to its own largest weight, as the inside view
does), and the MLPs-and-CNNs page replays such a run without an exception."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import streamlit as st

from core.evaluation import replay_views as views
from core.evaluation.activations import first_layer
from core.figures.layers import weight_picture
from core.models.saved import load_model_file
from core.runs import jobs
from core.runs.replay import WEIGHT_UNITS, load_replay
from core.runs.training import run_config
from tests.conftest import open_app_page, tiny_config
from tests.test_cifar10 import write_cifar_npz

EPOCHS = 2


@pytest.fixture(scope="module")
def cifar_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-epoch 16-unit MLP run on a generated CIFAR-10 file (200 training photos), trained once."""
    root = tmp_path_factory.mktemp("cifar-replay")
    file = write_cifar_npz(root / "cifar10.npz")
    config = tiny_config(
        epochs=EPOCHS, data__dataset="cifar10", data__source="path", data__path=str(file), data__limit_train=0
    )
    info = run_config(config, root=root / "runs")
    assert info.state == "done", info.status.get("reason")
    return Path(info.path)


def test_a_colour_mlps_record_keeps_its_first_layer_weights_as_colour_tiles(cifar_run: Path) -> None:
    replay = load_replay(cifar_run)
    assert replay.weights.shape == (EPOCHS + 1, WEIGHT_UNITS, 32, 32, 3)
    kernel = first_layer(load_model_file(cifar_run / "model.keras"), "dense").get_weights()[0]
    last = kernel[:, replay.units].T.reshape(WEIGHT_UNITS, 32, 32, 3)
    np.testing.assert_allclose(views.first_layer_tiles(replay, EPOCHS), last, rtol=1e-2, atol=1e-3)


def test_colour_weight_tiles_are_drawn_in_colour_each_scaled_around_zero() -> None:
    tiles = np.zeros((2, 2, 2, 3), np.float32)
    tiles[0, 0, 0] = [0.01, 0.0, -0.01]  # a unit with tiny weights still spans the whole range
    tiles[1, 1, 1] = [0.0, 8.0, 0.0]
    picture = weight_picture(tiles, columns=2, tile_px=2)  # 2x2 tiles, one blank column between, each pixel 1x1
    assert picture.shape == (2, 5, 3) and picture.dtype == np.uint8
    assert picture[0, 0].tolist() == [255, 128, 0]  # more red wanted, less blue: red stays bright, blue dark
    assert picture[0, 1].tolist() == [128, 128, 128]  # zero is mid-gray
    assert picture[1, 4].tolist() == [128, 255, 128]
    assert (picture[:, 2] == 255).all()  # the gap between tiles is white


def test_the_lab_replays_a_cifar_mlp_with_colour_tiles(cifar_run: Path, runs_root: Path, monkeypatch) -> None:
    empty = runs_root.parent / "no-pretrained"
    empty.mkdir()
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(empty))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    st.cache_data.clear()
    shutil.copytree(cifar_run, runs_root / cifar_run.name)
    at = open_app_page("pages/mlp-cnn.py", run=cifar_run.name, replay="true", dataset="cifar10")
    at.select_slider(key=f"replay_{cifar_run.name}_epoch").set_value(0).run()
    assert not at.exception, at.exception
    assert any(f"What {WEIGHT_UNITS} hidden units look for, epoch 0" in text.value for text in at.markdown)
    captions = [image.proto.imgs[0].caption for image in at.get("image")]
    assert any("red, green and blue for every pixel" in caption for caption in captions)
