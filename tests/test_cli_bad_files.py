"""`python -m core evaluate` over the whole bad-file corpus: each case exits non-zero with its own one-line message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import USAGE_ERROR, main
from tests import bad_files
from tests.bad_files import evaluate_args
from tests.test_cli import run_main_in_child


@pytest.fixture(scope="session")
def clock_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny untrained 75-px clock model (24 classes) in a run-like folder, made once per session."""
    import keras

    from core.models.encodings import get_encoding

    folder = tmp_path_factory.mktemp("clock-model")
    encoding = get_encoding("classes-24")
    inputs = keras.Input((75, 75, 1), name="image")
    features = keras.layers.Dense(4)(keras.layers.Flatten()(keras.layers.AveragePooling2D(15)(inputs)))
    keras.Model(inputs, encoding.build_head(features)).save(folder / "model.keras")
    (folder / "config.json").write_text(json.dumps({"encoding": "classes-24"}))
    return folder


def test_the_tiny_model_evaluates_valid_files(clock_model, tmp_path, capsys):
    from core.clocks.dataset import write_assignment_files

    write_assignment_files(tmp_path, *bad_files.valid_arrays())
    assert main(evaluate_args(clock_model, tmp_path)) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["count"] == 6


@pytest.mark.parametrize("case", list(bad_files.CASES))
def test_each_bad_file_gives_one_line_and_a_non_zero_exit(case, clock_model, tmp_path, capsys):
    folder, fragment = bad_files.write_case(case, tmp_path / case)
    assert main(evaluate_args(clock_model, folder)) == USAGE_ERROR
    captured = capsys.readouterr()
    error = captured.err.strip()
    assert len(error.splitlines()) == 1 and error.startswith("error: ")
    assert fragment in error
    assert "Traceback" not in captured.err and captured.out == ""


def test_every_bad_file_gets_its_own_message(clock_model, tmp_path, capsys):
    messages = set()
    for folder, _ in bad_files.write_all(tmp_path).values():
        main(evaluate_args(clock_model, folder))
        messages.add(capsys.readouterr().err.strip())
    assert len(messages) == len(bad_files.CASES)


def test_a_missing_images_file_is_named(clock_model, tmp_path, capsys):
    assert main(evaluate_args(clock_model, tmp_path)) == USAGE_ERROR
    error = capsys.readouterr().err
    assert "images file not found" in error and str(tmp_path / "images.npy") in error


def test_every_bad_file_is_refused_before_tensorflow_is_imported(clock_model, tmp_path):
    cases = bad_files.write_all(tmp_path)
    results = run_main_in_child([evaluate_args(clock_model, folder) for folder, _ in cases.values()])
    for (_, fragment), result in zip(cases.values(), results, strict=True):
        assert result["code"] == USAGE_ERROR and result["out"] == "", result
        assert len(result["err"].splitlines()) == 1 and fragment in result["err"], result
        assert not result["tensorflow"] and not result["keras"], result
