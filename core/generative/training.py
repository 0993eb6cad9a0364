"""The epoch loop of a CAE, VAE or GAN run, reporting through the run machinery's progress tracker.

Every model trains batch by batch: an autoencoder with `train_on_batch`, a GAN with its fused duel step
(core.generative.duel), so one loop serves all three on every Keras backend. After each epoch the loop writes
`samples.npz` (64 images from a fixed noise, or reconstructions of 64 fixed test images for a CAE), so a live view
can watch the images improve. A GAN whose
discriminator wins every duel for a whole epoch ends as failed, as does any NaN loss; both keep their history and
samples. A finished run saves model.keras, scores itself (core.generative.score) and writes metrics.json and
evaluation.npz.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from core.config import RunConfig
from core.generative import models, sampling

SAMPLES_FILE = "samples.npz"  # the run's sample grids by epoch
SNAPSHOT_COUNT = 64  # images per samples.npz snapshot
MAX_SNAPSHOTS = 16  # grids samples.npz keeps (long runs keep every 2nd, 4th, ... epoch and the latest)
COLLAPSE_LEVEL = 0.01  # a GAN epoch whose mean d_loss and d_fake both stay below this: the discriminator has won
COLLAPSE_REASON = (
    "the GAN collapsed at epoch {epoch}: the discriminator rejected every generated image for the whole epoch "
    "(d_loss {d_loss:.4f}, d_fake {d_fake:.4f}), so the generator gets no useful gradient; lower the learning "
    "rate, or use a smaller discriminator"
)


def _unit_batch(images: np.ndarray) -> np.ndarray:
    return (np.asarray(images, np.float32) / 255.0)[..., None]


class AutoencoderTrainer:
    """A CAE (MSE per pixel) or a VAE (summed BCE + KL) trained on images that are their own targets."""

    def __init__(self, config: RunConfig, steps_per_epoch: int, fixed_images: np.ndarray) -> None:
        self.kind, self.latent_dim = config.model.kind, config.model.latent_dim
        self.model = models.build_autoencoder(config)
        models.compile_autoencoder(self.model, config, steps_per_epoch)
        self.fixed = _unit_batch(fixed_images)  # CAE snapshots: these test images, reconstructed
        self.fixed_noise = sampling.noise(SNAPSHOT_COUNT, self.latent_dim, config.seed)  # VAE snapshots: samples

    def _targets(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        targets = {"reconstruction": batch}
        if self.kind == "vae":
            targets["kl"] = np.zeros((len(batch), 2 * self.latent_dim), np.float32)  # unused by the KL loss
        return targets

    @staticmethod
    def _renamed(logs: dict[str, Any], prefix: str = "") -> dict[str, float]:
        names = {"loss": "loss", "reconstruction_loss": "reconstruction", "kl_loss": "kl"}
        renamed = {prefix + names[key]: float(value) for key, value in logs.items() if key in names}
        if prefix + "reconstruction" not in renamed and prefix + "loss" in renamed:  # a CAE: the loss is its MSE
            renamed[prefix + "reconstruction"] = renamed[prefix + "loss"]
        return renamed

    def train_batch(self, batch: np.ndarray, labels: np.ndarray) -> dict[str, float]:
        """One optimizer step on a float batch [B, 28, 28, 1] in 0..1 (its labels unused); the batch's losses."""
        return self._renamed(self.model.train_on_batch(batch, self._targets(batch), return_dict=True))

    def validation_logs(self, images: np.ndarray) -> dict[str, float]:
        """val_loss, val_reconstruction (and val_kl) on the validation images."""
        if not len(images):
            return {}
        batch = _unit_batch(images)
        logs = self.model.evaluate(batch, self._targets(batch), batch_size=256, verbose=0, return_dict=True)
        return self._renamed(logs, "val_")

    def snapshot(self) -> np.ndarray:
        """uint8 [64, 28, 28]: the fixed test images reconstructed (CAE) or decoded fixed noise (VAE)."""
        if self.kind == "cae":
            return sampling.to_uint8(sampling.predict(self.model, self.fixed)["reconstruction"])
        return sampling.to_uint8(sampling.predict(self.model.get_layer(models.DECODER), self.fixed_noise))

    def problem(self, epoch: int, logs: dict[str, float]) -> str:
        return ""

    @property
    def saved(self) -> Any:
        return self.model


class GanTrainer:
    """A DCGAN: each step trains the discriminator on a real and a generated batch, then the generator through the
    discriminator (labels 'real'; only the generator's weights move), so it learns whatever fools the discriminator.
    A conditional one draws each generated image for a random class, and both players see the classes."""

    def __init__(self, config: RunConfig, steps_per_epoch: int) -> None:
        from core.generative.duel import duel_step

        self.latent_dim, self.conditional = config.model.latent_dim, config.model.conditional
        self.classes = sampling.class_count(config.data.dataset)
        self.generator, self.discriminator, self.pair = models.build_gan(config)
        self.step = duel_step(
            self.generator,
            self.discriminator,
            models.gan_optimizer(config, steps_per_epoch),
            models.gan_optimizer(config, steps_per_epoch),
        )
        self.rng = np.random.default_rng(config.seed + 1)  # training noise; the snapshots' is fixed below
        self.fixed_noise = sampling.noise(SNAPSHOT_COUNT, self.latent_dim, config.seed)
        self.fixed_classes = sampling.class_cycle(SNAPSHOT_COUNT, self.classes) if self.conditional else None

    def train_batch(self, batch: np.ndarray, labels: np.ndarray) -> dict[str, float]:
        """One duel on a float batch [B, 28, 28, 1] in 0..1 and its labels: d_loss, g_loss, d_real, d_fake."""
        real = [batch, np.asarray(labels, np.int32)] if self.conditional else [batch]
        logs = self.step(real, self._noise(len(batch)), self._noise(len(batch)))
        return {"loss": logs["d_loss"] + logs["g_loss"], **logs}

    def _noise(self, size: int) -> list[np.ndarray]:
        """The generator's inputs for `size` images: noise, and a random class for each when conditional."""
        noise = self.rng.standard_normal((size, self.latent_dim)).astype(np.float32)
        if not self.conditional:
            return [noise]
        return [noise, self.rng.integers(0, self.classes, size).astype(np.int32)]

    def validation_logs(self, images: np.ndarray) -> dict[str, float]:
        return {}

    def snapshot(self) -> np.ndarray:
        """uint8 [64, 28, 28]: the generator's images for the fixed noise (and classes 0, 1, ... 9, 0, ...)."""
        inputs = self.fixed_noise if self.fixed_classes is None else [self.fixed_noise, self.fixed_classes]
        return sampling.to_uint8(sampling.predict(self.generator, inputs))

    def problem(self, epoch: int, logs: dict[str, float]) -> str:
        """The collapse reason when the discriminator won the whole epoch, else ''."""
        if logs.get("d_loss", 1.0) < COLLAPSE_LEVEL and logs.get("d_fake", 1.0) < COLLAPSE_LEVEL:
            return COLLAPSE_REASON.format(epoch=epoch, d_loss=logs["d_loss"], d_fake=logs["d_fake"])
        return ""

    @property
    def saved(self) -> Any:
        return self.pair


class Snapshots:
    """samples.npz, rewritten atomically after every epoch: epochs [E] (0 = untrained), samples uint8 [E, 64, 28, 28].

    At most MAX_SNAPSHOTS grids are kept, so long runs stay small: every stride-th epoch (the stride doubles when
    the file would grow past the limit) and always the latest epoch."""

    def __init__(self, run_dir: Path) -> None:
        self.path, self.epochs, self.samples, self.stride = run_dir / SAMPLES_FILE, [], [], 1

    def add(self, epoch: int, images: np.ndarray) -> None:
        from core.storage.atomic import save_npz

        if self.epochs and self.epochs[-1] % self.stride:  # kept only as the latest until now
            self.epochs.pop()
            self.samples.pop()
        self.epochs.append(epoch)
        self.samples.append(images)
        while len(self.epochs) > MAX_SNAPSHOTS:
            self.stride *= 2
            keep = [i for i, kept in enumerate(self.epochs) if kept % self.stride == 0 or kept == epoch]
            self.epochs, self.samples = [self.epochs[i] for i in keep], [self.samples[i] for i in keep]
        save_npz(self.path, epochs=np.asarray(self.epochs, np.int64), samples=np.stack(self.samples))


def _mean_logs(sums: dict[str, float], count: int) -> dict[str, float]:
    return {key: value / count for key, value in sums.items()} if count else {}


def fit_generative(run_dir: Path, config: RunConfig, tracker: Any) -> tuple[str, str]:
    """Train, snapshot, save and score a generative run; returns its final (state, reason) for the tracker."""
    from core.data.datasets import load_run_data
    from core.generative.score import write_evaluation
    from core.models.build import count_params
    from core.runs.classroom import check_batch_size
    from core.runs.training import NAN_ADVICE, cost_metrics, save_model, split_validation
    from core.storage.atomic import write_json

    data = load_run_data(config.data)
    train_idx, val_idx = split_validation(data.y_train, config.data.validation_split, config.seed)
    x_train, x_val, y_train = data.x_train[train_idx], data.x_train[val_idx], data.y_train[train_idx]
    check_batch_size(config, len(x_train))
    steps = math.ceil(len(x_train) / config.batch_size)
    if config.model.kind == "gan":
        trainer: Any = GanTrainer(config, steps)
    else:
        trainer = AutoencoderTrainer(config, steps, data.x_test[:SNAPSHOT_COUNT])
    tracker.train_count, tracker.batches = len(x_train), steps
    tracker._emit(
        "start",
        {},
        f"{data.description}; {len(x_train):,} train / {len(x_val):,} validation images; "
        f"{count_params(trainer.saved):,} parameters",
    )
    snapshots = Snapshots(run_dir)
    snapshots.add(0, trainer.snapshot())
    rng = np.random.default_rng(config.seed)
    tracker.fit_started(steps)
    fit_start = time.monotonic()
    for epoch in range(1, config.epochs + 1):
        tracker.epoch_started(epoch)
        order, sums, done = rng.permutation(len(x_train)), defaultdict(float), 0
        for batch in range(steps):
            if tracker.should_stop_now():
                break
            chosen = order[batch * config.batch_size :][: config.batch_size]
            logs = trainer.train_batch(_unit_batch(x_train[chosen]), y_train[chosen])
            if tracker.batch_ended(batch + 1, logs):
                break
            for key, value in logs.items():
                sums[key] += value
            done += 1
        stopping = tracker.outcome.cancelled or tracker.outcome.nan_at
        logs = {**_mean_logs(sums, done), **({} if stopping else trainer.validation_logs(x_val))}
        tracker.epoch_ended(trainer.saved, logs)
        if tracker.outcome.nan_at:
            break
        snapshots.add(epoch, trainer.snapshot())
        problem = trainer.problem(epoch, logs)
        if problem:
            return "failed", problem
        if tracker.outcome.cancelled:
            break
    train_time = time.monotonic() - fit_start
    if tracker.outcome.nan_at:
        tracker.write()
        epoch, batch = tracker.outcome.nan_at
        return "failed", f"the loss became NaN or infinite at epoch {epoch}, batch {batch}: {NAN_ADVICE}"
    save_model(trainer.saved, run_dir)
    metrics = write_evaluation(run_dir)
    metrics.update(cost_metrics(trainer.saved, tracker, data, train_time))
    write_json(run_dir / "metrics.json", metrics)
    if tracker.outcome.cancelled:
        return "cancelled", "cancelled by request"
    return "done", ""
