"""Floors under the clock (wood planks, striped carpet) as 1-D profiles laid out in the floor's own plane.

The clock lies on the floor, so the floor shares the clock's pose: each pixel's floor coordinates come from
the same inverse warp as the face (for the plane of the clock's back), which gives the floor the photo's
perspective for free. Across the planks or stripes (`a`) the floor is a per-image 1-D table, built once per
image from its own random numbers and read with one gather per pixel: each plank's tone, the dark seams
between planks and thin sharp grain lines, or the carpet's stripes. Along the planks (`b`) a slow wave bends
the wood's lines a little, and a carpet gets fine ribs across its stripes.
"""

from __future__ import annotations

import numpy as np

LENGTH = 512  # entries per table: a power of two, so positions wrap with a bit mask
DENSITY = 48.0  # table entries per face radius
RANDOMS = 16 + 16 + 16  # per image: plank tones, grain-rate knots, carpet stripes
KINDS = ("wood", "carpet")


def floor_tables(
    wood: np.ndarray, p: dict[str, np.ndarray], randoms: np.ndarray, per_pixel: np.ndarray | float = 1.0
) -> np.ndarray:
    """The floor tables [B, LENGTH] (float32, around 0) for wood (`wood` True) or carpet images, blurred for
    `per_pixel` table entries per image pixel so that small images show the floor without aliasing."""
    k = np.arange(LENGTH, dtype=np.float64)[None, :]
    wood = wood[:, None]
    plank_tones, knots, stripes = randoms[:, :16], randoms[:, 16:32], randoms[:, 32:]
    # Wood: planks 0.45-0.95 face radii wide with their own tones, a dark seam between two planks, and grain:
    # lines every 3-8 entries whose spacing wanders slowly (they bunch up and spread out as in real wood), a few
    # of them broad and dark, on a soft wave of lighter and darker wood.
    width = (0.45 + 0.5 * p["floor_scale"][:, None]) * DENSITY
    board = np.floor(k / width).astype(np.int64)
    base = 0.22 * (np.take_along_axis(plank_tones, board % 16, axis=1) - 0.5)
    base -= 0.22 * (k - board * width < 1.3)
    weights = np.maximum(0.0, 1.0 - np.abs(k.T / (LENGTH / 15.0) - np.arange(16)[None, :]))  # [LENGTH, 16]
    wander = (knots[:, None, :] * weights[None]).sum(axis=2)  # smooth, 0..1
    rate = (0.12 + 0.14 * p["floor_grain"][:, None]) * (0.4 + wander)
    phase = np.cumsum(rate, axis=1) + 0.37 * board
    distance = np.abs(phase - np.rint(phase))
    lines = np.clip(2.0 - 8.0 * distance, 0.0, 1.0)
    broad = np.clip(3.0 * np.cos(np.pi * phase / 3.7 + 2 * np.pi * knots[:, :1]) - 2.0, 0.0, 1.0)
    grain = -(0.05 + 0.1 * p["floor_contrast"][:, None]) * (lines * (0.5 + wander) + 1.2 * broad * lines)
    grain -= 0.06 * np.cos(2 * np.pi * phase / 11.0)
    # Carpet: a repeating pattern of two to four stripes, 3-12 entries each, in tones close together; fine ribs.
    period = 2 + (stripes[:, :1] * 3).astype(np.int64)  # stripes per repeat
    widths = 3.0 + 9.0 * stripes[:, 1:5]
    cycle = np.take_along_axis(widths, np.arange(4)[None, :] % period, axis=1) * (np.arange(4)[None, :] < period)
    where = k % cycle.sum(axis=1, keepdims=True)
    band = (np.cumsum(cycle, axis=1)[:, None, :] <= where[:, :, None]).sum(axis=2)  # stripe within the repeat
    tones = stripes[:, 5:9] - 0.5
    carpet = (0.1 + 0.2 * p["floor_contrast"][:, None]) * np.take_along_axis(tones, np.minimum(band, 3), axis=1)
    return _blur(np.where(wood, base + grain, carpet), np.maximum(0.7, 0.5 * np.asarray(per_pixel)))


def _blur(tables: np.ndarray, sigma: np.ndarray | float) -> np.ndarray:
    """A Gaussian blur of `sigma` entries (per table) along each wrapping table, through its spectrum."""
    frequency = np.fft.rfftfreq(LENGTH)[None, :]
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (len(tables),))[:, None]
    spectrum = np.fft.rfft(tables, axis=1) * np.exp(-2 * (np.pi * sigma * frequency) ** 2)
    return np.fft.irfft(spectrum, n=LENGTH, axis=1).astype(np.float32)


def floor_texture(
    tables: np.ndarray,
    wood: np.ndarray,
    p: dict[str, np.ndarray],
    u: np.ndarray,
    v: np.ndarray,
    per_pixel: np.ndarray | float = 1.0,
) -> np.ndarray:
    """The floor's texture [B, H, W] at floor coordinates (u, v) in face radii (`per_pixel`: table entries per
    image pixel, to fade out a carpet's ribs where the pixels are too coarse to show them)."""
    angle = np.pi * p["floor_angle"]
    c = _col(np.cos(angle) * DENSITY)
    s = _col(np.sin(angle) * DENSITY)
    a = u * c
    a += v * s
    b = v * c
    b -= u * s
    # Along the planks a slow wave (a period of 3-12 face radii) shifts the wood's lines by up to 1.5 entries.
    wave = np.multiply(b, _col(0.01 + 0.03 * p["floor_wobble"]))
    wave += _col(2 * np.pi * p["floor_wobble"])
    np.sin(wave, out=wave)
    wave *= _col(wood * (0.4 + 1.1 * p["floor_wobble"]))
    wave += a
    index = wave.astype(np.int32)
    index &= LENGTH - 1
    index += (np.arange(len(tables), dtype=np.int32) * LENGTH)[:, None, None]
    texture = tables.reshape(-1).take(index)
    period = 2.5 + p["floor_grain"]  # a carpet's fine ribs, every 2.5-3.5 entries
    shown = ~wood * np.clip(period / np.asarray(per_pixel) / 2 - 1, 0.0, 1.0)  # gone below 2 pixels a rib
    if shown.any():
        b *= _col(2 * np.pi / period)
        np.cos(b, out=b)
        b *= _col(0.025 * shown)
        texture += b
    return texture


def _col(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)[:, None, None]
