"""Looking inside clock models: which test images sit in a confusion cell, what one image's outputs say, where it looks.

Everything here is NumPy on arrays a model or an evaluation report already produced, so the
"Tell the time" result views stay thin and these answers are unit-tested. Keras is never imported:
a model enters only as a `predict_fn(images) -> outputs dict` (see `model_predict_fn`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.clocks.time import MINUTES, format_time
from core.evaluation.metrics import whole_minutes
from core.evaluation.saliency import clock_target_fn, occlusion_saliency
from core.models.encodings import Classes

PredictFn = Callable[[np.ndarray], dict]
SMALL_OUTPUT = 4                         # heads this narrow are listed value by value in the readout


# ---- confusion cells ---------------------------------------------------------------------------

def cell_indices(true_minutes: np.ndarray, predicted_minutes: np.ndarray, n_classes: int,
                 true_class: int, predicted_class: int) -> np.ndarray:
    """Indices of the test images counted in one cell of an n-class confusion matrix (evaluation's binning)."""
    bins = Classes(n_classes)
    true_bins = bins.classes_of(np.asarray(true_minutes).reshape(-1))
    predicted_bins = bins.classes_of(whole_minutes(predicted_minutes))  # as evaluate_clock bins them
    return np.flatnonzero((true_bins == true_class) & (predicted_bins == predicted_class))


def top_mistakes(confusion: np.ndarray, k: int = 10) -> list[tuple[int, int, int]]:
    """The k largest off-diagonal cells as (true class, predicted class, count), largest first."""
    off = np.asarray(confusion, np.int64).copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:k]
    rows, cols = np.unravel_index(order, off.shape)
    return [(int(r), int(c), int(off[r, c])) for r, c in zip(rows, cols) if off[r, c] > 0]


def class_range(n_classes: int, index: int) -> str:
    """The clock times one of n classes covers: '3:30–3:39', or '3:30' for one-minute classes."""
    width = MINUTES // n_classes
    start = index * width
    return format_time(start) if width == 1 else f"{format_time(start)}–{format_time(start + width - 1)}"


def hour_offset(n_classes: int, true_class: int, predicted_class: int) -> int:
    """How many whole hours a cell sits off the diagonal (0 when less than an hour), the short way round."""
    width = MINUTES // n_classes
    shift = ((predicted_class - true_class) * width) % MINUTES
    shift = shift - MINUTES if shift > MINUTES // 2 else shift
    return int(np.trunc(shift / 60))


def add_cell_targets(fig: Any, confusion: np.ndarray, n_classes: int) -> Any:
    """Add clickable see-through markers on every non-empty cell of a clock confusion heatmap.

    Plotly heatmaps send no selection events to Streamlit, so one invisible scatter point per non-empty
    cell carries the click (and turns vermillion when selected); customdata holds [true, predicted, count].
    """
    import plotly.graph_objects as go

    counts = np.asarray(confusion, np.int64)
    rows, cols = np.nonzero(counts)
    labels = [class_range(n_classes, i) for i in range(n_classes)]
    fig.add_trace(go.Scatter(
        x=[labels[c] for c in cols], y=[labels[r] for r in rows], mode="markers", name="cells",
        customdata=np.stack([rows, cols, counts[rows, cols]], axis=1), showlegend=False,
        marker=dict(size=max(4, 14 - n_classes // 60), opacity=0, symbol="square"),
        selected=dict(marker=dict(opacity=0.9, color="#D55E00")), unselected=dict(marker=dict(opacity=0)),
        hovertemplate="true %{y}<br>predicted %{x}<br>%{customdata[2]} images (click to see them)<extra></extra>"))
    return fig


def selected_cell(points: Iterable[dict[str, Any]] | None,
                  labels: Sequence[str] | None = None) -> tuple[int, int] | None:
    """(true, predicted) of the first clicked confusion cell: its customdata [true, predicted, ...], else (given
    the axis `labels`) its x = predicted and y = true labels; None when nothing is chosen."""
    names = None if labels is None else [str(label) for label in labels]
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, dict):  # typed arrays reach Python as {"0": ..., "1": ...}
            data = [data.get("0"), data.get("1")]
        if isinstance(data, (list, tuple)) and len(data) >= 2 and None not in data[:2]:
            return int(data[0]), int(data[1])
        x, y = str(point.get("x")), str(point.get("y"))
        if names is not None and x in names and y in names:
            return names.index(y), names.index(x)
    return None


# ---- one image's outputs -----------------------------------------------------------------------

@dataclass
class Readout:
    """What a model said about one image, in clock words."""

    minutes: float                                            # the decoded answer, minutes after 12:00
    time: str                                                 # the answer as a reading, e.g. '3:30'
    top: list[tuple[str, float]] = field(default_factory=list)     # (time, probability), most likely first
    raw: list[tuple[str, float]] = field(default_factory=list)     # small output heads, value by value
    circles: list[dict] = field(default_factory=list)              # sin/cos points read as angles


def _column_minutes(encoding: Any, width: int, decoded: float) -> np.ndarray:
    """The time each probability column stands for: class centres, or each hour with the decoded minute."""
    centres = getattr(encoding, "centres", None)
    if callable(centres):
        return np.asarray(centres(), np.float64)
    step = MINUTES // width   # a head over equal slices of the dial (the 12 hours of a multi-head model)
    return np.arange(width) * step + decoded % step


def _column_label(encoding: Any, width: int, index: int, minutes: float) -> str:
    if callable(getattr(encoding, "centres", None)) and MINUTES // width > 1:
        return f"{format_time(minutes)} ({class_range(width, index)})"
    return format_time(minutes)


def _top_rows(encoding: Any, outputs: dict, decoded: float, k: int) -> list[tuple[str, float]]:
    probabilities = encoding.class_probabilities(outputs)
    if probabilities is None:
        return []
    row = np.asarray(probabilities, np.float64).reshape(len(np.atleast_2d(probabilities)), -1)[0]
    minutes = _column_minutes(encoding, len(row), decoded)
    order = np.argsort(-row, kind="stable")[:k]
    return [(_column_label(encoding, len(row), int(i), minutes[i]), float(row[i])) for i in order]


def _raw_rows(outputs: dict) -> list[tuple[str, float]]:
    rows = []
    for name, value in outputs.items():
        values = np.asarray(value, np.float64).reshape(len(np.atleast_2d(value)), -1)[0]
        if len(values) <= SMALL_OUTPUT:
            rows += [(name if len(values) == 1 else f"{name}[{i}]", float(v)) for i, v in enumerate(values)]
    return rows


def _circle_rows(encoding: Any, outputs: dict) -> list[dict]:
    points = getattr(encoding, "circle_points", None)
    if not callable(points):
        return []
    rows = []
    for circle, xy, period in zip(("hour", "minute"), points(outputs), (MINUTES, 60)):
        sin, cos = (float(v) for v in np.asarray(xy, np.float64)[0])
        angle = float(np.degrees(np.arctan2(sin, cos)) % 360.0)
        reads = angle / 360.0 * period
        rows.append({"circle": circle, "sin": sin, "cos": cos, "radius": float(np.hypot(sin, cos)),
                     "angle (deg from 12)": angle,
                     "reads": format_time(reads) if circle == "hour" else f":{int(round(reads)) % 60:02d}"})
    return rows


def readout(encoding: Any, outputs: dict, k: int = 5) -> Readout:
    """Decode one image's outputs: the answer, the k most likely times, small raw outputs, sin/cos angles."""
    decoded = float(np.asarray(encoding.decode(outputs), np.float64).reshape(-1)[0])
    return Readout(minutes=decoded, time=format_time(decoded), top=_top_rows(encoding, outputs, decoded, k),
                   raw=_raw_rows(outputs), circles=_circle_rows(encoding, outputs))


# ---- one image in, saliency out ----------------------------------------------------------------

def model_predict_fn(model: Any, batch_size: int = 64) -> PredictFn:
    """A predict function over uint8 images [N, H, W] for saliency and the inspector (outputs as a dict)."""
    from core.evaluation.metrics import predict_outputs

    return lambda images: predict_outputs(model, images, batch_size=batch_size)


def explain(predict_fn: PredictFn, encoding: Any, image: np.ndarray, patch: int = 15,
            stride: int = 8) -> np.ndarray:
    """Occlusion saliency of one clock: how much covering each area moves the answer away from the model's own."""
    reference = predict_fn(np.asarray(image)[None])
    return occlusion_saliency(predict_fn, image, clock_target_fn(encoding, reference), patch=patch, stride=stride)


def saliency_predictions(size: int, patch: int = 15, stride: int = 8) -> int:
    """How many predictions `explain` makes on a size x size image (for the button's promise)."""
    starts = len(range(0, size - patch + 1, stride)) + (1 if (size - patch) % stride else 0)
    return starts * starts + 2  # plus the unoccluded clock, read once for the target and once as reference
