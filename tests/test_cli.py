"""`python -m core`: each command works end to end, and bad input gives one line and exit status 2."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from tests.bad_files import write_case

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


def test_train_flags_run_and_print_metrics(tmp_path, capsys):
    code = main(["train", "--dataset", "mnist", "--source", "embedded", "--model", "mlp", "--hidden", "16",
                 "--epochs", "1", "--limit-train", "256", "--runs", str(tmp_path), "--quiet"])
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
    assert main(["evaluate", "--model", str(model), "--images", str(folder / "images.npy"),
                 "--labels", str(folder / "labels.npy")]) == 2
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
    assert main(["evaluate", "--model", str(info.path / "model.keras"), "--dataset", "mnist", "--source", "embedded"]) == 0
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
    result = subprocess.run([sys.executable, "-m", "core", "evaluate", "--model", str(tmp_path / "missing.keras"),
                             "--dataset", "mnist"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "model file not found" in result.stderr and "Traceback" not in result.stderr


def test_contact_sheet_writes_a_png_of_captioned_clocks(tmp_path, capsys):
    out = tmp_path / "sheet.png"
    assert main(["contact-sheet", "--difficulty", "hard", "--count", "4", "--size", "75", "--out", str(out)]) == 0
    from PIL import Image

    with Image.open(out) as image:
        assert image.format == "PNG" and image.width == 4 * 79
    assert last_json(capsys.readouterr().out)["count"] == 4
