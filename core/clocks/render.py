"""The analog-clock renderer: photo-like grayscale clocks for the telling-the-time experiments.

Every pixel is mapped back through the clock's pose (in-plane rotation, perspective tilt, scale, offset)
into clock-face coordinates and shaded with anti-aliased signed-distance edges, in NumPy, a batch of images
at a time: the floor (whose plane is the clock's back, so it shares the perspective), the case's side and
bezel, the face, numerals read from a glyph atlas drawn once with Pillow (core.clocks.glyphs), marks, hands,
glare. The dial designs are named families (core.clocks.faces, `dial_families()`); a style's `families` knob
picks which ones appear, so a family can be held out of training and used to test. Image i depends only on
(seed, i, minutes[i], style), so any chunking or process count gives the same pixels.
Run `python bench/bench_render.py` to time it (with `--pil` against a straightforward Pillow renderer).
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing import get_context

import numpy as np

from core.clocks import faces, floors
from core.clocks.faces import DialBatch, dial_families

__all__ = [
    "DIFFICULTIES",
    "RENDER_VERSION",
    "ClockStyle",
    "dial_families",
    "dial_geometry",
    "families_of",
    "render_clocks",
    "style_of",
    "with_knobs",
]

RENDER_VERSION = 2
BATCH = 8  # images shaded together: few Python calls per image, arrays still in the CPU cache
PIECE = 500  # images per task sent to a worker process
PARALLEL_PIXELS = 30_000_000  # below this (~1,300 clocks at 150 px) starting processes costs more than it saves
CASE_RADIUS = faces.Dial("assignment").bezel  # the assignment clock's case radius; the face (glass) has radius 1
BACKGROUNDS = ("wood", "carpet", "gradient", "photo")


@dataclass(frozen=True)
class ClockStyle:
    """Knobs of one difficulty; distances are in clock radii, angles in degrees, tones in 0..1.

    The defaults are the assignment's photos: its one wall clock lying on a wood or carpet floor, turned any way,
    tilted (the face an ellipse with axes 0.62-1 apart), 0.7-1.07 of the frame wide (its longest axis), cut by the
    frame in about a third of them, a lamp's reflection on the glass in another third.
    """

    rotation_deg: float = 180.0  # in-plane rotation drawn from +-this
    max_tilt_deg: float = 52.0  # out-of-plane tilt (perspective), 0..this, mostly large
    scale_range: tuple[float, float] = (0.75, 1.1)  # the clock's reach from its centre / half the frame's width
    max_offset: float = 0.16  # centre offset, fraction of half the image (big clocks get cut)
    glare_prob: float = 1 / 3  # chance of reflections on the glass
    glare_strength: float = 0.9  # peak brightness a reflection adds (screen blend, 0..1)
    glare_size: float = 0.13  # a lamp reflection's radius, fraction of half the image
    glare_count: int = 1  # up to this many lamp reflections
    streaks: int = 0  # up to this many window-like streaks
    bezel_highlight: float = 0.5  # a small fixed highlight on the bezel (0..1)
    noise_sigma: float = 1.5  # sensor noise, gray levels (0..255)
    blur_range: tuple[float, float] = (0.5, 1.0)  # defocus blur (Gaussian sigma), pixels at 150 px
    occlusion_prob: float = 0.0  # chance of an object covering part of the dial
    second_hand_prob: float = 0.0  # chance of a thin second hand (families with random dials)
    backgrounds: tuple[str, ...] = ("wood", "carpet")  # wood, carpet (floors), gradient, photo (walls, clutter)
    background_variation: float = 1.0  # 0 flat gray; 1 full texture, gradients, shadow
    face_variation: float = 1.0  # per-clock variation of tones and sizes within a family
    contrast_range: tuple[float, float] = (0.93, 1.05)
    brightness_range: tuple[float, float] = (-0.04, 0.04)
    families: tuple[str, ...] = ("assignment",)  # dial families to draw from (see dial_families())
    numerals: bool = True  # False: leave the numerals off (tests, demonstrations)
    hands: bool = True  # False: leave the hands off


# What each difficulty changes from the style it starts from, knob by knob (None: unchanged). "easy" and "varied"
# start from the assignment's clock (ClockStyle's defaults), "hard" from "varied".
_COLUMNS = ("easy", "varied", "hard")
_CHANGES: dict[str, tuple[object, object, object]] = {
    "rotation_deg": (0.0, None, None),
    "max_tilt_deg": (0.0, 55.0, 62.0),
    "scale_range": ((0.88, 0.92), (0.62, 1.08), (0.6, 1.12)),
    "max_offset": (0.0, 0.14, 0.16),
    "glare_prob": (0.0, 0.45, 0.7),
    "glare_strength": (0.0, None, 0.95),
    "glare_count": (None, 2, 3),
    "streaks": (None, 1, 2),
    "bezel_highlight": (0.0, None, None),
    "noise_sigma": (0.0, 3.0, 6.0),
    "blur_range": ((0.0, 0.0), (0.3, 1.1), (0.3, 1.4)),
    "occlusion_prob": (None, 0.1, 0.6),
    "second_hand_prob": (None, 0.25, 0.5),
    "backgrounds": (None, BACKGROUNDS, None),
    "background_variation": (0.0, None, None),
    "face_variation": (0.0, None, None),
    "contrast_range": ((1.0, 1.0), (0.7, 1.1), (0.45, 1.1)),
    "brightness_range": ((0.0, 0.0), (-0.1, 0.1), (-0.18, 0.15)),
    "families": (None, dial_families(), None),
}


def _changed(base: ClockStyle, difficulty: str) -> ClockStyle:
    """`base` with the changes of one column of _CHANGES ("easy", "varied" or "hard")."""
    column = _COLUMNS.index(difficulty)
    return replace(base, **{knob: values[column] for knob, values in _CHANGES.items() if values[column] is not None})


DIFFICULTY_NOTES = {
    "easy": "the assignment's clock upright and frontal on a plain background: the hands are all there is",
    "assignment": "the assignment's wall clock: numerals 1-12 and no mark at 12, turned any way, tilted up to "
    "about 50 degrees, sometimes cut by the frame, on wood or carpet, sometimes a lamp's glare",
    "varied": "many dial designs (Arabic, Roman or no numerals, 12 o'clock marks, hand styles, dark faces, "
    "square cases, second hands) on many backgrounds",
    "mixed": "what the pretrained models learned from: the assignment's clock half the time, every other "
    "dial design but the held-out ones (slanted Arabic numerals, Roman numerals) the other half",
    "unseen": "dials with slanted, condensed Arabic numerals: a design held out of all pretrained training that "
    "shows 12 o'clock the way the training dials do (numerals), drawn in a cut of the typeface never seen",
    "hard": "the varied designs at their strongest: steeper tilt, more glare and noise, objects covering the dial",
}
# never in "mixed": the pretrained models' tests on dial designs they never saw. "oblique" ('unseen') shares its
# orientation cue (Arabic numerals) with training; Roman numerals are a cue no training dial shows.
HELD_OUT_FAMILIES = ("oblique", "roman")
# the pretrained clock models' training set: the assignment's clock half the time, every other family but those
_MIXED_FAMILIES = ("assignment",) * 4 + tuple(f for f in dial_families() if f not in ("assignment", *HELD_OUT_FAMILIES))

_VARIED = _changed(ClockStyle(), "varied")
DIFFICULTIES: dict[str, ClockStyle] = {
    "easy": _changed(ClockStyle(), "easy"),
    "assignment": ClockStyle(),
    "varied": _VARIED,
    "mixed": replace(_VARIED, families=_MIXED_FAMILIES),
    "unseen": replace(_VARIED, families=HELD_OUT_FAMILIES[:1]),
    "hard": _changed(_VARIED, "hard"),
}

# Per-image uniforms, drawn first from each image's own generator: one column per scalar below,
# then the blocks of _BLOCKS (background texture grid, glare blobs, streaks, floor tables).
_PARAMS = (
    "rotation",
    "tilt",
    "tilt_axis",
    "distance",
    "scale",
    "offset_r",
    "offset_a",
    "family",
    "background",
    "bg_base",
    "bg_grad_x",
    "bg_grad_y",
    "bg_edge_pos",
    "bg_edge_angle",
    "bg_edge_step",
    "floor_angle",
    "floor_scale",
    "floor_grain",
    "floor_contrast",
    "floor_wobble",
    "shadow_angle",
    "shadow_strength",
    "vignette",
    "light_angle",
    "highlight",
    "contrast",
    "brightness",
    "blur",
    "glare",
    "glare_n",
    "occluder",
    "occluder_angle",
    "occluder_radius",
    "occluder_gap",
    "occluder_length",
    "occluder_tone",
    "second_angle",
    "streak_n",
)
_BG_GRID = 5  # background texture: a 5x5 random grid, smoothly upsampled
_MAX_BLOBS, _MAX_STREAKS = 3, 2
_BLOCKS = {
    "texture": (_BG_GRID * _BG_GRID,),
    "blobs": (_MAX_BLOBS, 5),
    "streaks": (_MAX_STREAKS, 5),
    "floor": (floors.RANDOMS,),
}


def style_of(difficulty: str | ClockStyle) -> ClockStyle:
    """The ClockStyle for a difficulty name (easy, assignment, varied, hard) or a ClockStyle itself."""
    if isinstance(difficulty, ClockStyle):
        return difficulty
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown clock difficulty '{difficulty}'; choose {', '.join(DIFFICULTIES)}")
    return DIFFICULTIES[difficulty]


def with_knobs(difficulty: str | ClockStyle, **knobs: object) -> ClockStyle:
    """A copy of a difficulty with some knobs changed, e.g. with_knobs('varied', families=('roman',))."""
    return replace(style_of(difficulty), **knobs)


def families_of(
    count: int, difficulty: str | ClockStyle = "assignment", seed: int = 0, first_index: int = 0
) -> list[str]:
    """The dial family of images first_index .. first_index + count - 1 of a series, without rendering them
    (to score a model per family, or to check which families a style draws)."""
    style = style_of(difficulty)
    faces.check_families(tuple(style.families))
    p, _, _ = _image_uniforms(np.arange(first_index, first_index + count), seed)
    return [faces.family_of(style.families, unit) for unit in p["family"]]


def dial_geometry(
    count: int, difficulty: str | ClockStyle = "assignment", seed: int = 0, first_index: int = 0
) -> np.ndarray:
    """Where the dial of images first_index .. first_index + count - 1 of a series is, without rendering them:
    float32 [count, 5] = the hub (x, y) and the symmetric 2x2 stretch (sxx, sxy, syy) that takes the face's unit
    circle to the dial's ellipse around it, in half-widths of the image (x right, y up).

    The stretch is the polar part of the perspective's slope at the hub (turning is left out: the time's job), so
    sampling hub + stretch @ (r sin a, r cos a) unrolls a tilted, off-centre dial like a frontal one.
    """
    style = style_of(difficulty)
    faces.check_families(tuple(style.families))
    indices = np.arange(first_index, first_index + count)
    p, _, _ = _image_uniforms(indices, seed)
    dials = faces.design(
        indices, seed, tuple(style.families), p["family"], style.face_variation, style.second_hand_prob
    )
    pose = _pose(p, style, dials)
    inverse = pose["inverse"]
    hub = pose["offset"]
    w = inverse[:, 2, 0] * hub[:, 0] + inverse[:, 2, 1] * hub[:, 1] + inverse[:, 2, 2]
    slope = np.linalg.inv(inverse[:, :2, :2] / w[:, None, None])  # d(image) / d(face) at the hub
    values, vectors = np.linalg.eigh(slope @ np.transpose(slope, (0, 2, 1)))
    stretch = vectors @ (np.sqrt(np.maximum(values, 0.0))[:, :, None] * np.transpose(vectors, (0, 2, 1)))
    return np.stack([hub[:, 0], hub[:, 1], stretch[:, 0, 0], stretch[:, 0, 1], stretch[:, 1, 1]], 1).astype(np.float32)


def render_clocks(
    minutes: np.ndarray,
    size: int = 150,
    difficulty: str | ClockStyle = "assignment",
    seed: int = 0,
    *,
    workers: int | None = None,
    first_index: int = 0,
) -> np.ndarray:
    """Render clocks showing `minutes` after 12:00 as uint8 [N, size, size] grayscale photos.

    Image i is image number first_index + i of the (seed, style) series, so a long series can be
    rendered in pieces. `workers` processes share the work (default: one per core for big sets,
    none for small ones, where starting processes would cost more than it saves).
    """
    style = style_of(difficulty)
    faces.check_families(tuple(style.families))
    unknown = [name for name in style.backgrounds if name not in BACKGROUNDS]
    if unknown or not style.backgrounds:
        raise ValueError(f"unknown or no backgrounds {unknown}; choose from {', '.join(BACKGROUNDS)}")
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
            pass  # no worker processes here (a sandbox, a limit): render below
    return _render_range(minutes, size, style, seed, first_index)


def _render_in_processes(
    minutes: np.ndarray, size: int, style: ClockStyle, seed: int, first_index: int, workers: int
) -> np.ndarray:
    """Render pieces in 'spawn' worker processes and copy each into place as it arrives.

    Processes, not threads: with the cores busy (a training job, other users), two threads
    queue for the GIL around every array operation and run slower than one. 'spawn', not
    fork: forking a process that has loaded TensorFlow can hang.
    """
    images = np.empty((len(minutes), size, size), dtype=np.uint8)
    piece = int(min(PIECE, max(BATCH, -(-len(minutes) // (4 * workers)))))
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = {
            pool.submit(_render_range, minutes[start : start + piece], size, style, seed, first_index + start): start
            for start in range(0, len(minutes), piece)
        }
        for future in as_completed(futures):
            start = futures[future]
            images[start : start + piece] = future.result()
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
    except AttributeError:  # not on Linux
        return max(1, min(os.cpu_count() or 1, 8))


# ---------------------------------------------------------------------------------------------
# Rendering one batch. Whole-image arrays are [B, H, W] float32 with per-image values as [B, 1, 1]; the clock
# itself is shaded on a flat list of the pixels near it, per-image values repeated over each image's pixels
# (faces.DialBatch). Sharp things (floor, case, dial, hands) are shaded per pixel; smooth things (lighting,
# shadow, glare, occluder) on a coarse grid (every third pixel) and interpolated up.


def _render_batch(indices: np.ndarray, minutes: np.ndarray, size: int, style: ClockStyle, seed: int) -> np.ndarray:
    """Render images number `indices` of the series: floor, case, face, ink, hands, glare, occluder, noise.

    The background, the floor and the case's side are shaded on whole images; the clock itself (bezel, face,
    everything printed, hands, glare on the glass) only on the pixels near it, gathered into flat arrays:
    a tilted clock covers well under half of its photo.
    """
    p, blocks, noise_rngs = _image_uniforms(indices, seed)
    dials = faces.design(
        indices, seed, tuple(style.families), p["family"], style.face_variation, style.second_hand_prob
    )
    pose = _pose(p, style, dials)
    x, y = _pixel_grid(size)
    u, v, footprint = _plane_coordinates(pose["inverse"], pose["offset"], x, y, size)
    back_u, back_v, _ = _plane_coordinates(pose["back"], pose["offset"], x, y, size)
    # Defocus: edges a Gaussian of sigma s pixels would blur get a linear ramp 3.2 s pixels wide
    # (the same 10-90% width) on top of the one-pixel anti-aliasing; everything else is smooth already.
    blur = _between(p["blur"], *style.blur_range) * size / 150.0
    aa = (footprint * np.sqrt(1.1**2 + (3.2 * blur) ** 2)).astype(np.float32)

    coarse = _coarse_grid(size)
    kinds = np.array(style.backgrounds)[
        np.minimum((p["background"] * len(style.backgrounds)).astype(int), len(style.backgrounds) - 1)
    ]
    image = coarse.upsample(_lighting(p, style, kinds, pose, dials, coarse, blocks["texture"]))
    _add_floor(image, p, style, kinds, blocks["floor"], back_u, back_v, floors.DENSITY * footprint)
    # The case's side: seen between its back (on the floor) and its rim when the clock is tilted.
    back = _outline(dials, back_u, back_v, None, dials.col("bezel") * 0.97)
    _lerp(image, _col(dials.case_tone * 0.55 + 0.03), _coverage(back, _col(aa)))

    # The clock, on the pixels within its case (a square case reaches further, to its corners).
    r2 = u * u
    r2 += v * v
    reach = dials.bezel * np.where([d.shape == "square" for d in dials.dials], 1.42, 1.0) + aa
    near = np.flatnonzero(r2 < _col(reach * reach))
    clock = dials.on_pixels((near // (size * size)).astype(np.int32))
    u, v = u.reshape(-1).take(near), v.reshape(-1).take(near)
    r2 = u * u
    r2 += v * v
    r = np.sqrt(r2)
    theta = np.arctan2(u, v)  # clockwise from 12
    aa = clock.spread(aa)
    part = image.reshape(-1).take(near)
    _lerp(
        part, _case_tone(clock, p, pose, style, theta, r), _coverage(_outline(clock, u, v, r, clock.col("bezel")), aa)
    )
    glass = _coverage(_outline(clock, u, v, r, 1.0), aa)
    face = clock.col("face_falloff") * r2
    np.subtract(clock.col("face_tone"), face, out=face)
    _lerp(part, face, glass)
    ink = faces.printed_distance(clock, u, v, r, theta, size, style.numerals)
    if style.hands:
        np.minimum(ink, faces.hands_distance(clock, minutes, u, v, r), out=ink)
    _lerp(part, clock.col("ink_tone"), _coverage(ink, aa))  # one coverage for everything printed and the hands
    if style.hands and dials.second.any():
        chosen = clock.select(dials.second)
        distance = faces.second_hand_distance(clock, chosen, 2 * np.pi * p["second_angle"], u[chosen], v[chosen])
        tone = clock.col("second_tone", chosen)
        if isinstance(chosen, slice):
            _lerp(part, tone, _coverage(distance, aa))
        else:
            piece = part[chosen]
            part[chosen] = _lerp(piece, tone, _coverage(distance, aa[chosen]))
    glare = _glare(p, style, pose, coarse, blocks["blobs"], blocks["streaks"])
    if glare is not None:
        glare = coarse.upsample(glare).reshape(-1).take(near)
        glare *= glass
        glare *= 1.0 - part  # screen blend: highlights wash the dial out
        part += glare
    image.reshape(-1)[near] = part
    if style.occlusion_prob > 0:
        cover = coarse.upsample(_occluder(p, style, pose, coarse))
        _lerp(image, _col(_occluder_tone(p)), cover)
    _to_gray_levels(image, p, style)
    return _quantize(image, noise_rngs, style.noise_sigma)


def _image_uniforms(
    indices: np.ndarray, seed: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[np.random.Generator]]:
    """Each image's random choices come from its own generator, seeded by (seed, index)."""
    sizes = [int(np.prod(shape)) for shape in _BLOCKS.values()]
    rngs = [np.random.default_rng([seed, int(i), 1]) for i in indices]
    table = np.stack([rng.random(len(_PARAMS) + sum(sizes)) for rng in rngs])
    params = {name: table[:, k] for k, name in enumerate(_PARAMS)}
    blocks, start = {}, len(_PARAMS)
    for (name, shape), count in zip(_BLOCKS.items(), sizes):
        blocks[name] = table[:, start : start + count].reshape(-1, *shape)
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
        self.n = -(-size // self.STEP) + 1  # samples at pixels 0, STEP, 2*STEP, ...
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


def _pose(p: dict[str, np.ndarray], style: ClockStyle, dials: DialBatch) -> dict[str, np.ndarray]:
    """Image-to-plane homographies [B, 3, 3] (image coords -1..1, y up) for the face and for the case's back.

    The back lies `depth` behind the glass, on the floor. `scale_range` is the radius of the clock's image:
    a tilted clock is shrunk until its perspective image (bigger on the near side, the case's back included)
    fits that radius; the offset may then push the rim out of the frame, as in the assignment's photos.
    """
    phi = np.radians(_between(p["rotation"], -style.rotation_deg, style.rotation_deg))
    tilt = np.radians(style.max_tilt_deg * np.sqrt(p["tilt"]))
    axis = 2 * np.pi * p["tilt_axis"]
    distance = _between(p["distance"], 3.5, 7.0)  # camera distance in face radii
    radius = _between(p["scale"], *style.scale_range)
    rotation = _axis_rotation(axis, tilt) @ _z_rotation(phi)
    reach = style.max_offset * np.sqrt(p["offset_r"])
    offset = reach[:, None] * np.stack([np.cos(2 * np.pi * p["offset_a"]), np.sin(2 * np.pi * p["offset_a"])], 1)
    model = np.zeros((len(phi), 3, 3))
    model[:, :, :2] = rotation[:, :, :2]
    model[:, 2, 2] = distance
    back = model.copy()
    back[:, :, 2] += dials.depth[:, None] * rotation[:, :, 2]  # the face's +z points away from the camera
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    ring = np.stack([np.sin(angles), np.cos(angles)])  # [2, 48]
    square = ring / np.abs(ring).max(axis=0)
    shape = np.array([dial.shape == "square" for dial in dials.dials])[:, None, None]
    rim = np.where(shape, square[None], ring[None]) * dials.bezel[:, None, None].astype(np.float64)
    rim = np.concatenate([rim, np.ones((len(phi), 1, rim.shape[2]))], axis=1)  # [B, 3, 48]
    extent = (
        np.concatenate(
            [np.hypot(projected[:, 0], projected[:, 1]) / projected[:, 2] for projected in (model @ rim, back @ rim)],
            axis=1,
        )
        * distance[:, None]
    )
    scale = radius / extent.max(axis=1)
    camera = np.zeros_like(model)
    camera[:, 0, 0] = camera[:, 1, 1] = scale * distance
    camera[:, :2, 2] = offset
    camera[:, 2, 2] = 1.0
    return {
        "inverse": np.linalg.inv(camera @ model),
        "back": np.linalg.inv(camera @ back),
        "phi": phi,
        "scale": scale,
        "offset": offset,
    }


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


def _plane_coordinates(
    inverse: np.ndarray, offset: np.ndarray, x: np.ndarray, y: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plane coordinates (u right, v towards 12) at every (x, y), and each image's pixel width in plane units [B]
    at the clock's centre."""
    h = inverse.astype(np.float32)
    rows = [(h[:, k, 0, None, None] * x + h[:, k, 2, None, None]) + h[:, k, 1, None, None] * y for k in range(3)]
    inv_w = np.reciprocal(rows[2], out=rows[2])
    u = np.multiply(rows[0], inv_w, out=rows[0])
    v = np.multiply(rows[1], inv_w, out=rows[1])
    # At the clock centre the face coordinates are 0, so the Jacobian there is the 2x2 block over w.
    ox, oy = offset[:, 0], offset[:, 1]
    w = inverse[:, 2, 0] * ox + inverse[:, 2, 1] * oy + inverse[:, 2, 2]
    footprint = np.sqrt(np.abs(np.linalg.det(inverse[:, :2, :2] / w[:, None, None]))) * (2.0 / size)
    return u, v, footprint


def _outline(
    dials: DialBatch, u: np.ndarray, v: np.ndarray, r: np.ndarray | None, radius: np.ndarray | float
) -> np.ndarray:
    """Signed distance to each clock's round or square (rounded-corner) outline of `radius`; a new array."""
    groups = dials.groups("shape")
    if len(groups) == 1 and groups[0][0] == "round":
        return (np.sqrt(u * u + v * v) if r is None else r) - radius
    out = np.empty_like(u)
    for shape, chosen in groups:
        size = radius[chosen] if isinstance(radius, np.ndarray) else radius
        if shape == "round":
            out[chosen] = (np.hypot(u[chosen], v[chosen]) if r is None else r[chosen]) - size
        else:
            out[chosen] = _rounded_square(u[chosen], v[chosen], size)
    return out


def _rounded_square(u: np.ndarray, v: np.ndarray, half: np.ndarray | float) -> np.ndarray:
    """Distance to a square of half-width `half` whose corners are rounded with radius half - 0.75."""
    inset = 0.75
    qx = np.abs(u)
    qx -= inset
    qy = np.abs(v)
    qy -= inset
    inside = np.maximum(qx, qy)
    np.minimum(inside, 0.0, out=inside)
    np.maximum(qx, 0.0, out=qx)
    np.maximum(qy, 0.0, out=qy)
    outside = np.hypot(qx, qy, out=qx)
    outside += inside
    outside -= np.asarray(half, dtype=np.float32) - inset
    return outside


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


def _light_angle(p: dict[str, np.ndarray], pose: dict[str, np.ndarray]) -> np.ndarray:
    """The lamp's direction in face angles (clockwise from 12): from the upper left of the image, +-40 degrees."""
    return np.radians(-45.0 + 80.0 * (p["light_angle"] - 0.5)) - pose["phi"]


def _case_tone(
    clock: DialBatch,
    p: dict[str, np.ndarray],
    pose: dict[str, np.ndarray],
    style: ClockStyle,
    theta: np.ndarray,
    r: np.ndarray,
) -> np.ndarray:
    """The bezel: lit from the lamp's side, a small highlight where the lamp reflects, a dark inner lip."""
    light = np.subtract(theta, clock.spread(_light_angle(p, pose)))
    facing = np.cos(light, out=light)
    shade = facing * clock.col("case_shine")
    shade += clock.col("case_tone")
    if style.bezel_highlight > 0:
        spot = np.subtract(facing, 0.9)
        spot *= 1 / 0.1
        np.clip(spot, 0.0, 1.0, out=spot)
        spot *= spot
        across = np.subtract(r, 1.0)  # 0 at the glass, 1 at the case's edge
        across *= clock.spread(1.0 / (clock.bezel - 1.0))
        across -= 0.45
        np.square(across, out=across)
        np.subtract(1.0, across * (1 / 0.12), out=across)
        np.maximum(across, 0.0, out=across)
        spot *= across
        spot *= clock.spread(style.bezel_highlight * (0.6 + 0.4 * p["highlight"]))
        shade += spot
    inner_edge = r - 1.0
    inner_edge *= 25.0 * 0.45
    np.clip(inner_edge, 0.0, 0.45, out=inner_edge)
    inner_edge += 0.55
    shade *= inner_edge
    return shade


def _lighting(
    p: dict[str, np.ndarray],
    style: ClockStyle,
    kinds: np.ndarray,
    pose: dict[str, np.ndarray],
    dials: DialBatch,
    coarse: _Coarse,
    texture: np.ndarray,
) -> np.ndarray:
    """The smooth part of the background on the coarse grid: base tone, the lamp's gradient, a vignette, the
    clock's soft shadow on the floor; walls (gradient) and clutter (photo) also get texture and an edge."""
    var = style.background_variation
    x, y = coarse.x.astype(np.float64), coarse.y.astype(np.float64)
    floor = np.isin(kinds, floors.KINDS)
    base = np.where(floor, _between(p["bg_base"], 0.4, 0.72), _between(p["bg_base"], 0.1, 0.9))
    slope = np.where(floor, 0.1, 0.3) * var
    image = (
        _col(0.5 + var * (base - 0.5))
        + _col(slope * _between(p["bg_grad_x"], -1, 1)) * x
        + _col(slope * _between(p["bg_grad_y"], -1, 1)) * y
    )
    if var <= 0:
        return image
    photo = kinds == "photo"
    if photo.any():
        image = image + _smooth_texture(texture, coarse.n) * _col(0.3 * var * photo)
        edge_angle = 2 * np.pi * p["bg_edge_angle"]
        edge = _col(np.cos(edge_angle)) * x + _col(np.sin(edge_angle)) * y - _col(_between(p["bg_edge_pos"], -1, 1))
        step = var * photo * _between(p["bg_edge_step"], -0.35, 0.35)
        image += np.clip(edge / 0.05, 0.0, 1.0) * _col(step)
    u, v, _ = _plane_coordinates(pose["back"], pose["offset"], coarse.x, coarse.y, coarse.n)
    away = _light_angle(p, pose) + np.pi + (p["shadow_angle"] - 0.5)  # the shadow falls away from the lamp
    shift = 0.08 + 0.1 * p["shadow_strength"]
    shadow = np.sqrt((u - _col(shift * np.sin(away))) ** 2 + (v - _col(shift * np.cos(away))) ** 2)
    shadow = np.clip((_col(dials.bezel + 0.06) - shadow) / 0.2, 0.0, 1.0) * _col(var * 0.35 * p["shadow_strength"])
    image *= 1.0 - shadow
    image *= 1.0 - _col(var * 0.25 * p["vignette"]) * (x * x + y * y)
    return image


def _add_floor(
    image: np.ndarray,
    p: dict[str, np.ndarray],
    style: ClockStyle,
    kinds: np.ndarray,
    randoms: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    per_pixel: np.ndarray,
) -> None:
    """Add the wood or carpet texture (in place) to the images whose background is a floor; `per_pixel` is
    the floor tables' entries per pixel at each clock's centre."""
    is_floor = np.isin(kinds, floors.KINDS)
    if style.background_variation <= 0 or not is_floor.any():
        return
    chosen = np.flatnonzero(is_floor)
    params = {name: values[chosen] for name, values in p.items()}
    wood = kinds[chosen] == "wood"
    tables = floors.floor_tables(wood, params, randoms[chosen], per_pixel[chosen])
    if len(chosen) == len(kinds):
        texture = floors.floor_texture(tables, wood, params, u, v, per_pixel)
        texture *= style.background_variation
        image += texture
    else:
        texture = floors.floor_texture(tables, wood, params, u[chosen], v[chosen], per_pixel[chosen])
        texture *= style.background_variation
        image[chosen] += texture


def _smooth_texture(grid_values: np.ndarray, n: int) -> np.ndarray:
    """Upsample each image's coarse random grid to n x n with cosine interpolation (small broadcasts, no BLAS)."""
    coarse = (grid_values.reshape(-1, _BG_GRID, _BG_GRID) - 0.5).astype(np.float32)
    weights = _texture_weights(n)
    along_x = (coarse[:, :, None, :] * weights[None, None, :, :]).sum(axis=-1)  # [B, grid, n]
    texture = np.zeros((len(coarse), n, n), dtype=np.float32)
    for row in range(_BG_GRID):
        texture += weights[None, :, row, None] * along_x[:, row, None, :]
    return texture


def _glare(
    p: dict[str, np.ndarray],
    style: ClockStyle,
    pose: dict[str, np.ndarray],
    coarse: _Coarse,
    blobs: np.ndarray,
    streaks: np.ndarray,
) -> np.ndarray | None:
    """Reflections on the glass, on the coarse grid: round lamp reflections (mostly on the upper left, as the
    lamp stays put while the clock turns) and window-like streaks, in a `glare_prob` share of the images."""
    if style.glare_strength <= 0 or style.glare_prob <= 0 or style.glare_count + style.streaks <= 0:
        return None
    shown = p["glare"] < style.glare_prob
    if not shown.any():
        return None
    x, y = coarse.x, coarse.y
    glare = np.zeros((len(blobs), coarse.n, coarse.n), dtype=np.float32)
    blob_slots = min(style.glare_count, _MAX_BLOBS)
    blob_count = 1 + np.floor(p["glare_n"] * blob_slots)  # 1..glare_count
    for k in range(blob_slots):
        place, spread, side, size, power = blobs[:, k].T
        angle = np.where(side < 0.7, 0.75 * np.pi + 1.6 * (spread - 0.5), 2 * np.pi * spread)
        reach = pose["scale"] * _between(np.sqrt(place), 0.1, 0.85)
        cx = _col(pose["offset"][:, 0] + reach * np.cos(angle))
        cy = _col(pose["offset"][:, 1] + reach * np.sin(angle))
        radius = _col(style.glare_size * _between(size, 0.7, 1.3))
        spot = np.sqrt(np.square(x - cx) + np.square(y - cy))
        spot = np.clip((radius - spot) / (0.35 * radius), 0.0, 1.0)
        spot *= spot * (3.0 - 2.0 * spot)  # smoothstep: a soft-edged disc
        glare += spot * _col(style.glare_strength * _between(power, 0.6, 1.0) * (k < blob_count) * shown)
    streak_count = np.floor(p["streak_n"] * (min(style.streaks, _MAX_STREAKS) + 1))  # 0..streaks
    for k in range(min(style.streaks, _MAX_STREAKS)):
        angle, offset, along_offset, width, power = streaks[:, k].T
        c, s = _col(np.cos(np.pi * angle)), _col(np.sin(np.pi * angle))
        across = np.square((x * c + y * s - _col(_between(offset, -0.7, 0.7))) / _col(_between(width, 0.03, 0.12)))
        along = np.square((y * c - x * s - _col(_between(along_offset, -0.4, 0.4))) / 0.8)
        strength = style.glare_strength * _between(power, 0.35, 0.8) * (k < streak_count) * shown
        glare += np.exp(-np.minimum(across * across + along, 40.0)) * _col(strength)
    return np.minimum(glare, 0.97, out=glare)


def _occluder(p: dict[str, np.ndarray], style: ClockStyle, pose: dict[str, np.ndarray], coarse: _Coarse) -> np.ndarray:
    """Coverage of an object (a finger, a pole, a ball) reaching in from outside; it never reaches the centre."""
    face = pose["scale"]  # the face radius in image units
    radius = face * _between(p["occluder_radius"], 0.25, 0.6)
    tip = face * _between(p["occluder_gap"], 0.45, 0.8) + radius
    angle = 2 * np.pi * p["occluder_angle"]
    dx, dy = np.cos(angle), np.sin(angle)
    tip_x, tip_y = pose["offset"][:, 0] + tip * dx, pose["offset"][:, 1] + tip * dy
    rel_x, rel_y = coarse.x - _col(tip_x), coarse.y - _col(tip_y)
    along = np.clip(rel_x * _col(dx) + rel_y * _col(dy), 0.0, _col(3.0 * p["occluder_length"]))
    distance = np.sqrt((rel_x - along * _col(dx)) ** 2 + (rel_y - along * _col(dy)) ** 2)
    cover = np.clip((_col(radius) - distance) / 0.05 + 0.5, 0.0, 1.0)  # soft: it is out of focus
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
    image += _col(255.0 * (0.5 - 0.5 * contrast + brightness) + 0.5)  # + 0.5: round when truncating to uint8


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
        noise *= sigma / 6.52  # the sum's standard deviation is sqrt(2 * 255 / 12) = 6.52
        image += noise
    np.clip(image, 0.0, 255.0, out=image)
    return image.astype(np.uint8)
