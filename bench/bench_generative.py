"""The generative sidebar runs (core.generative.runs.default_config), timed end to end with their sample quality.

    .venv/bin/python bench/bench_generative.py [--kinds vae gan cae] [--vae-latent 2] [--no-plain-gan] [--dataset mnist]
        [--write]

Runs `python -m core train` on each kind's default config (and the VAE's with a 2-D latent space, which can be drawn
as a map but samples worse than the default 16-D one; and the GAN untold the class, the plain duel, beside the
default conditional one), as the sidebar's worker would, then scores the 64-image
sample grid that samples.npz kept after every epoch with the pretrained classifier (core.generative.score): the
first epoch whose grid scores >= 5 (most images read as some digit, several digits present) is when a student sees
recognisable samples. Reports wall time, the Train panel's estimate, that moment, and the final 1,000-sample score.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results_file import cpu_machine, record_section  # noqa: E402
from core.generative.runs import default_config  # noqa: E402
from core.generative.training import SAMPLES_FILE  # noqa: E402
from core.runs import device  # noqa: E402
from core.storage.atomic import read_json  # noqa: E402

SECTION = "## Generative sidebar runs: time to recognisable samples"
RECOGNISABLE = 5.0  # classifier score of a 64-image grid from which samples read as digits


def bench(
    kind: str, dataset: str, scratch: Path, latent_dim: int | None = None, conditional: bool | None = None
) -> str:
    """One kind's table row: wall time, the panel's estimate, grid scores, when samples became recognisable."""
    from core.generative.score import classifier_score

    config = default_config(kind, dataset, conditional=conditional)
    if latent_dim is not None:
        config = dataclasses.replace(config, model=dataclasses.replace(config.model, latent_dim=latent_dim))
    estimate = device.estimate_seconds(config, device.training_set_size(config), device.describe_device())
    config_file = scratch / f"{kind}-{config.model.latent_dim}-{config.model.conditional}.json"
    config_file.write_text(json.dumps(config.to_dict()))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "core", "train", "--config", str(config_file), "--runs", str(scratch)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    epoch_seen_at, lines = {}, []
    for line in process.stdout:  # "[epoch] epoch N/E ..." is printed when epoch N's samples are written
        lines.append(line)
        if line.startswith("[epoch] epoch "):
            epoch_seen_at[int(line.split()[2].split("/")[0])] = time.perf_counter() - started
    if process.wait() != 0:
        raise RuntimeError(f"{kind} run failed: {lines[-1:]}")
    wall = time.perf_counter() - started
    run = json.loads(lines[-1])
    folder = Path(run["path"])
    status = read_json(folder / "status.json")
    with np.load(folder / SAMPLES_FILE) as stored:
        grids = dict(zip(stored["epochs"].tolist(), stored["samples"]))
    scores = {epoch: classifier_score(grids[epoch], dataset)["classifier_score"] for epoch in sorted(grids) if epoch}
    recognisable = [epoch for epoch in sorted(scores) if scores[epoch] >= RECOGNISABLE]
    per_epoch = ", ".join(f"{scores[e]:.1f}" for e in sorted(scores))
    first = recognisable[0] if recognisable else None
    seen_text = f"{epoch_seen_at[first]:.0f} s (epoch {first})" if first else "not reached"
    extra = f"; test MSE {run['reconstruction_mse']:.4f}" if "reconstruction_mse" in run else ""
    if "asked_class_share" in run:
        extra += f"; {100 * run['asked_class_share']:.1f} % drawn as the class asked for"
    told = {True: "conditional ", False: "plain "}.get(config.model.conditional, "") if kind == "gan" else ""
    row = (
        f"| {told}{kind} | {config.epochs} x {config.data.limit_train:,} images, batch {config.batch_size}, "
        f"latent {config.model.latent_dim} | {wall:.0f} s (estimate {estimate:.0f} s) | {per_epoch} | {seen_text} | "
        f"{run['classifier_score']:.2f} ({run['scored_on']}), rarest class "
        f"{100 * run['min_class_share']:.1f} %{extra} | {status['state']} |"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=["vae", "gan", "cae"], choices=("cae", "vae", "gan"))
    parser.add_argument("--vae-latent", type=int, default=2, help="also time the VAE with this latent size (0: no)")
    parser.add_argument("--no-plain-gan", action="store_true", help="skip the GAN untold the class (the plain duel)")
    parser.add_argument("--dataset", default="mnist", choices=("mnist", "fashion-mnist"))
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    args = parser.parse_args()
    rows = [
        "| kind | default run | wall time (panel estimate) | 64-sample grid score after each epoch | "
        "recognisable (grid score >= 5) after | final score | state |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as scratch:
        runs = []  # (kind, latent dim, conditional), None meaning the default run's
        for kind in args.kinds:
            runs.append((kind, None, None))
            if kind == "vae" and args.vae_latent:
                runs.append(("vae", args.vae_latent, None))
            if kind == "gan" and not args.no_plain_gan:
                runs.append(("gan", None, False))
        for kind, latent_dim, conditional in runs:
            row = bench(kind, args.dataset, Path(scratch), latent_dim, conditional)
            print(row, flush=True)
            rows.append(row)
    body = "\n".join(rows) + (
        f"\n\n{args.dataset}; wall time includes the `python -m core train` start-up (TensorFlow import) and the "
        f"final scoring; the moment of recognisable samples counts start-up plus the epochs up to it. "
        f"{cpu_machine()}, the cores shared with other jobs. "
        f"`.venv/bin/python bench/bench_generative.py --write`"
    )
    if args.write:
        record_section(SECTION, body)


if __name__ == "__main__":
    main()
