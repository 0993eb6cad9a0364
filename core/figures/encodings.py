"""What a network should output for one time under an encoding, drawn from the encoded targets themselves.

The chart does not switch on encoding names: each output's targets over a full 12-hour cycle say what
they are (class indices or probabilities -> bars, one number -> a number line with its seam, (sin, cos)
pairs -> circles), so a new encoding gets a sensible picture for free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.clocks.time import MINUTES, format_time, to_labels
from core.figures.clocks import CIRCLE_LABELS, dial_traces
from core.figures.theme import NEUTRAL, apply_theme, clock_ticks, colour, font_size, humanize, line_width, marker_size

ALL_MINUTES = np.arange(MINUTES)


@dataclass
class Panel:
    """One subplot: a kind ('bars', 'line', 'circle'), its title, and the numbers it shows."""

    kind: str
    title: str
    target: np.ndarray
    extra: Any = None  # bars: class width in minutes; line: period; circle: 'hour' | 'minute'


def _is_distribution(cycle: np.ndarray) -> bool:
    return bool(np.all(cycle >= 0) and np.allclose(cycle.sum(axis=1), 1.0, atol=1e-4))


def _pair_circle(cycle_pair: np.ndarray) -> str:
    """'minute' when the pair comes back to the same point after 60 minutes, else 'hour'."""
    return "minute" if np.allclose(cycle_pair[0], cycle_pair[60], atol=1e-4) else "hour"


def _panels_for(name: str, target: np.ndarray, cycle: np.ndarray) -> list[Panel]:
    """Read one output's kind from its targets over the whole 12-hour cycle."""
    title = humanize(name)
    if cycle.ndim == 1 and np.issubdtype(cycle.dtype, np.integer):
        n = int(cycle.max()) + 1
        return [Panel("bars", f"{title}: target class", np.eye(n)[int(target)], MINUTES // n)]
    cycle, target = cycle.reshape(len(cycle), -1), target.reshape(-1)
    if cycle.shape[1] > 1 and _is_distribution(cycle):
        return [Panel("bars", f"{title}: target probabilities", target, MINUTES // cycle.shape[1])]
    if cycle.shape[1] == 1:
        return [Panel("line", f"{title}: target number", target, _period(cycle))]
    panels = []
    for start in range(0, cycle.shape[1] - 1, 2):
        circle = _pair_circle(cycle[:, start : start + 2])
        panels.append(Panel("circle", f"{title}: {circle} circle (sin, cos)", target[start : start + 2], circle))
    return panels


def _period(cycle: np.ndarray) -> float:
    """The value one full turn maps to (where the seam is): the largest target plus one step."""
    values = np.unique(np.round(cycle.reshape(-1), 6))
    return float(values[-1] + (values[1] - values[0])) if len(values) > 1 else 1.0


def _bars(fig: go.Figure, panel: Panel, col: int, large_text: bool, minutes: float) -> None:
    width = panel.extra
    starts = np.arange(len(panel.target)) * width
    ranges = [f"{format_time(s)}–{format_time(s + width - 1)}" if width > 1 else format_time(s) for s in starts]
    fig.add_trace(
        go.Bar(
            x=starts + width / 2,
            y=panel.target,
            width=width * 0.9,
            marker_color=colour(0),
            name=panel.title,
            customdata=ranges,
            showlegend=False,
            hovertemplate="class %{customdata}<br>target %{y:.3f}<extra></extra>",
        ),
        row=1,
        col=col,
    )
    peak = int(np.argmax(panel.target))  # a marker keeps a one-minute-wide bar visible
    fig.add_trace(
        go.Scatter(
            x=[starts[peak] + width / 2],
            y=[panel.target[peak]],
            name="most likely class",
            mode="markers+text",
            text=[ranges[peak].split("–")[0]],
            textposition="top center",
            showlegend=False,
            marker=dict(symbol="triangle-down", size=2 * marker_size(large_text), color=colour(3)),
            hovertemplate=f"most likely class {ranges[peak]}<extra></extra>",
        ),
        row=1,
        col=col,
    )
    values, text = clock_ticks(max(60, width * max(1, len(starts) // 12)))
    fig.update_xaxes(
        tickvals=values,
        ticktext=text,
        range=[0, MINUTES],
        title_text="class (start time)",
        tickangle=-45,
        row=1,
        col=col,
    )
    fig.update_yaxes(range=[0, 1.2], title_text="target", row=1, col=col)


def _number_line(fig: go.Figure, panel: Panel, col: int, large_text: bool, minutes: float) -> None:
    period, value = panel.extra, float(panel.target[0])
    ticks = np.linspace(0, period, 13 if period > 1 else 5)
    fig.add_trace(
        go.Scatter(
            x=[0, period],
            y=[0, 0],
            mode="lines",
            name="number line",
            hoverinfo="skip",
            showlegend=False,
            line=dict(color=NEUTRAL, width=line_width(large_text)),
        ),
        row=1,
        col=col,
    )
    fig.add_trace(
        go.Scatter(
            x=[value],
            y=[0],
            mode="markers+text",
            text=[f"{value:.3g}"],
            textposition="top center",
            name=panel.title,
            marker=dict(size=2.5 * marker_size(large_text), color=colour(0)),
            showlegend=False,
            hovertemplate=f"target %{{x:.4g}} = {format_time(minutes)}<extra></extra>",
        ),
        row=1,
        col=col,
    )
    for edge in (0.0, period):
        fig.add_vline(
            x=edge, line=dict(color=colour(3), dash="dash", width=line_width(large_text) / 1.5), row=1, col=col
        )
    fig.add_annotation(
        x=period / 2,
        y=-0.7,
        showarrow=False,
        row=1,
        col=col,
        font=dict(color=colour(3)),
        text=f"seam: {period:g} and 0 are the same hand position, yet far apart as numbers",
    )
    fig.update_xaxes(
        tickvals=ticks,
        ticktext=[f"{t:g}" for t in ticks],
        range=[-0.05 * period, 1.05 * period],
        title_text="target value",
        row=1,
        col=col,
    )
    fig.update_yaxes(visible=False, range=[-1, 1], row=1, col=col)


def _circle(fig: go.Figure, panel: Panel, col: int, large_text: bool, minutes: float) -> None:
    for trace in dial_traces(CIRCLE_LABELS[panel.extra], large_text):
        fig.add_trace(trace, row=1, col=col)
    sin, cos = (float(v) for v in panel.target)
    fig.add_trace(
        go.Scatter(
            x=[0, sin],
            y=[0, cos],
            name=panel.title,
            mode="lines+markers",
            showlegend=False,
            line=dict(color=colour(0), width=line_width(large_text)),
            marker=dict(size=[0, 2.5 * marker_size(large_text)], color=colour(0)),
            hovertemplate=f"target sin {sin:.2f}, cos {cos:.2f} = {format_time(minutes)}<extra></extra>",
        ),
        row=1,
        col=col,
    )
    anchor = "x" if col == 1 else f"x{col}"
    hidden = dict(range=[-1.4, 1.4], showgrid=False, zeroline=False, showticklabels=False)
    fig.update_xaxes(hidden, constrain="domain", row=1, col=col)
    fig.update_yaxes(hidden, scaleanchor=anchor, row=1, col=col)


DRAW: dict[str, Callable] = {"bars": _bars, "line": _number_line, "circle": _circle}
WIDTHS = {"bars": 2.0, "line": 2.0, "circle": 1.0}


def encoding_output_chart(encoding: Any, minutes: float, large_text: bool = False) -> go.Figure:
    """The targets the network is trained to output for one time: bars, a number line with its seam, or circles."""
    if not getattr(encoding, "is_clock", False):
        raise ValueError(f"encoding '{encoding.name}' is not a clock encoding: it has no target for a time")
    labels = to_labels(np.array([minutes]))
    targets, cycle = encoding.encode(labels), encoding.encode(to_labels(ALL_MINUTES))
    panels = [p for name in targets for p in _panels_for(name, np.asarray(targets[name])[0], np.asarray(cycle[name]))]
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        subplot_titles=[p.title for p in panels],
        column_widths=[WIDTHS[p.kind] for p in panels],
        horizontal_spacing=0.08,
    )
    for col, panel in enumerate(panels, start=1):
        DRAW[panel.kind](fig, panel, col, large_text, minutes)
    fig.update_layout(
        title=f"{encoding.title}: what the network should output for {format_time(minutes)}",
        height=460 if large_text else 380,
        bargap=0,
    )
    fig.update_annotations(font_size=font_size(large_text))
    return apply_theme(fig, large_text)
