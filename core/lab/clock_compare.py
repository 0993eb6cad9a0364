"""Comparing clock runs: which runs are clock runs, their comparison-table rows, and a verdict against the course bar.

Plain dicts and NumPy, so the Compare tab stays a thin layer of widgets and its numbers are unit-tested.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from core.models.encodings import get_encoding

PRETRAINED_CLOCKS = ("clock_regression", "clock_24", "clock_72", "clock_180", "clock_720", "clock_multihead",
                     "clock_sincos")
COURSE_BAR_MIN = 10.0     # the assignment asks for a mean common-sense error under 10 minutes
PEERS_BEST_MIN = 1.7      # the best mean error reported by peers on the assignment's data


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
        "data": f"{data.get('clock_difficulty', '?')} {data.get('clock_size', '?')} px"
                if data.get("source") != "path" else "your files",
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


def verdict(mean_error: float | None) -> str:
    """One sentence placing a mean error against the course bar and the peers' best."""
    if mean_error is None or not np.isfinite(mean_error):
        return "No score yet."
    if mean_error <= PEERS_BEST_MIN:
        return f"{mean_error:.2f} min: as good as the peers' best (~{PEERS_BEST_MIN:g} min)."
    if mean_error < COURSE_BAR_MIN:
        return (f"{mean_error:.2f} min: under the course bar of {COURSE_BAR_MIN:g} min; "
                f"the peers' best is ~{PEERS_BEST_MIN:g} min.")
    return f"{mean_error:.2f} min: above the course bar of {COURSE_BAR_MIN:g} min."
