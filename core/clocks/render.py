"""The analog-clock renderer: photo-like grayscale clocks for the telling-the-time experiments.

Every pixel is mapped back through the clock's pose (in-plane rotation, perspective tilt, scale,
offset) into clock-face coordinates and shaded with anti-aliased signed-distance edges, in NumPy,
a batch of images at a time. Image i depends only on (seed, i, minutes[i], style), so any chunking
or process count gives the same pixels. Run `python bench/bench_render.py` to time it.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing import get_context

import numpy as np

from core.clocks.time import MINUTES

RENDER_VERSION = 1
BATCH = 8                   # images shaded together: few Python calls per image, arrays still in the CPU cache
PIECE = 500                 # images per task sent to a worker process
PARALLEL_PIXELS = 30_000_000  # below this (~1,300 clocks at 150 px) starting processes costs more than it saves
CASE_RADIUS = 1.12          # the case's outer radius; the face (glass) has radius 1


@dataclass(frozen=True)
class ClockStyle:
    """Knobs of one difficulty; distances are in clock radii, angles in degrees, tones in 0..1."""

    rotation_deg: float = 180.0                     # in-plane rotation drawn from +-this
    max_tilt_deg: float = 30.0                      # out-of-plane tilt (perspective), 0..this
    scale_range: tuple[float, float] = (0.72, 0.92)  # case radius as a fraction of half the image
    max_offset: float = 0.06                        # centre offset, fraction of half the image
    glare_strength: float = 0.8                     # peak brightness a glare blob adds (0..1)
    glare_count: int = 2                            # up to this many glare blobs
    streaks: int = 1                                # up to this many bright streaks across the glass
    noise_sigma: float = 4.0                        # sensor noise, gray levels (0..255)
    blur_px: float = 0.7                            # up to this defocus blur (Gaussian sigma), pixels at 150 px
    occlusion_prob: float = 0.0                     # chance of an object covering part of the dial
    second_hand_prob: float = 0.0                   # chance of a thin second hand at a random angle
    background_variation: float = 1.0               # 0 flat gray; 1 gradients, texture, edges, shadow
    face_variation: float = 1.0                     # per-clock variation of tones and hand widths
    contrast_range: tuple[float, float] = (0.6, 1.1)
    brightness_range: tuple[float, float] = (-0.12, 0.12)


DIFFICULTIES: dict[str, ClockStyle] = {
    "easy": ClockStyle(rotation_deg=0.0, max_tilt_deg=0.0, scale_range=(0.88, 0.92), max_offset=0.0,
                       glare_strength=0.0, glare_count=0, streaks=0, noise_sigma=0.0, blur_px=0.0,
                       background_variation=0.0, face_variation=0.0, contrast_range=(1.0, 1.0),
                       brightness_range=(0.0, 0.0)),
    "assignment": ClockStyle(),
    "hard": ClockStyle(max_tilt_deg=50.0, scale_range=(0.62, 0.92), max_offset=0.1, glare_strength=0.95,
                       glare_count=3, streaks=2, noise_sigma=7.0, blur_px=1.0, occlusion_prob=0.6,
                       second_hand_prob=0.5, contrast_range=(0.45, 1.1), brightness_range=(-0.18, 0.15)),
}

# Per-image uniforms, drawn first from each image's own generator: one column per scalar below,
# then the blocks of _BLOCKS (background texture grid, glare blobs, streaks).
_PARAMS = ("rotation", "tilt", "tilt_axis", "distance", "scale", "offset_r", "offset_a",
           "face_tone", "ink_tone", "case_tone", "light_angle", "hand_width", "hand_length",
           "bg_base", "bg_grad_x", "bg_grad_y", "bg_edge_pos", "bg_edge_angle", "bg_edge_step",
           "shadow_angle", "shadow_strength", "vignette", "contrast", "brightness", "blur",
           "occluder", "occluder_angle", "occluder_radius", "occluder_gap", "occluder_length",
           "occluder_tone", "second", "second_angle", "glare_n", "streak_n")
_BG_GRID = 5        # background texture: a 5x5 random grid, smoothly upsampled
_MAX_BLOBS, _MAX_STREAKS = 3, 2
_BLOCKS = {"texture": (_BG_GRID * _BG_GRID,), "blobs": (_MAX_BLOBS, 6), "streaks": (_MAX_STREAKS, 5)}


def style_of(difficulty: str | ClockStyle) -> ClockStyle:
    """The ClockStyle for a difficulty name (easy, assignment, hard) or a ClockStyle itself."""
    if isinstance(difficulty, ClockStyle):
        return difficulty
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown clock difficulty '{difficulty}'; choose {', '.join(DIFFICULTIES)}")
    return DIFFICULTIES[difficulty]


def render_clocks(minutes: np.ndarray, size: int = 150, difficulty: str | ClockStyle = "assignment",
                  seed: int = 0, *, workers: int | None = None, first_index: int = 0) -> np.ndarray:
    """Render clocks showing `minutes` after 12:00 as uint8 [N, size, size] grayscale photos.

    Image i is image number first_index + i of the (seed, style) series, so a long series can be
    rendered in pieces. `workers` processes share the work (default: one per core for big sets,
    none for small ones, where starting processes would cost more than it saves).
    """
    style = style_of(difficulty)
    minutes = np.asarray(minutes, dtype=np.float64).reshape(-1)
    if not 16 <= size <= 1024:
        raise ValueError(f"clock image size must be between 16 and 1024 pixels (got {size})")
    if not np.all(np.isfinite(minutes)):
        raise ValueError("clock times must be finite numbers of minutes after 12:00")
    if seed < 0 or first_index < 0:
        raise ValueError(f"seed and first_index must be >= 0 (got {seed} and {first_index})")
    if workers is None:
        workers = _available_cores() if len(minutes) * size * size >= PARALLEL_PIXELS else 1
    if workers > 1 and len(minutes) > BATCH:
        try:
            return _render_in_processes(minutes, size, style, seed, first_index, workers)
        except (BrokenProcessPool, OSError):
            pass                                  # no worker processes here (a sandbox, a limit): render below
    return _render_range(minutes, size, style, seed, first_index)


def _render_in_processes(minutes: np.ndarray, size: int, style: ClockStyle, seed: int, first_index: int,
                         workers: int) -> np.ndarray:
    """Render pieces in 'spawn' worker processes and copy each into place as it arrives.

    Processes, not threads: with the cores busy (a training job, other users), two threads
    queue for the GIL around every array operation and run slower than one. 'spawn', not
    fork: forking a process that has loaded TensorFlow can hang.
    """
    images = np.empty((len(minutes), size, size), dtype=np.uint8)
    piece = int(min(PIECE, max(BATCH, -(-len(minutes) // (4 * workers)))))
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_render_range, minutes[start:start + piece], size, style, seed,
                               first_index + start): start for start in range(0, len(minutes), piece)}
        for future in as_completed(futures):
            start = futures[future]
            images[start:start + piece] = future.result()
    return images


def _render_range(minutes: np.ndarray, size: int, style: ClockStyle, seed: int, first_index: int) -> np.ndarray:
    """Render in this process, BATCH images at a time."""
    images = np.empty((len(minutes), size, size), dtype=np.uint8)
    for start in range(0, len(minutes), BATCH):
        stop = min(start + BATCH, len(minutes))
        indices = np.arange(first_index + start, first_index + stop)
        images[start:stop] = _render_batch(indices, minutes[start:stop], size, style, seed)
    return images


def _available_cores() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:                        # not on Linux
        return max(1, min(os.cpu_count() or 1, 8))


def with_knobs(difficulty: str | ClockStyle, **knobs: object) -> ClockStyle:
    """A copy of a difficulty with some knobs changed, e.g. with_knobs('assignment', max_tilt_deg=0)."""
    return replace(style_of(difficulty), **knobs)


# ---------------------------------------------------------------------------------------------
# Rendering one batch. Arrays are [B, H, W] float32; per-image values are [B, 1, 1]. Sharp things
# (dial, hands) are shaded per pixel; smooth things (background, shadow, glare, occluder) are
# shaded on a coarse grid (every third pixel) and interpolated up, which costs a few array operations.


def _render_batch(indices: np.ndarray, minutes: np.ndarray, size: int, style: ClockStyle,
                  seed: int) -> np.ndarray:
    """Render images number `indices` of the series: pose, background, case, face, ink, glare, occluder, noise."""
    p, blocks, noise_rngs = _image_uniforms(indices, seed)
    pose = _pose(p, style)
    x, y = _pixel_grid(size)
    u, v, footprint = _face_coordinates(pose, x, y, size)
    # Defocus: edges a Gaussian of sigma s pixels would blur get a linear ramp 3.2 s pixels wide
    # (the same 10-90% width) on top of the one-pixel anti-aliasing; everything else is smooth already.
    blur = p["blur"] * style.blur_px * size / 150.0
    aa = _col(footprint * np.sqrt(1.1 ** 2 + (3.2 * blur) ** 2))
    r2 = u * u
    r2 += v * v
    r = np.sqrt(r2)
    theta = np.arctan2(u, v)                                                 # clockwise from 12

    coarse = _coarse_grid(size)
    tones = _tones(p, style)
    image = coarse.upsample(_background(p, style, pose, coarse, blocks["texture"]))
    _lerp(image, _case_tone(tones, pose, theta, r), _coverage(r - CASE_RADIUS, aa))
    glass = _coverage(r - 1.0, aa)
    face = tones["face_falloff"] * r2
    np.subtract(tones["face"], face, out=face)
    _lerp(image, face, glass)
    ink = np.minimum(_dial_distance(u, v, r, theta), _hands_distance(minutes, p, style, u, v, r))
    _lerp(image, tones["ink"], _coverage(ink, aa))      # one coverage for the union of everything printed
    glare = _glare(p, style, coarse, blocks["blobs"], blocks["streaks"])
    if glare is not None:
        glare = coarse.upsample(glare)
        glare *= glass
        glare *= 1.0 - image                      # screen blend: highlights wash the dial out
        image += glare
    if style.occlusion_prob > 0:
        cover = coarse.upsample(_occluder(p, style, pose, coarse))
        _lerp(image, _col(_occluder_tone(p)), cover)
    _to_gray_levels(image, p, style)
    return _quantize(image, noise_rngs, style.noise_sigma)


def _image_uniforms(indices: np.ndarray, seed: int
                    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[np.random.Generator]]:
    """Each image's random choices come from its own generator, seeded by (seed, index)."""
    sizes = [int(np.prod(shape)) for shape in _BLOCKS.values()]
    rngs = [np.random.default_rng([seed, int(i), 1]) for i in indices]
    table = np.stack([rng.random(len(_PARAMS) + sum(sizes)) for rng in rngs])
    params = {name: table[:, k] for k, name in enumerate(_PARAMS)}
    blocks, start = {}, len(_PARAMS)
    for (name, shape), count in zip(_BLOCKS.items(), sizes):
        blocks[name] = table[:, start:start + count].reshape(-1, *shape)
        start += count
    return params, blocks, rngs


def _pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in -1..1 as a row [1, 1, W] (x) and a column [1, H, 1] (y, pointing up)."""
    grid = (np.arange(size, dtype=np.float32) + 0.5) / (size / 2) - 1.0
    return grid[None, None, :], -grid[None, :, None]


class _Coarse:
    """A coarse grid with a sample every `STEP` pixels, and linear upsampling from it.

    Upsampling is done with broadcast arithmetic rather than matrix products: a multi-threaded BLAS
    slows down twenty-fold when other processes keep the cores busy.
    """

    STEP = 3

    def __init__(self, size: int) -> None:
        self.size = size
        self.n = -(-size // self.STEP) + 1                    # samples at pixels 0, STEP, 2*STEP, ...
        grid = (np.arange(self.n, dtype=np.float32) * self.STEP + 0.5) / (size / 2) - 1.0
        self.x, self.y = grid[None, None, :], -grid[None, :, None]
        self.weights = np.arange(self.STEP, dtype=np.float32) / self.STEP

    def upsample(self, field: np.ndarray) -> np.ndarray:
        """[B, n, n] on the coarse grid -> [B, size, size]: along x on the transposed small array, then along y."""
        field = np.ascontiguousarray(field.transpose(0, 2, 1), dtype=np.float32)
        columns = np.ascontiguousarray(self._rows(field).transpose(0, 2, 1))
        return self._rows(columns)

    def _rows(self, field: np.ndarray) -> np.ndarray:
        """Interpolate along axis 1, one phase (row offset within a step) at a time, keeping inner loops long."""
        out = np.empty((field.shape[0], self.n - 1, self.STEP, field.shape[2]), dtype=np.float32)
        below = field[:, :-1]
        delta = field[:, 1:] - below
        out[:, :, 0] = below
        for phase in range(1, self.STEP):
            view = out[:, :, phase]
            np.multiply(delta, self.weights[phase], out=view)
            view += below
        return out.reshape(field.shape[0], -1, field.shape[2])[:, : self.size]


@functools.lru_cache(maxsize=8)
def _coarse_grid(size: int) -> _Coarse:
    return _Coarse(size)


@functools.lru_cache(maxsize=8)
def _texture_weights(n: int) -> np.ndarray:
    """[n, grid] cosine-interpolation weights from the texture grid to n samples."""
    position = np.linspace(0, _BG_GRID - 1, n)
    weights = np.maximum(0.0, 1.0 - np.abs(position[:, None] - np.arange(_BG_GRID)[None, :]))
    weights = 0.5 - 0.5 * np.cos(np.pi * weights)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def _col(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)[:, None, None]


def _between(unit: np.ndarray, low: float, high: float) -> np.ndarray:
    return low + (high - low) * unit


def _pose(p: dict[str, np.ndarray], style: ClockStyle) -> dict[str, np.ndarray]:
    """Face-to-image homographies [B, 3, 3] (image coords -1..1, y up) and their inverses.

    `scale` is the radius of the case's image: a tilted clock is shrunk until its perspective
    image (bigger on the near side) fits that radius, so tilted clocks stay in the frame.
    """
    phi = np.radians(_between(p["rotation"], -style.rotation_deg, style.rotation_deg))
    tilt = np.radians(style.max_tilt_deg * np.sqrt(p["tilt"]))
    axis = 2 * np.pi * p["tilt_axis"]
    distance = _between(p["distance"], 3.5, 7.0)          # camera distance in face radii
    radius = _between(p["scale"], *style.scale_range)
    rotation = _axis_rotation(axis, tilt) @ _z_rotation(phi)
    room = np.maximum(0.0, 0.98 - radius)
    reach = np.minimum(style.max_offset, room) * np.sqrt(p["offset_r"])
    offset = reach[:, None] * np.stack([np.cos(2 * np.pi * p["offset_a"]), np.sin(2 * np.pi * p["offset_a"])], 1)
    model = np.zeros((len(phi), 3, 3))
    model[:, :, :2] = rotation[:, :, :2]
    model[:, 2, 2] = distance
    rim = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    rim = np.stack([CASE_RADIUS * np.sin(rim), CASE_RADIUS * np.cos(rim), np.ones_like(rim)])     # [3, 32]
    projected = model @ rim
    extent = np.hypot(projected[:, 0], projected[:, 1]) / projected[:, 2] * distance[:, None]    # at unit scale
    scale = radius / extent.max(axis=1)
    camera = np.zeros_like(model)
    camera[:, 0, 0] = camera[:, 1, 1] = scale * distance
    camera[:, :2, 2] = offset
    camera[:, 2, 2] = 1.0
    forward = camera @ model
    return {"inverse": np.linalg.inv(forward), "phi": phi, "scale": scale, "offset": offset}


def _z_rotation(angle: np.ndarray) -> np.ndarray:
    """Turn the face clockwise by `angle` about its normal."""
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros((len(angle), 3, 3))
    out[:, 0, 0], out[:, 0, 1], out[:, 1, 0], out[:, 1, 1], out[:, 2, 2] = c, s, -s, c, 1.0
    return out


def _axis_rotation(axis_angle: np.ndarray, tilt: np.ndarray) -> np.ndarray:
    """Rotation by `tilt` about the in-plane axis (cos a, sin a, 0) (Rodrigues' formula)."""
    k = np.stack([np.cos(axis_angle), np.sin(axis_angle), np.zeros_like(axis_angle)], 1)
    cross = np.zeros((len(k), 3, 3))
    cross[:, 0, 2], cross[:, 1, 2] = k[:, 1], -k[:, 0]
    cross[:, 2, 0], cross[:, 2, 1] = -k[:, 1], k[:, 0]
    s, c = np.sin(tilt)[:, None, None], np.cos(tilt)[:, None, None]
    return np.eye(3)[None] + s * cross + (1 - c) * (cross @ cross)


def _face_coordinates(pose: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                      size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Face coordinates (u right, v towards 12) at every (x, y), and each image's pixel width in face units [B]."""
    h = pose["inverse"].astype(np.float32)
    rows = [(h[:, k, 0, None, None] * x + h[:, k, 2, None, None]) + h[:, k, 1, None, None] * y for k in range(3)]
    inv_w = np.reciprocal(rows[2], out=rows[2])
    u = np.multiply(rows[0], inv_w, out=rows[0])
    v = np.multiply(rows[1], inv_w, out=rows[1])
    # At the clock centre the face coordinates are 0, so the Jacobian there is the 2x2 block over w.
    hi = pose["inverse"]
    ox, oy = pose["offset"][:, 0], pose["offset"][:, 1]
    w = hi[:, 2, 0] * ox + hi[:, 2, 1] * oy + hi[:, 2, 2]
    footprint = np.sqrt(np.abs(np.linalg.det(hi[:, :2, :2] / w[:, None, None]))) * (2.0 / size)
    return u, v, footprint


def _coverage(distance: np.ndarray, aa: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage (0..1) of a shape from its signed distance (negative inside); reuses `distance`."""
    distance *= -1.0 / aa
    distance += 0.5
    return np.clip(distance, 0.0, 1.0, out=distance)


def _lerp(base: np.ndarray, top: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """base += (top - base) * amount, in place."""
    delta = np.subtract(top, base)
    delta *= amount
    base += delta
    return base


def _tones(p: dict[str, np.ndarray], style: ClockStyle) -> dict[str, np.ndarray]:
    var = style.face_variation
    return {"face": _col(0.93 - var * 0.14 * p["face_tone"]),
            "face_falloff": _col(0.02 + var * 0.08 * p["face_tone"]),
            "ink": _col(0.07 + var * 0.13 * p["ink_tone"]),
            "case": _col(0.3 + var * _between(p["case_tone"], -0.18, 0.35)),
            "light": p["light_angle"]}


def _case_tone(tones: dict[str, np.ndarray], pose: dict[str, np.ndarray], theta: np.ndarray,
               r: np.ndarray) -> np.ndarray:
    """A rim lit from one side (the light stays put in the image as the clock turns) with a dark inner edge."""
    light = _col(2 * np.pi * tones["light"] - pose["phi"])
    shade = np.subtract(theta, light)
    np.cos(shade, out=shade)
    shade *= 0.16
    shade += tones["case"]
    inner_edge = r - 1.0
    inner_edge *= 25.0 * 0.45
    np.clip(inner_edge, 0.0, 0.45, out=inner_edge)
    inner_edge += 0.55
    shade *= inner_edge
    return shade


def _tick_widths() -> np.ndarray:
    """Half-width of the tick at each of the 61 slots -30..30 (slot 0 is 12 o'clock; -1 means no tick)."""
    slot = np.arange(-30, 31)
    width = np.where(slot % 15 == 0, 0.045, np.where(slot % 5 == 0, 0.028, 0.011))
    width[np.abs(slot) <= 1] = -1.0                       # no ticks under the 12 o'clock triangle
    return width.astype(np.float32)


_TICK_WIDTH = _tick_widths()
_TICK_INNER_SLOPE = (0.86 - 0.70) / (0.045 - 0.011)     # wider ticks reach further in: 0.86, 0.78, 0.70


def _dial_distance(u: np.ndarray, v: np.ndarray, r: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Signed distance to the printed dial: 60 minute ticks, heavy hour ticks, bold bars at 3/6/9, a triangle at 12."""
    step = 2 * np.pi / 60
    slot = np.multiply(theta, 1 / step)
    nearest = np.rint(slot)
    slot -= nearest
    np.abs(slot, out=slot)
    across = np.multiply(r, step)
    across *= slot                                        # arc distance to the nearest tick's centre line
    nearest += 30.5
    width = _TICK_WIDTH.take(nearest.astype(np.int32))
    across -= width
    inner = np.multiply(width, -_TICK_INNER_SLOPE, out=width)
    inner += 0.86 + _TICK_INNER_SLOPE * 0.011
    inner -= r
    tick = np.maximum(across, inner, out=across)
    np.maximum(tick, r - 0.93, out=tick)
    # The 12 o'clock cue: a filled triangle pointing at the centre (plain floats keep the math in float32).
    apex, base, half = 0.64, 0.93, 0.11
    norm = float(np.hypot(base - apex, half))
    side = np.abs(u)
    side *= (base - apex) / norm
    side -= v * (half / norm)
    side += apex * half / norm
    np.maximum(side, v - base, out=side)
    return np.minimum(tick, side, out=tick)


def _hands_distance(minutes: np.ndarray, p: dict[str, np.ndarray], style: ClockStyle, u: np.ndarray,
                    v: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Signed distance to the hour hand (it moves with the minutes), the minute hand, the cap, maybe a second hand."""
    var = style.face_variation
    widen = 1.0 + var * _between(p["hand_width"], -0.2, 0.35)
    lengthen = 1.0 + var * _between(p["hand_length"], -0.05, 0.04)
    hour_angle = 2 * np.pi * (minutes % MINUTES) / MINUTES
    minute_angle = 2 * np.pi * (minutes % 60) / 60
    hands = _hand(u, v, hour_angle, 0.50 * lengthen, 0.12, 0.055 * widen, 0.025 * widen)
    np.minimum(hands, _hand(u, v, minute_angle, 0.80 * lengthen, 0.15, 0.036 * widen, 0.012 * widen), out=hands)
    if style.second_hand_prob > 0:
        second = _hand(u, v, 2 * np.pi * p["second_angle"], 0.86, 0.2, 0.009, 0.006)
        second += _col(10.0 * (p["second"] >= style.second_hand_prob))        # far away: no second hand
        np.minimum(hands, second, out=hands)
    return np.minimum(hands, r - _col(0.065 * widen), out=hands)               # the centre cap


def _hand(u: np.ndarray, v: np.ndarray, angle: np.ndarray, length: np.ndarray | float, tail: float,
          root_width: np.ndarray | float, tip_width: np.ndarray | float) -> np.ndarray:
    """Distance to a bar tapering from `root_width` at the centre to `tip_width` at `length`, `angle` clockwise from 12."""
    s, c = _col(np.sin(angle)), _col(np.cos(angle))
    length, root_width, tip_width = (_col(np.broadcast_to(value, angle.shape))
                                     for value in (length, root_width, tip_width))
    along = u * s
    along += v * c
    across = u * c
    across -= v * s
    np.abs(across, out=across)
    across += along * ((root_width - tip_width) / length)
    across -= root_width
    along -= (length - tail) / 2                       # centre the bar's extent on 0
    np.abs(along, out=along)
    along -= (length + tail) / 2
    return np.maximum(across, along, out=across)


def _background(p: dict[str, np.ndarray], style: ClockStyle, pose: dict[str, np.ndarray], coarse: _Coarse,
                texture: np.ndarray) -> np.ndarray:
    """A wall or table on the coarse grid: base tone, gradient, texture, a soft edge, a vignette, the clock's shadow."""
    var = style.background_variation
    x, y = coarse.x.astype(np.float64), coarse.y.astype(np.float64)
    image = (_col(0.5 - var * 0.5 * p["bg_base"]) + _col(var * _between(p["bg_grad_x"], -0.25, 0.25)) * x
             + _col(var * _between(p["bg_grad_y"], -0.25, 0.25)) * y)
    if var <= 0:
        return image
    image = image + _smooth_texture(texture, coarse.n) * (0.22 * var)
    edge_angle = 2 * np.pi * p["bg_edge_angle"]
    edge = _col(np.cos(edge_angle)) * x + _col(np.sin(edge_angle)) * y - _col(_between(p["bg_edge_pos"], -1, 1))
    has_edge = p["bg_edge_step"] > 0.4
    image += np.clip(edge / 0.05, 0.0, 1.0) * _col(var * has_edge * _between((p["bg_edge_step"] - 0.4) / 0.6, -0.3, 0.3))
    u, v, _ = _face_coordinates(pose, coarse.x, coarse.y, coarse.n)
    angle = 2 * np.pi * p["shadow_angle"]
    shadow = np.sqrt((u - _col(0.12 * np.cos(angle))) ** 2 + (v - _col(0.12 * np.sin(angle))) ** 2)
    shadow = np.clip((CASE_RADIUS + 0.1 - shadow) / 0.2, 0.0, 1.0) * _col(var * 0.4 * p["shadow_strength"])
    image *= 1.0 - shadow
    image *= 1.0 - _col(var * 0.3 * p["vignette"]) * (x * x + y * y)
    return image


def _smooth_texture(grid_values: np.ndarray, n: int) -> np.ndarray:
    """Upsample each image's coarse random grid to n x n with cosine interpolation (small broadcasts, no BLAS)."""
    coarse = (grid_values.reshape(-1, _BG_GRID, _BG_GRID) - 0.5).astype(np.float32)
    weights = _texture_weights(n)
    along_x = (coarse[:, :, None, :] * weights[None, None, :, :]).sum(axis=-1)           # [B, grid, n]
    texture = np.zeros((len(coarse), n, n), dtype=np.float32)
    for row in range(_BG_GRID):
        texture += weights[None, :, row, None] * along_x[:, row, None, :]
    return texture


def _glare(p: dict[str, np.ndarray], style: ClockStyle, coarse: _Coarse, blobs: np.ndarray,
           streaks: np.ndarray) -> np.ndarray | None:
    """Reflections on the glass, on the coarse grid: soft elliptical blobs and window-like bright streaks."""
    if style.glare_strength <= 0 or style.glare_count + style.streaks <= 0:
        return None
    x, y = coarse.x, coarse.y
    glare = np.zeros((len(blobs), coarse.n, coarse.n), dtype=np.float32)
    blob_count = np.ceil(p["glare_n"] * min(style.glare_count, _MAX_BLOBS))         # 1..glare_count
    for k in range(min(style.glare_count, _MAX_BLOBS)):
        cx, cy, width, aspect, angle, power = blobs[:, k].T
        c, s = _col(np.cos(np.pi * angle)), _col(np.sin(np.pi * angle))
        dx, dy = x - _col(_between(cx, -0.75, 0.75)), y - _col(_between(cy, -0.75, 0.75))
        width = _col(_between(width, 0.1, 0.4))
        height = width * _col(_between(aspect, 0.25, 1.0))
        q = np.square((dx * c + dy * s) / width) + np.square((dy * c - dx * s) / height)
        glare += np.exp(-np.minimum(q, 40.0)) * _col(style.glare_strength * _between(power, 0.4, 1.0) * (k < blob_count))
    streak_count = np.floor(p["streak_n"] * (min(style.streaks, _MAX_STREAKS) + 1))  # 0..streaks
    for k in range(min(style.streaks, _MAX_STREAKS)):
        angle, offset, along_offset, width, power = streaks[:, k].T
        c, s = _col(np.cos(np.pi * angle)), _col(np.sin(np.pi * angle))
        across = np.square((x * c + y * s - _col(_between(offset, -0.7, 0.7))) / _col(_between(width, 0.03, 0.12)))
        along = np.square((y * c - x * s - _col(_between(along_offset, -0.4, 0.4))) / 0.8)
        strength = style.glare_strength * _between(power, 0.35, 0.8) * (k < streak_count)
        glare += np.exp(-np.minimum(across * across + along, 40.0)) * _col(strength)
    return np.minimum(glare, 0.85 * style.glare_strength, out=glare)     # hands stay faintly visible under glare


def _occluder(p: dict[str, np.ndarray], style: ClockStyle, pose: dict[str, np.ndarray],
              coarse: _Coarse) -> np.ndarray:
    """Coverage of an object (a finger, a pole, a ball) reaching in from outside; it never reaches the centre."""
    face = pose["scale"]                                       # the face radius in image units
    radius = face * _between(p["occluder_radius"], 0.25, 0.6)
    tip = face * _between(p["occluder_gap"], 0.45, 0.8) + radius
    angle = 2 * np.pi * p["occluder_angle"]
    dx, dy = np.cos(angle), np.sin(angle)
    tip_x, tip_y = pose["offset"][:, 0] + tip * dx, pose["offset"][:, 1] + tip * dy
    rel_x, rel_y = coarse.x - _col(tip_x), coarse.y - _col(tip_y)
    along = np.clip(rel_x * _col(dx) + rel_y * _col(dy), 0.0, _col(3.0 * p["occluder_length"]))
    distance = np.sqrt((rel_x - along * _col(dx)) ** 2 + (rel_y - along * _col(dy)) ** 2)
    cover = np.clip((_col(radius) - distance) / 0.05 + 0.5, 0.0, 1.0)      # soft: it is out of focus
    return cover * _col(p["occluder"] < style.occlusion_prob)


def _occluder_tone(p: dict[str, np.ndarray]) -> np.ndarray:
    """Mostly dark objects, sometimes light ones."""
    tone = p["occluder_tone"]
    return np.where(tone < 0.6, 0.06 + 0.3 * tone, 0.3 + 0.6 * tone)


def _to_gray_levels(image: np.ndarray, p: dict[str, np.ndarray], style: ClockStyle) -> None:
    """Apply the photo's contrast and brightness around mid-gray and scale 0..1 to 0..255, in place."""
    contrast = _between(p["contrast"], *style.contrast_range)
    brightness = _between(p["brightness"], *style.brightness_range)
    image *= _col(255.0 * contrast)
    image += _col(255.0 * (0.5 - 0.5 * contrast + brightness) + 0.5)   # + 0.5: round when truncating to uint8


def _quantize(image: np.ndarray, rngs: list[np.random.Generator], sigma: float) -> np.ndarray:
    """Gray levels to uint8, with sensor noise of the given sigma from each image's generator.

    The noise is the sum of the two 4-bit halves of a random byte: a triangular distribution
    (close enough to Gaussian for the eye) at one random byte per pixel.
    """
    if sigma > 0:
        size = image.shape[1:]
        raw = np.stack([np.frombuffer(rng.bytes(size[0] * size[1]), dtype=np.uint8).reshape(size) for rng in rngs])
        noise = (raw & 15).astype(np.float32)
        noise += raw >> 4
        noise -= 15.0
        noise *= sigma / 6.52                     # the sum's standard deviation is sqrt(2 * 255 / 12) = 6.52
        image += noise
    np.clip(image, 0.0, 255.0, out=image)
    return image.astype(np.uint8)
