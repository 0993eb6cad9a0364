"""The clock label encodings explained in numbers: their targets for a time in words, the 12:00 seam, class budgets.

What the Encodings tab prints, as plain data so it is unit-tested; Keras is never imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from core.clocks.dataset import TEST_FRACTION
from core.clocks.time import MINUTES, common_sense_error, format_time, to_labels
from core.models.encodings import Classes, get_encoding

ENCODING_FAMILIES = ("regression", "classes-24", "classes-72", "classes-720", "multihead", "sincos")


def hour_labels() -> list[str]:
    """'12', '1', ..., '11': the hour names in label order (hour 0 is 12)."""
    return ["12"] + [str(h) for h in range(1, 12)]


def class_budget(
    n_images: int, validation_split: float = 0.1, class_counts: Iterable[int] = (12, 24, 72, 180, 720)
) -> list[dict[str, Any]]:
    """How many images each class gets for n classes: in all, in the training split, and left for fitting."""
    train = n_images * (1.0 - TEST_FRACTION)
    rows = []
    for n in class_counts:
        rows.append(
            {
                "classes": n,
                "minutes per class": MINUTES // n,
                "images per class": round(n_images / n, 1),
                "in train split": round(train / n, 1),
                "fitted on (after validation)": round(train * (1.0 - validation_split) / n, 1),
            }
        )
    return rows


def seam_example(before: int = 715, after: int = 5) -> dict[str, Any]:
    """The 12:00 seam in numbers: two times minutes apart whose regression targets are almost 12 hours apart."""
    regression = get_encoding("regression")
    targets = regression.encode(to_labels(np.array([before, after])))["time"].reshape(-1)
    return {
        "before": format_time(before),
        "after": format_time(after),
        "before_target": float(targets[0]),
        "after_target": float(targets[1]),
        "target_gap_min": float(abs(targets[0] - targets[1]) * 60.0),
        "true_gap_min": float(common_sense_error(before, after)),
        "midpoint": format_time((before + after) / 2.0),
    }


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
        return f"hour class {int(np.asarray(targets['hour']).reshape(-1)[0])} of 12 and minute " + ", ".join(
            f"{v:.3f}" for v in minute
        )
    values = np.asarray(targets["sincos"]).reshape(-1)
    return "hour circle (sin, cos) = ({:.3f}, {:.3f}), minute circle (sin, cos) = ({:.3f}, {:.3f})".format(*values)
