"""Comparing clock runs: which runs are clock runs, their comparison-table rows (own test split and the user's
files), and a verdict against the course bar and the published results on the real photos.

Plain dicts and NumPy, so the Compare tab stays a thin layer of widgets and its numbers are unit-tested.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from core.lab.clock_runs import NETWORKS
from core.models.encodings import get_encoding

PRETRAINED_CLOCKS = (
    "clock_regression",
    "clock_24",
    "clock_72",
    "clock_180",
    "clock_720",
    "clock_multihead",
    "clock_sincos",
    "clock_plain_sincos",
)
COURSE_BAR_MIN = 10.0  # the assignment asks for a mean common-sense error under 10 minutes
PUBLISHED_BEST_MIN = 8.5  # about the best mean error published on the real clock photos
PEERS_BEST_MIN = 1.7  # one report's claim on its own split: not a result on the real photos
COMPARISON_NOTE = (
    f"What the numbers mean: the course bar is a mean error under {COURSE_BAR_MIN:g} min; the best results "
    f"published on the real clock photos are about {PUBLISHED_BEST_MIN:g} min; the ~{PEERS_BEST_MIN:g} min line is "
    f"one report's claim on its own split. A score on rendered clocks is not a score on the real photos."
)
CLAIM_LABEL = f"one report's claim: ~{PEERS_BEST_MIN:g} min"  # how charts name the PEERS_BEST_MIN line
FILES = "your files: "  # the prefix of the columns scored on the session's clock files
LOAD_FILES_HINT = (
    "To score the models on your own clocks, load your images.npy and labels.npy on the **Data** "
    "tab (**Your files**) first."
)


def is_clock_run(info: Any) -> bool:
    """Whether a RunInfo is a telling-the-time run (its config trains on clocks)."""
    return (info.config or {}).get("data", {}).get("dataset") == "clocks"


def _percent(value: Any) -> float | None:
    return None if value is None else round(100.0 * float(value), 1)


def _rounded(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def comparison_row(info: Any) -> dict[str, Any]:
    """One row of the clock comparison table: errors in minutes, hit rates and accuracies in %, cost."""
    config, metrics, status = info.config or {}, info.metrics or {}, info.status or {}
    encoding = config.get("encoding", "?")
    try:
        title = get_encoding(encoding).title
    except ValueError:
        title = encoding
    data = config.get("data", {})
    return {
        "run": config.get("name") or info.run_id,
        "source": "pretrained" if info.is_pretrained else "yours",
        "state": status.get("state", "?"),
        "encoding": title,
        "network": NETWORKS.get(config.get("model", {}).get("preset", ""), "custom CNN"),
        "data": f"{data.get('clock_difficulty', '?')} {data.get('clock_size', '?')} px"
        if data.get("source") != "path"
        else "your files",
        "mean error (min)": _rounded(metrics.get("common_sense_error_mean_min")),
        "median error (min)": _rounded(metrics.get("common_sense_error_median_min")),
        "within 1 min (%)": _percent(metrics.get("within_1_min")),
        "within 5 min (%)": _percent(metrics.get("within_5_min")),
        "within 10 min (%)": _percent(metrics.get("within_10_min")),
        "class accuracy (%)": _percent(metrics.get("accuracy")),
        "hour accuracy (%)": _percent(metrics.get("hour_accuracy")),
        "parameters": None if metrics.get("params") is None else int(metrics["params"]),
        "train time (s)": _rounded(metrics.get("train_time_s"), 1),
        "epochs": config.get("epochs"),
        "run id": info.run_id,
    }


def comparison_rows(infos: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows for every clock run: pretrained in the lab's order, then the user's runs newest first."""
    clocks = [info for info in infos if is_clock_run(info)]
    order = {name: index for index, name in enumerate(PRETRAINED_CLOCKS)}
    shipped = sorted((i for i in clocks if i.is_pretrained), key=lambda i: (order.get(i.run_id, len(order)), i.run_id))
    return [comparison_row(info) for info in shipped + [i for i in clocks if not i.is_pretrained]]


def scored_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that have a mean error (finished runs), for charts."""
    return [row for row in rows if row.get("mean error (min)") is not None]


def verdict(mean_error: float | None, rendered: bool = True) -> str:
    """One sentence placing a mean error against the course bar and the best published result on the real photos."""
    if mean_error is None or not np.isfinite(mean_error):  # `rendered`: measured on rendered clocks, not photos
        return "No score yet."
    text = f"{mean_error:.2f} min"
    if mean_error >= COURSE_BAR_MIN:
        return f"{text}: above the course bar of {COURSE_BAR_MIN:g} min."
    text += f": under the course bar of {COURSE_BAR_MIN:g} min"
    if mean_error > PUBLISHED_BEST_MIN:
        return f"{text}; the best published result on the real photos is about {PUBLISHED_BEST_MIN:g} min."
    text += f" and below the ~{PUBLISHED_BEST_MIN:g} min published at best on the real photos"
    if mean_error <= PEERS_BEST_MIN:
        text += f" (one report claims ~{PEERS_BEST_MIN:g} min on its own split)"
    if rendered:
        return f"{text}, but measured on rendered clocks, which are not the real photos."
    return f"{text}; that compares only if your files are the real photos."


def trained_on_files(config: dict[str, Any], folders: Iterable[str | None]) -> bool:
    """Whether a run trained on clock files in one of `folders` (so scoring it there reuses its training images)."""
    data = (config or {}).get("data", {})
    if data.get("source") != "path" or not data.get("path"):
        return False
    trained = Path(str(data["path"])).expanduser().resolve()
    trained = trained.parent if trained.suffix == ".npy" else trained
    return any(folder and Path(folder).expanduser().resolve() == trained for folder in folders)


def files_columns(report: dict[str, Any] | None, problem: str = "") -> dict[str, Any]:
    """The "your files" columns of one comparison row: errors in minutes, shares in %, clocks scored, a note."""
    scores = report or {}
    return {
        f"{FILES}mean error (min)": _rounded(scores.get("common_sense_error_mean_min")),
        f"{FILES}median error (min)": _rounded(scores.get("common_sense_error_median_min")),
        f"{FILES}within 5 min (%)": _percent(scores.get("within_5_min")),
        f"{FILES}within 10 min (%)": _percent(scores.get("within_10_min")),
        f"{FILES}hour accuracy (%)": _percent(scores.get("hour_accuracy")),
        f"{FILES}clocks scored": None if scores.get("errors") is None else len(scores["errors"]),
        f"{FILES}note": problem,
    }


def with_files_columns(
    rows: list[dict[str, Any]], reports: dict[str, dict[str, Any]], notes: dict[str, str]
) -> list[dict[str, Any]]:
    """Comparison rows with their "your files" columns (a report and/or a note per run id)."""
    return [
        {
            **row,
            **files_columns(
                reports.get(row["run id"]),
                notes.get(row["run id"], "") or ("" if row["run id"] in reports else "not scored yet"),
            ),
        }
        for row in rows
    ]


def files_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The side-by-side view of rows that have "your files" columns: own test split mean next to your files'."""
    return [
        {
            "run": row["run"],
            "encoding": row["encoding"],
            "own test split: mean error (min)": row["mean error (min)"],
            **{key: value for key, value in row.items() if key.startswith(FILES)},
        }
        for row in rows
    ]


def sample_note(scored: int, total: int) -> str:
    """How many of the user's clocks were scored, said plainly."""
    if scored >= total:
        return f"Scored on all {total:,} of your images."
    return (
        f"Scored on {scored:,} of your {total:,} images: a seeded sample spread evenly over the 720 times "
        "(the same clocks for every model)."
    )
