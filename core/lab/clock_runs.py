"""The clock runs the Train panel offers: the two networks, the pretrained backbone, and the default run.

The sidebar's default is a short run that starts from the pretrained polar sin/cos model, so a class sees it
read the time within a couple of minutes on a laptop CPU (bench/bench_demo_run.py measures it).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import DataConfig, ModelConfig, OptimizerConfig, RunConfig

NETWORKS = {"compact": "polar CNN", "plain": "plain CNN"}  # clock_cnn presets as tables and forms name them
NETWORK_NOTES = {"compact": "built for turned clocks", "plain": "what you would write"}
BACKBONE = "pretrained/clock_sincos"  # every clock encoding can start from this model's layers


@dataclass(frozen=True)
class ClockRunDefaults:
    """The Train panel's starting values for a clock run, with and without the pretrained backbone."""

    size: int = 75
    count: int = 2880
    difficulty: str = "assignment"
    epochs_warm: int = 3
    epochs_cold: int = 10
    learning_rate_warm: float = 1e-3
    learning_rate_cold: float = 2e-3


DEFAULTS = ClockRunDefaults()


def clock_run(
    encoding: str,
    preset: str,
    init_from: str,
    data: DataConfig,
    epochs: int,
    learning_rate: float,
    soft_label_sigma: float = 0.0,
    find_dial: bool = False,
) -> RunConfig:
    """A clock run as the Train panel queues it."""
    return RunConfig(
        name=f"clock {encoding}",
        data=data,
        model=ModelConfig(kind="clock_cnn", preset=preset, find_dial=find_dial),
        init_from=init_from,
        optimizer=OptimizerConfig(name="adam", learning_rate=learning_rate, schedule="cosine"),
        encoding=encoding,
        soft_label_sigma=soft_label_sigma,
        epochs=epochs,
        batch_size=64,
        seed=0,
    )


def default_clock_run() -> RunConfig:
    """The run the Train panel queues when nothing is changed: sin/cos, polar CNN, from the pretrained backbone."""
    data = DataConfig(
        dataset="clocks",
        source="render",
        clock_size=DEFAULTS.size,
        clock_difficulty=DEFAULTS.difficulty,
        clock_count=DEFAULTS.count,
        augment=True,
    )
    return clock_run("sincos", "compact", BACKBONE, data, DEFAULTS.epochs_warm, DEFAULTS.learning_rate_warm)
