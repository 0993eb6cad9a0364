"""Device description and rough run-time estimates (no TensorFlow needed)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from core.config import DataConfig, ModelConfig, RunConfig
from core.runs import device

CPU = {"backend": "tensorflow", "device": "CPU", "cpu_count": 2}
GPU = {"backend": "tensorflow", "device": "NVIDIA H100", "cpu_count": 16}


def mlp(epochs: int = 5, **data) -> RunConfig:
    return RunConfig(data=DataConfig(dataset="fashion-mnist", **data), model=ModelConfig(kind="mlp"), epochs=epochs)


def clock(size: int = 150, epochs: int = 5) -> RunConfig:
    return RunConfig(
        data=DataConfig(dataset="clocks", source="render", clock_size=size),
        model=ModelConfig(kind="clock_cnn", preset="compact"),
        encoding="sincos",
        epochs=epochs,
    )


def test_the_device_is_cpu_when_there_is_no_nvidia_smi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device.shutil, "which", lambda name: None)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    described = device.describe_device()
    assert described["device"] == "CPU" and described["backend"] == "jax" and described["cpu_count"] >= 1


def test_the_device_is_the_gpu_name_nvidia_smi_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device.shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    done = subprocess.CompletedProcess([], 0, stdout="NVIDIA H100 80GB HBM3\n", stderr="")
    monkeypatch.setattr(device.subprocess, "run", lambda *args, **kwargs: done)
    assert device.describe_device()["device"] == "NVIDIA H100 80GB HBM3"


def test_a_hanging_nvidia_smi_counts_as_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device.shutil, "which", lambda name: "/usr/bin/nvidia-smi")

    def hang(*args, **kwargs):
        raise subprocess.TimeoutExpired("nvidia-smi", kwargs.get("timeout", 2))

    monkeypatch.setattr(device.subprocess, "run", hang)
    assert device.describe_device()["device"] == "CPU"


def test_describing_the_device_does_not_import_tensorflow() -> None:
    code = "import sys, core.runs.device as d; d.describe_device(); print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_estimates_grow_with_epochs() -> None:
    assert device.estimate_seconds(mlp(10), 50_000, CPU) > device.estimate_seconds(mlp(5), 50_000, CPU)


def test_estimates_grow_with_training_images() -> None:
    assert device.estimate_seconds(mlp(), 50_000, CPU) > device.estimate_seconds(mlp(), 5_000, CPU)


def test_a_gpu_is_estimated_faster_than_the_cpu() -> None:
    assert device.estimate_seconds(clock(), 12_000, GPU) < device.estimate_seconds(clock(), 12_000, CPU)


def test_the_reference_cnn_is_estimated_slower_than_the_compact_one() -> None:
    compact = RunConfig(model=ModelConfig(kind="cnn", preset="compact"))
    reference = RunConfig(model=ModelConfig(kind="cnn", preset="reference"))
    assert device.estimate_seconds(reference, 10_000, CPU) > device.estimate_seconds(compact, 10_000, CPU)


def test_small_clocks_are_estimated_faster_than_large_ones() -> None:
    assert device.estimate_seconds(clock(75), 10_000, CPU) < device.estimate_seconds(clock(150), 10_000, CPU)


def test_a_pretrain_sized_clock_run_is_long_on_cpu_and_a_tiny_mlp_is_not() -> None:
    config = clock(epochs=20)
    assert device.is_long(device.estimate_seconds(config, device.training_set_size(config), CPU))
    tiny = mlp(1, limit_train=500)
    assert not device.is_long(device.estimate_seconds(tiny, device.training_set_size(tiny), CPU))


def test_clock_training_size_is_the_train_split_less_validation() -> None:
    config = clock()
    assert device.training_set_size(config) == int(18_000 * 0.8 * 0.9)


def test_training_size_respects_limit_train() -> None:
    assert device.training_set_size(mlp(limit_train=1000, validation_split=0.2)) == 800


def test_training_size_of_the_embedded_mnist_copy_is_8000_less_validation() -> None:
    config = RunConfig(data=DataConfig(dataset="mnist", source="embedded", validation_split=0.1))
    assert device.training_set_size(config) == 7_200


def test_training_size_of_a_user_npz_is_read_from_its_header(tmp_path) -> None:
    file = tmp_path / "mine.npz"
    np.savez(
        file,
        x_train=np.zeros((123, 28, 28), np.uint8),
        y_train=np.zeros(123, np.uint8),
        x_test=np.zeros((5, 28, 28), np.uint8),
        y_test=np.zeros(5, np.uint8),
    )
    config = RunConfig(data=DataConfig(dataset="mnist", source="path", path=str(file), validation_split=0.0))
    assert device.training_set_size(config) == 123


def test_durations_read_like_people_say_them() -> None:
    assert device.format_duration(42) == "42 s"
    assert device.format_duration(600) == "10 min"
    assert device.format_duration(4800) == "1 h 20 min"


def test_rendering_counts_only_until_the_clocks_are_cached() -> None:
    from core.clocks.dataset import make_clock_dataset

    config = RunConfig(
        data=DataConfig(dataset="clocks", source="render", clock_size=48, clock_count=720, clock_seed=5),
        model=ModelConfig(kind="clock_cnn", preset="compact"),
        encoding="sincos",
        epochs=1,
    )
    assert device.render_seconds(config, CPU) > 0
    make_clock_dataset(n=720, size=48, seed=5)
    assert device.render_seconds(config, CPU) == 0.0


def test_both_clock_networks_have_a_speed() -> None:
    for preset in ("compact", "plain"):
        config = RunConfig(
            data=DataConfig(dataset="clocks"), model=ModelConfig(kind="clock_cnn", preset=preset), encoding="sincos"
        )
        assert device.images_per_second(config, CPU) > 0
