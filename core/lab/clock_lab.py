"""Pure helpers for the "Tell the time" page: comparison rows, contact-sheet picks, data summaries, worked numbers.

Everything here is NumPy and plain dicts so the page stays a thin layer of widgets and the numbers it
shows are unit-tested. Keras is never imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from core.clocks.time import MINUTES, common_sense_error, format_time, to_labels, to_minutes
from core.models.encodings import Classes, get_encoding
from core.storage import paths

PRETRAINED_CLOCKS = ("clock_regression", "clock_24", "clock_72", "clock_180", "clock_720", "clock_multihead",
                     "clock_sincos")
COURSE_BAR_MIN = 10.0     # the assignment asks for a mean common-sense error under 10 minutes
PEERS_BEST_MIN = 1.7      # the best mean error reported by peers on the assignment's data
TEST_FRACTION = 0.2       # core.data.datasets.CLOCK_TEST_FRACTION: the time-stratified test split
ENCODING_FAMILIES = ("regression", "classes-24", "classes-72", "classes-720", "multihead", "sincos")
_SESSION_ID = re.compile(r"^[0-9a-zA-Z_-]{1,64}$")


class ClockPathError(ValueError):
    """A local path to clock files that does not exist or is not a file."""


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


def comparison_figure(rows: list[dict[str, Any]], large_text: bool = False) -> Any:
    """Mean common-sense error per run on a log axis, with the course bar and the peers' best as lines."""
    from core.figures import comparison_bar

    scored = scored_rows(rows)
    fig = comparison_bar(scored, x="run", y="mean error (min)", large_text=large_text)
    values = [max(float(row["mean error (min)"]), 0.01) for row in scored] + [PEERS_BEST_MIN, COURSE_BAR_MIN]
    # An explicit range: Plotly's log autorange leaves room for the outside labels up to 10^8 otherwise.
    fig.update_yaxes(type="log", title_text="mean common-sense error (min, log scale)",
                     range=[np.log10(min(values)) - 0.3, np.log10(max(values)) + 0.4])
    for value, text, dash in ((COURSE_BAR_MIN, f"course bar: {COURSE_BAR_MIN:g} min", "dash"),
                              (PEERS_BEST_MIN, f"peers' best: ~{PEERS_BEST_MIN:g} min", "dot")):
        fig.add_hline(y=value, line=dict(color="#444444", dash=dash))
        # Annotations on a log axis take log10 positions (add_hline's own label would land at 10^value).
        fig.add_annotation(text=text, xref="paper", x=0.0, xanchor="left", y=float(np.log10(value)),
                           yanchor="bottom", showarrow=False, bgcolor="rgba(255, 255, 255, 0.85)")
    fig.update_layout(title="Mean common-sense error by run (lower is better)")
    return fig


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


def contact_sheet_minutes(count: int, seed: int) -> np.ndarray:
    """`count` distinct times (minutes after 12:00), sorted, spread over the 12 hours with a seeded jitter."""
    count = int(np.clip(count, 1, MINUTES))
    rng = np.random.default_rng([seed, 7])
    step = MINUTES / count
    return np.sort((np.arange(count) * step + rng.random(count) * step).astype(np.int64) % MINUTES)


def contact_sheet_indices(labels: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """Indices of up to `count` images whose times spread over the 12 hours, ordered by time."""
    minutes = to_minutes(labels)
    if len(minutes) <= count:
        return np.argsort(minutes, kind="stable")
    order = np.random.default_rng(seed).permutation(len(minutes))
    by_time = order[np.argsort(minutes[order], kind="stable")]
    picks = np.linspace(0, len(by_time) - 1, count).round().astype(np.int64)
    return by_time[picks]


def time_captions(minutes: np.ndarray) -> list[str]:
    """Clock readings like '3:30' for a contact sheet."""
    return [format_time(m) for m in np.asarray(minutes).reshape(-1)]


def data_summary(images: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """What a set of clock files holds: count, image size, label coverage of the 720 times, images per hour."""
    minutes = to_minutes(labels)
    per_time = np.bincount(minutes, minlength=MINUTES)
    return {
        "count": int(len(images)),
        "height": int(images.shape[1]),
        "width": int(images.shape[2]),
        "distinct_times": int(np.count_nonzero(per_time)),
        "coverage": float(np.count_nonzero(per_time) / MINUTES),
        "per_time_min": int(per_time.min()),
        "per_time_max": int(per_time.max()),
        "times_seen_twice": int(np.count_nonzero(per_time >= 2)),
        "per_hour": np.bincount(minutes // 60, minlength=12).astype(np.int64),
        "pixel_mean": float(images.mean()) if images.size else float("nan"),
    }


MIN_TRAINABLE_IMAGES = 50


def training_problem(summary: dict[str, Any]) -> str:
    """Why a set of clock files cannot be trained on ('' when it can): too few images to keep a test split."""
    if summary["count"] < MIN_TRAINABLE_IMAGES:
        return (f"only {summary['count']} images: at least {MIN_TRAINABLE_IMAGES} are needed to keep "
                "a test split (20%) and a validation split")
    return ""


def hour_labels() -> list[str]:
    """'12', '1', ..., '11': the hour names in label order (hour 0 is 12)."""
    return ["12"] + [str(h) for h in range(1, 12)]


def class_budget(n_images: int, validation_split: float = 0.1,
                 class_counts: Iterable[int] = (12, 24, 72, 180, 720)) -> list[dict[str, Any]]:
    """How many images each class gets for n classes: in all, in the training split, and left for fitting."""
    train = n_images * (1.0 - TEST_FRACTION)
    rows = []
    for n in class_counts:
        rows.append({"classes": n, "minutes per class": MINUTES // n,
                     "images per class": round(n_images / n, 1),
                     "in train split": round(train / n, 1),
                     "fitted on (after validation)": round(train * (1.0 - validation_split) / n, 1)})
    return rows


def seam_example(before: int = 715, after: int = 5) -> dict[str, Any]:
    """The 12:00 seam in numbers: two times minutes apart whose regression targets are almost 12 hours apart."""
    regression = get_encoding("regression")
    targets = regression.encode(to_labels(np.array([before, after])))["time"].reshape(-1)
    return {"before": format_time(before), "after": format_time(after),
            "before_target": float(targets[0]), "after_target": float(targets[1]),
            "target_gap_min": float(abs(targets[0] - targets[1]) * 60.0),
            "true_gap_min": float(common_sense_error(before, after)),
            "midpoint": format_time((before + after) / 2.0)}


def target_description(name: str, minutes: int, soft_sigma: float = 0.0) -> str:
    """The target of one time under an encoding, in words (the numbers the network is trained towards)."""
    encoding = get_encoding(name, soft_sigma=soft_sigma)
    targets = encoding.encode(to_labels(np.array([minutes])))
    if isinstance(encoding, Classes):
        index = int(encoding.classes_of(np.array([minutes]))[0])
        start = index * encoding.width
        last = start + encoding.width - 1
        span = format_time(start) if last == start else f"{format_time(start)}-{format_time(last)}"
        spread = f", spread over neighbours with sigma {soft_sigma:g} min" if soft_sigma > 0 else ""
        return f"class {index} of {encoding.n} ({span}){spread}"
    if name.startswith("regression"):
        return f"the number {float(targets['time'].reshape(-1)[0]):.4f}"
    if name.startswith("multihead"):
        minute = np.asarray(targets["minute"]).reshape(-1)
        return (f"hour class {int(np.asarray(targets['hour']).reshape(-1)[0])} of 12 and minute "
                + ", ".join(f"{v:.3f}" for v in minute))
    values = np.asarray(targets["sincos"]).reshape(-1)
    return ("hour circle (sin, cos) = ({:.3f}, {:.3f}), minute circle (sin, cos) = ({:.3f}, {:.3f})"
            .format(*values))


def user_files_dir(session_id: str, root: str | Path | None = None) -> Path:
    """Where a browser session's own clock files live: <runs root>/uploads/<session id>/."""
    if not _SESSION_ID.fullmatch(str(session_id)):
        raise ValueError(f"not a valid session id: {session_id!r}")
    return Path(root or paths.runs_dir()) / "uploads" / session_id


def save_user_files(session_id: str, images: np.ndarray, labels: np.ndarray,
                    root: str | Path | None = None) -> Path:
    """Write a session's clock files as images.npy/labels.npy for a run with data.source='path'; returns the folder."""
    from core.clocks.dataset import write_assignment_files

    folder = user_files_dir(session_id, root)
    write_assignment_files(folder, images, labels)
    return folder


def resolve_clock_paths(text: str) -> tuple[Path, Path]:
    """(images.npy, labels.npy) from a folder holding both, or from the path of images.npy (labels.npy beside it)."""
    raw = str(text).strip()
    if not raw:
        raise ClockPathError("enter a folder with images.npy and labels.npy, or the path of images.npy")
    path = Path(raw).expanduser()
    if path.is_dir():
        images, labels = path / "images.npy", path / "labels.npy"
    else:
        if not path.exists():
            raise ClockPathError(f"no such file or folder: {path}")
        images, labels = path, path.with_name("labels.npy")
    for file in (images, labels):
        if not file.exists():
            raise ClockPathError(f"missing file: {file}")
        if not file.is_file():
            raise ClockPathError(f"not a file: {file}")
    if images.resolve() == labels.resolve():
        raise ClockPathError(f"{images} is the labels file; give the path of images.npy or its folder")
    return images, labels
