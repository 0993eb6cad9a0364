"""Dial numerals as signed-distance atlases: each glyph set is drawn once with Pillow's bundled font.

The renderer places numerals with the same per-pixel inverse warp as the rest of the dial: every pixel
knows where it lies in face coordinates, turns that into a position inside its numeral's cell and
reads the cell's signed distance (negative on ink). A distance field, not a coverage bitmap, so the
numerals get the same anti-aliasing and defocus ramp as the ticks and hands, can be made bolder or
thinner per clock, and stay sharp when sampled by the nearest texel at any pose.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Numeral k of each set sits at k o'clock (index 0 is 12). An empty string leaves that hour blank.
GLYPH_SETS: dict[str, tuple[str, ...]] = {
    "arabic": ("12", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"),
    "arabic_quarters": ("12", "", "", "3", "", "", "6", "", "", "9", "", ""),
    "roman": ("XII", "I", "II", "III", "IIII", "V", "VI", "VII", "VIII", "IX", "X", "XI"),
    "arabic_oblique": ("12", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"),
}
RULED = {"roman"}  # sets drawn with a rule along the top and the bottom of each numeral, as on classic dials
SLANTED = {"arabic_oblique": (0.3, 0.8)}  # (shear, width): an oblique, condensed cut of the same typeface
MARGIN = 0.5  # empty border around the widest glyph, in cap heights: more than any anti-aliasing ramp
FAR = 1.0  # distances are exact up to this many cap heights and clipped there; a blank hour holds FAR


@dataclass(frozen=True)
class Atlas:
    """Thirteen glyph cells, for the hours -6..6 from 12 (6 o'clock twice), flattened:
    `sdf[(cell * rows + row) * cols + col]` with cell = hour + 6, distances in cap heights.

    Cell coordinates: column = centre_col + x * texels, row = centre_row - y * texels, where (x, y) is
    the position relative to the glyph's centre in cap heights, y up.
    """

    sdf: np.ndarray
    rows: int
    cols: int
    texels: int  # texels per cap height
    half_width: float  # half the widest glyph's ink width, in cap heights

    @property
    def centre(self) -> tuple[float, float]:
        return (self.rows - 1) / 2, (self.cols - 1) / 2

    def distance(self, cell: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Signed distance (cap heights) at glyph-relative positions; `cell` holds 0..12 (hour + 6) per sample.

        Nearest-texel lookup: with several texels per output pixel, the error is a small fraction
        of a pixel, and one gather costs less than the four of a bilinear lookup.
        """
        centre_row, centre_col = self.centre
        col = np.multiply(x, self.texels)
        col += centre_col + 0.5
        np.clip(col, 0, self.cols - 1, out=col)
        row = np.multiply(y, -self.texels)
        row += centre_row + 0.5
        np.clip(row, 0, self.rows - 1, out=row)
        index = row.astype(np.int32)
        index += cell * self.rows
        index *= self.cols
        index += col.astype(np.int32)
        return self.sdf.take(index)


def texels_for(size: int) -> int:
    """Atlas resolution for an image size: about six texels per output pixel of a numeral at 150 px."""
    return int(np.clip(size // 24 * 8, 24, 96))


@functools.lru_cache(maxsize=12)
def atlas(glyph_set: str, texels: int) -> Atlas:
    """The set's twelve glyphs at `texels` per cap height, drawn and turned into distances once per process."""
    texts = GLYPH_SETS[glyph_set]
    masks = [_glyph_mask(text, texels, glyph_set in RULED, SLANTED.get(glyph_set)) for text in texts]
    half_width = max((mask.shape[1] for mask in masks if mask is not None), default=texels) / 2 / texels
    rows = int(np.ceil(texels * (1 + 2 * MARGIN))) | 1  # odd: the glyph centre is a texel centre
    cols = int(np.ceil(texels * (2 * half_width + 2 * MARGIN))) | 1
    cells = np.full((len(texts), rows, cols), FAR, dtype=np.float32)
    for k, mask in enumerate(masks):
        if mask is None:
            continue
        canvas = np.zeros((rows, cols), dtype=bool)
        top, left = (rows - mask.shape[0]) // 2, (cols - mask.shape[1]) // 2
        canvas[top : top + mask.shape[0], left : left + mask.shape[1]] = mask
        cells[k] = np.minimum(_signed_distance(canvas, texels) / texels, FAR)
    cells = cells[np.arange(-6, 7) % 12]
    return Atlas(cells.reshape(-1), rows, cols, texels, half_width)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled scalable font (Aileron, Pillow >= 10.1), or its small bitmap font before that."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: no size argument
        return ImageFont.load_default()


@functools.lru_cache(maxsize=64)
def _glyph_mask(
    text: str, texels: int, ruled: bool = False, slant: tuple[float, float] | None = None
) -> np.ndarray | None:
    """The ink of `text` cropped to its bounding box, scaled so that a cap height is `texels` pixels,
    optionally with a rule along its top and bottom edges, or slanted and condensed (shear, width factor)."""
    if not text:
        return None
    probe = 4 * texels
    font = _font(probe)
    cap = _ink("X0", font)
    bitmap = _ink(text, font)
    scale = texels / cap.shape[0]
    if abs(scale - 1.0) > 1e-3:
        image = Image.fromarray((bitmap * 255).astype(np.uint8))
        size = (max(1, round(bitmap.shape[1] * scale)), max(1, round(bitmap.shape[0] * scale)))
        bitmap = np.asarray(image.resize(size, Image.Resampling.LANCZOS), dtype=np.float32) / 255.0
    if slant is not None:
        bitmap = _slanted(bitmap, *slant)
    mask = bitmap >= 0.5
    if ruled:
        rule = max(1, round(0.09 * texels))
        mask[:rule] = mask[-rule:] = True
    return mask


def _slanted(bitmap: np.ndarray, shear: float, width: float) -> np.ndarray:
    """The coverage condensed to `width` of its width and sheared so its top leans right by `shear` of its height."""
    height = bitmap.shape[0]
    out_width = max(1, round(bitmap.shape[1] * width + shear * height))
    image = Image.fromarray((bitmap * 255).astype(np.uint8))
    # output (x, y) reads input ((x - shear * (height - y)) / width, y)
    coefficients = (1 / width, shear / width, -shear * height / width, 0.0, 1.0, 0.0)
    leaned = image.transform((out_width, height), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR)
    return np.asarray(leaned, dtype=np.float32) / 255.0


def _ink(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> np.ndarray:
    """Coverage (0..1) of `text`, cropped to its ink."""
    width, height = (int(v) + 8 for v in ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font)[2:])
    canvas = Image.new("L", (width, height), 0)
    ImageDraw.Draw(canvas).text((4, 4), text, fill=255, font=font)
    box = canvas.getbbox()
    return np.asarray(canvas.crop(box), dtype=np.float32) / 255.0


def _signed_distance(inside: np.ndarray, reach: int) -> np.ndarray:
    """Distance from each texel centre to the glyph's edge (half-way between an ink and a blank texel), negative
    inside; exact up to `reach` texels, and at least `reach` beyond."""
    outside = _distance_to(inside, reach)
    inner = _distance_to(~inside, reach)
    return np.where(inside, 0.5 - inner, outside - 0.5).astype(np.float32)


def _distance_to(target: np.ndarray, reach: int) -> np.ndarray:
    """Euclidean distance from every texel to the nearest `target` texel, exact up to `reach` (then >= reach).

    Separable: the distance along each column first, then the best of the columns within `reach` to each side.
    """
    rows, cols = target.shape
    far = float(rows + cols + reach)
    index = np.arange(rows, dtype=np.float64)[:, None]
    above = np.maximum.accumulate(np.where(target, index, -far), axis=0)
    below = np.minimum.accumulate(np.where(target, index, 2 * far)[::-1], axis=0)[::-1]
    column = np.square(np.minimum(np.minimum(index - above, below - index), far))  # squared, along columns
    padded = np.pad(column, ((0, 0), (reach, reach)), constant_values=far * far)
    squared = column.copy()
    for shift in range(1, reach + 1):
        np.minimum(squared, padded[:, reach - shift : reach - shift + cols] + shift * shift, out=squared)
        np.minimum(squared, padded[:, reach + shift : reach + shift + cols] + shift * shift, out=squared)
    return np.sqrt(squared)
