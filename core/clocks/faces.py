"""Dial families: named clock designs, each clock's randomised design, and the signed distance of its ink.

Every clock is drawn from one family, picked per image from the seed among the style's `families`:

- `assignment`: the assignment's wall clock. Plain white face, thick dark bezel, thin Arabic numerals 1-12 just
  inside a ring of minute dots and short hour bars, plain bar hands (hour 0.55, minute 0.8 of the radius), a
  small hub, nothing marking 12 but the numerals.
- `station`: a station clock. No numerals, heavy bar ticks, a triangle at 12, tapered hands.
- `arabic`: Arabic numerals 1-12, upright or turned to the centre, in any size and weight.
- `roman`: Roman numerals I-XII (IIII for 4) with rules along their tops and bottoms, mostly turned to the centre.
- `quarters`: Arabic 12, 3, 6 and 9 only, hour marks at the other hours.
- `minimal`: no numerals; a triangle, a double bar or a dot at 12 is the only cue.

All families but `assignment` and `station` also randomise what varies between real clocks: tick style (dots,
bars, both, none), hand style (bar, tapered, arrow), dark-on-light or light-on-dark, a round or square case,
bezel width and tone, an optional mark at 12 where numerals already show it, and a thin second hand (at the
style's `second_hand_prob`). A dial with neither numerals nor a mark at 12 is never drawn: turned by any angle,
it would show no time at all.

Distances are in face radii (the glass has radius 1), `u` to the right and `v` towards 12, negative on ink.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np

from core.clocks.glyphs import Atlas, atlas, texels_for
from core.clocks.time import MINUTES

FAR = 9.0  # a mark that is not there: farther than anything on the face
STEP = 2 * np.pi / 60  # one minute of arc


@dataclass
class Dial:
    """One clock's design (distances in face radii, tones 0 black .. 1 white)."""

    family: str
    shape: str = "round"  # "round" or "square" case and face
    bezel: float = 1.17  # the case's outer radius (a square case's half-width)
    depth: float = 0.22  # how far the case's back (on the floor) lies behind the glass
    face_tone: float = 0.95
    face_falloff: float = 0.04  # the face darkens by this much towards the rim
    ink_tone: float = 0.1  # numerals, ticks, hands
    case_tone: float = 0.15
    case_shine: float = 0.12  # how much the bezel's tone follows the light around it
    second_tone: float = 0.4
    numerals: str = ""  # a glyph set of core.clocks.glyphs, or "" for none
    radial: bool = False  # numerals turned to the centre (else upright on the dial)
    numeral_height: float = 0.135  # cap height
    numeral_radius: float = 0.775  # where the numerals' centres sit
    numeral_weight: float = 0.0  # added stroke half-width (negative: thinner)
    ticks: np.ndarray = field(default_factory=lambda: np.full((4, 61), FAR, np.float32))
    marker: str = ""  # "", "triangle", "small_triangle", "double_bar" or "dot"
    marker_radius: float = 0.95  # the outer edge of the mark at 12
    hands: str = "bar"  # "bar", "tapered" or "arrow"
    hour_length: float = 0.55
    minute_length: float = 0.8
    hour_width: float = 0.032  # half-widths at the root
    minute_width: float = 0.027
    tip_ratio: float = 1.0  # tip width / root width of tapered hands
    tail: float = 0.1
    hub: float = 0.055
    second: bool = False


# ----------------------------------------------------------------------------------------------------------
# Marks around the dial: a table of 61 slots (-30..30 minutes from 12; -30 and 30 are both 6 o'clock) with a
# rounded box per slot: radial centre, radial half-length, half-width across, corner radius. A dot is a box of
# no size with a corner radius; a missing mark sits at radius FAR.


def _mark(kind: str, outer: float, length: float, width: float) -> tuple[float, float, float, float]:
    """A dot ('dot', diameter `width`), a bar ('bar', `length` long, `width` wide) or nothing, reaching to `outer`."""
    if kind == "dot":
        return outer - width / 2, 0.0, 0.0, width / 2
    if kind == "bar":
        return outer - length / 2, length / 2, width / 2, 0.0
    return FAR, 0.0, 0.0, 0.0


def tick_table(minute: tuple, hour: tuple, quarter: tuple | None = None, skip: int = -1) -> np.ndarray:
    """[4, 61] marks: minute marks, hour marks every 5 minutes, quarter marks every 15; none within `skip` of 12."""
    slot = np.arange(-30, 31)
    table = np.empty((4, 61), dtype=np.float32)
    table[:] = np.array(_mark(*minute), dtype=np.float32)[:, None]
    table[:, slot % 5 == 0] = np.array(_mark(*hour), dtype=np.float32)[:, None]
    if quarter is not None:
        table[:, slot % 15 == 0] = np.array(_mark(*quarter), dtype=np.float32)[:, None]
    table[:, np.abs(slot) <= skip] = np.array(_mark("", 0, 0, 0), dtype=np.float32)[:, None]
    return table


# ----------------------------------------------------------------------------------------------------------
# The families. Each maker gets the image's own generator and the style's face_variation (0: the family's
# reference design, 1: its full per-clock variation).


def _assignment(rng: np.random.Generator, var: float) -> Dial:
    u = rng.random(8)
    return Dial(
        "assignment",
        bezel=1.17 + var * 0.05 * (u[0] - 0.4),
        face_tone=0.95 - var * 0.06 * u[1],
        face_falloff=0.02 + var * 0.05 * u[2],
        ink_tone=0.1 + var * 0.08 * u[3],
        case_tone=0.13 + var * 0.1 * u[4],
        numerals="arabic",
        numeral_weight=var * 0.004 * (u[5] - 0.5),
        ticks=tick_table(("dot", 0.945, 0, 0.03), ("bar", 0.965, 0.08, 0.026)),
        hour_width=0.032 * (1 + var * 0.2 * (u[6] - 0.5)),
        minute_width=0.027 * (1 + var * 0.2 * (u[7] - 0.5)),
    )


def _station(rng: np.random.Generator, var: float) -> Dial:
    u = rng.random(5)
    widen = 1.0 + var * (-0.2 + 0.55 * u[3])
    lengthen = 1.0 + var * (-0.05 + 0.09 * u[4])
    return Dial(
        "station",
        bezel=1.12,
        face_tone=0.93 - var * 0.14 * u[0],
        face_falloff=0.02 + var * 0.08 * u[0],
        ink_tone=0.07 + var * 0.13 * u[1],
        case_tone=0.3 + var * (-0.18 + 0.53 * u[2]),
        case_shine=0.16,
        ticks=tick_table(("bar", 0.93, 0.07, 0.022), ("bar", 0.93, 0.15, 0.056), ("bar", 0.93, 0.23, 0.09), skip=1),
        marker="triangle",
        hands="tapered",
        hour_length=0.5 * lengthen,
        minute_length=0.8 * lengthen,
        hour_width=0.055 * widen,
        minute_width=0.036 * widen,
        tip_ratio=0.4,
        tail=0.13,
        hub=0.065 * widen,
    )


_TICK_STYLES = ("dots", "bars", "both", "none")


def _random_dial(
    family: str,
    rng: np.random.Generator,
    var: float,
    numerals: str,
    radial_prob: float,
    marker_prob: float,
    second_prob: float,
) -> Dial:
    """A dial of one of the varied families: numerals as given, everything else drawn from `rng`."""
    u = rng.random(32)
    dark_face = u[0] < 0.25
    face = 0.05 + 0.2 * u[1] if dark_face else 0.97 - 0.22 * u[1]
    ink = 0.97 - 0.17 * u[2] if dark_face else 0.03 + 0.2 * u[2]
    case = (0.05 + 0.2 * u[4], 0.35 + 0.35 * u[4], 0.75 + 0.2 * u[4])[int(u[3] * 3)]
    outer = 0.965 - 0.04 * u[5]  # the outer edge of the tick ring
    ticks = _TICK_STYLES[int(u[6] * len(_TICK_STYLES))] if numerals else _TICK_STYLES[int(u[6] * 3)]
    dot, bar = 0.022 + 0.022 * u[7], 0.018 + 0.03 * u[8]
    length = 0.05 + 0.1 * u[9]
    marks = {
        "dots": (("dot", outer, 0, dot * 0.7), ("dot", outer + 0.004, 0, dot * 1.5)),
        "bars": (("bar", outer, length * 0.5, bar * 0.45), ("bar", outer, length, bar)),
        "both": (("dot", outer, 0, dot * 0.75), ("bar", outer, length, bar)),
        "none": (("", 0, 0, 0), ("", 0, 0, 0)),
    }[ticks]
    quarter = ("bar", outer, length * 1.6, bar * 1.6) if ticks != "none" and u[10] < 0.3 else None
    ring_inner = {"dots": outer - dot * 1.5, "bars": outer - length, "both": outer - length, "none": 0.97}[ticks]
    if quarter is not None:
        ring_inner = min(ring_inner, outer - length * 1.6)
    if numerals:
        marker = ("small_triangle", "double_bar", "dot")[int(u[11] * 3)] if u[12] < marker_prob else ""
    else:
        marker = ("small_triangle", "double_bar", "dot", "triangle")[int(u[11] * 4)]
    low, high = {
        "arabic": (0.1, 0.16),
        "arabic_oblique": (0.1, 0.16),
        "arabic_quarters": (0.12, 0.21),
        "roman": (0.09, 0.14),
    }.get(numerals, (0, 0))
    height = low + (high - low) * u[13]
    radial = bool(u[14] < radial_prob)
    half_width = atlas(numerals, 24).half_width if numerals else 0.5
    reach = height / 2 if radial else height * max(0.5, half_width)
    minute_length = 0.7 + 0.18 * u[16]
    hour_width = 0.022 + 0.03 * u[18]
    return Dial(
        family,
        shape="square" if u[19] < 0.2 else "round",
        bezel=1.04 + 0.2 * u[20],
        depth=0.1 + 0.25 * u[31],
        face_tone=face,
        face_falloff=0.01 + 0.07 * u[21],
        ink_tone=ink,
        case_tone=case,
        case_shine=0.06 + 0.14 * u[22],
        second_tone=0.3 + 0.4 * u[23],
        numerals=numerals,
        radial=radial,
        numeral_height=height,
        numeral_radius=ring_inner - 0.03 - reach - 0.02 * u[24],
        numeral_weight=(0.012 * u[25] - 0.003) * var,
        ticks=tick_table(*marks, quarter, skip=0 if marker else -1),
        marker=marker,
        marker_radius=outer,
        hands=("bar", "tapered", "arrow")[int(u[15] * 3)],
        hour_length=minute_length * (0.55 + 0.2 * u[26]),
        minute_length=minute_length,
        hour_width=hour_width,
        minute_width=hour_width * (0.55 + 0.45 * u[27]),
        tip_ratio=0.25 + 0.4 * u[28],
        tail=0.05 + 0.15 * u[29],
        hub=max(hour_width * 1.4, 0.03 + 0.04 * u[30]),
        second=bool(rng.random() < second_prob),
    )


FAMILIES: dict[str, Callable[[np.random.Generator, float, float], Dial]] = {
    "assignment": lambda rng, var, second: _assignment(rng, var),
    "station": lambda rng, var, second: _station(rng, var),
    "arabic": lambda rng, var, second: _random_dial("arabic", rng, var, "arabic", 0.3, 0.3, second),
    "roman": lambda rng, var, second: _random_dial("roman", rng, var, "roman", 0.75, 0.3, second),
    "quarters": lambda rng, var, second: _random_dial("quarters", rng, var, "arabic_quarters", 0.2, 0.3, second),
    "minimal": lambda rng, var, second: _random_dial("minimal", rng, var, "", 0.0, 1.0, second),
    "oblique": lambda rng, var, second: _random_dial("oblique", rng, var, "arabic_oblique", 0.3, 0.3, second),
}


def dial_families() -> tuple[str, ...]:
    """The names of the dial families, for a style's `families` knob (e.g. train without 'roman', test on it)."""
    return tuple(FAMILIES)


def check_families(families: tuple[str, ...]) -> None:
    unknown = [name for name in families if name not in FAMILIES]
    if not families or unknown:
        raise ValueError(f"unknown or no dial families {unknown}; choose from {', '.join(FAMILIES)}")


def design(
    indices: np.ndarray,
    seed: int,
    families: tuple[str, ...],
    pick: np.ndarray,
    variation: float,
    second_hand_prob: float,
) -> DialBatch:
    """Each image's dial: family `families[pick * len]`, details from its own generator seeded by (seed, index)."""
    dials = []
    for index, unit in zip(indices, pick):
        rng = np.random.default_rng([seed, int(index), 2])
        dials.append(FAMILIES[family_of(families, unit)](rng, variation, second_hand_prob))
    return DialBatch(dials)


def family_of(families: tuple[str, ...], unit: float) -> str:
    """The family a uniform draw picks: each of `families` equally often."""
    return families[min(int(unit * len(families)), len(families) - 1)]


class DialBatch:
    """A batch's dials as columns (`batch.hour_width` is float32 [B]; string fields stay lists of str), and
    where the pixels being shaded belong.

    Dense: pixel arrays are [B, H, W], a per-image value spreads as [B, 1, 1], and a selection of images is
    an index array into B. Compact (`on_pixels`): pixel arrays are flat lists of some pixels of the batch
    (those near the clocks), `image_of` holds each one's image, a per-image value spreads by a gather, and a
    selection of images is an index array into the pixels. Either way a selection is a slice when it takes all.
    """

    def __init__(self, dials: list[Dial]) -> None:
        self.dials = dials
        self.image_of: np.ndarray | None = None
        self._counts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._spread: dict[str, np.ndarray] = {}
        for spec in fields(Dial):
            values = [getattr(dial, spec.name) for dial in dials]
            if spec.name == "ticks":
                values = np.stack(values)  # [B, 4, 61]
            elif not isinstance(values[0], str):
                values = np.array(values, dtype=np.float32)
            setattr(self, spec.name, values)
        # The tick table as one 16-byte record (centre, half-length, half-width, rounding) per slot, so that one
        # gather (whose cost is per element, whatever its size) fetches all four.
        self.tick_records = np.ascontiguousarray(self.ticks.transpose(0, 2, 1)).view(np.complex128).reshape(-1)

    def __len__(self) -> int:
        return len(self.dials)

    def on_pixels(self, image_of: np.ndarray) -> DialBatch:
        """The same dials, for a flat list of pixels whose images are `image_of` (int [N], sorted)."""
        compact = copy.copy(self)
        compact.image_of, compact._spread, compact._counts = image_of, {}, {}
        return compact

    def select(self, images: np.ndarray | list[bool]) -> slice | np.ndarray:
        """The pixels (or images, when dense) of the chosen images (bool [B])."""
        images = np.asarray(images, dtype=bool)
        if images.all():
            return slice(None)
        if self.image_of is None:
            return np.flatnonzero(images)
        return np.flatnonzero(images[self.image_of])

    def groups(self, keys: str | list) -> list[tuple[object, slice | np.ndarray]]:
        """(value, selection) for each value of a field (by name) or of a per-image list of keys."""
        values = getattr(self, keys) if isinstance(keys, str) else keys
        return [(value, self.select([item == value for item in values])) for value in dict.fromkeys(values)]

    def spread(self, values: np.ndarray, chosen: slice | np.ndarray = slice(None)) -> np.ndarray:
        """Per-image `values` [B] broadcastable against the selected pixels.

        Compact pixels are sorted by image, so a value is repeated over each image's run of pixels (a gather
        would cost several times as much).
        """
        values = np.asarray(values)
        if values.dtype == np.float64:
            values = values.astype(np.float32)
        if self.image_of is None:
            return values[chosen][:, None, None]
        key = -1 if isinstance(chosen, slice) else id(chosen)
        if key not in self._counts:
            images = self.image_of if isinstance(chosen, slice) else self.image_of[chosen]
            self._counts[key] = (chosen, np.bincount(images, minlength=len(self.dials)))
        return np.repeat(values, self._counts[key][1])

    def col(self, name: str, chosen: slice | np.ndarray = slice(None)) -> np.ndarray:
        """A field spread over the selected pixels (kept for reuse when the selection is everything)."""
        if not isinstance(chosen, slice):
            return self.spread(getattr(self, name), chosen)
        if name not in self._spread:
            self._spread[name] = self.spread(getattr(self, name))
        return self._spread[name]


# ----------------------------------------------------------------------------------------------------------
# Signed distances on float32 pixel arrays of face coordinates, dense [B, H, W] or compact [N] (see DialBatch).


def printed_distance(
    dials: DialBatch, u: np.ndarray, v: np.ndarray, r: np.ndarray, theta: np.ndarray, size: int, numerals: bool = True
) -> np.ndarray:
    """Distance to everything printed on the dial: the marks around it, the numerals, the mark at 12."""
    ink = _ticks_distance(dials, r, theta)
    if numerals:
        keys = [(glyphs, bool(radial)) for glyphs, radial in zip(dials.numerals, dials.radial)]
        for (glyph_set, radial), chosen in dials.groups(keys):
            if glyph_set:
                _merge(
                    ink,
                    chosen,
                    _numerals_distance(
                        dials, chosen, glyph_set, radial, u[chosen], v[chosen], theta[chosen], texels_for(size)
                    ),
                )
    for marker, chosen in dials.groups("marker"):
        if marker:
            _merge(ink, chosen, _marker_distance(marker, dials.col("marker_radius", chosen), u[chosen], v[chosen]))
    return ink


def _merge(ink: np.ndarray, chosen: slice | np.ndarray, distance: np.ndarray) -> None:
    if isinstance(chosen, slice):
        np.minimum(ink, distance, out=ink)
    else:
        ink[chosen] = np.minimum(ink[chosen], distance)


def _ticks_distance(dials: DialBatch, r: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Distance to the nearest slot's mark: a rounded box at its radius, measured across along the arc."""
    slot = np.multiply(theta, 1 / STEP)
    nearest = np.rint(slot)
    slot -= nearest
    np.abs(slot, out=slot)
    across = np.multiply(r, STEP)
    across *= slot  # arc distance from the slot's centre line
    nearest += 30.0
    index = nearest.astype(np.int32)
    index += dials.spread(np.arange(len(dials), dtype=np.int32) * 61)
    marks = dials.tick_records.take(index).view(np.float32).reshape(*index.shape, 4)
    across -= marks[..., 2]  # half-width
    along = np.subtract(r, marks[..., 0])  # radial centre
    np.abs(along, out=along)
    along -= marks[..., 1]  # radial half-length
    inside = np.maximum(across, along)
    np.minimum(inside, 0.0, out=inside)
    np.maximum(across, 0.0, out=across)
    np.maximum(along, 0.0, out=along)
    np.square(across, out=across)
    np.square(along, out=along)
    across += along
    outside = np.sqrt(across, out=across)
    outside += inside
    outside -= marks[..., 3]  # corner rounding
    return outside


_SECTOR = np.arange(-6, 7) * np.pi / 6  # the nearest hour's angle, -6..6 hours from 12
_SECTOR_SIN_COS = (np.sin(_SECTOR) + 1j * np.cos(_SECTOR)).astype(np.complex64)  # one gather for both


def _numerals_distance(
    dials: DialBatch,
    chosen: slice | np.ndarray,
    glyph_set: str,
    radial: bool,
    u: np.ndarray,
    v: np.ndarray,
    theta: np.ndarray,
    texels: int,
) -> np.ndarray:
    """Distance to the nearest hour's numeral, read from the glyph atlas in the numeral's own frame."""
    glyphs: Atlas = atlas(glyph_set, texels)
    sector = np.multiply(theta, 6 / np.pi)
    sector += 6.5
    sector = sector.astype(np.int32)  # rounds: theta * 6 / pi + 6 is >= 0
    sin_cos = _SECTOR_SIN_COS.take(sector)
    s, c = sin_cos.real, sin_cos.imag
    radius = dials.col("numeral_radius", chosen)
    if radial:  # turned to the centre: x along the rim, y outwards
        x = u * c
        x -= v * s
        y = u * s
        y += v * c
        y -= radius
    else:  # upright on the dial
        x = np.multiply(s, radius)
        np.subtract(u, x, out=x)
        y = np.multiply(c, radius, out=c)
        np.subtract(v, y, out=y)
    height = dials.col("numeral_height", chosen)
    x /= height
    y /= height
    distance = glyphs.distance(sector, x, y)  # the atlas holds one cell per sector, -6..6 hours
    distance *= height
    distance -= dials.col("numeral_weight", chosen)
    return distance


def _marker_distance(marker: str, outer: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Distance to the mark at 12, reaching in from the tick ring's outer edge `outer`."""
    if marker in ("triangle", "small_triangle"):
        apex, base, half = (0.64, 0.93, 0.11) if marker == "triangle" else (outer - 0.17, outer, 0.065)
        norm = np.sqrt((base - apex) ** 2 + half**2)
        side = np.abs(u)
        side *= (base - apex) / norm
        side -= v * (half / norm)
        side += apex * half / norm
        return np.maximum(side, v - base, out=side)
    if marker == "double_bar":
        across = np.abs(u)
        across -= 0.032
        np.abs(across, out=across)
        across -= 0.014
        along = np.abs(v - (outer - 0.07))
        along -= 0.07
        return np.maximum(across, along, out=across)
    dx, dy = u, v - (outer - 0.05)  # "dot"
    return np.sqrt(dx * dx + dy * dy) - 0.048


def hands_distance(dials: DialBatch, minutes: np.ndarray, u: np.ndarray, v: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Distance to the hour hand (it moves with the minutes), the minute hand and the hub."""
    hour_angle = 2 * np.pi * (minutes % MINUTES) / MINUTES
    minute_angle = 2 * np.pi * (minutes % 60) / 60
    hands = np.empty_like(u)
    for style, chosen in dials.groups("hands"):
        uu, vv = u[chosen], v[chosen]
        col = functools.partial(dials.col, chosen=chosen)
        taper = 1.0 - dials.tip_ratio if style == "tapered" else None
        arrow = style == "arrow"
        both = _hand(
            uu,
            vv,
            dials.spread(np.sin(hour_angle), chosen),
            dials.spread(np.cos(hour_angle), chosen),
            col("hour_length"),
            col("tail"),
            col("hour_width"),
            None if taper is None else dials.spread(taper * dials.hour_width / dials.hour_length, chosen),
            arrow,
        )
        np.minimum(
            both,
            _hand(
                uu,
                vv,
                dials.spread(np.sin(minute_angle), chosen),
                dials.spread(np.cos(minute_angle), chosen),
                col("minute_length"),
                dials.spread(dials.tail * 1.3, chosen),
                col("minute_width"),
                None if taper is None else dials.spread(taper * dials.minute_width / dials.minute_length, chosen),
                arrow,
            ),
            out=both,
        )
        if isinstance(chosen, slice):
            hands = both
        else:
            hands[chosen] = both
    hub = np.subtract(r, dials.col("hub"))
    return np.minimum(hands, hub, out=hands)


def second_hand_distance(
    dials: DialBatch, chosen: slice | np.ndarray, angle: np.ndarray, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """A thin second hand with a round counterweight, at per-image `angle` clockwise from 12."""
    s, c = dials.spread(np.sin(angle), chosen), dials.spread(np.cos(angle), chosen)
    hand = _hand(u, v, s, c, 0.88, 0.22, 0.009, 0.003 / 0.88)
    weight = np.sqrt((u + 0.16 * s) ** 2 + (v + 0.16 * c) ** 2) - 0.035
    return np.minimum(hand, weight, out=hand)


def _hand(
    u: np.ndarray,
    v: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    length: np.ndarray | float,
    tail: np.ndarray | float,
    root_width: np.ndarray | float,
    narrowing: np.ndarray | float | None = None,
    arrow: bool = False,
) -> np.ndarray:
    """Distance to a bar from -`tail` to `length`, `root_width` wide (half-width) at the centre and narrowing by
    `narrowing` per unit of length, pointing at (s, c) = sin and cos of its angle clockwise from 12; an arrow hand
    has a thin straight shaft and a head of 3 x `root_width`."""
    along = u * s
    along += v * c
    across = u * c
    across -= v * s
    np.abs(across, out=across)
    if arrow:
        head_length, head_width = 4.0 * root_width, 3.0 * root_width
        norm = np.sqrt(head_length**2 + head_width**2)
        head = across * (head_length / norm)
        head += (along - length) * (head_width / norm)
        np.maximum(head, (length - head_length) - along, out=head)
        root_width, narrowing = root_width * 0.45, None
    shaft = across
    if narrowing is not None:
        shaft += along * narrowing
    shaft -= root_width
    along -= (length - tail) / 2  # centre the bar's extent on 0
    np.abs(along, out=along)
    along -= (length + tail) / 2
    np.maximum(shaft, along, out=shaft)
    return np.minimum(shaft, head, out=shaft) if arrow else shaft
