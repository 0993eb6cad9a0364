"""The Tell-the-time sidebar's default run, timed end to end against the panel's own estimate.

    .venv/bin/python bench/bench_demo_run.py [--write]

Runs `python -m core train` on core.lab.clock_runs.default_clock_run() with an empty render cache (as a class's
first run), and reports the wall time, the estimate the Train panel shows (core.runs.device), and the test error
after each epoch. The run starts from the pretrained sin/cos model, so pretrained/clock_sincos must be installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results_file import record_section  # noqa: E402
from core.lab.clock_runs import default_clock_run  # noqa: E402
from core.runs import device  # noqa: E402
from core.storage.atomic import read_json  # noqa: E402

SECTION = "## Sidebar default clock run"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    args = parser.parse_args()
    config = default_clock_run()
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "CLOCKWORK_CACHE": str(Path(scratch) / "cache")}
        os.environ["CLOCKWORK_CACHE"] = env["CLOCKWORK_CACHE"]  # the estimate sees the same empty cache
        described = device.describe_device()
        estimate = device.estimate_seconds(config, device.training_set_size(config), described)
        config_file = Path(scratch) / "config.json"
        config_file.write_text(json.dumps(config.to_dict()))
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "core",
                "train",
                "--config",
                str(config_file),
                "--runs",
                str(Path(scratch) / "runs"),
                "--quiet",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - started
        run = json.loads(result.stdout.strip().splitlines()[-1])
        history = read_json(Path(run["path"]) / "history.json", default={})
    per_epoch = ", ".join(f"{e['val_common_sense_error_mean_min']:.1f}" for e in history.get("epochs", []))
    lines = [
        f"- measured wall time: {wall:.1f} s (estimate shown by the panel: {estimate:.1f} s; ratio {wall / estimate:.2f})",
        f"- validation mean error after each epoch (min): {per_epoch}",
        f"- test split: mean {run['common_sense_error_mean_min']:.2f} min, median "
        f"{run['common_sense_error_median_min']:.2f} min, hour right {100 * run['hour_accuracy']:.1f} %",
    ]
    print("\n".join(lines))
    if args.write:
        record_section(
            SECTION,
            "\n".join(lines)
            + (
                f"\n\n{config.data.clock_count:,} '{config.data.clock_difficulty}' clocks at {config.data.clock_size} px, "
                f"{config.epochs} epochs from `{config.init_from}`, rendering included (empty cache); "
                f"{os.cpu_count()} CPU cores, {platform.machine()}, no GPU. `.venv/bin/python bench/bench_demo_run.py --write`"
            ),
        )


if __name__ == "__main__":
    main()
