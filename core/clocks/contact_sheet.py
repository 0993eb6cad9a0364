"""Contact sheets: a grid of rendered clocks captioned with their times, as PNG bytes (for docs and reports)."""

from __future__ import annotations

import io

import numpy as np

from core.clocks.time import format_time

CAPTION_PX = 16


def spread_times(count: int, seed: int = 0) -> np.ndarray:
    """`count` times spread over the 12 hours (evenly spaced, seeded offset), in minutes after 12:00."""
    offset = np.random.default_rng(seed).integers(0, 720)
    return (offset + np.arange(count) * (720 // max(1, count)) + np.arange(count) * 7) % 720


def contact_sheet_png(difficulty: str = "assignment", count: int = 36, size: int = 150, seed: int = 0,
                      columns: int = 6) -> bytes:
    """Render `count` clocks of one difficulty and tile them, each with its time underneath."""
    from PIL import Image, ImageDraw

    from core.clocks.render import render_clocks
    from core.figures.images import tile_mosaic

    minutes = spread_times(count, seed)
    columns = max(1, min(columns, count))
    images = render_clocks(minutes, size=size, difficulty=difficulty, seed=seed)
    mosaic = Image.fromarray(tile_mosaic(images, columns=columns, pad=2, band=CAPTION_PX))
    draw = ImageDraw.Draw(mosaic)
    cell_w, cell_h = size + 4, size + 4 + CAPTION_PX
    for index, minute in enumerate(minutes):
        left, top = (index % columns) * cell_w, (index // columns) * cell_h
        draw.text((left + cell_w // 2, top + size + 4 + CAPTION_PX // 2), format_time(minute), fill=(0, 0, 0), anchor="mm")
    buffer = io.BytesIO()
    mosaic.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
