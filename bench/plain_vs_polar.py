"""The plain CNN ("the CNN you would write") against the polar CNN on the same clocks for the same CPU minutes.

    .venv/bin/python bench/plain_vs_polar.py [--minutes 6] [--difficulty assignment] [--count 5760] [--write]

Both start from scratch with sin/cos labels on the same rendered clocks (75 px, the same seeded split) and train
until the time budget runs out (the run is then stopped like a cancelled run and scored on its test split).
The table lists each epoch's validation mean error, then the test result.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results_file import record_section  # noqa: E402
from core.config import RunConfig  # noqa: E402
from core.runs.pretrain import clock_run_config  # noqa: E402
from core.runs.training import run_config  # noqa: E402

SECTION = "## Plain CNN against polar CNN: same clocks, same CPU minutes"
PRESETS = {"plain": "plain CNN (conv blocks, pooling, dense head)", "compact": "polar CNN (compact preset)"}


def config_for(preset: str, difficulty: str, count: int, epochs: int) -> RunConfig:
    """A from-scratch sin/cos run of one clock CNN preset on the shared data (75 px)."""
    return clock_run_config(
        f"{preset}-{difficulty}", "sincos", epochs, difficulty=difficulty, preset=preset, clock_size=75, count=count
    )


def race(preset: str, difficulty: str, count: int, minutes: float, epochs: int) -> dict:
    """Train one preset until `minutes` of wall time are spent; its validation curve and test result."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as root:
        info = run_config(
            config_for(preset, difficulty, count, epochs),
            root=root,
            should_stop=lambda: time.monotonic() - started > minutes * 60,
        )
        curve = [epoch.get("val_common_sense_error_mean_min") for epoch in info.history["epochs"]]
    return {"curve": [round(value, 1) for value in curve if value is not None], **info.metrics}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=6.0, help="wall-clock budget per model")
    parser.add_argument("--difficulty", default="assignment")
    parser.add_argument("--count", type=int, default=5760, help="rendered clocks (80:20 split by time)")
    parser.add_argument("--epochs", type=int, default=8, help="the schedule's length; the budget usually ends first")
    parser.add_argument("--write", action="store_true", help="record the table in bench/RESULTS.md")
    args = parser.parse_args()
    lines = [
        "| model | params | epochs in budget | validation mean error per epoch (min) | test mean / median (min) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for preset, name in PRESETS.items():
        result = race(preset, args.difficulty, args.count, args.minutes, args.epochs)
        lines.append(
            f"| {name} | {result.get('params', 0):,} | {result.get('epochs_run', 0)} | "
            f"{', '.join(f'{value:g}' for value in result['curve'])} | "
            f"{result.get('common_sense_error_mean_min', float('nan')):.1f} / "
            f"{result.get('common_sense_error_median_min', float('nan')):.1f} |"
        )
        print(lines[-1], flush=True)
    if args.write:
        record_section(
            SECTION,
            "\n".join(lines)
            + f"\n\nFrom scratch, sin/cos labels, {args.count:,} '{args.difficulty}' clocks at 75 px (seed 0, 80:20 by "
            f"time, 10 % of train for validation), Adam 2e-3 with cosine decay over {args.epochs} epochs, stopped "
            f"after {args.minutes:g} wall-clock minutes each (a stopped run keeps its last full epoch). "
            f"{os.cpu_count()} CPU cores, {platform.machine()}, no GPU, other jobs sharing the cores. "
            f"`.venv/bin/python bench/plain_vs_polar.py --minutes {args.minutes:g} --difficulty {args.difficulty} "
            f"--count {args.count} --write`",
        )


if __name__ == "__main__":
    main()
