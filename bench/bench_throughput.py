"""Training throughput through the run machinery (train_run: progress, cancel and NaN checks, file writes)
versus a plain `model.fit` on the same model and data, in the same process.

Run: `.venv/bin/python bench/bench_throughput.py [--epochs 3] [--rounds 3] [--write]`.
The reference MLP trains on the embedded 8,000 MNIST images (no validation split, so both sides do the
same work) after a one-epoch warmup; rounds alternate plain / machinery and the medians are compared.
`--write` records the result under "## Training throughput" in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results_file import record_section  # noqa: E402
from core.config import DataConfig, ModelConfig, RunConfig  # noqa: E402
from core.data.datasets import load_run_data  # noqa: E402
from core.models.build import build_model, compile_model, input_shape_for  # noqa: E402
from core.models.encodings import encoding_for  # noqa: E402
from core.runs.training import ProgressEvent, device_name, run_config  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## Training throughput"


def bench_config(epochs: int, batch_size: int) -> RunConfig:
    """The reference MLP on embedded MNIST, every image used for training."""
    return RunConfig(
        name="throughput-bench",
        data=DataConfig(dataset="mnist", source="embedded", validation_split=0.0),
        model=ModelConfig(kind="mlp", preset="reference"),
        epochs=epochs,
        batch_size=batch_size,
    )


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads (steadier than wall time on a busy machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def plain_fit(config: RunConfig, epochs: int) -> tuple[float, float]:
    """(images/s, images per CPU second) of a bare model.fit (no callbacks, verbose=0) on train_run's data."""
    import keras

    keras.utils.set_random_seed(config.seed)
    data = load_run_data(config.data)
    encoding = encoding_for(config)
    model = build_model(config, input_shape_for(config), encoding)
    compile_model(model, config, encoding, -(-len(data.x_train) // config.batch_size))
    x, y = data.x_train[..., None], encoding.encode(data.y_train)
    start, cpu = time.perf_counter(), cpu_seconds()
    model.fit(x, y, epochs=epochs, batch_size=config.batch_size, shuffle=True, verbose=0)
    images = epochs * len(x)
    return images / (time.perf_counter() - start), images / (cpu_seconds() - cpu)


def machinery_fit(config: RunConfig, root: Path) -> tuple[float, float, float]:
    """(images/s of fit inside train_run, images per CPU second of it, wall seconds of the whole train_run)."""
    cpu_at: dict[str, float] = {}

    def on_event(event: ProgressEvent) -> None:
        if event.kind in ("start", "epoch"):  # "start" comes right before fit, the last "epoch" at its end
            cpu_at[event.kind] = cpu_seconds()

    start = time.perf_counter()
    info = run_config(config, root, on_event=on_event)
    wall = time.perf_counter() - start
    if info.state != "done":
        raise RuntimeError(f"benchmark run ended {info.state}: {info.status.get('reason')}")
    images = info.metrics["images_per_s"] * info.metrics["train_time_s"]
    return float(info.metrics["images_per_s"]), images / (cpu_at["epoch"] - cpu_at["start"]), wall


def record(line: str) -> None:
    """Replace (or add) this benchmark's section in bench/RESULTS.md, leaving other sections alone."""
    record_section(SECTION, line, RESULTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    args = parser.parse_args()

    config = bench_config(args.epochs, args.batch_size)
    plain_fit(bench_config(1, args.batch_size), 1)  # warmup: graph tracing, data cache
    plain, plain_cpu, machinery, machinery_cpu, walls = [], [], [], [], []
    with tempfile.TemporaryDirectory() as root:
        for _ in range(args.rounds):
            speed, per_cpu = plain_fit(config, args.epochs)
            plain.append(speed)
            plain_cpu.append(per_cpu)
            speed, per_cpu, wall = machinery_fit(config, Path(root))
            machinery.append(speed)
            machinery_cpu.append(per_cpu)
            walls.append(wall)
    median = statistics.median
    ratio, cpu_ratio = median(machinery) / median(plain), median(machinery_cpu) / median(plain_cpu)
    line = (
        f"throughput ratio {ratio:.2f} (train_run {median(machinery):,.0f} images/s vs plain fit "
        f"{median(plain):,.0f} images/s, wall clock; per CPU second the ratio is {cpu_ratio:.2f}; "
        f"reference MLP, 8,000 embedded MNIST images, {args.epochs} epochs, batch {args.batch_size}, "
        f"median of {args.rounds} alternating rounds; whole train_run incl. data, evaluation and saving "
        f"{median(walls):.1f} s; {device_name()}, {os.cpu_count()} CPU cores, {platform.machine()}, "
        f"load average {os.getloadavg()[0]:.1f}; `.venv/bin/python bench/bench_throughput.py --write`)"
    )
    print(f"plain fit images/s: {[round(v) for v in plain]}   per CPU s: {[round(v) for v in plain_cpu]}")
    print(f"train_run images/s: {[round(v) for v in machinery]}   per CPU s: {[round(v) for v in machinery_cpu]}")
    print(line)
    if args.write:
        record(line)


if __name__ == "__main__":
    main()
