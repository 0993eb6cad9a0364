"""Evaluate every pretrained clock model on freshly rendered clocks (a seed never used in training).

    .venv/bin/python bench/fresh_clocks.py --count 3600 --seed 7 [--write]

The models were trained and tested on seed 0's clocks; a new seed draws new rotations, tilts, glare
and backgrounds, so matching numbers show the models were not tuned to one fixed test set.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results_file import record_section  # noqa: E402
from core.evaluation.on_data import evaluate_saved_model  # noqa: E402
from core.runs.pretrain import RECIPES  # noqa: E402
from core.storage.atomic import read_json  # noqa: E402
from core.storage.paths import pretrained_dir  # noqa: E402

SECTION = "## Pretrained clock models on fresh clocks"


def rows(count: int, seed: int) -> list[str]:
    """One Markdown row per installed clock model: its own test split vs fresh clocks."""
    lines = ["| model | test split: mean / median (min) | fresh clocks: mean / median (min) | accuracy test / fresh |",
             "| --- | --- | --- | --- |"]
    for name in (n for n in RECIPES if n.startswith("clock_")):
        folder = pretrained_dir() / name
        saved = read_json(folder / "metrics.json", default=None)
        if not saved:
            continue
        fresh = evaluate_saved_model(str(folder), render=count, seed=seed, difficulty="assignment")
        accuracy = (f"{100 * saved['accuracy']:.1f} % / {100 * fresh['accuracy']:.1f} %"
                    if saved.get("accuracy") is not None else "")
        lines.append(f"| `{name}` | {saved['common_sense_error_mean_min']:.2f} / {saved['common_sense_error_median_min']:.2f} | "
                     f"{fresh['common_sense_error_mean_min']:.2f} / {fresh['common_sense_error_median_min']:.2f} | {accuracy} |")
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="record the table in bench/RESULTS.md")
    args = parser.parse_args()
    table = rows(args.count, args.seed)
    if args.write:
        record_section(SECTION, "\n".join(table) + f"\n\n{args.count} fresh 'assignment' clocks at 150 px, seed {args.seed} "
                       f"(training used seed 0); {os.cpu_count()} CPU cores, {platform.machine()}; "
                       f"`.venv/bin/python bench/fresh_clocks.py --count {args.count} --seed {args.seed} --write`")


if __name__ == "__main__":
    main()
