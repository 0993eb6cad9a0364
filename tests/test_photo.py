"""core.clocks.photo: the dial of a rendered clock pasted small and off-centre into a larger picture is found, the crop
frames it as the models saw clocks, and a picture without a dial falls back to the centre square."""

import numpy as np
import pytest
from PIL import Image

from core.clocks import photo
from core.clocks.dataset import render_one
from core.clocks.render import render_clocks, with_knobs


def background(height: int, width: int, seed: int) -> np.ndarray:
    """A busy float picture: uneven light, a wavy wood-like grain, a few shelves and frames, sensor noise."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(60, 200, (4, 5)).astype(np.float32)
    field = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC), np.float64)
    rows, cols = np.mgrid[0:height, 0:width]
    angle = rng.uniform(0, np.pi)
    along = cols * np.cos(angle) + rows * np.sin(angle)
    field = field + 18 * np.sin(along / rng.uniform(3, 9) + 2 * np.sin(rows / 40.0))
    for _ in range(3):
        top, left = rng.integers(0, height), rng.integers(0, width)
        field[top : top + rng.integers(5, height // 3), left : left + rng.integers(20, width // 2)] += rng.uniform(
            -60, 60
        )
    return field + rng.normal(0, 4, field.shape)


def clock_cutout(minutes: int, difficulty: str, seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A rendered clock on a plain floor and the mask of the clock itself (what differs from the floor, filled)."""
    style = with_knobs(difficulty, background_variation=0.0, noise_sigma=0.0, occlusion_prob=0.0)
    image = render_clocks(np.array([float(minutes)]), size, style, seed=seed, workers=1)[0].astype(np.float64)
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    mask = np.abs(image - np.median(border)) > 20
    for _ in range(2):  # fill each row's and column's span: the clock is convex
        spans = np.cumsum(mask, axis=1) > 0
        mask = spans & (np.cumsum(mask[:, ::-1], axis=1) > 0)[:, ::-1]
        mask = mask.T
    return image, mask


def pasted_clock(
    minutes: int, difficulty: str, seed: int, clock_px: int, left: int, top: int, height: int = 360, width: int = 480
) -> tuple[np.ndarray, float, float, float]:
    """A clock cut out and pasted at (left, top) into a busy picture: (picture, true centre x, y, longest width)."""
    image, mask = clock_cutout(minutes, difficulty, seed, clock_px)
    picture = background(height, width, seed)
    picture[top : top + clock_px, left : left + clock_px][mask] = image[mask]
    rows, cols = np.nonzero(mask)
    angles = np.linspace(0, np.pi, 90, endpoint=False)
    longest = max(np.ptp(cols * np.cos(a) + rows * np.sin(a)) + 1 for a in angles)
    centre_x, centre_y = left + (cols.min() + cols.max()) / 2, top + (rows.min() + rows.max()) / 2
    return np.clip(np.rint(picture), 0, 255).astype(np.uint8), centre_x, centre_y, longest


# (seed, clock size in px, left, top): small and large, in corners and near edges, never centred
FRONTAL = [
    (0, 80, 30, 40),
    (1, 120, 330, 20),
    (2, 150, 60, 190),
    (3, 100, 360, 240),
    (4, 180, 150, 90),
    (5, 70, 200, 270),
    (6, 130, 10, 110),
    (7, 160, 300, 180),
]


@pytest.mark.parametrize("seed, clock_px, left, top", FRONTAL)
def test_the_dial_of_a_small_off_centre_clock_is_found_within_a_few_pixels(seed, clock_px, left, top):
    picture, x, y, longest = pasted_clock(37 * seed, "easy", seed, clock_px, left, top)
    dial = photo.find_dial(picture)
    assert dial is not None
    assert np.hypot(dial.x - x, dial.y - y) <= 3.0
    assert 2 * dial.radius == pytest.approx(longest, rel=0.15)


@pytest.mark.parametrize("seed, clock_px, left, top", FRONTAL[:4])
def test_the_crop_makes_the_dial_fill_about_nine_tenths_of_the_models_input(seed, clock_px, left, top):
    picture, x, y, longest = pasted_clock(37 * seed, "easy", seed, clock_px, left, top)
    image, box = photo.crop_photo(picture, 150, photo.find_dial(picture), 1.0, (0.0, 0.0))
    assert image.shape == (150, 150) and image.dtype == np.uint8
    assert longest / box.side == pytest.approx(photo.FILL, rel=0.15)
    assert abs(box.x - x) <= 0.05 * box.side and abs(box.y - y) <= 0.05 * box.side  # the dial sits in the middle


def test_tilted_turned_clocks_are_mostly_framed_well_and_never_lost():
    """The assignment's clocks: tilted up to ~50 degrees (elliptic rims), turned any way, with glare."""
    hits, cases = 0, [(seed, 70 + (37 * seed) % 120, (83 * seed) % 300, (59 * seed) % 170) for seed in range(10)]
    for seed, clock_px, left, top in cases:
        picture, x, y, longest = pasted_clock(37 * seed, "assignment", seed, clock_px, left, top)
        dial = photo.find_dial(picture)
        assert dial is not None
        off, size = np.hypot(dial.x - x, dial.y - y) / longest, 2 * dial.radius / longest
        assert off < 0.15 and 0.7 < size < 1.5  # never another thing in the picture
        hits += off <= 0.06 and abs(size - 1) <= 0.15
    assert hits >= 7


def test_a_whole_rendered_frame_is_found_where_the_renderer_put_the_clock():
    image = render_one(200, 150, "easy", 3)  # an 'easy' clock: centred, 0.88-0.92 of half the frame
    dial = photo.find_dial(image)
    assert dial is not None
    assert dial.x == pytest.approx(74.5, abs=1.0) and dial.y == pytest.approx(74.5, abs=1.0)
    assert dial.radius / 75 == pytest.approx(0.9, abs=0.04)


@pytest.mark.parametrize(
    "picture",
    [
        np.full((300, 400), 128, np.uint8),
        np.clip(background(360, 480, 11), 0, 255).astype(np.uint8),
        np.random.default_rng(0).integers(0, 256, (300, 400)).astype(np.uint8),
    ],
    ids=["flat", "busy background", "noise"],
)
def test_a_picture_without_a_clock_has_no_dial_and_uses_the_centre_square(picture):
    assert photo.find_dial(picture) is None
    image, box = photo.crop_photo(picture, 75, None)
    assert (
        box.side == min(picture.shape) and box.x == (picture.shape[1] - 1) / 2 and box.y == (picture.shape[0] - 1) / 2
    )
    assert box.note() == "No dial found: used the centre square."
    assert image.shape == (75, 75)


def test_the_note_says_where_the_dial_was_found():
    box = photo.crop_box((300, 400), photo.Dial(x=120.4, y=80.6, radius=40.0, support=0.95))
    assert box.note().startswith("Found the dial at (120, 81) px, 80 px wide")


def test_zoom_and_shift_move_the_square_in_parts_of_its_side():
    dial = photo.Dial(x=200.0, y=150.0, radius=45.0, support=1.0)
    found = photo.crop_box((300, 400), dial)
    assert found.side == pytest.approx(100.0) and (found.x, found.y) == (200.0, 150.0)
    zoomed = photo.crop_box((300, 400), dial, zoom=2.0, shift=(0.1, -0.2))
    assert zoomed.side == pytest.approx(50.0)
    assert (zoomed.x, zoomed.y) == pytest.approx((205.0, 140.0))
    limited = photo.crop_box((300, 400), dial, zoom=10.0, shift=(5.0, 0.0))  # clipped to ZOOM_RANGE, SHIFT_RANGE
    assert limited.side == pytest.approx(100.0 / photo.ZOOM_RANGE[1])
    assert limited.x == pytest.approx(200.0 + photo.SHIFT_RANGE * limited.side)


def test_a_square_that_fits_is_kept_inside_the_picture_rather_than_padded():
    box = photo.crop_box((300, 400), photo.Dial(x=20.0, y=280.0, radius=45.0, support=1.0))
    left, top, right, bottom = box.bounds
    assert left == pytest.approx(-0.5) and bottom == pytest.approx(299.5) and right - left == pytest.approx(100.0)


def test_cut_area_averages_the_box_and_repeats_the_edge_beyond_the_picture():
    ramp = np.tile(np.arange(200, dtype=np.uint8), (200, 1))
    whole = photo.cut(ramp, photo.CropBox(x=99.5, y=99.5, side=200.0, dial=None), 100)
    pairs = ramp.reshape(100, 2, 100, 2).mean(axis=(1, 3))  # 0.5, 2.5, ...: Pillow rounds them up
    assert np.abs(whole - pairs).max() <= 0.5
    beyond = photo.cut(ramp, photo.CropBox(x=199.5, y=99.5, side=100.0, dial=None), 50)
    assert beyond[:, 25:].min() == 199  # the right half lies past the edge: the last column repeats


def test_upright_grey_applies_the_exif_orientation_first():
    picture = Image.new("RGB", (60, 30), (255, 255, 255))
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    picture.info["exif"] = exif.tobytes()
    picture = Image.open(_saved(picture, exif))
    assert photo.upright_grey(picture).shape == (60, 30)


def _saved(picture: Image.Image, exif: Image.Exif):
    import io

    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    buffer.seek(0)
    return buffer


def test_preview_draws_the_square_on_a_small_copy_of_the_picture():
    picture = np.full((1200, 1600), 90, np.uint8)
    box = photo.crop_box(picture.shape, photo.Dial(x=800.0, y=600.0, radius=200.0, support=1.0))
    shown = photo.preview(picture, box, max_side=400)
    assert shown.shape == (300, 400, 3)
    assert (shown == (213, 94, 0)).all(axis=2).any()  # the square in vermillion
