"""The same core code trains under other Keras backends (how a GPU box without TensorFlow trains)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SMOKE = """
import json, sys
from core.config import RunConfig
from core.runs.training import run_config
from core.models.saved import load_model_file
import keras
config = RunConfig.from_dict(json.loads(sys.argv[1]))
info = run_config(config, root=sys.argv[2])
model = load_model_file(info.path)
print(json.dumps({"backend": keras.backend.backend(), "state": info.status["state"],
                  "reason": info.status.get("reason", ""), "metrics": info.metrics,
                  "outputs": list(model.output_names)}))
"""


def run_under(backend: str, config: dict, tmp_path: Path) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "CLOCKWORK_CACHE": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", SMOKE, json.dumps(config), str(tmp_path / "runs")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="PyTorch is not installed (CI installs torch==2.13.0)"
)
def test_a_clock_run_trains_and_saves_under_torch(tmp_path):
    config = {
        "data": {"dataset": "clocks", "clock_count": 1440, "clock_size": 75, "clock_difficulty": "easy"},
        "model": {"kind": "clock_cnn", "preset": "compact"},
        "encoding": "sincos",
        "epochs": 1,
        "batch_size": 64,
    }
    result = run_under("torch", config, tmp_path)
    assert result["backend"] == "torch"
    assert result["state"] == "done", result["reason"]
    assert result["outputs"] == ["sincos"]
    assert 0 <= result["metrics"]["common_sense_error_mean_min"] <= 360


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
def test_an_mlp_run_trains_under_jax(tmp_path):
    config = {
        "data": {"dataset": "mnist", "source": "embedded", "limit_train": 256},
        "model": {"kind": "mlp", "hidden": [16]},
        "epochs": 1,
    }
    result = run_under("jax", config, tmp_path)
    assert result["backend"] == "jax" and result["state"] == "done", result["reason"]
