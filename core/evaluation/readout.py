"""Looking inside clock models: which test images sit in a confusion cell, what one image's outputs say, how sure
they are, where it looks.

How sure comes two ways, mapped to "sure" / "unsure" / "guessing" by THRESHOLDS (defined once, below): the
encoding's own measures (class probabilities, sin/cos vector lengths and the two circles' agreement, the hour
head), and the rotation check, which reads the clock again turned 90/180/270 degrees (one batch of 4) and measures
how far the readings spread; the models learnt clocks turned any way, so a sure reading survives turning.
Everything here is NumPy on arrays a model or an evaluation report already produced, so the
"Tell the time" result views stay thin and these answers are unit-tested. Keras is never imported:
a model enters only as a `predict_fn(images) -> outputs dict` (see `model_predict_fn`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.clocks.render import DIFFICULTIES
from core.clocks.time import MINUTES, common_sense_error, format_time
from core.evaluation.metrics import whole_minutes
from core.evaluation.saliency import clock_target_fn, occlusion_saliency
from core.models.encodings import Classes

PredictFn = Callable[[np.ndarray], dict]
SMALL_OUTPUT = 4  # heads this narrow are listed value by value in the readout

# How sure a reading is, in plain words, from one place. Each measure maps to a level by two bounds:
# (sure, unsure). For a measure where more is surer (sure > unsure) a value >= sure is "sure", >= unsure
# "unsure", anything less "guessing"; for one where less is surer (sure < unsure) the comparisons flip.
LEVELS = ("sure", "unsure", "guessing")
NEAR_MINUTES = 15  # class models: probability on times within this of the answer
THRESHOLDS: dict[str, tuple[float, float]] = {
    "near_mass": (0.7, 0.4),  # class models: probability within NEAR_MINUTES of the answer
    "radius": (0.8, 0.6),  # sin/cos: length of the (sin, cos) point, 1 on the training targets
    "circle_gap": (15.0, 24.0),  # sin/cos: minutes between the hour circle's minute and the minute circle
    "hour_probability": (0.6, 0.4),  # multi-head: probability of the chosen hour
    "minute_overshoot": (0.05, 0.15),  # multi-head: how far the minute output (0..1) lies outside 0..1
    "rotation_spread": (10.0, 30.0),  # minutes spanned by the readings of the clock turned 4 ways
}
TURNS = (0, 90, 180, 270)  # degrees clockwise: the rotation check's copies of the clock


# ---- confusion cells ---------------------------------------------------------------------------


def cell_indices(
    true_minutes: np.ndarray, predicted_minutes: np.ndarray, n_classes: int, true_class: int, predicted_class: int
) -> np.ndarray:
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
    fig.add_trace(
        go.Scatter(
            x=[labels[c] for c in cols],
            y=[labels[r] for r in rows],
            mode="markers",
            name="cells",
            customdata=np.stack([rows, cols, counts[rows, cols]], axis=1),
            showlegend=False,
            marker=dict(size=max(4, 14 - n_classes // 60), opacity=0, symbol="square"),
            selected=dict(marker=dict(opacity=0.9, color="#D55E00")),
            unselected=dict(marker=dict(opacity=0)),
            hovertemplate="true %{y}<br>predicted %{x}<br>%{customdata[2]} images (click to see them)<extra></extra>",
        )
    )
    return fig


def selected_cell(
    points: Iterable[dict[str, Any]] | None, labels: Sequence[str] | None = None
) -> tuple[int, int] | None:
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

    minutes: float  # the decoded answer, minutes after 12:00
    time: str  # the answer as a reading, e.g. '3:30'
    top: list[tuple[str, float]] = field(default_factory=list)  # (time, probability), most likely first
    raw: list[tuple[str, float]] = field(default_factory=list)  # small output heads, value by value
    circles: list[dict] = field(default_factory=list)  # sin/cos points read as angles
    confidence: Confidence | None = None  # what the outputs themselves say
    rotation: RotationCheck | None = None  # the clock turned 4 ways, read again

    @property
    def level(self) -> str | None:
        """The overall level: the least sure of the model's own confidence and the rotation check (None: neither)."""
        return least_sure([check.level for check in (self.confidence, self.rotation) if check is not None])


def _column_minutes(encoding: Any, width: int, decoded: float) -> np.ndarray:
    """The time each probability column stands for: class centres, or each hour with the decoded minute."""
    centres = getattr(encoding, "centres", None)
    if callable(centres):
        return np.asarray(centres(), np.float64)
    step = MINUTES // width  # a head over equal slices of the dial (the 12 hours of a multi-head model)
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
        rows.append(
            {
                "circle": circle,
                "sin": sin,
                "cos": cos,
                "radius": float(np.hypot(sin, cos)),
                "angle (deg from 12)": angle,
                "reads": format_time(reads) if circle == "hour" else f":{int(round(reads)) % 60:02d}",
            }
        )
    return rows


# ---- how sure one reading is ---------------------------------------------------------------------


def level_of(measure: str, value: float) -> str:
    """'sure', 'unsure' or 'guessing' for one measure's value, by THRESHOLDS."""
    sure, unsure = THRESHOLDS[measure]
    if sure >= unsure:
        return LEVELS[0] if value >= sure else LEVELS[1] if value >= unsure else LEVELS[2]
    return LEVELS[0] if value <= sure else LEVELS[1] if value <= unsure else LEVELS[2]


def least_sure(levels: Iterable[str | None]) -> str | None:
    """The least sure of some levels (None entries skipped; None when there are none)."""
    known = [level for level in levels if level is not None]
    return max(known, key=LEVELS.index) if known else None


@dataclass
class Confidence:
    """How sure a model's outputs for one image are, by the encoding's own measures."""

    level: str | None  # sure / unsure / guessing; None: no measure of its own
    measures: list[tuple[str, str]] = field(default_factory=list)  # (what, value in words), for a table
    explanation: str = ""  # what the measures mean, in a sentence or two


@dataclass
class RotationCheck:
    """The clock read again turned 90, 180 and 270 degrees: the models learnt clocks turned any way, so a reading
    they are sure of comes back the same."""

    readings: list[tuple[int, float]]  # (degrees turned, minutes read)
    spread: float  # minutes spanned by the readings (the shortest arc)
    level: str

    @property
    def explanation(self) -> str:
        """What the check did, in a sentence."""
        times = ", ".join(f"{format_time(minutes)} ({turn}°)" for turn, minutes in self.readings)
        return (
            f"The same clock turned 0/90/180/270° was read as {times}: the readings lie within "
            f"{self.spread:.0f} min of each other. The models learnt clocks turned any way, so a reading "
            "they are sure of comes back the same."
        )


def turned_copies(image: np.ndarray) -> np.ndarray:
    """[4, H, W]: a square image and its copies turned 90, 180 and 270 degrees clockwise (TURNS)."""
    image = np.asarray(image)
    return np.stack([np.rot90(image, k=-(turn // 90)) for turn in TURNS])


def arc_spread(minutes: np.ndarray) -> float:
    """The shortest arc of the 12-hour dial (minutes) holding all the given times."""
    points = np.sort(np.asarray(minutes, np.float64).reshape(-1) % MINUTES)
    if len(points) < 2:
        return 0.0
    gaps = np.diff(np.concatenate([points, points[:1] + MINUTES]))
    return float(MINUTES - gaps.max())


def learnt_turned_clocks(config: dict) -> bool:
    """Whether a run's training clocks were turned any way (so the rotation check is fair): rendered difficulties
    with full in-plane rotation, and users' own files (the assignment's photos lie any way round)."""
    data = config.get("data", {}) if isinstance(config, dict) else {}
    if data.get("source") == "path":
        return True
    style = DIFFICULTIES.get(str(data.get("clock_difficulty", "assignment")))
    return (style is None or style.rotation_deg >= 180) and int(data.get("clock_max_turn", 180)) >= 180


def rotation_check(encoding: Any, outputs: dict) -> RotationCheck:
    """Agreement of the readings of the TURNS copies of one clock (`outputs` rows in turned_copies' order)."""
    minutes = np.asarray(encoding.decode(outputs), np.float64).reshape(-1)[: len(TURNS)]
    if len(minutes) != len(TURNS):
        raise ValueError(f"the rotation check needs outputs for {len(TURNS)} turned copies, got {len(minutes)}")
    spread = arc_spread(minutes)
    return RotationCheck(
        readings=[(turn, float(m)) for turn, m in zip(TURNS, minutes)],
        spread=spread,
        level=level_of("rotation_spread", spread),
    )


def _row(outputs: dict, name: str) -> np.ndarray:
    value = np.asarray(outputs[name], np.float64)
    return value.reshape(len(np.atleast_2d(value)), -1)[0]


def _class_confidence(encoding: Any, outputs: dict, decoded: float) -> Confidence:
    probabilities = np.asarray(encoding.class_probabilities(outputs), np.float64)
    row = probabilities.reshape(len(np.atleast_2d(probabilities)), -1)[0]
    ranked = np.sort(row)[::-1]
    near = float(row[common_sense_error(encoding.centres(), decoded) <= NEAR_MINUTES].sum())
    return Confidence(
        level=level_of("near_mass", near),
        measures=[
            ("top class probability", f"{ranked[0]:.0%}"),
            ("top-3 probability", f"{ranked[:3].sum():.0%}"),
            (f"probability within {NEAR_MINUTES} min of the answer", f"{near:.0%}"),
        ],
        explanation=(
            f"The softmax spreads 100% over the {len(row)} time slots; the level is the share it puts "
            f"within {NEAR_MINUTES} minutes of the answer (sure from {THRESHOLDS['near_mass'][0]:.0%}, "
            f"guessing under {THRESHOLDS['near_mass'][1]:.0%})."
        ),
    )


def _sincos_confidence(encoding: Any, outputs: dict) -> Confidence:
    hour_xy, minute_xy = (np.asarray(xy, np.float64)[0] for xy in encoding.circle_points(outputs))
    hour_radius, minute_radius = float(np.hypot(*hour_xy)), float(np.hypot(*minute_xy))
    coarse = float(np.degrees(np.arctan2(*hour_xy)) % 360.0) / 360.0 * MINUTES
    minute = float(np.degrees(np.arctan2(*minute_xy)) % 360.0) / 360.0 * 60.0
    gap = abs((coarse - minute + 30.0) % 60.0 - 30.0)
    level = least_sure([level_of("radius", min(hour_radius, minute_radius)), level_of("circle_gap", gap)])
    return Confidence(
        level=level,
        measures=[
            ("hour circle: length of (sin, cos)", f"{hour_radius:.2f}"),
            ("minute circle: length of (sin, cos)", f"{minute_radius:.2f}"),
            ("hour circle's minute vs the minute circle", f"{gap:.0f} min apart"),
        ],
        explanation=(
            "Trained on points of length 1, the network answers about 1 when sure and shorter when its "
            "evidence pulls several ways; the hour circle also implies a minute, and when that disagrees "
            "with the minute circle the hour may be one off. Sure: both lengths at least "
            f"{THRESHOLDS['radius'][0]}, at most {THRESHOLDS['circle_gap'][0]:.0f} min apart."
        ),
    )


def _multihead_confidence(encoding: Any, outputs: dict) -> Confidence:
    hour = _row(outputs, "hour")
    minute = _row(outputs, "minute")
    chosen = float(hour.max())
    levels = [level_of("hour_probability", chosen)]
    measures = [("hour class probability", f"{chosen:.0%}")]
    if len(minute) == 2:
        radius = float(np.hypot(*minute))
        levels.append(level_of("radius", radius))
        measures.append(("minute: length of (sin, cos)", f"{radius:.2f}"))
        detail = "and the minute's (sin, cos) point has a length near 1"
    else:
        overshoot = float(max(0.0, -minute[0], minute[0] - 1.0))
        levels.append(level_of("minute_overshoot", overshoot))
        measures.append(("minute output (0..1 covers the hour)", f"{minute[0]:.3f}"))
        detail = "and the minute output stays within 0..1 (a regression gives no other sign of doubt)"
    return Confidence(
        level=least_sure(levels),
        measures=measures,
        explanation=(
            "The hour head is a softmax over 12 hours: sure when the chosen hour gets at least "
            f"{THRESHOLDS['hour_probability'][0]:.0%}, {detail}."
        ),
    )


def confidence(encoding: Any, outputs: dict, decoded: float) -> Confidence:
    """How sure the outputs for one image (the first row) are, by the encoding's own measures."""
    if not getattr(encoding, "is_clock", True):
        return Confidence(level=None)
    if getattr(encoding, "name", "") in ("multihead", "multihead-sincos"):
        return _multihead_confidence(encoding, outputs)
    if callable(getattr(encoding, "circle_points", None)):
        return _sincos_confidence(encoding, outputs)
    if callable(getattr(encoding, "centres", None)) and encoding.class_probabilities(outputs) is not None:
        return _class_confidence(encoding, outputs, decoded)
    return Confidence(
        level=None,
        explanation=(
            "A regression answers with one number and no sense of its own doubt; only the rotation check can "
            "show that it is unsure."
        ),
    )


def readout(encoding: Any, outputs: dict, k: int = 5, turned: bool = False) -> Readout:
    """Decode one image's outputs: the answer, the k most likely times, small raw outputs, sin/cos angles, and how
    sure it is. With `turned`, `outputs` hold the image and its turned copies (turned_copies), and the readout also
    carries their rotation check; the answer is always the first row's."""
    decoded = float(np.asarray(encoding.decode(outputs), np.float64).reshape(-1)[0])
    return Readout(
        minutes=decoded,
        time=format_time(decoded),
        top=_top_rows(encoding, outputs, decoded, k),
        raw=_raw_rows(outputs),
        circles=_circle_rows(encoding, outputs),
        confidence=confidence(encoding, outputs, decoded),
        rotation=rotation_check(encoding, outputs) if turned else None,
    )


# ---- one image in, saliency out ----------------------------------------------------------------


def model_predict_fn(model: Any, batch_size: int = 64) -> PredictFn:
    """A predict function over uint8 images [N, H, W] for saliency and the inspector (outputs as a dict)."""
    from core.evaluation.metrics import predict_outputs

    return lambda images: predict_outputs(model, images, batch_size=batch_size)


def explain(predict_fn: PredictFn, encoding: Any, image: np.ndarray, patch: int = 15, stride: int = 8) -> np.ndarray:
    """Occlusion saliency of one clock: how much covering each area moves the answer away from the model's own."""
    reference = predict_fn(np.asarray(image)[None])
    return occlusion_saliency(predict_fn, image, clock_target_fn(encoding, reference), patch=patch, stride=stride)


def saliency_predictions(size: int, patch: int = 15, stride: int = 8) -> int:
    """How many predictions `explain` makes on a size x size image (for the button's promise)."""
    starts = len(range(0, size - patch + 1, stride)) + (1 if (size - patch) % stride else 0)
    return starts * starts + 2  # plus the unoccluded clock, read once for the target and once as reference
