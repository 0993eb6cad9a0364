"""`python -m core`: each command works end to end, and bad input gives one line and exit status 2."""

import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.cli import filter_startup_lines, main
from tests.bad_files import evaluate_args, valid_arrays, write_case

REPO = Path(__file__).resolve().parent.parent


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_make_clocks_writes_the_assignment_format(tmp_path, capsys):
    assert main(["make-clocks", "--n", "720", "--size", "75", "--difficulty", "easy", "--out", str(tmp_path)]) == 0
    images, labels = np.load(tmp_path / "images.npy"), np.load(tmp_path / "labels.npy")
    assert images.shape == (720, 75, 75) and images.dtype == np.uint8
    assert labels.shape == (720, 2)
    assert len({(h, m) for h, m in labels.tolist()}) == 720
    assert last_json(capsys.readouterr().out)["count"] == 720


def tiny_train_args(runs: Path, hidden: int, limit: int) -> list[str]:
    """`train` arguments for a seconds-long MLP run on the embedded MNIST copy."""
    return [
        *f"train --dataset mnist --source embedded --model mlp --hidden {hidden} --epochs 1".split(),
        *f"--limit-train {limit} --runs".split(),
        str(runs),
        "--quiet",
    ]


def test_train_flags_run_and_print_metrics(tmp_path, capsys):
    code = main(tiny_train_args(tmp_path, hidden=16, limit=256))
    result = last_json(capsys.readouterr().out)
    assert code == 0 and result["state"] == "done"
    assert 0.0 <= result["accuracy"] <= 1.0
    assert (Path(result["path"]) / "model.keras").is_file()


def test_config_with_unknown_key_is_refused_with_the_key(tmp_path, capsys):
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"optimizer": {"lr": 0.1}}))
    assert main(["train", "--config", str(config)]) == 2
    error = capsys.readouterr().err
    assert "optimizer.lr" in error and "Traceback" not in error


def test_evaluate_refuses_a_bad_clock_file_in_one_line(tmp_path, capsys):
    folder, fragment = write_case("float_labels", tmp_path)
    model = tmp_path / "model.keras"
    model.write_bytes(b"not a model")
    assert main(evaluate_args(model, folder)) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error:") and len(error.splitlines()) == 1


def test_evaluate_a_trained_model_on_rendered_clocks(tmp_path, capsys, make_clock_config):
    from core.runs.training import run_config

    info = run_config(make_clock_config("classes-24"), root=tmp_path)
    code = main(["evaluate", "--model", str(info.path), "--render", "1440", "--seed", "3", "--difficulty", "easy"])
    result = last_json(capsys.readouterr().out)
    assert code == 0
    assert result["encoding"] == "classes-24" and result["count"] == 1440
    assert 0 <= result["common_sense_error_mean_min"] <= 360


def test_evaluate_a_classifier_on_its_dataset(tmp_path, capsys, make_config):
    from core.runs.training import run_config

    info = run_config(make_config(), root=tmp_path)
    assert (
        main(["evaluate", "--model", str(info.path / "model.keras"), "--dataset", "mnist", "--source", "embedded"]) == 0
    )
    assert 0.0 <= last_json(capsys.readouterr().out)["accuracy"] <= 1.0


def test_runs_lists_a_finished_run(tmp_path, capsys, make_config):
    from core.runs.training import run_config

    info = run_config(make_config(name="listed"), root=tmp_path)
    capsys.readouterr()
    assert main(["runs", "--runs", str(tmp_path), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["run_id"] for row in rows] == [info.run_id]
    assert rows[0]["state"] == "done"


@pytest.mark.slow
def test_module_entry_point_reports_errors_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "core", "evaluate", "--model", str(tmp_path / "missing.keras"), "--dataset", "mnist"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "model file not found" in result.stderr and "Traceback" not in result.stderr


def test_contact_sheet_writes_a_png_of_captioned_clocks(tmp_path, capsys):
    out = tmp_path / "sheet.png"
    assert main(["contact-sheet", "--difficulty", "hard", "--count", "4", "--size", "75", "--out", str(out)]) == 0
    from PIL import Image

    with Image.open(out) as image:
        assert image.format == "PNG" and image.width == 4 * 79
    assert last_json(capsys.readouterr().out)["count"] == 4


# ---------------------------------------------------------------------------------------------
# Fast and quiet: user errors are found before TensorFlow is imported; TensorFlow's start-up lines never show.

# Runs core.cli.main in a fresh process for each argv in turn and reports, after each, its exit status, what it
# printed, and whether TensorFlow or Keras had been imported by then (this process has imported them already).
_CHILD = r"""
import contextlib, io, json, sys
from core.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    results.append({"argv": argv, "code": code, "out": out.getvalue(), "err": err.getvalue(),
                    "tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules})
print(json.dumps(results))
"""


def user_env(**extra: str) -> dict[str, str]:
    """The environment of a user who set none of TensorFlow's logging variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TF_CPP_", "TF_ENABLE_ONEDNN"))}
    return {**env, **extra}


def run_python(*args: str) -> subprocess.CompletedProcess:
    """This repository's Python on `args`, as a user would start it (user environment, output captured)."""
    result = subprocess.run(
        [sys.executable, *args], cwd=REPO, env=user_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result


def run_main_in_child(argvs: list[list[str]]) -> list[dict]:
    result = run_python("-c", _CHILD, json.dumps(argvs))
    return json.loads(result.stdout.strip().splitlines()[-1])


def fake_clock_model(folder: Path) -> Path:
    """A run-like folder whose model.keras is a zip archive (all the checks before loading look at) and
    whose config.json names a clock encoding: enough for every refusal that comes before Keras."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / "model.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    (folder / "config.json").write_text(json.dumps({"encoding": "sincos"}))
    return folder


def bad_clock_folder(folder: Path, kind: str) -> Path:
    """images.npy that is random bytes or a pickle, beside a valid labels.npy."""
    folder.mkdir(parents=True, exist_ok=True)
    images = os.urandom(4096) if kind == "random" else pickle.dumps({"images": [1, 2, 3]})
    (folder / "images.npy").write_bytes(images)
    np.save(folder / "labels.npy", valid_arrays()[1])
    return folder


@pytest.mark.parametrize(("kind", "message"), [("random", "is not an .npy file"), ("pickle", "is a Python pickle")])
def test_a_bad_clock_file_gives_exactly_one_stderr_line_and_status_2(tmp_path, kind, message):
    folder = bad_clock_folder(tmp_path, kind)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "evaluate",
            "--model",
            str(REPO / "pretrained/clock_sincos"),
            "--images",
            str(folder / "images.npy"),
            "--labels",
            str(folder / "labels.npy"),
        ],
        cwd=REPO,
        env=user_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: images file images.npy ") and message in result.stderr


def test_every_command_refuses_bad_input_before_importing_tensorflow(tmp_path):
    model = fake_clock_model(tmp_path / "model")
    bad = bad_clock_folder(tmp_path / "bad", "random")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    (tmp_path / "foreign.keras").write_bytes(b"not a zip either")
    evaluate = ["evaluate", "--model", str(model)]
    cases = {
        "is not an .npy file": evaluate + ["--images", str(bad / "images.npy"), "--labels", str(bad / "labels.npy")],
        "model file not found": ["evaluate", "--model", str(tmp_path / "none.keras"), "--dataset", "mnist"],
        "not a Keras model archive": ["evaluate", "--model", str(tmp_path / "foreign.keras"), "--dataset", "mnist"],
        "--render needs a positive number": evaluate + ["--render", "0"],
        "this is a clock model": evaluate + ["--dataset", "mnist", "--source", "embedded"],
        "name the data": evaluate,
        "needs both --images and --labels": evaluate + ["--images", str(bad / "images.npy")],
        "config file not found": ["train", "--config", str(tmp_path / "none.json")],
        "config key 'epochs'": ["train", "--dataset", "mnist", "--epochs", "0"],
        "data.clock_max_turn": ["train", "--dataset", "clocks", "--model", "clock_cnn", "--clock-max-turn", "200"],
        "images file images.npy is not an .npy file": [
            "train",
            "--dataset",
            "clocks",
            "--source",
            "path",
            "--path",
            str(bad),
        ],
        "bad.npz is not an .npz file": [
            "train",
            "--dataset",
            "mnist",
            "--source",
            "path",
            "--path",
            str(tmp_path / "bad.npz"),
        ],
        "--n must be at least 1": ["make-clocks", "--n", "0", "--out", str(tmp_path / "clocks")],
        "--count must be between": ["contact-sheet", "--count", "0", "--out", str(tmp_path / "sheet.png")],
        "unknown recipe 'nope'": ["pretrain", "--only", "nope"],
        "--data-source must be one of": ["pretrain", "--data-source", "nowhere"],
        "mnist_mlp is not installed in": ["pretrain", "--only", "mnist_mlp", "--rescore", "--out", str(tmp_path)],
        "not a run folder": ["run-one", str(tmp_path / "no-run")],
    }
    results = run_main_in_child(list(cases.values()))
    for fragment, result in zip(cases, results, strict=True):
        assert result["code"] == 2, result
        assert result["out"] == "" and len(result["err"].splitlines()) == 1, result
        assert result["err"].startswith("error: ") and fragment in result["err"], result
        assert not result["tensorflow"] and not result["keras"], result


def test_listing_commands_never_import_tensorflow(tmp_path):
    results = run_main_in_child([["runs", "--runs", str(tmp_path), "--json"], ["pretrain", "--list"]])
    assert [result["code"] for result in results] == [0, 0]
    assert not any(result["tensorflow"] or result["keras"] for result in results)
    assert all(result["err"] == "" for result in results)


# What `import tensorflow` printed with TensorFlow 2.21 on a machine without a GPU, TF_CPP_MIN_LOG_LEVEL=3 or not.
STARTUP = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796053705.912656    5963 port.cc:153] oneDNN custom operations are on. You may see slightly different \
numerical results. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
I0000 00:00:1796053705.912973    5963 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
I0000 00:00:1796053712.406031    6741 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available \
CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate \
compiler flags.
2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] Could not find cuda drivers on your \
machine, GPU will not be used.
"""


def test_startup_lines_are_filtered_by_the_log_level():
    warning = "/x/site-packages/google/protobuf/runtime_version.py:98: UserWarning: Protobuf gencode is older\n"
    error = "E0000 00:00:1758131045.203198 3722035 cuda_dnn.cc:8579] Unable to register cuDNN factory\n"
    assert filter_startup_lines(STARTUP, 3) == ""
    assert filter_startup_lines(STARTUP, 1) == ""
    assert filter_startup_lines(STARTUP, 0) == STARTUP  # a user's TF_CPP_MIN_LOG_LEVEL=0
    assert filter_startup_lines(STARTUP + warning + STARTUP, 3) == warning  # not TensorFlow's: kept
    assert filter_startup_lines(STARTUP + error, 2) == error
    assert filter_startup_lines(STARTUP + error, 3) == ""
    assert filter_startup_lines("plain text\n", 3) == "plain text\n"


@pytest.mark.slow
def test_a_command_that_imports_tensorflow_prints_nothing_on_stderr(tmp_path):
    result = run_python("-m", "core", *tiny_train_args(tmp_path, hidden=8, limit=128))
    assert result.stderr == ""
    assert last_json(result.stdout)["state"] == "done"
