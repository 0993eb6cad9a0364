"""Tables of runs for pages and reports: one row per run, knobs as columns, CSV and Markdown export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from core.config import knob_labels

# Knobs a student compares: label -> dotted path in config.json, from the fields core.config declares with knob()
KNOBS: dict[str, str] = {label: path for path, label in knob_labels().items()}


def config_value(config: dict[str, Any], dotted: str) -> Any:
    """Read 'optimizer.learning_rate' from a nested config dict (None when absent)."""
    value: Any = config
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, list):
        return "-".join(str(v) for v in value) or "none"
    return value


def model_label(config: dict[str, Any]) -> str:
    """A short human name for the network in a config, e.g. 'MLP 300-100' or 'CNN (reference)'."""
    model = config.get("model", {})
    kind = model.get("kind", "?")
    if kind == "mlp":
        return "MLP " + ("-".join(str(h) for h in model.get("hidden", [])) or "(no hidden layer)")
    name = {"cnn": "CNN", "clock_cnn": "Clock CNN", "cae": "CAE", "vae": "VAE", "gan": "GAN"}.get(kind, kind)
    return f"{name} ({model['preset']})" if model.get("preset") else name


def _score_columns(metrics: dict[str, Any]) -> dict[str, Any]:
    columns = {}
    if metrics.get("accuracy") is not None:
        columns["test accuracy"] = round(100.0 * metrics["accuracy"], 2)
    if metrics.get("classifier_score") is not None:
        columns["classifier score (of 10)"] = round(metrics["classifier_score"], 2)
    if metrics.get("reconstruction_mse") is not None:
        columns["reconstruction MSE"] = round(metrics["reconstruction_mse"], 4)
    if metrics.get("common_sense_error_mean_min") is not None:
        columns["mean error (min)"] = round(metrics["common_sense_error_mean_min"], 2)
        columns["median error (min)"] = round(metrics.get("common_sense_error_median_min", float("nan")), 2)
    return columns


def run_row(info: Any, knobs: Iterable[str] = ()) -> dict[str, Any]:
    """One table row for a run: name, data, model, chosen knobs, scores, cost."""
    config, metrics, status = info.config or {}, info.metrics or {}, info.status or {}
    data = config.get("data", {})
    dataset = data.get("dataset", "?") + (" (permuted)" if data.get("permuted") else "")
    row: dict[str, Any] = {
        "run": config.get("name") or info.run_id,
        "source": "pretrained" if info.is_pretrained else "yours",
        "state": status.get("state", "?"),
        "dataset": dataset,
        "model": model_label(config),
    }
    if data.get("dataset") == "clocks":
        row["encoding"] = config.get("encoding", "?")
    for knob in knobs:
        row[knob] = config_value(config, KNOBS[knob])
    row.update(_score_columns(metrics))
    if metrics.get("params") is not None:
        row["parameters"] = int(metrics["params"])
    if metrics.get("train_time_s") is not None:
        row["train time (s)"] = round(float(metrics["train_time_s"]), 1)
    row["run id"] = info.run_id
    return row


def run_rows(infos: Iterable[Any], knobs: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Rows for many runs, with the same columns in every row (missing values are None)."""
    knobs = list(knobs)
    rows = [run_row(info, knobs) for info in infos]
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return [{key: row.get(key) for key in columns} for row in rows]


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV text (header from the first row)."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_markdown(rows: list[dict[str, Any]]) -> str:
    """Rows as a GitHub-flavoured Markdown table, ready for a lab report."""
    if not rows:
        return ""
    columns = list(rows[0])

    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"
