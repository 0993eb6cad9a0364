"""A drawing becomes an MNIST-style input: ink's bounding box scaled to 20 px, its centre of mass at the centre."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.drawing import BOX, CENTRE, SIDE, EmptyDrawingError, centre_of_mass, is_blank, mnist_input, to_grayscale


def canvas(height: int = 280, width: int = 280) -> np.ndarray:
    """An empty canvas as streamlit-drawable-canvas returns it: opaque black RGBA."""
    image = np.zeros((height, width, 4), np.uint8)
    image[..., 3] = 255
    return image


def test_a_blob_off_to_one_side_lands_with_its_centre_of_mass_at_the_centre() -> None:
    drawing = canvas()
    drawing[20:90, 180:230, :3] = 255  # a white blob in the top right corner
    image = mnist_input(drawing)
    assert image.shape == (SIDE, SIDE) and image.dtype == np.uint8
    row, col = centre_of_mass(image)
    assert abs(row - CENTRE) <= 0.5 and abs(col - CENTRE) <= 0.5


def test_an_l_shaped_stroke_is_centred_by_mass_not_by_its_box() -> None:
    drawing = canvas()
    drawing[40:240, 60:90, :3] = 255  # a long vertical bar
    drawing[210:240, 60:200, :3] = 255  # and a foot to the right: the mass sits low and left of the box centre
    image = mnist_input(drawing)
    row, col = centre_of_mass(image)
    assert abs(row - CENTRE) <= 0.5 and abs(col - CENTRE) <= 0.5
    rows = np.flatnonzero(image.max(axis=1) > 16)
    cols = np.flatnonzero(image.max(axis=0) > 16)
    box_centre = ((rows[0] + rows[-1]) / 2, (cols[0] + cols[-1]) / 2)
    assert box_centre[0] < CENTRE - 1 and box_centre[1] > CENTRE + 1


def test_the_bounding_box_is_scaled_to_20_pixels_keeping_its_aspect() -> None:
    drawing = canvas()
    drawing[40:240, 120:160, :3] = 255  # 200 tall, 40 wide: 20 x 4 after scaling
    image = mnist_input(drawing)
    rows = np.flatnonzero(image.max(axis=1) > 64)
    cols = np.flatnonzero(image.max(axis=0) > 64)
    assert rows[-1] - rows[0] + 1 == BOX
    assert 3 <= cols[-1] - cols[0] + 1 <= 5


def test_an_empty_canvas_raises_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="canvas is empty"):
        mnist_input(canvas())
    with pytest.raises(EmptyDrawingError):
        mnist_input(np.zeros((28, 28), np.uint8))


def test_blank_means_none_or_black_rgb_whatever_the_alpha() -> None:
    assert is_blank(None) and is_blank(canvas())
    transparent = np.zeros((10, 10, 4), np.uint8)
    assert is_blank(transparent)
    drawn = canvas(10, 10)
    drawn[4, 4, :3] = 255
    assert not is_blank(drawn)


def test_grayscale_composites_alpha_over_black() -> None:
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[0, 0, 3], rgba[0, 1, 3] = 255, 0
    gray = to_grayscale(rgba)
    assert gray[0, 0] == 255 and gray[0, 1] == 0
    with pytest.raises(ValueError, match="grayscale, RGB or RGBA"):
        to_grayscale(np.zeros((4, 4, 2), np.uint8))
