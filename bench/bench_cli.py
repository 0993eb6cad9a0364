"""CLI start-up: how fast `python -m core evaluate` refuses a bad clock file, next to `import tensorflow`.

Run: `.venv/bin/python bench/bench_cli.py [--rounds 5] [--write]`. Each round times, in fresh processes,
(a) `python -c "import tensorflow"` and (b) `python -m core evaluate --model pretrained/clock_sincos
--images bad.npy --labels labels.npy` (bad.npy: random bytes; labels.npy: valid), alternating so that both
see the same machine load; one untimed warm-up of each comes first (file cache). It prints the median wall
times, their ratio (target: under 0.5) and the one line (b) prints on stderr, which is checked too: exit
status 2, nothing on stdout, exactly one stderr line. The load average is printed because other processes
on a small machine change the numbers a lot.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.results_file import record_section  # noqa: E402
from core.runs.device import gpu_name  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
HEADING = "## CLI: a bad file refused before TensorFlow is imported"


def write_files(folder: Path) -> tuple[Path, Path]:
    """bad.npy (random bytes, no NumPy header) and a valid labels.npy."""
    bad, labels = folder / "bad.npy", folder / "labels.npy"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    np.save(labels, np.array([[1, 2], [3, 4], [11, 59]], dtype=np.int64))
    return bad, labels


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - start, result


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default="pretrained/clock_sincos")
    parser.add_argument("--note", default="", help="what else the machine was doing, for the record")
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    machine = f"{cores} CPU cores, {platform.machine()}, {gpu_name() or 'no GPU'}"
    with tempfile.TemporaryDirectory() as folder:
        bad, labels = write_files(Path(folder))
        commands = {
            "import tensorflow": [sys.executable, "-c", "import tensorflow"],
            "evaluate, bad file": [
                sys.executable,
                "-m",
                "core",
                "evaluate",
                "--model",
                args.model,
                "--images",
                str(bad),
                "--labels",
                str(labels),
            ],
        }
        for command in commands.values():  # warm-up: file cache
            timed(command)
        load_before = load_average()
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.rounds):
            for label, command in commands.items():
                seconds, result = timed(command)
                times[label].append(seconds)
                if label != "import tensorflow":
                    refusal = result
        load_after = load_average()
    stderr_lines = refusal.stderr.splitlines()
    assert refusal.returncode == 2, f"exit status {refusal.returncode}: {refusal.stderr}"
    assert refusal.stdout == "" and len(stderr_lines) == 1, f"stdout {refusal.stdout!r}, stderr {refusal.stderr!r}"
    medians = {label: statistics.median(values) for label, values in times.items()}
    ratio = medians["evaluate, bad file"] / medians["import tensorflow"]
    lines = [
        f"  {label:20s} median {medians[label]:5.2f} s   (runs: {' '.join(f'{t:.2f}' for t in values)})"
        for label, values in times.items()
    ]
    lines.append(f"  ratio (evaluate / import tensorflow): {ratio:.2f}")
    print(f"{args.rounds} rounds, alternating; {machine}; load average {load_before} before, {load_after} after")
    print("\n".join(lines))
    print(f"stderr of the refusal: {stderr_lines[0]}")
    if args.write:
        note_flag = f" --note '{args.note}'" if args.note else ""
        record_section(
            HEADING,
            "```\n" + "\n".join(lines) + "\n```\n\n"
            f"The one stderr line (exit status 2, nothing on stdout): `{stderr_lines[0]}`\n\n"
            f"Median wall time of {args.rounds} fresh processes each, alternating, after one untimed "
            f"warm-up of each; `--model {args.model}`, `bad.npy` = 4096 random bytes. {machine}"
            f"{', ' + args.note if args.note else ''} (load average {load_before} before, {load_after} "
            f"after); `.venv/bin/python bench/bench_cli.py{note_flag} --write`",
        )


if __name__ == "__main__":
    main()
