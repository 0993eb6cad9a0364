"""Charts drawn as one picture: the probe's confusion matrix and a captioned gallery, checked by their pixels."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from core.figures.pictures import CONFUSION_SCALE, captioned_tiles, colour_table, confusion_picture, picture_uri


def pixels_of(picture: np.ndarray, rgb) -> int:
    """How many pixels of a picture are exactly one colour."""
    return int(np.all(picture == np.asarray(rgb, np.uint8), axis=-1).sum())


def test_a_confusion_picture_colours_each_cell_by_its_share_of_the_true_class() -> None:
    picture = confusion_picture(np.array([[4, 0], [2, 2]]), ["a", "b"], title="epoch 1")
    table = colour_table(CONFUSION_SCALE)
    assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[-1] == 3
    whole, half, none = table[255], table[128], table[0]  # 4 of 4, 2 of 4 (twice), 0 of 4
    cell_area = pixels_of(picture, whole)
    assert cell_area > 30 * 30  # one cell, less the count written in it
    assert pixels_of(picture, half) > 1.8 * cell_area
    assert pixels_of(picture, none) > 0.8 * cell_area


def test_a_confusion_picture_needs_one_label_per_row() -> None:
    with pytest.raises(ValueError, match="must be 3x3 for 3 labels"):
        confusion_picture(np.zeros((2, 2)), ["a", "b", "c"])


def test_captioned_tiles_enlarge_each_image_in_square_blocks_above_its_caption() -> None:
    images = np.full((3, 4, 4), 255, np.uint8)
    images[:, 0, 0] = 0  # one black pixel each: a black 21x21 block at 84 px
    picture = captioned_tiles(images, ["one", "two\nlines", "three"], tile_px=84, columns=2)
    assert pixels_of(picture, (0, 0, 0)) == 3 * 21 * 21
    rows, columns = 2, 2
    assert picture.shape[0] >= rows * (84 + 2 * 14) and picture.shape[1] >= columns * 84
    with pytest.raises(ValueError, match="captions"):
        captioned_tiles(images, ["only one"])


def test_a_picture_travels_as_a_png_data_uri_of_the_same_pixels() -> None:
    picture = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    uri = picture_uri(picture)
    assert uri.startswith("data:image/png;base64,")
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))
    np.testing.assert_array_equal(decoded, picture)
