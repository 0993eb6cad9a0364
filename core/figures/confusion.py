"""Confusion matrices: class names for datasets, clock times for clock classes (up to 720 x 720)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.clocks.time import MINUTES, format_time
from core.figures.pictures import row_share
from core.figures.theme import SEQUENTIAL, apply_theme, font_size

ANNOTATE_MAX = 24


def _square(matrix: np.ndarray, n: int, what: str) -> np.ndarray:
    matrix = np.asarray(matrix)
    if matrix.shape != (n, n):
        raise ValueError(f"the confusion matrix must be {n}x{n} for {what}, got shape {matrix.shape}")
    return matrix


def confusion_heatmap(
    matrix: np.ndarray,
    labels: list[str],
    title: str = "Confusion matrix",
    normalize: bool = True,
    large_text: bool = False,
) -> go.Figure:
    """Rows = true class, columns = predicted; cell customdata [true, predicted, count, percent] for on_select."""
    matrix = _square(matrix, len(labels), f"{len(labels)} labels")
    n = len(labels)
    share = row_share(matrix)
    rows, cols = np.indices((n, n))
    customdata = np.stack([rows, cols, matrix, np.round(share * 100, 1)], axis=-1)
    heatmap = go.Heatmap(
        z=share if normalize else matrix,
        x=list(labels),
        y=list(labels),
        customdata=customdata,
        name="confusion matrix",
        colorscale="Cividis",
        zmin=0,
        zmax=1 if normalize else None,
        xgap=1,
        ygap=1,
        colorbar=dict(title="share of true class" if normalize else "count", tickformat=".0%" if normalize else None),
        hovertemplate="true %{y}, predicted %{x}: %{customdata[2]} (%{customdata[3]}%)<extra></extra>",
    )
    if n <= ANNOTATE_MAX:
        heatmap.update(
            text=matrix.astype(np.int64).astype(str),
            texttemplate="%{text}",
            textfont=dict(size=font_size(large_text) - (2 if n > 12 else 0)),
        )
    fig = go.Figure(heatmap)
    short_labels = max(len(str(label)) for label in labels) <= 3
    fig.update_layout(
        title=title,
        xaxis=dict(
            title="predicted class",
            type="category",
            tickangle=0 if short_labels else -45,
            constrain="domain",
            showgrid=False,
        ),
        yaxis=dict(
            title="true class",
            type="category",
            autorange="reversed",
            scaleanchor="x",
            constrain="domain",
            showgrid=False,
        ),
        height=620 if large_text else 520,
        plot_bgcolor="white",
    )
    return apply_theme(fig, large_text)


def clock_class_labels(n_classes: int) -> list[str]:
    """Each class as the time range it covers: '3:30–3:59' (or '3:30' when a class is one minute)."""
    if n_classes < 2 or MINUTES % n_classes:
        raise ValueError(f"the number of clock classes must divide 720 (got {n_classes})")
    width = MINUTES // n_classes
    starts = np.arange(n_classes) * width
    if width == 1:
        return [format_time(s) for s in starts]
    return [f"{format_time(s)}–{format_time(s + width - 1)}" for s in starts]


def _clock_ticks(n_classes: int, labels: list[str]) -> tuple[list[str], list[str]]:
    """Category ticks: every class up to 24 classes, else every full hour; text is the start time."""
    every = 1 if n_classes <= ANNOTATE_MAX else n_classes // 12
    values = labels[::every]
    return values, [value.split("–")[0] for value in values]


def _log_colorbar(max_count: float) -> dict:
    decades = [10**k for k in range(0, int(np.log10(max(max_count, 1))) + 1)]
    return dict(
        title="count (log scale)",
        tickvals=[np.log10(1 + d) for d in [0] + decades],
        ticktext=["0"] + [f"{d:,}" for d in decades],
    )


def clock_confusion_heatmap(
    matrix: np.ndarray, n_classes: int, log_scale: bool = True, large_text: bool = False
) -> go.Figure:
    """Clock-class confusion as one fast heatmap with clock-time axes; log colour keeps rare mistakes visible."""
    labels = clock_class_labels(n_classes)
    counts = _square(matrix, n_classes, f"{n_classes} clock classes").astype(np.int64)
    heatmap = go.Heatmap(
        z=counts,
        x=labels,
        y=labels,
        colorscale=SEQUENTIAL,
        zsmooth=False,
        zmin=0,
        name="confusion matrix",
        colorbar=dict(title="count"),
        hoverongaps=False,
        hovertemplate="true %{y}<br>predicted %{x}<br>count %{z}<extra></extra>",
    )
    if log_scale:  # colour by log count; hover still reads the raw count from customdata
        heatmap.update(
            z=np.log10(1.0 + counts).astype(np.float32),
            customdata=counts,
            colorbar=_log_colorbar(counts.max(initial=0)),
            hovertemplate="true %{y}<br>predicted %{x}<br>count %{customdata}<extra></extra>",
        )
    fig = go.Figure(heatmap)
    tickvals, ticktext = _clock_ticks(n_classes, labels)
    axis = dict(type="category", tickvals=tickvals, ticktext=ticktext, showgrid=False)
    fig.update_layout(
        title=f"Confusion matrix, {n_classes} clock classes",
        xaxis=dict(axis, title="predicted time", tickangle=-45, constrain="domain"),
        yaxis=dict(axis, title="true time", autorange="reversed", scaleanchor="x", constrain="domain"),
        height=680 if large_text else 580,
    )
    return apply_theme(fig, large_text)
