"""`python -m core train / evaluate` with generative models: flags, the score as JSON, one-line refusals."""

import json
from pathlib import Path

import pytest

from core.cli import main


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def train_args(runs: Path, kind: str, preset: str, *extra: str) -> list[str]:
    """`train` arguments for a seconds-long generative run on 256 embedded MNIST images."""
    return [
        *f"train --dataset mnist --source embedded --model {kind} --preset {preset} --epochs 1".split(),
        *["--limit-train", "256", "--batch-size", "32", "--latent-dim", "8", "--quiet", "--runs"],
        str(runs),
        *extra,
    ]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """{"cae": run folder, "gan": run folder}, each trained through the CLI."""
    runs = tmp_path_factory.mktemp("cli-runs")
    folders = {}
    for kind, preset in (("cae", "compact"), ("gan", "dcgan")):
        assert main(train_args(runs, kind, preset)) == 0
        folders[kind] = Path(max(runs.iterdir(), key=lambda path: path.stat().st_mtime))
    return folders


def test_train_picks_the_generative_encoding_and_records_the_latent_size(trained):
    for folder in trained.values():
        config = json.loads((folder / "config.json").read_text())
        assert config["encoding"] == "generative" and config["model"]["latent_dim"] == 8


def test_evaluate_prints_an_autoencoders_score_and_reconstruction_error(trained, capsys):
    assert main(["evaluate", "--model", str(trained["cae"])]) == 0
    result = last_json(capsys.readouterr().out)
    assert {"classifier_score", "class_histogram", "reconstruction_mse"} <= set(result)
    assert len(result["class_histogram"]) == 10 and 0 < result["reconstruction_mse"] < 1


def test_evaluate_prints_a_gans_score_of_its_samples(trained, capsys):
    assert main(["evaluate", "--model", str(trained["gan"] / "model.keras")]) == 0
    result = last_json(capsys.readouterr().out)
    assert 1.0 <= result["classifier_score"] <= 10.0 and "reconstruction_mse" not in result
    assert result["scored_on"] == "1,000 generated samples"


def test_evaluate_refuses_data_flags_for_a_generative_model_in_one_line(trained, capsys):
    assert main(["evaluate", "--model", str(trained["gan"]), "--dataset", "mnist"]) == 2
    error = capsys.readouterr().err
    assert "scored on its own samples" in error and len(error.strip().splitlines()) == 1


def test_train_refuses_an_out_of_range_latent_size_in_one_line(tmp_path, capsys):
    assert main(train_args(tmp_path, "vae", "compact", "--latent-dim", "500")) == 2
    error = capsys.readouterr().err
    assert "'model.latent_dim' must be between 2 and 128" in error and "Traceback" not in error
