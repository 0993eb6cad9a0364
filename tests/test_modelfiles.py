"""Model files: corrupt or foreign .keras files give a clear ModelFileError, and loading never runs user code."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from core.cli import USAGE_ERROR, main
from core.models.saved import ModelFileError, load_model_file, model_path


@pytest.fixture(scope="module")
def tiny_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid .keras archive of a tiny Dense model, to tamper with."""
    import keras

    path = tmp_path_factory.mktemp("models") / "tiny.keras"
    inputs = keras.Input((4,))
    keras.Model(inputs, keras.layers.Dense(2, name="label")(inputs)).save(path)
    return path


def rewrite_config(source: Path, target: Path, change) -> Path:
    """Copy a .keras archive with its config.json passed through `change`."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "config.json":
                data = json.dumps(change(json.loads(data))).encode()
            new.writestr(item, data)
    return target


def with_layer(config: dict, layer: dict) -> dict:
    """The model config with its last layer replaced by `layer` (same name and inbound nodes)."""
    layers = config["config"]["layers"]
    layers[-1] = {**layers[-1], **layer, "name": layers[-1]["name"]}
    return config


def test_a_valid_archive_loads(tiny_archive):
    assert load_model_file(tiny_archive).count_params() == 10


def test_random_bytes_named_keras_are_refused(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ModelFileError, match="model.keras is not a Keras model archive"):
        load_model_file(path)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.keras"
    path.write_bytes(b"")
    with pytest.raises(ModelFileError, match="not a Keras model archive"):
        load_model_file(path)


def test_a_zip_that_is_not_a_keras_archive_is_refused(tmp_path):
    path = tmp_path / "foreign.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ModelFileError, match="foreign.keras could not be loaded as a Keras model"):
        load_model_file(path)


def test_a_truncated_archive_is_refused(tiny_archive, tmp_path):
    path = tmp_path / "cut.keras"
    path.write_bytes(tiny_archive.read_bytes()[: tiny_archive.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="cut.keras"):
        load_model_file(path)


def test_an_archive_naming_an_unknown_layer_is_refused(tiny_archive, tmp_path):
    path = rewrite_config(
        tiny_archive,
        tmp_path / "unknown.keras",
        lambda c: with_layer(c, {"class_name": "TotallyMadeUpLayer", "module": "evil.layers"}),
    )
    with pytest.raises(ModelFileError, match="unknown.keras could not be loaded as a Keras model") as caught:
        load_model_file(path)
    assert "\n" not in str(caught.value)


def test_a_lambda_layer_is_refused_and_its_code_never_runs(tiny_archive, tmp_path):
    marker = tmp_path / "pwned"
    # a Lambda layer whose function would create the marker file if Keras ever deserialised it
    code = f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]"
    lambda_layer = {
        "class_name": "Lambda",
        "module": "keras.layers",
        "config": {
            "name": "label",
            "function": {"class_name": "__lambda__", "config": {"code": code, "defaults": None, "closure": None}},
            "arguments": {},
            "trainable": True,
            "dtype": "float32",
        },
    }
    path = rewrite_config(tiny_archive, tmp_path / "lambda.keras", lambda c: with_layer(c, lambda_layer))
    with pytest.raises(ModelFileError, match="lambda.keras could not be loaded as a Keras model") as caught:
        load_model_file(path)
    assert "Lambda" in str(caught.value)  # refused by Keras safe mode, which stays on
    assert not marker.exists()


def test_a_file_without_the_keras_suffix_is_refused(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"\x89HDF\r\n")
    with pytest.raises(ModelFileError, match="model.h5 is not a .keras model file"):
        model_path(path)


def test_a_run_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(ModelFileError, match="model file not found"):
        model_path(tmp_path)


def test_the_cli_reports_a_foreign_model_in_one_line(tmp_path, capsys):
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["evaluate", "--model", str(path), "--dataset", "mnist", "--source", "embedded"]) == USAGE_ERROR
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: model.keras") and len(error.splitlines()) == 1
