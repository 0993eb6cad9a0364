"""Rebuild the GPU-sized pretrained models on a GPU machine: recipes in parallel processes, within a time budget.

    KERAS_BACKEND=jax python bench/device_pretrain.py --out OUT --budget-s 470

Each recipe trains as `python -m core pretrain --only NAME` in its own process (small models leave a GPU mostly
idle, so several share it); the clock encodings derived from `clock_sincos` start once it is installed. Jobs still
running when the budget ends are stopped and reported. The installed run folders are packed into a few tar files
of at most PACK_BYTES each in OUT (with every job's log), to unpack into pretrained/ on the machine that keeps them.
`clock_sincos`'s last stage builds in the shipped dial finder: carry pretrained/clock_dial_finder along (or train it
there first with `python -m core dial-finder`).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.runs.pretrain import RECIPES  # noqa: E402
from core.storage.paths import pretrained_dir  # noqa: E402

FIRST = ["clock_sincos", "clock_plain_sincos", "mnist_gan", "mnist_vae_16", "fashion_gan"]
DERIVED = [name for name, recipe in RECIPES.items() if recipe.config.init_from == "pretrained/clock_sincos"]
DERIVED_SHARE = 0.5  # start the derived encodings only if this share of clock_sincos's own time is left
PACK_BYTES = 15 * 2**20  # the device tool brings back files of at most 16 MiB


def start(name: str, logs: Path, extra: list[str]) -> subprocess.Popen:
    """One recipe in its own process, its output in logs/NAME.log."""
    env = {**os.environ, "XLA_PYTHON_CLIENT_PREALLOCATE": "false", "PYTHONUNBUFFERED": "1"}
    log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed when the process ends (run() below)
    command = [sys.executable, "-m", "core", "pretrain", "--only", name, *extra]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def run(budget_s: float, logs: Path, extra: list[str], first: list[str], derived: list[str]) -> dict[str, str]:
    """Train `first` in parallel, then `derived` once clock_sincos is in; each job's outcome by name."""
    began = time.monotonic()
    running = {name: (start(name, logs, extra), began) for name in first}
    outcome: dict[str, str] = {}
    last_note = began
    while running:
        time.sleep(2)
        now = time.monotonic()
        for name, (process, started) in list(running.items()):
            if process.poll() is None:
                continue
            del running[name]
            took = now - started
            outcome[name] = f"{'done' if process.returncode == 0 else f'failed ({process.returncode})'} {took:.0f} s"
            print(f"[{now - began:5.0f} s] {name}: {outcome[name]}", flush=True)
            if name == "clock_sincos" and process.returncode == 0:
                left = budget_s - (now - began)
                if left > DERIVED_SHARE * took:
                    running.update({later: (start(later, logs, extra), now) for later in derived})
                else:
                    outcome.update({later: f"not started ({left:.0f} s left)" for later in derived})
        if now - began > budget_s:
            for name, (process, _) in running.items():
                process.kill()
                outcome[name] = f"stopped at the budget ({budget_s:.0f} s)"
            break
        if now - last_note > 30:
            last_note = now
            print(f"[{now - began:5.0f} s] {progress()}", flush=True)
    return outcome


def progress() -> str:
    """Each training run's epoch, batch and loss, read from the status files of the runs in progress."""
    parts = []
    for status in sorted(pretrained_dir().glob(".training-*/*/status.json")):
        try:
            data = json.loads(status.read_text())
        except (OSError, ValueError):
            continue
        if data.get("state") == "running" and data.get("progress"):
            p = data["progress"]
            name = json.loads((status.parent / "config.json").read_text()).get("name", status.parent.name)
            parts.append(f"{name} e{p.get('epoch')}/{p.get('epochs')} b{p.get('batch')} loss {p.get('loss') or 0:.3f}")
    return "; ".join(parts) or "starting"


def pack(names: list[str], logs: Path, out: Path) -> list[Path]:
    """Installed model folders into tar files of at most PACK_BYTES (greedy), and the logs into logs.tar; each
    failed or stopped job's last log lines are printed."""
    folders = [pretrained_dir() / name for name in names if (pretrained_dir() / name / "model.keras").is_file()]
    sizes = {folder: sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) for folder in folders}
    bundles: list[list[Path]] = []
    for folder in sorted(folders, key=sizes.get, reverse=True):
        home = next((b for b in bundles if sum(sizes[f] for f in b) + sizes[folder] <= PACK_BYTES), None)
        if home is None:
            bundles.append(home := [])
        home.append(folder)
    written = []
    for index, bundle in enumerate(bundles):
        path = out / f"models_{index}.tar"
        with tarfile.open(path, "w") as tar:
            for folder in bundle:
                tar.add(folder, arcname=folder.name, filter=lambda info: None if info.name.endswith(".lock") else info)
        written.append(path)
    with tarfile.open(out / "logs.tar", "w") as tar:
        tar.add(logs, arcname="logs")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--budget-s", type=float, default=470.0)
    parser.add_argument("--quick", action="store_true", help="pass --quick to every recipe (a dry run)")
    parser.add_argument("--only", action="append", help="train only these of FIRST (repeatable)")
    parser.add_argument("--no-derived", action="store_true", help="do not retrain the encodings derived from sin/cos")
    args = parser.parse_args()
    first = [name for name in FIRST if not args.only or name in args.only]
    derived = [] if args.no_derived else DERIVED
    logs = Path(tempfile.mkdtemp(prefix="device_pretrain_logs_"))  # outside OUT: the tool returns few files
    outcome = run(args.budget_s, logs, ["--quick"] if args.quick else [], first, derived)
    summary = io.StringIO()
    for name in [*first, *derived]:
        print(f"{name:22s} {outcome.get(name, 'not started')}", file=summary)
    (logs / "summary.txt").write_text(summary.getvalue())
    print(summary.getvalue(), flush=True)
    for name, result in outcome.items():
        if not result.startswith("done"):
            log = logs / f"{name}.log"
            print(f"--- {name}: {log.read_text()[-1500:] if log.is_file() else 'no log'}", flush=True)
    for path in pack([*first, *derived], logs, args.out):
        print(f"{path.name}: {path.stat().st_size / 2**20:.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
