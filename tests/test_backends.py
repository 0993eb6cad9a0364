"""The same core code trains under other Keras backends (how a GPU box without TensorFlow trains), and the inside
view and the replay read a model the same under every backend: a run trained under JAX a moment ago and a pretrained
model give the same layer strip, answer, first-layer tiles and replay under jax, torch and tensorflow. Each check runs
in its own process, since Keras picks its backend once."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.storage.paths import pretrained_dir

REPO = Path(__file__).resolve().parent.parent
PRETRAINED = ("mnist_mlp", "mnist_cnn")

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


INSIDE = """
import json, sys
import keras
import numpy as np
from core.data.datasets import load_dataset
from core.evaluation import activations
from core.evaluation import replay_views as views
from core.models.saved import load_model_file
from core.runs.replay import load_replay

folders = json.loads(sys.argv[1])
if sys.argv[2]:
    from core.runs.training import run_config
    from tests.conftest import tiny_config
    info = run_config(tiny_config(epochs=2, model__hidden=[16]), root=sys.argv[2])
    folders["fresh"] = str(info.path)
digit = load_dataset("mnist", "embedded").x_test[0]
seen = {}
for name, folder in folders.items():
    model = load_model_file(folder)
    outputs = activations.layer_outputs(activations.build_probe(model), digit)
    tiles = activations.dense_weight_tiles(model, 8)
    filters = activations.conv_filters(model)
    replay = load_replay(folder)
    seen[name] = {
        "strip": [layer.name for layer in activations.strip_layers(outputs)],
        "answer": activations.output_dict(outputs)["label"][0].tolist(),
        "weights": float(np.abs((tiles if tiles is not None else filters)[0]).sum()),
        "replay": views.first_layer_tiles(replay, len(replay) - 1) is not None if replay is not None else None,
    }
print(json.dumps({"backend": keras.backend.backend(), "folders": folders, "seen": seen}))
"""


def python_under(backend: str, script: str, *args: str, **env: str) -> dict:
    """Run `script` with `args` in a fresh process under KERAS_BACKEND=backend; the JSON of its last output line."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env={**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["backend"] == backend
    return found


def run_under(backend: str, config: dict, tmp_path: Path) -> dict:
    return python_under(
        backend, SMOKE, json.dumps(config), str(tmp_path / "runs"), CLOCKWORK_CACHE=str(tmp_path / "cache")
    )


def inside_under(backend: str, folders: dict[str, str], train_root: Path | None = None) -> dict:
    """INSIDE under `backend` (training a fresh run first when given a root)."""
    return python_under(backend, INSIDE, json.dumps(folders), str(train_root or ""))


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


@pytest.mark.slow
@pytest.mark.skipif(
    any(importlib.util.find_spec(module) is None for module in ("jax", "torch")), reason="needs JAX and PyTorch"
)
def test_a_fresh_jax_run_and_pretrained_models_look_the_same_inside_on_every_backend(tmp_path):
    pretrained = {name: str(pretrained_dir() / name) for name in PRETRAINED}
    under_jax = inside_under("jax", pretrained, train_root=tmp_path / "runs")
    assert set(under_jax["seen"]) == {*PRETRAINED, "fresh"}
    assert under_jax["seen"]["fresh"]["replay"] and under_jax["seen"]["mnist_mlp"]["replay"]
    for backend in ("torch", "tensorflow"):
        other = inside_under(backend, under_jax["folders"])["seen"]
        for name, seen in under_jax["seen"].items():
            assert other[name]["strip"] == seen["strip"] and other[name]["replay"] == seen["replay"], (backend, name)
            np.testing.assert_allclose(other[name]["answer"], seen["answer"], atol=1e-4, err_msg=f"{backend} {name}")
            assert other[name]["weights"] == pytest.approx(seen["weights"], rel=1e-6), (backend, name)
