"""A generative run goes through the run machinery: artefacts every epoch, progress events, clear failures."""

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from core.config import ConfigError
from core.data.datasets import load_dataset
from core.evaluation.metrics import load_evaluation
from core.generative.training import GanTrainer
from core.runs.training import run_config
from tests.generative_support import tiny_generative_config, train_tiny


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("generative-training")
    return {kind: train_tiny(kind, root) for kind in ("cae", "vae", "gan")}


def read(path, name):
    return json.loads((path / name).read_text())


def test_every_run_keeps_a_sample_grid_per_epoch_from_the_untrained_model_on(runs):
    for path in runs.values():
        with np.load(path / "samples.npz") as samples:
            assert samples["epochs"].tolist() == [0, 1]
            assert samples["samples"].shape == (2, 64, 28, 28) and samples["samples"].dtype == np.uint8


def test_history_epochs_carry_each_kinds_losses(runs):
    expected = {
        "cae": {"loss", "reconstruction", "val_loss", "val_reconstruction"},
        "vae": {"loss", "reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl"},
        "gan": {"loss", "d_loss", "g_loss", "d_real", "d_fake"},
    }
    for kind, keys in expected.items():
        (epoch,) = read(runs[kind], "history.json")["epochs"]
        assert keys <= set(epoch), kind
        assert all(math.isfinite(epoch[key]) for key in keys)
    (gan,) = read(runs["gan"], "history.json")["epochs"]
    assert 0 <= gan["d_fake"] <= 1 and 0 <= gan["d_real"] <= 1


def test_metrics_hold_the_score_and_the_autoencoders_reconstruction_error(runs):
    for kind, path in runs.items():
        metrics = read(path, "metrics.json")
        assert read(path, "status.json")["state"] == "done"
        assert 1.0 <= metrics["classifier_score"] <= 10.0
        assert len(metrics["class_histogram"]) == 10 and sum(metrics["class_histogram"]) == pytest.approx(1.0)
        assert metrics["epochs_run"] == 1 and metrics["params"] > 0 and metrics["train_time_s"] > 0
        assert ("reconstruction_mse" in metrics) == (kind != "gan")
    assert 0 < read(runs["cae"], "metrics.json")["reconstruction_mse"] < 1


def test_evaluation_keeps_originals_reconstructions_and_uint8_samples(runs):
    cae, vae, gan = (load_evaluation(runs[kind] / "evaluation.npz") for kind in ("cae", "vae", "gan"))
    assert set(cae) == {"originals", "reconstructions"}
    assert cae["originals"].shape == cae["reconstructions"].shape == (32, 28, 28)
    assert set(vae) == {"originals", "reconstructions", "samples"}
    assert set(gan) == {"samples"} and gan["samples"].shape == (1000, 28, 28) and gan["samples"].dtype == np.uint8


def test_rescoring_a_gan_scores_its_samples_again_and_rewrites_its_evaluation(runs):
    from core.runs.training import rescore

    before = read(runs["gan"], "metrics.json")
    (runs["gan"] / "evaluation.npz").unlink()
    metrics = rescore(runs["gan"])
    assert metrics["classifier_score"] == pytest.approx(before["classifier_score"])
    assert metrics["train_time_s"] == before["train_time_s"]
    assert load_evaluation(runs["gan"] / "evaluation.npz")["samples"].dtype == np.uint8


def test_a_run_reports_start_epoch_and_end_events(runs_root):
    kinds = []
    run_config(tiny_generative_config("vae"), root=runs_root, on_event=lambda event: kinds.append(event.kind))
    assert kinds[0] == "start" and "epoch" in kinds and kinds[-1] == "end"


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"model__latent_dim": 1}, "model.latent_dim"),
        ({"model__latent_dim": 129}, "model.latent_dim"),
        ({"optimizer__learning_rate": 0.1}, "optimizer.learning_rate"),
        ({"data__limit_train": 50}, "data.limit_train"),
        ({"encoding": "labels"}, "encoding"),
        ({"data__permuted": True}, "data.permuted"),
        ({"model__conv_filters": [8]}, "model.conv_filters"),
    ],
)
def test_out_of_range_generative_settings_are_refused_naming_the_key(override, key):
    with pytest.raises(ConfigError, match=f"^config key '{key}' must "):
        tiny_generative_config("gan", **override)


def test_a_generative_model_needs_mnist_or_fashion():
    with pytest.raises(ConfigError, match="'data.dataset' must be mnist or fashion-mnist for a generative model"):
        tiny_generative_config("vae", data__dataset="clocks")


def duel(logs_per_batch):
    """A GanTrainer.train_batch stand-in that returns the given logs batch after batch."""
    batches = iter(logs_per_batch)

    def train_batch(self, batch, labels):
        return next(batches)

    return train_batch


def test_a_nan_loss_ends_a_gan_run_as_failed_keeping_history_and_samples(runs_root, monkeypatch):
    healthy = {"loss": 1.4, "d_loss": 0.7, "g_loss": 0.7, "d_real": 0.5, "d_fake": 0.5}
    monkeypatch.setattr(GanTrainer, "train_batch", duel([healthy] * 8 + [{**healthy, "loss": float("nan")}]))
    info = run_config(tiny_generative_config("gan", epochs=3), root=runs_root)
    assert info.status["state"] == "failed"
    assert "NaN or infinite at epoch 2, batch 1" in info.status["reason"]
    assert [epoch["epoch"] for epoch in info.history["epochs"]] == [1, 2]
    with np.load(info.path / "samples.npz") as samples:
        assert samples["epochs"].tolist() == [0, 1]
    assert not (info.path / "model.keras").exists()


def test_a_discriminator_that_wins_a_whole_epoch_ends_the_run_as_collapsed(runs_root, monkeypatch):
    won = {"loss": 9.0, "d_loss": 0.001, "g_loss": 9.0, "d_real": 1.0, "d_fake": 0.0005}
    monkeypatch.setattr(GanTrainer, "train_batch", duel([won] * 100))
    info = run_config(tiny_generative_config("gan", epochs=3), root=runs_root)
    assert info.status["state"] == "failed"
    assert info.status["reason"].startswith("the GAN collapsed at epoch 1: the discriminator rejected every")
    assert len(info.history["epochs"]) == 1 and info.history["epochs"][0]["d_fake"] == pytest.approx(0.0005)
    with np.load(info.path / "samples.npz") as samples:
        assert samples["epochs"].tolist() == [0, 1]


OTHER_BACKEND_SMOKE = """
import json, sys
from pathlib import Path
import keras
from core.generative import sampling
from tests.generative_support import train_tiny
shapes = {kind: list(sampling.generate(train_tiny(kind, Path(sys.argv[1])), 3).shape) for kind in ("vae", "gan")}
told = train_tiny("gan", Path(sys.argv[1]), model__conditional=True)
shapes["conditional gan"] = list(sampling.generate(told, 3, classes=[7, 7, 1]).shape)
print(json.dumps({"backend": keras.backend.backend(), **shapes}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_a_vae_and_a_gan_train_save_and_sample_under_torch_and_jax(tmp_path, backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    result = subprocess.run(
        [sys.executable, "-c", OTHER_BACKEND_SMOKE, str(tmp_path)],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "backend": backend,
        "vae": [3, 28, 28],
        "gan": [3, 28, 28],
        "conditional gan": [3, 28, 28],
    }


def test_one_duel_step_moves_both_players_and_reports_verdicts_between_0_and_1():
    trainer = GanTrainer(tiny_generative_config("gan"), steps_per_epoch=1)
    digits = load_dataset("mnist", "embedded").x_test[:16, :, :, None] / np.float32(255)
    before = [
        keras.ops.convert_to_numpy(model.trainable_weights[0]) for model in (trainer.discriminator, trainer.generator)
    ]
    logs = trainer.train_batch(digits, np.zeros(16, np.int64))
    after = [
        keras.ops.convert_to_numpy(model.trainable_weights[0]) for model in (trainer.discriminator, trainer.generator)
    ]
    assert all(np.abs(new - old).max() > 0 for new, old in zip(after, before))
    assert 0 <= logs["d_fake"] <= 1 and 0 <= logs["d_real"] <= 1
    assert logs["loss"] == pytest.approx(logs["d_loss"] + logs["g_loss"])


def test_a_conditional_duel_step_shows_both_players_the_classes_and_moves_both():
    trainer = GanTrainer(tiny_generative_config("gan", model__conditional=True), steps_per_epoch=1)
    data = load_dataset("mnist", "embedded")
    before = [keras.ops.convert_to_numpy(trainer.discriminator.get_layer("disc_class").embeddings)]
    before.append(keras.ops.convert_to_numpy(trainer.generator.get_layer("gen_class").embeddings))
    logs = trainer.train_batch(data.x_test[:16, :, :, None] / np.float32(255), data.y_test[:16])
    after = [keras.ops.convert_to_numpy(trainer.discriminator.get_layer("disc_class").embeddings)]
    after.append(keras.ops.convert_to_numpy(trainer.generator.get_layer("gen_class").embeddings))
    assert all(np.abs(new - old).max() > 0 for new, old in zip(after, before))  # each learnt something per class
    assert 0 <= logs["d_fake"] <= 1 and 0 <= logs["d_real"] <= 1


def test_a_conditional_gan_run_scores_how_often_it_draws_the_class_asked_for(tmp_path):
    path = train_tiny("gan", tmp_path, model__conditional=True)
    metrics = read(path, "metrics.json")
    assert 0.0 <= metrics["asked_class_share"] <= 1.0 and metrics["classifier_score"] >= 1.0
    assert "asked_class_share" not in read(train_tiny("gan", tmp_path / "plain"), "metrics.json")
