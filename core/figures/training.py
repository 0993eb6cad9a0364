"""Figures about training and comparing runs: learning curves, grouped bars, the permutation experiment."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.figures.theme import apply_theme, colour, font_size, humanize, line_width, marker_size, scatter_class

_NOT_METRICS = {"epoch", "batch", "step", "time", "seconds", "elapsed"}


def available_metrics(history: dict) -> list[str]:
    """Metric names recorded in a history (without the 'val_' prefix), 'loss' first."""
    names: list[str] = []
    for record in list(history.get("epochs", [])) + list(history.get("batches", [])):
        for key in record:
            name = key[4:] if key.startswith("val_") else key
            if name not in _NOT_METRICS and name not in names:
                names.append(name)
    return sorted(names, key=lambda name: name != "loss")


def _is_fraction_metric(metric: str) -> bool:
    return metric.endswith("accuracy")


def _values(records: list[dict], key: str) -> list[float | None]:
    return [None if record.get(key) is None else float(record[key]) for record in records]


def _steps_per_epoch(history: dict) -> int:
    """Batches per epoch: recorded by the trainer, else the largest batch number seen."""
    if history.get("steps_per_epoch"):
        return int(history["steps_per_epoch"])
    batches = [int(record.get("batch", 0)) for record in history.get("batches", [])]
    return max(batches + [1])


def batch_trace(name: str, history: dict, metric: str, index: int, large_text: bool) -> go.Scatter | None:
    """Per-batch values as a thin faint line on a fractional-epoch axis ('batch' counts batches done)."""
    batches = [record for record in history.get("batches", []) if record.get(metric) is not None]
    if not batches:
        return None
    steps = _steps_per_epoch(history)
    x = [int(b["epoch"]) - 1 + int(b.get("batch", 0)) / steps for b in batches]
    trace = scatter_class(len(x))
    return trace(
        x=x,
        y=_values(batches, metric),
        mode="lines",
        name=f"{name} (per batch)",
        legendgroup=name,
        showlegend=False,
        opacity=0.35,
        line=dict(color=colour(index), width=line_width(large_text) / 2.5),
        hovertemplate=f"{name}<br>epoch %{{x:.2f}}<br>{humanize(metric)} per batch %{{y:.4g}}<extra></extra>",
    )


def _epoch_trace(name: str, epochs: list[dict], key: str, index: int, dashed: bool, large_text: bool) -> go.Scatter:
    label = f"{name} · {'validation' if dashed else 'train'}"
    return go.Scatter(
        x=[int(e["epoch"]) for e in epochs],
        y=_values(epochs, key),
        mode="lines+markers",
        name=label,
        legendgroup=name,
        line=dict(color=colour(index), width=line_width(large_text), dash="dash" if dashed else "solid"),
        marker=dict(size=marker_size(large_text), symbol="circle-open" if dashed else "circle"),
        hovertemplate=f"{label}<br>epoch %{{x}}<br>{humanize(key)} %{{y:.4g}}<extra></extra>",
    )


def training_curves(
    histories: list[tuple[str, dict]], metric: str = "loss", per_batch: bool = True, large_text: bool = False
) -> go.Figure:
    """Learning curves of one metric for several runs: train solid, validation dashed, one colour per run."""
    fig = go.Figure()
    for index, (name, history) in enumerate(histories):
        epochs = list(history.get("epochs", []))
        if per_batch:
            batch = batch_trace(name, history, metric, index, large_text)
            if batch is not None:
                fig.add_trace(batch)
        for key, dashed in ((metric, False), (f"val_{metric}", True)):
            if any(e.get(key) is not None for e in epochs):
                fig.add_trace(_epoch_trace(name, epochs, key, index, dashed, large_text))
    fig.update_layout(
        title=f"{humanize(metric).capitalize()} during training",
        xaxis=dict(title="epoch", rangemode="tozero"),
        yaxis=dict(title=humanize(metric), tickformat=".0%" if _is_fraction_metric(metric) else None),
        hovermode="closest",
    )
    return apply_theme(fig, large_text)


def _label(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _value_text(key: str, value: float) -> str:
    return f"{value:.1%}" if "acc" in key and 0 <= value <= 1 else f"{value:.3g}"


def comparison_bar(rows: list[dict], x: str, y: str, color: str | None = None, large_text: bool = False) -> go.Figure:
    """Grouped bars comparing runs (e.g. optimizer x learning rate -> test accuracy), value on each bar."""
    groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    x_order: list[str] = []
    for row in rows:
        if row.get(y) is None:
            continue
        key = _label(row[x])
        x_order += [] if key in x_order else [key]
        groups[_label(row[color]) if color else y][key].append(float(row[y]))
    fig = go.Figure()
    for index, (group, by_x) in enumerate(groups.items()):
        xs = [key for key in x_order if key in by_x]
        means = [float(np.mean(by_x[key])) for key in xs]
        counts = [len(by_x[key]) for key in xs]
        fig.add_trace(
            go.Bar(
                x=xs,
                y=means,
                name=group,
                marker_color=colour(index),
                text=[_value_text(y, m) for m in means],
                textposition="outside",
                customdata=counts,
                cliponaxis=False,
                hovertemplate=(
                    f"{humanize(color) + ' ' + group + '<br>' if color else ''}{humanize(x)} %{{x}}<br>"
                    f"{humanize(y)} %{{text}}<br>mean of %{{customdata}} run(s)<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        barmode="group",
        title=f"{humanize(y).capitalize()} by {humanize(x)}",
        xaxis=dict(title=humanize(x), type="category"),
        yaxis=dict(title=humanize(y), tickformat=".0%" if "acc" in y else None),
        legend=dict(title=humanize(color) if color else None),
        showlegend=bool(color),
        uniformtext=dict(minsize=font_size(large_text) - 2, mode="show"),
    )
    return apply_theme(fig, large_text)


_PIXEL_COLOURS = {"original": 0, "permuted": 3}


def _val_accuracy(history: dict) -> tuple[list[int], list[float | None]]:
    epochs = [e for e in history.get("epochs", []) if e.get("val_accuracy") is not None]
    return [int(e["epoch"]) for e in epochs], _values(epochs, "val_accuracy")


def _permutation_bars(fig: go.Figure, dataset: str, pixels: str, chosen: list[dict], col: int) -> None:
    fig.add_trace(
        go.Bar(
            x=[str(row["model"]).upper() for row in chosen],
            y=[float(row["accuracy"]) for row in chosen],
            name=f"{pixels} pixels",
            legendgroup=pixels,
            showlegend=col == 1,
            marker_color=colour(_PIXEL_COLOURS.get(pixels, 1)),
            marker_pattern_shape="/" if pixels == "permuted" else "",
            text=[f"{float(row['accuracy']):.1%}" for row in chosen],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"{dataset}<br>%{{x}} on {pixels} pixels<br>test accuracy %{{y:.2%}}<extra></extra>",
        ),
        row=1,
        col=col,
    )


def _permutation_curves(fig: go.Figure, pixels: str, chosen: list[dict], col: int, large_text: bool) -> None:
    for row in chosen:
        epochs, values = _val_accuracy(row.get("history") or {})
        model = str(row["model"]).upper()
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=values,
                mode="lines+markers",
                name=f"{model}, {pixels}",
                legendgroup=pixels,
                showlegend=False,
                marker=dict(size=marker_size(large_text)),
                line=dict(
                    color=colour(_PIXEL_COLOURS.get(pixels, 1)),
                    width=line_width(large_text),
                    dash="solid" if model == "CNN" else "dot",
                ),
                hovertemplate=f"{model} on {pixels} pixels<br>epoch %{{x}}<br>validation accuracy %{{y:.2%}}"
                "<extra></extra>",
            ),
            row=2,
            col=col,
        )


def permutation_accuracy_chart(rows: list[dict], large_text: bool = False) -> go.Figure:
    """Test accuracy of MLP vs CNN on original vs permuted pixels, one panel per dataset; curves below if any."""
    datasets = list(dict.fromkeys(str(row["dataset"]) for row in rows))
    if not datasets:
        raise ValueError("the permutation chart needs at least one result row")
    with_curves = any(row.get("history") for row in rows)
    fig = make_subplots(
        rows=2 if with_curves else 1,
        cols=len(datasets),
        subplot_titles=datasets,
        vertical_spacing=0.18,
        row_heights=[0.55, 0.45] if with_curves else None,
    )
    for col, dataset in enumerate(datasets, start=1):
        mine = [row for row in rows if str(row["dataset"]) == dataset]
        for pixels in dict.fromkeys(str(row["pixels"]) for row in mine):
            chosen = [row for row in mine if str(row["pixels"]) == pixels]
            _permutation_bars(fig, dataset, pixels, chosen, col)
            if with_curves:
                _permutation_curves(fig, pixels, chosen, col, large_text)
        fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=col)
        if with_curves:
            fig.update_xaxes(title_text="epoch (CNN solid, MLP dotted)", row=2, col=col)
            fig.update_yaxes(tickformat=".0%", row=2, col=col)
    fig.update_yaxes(title_text="test accuracy", row=1, col=1)
    if with_curves:
        fig.update_yaxes(title_text="validation accuracy", row=2, col=1)
    fig.update_layout(barmode="group", title="Does pixel order matter? MLP vs CNN", height=700 if with_curves else 450)
    return apply_theme(fig, large_text)
