"""One GAN training step (core.generative.duel) of the sidebar's DCGAN, timed on each installed Keras backend.

    .venv/bin/python bench/bench_gan_step.py [--steps 60] [--write]

Each backend runs in its own process (Keras picks its backend once): it builds the default GAN run's trainer, warms
up for 5 steps (compilation), then times `steps` steps on one batch of 64 MNIST digits and reports the median.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results_file import cpu_machine, record_section  # noqa: E402

SECTION = "## GAN training step"
BACKENDS = ("tensorflow", "jax", "torch")  # each is also the module it needs

TIMER = """
import json, sys, time
import numpy as np
from core.data.datasets import load_dataset
from core.generative.runs import default_config
from core.generative.training import GanTrainer
trainer = GanTrainer(default_config("gan", "mnist"), steps_per_epoch=100)
batch = load_dataset("mnist", "embedded").x_train[:64, :, :, None].astype(np.float32) / 255.0
for _ in range(5):
    trainer.train_batch(batch)
times = []
for _ in range(int(sys.argv[1])):
    started = time.perf_counter()
    trainer.train_batch(batch)
    times.append(time.perf_counter() - started)
print(json.dumps({"median_ms": 1000 * float(np.median(times)), "params": trainer.pair.count_params()}))
"""


def time_backend(backend: str, steps: int) -> dict:
    """{median_ms, params} of one backend's step, measured in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", TIMER, str(steps)],
        cwd=ROOT,
        env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    args = parser.parse_args()
    rows = ["| backend | median step (batch 64) | images/s | parameters |", "| --- | ---: | ---: | ---: |"]
    for backend in BACKENDS:
        if importlib.util.find_spec(backend) is None:
            rows.append(f"| {backend} | not installed | | |")
            continue
        timing = time_backend(backend, args.steps)
        rows.append(
            f"| {backend} | {timing['median_ms']:.1f} ms | {64000 / timing['median_ms']:,.0f} | {timing['params']:,} |"
        )
        print(rows[-1], flush=True)
    body = "\n".join(rows) + (
        f"\n\nThe sidebar's DCGAN (discriminator 64-128 filters, generator mirrored at full width), one compiled duel "
        f"step: the discriminator on a real and a generated batch, then the generator on fresh noise. "
        f"{cpu_machine()}; median of {args.steps} steps after 5 warm-up steps. "
        "`.venv/bin/python bench/bench_gan_step.py --write`"
    )
    if args.write:
        record_section(SECTION, body)


if __name__ == "__main__":
    main()
