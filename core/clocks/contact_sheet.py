"""Contact sheets: which clocks to show (times spread over the dial), their captions, and a captioned PNG grid.

The app's sheets and `python -m core contact-sheet` pick their times with the same `contact_sheet_minutes`.
"""

from __future__ import annotations

import io

import numpy as np

from core.clocks.time import MINUTES, format_time, to_minutes

CAPTION_PX = 16


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


def contact_sheet_png(
    difficulty: str = "assignment", count: int = 36, size: int = 150, seed: int = 0, columns: int = 6
) -> bytes:
    """Render `count` clocks of one difficulty and tile them, each with its time underneath."""
    from PIL import Image, ImageDraw

    from core.clocks.render import render_clocks
    from core.figures.images import tile_mosaic

    minutes = contact_sheet_minutes(count, seed)
    columns = max(1, min(columns, len(minutes)))
    images = render_clocks(minutes, size=size, difficulty=difficulty, seed=seed)
    mosaic = Image.fromarray(tile_mosaic(images, columns=columns, pad=2, band=CAPTION_PX))
    draw = ImageDraw.Draw(mosaic)
    cell_w, cell_h = size + 4, size + 4 + CAPTION_PX
    for index, caption in enumerate(time_captions(minutes)):
        left, top = (index % columns) * cell_w, (index // columns) * cell_h
        draw.text((left + cell_w // 2, top + size + 4 + CAPTION_PX // 2), caption, fill=(0, 0, 0), anchor="mm")
    buffer = io.BytesIO()
    mosaic.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
