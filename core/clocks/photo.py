"""Photos of real clocks as model inputs: find the dial, then cut a square around it the way the models saw clocks.

A phone photo usually shows the clock small and off-centre, while the models learnt clocks that fill 0.7-1.07
of a square frame. `find_dial` works on a copy at most WORK_SIDE pixels long (NumPy and Pillow only):
1. edges: a light blur, Sobel gradients, one-pixel-wide edges above the picture's 80th percentile of strength;
2. centre guesses: a Hough-like vote, each edge pixel voting at every radius along its gradient (both ways, so a
   dark rim on a light wall and the reverse both count); the best-supported centres are the guesses;
3. the rim: around each guess, the closed ring of strongest radial edges (dynamic programming over rays, so a
   tilted, elliptic dial is followed too), then rings outside it while they stand out from what lies beyond
   (the face's edge, then the case); a least-squares circle through the ring recentres it and it is traced again;
4. the dial: the clearest, largest ring whose edges are strong against the picture's own texture, else none.
`crop_box` frames the dial so its longest width fills FILL of the square, with the user's zoom and offset on top,
and falls back to the centre square when no dial was found; `crop_photo` cuts the model's input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WORK_SIDE = 192  # the longer side of the copy the dial is searched in (pixels)
RADII = 30  # circle radii voted for, evenly spaced in log between the two bounds below
CANDIDATES = 4  # centres of symmetry tried, most voted first
RING_STEP = 2  # how far (in work pixels) the rim may move in or out from one ray to the next
MAX_CASE_RATIO = 1.3  # an outer ring at most this much wider than the strongest ring counts as the case
CASE_EVEN = 0.10  # and it runs parallel to the ring inside (their ratio varies less than this), not square
OUTER_RINGS = 2  # rings looked for outside the strongest one (a bezel, then the case)
MIN_RADIUS = 0.06  # the smallest dial radius searched, as a fraction of the picture's shorter side
MAX_RADIUS = 0.52  # the largest
MIN_SEEN = 0.7  # a traced rim is a dial when it lies on a real edge on this share of its rays
MIN_CONTRAST = 3.0  # and its mean edge strength is this many times the picture's edge floor (80th percentile)
CASE_SEEN = 0.85  # a ring outside the face's edge is the case when a real edge lies on this share of rays
CASE_STRENGTH = 2.5  # and its mean edge strength is this many times that in a band just outside it
RAYS = 96  # rays cast from a centre to trace the rim
FILL = 0.9  # the dial's longest width / the crop's side (the models trained on 0.7-1.07)
ZOOM_RANGE = (0.5, 2.0)  # the user's zoom on top of the found crop
SHIFT_RANGE = 0.5  # the user's offset, as a fraction of the crop's side, either way


@dataclass(frozen=True)
class Dial:
    """A dial found in a picture: centre and reach in the picture's pixels, and how well its rim was seen."""

    x: float  # centre, column
    y: float  # centre, row
    radius: float  # the dial's longest reach from its centre (half its longest width)
    support: float  # share of the rays on which the traced rim sits on a real edge, 0..1


@dataclass(frozen=True)
class CropBox:
    """A square cut from a picture, and how it was chosen (a square wider than the picture reaches past its edges)."""

    x: float  # centre, column
    y: float  # centre, row
    side: float  # side length in the picture's pixels
    dial: Dial | None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in the picture's pixels."""
        half = self.side / 2
        return self.x - half, self.y - half, self.x + half, self.y + half

    def note(self) -> str:
        """One line saying how the square was chosen."""
        if self.dial is None:
            return "No dial found: used the centre square."
        d = self.dial
        return (
            f"Found the dial at ({d.x:.0f}, {d.y:.0f}) px, {2 * d.radius:.0f} px wide "
            f"({d.support:.0%} of its rim seen)."
        )


def upright_grey(picture) -> np.ndarray:
    """A Pillow image as uint8 grayscale [H, W], turned upright by its EXIF orientation first."""
    from PIL import ImageOps

    return np.asarray(ImageOps.exif_transpose(picture).convert("L"), np.uint8)


def _downscaled(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The picture at most WORK_SIDE on its longer side, as float32, and the factor back to the picture's pixels."""
    from PIL import Image

    height, width = grey.shape
    factor = max(height, width) / WORK_SIDE
    if factor <= 1:
        return grey.astype(np.float32), 1.0
    small = Image.fromarray(grey).resize(
        (max(1, round(width / factor)), max(1, round(height / factor))), Image.Resampling.BOX
    )
    return np.asarray(small, np.float32), width / small.width


def _smooth(image: np.ndarray) -> np.ndarray:
    """A [1 2 1] binomial blur each way (edges repeated): less sensor noise and fine texture."""
    padded = np.pad(image, 1, mode="edge")
    rows = padded[:-2] + 2 * padded[1:-1] + padded[2:]
    return (rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]) / 16.0


def _gradients(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sobel derivatives (d/dx, d/dy) of an image, edges repeated."""
    p = np.pad(image, 1, mode="edge")
    gx = (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])
    gy = (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])
    return gx / 8.0, gy / 8.0


def _thin(magnitude: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Non-maximum suppression: True where the edge strength peaks across the edge (one-pixel-wide edges)."""
    angle = (np.degrees(np.arctan2(gy, gx)) + 180.0) % 180.0
    sector = ((angle + 22.5) // 45).astype(np.int64) % 4  # 0: horizontal gradient, 1: 45°, 2: vertical, 3: 135°
    p = np.pad(magnitude, 1)
    centre = p[1:-1, 1:-1]
    neighbours = [
        (p[1:-1, 2:], p[1:-1, :-2]),
        (p[2:, 2:], p[:-2, :-2]),
        (p[2:, 1:-1], p[:-2, 1:-1]),
        (p[2:, :-2], p[:-2, 2:]),
    ]
    peak = np.zeros(magnitude.shape, bool)
    for index, (a, b) in enumerate(neighbours):
        peak |= (sector == index) & (centre >= a) & (centre >= b)
    return peak


def _edges(image: np.ndarray) -> tuple[np.ndarray, ...]:
    """Strong thin edge pixels (rows, columns, unit gradient ux, uy), the gradient maps, and the strength floor."""
    gx, gy = _gradients(_smooth(image))
    magnitude = np.hypot(gx, gy)
    floor = max(float(np.percentile(magnitude, 80)), 6.0)  # a faint or flat picture has no dial edges
    rows, cols = np.nonzero(_thin(magnitude, gx, gy) & (magnitude >= floor))
    strength = magnitude[rows, cols]
    return rows, cols, gx[rows, cols] / strength, gy[rows, cols] / strength, gx, gy, floor


def _circle_support(
    shape: tuple[int, int], radii: np.ndarray, rows: np.ndarray, cols: np.ndarray, ux: np.ndarray, uy: np.ndarray
) -> np.ndarray:
    """[H, W] best share of a circle's rim (over the radii) backed by edges whose gradient line passes its centre.

    Each edge pixel votes at distance r along its gradient, both ways (a dark rim on a light wall or the reverse);
    the votes of a round rim meet at its centre, a tilted (elliptic) rim's votes land around it.
    """
    height, width = shape
    votes = np.zeros(len(radii) * height * width, np.float64)
    for sign in (1.0, -1.0):
        x = np.rint(cols[None, :] + sign * radii[:, None] * ux[None, :]).astype(np.int64)
        y = np.rint(rows[None, :] + sign * radii[:, None] * uy[None, :]).astype(np.int64)
        k = np.broadcast_to(np.arange(len(radii))[:, None], x.shape)
        inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
        votes += np.bincount((k[inside] * height + y[inside]) * width + x[inside], minlength=votes.size)
    votes = votes.reshape(len(radii), height, width)
    padded = np.pad(votes, ((1, 1), (1, 1), (1, 1)))  # votes for a round rim land within a pixel
    box = sum(padded[:, 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    shared = box[:-2] * 0.25 + box[1:-1] * 0.5 + box[2:] * 0.25  # and a neighbouring radius shares them
    return (shared / (2 * np.pi * radii)[:, None, None]).max(axis=0)


def _peaks(votes: np.ndarray, count: int, apart: int) -> list[tuple[int, int]]:
    """The `count` highest points of a vote map at least `apart` pixels from each other, highest first."""
    votes = votes.copy()
    found = []
    for _ in range(count):
        y, x = np.unravel_index(int(np.argmax(votes)), votes.shape)
        if votes[y, x] <= 0:
            break
        found.append((int(y), int(x)))
        votes[max(0, y - apart) : y + apart + 1, max(0, x - apart) : x + apart + 1] = 0
    return found


def _polar(gx: np.ndarray, gy: np.ndarray, x: float, y: float, radii: np.ndarray) -> np.ndarray:
    """[RAYS, radii] radial edge strength |gradient . ray| around (x, y); -1 outside the picture."""
    angles = np.linspace(0, 2 * np.pi, RAYS, endpoint=False)
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]
    px, py = x + cos * radii[None, :], y + sin * radii[None, :]
    height, width = gx.shape
    inside = (px >= 0) & (px <= width - 1) & (py >= 0) & (py <= height - 1)
    ix = np.clip(np.rint(px), 0, width - 1).astype(np.int64)
    iy = np.clip(np.rint(py), 0, height - 1).astype(np.int64)
    return np.where(inside, np.abs(gx[iy, ix] * cos + gy[iy, ix] * sin), -1.0)


def _ring(strength: np.ndarray, floor: np.ndarray | None = None) -> np.ndarray:
    """The closed path r(angle) (radius indices) with the most edge strength, moving at most RING_STEP per ray
    (dynamic programming over two turns, the second kept, so it closes); `floor` [RAYS] keeps it outside a path."""
    rays, n = strength.shape
    if floor is not None:
        strength = np.where(np.arange(n)[None, :] > floor[:, None], strength, -1e9)
    step = RING_STEP
    score = strength[0].copy()
    back = np.zeros((2 * rays, n), np.int64)
    extended = np.full(n + 2 * step, -np.inf)
    for i in range(1, 2 * rays):
        extended[step : step + n] = score
        options = np.lib.stride_tricks.sliding_window_view(extended, 2 * step + 1)  # [n, 2 * step + 1]
        best = np.argmax(options, axis=1)
        back[i] = np.arange(n) + best - step
        score = options[np.arange(n), best] + strength[i % rays]
    path = np.zeros(2 * rays, np.int64)
    path[-1] = int(np.argmax(score))
    for i in range(2 * rays - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path[rays:]


def _ring_quality(strength: np.ndarray, path: np.ndarray, floor_value: float) -> tuple[float, float]:
    """(share of rays where the path sits on a real edge, mean edge strength along it), over rays in the picture."""
    along = strength[np.arange(len(path)), path]
    inside = along >= 0
    if not inside.any():
        return 0.0, 0.0
    return float(np.mean(along[inside] >= floor_value)), float(np.mean(along[inside]))


def _beyond(strength: np.ndarray, path: np.ndarray) -> float:
    """The mean edge strength in a band just outside a path (what a real outline must stand out from)."""
    columns = path[:, None] + np.arange(3, 9)[None, :]
    band = np.take_along_axis(strength, np.minimum(columns, strength.shape[1] - 1), axis=1)
    band = band[band >= 0]
    return float(band.mean()) if band.size else 0.0


def _outline(strength: np.ndarray, radii: np.ndarray, floor_value: float) -> tuple[np.ndarray, float, float]:
    """The strongest ring, then rings outside it while they stand out (the face's edge, the bezel, the case):
    (the outermost ring's radius per ray, the strongest ring's share of rays on a real edge and mean strength)."""
    path = _ring(strength)
    seen, power = _ring_quality(strength, path, floor_value)
    chosen = path
    for _ in range(OUTER_RINGS):
        outside = chosen + np.maximum(2, np.rint(0.1 * radii[chosen])).astype(np.int64)  # past this edge
        if np.any(outside >= len(radii) - 1):
            break
        outer = _ring(strength, outside)
        outer_seen, outer_power = _ring_quality(strength, outer, floor_value)
        ratio = radii[outer] / radii[chosen]
        if (
            outer_seen < CASE_SEEN
            or outer_power < CASE_STRENGTH * _beyond(strength, outer)
            or np.median(radii[outer] / radii[path]) > MAX_CASE_RATIO
            or ratio.std() > CASE_EVEN * ratio.mean()
        ):
            break
        chosen = outer
    return radii[chosen], seen, power


def _trace(
    gx: np.ndarray, gy: np.ndarray, x: float, y: float, radii: np.ndarray, floor_value: float
) -> tuple[float, float, float, float, float]:
    """The rim traced from a centre guess, then again from the traced rim's own centre (a least-squares circle
    through it: exact for a round rim, the middle of a tilted one by symmetry):
    (centre x, centre y, longest reach, share of rays with a real edge, mean edge strength along it)."""
    angles = np.linspace(0, 2 * np.pi, RAYS, endpoint=False)
    for _ in range(2):
        reach, seen, power = _outline(_polar(gx, gy, x, y, radii), radii, floor_value)
        px, py = x + np.cos(angles) * reach, y + np.sin(angles) * reach
        design = np.stack([px, py, np.ones_like(px)], axis=1)
        (d, e, _), *_ = np.linalg.lstsq(design, px * px + py * py, rcond=None)
        x, y = d / 2, e / 2
    longest = float(np.percentile(np.hypot(px - x, py - y), 95))
    return float(x), float(y), longest, seen, power


def find_dial(grey: np.ndarray) -> Dial | None:
    """The clock dial in a grayscale picture [H, W], or None when no round rim stands out."""
    small, factor = _downscaled(np.asarray(grey))
    short = min(small.shape)
    rows, cols, ux, uy, gx, gy, floor_value = _edges(small)
    if len(rows) < 8:
        return None
    low, high = MIN_RADIUS * short, MAX_RADIUS * short
    support = _circle_support(small.shape, np.geomspace(low, high, RADII), rows, cols, ux, uy)
    radii = np.arange(max(2.0, 0.6 * low), 1.25 * high, 1.0)
    best = None
    for y, x in _peaks(support, CANDIDATES, max(3, int(low))):
        cx, cy, longest, seen, power = _trace(gx, gy, float(x), float(y), radii, floor_value)
        quality = seen * power * np.sqrt(longest)  # a clock is the big, clear round thing
        clear = seen >= MIN_SEEN and power >= MIN_CONTRAST * floor_value
        if clear and (best is None or quality > best[0]):
            best = (quality, cx, cy, longest, seen)
    if best is None:
        return None
    _, cx, cy, longest, seen = best
    return Dial(x=(cx + 0.5) * factor - 0.5, y=(cy + 0.5) * factor - 0.5, radius=longest * factor, support=seen)


def crop_box(
    shape: tuple[int, int], dial: Dial | None, zoom: float = 1.0, shift: tuple[float, float] = (0.0, 0.0)
) -> CropBox:
    """The square the model sees: around the dial (its longest width FILL of the side), else the centre square;
    zoomed in by `zoom`, moved by `shift` (right, down; fractions of the side), then kept inside the picture
    when it fits (a dial at the picture's edge ends up off-centre, as in the training photos, not mirrored)."""
    height, width = shape
    if dial is None:
        x, y, side = (width - 1) / 2, (height - 1) / 2, float(min(height, width))
    else:
        x, y, side = dial.x, dial.y, 2 * dial.radius / FILL
    side = max(side / float(np.clip(zoom, *ZOOM_RANGE)), 4.0)
    dx, dy = (float(np.clip(s, -SHIFT_RANGE, SHIFT_RANGE)) for s in shift)
    x, y = x + dx * side, y + dy * side
    half = side / 2
    if side <= width:
        x = float(np.clip(x, half - 0.5, width - 0.5 - half))
    if side <= height:
        y = float(np.clip(y, half - 0.5, height - 0.5 - half))
    return CropBox(x=x, y=y, side=side, dial=dial)


def cut(grey: np.ndarray, box: CropBox, size: int) -> np.ndarray:
    """The box as a uint8 [size, size] image, area-averaged (beyond the picture's edge its last pixels repeat)."""
    from PIL import Image

    grey = np.asarray(grey, np.uint8)
    height, width = grey.shape
    left, top, right, bottom = box.bounds
    pad = int(np.ceil(max(0.0, -left - 0.5, -top - 0.5, right + 0.5 - width, bottom + 0.5 - height)))
    if pad:
        grey = np.pad(grey, pad, mode="edge")
    # Pillow's box is in pixel edges: pixel i spans [i, i + 1), so a centre coordinate c is the edge c + 0.5
    area = (left + 0.5 + pad, top + 0.5 + pad, right + 0.5 + pad, bottom + 0.5 + pad)
    return np.asarray(Image.fromarray(grey).resize((size, size), Image.Resampling.BOX, box=area), np.uint8)


def crop_photo(
    grey: np.ndarray, size: int, dial: Dial | None, zoom: float = 1.0, shift: tuple[float, float] = (0.0, 0.0)
) -> tuple[np.ndarray, CropBox]:
    """The model's uint8 [size, size] input cut around a found dial (or the centre square), and the box it came from."""
    grey = np.asarray(grey, np.uint8)
    box = crop_box(grey.shape, dial, zoom, shift)
    return cut(grey, box, size), box


def preview(grey: np.ndarray, box: CropBox, max_side: int = 640) -> np.ndarray:
    """The picture as RGB [h, w, 3] at most `max_side` long, the model's square drawn on it (and the dial's circle)."""
    from PIL import Image, ImageDraw

    grey = np.asarray(grey, np.uint8)
    scale = min(1.0, max_side / max(grey.shape))
    picture = Image.fromarray(grey).convert("RGB")
    if scale < 1.0:
        picture = picture.resize(
            (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale))), Image.Resampling.BOX
        )
    draw = ImageDraw.Draw(picture)
    line = max(2, round(max(picture.size) / 200))

    def at(value: float) -> float:
        return (value + 0.5) * scale - 0.5

    if box.dial is not None:
        d = box.dial
        draw.ellipse(
            [at(d.x - d.radius), at(d.y - d.radius), at(d.x + d.radius), at(d.y + d.radius)],
            outline=(0, 114, 178),
            width=line,
        )  # Okabe-Ito blue
    left, top, right, bottom = box.bounds
    draw.rectangle([at(left), at(top), at(right), at(bottom)], outline=(213, 94, 0), width=line)  # vermillion
    return np.asarray(picture)
