"""What the app trains on and roughly how long a run will take, found without importing TensorFlow.

The training speeds below are rough CPU figures (images per second through fit, forward and backward)
measured on the 2-core development machine with batch size 64; a GPU is taken as about 10x faster.
They are meant for "about 2 min" in the Train panel, not for benchmarks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from typing import Any

import numpy as np

from core.clocks.dataset import TEST_FRACTION
from core.config import RunConfig

# Rough CPU training speed (images/s) per model family, 2-core machine, batch 64.
CPU_IMAGES_PER_S = {
    "mlp": 20_000.0,
    "cnn_compact": 2_500.0,  # the compact 28x28 CNN, and custom CNNs
    "cnn_reference": 600.0,  # the reference 28x28 CNN (64-128-256 filters, two convs per block)
    "clock_polar": 150.0,  # the polar clock CNN (its polar grid is the same size for either input size)
    "clock_polar_dial": 50.0,  # the polar CNN that finds the dial first: 49.1 measured in clock_sincos's last stage
    # (36,000 'mixed' clocks at 150 px, 1 December); the frozen finder and a per-image grid cost two thirds
    "clock_plain": 100.0,  # the plain clock CNN at 150 px (75 px after its strided first convolution): 99.7 measured
    # in clock_plain_sincos's last stage (18,000 clocks, 1 December)
    # the generative sidebar runs (core.generative.runs, 8,000 images; bench/bench_generative.py, 1 December): their
    # wall times imply about CAE 10,000, VAE 4,800 (batch 32) and GAN 1,100 images/s here; a little under, for busy cores
    "cae": 8_000.0,
    "vae": 4_000.0,
    "gan": 1_000.0,  # one duel step per batch: the discriminator, then the generator
}
RENDER_S_PER_IMAGE = 0.0015  # rendering one 150-px clock on one core (bench/RESULTS.md); scales with pixels
GPU_SPEEDUP = 10.0
STARTUP_S = 8.0  # worker child start: importing TensorFlow, loading data, building the model
EVALUATION_SHARE = 0.15  # validation and test passes, as a share of one epoch's training time
LONG_RUN_S = 300.0
# Training images per dataset and resolved source (see core/datasets.py and core/data/README.md).
TRAIN_SIZES = {
    ("mnist", "keras"): 60_000,
    ("mnist", "shared"): 8_000,
    ("mnist", "embedded"): 8_000,
    ("fashion-mnist", "keras"): 60_000,
    ("fashion-mnist", "shared"): 60_000,
    ("fashion-mnist", "embedded"): 18_000,
    ("cifar10", "keras"): 50_000,
    ("cifar10", "shared"): 50_000,
}


def gpu_name(timeout_s: float = 2.0) -> str | None:
    """The first GPU's name from nvidia-smi, or None when there is no nvidia-smi or it fails."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        result = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    names = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    return names[0] if names else None


def describe_device() -> dict[str, Any]:
    """The Keras backend, the device a run would use ("CPU" or the GPU's name) and the CPU count."""
    return {
        "backend": os.environ.get("KERAS_BACKEND") or "tensorflow",
        "device": gpu_name() or "CPU",
        "cpu_count": os.cpu_count() or 1,
    }


def _model_family(config: RunConfig) -> str:
    kind = config.model.kind
    if kind == "cnn":
        return "cnn_reference" if config.model.preset == "reference" else "cnn_compact"
    if kind == "clock_cnn":
        from core.models.build import resolve_model_config

        model = resolve_model_config(config.model, config.data.clock_size)
        if model.polar:
            return "clock_polar_dial" if model.find_dial else "clock_polar"
        return "clock_plain"
    return kind


def images_per_second(config: RunConfig, device: dict[str, Any]) -> float:
    """Rough training speed of this config's model on `device` (images per second)."""
    rate = CPU_IMAGES_PER_S[_model_family(config)]
    if str(device.get("device", "CPU")).upper() != "CPU":
        rate *= GPU_SPEEDUP
    return rate


def estimate_seconds(config: RunConfig, n_train: int, device: dict[str, Any]) -> float:
    """Rough wall time of a run: start-up, rendering clocks not yet cached, epochs x (images / speed), evaluation."""
    epoch_s = max(0, n_train) / images_per_second(config, device)
    return STARTUP_S + render_seconds(config, device) + config.epochs * epoch_s * (1.0 + EVALUATION_SHARE)


def render_seconds(config: RunConfig, device: dict[str, Any]) -> float:
    """Time to render the run's clocks, or 0 when they are not rendered or already in the cache."""
    data = config.data
    if data.dataset != "clocks" or data.source == "path":
        return 0.0
    from core.clocks.dataset import cache_path
    from core.data.datasets import clock_style

    if cache_path(data.clock_count, data.clock_size, clock_style(data), data.clock_seed).exists():
        return 0.0
    cores = max(1, min(int(device.get("cpu_count", 1)), 8))
    return data.clock_count * RENDER_S_PER_IMAGE * (data.clock_size / 150.0) ** 2 / cores


def is_long(seconds: float) -> bool:
    """Whether a run is long enough (over 5 minutes) to warn before queueing it on a CPU."""
    return seconds > LONG_RUN_S


def _npz_rows(path: str, member: str) -> int | None:
    """Rows of one array inside an .npz, read from its header only (no data, never unpickles)."""
    try:
        with zipfile.ZipFile(os.path.expanduser(path)) as archive, archive.open(member) as file:
            version = np.lib.format.read_magic(file)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, _ = reader(file)
            return int(shape[0])
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile):
        return None


def _npy_rows(path: str) -> int | None:
    try:
        return int(np.load(os.path.expanduser(path), mmap_mode="r", allow_pickle=False).shape[0])
    except (OSError, ValueError, IndexError):
        return None


def _base_train_size(config: RunConfig) -> int:
    data = config.data
    if data.dataset == "clocks":
        count = _npy_rows(os.path.join(data.path, "labels.npy")) if data.source == "path" else None
        return int((count or data.clock_count) * (1.0 - TEST_FRACTION))
    from core.data.datasets import DatasetError, resolve_source

    try:
        source = resolve_source(data.dataset, data.source, data.path or None)
    except DatasetError:
        source = "keras"
    if source == "path":
        return _npz_rows(data.path, "y_train.npy") or 60_000
    return TRAIN_SIZES.get((data.dataset, source), 60_000)


def training_set_size(config: RunConfig) -> int:
    """Images a run trains on per epoch, found without loading data: train split, limit, minus validation."""
    n = _base_train_size(config)
    if config.data.limit_train > 0:
        n = min(n, config.data.limit_train)
    return int(n * (1.0 - config.data.validation_split))


def format_duration(seconds: float) -> str:
    """'45 s', '3 min', '1 h 20 min': how long, for people."""
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
