"""The shared look of every Clockwork figure: Okabe-Ito colours, projector-sized text, clock-time axes.

Builders call `apply_theme` last, so one switch (`large_text`) makes any figure readable from the back
of a classroom. Importing this module makes plotly_white Plotly's default template, so a new figure starts
with it for free: setting a template on a figure validates all of it again, ~25 ms a figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from core.clocks.time import MINUTES, format_time

# Okabe & Ito (2008) colour-blind-safe palette, ordered so the first colours stay strong on white.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
SEQUENTIAL = "Viridis"
NEUTRAL = "#7F7F7F"
WEBGL_THRESHOLD = 1000

pio.templates.default = "plotly_white"


def font_size(large_text: bool) -> int:
    """Body text size in points: 14 on a laptop, 22 on a projector."""
    return 22 if large_text else 14


def line_width(large_text: bool) -> float:
    """Main line width in pixels."""
    return 4.0 if large_text else 2.5


def marker_size(large_text: bool) -> float:
    """Marker diameter in pixels for scatter points."""
    return 9.0 if large_text else 6.0


def colour(index: int) -> str:
    """The palette colour for the index-th category (cycling)."""
    return OKABE_ITO[index % len(OKABE_ITO)]


def scatter_class(n_points: int) -> type:
    """go.Scattergl for charts with more than 1,000 points (WebGL), else go.Scatter."""
    return go.Scattergl if n_points > WEBGL_THRESHOLD else go.Scatter


def theme_layout(large_text: bool = False) -> dict[str, Any]:
    """The fonts, colours and margins shared by all figures, as layout settings (for figures built in one call)."""
    size = font_size(large_text)
    return dict(
        colorway=list(OKABE_ITO),
        font=dict(size=size, family="Arial, Helvetica, sans-serif", color="#222222"),
        title=dict(font=dict(size=round(size * 1.3))),
        legend=dict(font=dict(size=size)),
        hoverlabel=dict(font=dict(size=size)),
        margin=dict(l=20 + 3 * size, r=20 + size, t=40 + 2 * size, b=20 + 3 * size),
    )


def apply_theme(fig: go.Figure, large_text: bool = False) -> go.Figure:
    """Set fonts, colours and margins shared by all figures (theme_layout, and annotations' size); returns `fig`."""
    fig.update_layout(theme_layout(large_text))
    fig.update_annotations(font_size=font_size(large_text))
    return fig


def gray_image(image: np.ndarray, name: str) -> go.Heatmap:
    """A grayscale image [H, W] (0..255) as a heatmap trace, each pixel's row, column and value on hover."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"expected one grayscale image [H, W], got shape {image.shape}")
    return go.Heatmap(
        z=image,
        name=name,
        colorscale="gray",
        zmin=0,
        zmax=255,
        showscale=False,
        hovertemplate="row %{y}, column %{x}: %{z}<extra></extra>",
    )


def humanize(name: str) -> str:
    """A metric or config key in plain words: 'val_accuracy' -> 'validation accuracy'."""
    words = {"val": "validation", "lr": "learning rate", "mae": "mean abs. error", "acc": "accuracy"}
    return " ".join(words.get(part, part) for part in str(name).split("_"))


def clock_ticks(step_minutes: int = 60, start: int = 0, stop: int = MINUTES) -> tuple[list[int], list[str]]:
    """Tick positions (minutes) and clock labels ('12:00', '1:00', ...) for a 0..720 minutes axis."""
    values = list(range(start, stop + 1, step_minutes))
    return values, [format_time(v) for v in values]


def minutes_axis(title: str, size: int) -> dict[str, Any]:
    """Axis settings for minutes after 12:00 shown as clock times every hour."""
    values, text = clock_ticks(60)
    return dict(
        title=title, range=[-10, MINUTES + 10], tickvals=values, ticktext=text, tickfont=dict(size=size), zeroline=False
    )


def time_strings(minutes: Sequence[float] | np.ndarray) -> list[str]:
    """Clock readings for many times at once."""
    return [format_time(m) for m in np.asarray(minutes, np.float64).reshape(-1)]
