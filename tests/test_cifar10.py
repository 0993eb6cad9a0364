"""CIFAR-10 in the MLPs-and-CNNs lab: a generated file in CIFAR's layouts loads in colour, bad files are refused
with one sentence, the missing dataset says how to get it, and one-epoch MLP and CNN runs train on it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.config import ConfigError
from core.data.datasets import (
    CIFAR_BIN_FOLDER,
    DatasetError,
    cifar_cache_file,
    clear_dataset_cache,
    data_available,
    load_dataset,
    load_run_data,
)
from core.evaluation import activations
from core.figures import image_grid
from core.figures.images import picture_trace, signed_rgb
from core.models.build import build_model, input_shape_for
from core.models.encodings import encoding_for
from core.runs.training import run_config
from tests.conftest import tiny_config

# one colour per class, so the generated photos are learnable and visibly coloured
PALETTE = np.array(
    [[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48]]
    + [[145, 30, 180], [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 190]],
    np.uint16,
)


def cifar_arrays(n_train: int = 200, n_test: int = 50, seed: int = 0) -> dict[str, np.ndarray]:
    """Keras' CIFAR-10 layout: uint8 photos [N, 32, 32, 3] (class colour plus noise), uint8 labels [N, 1]."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for part, count in (("train", n_train), ("test", n_test)):
        labels = np.arange(count) % 10
        noise = rng.integers(0, 64, (count, 32, 32, 3))
        arrays[f"x_{part}"] = (PALETTE[labels][:, None, None, :] * 3 // 4 + noise).astype(np.uint8)
        arrays[f"y_{part}"] = labels.astype(np.uint8)[:, None]
    return arrays


def write_cifar_npz(file: Path, **changes: np.ndarray) -> Path:
    """A CIFAR-10 .npz with some arrays replaced (np.savez keeps object arrays as pickles, as a bad file would)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    np.savez(file, **{**cifar_arrays(), **changes})
    return file


def write_cifar_bin(folder: Path, arrays: dict[str, np.ndarray]) -> Path:
    """The official binary layout: records of 1 label byte + 1,024 red, 1,024 green, 1,024 blue bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    for part, name in (("train", "data_batch_1.bin"), ("test", "test_batch.bin")):
        images, labels = arrays[f"x_{part}"], arrays[f"y_{part}"].reshape(-1, 1)
        planes = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
        np.concatenate([labels, planes], axis=1).astype(np.uint8).tofile(folder / name)
    return folder


@pytest.fixture(autouse=True)
def no_cifar_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Empty cache, shared-data and Keras folders: CIFAR-10 is on the machine only where a test puts it."""
    monkeypatch.setenv("CLOCKWORK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CLOCKWORK_DATA_DIR", str(tmp_path / "shared"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    clear_dataset_cache()
    yield
    clear_dataset_cache()


def test_a_users_npz_loads_as_colour_photos_with_cifar_class_names(tmp_path: Path) -> None:
    data = load_dataset("cifar10", "path", str(write_cifar_npz(tmp_path / "mine.npz")))
    assert data.x_train.shape == (200, 32, 32, 3) and data.x_test.shape == (50, 32, 32, 3)
    assert data.y_train.shape == (200,) and data.y_train.dtype == np.uint8
    assert data.class_names[0] == "airplane" and data.class_names[9] == "truck"
    assert data.source == "path" and "mine.npz" in data.description


def test_auto_finds_the_copy_in_clockworks_cache(tmp_path: Path) -> None:
    assert not data_available("cifar10")
    write_cifar_npz(cifar_cache_file())
    assert data_available("cifar10")
    data = load_dataset("cifar10")
    assert data.source == "keras" and len(data.y_train) == 200


def test_the_binary_folder_gives_the_same_pixels_as_the_npz(tmp_path: Path) -> None:
    arrays = cifar_arrays()
    folder = write_cifar_bin(tmp_path / "download" / CIFAR_BIN_FOLDER, arrays)
    for path in (folder, folder.parent):  # the folder itself, or the one the archive was unpacked into
        clear_dataset_cache()
        data = load_dataset("cifar10", "path", str(path))
        np.testing.assert_array_equal(data.x_train, arrays["x_train"])
        np.testing.assert_array_equal(data.y_test, arrays["y_test"].reshape(-1))


def test_the_binary_folder_in_the_shared_data_folder_is_found(tmp_path: Path) -> None:
    write_cifar_bin(tmp_path / "shared" / CIFAR_BIN_FOLDER, cifar_arrays())
    assert load_dataset("cifar10").source == "shared"


def test_offline_without_a_file_one_sentence_says_how_to_get_it() -> None:
    with pytest.raises(DatasetError) as error:
        load_dataset("cifar10")
    message = str(error.value)
    assert "CIFAR-10 is not on this machine" in message and "keras.datasets.cifar10.load_data()" in message
    assert str(cifar_cache_file()) in message and CIFAR_BIN_FOLDER in message and "\n" not in message


def test_there_is_no_embedded_copy_to_fall_back_on() -> None:
    with pytest.raises(DatasetError, match="has no embedded copy"):
        load_dataset("cifar10", "embedded")


def write_pickle_bomb(tmp_path: Path) -> tuple[Path, Path]:
    """An .npz whose x_train is an object array that would create a folder if anything unpickled it."""

    class Bomb:
        def __reduce__(self):
            return os.mkdir, (str(tmp_path / "unpickled"),)

    images = np.empty(200, dtype=object)
    images[:] = [Bomb() for _ in range(200)]
    return write_cifar_npz(tmp_path / "bomb.npz", x_train=images), tmp_path / "unpickled"


def test_a_pickled_object_array_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    file, marker = write_pickle_bomb(tmp_path)
    with pytest.raises(DatasetError, match="x_train holds Python objects"):
        load_dataset("cifar10", "path", str(file))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"x_train": np.zeros((200, 28, 28), np.uint8)},
            r"x_train must have shape \(N, 32, 32, 3\), got \(200, 28, 28\)",
        ),
        ({"x_test": np.zeros((50, 32, 32, 3), np.float32)}, "x_test must be uint8 pixels 0-255, got float32"),
        ({"y_train": np.full(200, 10, np.uint8)}, r"y_train holds labels outside 0-9 \(min 10, max 10\)"),
        ({"y_test": np.zeros(49, np.uint8)}, r"y_test must have shape \(50,\), one label per image"),
    ],
)
def test_a_bad_npz_is_refused_with_one_sentence_naming_the_problem(tmp_path: Path, changes, message) -> None:
    with pytest.raises(DatasetError, match=message) as error:
        load_dataset("cifar10", "path", str(write_cifar_npz(tmp_path / "bad.npz", **changes)))
    assert "\n" not in str(error.value)


def test_a_binary_batch_of_the_wrong_size_is_refused_before_reading_it(tmp_path: Path) -> None:
    folder = write_cifar_bin(tmp_path / CIFAR_BIN_FOLDER, cifar_arrays())
    with open(folder / "test_batch.bin", "ab") as file:
        file.write(b"\x00" * 10)
    with pytest.raises(DatasetError, match="not a whole number of 3,073-byte records"):
        load_dataset("cifar10", "path", str(folder))


def test_a_binary_label_out_of_range_is_refused(tmp_path: Path) -> None:
    arrays = cifar_arrays()
    arrays["y_test"] = np.full((50, 1), 12, np.uint8)
    with pytest.raises(DatasetError, match="y_test holds labels outside 0-9"):
        load_dataset("cifar10", "path", str(write_cifar_bin(tmp_path / CIFAR_BIN_FOLDER, arrays)))


def test_a_missing_file_is_named() -> None:
    with pytest.raises(DatasetError, match="no dataset file at"):
        load_dataset("cifar10", "path", "/nowhere/cifar10.npz")


def cifar_config(file: Path, **overrides):
    base = {"data__dataset": "cifar10", "data__source": "path", "data__path": str(file), "data__limit_train": 0}
    return tiny_config(**{**base, **overrides})


def test_pixels_are_not_permuted_on_colour_photos(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="data.permuted.*grayscale"):
        cifar_config(tmp_path / "mine.npz", data__permuted=True)


def test_the_mlp_reads_3072_inputs_and_the_cnn_32x32x3(tmp_path: Path) -> None:
    config = cifar_config(tmp_path / "mine.npz")
    assert input_shape_for(config) == (32, 32, 3)
    mlp = build_model(config, input_shape_for(config), encoding_for(config))
    assert mlp.get_layer("dense_0").get_weights()[0].shape == (3072, 16)
    config = cifar_config(tmp_path / "mine.npz", model__kind="cnn", model__preset="reference")
    cnn = build_model(config, input_shape_for(config), encoding_for(config))
    assert tuple(cnn.inputs[0].shape[1:]) == (32, 32, 3)
    assert cnn.get_layer("conv_0_0").get_weights()[0].shape == (7, 7, 3, 64)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_a_one_epoch_run_trains_and_tests_on_the_users_file(tmp_path: Path, runs_root: Path, kind: str) -> None:
    file = write_cifar_npz(tmp_path / "mine.npz")
    config = cifar_config(file, model__kind=kind, model__conv_filters=[8], model__hidden=[16])
    assert load_run_data(config.data).x_train.shape == (200, 32, 32, 3)
    info = run_config(config, runs_root)
    assert info.state == "done", info.status.get("reason")
    assert info.metrics["test_count"] == 50 and 0.0 <= info.metrics["accuracy"] <= 1.0


def test_the_cli_trains_and_evaluates_on_the_users_file_and_refuses_a_missing_one(
    tmp_path: Path, runs_root: Path, capsys
) -> None:
    file = write_cifar_npz(tmp_path / "mine.npz")
    run = {"data": {"dataset": "cifar10", "source": "path", "path": str(file)}, "model": {"hidden": [8]}, "epochs": 1}
    (tmp_path / "run.json").write_text(json.dumps(run))
    assert main(["train", "--config", str(tmp_path / "run.json"), "--runs", str(runs_root), "--quiet"]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["state"] == "done"
    evaluate = ["evaluate", "--model", trained["path"], "--dataset", "cifar10", "--source", "path", "--path", str(file)]
    assert main(evaluate) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["count"] == 50
    assert main([*evaluate, "--permuted"]) == 2 and "--permuted is for grayscale" in capsys.readouterr().err
    (tmp_path / "offline.json").write_text(json.dumps({"data": {"dataset": "cifar10"}, "epochs": 1}))
    assert main(["train", "--config", str(tmp_path / "offline.json"), "--runs", str(runs_root)]) == 2
    error = capsys.readouterr().err
    assert "CIFAR-10 is not on this machine" in error and "Traceback" not in error


def test_a_colour_model_is_looked_inside_in_colour(tmp_path: Path) -> None:
    photo = cifar_arrays()["x_test"][3]
    config = cifar_config(tmp_path / "mine.npz", model__kind="cnn", model__conv_filters=[4], model__hidden=[8])
    cnn = build_model(config, input_shape_for(config), encoding_for(config))
    probe = activations.build_probe(cnn)
    assert probe.input_shape == (32, 32, 3)
    outputs = activations.layer_outputs(probe, photo)
    assert outputs[0].values.shape == (32, 32, 4) and outputs[-1].values.shape == (10,)
    filters, _ = activations.conv_filters(cnn)
    assert filters.shape == (4, 3, 3, 3)
    config = cifar_config(tmp_path / "mine.npz", model__hidden=[8])
    tiles, units = activations.dense_weight_tiles(build_model(config, input_shape_for(config), encoding_for(config)))
    assert tiles.shape == (8, 32, 32, 3) and len(units) == 8


def test_colour_figures_keep_their_colours() -> None:
    photos = cifar_arrays()["x_test"][:10]
    grid = image_grid(photos, [str(i) for i in range(10)], columns=5)
    assert [trace.type for trace in grid.data].count("image") == 1
    trace = picture_trace(photos[0], "input")
    assert trace.type == "image" and np.asarray(trace.z).shape == (32, 32, 3)
    weights = np.stack([np.full((3, 3, 3), -2.0), np.zeros((3, 3, 3)), np.full((3, 3, 3), 0.5)])
    pictures = signed_rgb(weights)
    assert pictures[0].max() == 0 and pictures[1].min() == 128 and pictures[2].min() == 255
