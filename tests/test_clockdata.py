"""Users' clock data (safe loading, uploads, summaries, paths, session folders), the time-stratified split,
resizing, one rendered clock, and contact-sheet picks."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from core.clocks.contact_sheet import contact_sheet_indices, contact_sheet_minutes, time_captions
from core.clocks.dataset import balanced_times, random_time, render_one, split_by_time, write_assignment_files
from core.clocks.time import to_minutes
from core.clocks.userfiles import (
    MAX_UPLOAD_BYTES,
    ClockDataError,
    ClockPathError,
    UploadError,
    check_clock_files,
    data_summary,
    is_picture,
    load_clock_bytes,
    load_clock_files,
    load_clock_folder,
    prepare_upload,
    read_upload,
    resize_images,
    resolve_clock_paths,
    save_user_files,
    training_problem,
    user_files_dir,
)
from tests import bad_files
from tests.conftest import npy_bytes

UPLOADABLE = [name for name in bad_files.CASES if not name.startswith("missing")]


@pytest.mark.parametrize("case", list(bad_files.CASES))
def test_each_bad_file_is_refused_with_its_own_message(case, tmp_path):
    folder, fragment = bad_files.write_case(case, tmp_path / case)
    with pytest.raises(ClockDataError) as caught:
        load_clock_files(folder / "images.npy", folder / "labels.npy")
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize("case", UPLOADABLE)
def test_each_bad_upload_is_refused_with_its_own_message(case):
    images, labels, fragment = bad_files.case_bytes(case)
    with pytest.raises(ClockDataError) as caught:
        load_clock_bytes(images, labels)
    assert fragment in str(caught.value)


def test_bad_file_messages_differ_between_cases(tmp_path):
    messages = set()
    for folder, _ in bad_files.write_all(tmp_path).values():
        with pytest.raises(ClockDataError) as caught:
            load_clock_files(folder / "images.npy", folder / "labels.npy")
        messages.add(str(caught.value))
    assert len(messages) == len(bad_files.CASES)


def test_clock_data_error_is_a_value_error():
    assert issubclass(ClockDataError, ValueError)


def test_missing_images_file_names_the_path(tmp_path):
    with pytest.raises(ClockDataError, match="images file not found: .*nowhere.npy"):
        load_clock_files(tmp_path / "nowhere.npy", tmp_path / "labels.npy")


def test_a_size_limit_refuses_big_arrays_before_reading_them(tmp_path):
    images, labels = bad_files.valid_arrays()
    write_assignment_files(tmp_path, images, labels)
    with pytest.raises(ClockDataError, match="over the 1,000-byte limit"):
        load_clock_files(tmp_path / "images.npy", tmp_path / "labels.npy", max_bytes=1000)


@pytest.mark.parametrize("size", [75, 150])
def test_valid_files_round_trip_through_write_assignment_files(tmp_path, size):
    images, labels = bad_files.valid_arrays(n=4, size=size)
    image_path, label_path = write_assignment_files(tmp_path, images, labels)
    loaded_images, loaded_labels = load_clock_files(image_path, label_path)
    assert loaded_images.dtype == np.uint8 and loaded_labels.dtype == np.int64
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)
    assert loaded_images.flags.writeable


def test_written_files_are_plain_npy_that_numpy_loads_without_pickle(tmp_path):
    images, labels = bad_files.valid_arrays(n=3)
    image_path, label_path = write_assignment_files(tmp_path, images, labels)
    np.testing.assert_array_equal(np.load(image_path, allow_pickle=False), images)
    assert np.load(label_path, allow_pickle=False).dtype == np.int64


def test_folder_loading_reads_both_files(tmp_path):
    images, labels = bad_files.valid_arrays(n=3)
    write_assignment_files(tmp_path, images, labels)
    loaded_images, _ = load_clock_folder(tmp_path)
    np.testing.assert_array_equal(loaded_images, images)


def test_fortran_ordered_and_big_endian_files_load_with_the_right_values():
    images, labels = bad_files.valid_arrays(n=3)
    image_buffer, label_buffer = io.BytesIO(), io.BytesIO()
    np.save(image_buffer, np.asfortranarray(images))
    np.save(label_buffer, labels.astype(">i4"))
    loaded_images, loaded_labels = load_clock_bytes(image_buffer.getvalue(), label_buffer.getvalue())
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)
    assert loaded_images.flags.c_contiguous and loaded_labels.dtype == np.int64


def test_small_integer_label_dtypes_are_accepted():
    images, labels = bad_files.valid_arrays(n=3)
    image_buffer, label_buffer = io.BytesIO(), io.BytesIO()
    np.save(image_buffer, images)
    np.save(label_buffer, labels.astype(np.uint8))
    assert load_clock_bytes(image_buffer.getvalue(), label_buffer.getvalue())[1].dtype == np.int64


def test_split_of_18000_balanced_clocks_is_exactly_14400_and_3600():
    train, test = split_by_time(balanced_times(18000, seed=0), test_fraction=0.2, seed=0)
    assert (len(train), len(test)) == (14400, 3600)


def test_split_parts_are_disjoint_and_cover_every_image():
    labels = balanced_times(1500, seed=3)
    train, test = split_by_time(labels, seed=1)
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(1500))


def test_split_puts_every_time_seen_twice_in_both_parts():
    labels = balanced_times(1500, seed=3)  # every time 2 or 3 times
    train, test = split_by_time(labels, test_fraction=0.1, seed=1)
    minutes = labels[:, 0] * 60 + labels[:, 1]
    assert len(np.unique(minutes[train])) == 720
    assert len(np.unique(minutes[test])) == 720


def test_split_keeps_a_time_seen_once_in_train():
    labels = np.array([[3, 15], [3, 15], [7, 0]])
    train, test = split_by_time(labels, seed=0)
    assert 2 in train and len(test) == 1


def test_split_is_seeded():
    labels = balanced_times(1440, seed=0)
    first, again, other = (split_by_time(labels, seed=s)[1] for s in (5, 5, 6))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_split_refuses_a_fraction_outside_0_1():
    with pytest.raises(ValueError, match="test_fraction"):
        split_by_time(balanced_times(720, seed=0), test_fraction=1.0)


def test_resize_150_to_75_averages_2x2_blocks():
    images = np.random.default_rng(0).integers(0, 256, size=(2, 150, 150), dtype=np.uint8)
    resized = resize_images(images, 75)
    expected = np.rint(images.reshape(2, 75, 2, 75, 2).astype(np.float64).mean(axis=(2, 4)))
    assert resized.dtype == np.uint8 and resized.shape == (2, 75, 75)
    assert np.abs(resized.astype(int) - expected.astype(int)).max() <= 1


def test_resize_75_to_150_repeats_pixels():
    images = np.random.default_rng(1).integers(0, 256, size=(2, 75, 75), dtype=np.uint8)
    np.testing.assert_array_equal(resize_images(images, 150), images.repeat(2, axis=1).repeat(2, axis=2))


def test_resize_to_another_size_keeps_a_flat_image_flat():
    flat = np.full((1, 150, 150), 77, dtype=np.uint8)
    resized = resize_images(flat, 64)
    assert resized.shape == (1, 64, 64) and np.all(resized == 77)


def test_a_set_with_each_time_once_still_splits_about_80_20():
    train, test = split_by_time(balanced_times(720, seed=0), 0.2, seed=0)
    assert len(train) + len(test) == 720
    assert 100 <= len(test) <= 190
    assert not set(train.tolist()) & set(test.tolist())


# ---- uploaded clock images -----------------------------------------------------------------------


def test_an_uploaded_npy_image_is_resized_to_the_model_input():
    image = np.random.default_rng(0).integers(0, 255, (150, 150), dtype=np.uint8)
    assert prepare_upload(npy_bytes(image), "clock.npy", 150).tolist() == image.tolist()
    assert prepare_upload(npy_bytes(image[None]), "clock.npy", 75).shape == (75, 75)


def test_an_uploaded_npy_image_of_any_allowed_side_is_cropped_square_and_resized():
    image = np.random.default_rng(1).integers(0, 255, (40, 60), dtype=np.uint8)
    assert prepare_upload(npy_bytes(image), "clock.npy", 40).tolist() == image[:, 10:50].tolist()


def test_an_uploaded_png_becomes_a_grayscale_square():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (255, 0, 0)).save(buffer, format="PNG")
    image = prepare_upload(buffer.getvalue(), "clock.png", 150)
    assert image.shape == (150, 150) and image.dtype == np.uint8 and int(image[0, 0]) == 76  # red in grayscale


def picture_bytes(image: np.ndarray, fmt: str = "PNG", orientation: int | None = None) -> bytes:
    from PIL import Image

    picture = Image.fromarray(image)
    buffer = io.BytesIO()
    if orientation is None:
        picture.save(buffer, format=fmt)
    else:
        exif = picture.getexif()
        exif[0x0112] = orientation
        picture.save(buffer, format=fmt, exif=exif)
    return buffer.getvalue()


def photo_of_a_small_clock() -> np.ndarray:
    """A 300x400 'photo': a 100 px rendered clock (its dial 90 px wide) near the top-right corner of a plain wall."""
    picture = np.full((300, 400), 200, np.uint8)
    picture[40:140, 250:350] = render_one(200, 100, "easy", 1)
    return picture


def test_an_uploaded_photo_is_cut_around_its_dial_not_the_centre_square():
    from core.clocks.photo import FILL

    image = prepare_upload(picture_bytes(photo_of_a_small_clock()), "wall.png", 150)
    assert image.shape == (150, 150) and image.dtype == np.uint8
    dial = np.abs(image.astype(int) - int(image[0, 0])) > 30  # what differs from the wall
    columns = np.flatnonzero(dial.any(axis=0))
    assert (columns.max() - columns.min() + 1) / 150 == pytest.approx(FILL, rel=0.1)
    assert abs((columns.min() + columns.max()) / 2 - 74.5) <= 3  # in the middle (the centre square cuts it off)


def test_zoom_and_shift_change_the_uploaded_photos_cut():
    data = picture_bytes(photo_of_a_small_clock())
    found = prepare_upload(data, "wall.png", 75)
    assert not np.array_equal(prepare_upload(data, "wall.png", 75, zoom=1.5), found)
    assert not np.array_equal(prepare_upload(data, "wall.png", 75, shift=(0.2, 0.0)), found)


def test_an_uploaded_jpeg_is_turned_upright_by_its_exif_orientation():
    sideways = np.zeros((40, 80), np.uint8)
    sideways[:, :20] = 255  # a bright band on the left, as stored
    assert read_upload(picture_bytes(sideways, "JPEG", orientation=6), "phone.jpg").shape == (80, 40)
    upright = read_upload(picture_bytes(sideways, "JPEG", orientation=6), "phone.jpg")
    assert upright[:20].mean() > 200 and upright[-20:].mean() < 50  # turned clockwise: the band is on top


def test_npy_uploads_are_not_pictures_and_keep_their_centre_square():
    assert not is_picture("clock.NPY") and is_picture("clock.jpeg") and is_picture("clock.png")
    image = np.random.default_rng(2).integers(0, 255, (60, 80), dtype=np.uint8)
    assert prepare_upload(npy_bytes(image), "clock.npy", 60, zoom=2.0).tolist() == image[:, 10:70].tolist()


@pytest.mark.parametrize(
    "data, name, message",
    [
        (npy_bytes(np.zeros((150, 150), np.float32)), "x.npy", "uint8"),
        (npy_bytes(np.zeros((4, 150, 150), np.uint8)), "x.npy", "one grayscale image"),
        (npy_bytes(np.zeros((8, 8), np.uint8)), "x.npy", "between 16 and 4096"),
        (b"not an array", "x.npy", "not a readable .npy"),
        (b"\x80\x04\x95" + b"\x00" * 64, "x.npy", "not a readable .npy array .*Python pickle"),
        (npy_bytes(np.zeros((150, 150), np.uint8))[:-10], "x.npy", "not a readable .npy array .*truncated"),
        (b"not a picture", "x.png", "not a PNG or JPEG"),
        (b"", "x.png", "empty"),
        (b"\0" * (MAX_UPLOAD_BYTES + 1), "x.png", "the limit is 5 MB"),
    ],
)
def test_bad_uploads_raise_an_upload_error_naming_the_problem(data, name, message):
    with pytest.raises(UploadError, match=message):
        prepare_upload(data, name, 150)


def test_an_upload_error_is_a_clock_data_error():
    assert issubclass(UploadError, ClockDataError)


# ---- what a user's files hold, where they live ---------------------------------------------------


def test_data_summary_counts_coverage_and_images_per_hour():
    labels = np.array([[0, 0], [0, 0], [12, 30], [5, 59]])  # hour 12 counts as 0
    images = np.zeros((4, 20, 30), np.uint8)
    summary = data_summary(images, labels)
    assert (summary["count"], summary["height"], summary["width"]) == (4, 20, 30)
    assert summary["distinct_times"] == 3
    assert summary["per_time_max"] == 2 and summary["per_time_min"] == 0
    assert summary["per_hour"].tolist() == [3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert summary["times_seen_twice"] == 1


def test_training_problem_refuses_too_few_images():
    few = data_summary(np.zeros((3, 4, 4), np.uint8), np.array([[1, 0], [2, 0], [3, 0]]))
    labels = np.stack([np.arange(60) % 12, np.arange(60)], axis=1)
    enough = data_summary(np.zeros((60, 4, 4), np.uint8), labels)
    assert "only 3 images" in training_problem(few)
    assert "a test split (20%)" in training_problem(few)
    assert training_problem(enough) == ""


def test_save_user_files_writes_the_assignment_format_under_the_session_folder(tmp_path):
    images, labels = np.full((3, 8, 8), 7, np.uint8), np.array([[1, 2], [3, 4], [5, 6]])
    folder = save_user_files("abc123", images, labels, root=tmp_path)
    assert folder == tmp_path / "uploads" / "abc123"
    assert np.array_equal(np.load(folder / "images.npy", allow_pickle=False), images)
    assert np.load(folder / "labels.npy", allow_pickle=False).dtype == np.int64


def test_user_files_dir_refuses_a_session_id_that_could_escape_the_folder(tmp_path):
    with pytest.raises(ValueError, match="session id"):
        user_files_dir("../x", root=tmp_path)


def test_resolve_clock_paths_accepts_a_folder_or_the_images_file(tmp_path):
    (tmp_path / "images.npy").write_bytes(b"x")
    (tmp_path / "labels.npy").write_bytes(b"y")
    expected = (tmp_path / "images.npy", tmp_path / "labels.npy")
    assert resolve_clock_paths(str(tmp_path)) == expected
    assert resolve_clock_paths(str(tmp_path / "images.npy")) == expected


@pytest.mark.parametrize(
    "setup, message",
    [("nothing", "no such file or folder"), ("no labels", "missing file"), ("empty", "enter a folder")],
)
def test_resolve_clock_paths_names_the_problem(tmp_path: Path, setup, message):
    if setup == "no labels":
        (tmp_path / "images.npy").write_bytes(b"x")
    text = {"nothing": str(tmp_path / "gone.npy"), "no labels": str(tmp_path), "empty": "  "}[setup]
    with pytest.raises(ClockPathError, match=message):
        resolve_clock_paths(text)


# ---- one clock, contact sheets -------------------------------------------------------------------


def test_render_one_draws_the_asked_time_at_the_asked_size():
    image = render_one(210, size=48, difficulty="easy", seed=3)
    assert image.shape == (48, 48) and image.dtype == np.uint8 and image.std() > 10


def test_random_time_is_reproducible_and_on_the_dial():
    assert random_time(5) == random_time(5)
    assert all(0 <= random_time(seed) < 720 for seed in range(20))


def test_contact_sheet_minutes_are_distinct_sorted_and_cover_the_dial():
    minutes = contact_sheet_minutes(24, seed=3)
    assert len(set(minutes.tolist())) == 24
    assert np.all(np.diff(minutes) > 0)
    assert np.bincount(minutes // 60, minlength=12).tolist() == [2] * 12
    assert np.array_equal(minutes, contact_sheet_minutes(24, seed=3))


def test_contact_sheet_indices_spread_over_the_times_in_order():
    labels = np.stack([np.repeat(np.arange(12), 60), np.tile(np.arange(60), 12)], axis=1)
    picks = contact_sheet_indices(labels, 12)
    minutes = to_minutes(labels[picks])
    assert len(picks) == 12 and np.all(np.diff(minutes) > 0)
    assert minutes[0] < 60 and minutes[-1] >= 660


def test_contact_sheet_indices_return_everything_when_there_are_few_images():
    labels = np.array([[3, 0], [1, 0]])
    assert contact_sheet_indices(labels, 24).tolist() == [1, 0]


def test_time_captions_read_like_a_clock():
    assert time_captions(np.array([0, 210, 719])) == ["12:00", "3:30", "11:59"]


def test_checking_files_reads_every_label_but_no_pixel(tmp_path, monkeypatch):
    images, labels = bad_files.valid_arrays()
    write_assignment_files(tmp_path, images, labels)
    assert check_clock_files(tmp_path / "images.npy", tmp_path / "labels.npy") == len(images)
    np.save(tmp_path / "labels.npy", np.c_[labels[:, :1], labels[:, 1:] + 60])
    with pytest.raises(ClockDataError, match="minute values must be 0-59"):
        check_clock_files(tmp_path / "images.npy", tmp_path / "labels.npy")
    reads = []
    monkeypatch.setattr(np, "empty", lambda *a, **k: reads.append(a) or np.zeros(*a, **k))
    np.save(tmp_path / "labels.npy", labels)
    check_clock_files(tmp_path / "images.npy", tmp_path / "labels.npy")
    assert [shape for shape in reads if shape[0] == images.size] == []
