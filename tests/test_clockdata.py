"""Loading the assignment's clock files safely, the time-stratified split, and resizing."""

from __future__ import annotations

import io

import numpy as np
import pytest

from core.clocks.dataset import balanced_times, split_by_time, write_assignment_files
from core.clocks.userfiles import ClockDataError, load_clock_bytes, load_clock_files, load_clock_folder, resize_images
from tests import bad_files

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
    for case, (folder, _) in bad_files.write_all(tmp_path).items():
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
    labels = balanced_times(1500, seed=3)        # every time 2 or 3 times
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
