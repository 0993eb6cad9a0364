"""Figures about clock predictions: the sin/cos circle, error histograms, runs' mean errors, the 12:00 seam, a hands
readout."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.clocks.time import MINUTES, common_sense_error, format_time, hour_angle_degrees
from core.figures.theme import (
    NEUTRAL,
    SEQUENTIAL,
    apply_theme,
    colour,
    font_size,
    gray_image,
    line_width,
    marker_size,
    minutes_axis,
    scatter_class,
    time_strings,
)
from core.figures.training import comparison_bar

CIRCLE_LABELS = {"hour": [str(h or 12) for h in range(12)], "minute": [f":{m:02d}" for m in range(0, 60, 5)]}
ERROR_EDGES = (0, 1, 2, 5, 10, 15, 30, 60, 120, 240, 360)
ERROR_BIN_LABELS = ("< 1", "1–2", "2–5", "5–10", "10–15", "15–30", "30–60", "1–2 h", "2–4 h", "4–6 h")
ERROR_MARKS = (1, 5, 10)


def _xy(angle_degrees: np.ndarray | float, radius: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Clock position: angle clockwise from 12 o'clock, so x = sin and y = cos."""
    radians = np.radians(angle_degrees)
    return radius * np.sin(radians), radius * np.cos(radians)


def dial_traces(labels: list[str], large_text: bool, label_radius: float = 1.17) -> list[go.Scatter]:
    """A grey unit circle, tick marks and the 12 labels around it (12 at the top)."""
    ring_x, ring_y = _xy(np.linspace(0, 360, 361))
    angles = np.arange(12) * 30.0
    inner_x, inner_y = _xy(angles, 0.94)
    outer_x, outer_y = _xy(angles, 1.0)
    tick_x = np.stack([inner_x, outer_x, np.full(12, np.nan)], 1).ravel()
    tick_y = np.stack([inner_y, outer_y, np.full(12, np.nan)], 1).ravel()
    label_x, label_y = _xy(angles, label_radius)
    style = dict(color=NEUTRAL, width=line_width(large_text) / 2)
    return [
        go.Scatter(x=ring_x, y=ring_y, mode="lines", name="dial", line=style, hoverinfo="skip", showlegend=False),
        go.Scatter(x=tick_x, y=tick_y, mode="lines", name="dial ticks", line=style, hoverinfo="skip", showlegend=False),
        go.Scatter(
            x=label_x,
            y=label_y,
            mode="text",
            name="dial labels",
            text=labels,
            hoverinfo="skip",
            showlegend=False,
            textfont=dict(size=font_size(large_text), color="#222222"),
        ),
    ]


def _square_axes(fig: go.Figure, extent: float = 1.4) -> None:
    hidden = dict(range=[-extent, extent], showgrid=False, zeroline=False, showticklabels=False, title=None)
    fig.update_layout(xaxis=dict(hidden, constrain="domain"), yaxis=dict(hidden, scaleanchor="x"))


def _worst_lines(
    true_xy: np.ndarray, predicted_xy: np.ndarray, errors: np.ndarray, worst_k: int, large_text: bool
) -> go.Scatter:
    worst = np.argsort(-errors)[:worst_k]
    gap = np.full(len(worst), np.nan)
    x = np.stack([true_xy[worst, 0], predicted_xy[worst, 0], gap], 1).ravel()
    y = np.stack([true_xy[worst, 1], predicted_xy[worst, 1], gap], 1).ravel()
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        name=f"worst {len(worst)}",
        hoverinfo="skip",
        line=dict(color=colour(3), width=line_width(large_text) / 2.5),
    )


def _circle_points(xy: np.ndarray, name: str, marker: dict, hover: list[str], template: str) -> go.Scatter:
    """Markers at the (sin, cos) rows of `xy`, each with its hover text."""
    points = scatter_class(len(xy))
    return points(x=xy[:, 0], y=xy[:, 1], mode="markers", name=name, marker=marker, text=hover, hovertemplate=template)


def clock_circle(
    true_sincos: np.ndarray,
    predicted_sincos: np.ndarray,
    errors: np.ndarray,
    true_minutes: np.ndarray,
    predicted_minutes: np.ndarray,
    circle: str = "hour",
    worst_k: int = 20,
    large_text: bool = False,
) -> go.Figure:
    """Targets on the unit circle and raw (sin, cos) outputs coloured by error, 12 o'clock at the top."""
    if circle not in CIRCLE_LABELS:
        raise ValueError(f"circle must be 'hour' or 'minute', got {circle!r}")
    true_xy, predicted_xy = np.asarray(true_sincos, np.float64), np.asarray(predicted_sincos, np.float64)
    errors = np.asarray(errors, np.float64).reshape(-1)
    if true_xy.shape != predicted_xy.shape or true_xy.shape != (len(errors), 2):
        raise ValueError("true and predicted sin/cos must both be [N, 2] with one error per row")
    hover = [
        f"true {t}<br>predicted {p}<br>error {e:.0f} min"
        for t, p, e in zip(time_strings(true_minutes), time_strings(predicted_minutes), errors)
    ]
    fig = go.Figure(dial_traces(CIRCLE_LABELS[circle], large_text))
    targets = dict(color=NEUTRAL, size=marker_size(large_text) * 0.8, symbol="circle-open")
    fig.add_trace(_circle_points(true_xy, "true time (target)", targets, hover, "%{text}<extra>target</extra>"))
    if worst_k > 0 and len(errors):
        fig.add_trace(_worst_lines(true_xy, predicted_xy, errors, worst_k, large_text))
    outputs = dict(
        color=errors,
        colorscale=SEQUENTIAL,
        cmin=0,
        cmax=max(float(errors.max(initial=0)), 1.0),
        size=marker_size(large_text),
        opacity=0.8,
        colorbar=dict(title="error (min)"),
    )
    template = "%{text}<br>output (sin %{x:.2f}, cos %{y:.2f})<extra>output</extra>"
    fig.add_trace(_circle_points(predicted_xy, "network output", outputs, hover, template))
    fig.update_layout(
        title=f"{circle.capitalize()} circle: targets and raw network outputs",
        legend=dict(orientation="h", y=-0.05),
        height=640 if large_text else 560,
    )
    _square_axes(fig, max(1.4, 1.05 * float(np.abs(predicted_xy).max(initial=0))))
    return apply_theme(fig, large_text)


def _error_shares(errors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.array(ERROR_EDGES, np.float64)
    edges[-1] += 1e-6
    counts, _ = np.histogram(np.clip(errors, 0, 360), bins=edges)
    return counts, counts / max(len(errors), 1)


def error_histogram(errors_by_model: dict[str, np.ndarray], large_text: bool = False) -> go.Figure:
    """Share of test images per common-sense error band (minutes, widening bands), lines at 1, 5 and 10 min."""
    fig = go.Figure()
    for index, (model, errors) in enumerate(errors_by_model.items()):
        counts, shares = _error_shares(np.asarray(errors, np.float64).reshape(-1))
        fig.add_trace(
            go.Bar(
                x=list(ERROR_BIN_LABELS),
                y=shares,
                name=model,
                marker_color=colour(index),
                customdata=counts,
                hovertemplate=f"{model}<br>error %{{x}} min: %{{y:.1%}} of images (%{{customdata}})<extra></extra>",
            )
        )
    for mark in ERROR_MARKS:
        position = ERROR_EDGES.index(mark) - 0.5  # the boundary between two category bars
        fig.add_vline(
            x=position,
            line=dict(color="#444444", dash="dot", width=line_width(large_text) / 2),
            annotation_text=f"{mark} min",
            annotation_position="top",
        )
    fig.update_layout(
        barmode="group",
        title="How far off are the predictions?",
        xaxis=dict(title="common-sense error (minutes; bands widen to the right)", type="category"),
        yaxis=dict(title="share of test images", tickformat=".0%"),
    )
    return apply_theme(fig, large_text)


def comparison_figure(rows: list[dict], course_bar: float, peers_best: float, large_text: bool = False) -> go.Figure:
    """Mean common-sense error of each scored run on a log axis, with the course bar and the peers' best as lines."""
    fig = comparison_bar(rows, x="run", y="mean error (min)", large_text=large_text)
    values = [max(float(row["mean error (min)"]), 0.01) for row in rows] + [peers_best, course_bar]
    # An explicit range: Plotly's log autorange leaves room for the outside labels up to 10^8 otherwise.
    fig.update_yaxes(
        type="log",
        title_text="mean common-sense error (min, log scale)",
        range=[np.log10(min(values)) - 0.3, np.log10(max(values)) + 0.4],
    )
    for value, text, dash in (
        (course_bar, f"course bar: {course_bar:g} min", "dash"),
        (peers_best, f"peers' best: ~{peers_best:g} min", "dot"),
    ):
        fig.add_hline(y=value, line=dict(color="#444444", dash=dash))
        # Annotations on a log axis take log10 positions (add_hline's own label would land at 10^value).
        fig.add_annotation(
            text=text,
            xref="paper",
            x=0.0,
            xanchor="left",
            y=float(np.log10(value)),
            yanchor="bottom",
            showarrow=False,
            bgcolor="rgba(255, 255, 255, 0.85)",
        )
    fig.update_layout(title="Mean common-sense error by run (lower is better)")
    return fig


def regression_wraparound_chart(
    true_minutes: np.ndarray, predicted_minutes: np.ndarray, large_text: bool = False
) -> go.Figure:
    """Predicted vs true time and error vs true time: a regression fails near 12:00, where 11:59 meets 0:00."""
    true = np.asarray(true_minutes, np.float64).reshape(-1)
    predicted = np.asarray(predicted_minutes, np.float64).reshape(-1) % MINUTES
    errors = common_sense_error(predicted, true)
    hover = [
        f"true {t}<br>predicted {p}<br>error {e:.0f} min"
        for t, p, e in zip(time_strings(true), time_strings(predicted), errors)
    ]
    points = scatter_class(len(true))
    marker = dict(
        color=errors,
        colorscale=SEQUENTIAL,
        cmin=0,
        size=marker_size(large_text) * 0.8,
        opacity=0.7,
        colorbar=dict(title="error (min)"),
    )
    fig = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=("predicted vs true time", "error vs true time")
    )
    fig.add_trace(
        go.Scatter(
            x=[0, MINUTES],
            y=[0, MINUTES],
            mode="lines",
            name="perfect",
            hoverinfo="skip",
            line=dict(color=NEUTRAL, dash="dash", width=line_width(large_text) / 2),
        ),
        row=1,
        col=1,
    )
    panels = ((predicted, "test image", marker), (errors, "error", dict(marker, showscale=False)))
    for col, (y, name, shown) in enumerate(panels, start=1):
        fig.add_trace(
            points(
                x=true,
                y=y,
                mode="markers",
                name=name,
                marker=shown,
                text=hover,
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
    size = font_size(large_text)
    for col in (1, 2):
        fig.add_vrect(x0=-10, x1=30, fillcolor=colour(3), opacity=0.12, line_width=0, row=1, col=col)
        fig.add_vrect(x0=690, x1=MINUTES + 10, fillcolor=colour(3), opacity=0.12, line_width=0, row=1, col=col)
        fig.update_xaxes(minutes_axis("true time", size - 2), tickangle=-45, row=1, col=col)
    fig.update_yaxes(minutes_axis("predicted time", size - 2), row=1, col=1)
    fig.update_yaxes(title_text="common-sense error (min)", rangemode="tozero", row=1, col=2)
    fig.update_layout(
        title="Regression near 12:00: the seam (shaded) where 11:59 meets 12:00", height=560 if large_text else 480
    )
    return apply_theme(fig, large_text)


def _hands(minutes: float, name: str, tone: str, dash: str, large_text: bool) -> go.Scatter:
    hour_deg, minute_deg = hour_angle_degrees(minutes)
    hour_x, hour_y = _xy(hour_deg, 0.5)
    minute_x, minute_y = _xy(minute_deg, 0.85)
    return go.Scatter(
        x=[hour_x, 0, minute_x],
        y=[hour_y, 0, minute_y],
        mode="lines+markers",
        name=name,
        line=dict(color=tone, width=line_width(large_text) * 1.4, dash=dash),
        marker=dict(size=[marker_size(large_text), 0, marker_size(large_text)], color=tone),
        hovertemplate=f"{name}<extra></extra>",
        xaxis="x2",
        yaxis="y2",
    )


def clock_prediction_overlay(
    image: np.ndarray, predicted_minutes: float, true_minutes: float | None = None, large_text: bool = False
) -> go.Figure:
    """The clock image with a separate dial beside it showing predicted hands (and true hands, dashed).

    The hands are drawn on their own dial rather than over the photo because clocks in the images can
    be rotated, so hands from the image centre would point the wrong way.
    """
    fig = go.Figure(gray_image(image, "clock image"))
    for trace in dial_traces(CIRCLE_LABELS["hour"], large_text, label_radius=1.2):
        fig.add_trace(trace.update(xaxis="x2", yaxis="y2"))
    title = f"predicted {format_time(predicted_minutes)}"
    if true_minutes is not None:
        fig.add_trace(_hands(true_minutes, f"true {format_time(true_minutes)}", colour(0), "dash", large_text))
        title += (
            f" · true {format_time(true_minutes)} ({common_sense_error(predicted_minutes, true_minutes):.0f} min off)"
        )
    fig.add_trace(
        _hands(predicted_minutes, f"predicted {format_time(predicted_minutes)}", colour(3), "solid", large_text)
    )
    hidden = dict(showgrid=False, zeroline=False, showticklabels=False)
    fig.update_layout(
        title=title,
        legend=dict(orientation="h", y=-0.05),
        height=480 if large_text else 400,
        xaxis=dict(hidden, domain=[0, 0.6], constrain="domain"),
        yaxis=dict(hidden, autorange="reversed", scaleanchor="x"),
        xaxis2=dict(hidden, domain=[0.66, 1], range=[-1.45, 1.45], constrain="domain"),
        yaxis2=dict(hidden, range=[-1.45, 1.45], scaleanchor="x2", anchor="x2"),
    )
    return apply_theme(fig, large_text)
