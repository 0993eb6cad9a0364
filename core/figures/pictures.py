"""Charts drawn as one picture (an RGB uint8 array) for views redrawn on every slider step or canvas stroke.

A changed Plotly chart costs the browser a full redraw; a picture is one image to decode. Pictures have no hover,
so they write what hover would say: each confusion cell's count, the class names on both axes, a legend line for
the colours, a caption under each image. Text is drawn with Pillow's bundled scalable font (no system font needed).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from core.figures.images import _png_data_uri, as_rgb
from core.figures.theme import font_size

INK = (34, 34, 34)  # the themed figures' text colour (#222222)
FAINT = (150, 150, 150)
CONFUSION_SCALE = "Cividis"  # as confusion_heatmap: share of the true class
PAD = 8


def picture_uri(picture: np.ndarray) -> str:
    """A picture as a PNG data URI for st.image: it travels inside the page update, with no request of its own."""
    return _png_data_uri(np.ascontiguousarray(picture, np.uint8))


@functools.cache
def colour_table(scale: str) -> np.ndarray:
    """A Plotly colour scale (e.g. 'Viridis', 'RdBu_r') as a 256-entry uint8 RGB lookup table."""
    import plotly.colors

    samples = plotly.colors.sample_colorscale(scale, list(np.linspace(0.0, 1.0, 256)))
    return np.array([plotly.colors.unlabel_rgb(sample) for sample in samples]).round().astype(np.uint8)


def scaled_colours(values: np.ndarray, scale: str) -> np.ndarray:
    """Values in 0..1 (clipped) as RGB uint8 in a colour scale."""
    index = np.clip(np.rint(np.asarray(values, np.float64) * 255), 0, 255).astype(np.uint8)
    return colour_table(scale)[index]


@functools.cache
def text_font(size: int):
    """Pillow's bundled scalable font at a size (cached)."""
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def text_width(text: str, size: int) -> int:
    """Pixels one line of text takes at a font size."""
    return int(np.ceil(text_font(size).getlength(text)))


def _text_on(rgb: Sequence[int]) -> tuple[int, int, int]:
    """Black or white, whichever reads on a background colour."""
    red, green, blue = (int(value) for value in rgb)
    return INK if 0.299 * red + 0.587 * green + 0.114 * blue > 140 else (255, 255, 255)


def _upright_text(draw, picture, xy: tuple[float, float], text: str, size: int, anchor: str) -> None:
    """Text turned a quarter left (reading upwards) with its anchor point at `xy` ('top'/'middle' + 'right'/'centre')."""
    from PIL import Image, ImageDraw

    width, height = text_width(text, size) + 2, size + 4
    strip = Image.new("L", (width, height), 0)
    ImageDraw.Draw(strip).text((1, height / 2), text, fill=255, font=text_font(size), anchor="lm")
    turned = strip.rotate(90, expand=True)  # now `height` wide, `width` tall, reading upwards
    left = xy[0] - (turned.width if anchor.endswith("right") else turned.width / 2)
    top = xy[1] if anchor.startswith("top") else xy[1] - turned.height / 2
    picture.paste(Image.new("RGB", turned.size, INK), (round(left), round(top)), turned)


def row_share(matrix: np.ndarray) -> np.ndarray:
    """Each cell as a share of its true-class row (0 where a row is empty)."""
    totals = matrix.sum(axis=1, keepdims=True).astype(np.float64)
    return np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)


def confusion_picture(
    matrix: np.ndarray,
    labels: Sequence[str],
    title: str = "",
    axis: str = "class",
    large_text: bool = False,
) -> np.ndarray:
    """A confusion matrix as one picture: rows the true `axis`, columns the predicted one, each cell coloured by its
    share of the row (cividis, as confusion_heatmap) with its count written in it, and a legend line for the colour."""
    from PIL import Image, ImageDraw

    matrix = np.asarray(matrix)
    n = len(labels)
    if matrix.shape != (n, n):
        raise ValueError(f"the confusion matrix must be {n}x{n} for {n} labels, got shape {matrix.shape}")
    counts = matrix.astype(np.int64)
    size = font_size(large_text)
    cell = int(np.clip((620 if large_text else 440) // n, 6, 66 if large_text else 44))
    count_size = min(size, int(cell * 0.5))
    upright = max(len(str(label)) for label in labels) > 3  # long predicted labels read upwards
    label_width = max(text_width(str(label), size) for label in labels)
    title_h = size + 12 if title else 0
    left = PAD + size + 8 + label_width + 6
    top = PAD + title_h
    grid = n * cell
    below = (label_width if upright else size) + 8
    legend_y = top + grid + below + size + 12
    legend = "colour: share of the true " + axis + "'s images, 0% to 100%; number: images"
    width = max(left + grid + PAD, PAD + 130 + text_width(legend, size - 2) + PAD)
    height = legend_y + size + PAD

    colours = scaled_colours(row_share(counts), CONFUSION_SCALE)
    body = np.full((height, width, 3), 255, np.uint8)
    cells = np.repeat(np.repeat(colours, cell, axis=0), cell, axis=1)
    if cell >= 6:  # a white line between cells, as the heatmap's gaps
        cells[cell - 1 :: cell, :] = 255
        cells[:, cell - 1 :: cell] = 255
    body[top : top + grid, left : left + grid] = cells
    body[legend_y : legend_y + size, PAD : PAD + 120] = scaled_colours(np.linspace(0.0, 1.0, 120), CONFUSION_SCALE)
    picture = Image.fromarray(body)
    draw = ImageDraw.Draw(picture)
    if title:
        draw.text((PAD, PAD), title, fill=INK, font=text_font(size + 2))
    if count_size >= 8:
        for row in range(n):
            for col in range(n):
                centre = (left + col * cell + (cell - 1) / 2, top + row * cell + (cell - 1) / 2)
                ink = _text_on(colours[row, col]) if counts[row, col] else FAINT  # zeros recede
                draw.text(centre, str(counts[row, col]), fill=ink, font=text_font(count_size), anchor="mm")
    for number, label in enumerate(str(label) for label in labels):
        middle = number * cell + (cell - 1) / 2
        draw.text((left - 6, top + middle), label, fill=INK, font=text_font(size), anchor="rm")
        if upright:
            _upright_text(draw, picture, (left + middle, top + grid + 4), label, size, "top-centre")
        else:
            draw.text((left + middle, top + grid + 4), label, fill=INK, font=text_font(size), anchor="mt")
    draw.text((left + grid / 2, top + grid + below), f"predicted {axis}", fill=INK, font=text_font(size), anchor="mt")
    _upright_text(draw, picture, (PAD + size / 2 + 2, top + grid / 2), f"true {axis}", size, "middle-centre")
    draw.text((PAD + 130, legend_y + size / 2), legend, fill=INK, font=text_font(size - 2), anchor="lm")
    return np.asarray(picture)


def captioned_tiles(
    images: np.ndarray, captions: Sequence[str], tile_px: int = 84, columns: int = 4, large_text: bool = False
) -> np.ndarray:
    """Images [N, H, W] or [N, H, W, 3] as one picture: each enlarged in square blocks to about `tile_px` pixels,
    its caption (lines split at newlines) centred under it."""
    from PIL import Image, ImageDraw

    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0 or len(captions) != len(images):
        raise ValueError(f"expected N >= 1 images [N, H, W] with N captions, got {images.shape} and {len(captions)}")
    size = font_size(large_text) - 2
    lines = [str(caption).split("\n") for caption in captions]
    factor = max(1, tile_px // max(images.shape[1:3]))
    tiles = np.repeat(np.repeat(as_rgb(np.clip(images, 0, 255).astype(np.uint8)), factor, axis=1), factor, axis=2)
    tile_h, tile_w = tiles.shape[1:3]
    cell_w = max(tile_w, max(text_width(line, size) for caption in lines for line in caption)) + 2 * PAD
    cell_h = tile_h + PAD + max(len(caption) for caption in lines) * (size + 4) + PAD
    columns = max(1, min(columns, len(tiles)))
    rows = -(-len(tiles) // columns)
    body = np.full((rows * cell_h, columns * cell_w, 3), 255, np.uint8)
    for number, tile in enumerate(tiles):
        top, left = (number // columns) * cell_h, (number % columns) * cell_w + (cell_w - tile_w) // 2
        body[top : top + tile_h, left : left + tile_w] = tile
    picture = Image.fromarray(body)
    draw = ImageDraw.Draw(picture)
    for number, caption in enumerate(lines):
        centre = (number % columns) * cell_w + cell_w / 2
        top = (number // columns) * cell_h + tile_h + PAD / 2
        for line_number, line in enumerate(caption):
            draw.text((centre, top + line_number * (size + 4)), line, fill=INK, font=text_font(size), anchor="mt")
    return np.asarray(picture)
