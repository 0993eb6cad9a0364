"""The inside view and the replay read a model the same under every Keras backend: a run trained under JAX a moment
ago and a pretrained model give the same layer strip, answer, first-layer tiles and replay under jax, torch and
tensorflow (each in its own process, since Keras picks its backend once)."""

from __future__ import annotations

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


def inside_under(backend: str, folders: dict[str, str], train_root: Path | None = None) -> dict:
    """Run INSIDE in a fresh process with KERAS_BACKEND=backend (training a fresh run first when given a root)."""
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", INSIDE, json.dumps(folders), str(train_root or "")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["backend"] == backend
    return found


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
