"""The clock renderer: determinism, shapes, balanced labels, hands that show the time, the dataset cache."""

from __future__ import annotations

import numpy as np
import pytest

from core.clocks import render as clocks
from core.clocks.dataset import balanced_times, cache_path, make_clock_dataset, write_assignment_files
from core.clocks.render import (
    DIFFICULTIES,
    RENDER_VERSION,
    ClockStyle,
    dial_families,
    families_of,
    render_clocks,
    with_knobs,
)
from core.clocks.userfiles import load_clock_files

TIMES = np.array([0, 95, 190, 333, 500, 719])


def _darkness_at(image: np.ndarray, angle_deg: float, radius: float) -> float:
    """Darkness (0 white .. 255 black) of an upright easy clock at a point of its face (radius in face radii)."""
    size = image.shape[0]
    face_pixels = 0.9 / clocks.CASE_RADIUS * size / 2  # easy clocks: case radius 0.88-0.92 of half the image
    x = size / 2 + radius * face_pixels * np.sin(np.radians(angle_deg))
    y = size / 2 - radius * face_pixels * np.cos(np.radians(angle_deg))
    return 255.0 - float(image[int(y), int(x)])


def test_render_is_deterministic_for_a_seed():
    np.testing.assert_array_equal(render_clocks(TIMES, 75, seed=3), render_clocks(TIMES, 75, seed=3))


def test_different_seeds_give_different_photos():
    assert not np.array_equal(render_clocks(TIMES, 75, seed=3), render_clocks(TIMES, 75, seed=4))


def test_an_image_does_not_depend_on_chunking_or_process_count():
    minutes = np.arange(11) * 61
    whole = render_clocks(minutes, 75, "hard", seed=2, workers=2)
    np.testing.assert_array_equal(whole, render_clocks(minutes, 75, "hard", seed=2, workers=1))
    np.testing.assert_array_equal(whole[5:9], render_clocks(minutes[5:9], 75, "hard", seed=2, first_index=5))


def test_rendering_falls_back_to_this_process_when_workers_cannot_start(monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    def broken(*args):
        raise BrokenProcessPool("no processes here")

    expected = render_clocks(TIMES, 75, workers=1)
    monkeypatch.setattr(clocks, "_render_in_processes", broken)
    np.testing.assert_array_equal(render_clocks(TIMES, 75, workers=2), expected)


@pytest.mark.parametrize("size", [75, 150])
def test_images_are_uint8_of_the_requested_size(size):
    images = render_clocks(TIMES[:2], size)
    assert images.shape == (2, size, size) and images.dtype == np.uint8


def test_every_difficulty_renders_a_visible_clock():
    for name in DIFFICULTIES:
        images = render_clocks(TIMES, 75, name).astype(np.float64)
        assert images.std(axis=(1, 2)).min() > 15, name


def test_two_different_times_render_differently():
    first, second = render_clocks([135], 75, seed=1), render_clocks([500], 75, seed=1)
    assert np.abs(first.astype(int) - second.astype(int)).mean() > 2


def test_the_hour_hand_moves_with_the_minutes():
    three, half_past = render_clocks([180, 210], 150, "easy")
    assert _darkness_at(three, 90, 0.3) > 150 and _darkness_at(three, 105, 0.3) < 60
    assert _darkness_at(half_past, 105, 0.3) > 150 and _darkness_at(half_past, 90, 0.3) < 60


def test_hands_point_clockwise_from_twelve():
    nine_fifteen = render_clocks([9 * 60 + 15], 150, "easy")[0]
    assert _darkness_at(nine_fifteen, 90, 0.6) > 150  # minute hand at 3
    assert _darkness_at(nine_fifteen, 277.5, 0.3) > 150  # hour hand a quarter past 9
    assert _darkness_at(nine_fifteen, 180, 0.5) < 60


def test_easy_and_assignment_clocks_differ():
    assert not np.array_equal(render_clocks(TIMES, 75, "easy"), render_clocks(TIMES, 75, "assignment"))


def _face_disc(size: int) -> np.ndarray:
    """Pixels well inside the glass (0.9 face radii) of an upright easy clock."""
    face_pixels = 0.9 / clocks.CASE_RADIUS * size / 2
    grid = np.arange(size) + 0.5 - size / 2
    return np.hypot(grid[None, :], grid[:, None]) < 0.9 * face_pixels


def test_the_assignment_dial_has_no_mark_at_twelve_only_numerals():
    """Without numerals and hands the assignment's dial looks the same turned by a quarter: nothing marks 12."""
    style = with_knobs("easy", numerals=False, hands=False)
    dial = render_clocks([0], 150, style)[0].astype(int)
    inside = _face_disc(150)
    assert np.abs(dial - np.rot90(dial))[inside].max() < 40 and np.abs(dial - np.rot90(dial))[inside].mean() < 0.5
    assert dial[inside].min() < 60  # the minute dots and hour bars are drawn
    station = render_clocks([0], 150, with_knobs(style, families=("station",)))[0].astype(int)
    assert np.abs(station - np.rot90(station))[inside].mean() > 1  # a dial with a triangle at 12 is not


def test_the_numerals_tell_a_turned_dial_apart():
    dial = render_clocks([0], 150, with_knobs("easy", hands=False))[0].astype(int)
    blank = render_clocks([0], 150, with_knobs("easy", hands=False, numerals=False))[0].astype(int)
    inside = _face_disc(150)
    assert np.abs(dial - np.rot90(dial))[inside].mean() > 2
    assert (blank - dial)[inside].sum() > 255 * 40  # twelve numerals' worth of ink
    numeral_ink = (blank - dial) > 60
    rows, cols = np.nonzero(numeral_ink)
    radius = np.hypot(rows + 0.5 - 75, cols + 0.5 - 75) / (0.9 / clocks.CASE_RADIUS * 75)
    assert radius.min() > 0.62 and radius.max() < 0.88  # just inside the ring of marks


def test_numerals_are_about_eight_pixels_tall_at_150_px():
    dial = render_clocks([0], 150, with_knobs("easy", hands=False))[0].astype(int)
    blank = render_clocks([0], 150, with_knobs("easy", hands=False, numerals=False))[0].astype(int)
    rows, _ = np.nonzero((blank - dial)[:60, 65:85] > 60)  # the 12 at the top
    assert 7 <= rows.max() - rows.min() + 1 <= 10


def test_hands_are_plain_bars_of_the_right_lengths():
    three = render_clocks([180], 300, with_knobs("easy", numerals=False))[0]
    assert _darkness_at(three, 90, 0.5) > 150 and _darkness_at(three, 90, 0.62) < 60  # hour hand ~0.55 R
    assert _darkness_at(three, 0, 0.75) > 150 and _darkness_at(three, 0, 0.84) < 60  # minute hand ~0.8 R


@pytest.mark.parametrize("difficulty", sorted(DIFFICULTIES))
@pytest.mark.parametrize("size", [48, 75, 150])
def test_every_difficulty_renders_uint8_images_of_any_size(difficulty, size):
    images = render_clocks(TIMES[:3], size, difficulty, seed=1)
    assert images.shape == (3, size, size) and images.dtype == np.uint8
    assert images.astype(float).std(axis=(1, 2)).min() > 10


def test_varied_images_do_not_depend_on_chunking():
    minutes = np.arange(13) * 53
    whole = render_clocks(minutes, 75, "varied", seed=5, workers=1)
    for start, stop in ((0, 1), (3, 12), (12, 13)):
        np.testing.assert_array_equal(
            whole[start:stop], render_clocks(minutes[start:stop], 75, "varied", seed=5, first_index=start)
        )


def test_an_image_depends_on_its_own_time_only():
    first = render_clocks([100, 200, 300], 75, "varied", seed=2)
    second = render_clocks([100, 555, 300], 75, "varied", seed=2)
    np.testing.assert_array_equal(first[[0, 2]], second[[0, 2]])
    assert not np.array_equal(first[1], second[1])


def test_varied_draws_every_family_and_the_families_knob_restricts_them():
    assert set(families_of(300, "varied", seed=0)) == set(dial_families())
    assert set(families_of(50, "assignment")) == {"assignment"}
    only_roman = with_knobs("varied", families=("roman",))
    assert set(families_of(50, only_roman, seed=3)) == {"roman"}
    without = with_knobs("varied", families=tuple(name for name in dial_families() if name != "roman"))
    assert "roman" not in families_of(300, without, seed=3)


def test_a_roman_only_style_renders_roman_dials():
    from core.clocks import faces

    style = with_knobs("varied", families=("roman",))
    dials = faces.design(np.arange(40), 3, style.families, np.random.default_rng(0).random(40), 1.0, 0.0)
    assert {dial.family for dial in dials.dials} == {"roman"} and {dial.numerals for dial in dials.dials} == {"roman"}
    with_numerals = render_clocks(TIMES, 75, style, seed=3)
    without = render_clocks(TIMES, 75, with_knobs(style, numerals=False), seed=3)
    assert all(np.abs(a.astype(int) - b).sum() > 255 * 10 for a, b in zip(with_numerals, without))


def test_unknown_families_and_backgrounds_are_refused():
    with pytest.raises(ValueError, match="dial families"):
        render_clocks(TIMES, 75, with_knobs("varied", families=("cuckoo",)))
    with pytest.raises(ValueError, match="dial families"):
        render_clocks(TIMES, 75, with_knobs("varied", families=()))
    with pytest.raises(ValueError, match="backgrounds"):
        render_clocks(TIMES, 75, with_knobs("varied", backgrounds=("moon",)))


def test_assignment_clocks_are_turned_tilted_and_sometimes_cut_by_the_frame():
    images = render_clocks(np.arange(60) * 11, 75, "assignment", seed=0)
    corners = np.concatenate([images[:, :4, :4].reshape(60, -1), images[:, -4:, -4:].reshape(60, -1)], axis=1)
    assert corners.std(axis=1).mean() > 3  # a textured floor in the corners
    dark_edges = (images[:, [0, -1], :] < 50).any(axis=(1, 2)) | (images[:, :, [0, -1]] < 50).any(axis=(1, 2))
    assert 0.1 < dark_edges.mean() < 0.7  # the dark bezel touches the frame


def test_a_custom_style_can_be_passed_instead_of_a_name():
    style = with_knobs("assignment", max_tilt_deg=0.0, glare_strength=0.0)
    assert isinstance(style, ClockStyle)
    assert render_clocks(TIMES[:2], 75, style).shape == (2, 75, 75)


def test_an_unknown_difficulty_is_refused():
    with pytest.raises(ValueError, match="unknown clock difficulty 'medium'"):
        render_clocks(TIMES, 75, "medium")


def test_non_finite_times_are_refused():
    with pytest.raises(ValueError, match="finite"):
        render_clocks([np.nan], 75)


def test_720_balanced_times_hold_every_time_once():
    labels = balanced_times(720, seed=0)
    assert labels.dtype == np.int64 and labels.shape == (720, 2)
    assert len(np.unique(labels[:, 0] * 60 + labels[:, 1])) == 720
    assert labels[:, 0].max() == 11 and labels[:, 1].max() == 59


def test_balanced_times_spread_a_remainder_evenly():
    counts = np.bincount(np.dot(balanced_times(1000, seed=1), [60, 1]), minlength=720)
    assert set(counts) == {1, 2} and counts.sum() == 1000


def test_balanced_times_are_shuffled_by_seed():
    first, again, other = balanced_times(720, 4), balanced_times(720, 4), balanced_times(720, 5)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first[:, 0], np.sort(first[:, 0]))


def test_dataset_labels_match_what_is_drawn(monkeypatch, tmp_path):
    monkeypatch.setenv("CLOCKWORK_CACHE", str(tmp_path))
    images, labels = make_clock_dataset(n=8, size=75, difficulty="easy", seed=2, cache=False)
    np.testing.assert_array_equal(images, render_clocks(labels[:, 0] * 60 + labels[:, 1], 75, "easy", 2))
    assert labels.dtype == np.int64 and images.dtype == np.uint8


def test_dataset_cache_hit_returns_identical_arrays(monkeypatch, tmp_path):
    monkeypatch.setenv("CLOCKWORK_CACHE", str(tmp_path))
    images, labels = make_clock_dataset(n=12, size=75, seed=1)
    assert cache_path(12, 75, "assignment", 1).exists()
    monkeypatch.setattr(clocks, "render_clocks", lambda *args, **kwargs: pytest.fail("rendered again"))
    cached_images, cached_labels = make_clock_dataset(n=12, size=75, seed=1)
    np.testing.assert_array_equal(cached_images, images)
    np.testing.assert_array_equal(cached_labels, labels)


def test_a_damaged_cache_file_is_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("CLOCKWORK_CACHE", str(tmp_path))
    path = cache_path(6, 75, "easy", 0)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a zip")
    images, _ = make_clock_dataset(n=6, size=75, difficulty="easy", seed=0)
    assert images.shape == (6, 75, 75)


def test_cache_names_hold_every_parameter_and_the_render_version(monkeypatch, tmp_path):
    monkeypatch.setenv("CLOCKWORK_CACHE", str(tmp_path))
    paths = {
        cache_path(720, 75, "easy", 0),
        cache_path(1440, 75, "easy", 0),
        cache_path(720, 150, "easy", 0),
        cache_path(720, 75, "hard", 0),
        cache_path(720, 75, "easy", 1),
        cache_path(720, 75, with_knobs("easy", noise_sigma=1.0), 0),
    }
    assert len(paths) == 6
    assert all(path.parent == tmp_path / "clocks" and f"v{RENDER_VERSION}" in path.name for path in paths)


def test_assignment_files_load_back_through_the_safe_loader(tmp_path):
    labels = balanced_times(5, seed=0)
    images = render_clocks(labels[:, 0] * 60 + labels[:, 1], 75, "easy")
    image_path, label_path = write_assignment_files(tmp_path / "out", images, labels)
    assert (image_path.name, label_path.name) == ("images.npy", "labels.npy")
    loaded_images, loaded_labels = load_clock_files(image_path, label_path)
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)
