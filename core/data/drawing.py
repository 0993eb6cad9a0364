"""A drawing turned into what an MNIST model expects: the MNIST recipe of LeCun et al. for a 28x28 input.

The recipe: take the drawing's bounding box, scale it (keeping its aspect) so its longer side is 20 pixels,
and paste it into a 28x28 field so that the centre of mass of its ink sits at the field's centre. The
drawing is light ink on black, like MNIST; `to_grayscale` composites any alpha channel over black.
"""

from __future__ import annotations

import numpy as np

SIDE = 28  # the field MNIST images live in
BOX = 20  # the longer side of the scaled bounding box
INK_LEVEL = 16  # gray levels at or below this count as background (anti-aliasing fringes, JPEG noise)
CENTRE = (SIDE - 1) / 2.0  # 13.5: the centre of a 28-pixel row in pixel-index coordinates


class EmptyDrawingError(ValueError):
    """A drawing with no ink on it (an empty or cleared canvas)."""


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """Gray levels uint8 [H, W] of a [H, W], [H, W, 3] or [H, W, 4] image; alpha is composited over black."""
    image = np.asarray(image)
    if image.ndim == 2:
        return np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise ValueError(f"expected a grayscale, RGB or RGBA image, got shape {image.shape}")
    rgb = image[..., :3].astype(np.float64)
    gray = rgb @ np.array([0.299, 0.587, 0.114])
    if image.shape[-1] == 4:
        gray = gray * image[..., 3].astype(np.float64) / 255.0
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)


def is_blank(image: np.ndarray | None) -> bool:
    """Whether a canvas image holds no ink: None (nothing drawn yet) or every pixel at background level."""
    return image is None or int(to_grayscale(image).max(initial=0)) <= INK_LEVEL


def ink_box(gray: np.ndarray) -> tuple[int, int, int, int]:
    """The bounding box (top, bottom, left, right; bottom/right exclusive) of the pixels brighter than INK_LEVEL."""
    rows = np.flatnonzero((gray > INK_LEVEL).any(axis=1))
    cols = np.flatnonzero((gray > INK_LEVEL).any(axis=0))
    if len(rows) == 0:
        raise EmptyDrawingError("The canvas is empty: draw a digit or a garment first.")
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the centre of mass of an image's gray levels, in pixel-index coordinates."""
    weights = np.asarray(image, np.float64)
    total = weights.sum()
    if total <= 0:
        raise EmptyDrawingError("The image has no ink, so it has no centre of mass.")
    rows, cols = np.indices(weights.shape)
    return float((rows * weights).sum() / total), float((cols * weights).sum() / total)


def scaled_to_box(gray: np.ndarray, box: int = BOX) -> np.ndarray:
    """The drawing's bounding box resized (anti-aliased, aspect kept) so its longer side is `box` pixels."""
    from PIL import Image  # Pillow is a runtime requirement; imported here to keep module import light

    top, bottom, left, right = ink_box(gray)
    crop = gray[top:bottom, left:right]
    height, width = crop.shape
    scale = box / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.LANCZOS), np.uint8)


def paste_centred(patch: np.ndarray, side: int = SIDE) -> np.ndarray:
    """`patch` pasted into a black side x side field so its centre of mass lands on the field's centre pixel grid."""
    row, col = centre_of_mass(patch)
    centre = (side - 1) / 2.0
    top, left = int(np.floor(centre - row + 0.5)), int(np.floor(centre - col + 0.5))
    field = np.zeros((side, side), np.uint8)
    height, width = patch.shape
    src_top, src_left = max(0, -top), max(0, -left)  # a lopsided drawing may hang over an edge: clip it
    dst_top, dst_left = max(0, top), max(0, left)
    rows = min(height - src_top, side - dst_top)
    cols = min(width - src_left, side - dst_left)
    field[dst_top : dst_top + rows, dst_left : dst_left + cols] = patch[
        src_top : src_top + rows, src_left : src_left + cols
    ]
    return field


def mnist_input(image: np.ndarray, box: int = BOX) -> np.ndarray:
    """A drawing (light ink on black, any size, gray/RGB/RGBA) as a 28x28 uint8 MNIST-style image.

    Raises EmptyDrawingError (a ValueError) when there is no ink to centre.
    """
    if not 1 <= box <= SIDE:
        raise ValueError(f"the bounding box must fit the {SIDE}x{SIDE} field (got {box})")
    return paste_centred(scaled_to_box(to_grayscale(image), box))
