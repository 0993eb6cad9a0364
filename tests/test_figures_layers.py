"""Figures of a network's insides, checked by trace name and by the data they carry."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image, ImageColor

from core.evaluation.activations import LayerOutput
from core.figures import enlarged_map, feature_maps, layer_strip, polar_pair, prediction_bars, weight_tiles
from core.figures.layers import coloured, enlarged_pixels, mosaic
from core.figures.theme import NEUTRAL, colour


def traces(fig) -> dict:
    return {trace.name: trace for trace in fig.data}


def tiles_of(fig, layer: str) -> np.ndarray:
    """The customdata (channel, strongest value) of a layer's clickable tiles."""
    return np.asarray(next(trace for trace in fig.data if trace.meta == layer).customdata)


def picture_of(trace) -> np.ndarray:
    """An image trace's PNG source as an RGB array."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(trace.source.split(",", 1)[1]))).convert("RGB"))


def strip_layers() -> list[LayerOutput]:
    """Maps whose channel c holds the value c everywhere, so each tile in the picture has its own colour."""
    rng = np.random.default_rng(0)
    return [
        LayerOutput("conv_0", "conv", np.broadcast_to(np.arange(32.0), (6, 6, 32))),
        LayerOutput("pool_0", "pool", rng.random((3, 3, 8))),
        LayerOutput("dense_0", "dense", rng.random(10)),
        LayerOutput("label", "output", np.array([0.1, 0.7, 0.2])),
    ]


def test_mosaic_tiles_maps_with_blank_gaps_and_knows_which_cell_is_which_tile() -> None:
    values, index = mosaic(np.arange(12, dtype=float).reshape(3, 2, 2), columns=2)
    assert values.shape == (5, 5) and index.shape == (5, 5)
    assert np.isnan(values[2]).all() and np.isnan(values[:, 2]).all()
    assert index[0, 0] == 0 and index[0, 3] == 1 and index[3, 0] == 2 and index[3, 3] == -1
    np.testing.assert_array_equal(values[3:, :2], [[8, 9], [10, 11]])


def test_the_layer_strip_is_one_picture_with_the_input_each_layer_and_the_prediction_laid_over_it() -> None:
    image = np.arange(36, dtype=np.uint8).reshape(6, 6)
    fig = layer_strip(image, strip_layers(), class_names=["a", "b", "c"])
    assert [trace.name for trace in fig.data] == [
        "strip",
        "input",
        "conv_0 channels",
        "pool_0 channels",
        "dense_0",
        "prediction",
    ]
    by_name = traces(fig)
    picture = picture_of(by_name["strip"])
    assert picture.shape[:2] == (fig.layout.yaxis.range[0], fig.layout.xaxis.range[1])  # one pixel a unit
    np.testing.assert_array_equal(np.asarray(by_name["input"].z), image)
    dense = np.asarray(by_name["dense_0"].z, dtype=float)
    np.testing.assert_allclose(dense[np.isfinite(dense)], strip_layers()[2].values, rtol=1e-6)
    prediction = by_name["prediction"]
    assert list(prediction.text) == ["a", "b", "c"]
    np.testing.assert_allclose(prediction.customdata, [0.1, 0.7, 0.2], rtol=1e-6)


def test_the_prediction_bars_are_drawn_with_the_top_class_in_the_strong_colour() -> None:
    fig = layer_strip(np.zeros((6, 6), np.uint8), strip_layers(), ["a", "b", "c"])
    picture, bars = picture_of(traces(fig)["strip"]), traces(fig)["prediction"]
    strong, neutral = ImageColor.getrgb(colour(0)), ImageColor.getrgb(NEUTRAL)
    colours = [tuple(picture[round(y), round(x)]) for x, y in zip(bars.x, bars.y)]  # each bar's middle
    assert colours == [neutral, strong, neutral]


def test_each_shown_map_is_a_clickable_point_on_its_own_tile_in_the_picture() -> None:
    fig = layer_strip(np.zeros((6, 6), np.uint8), strip_layers(), ["a", "b", "c"])
    conv = tiles_of(fig, "conv_0")
    assert list(conv[:, 0]) == list(range(1, 17))  # the first 16 of 32 maps, numbered from 1
    np.testing.assert_allclose(conv[:, 1], np.arange(16.0))  # channel c's strongest value is c
    assert list(tiles_of(fig, "pool_0")[:, 0]) == list(range(1, 9))
    picture = picture_of(traces(fig)["strip"])
    points = next(trace for trace in fig.data if trace.meta == "conv_0")
    under = [tuple(picture[int(y), int(x)]) for x, y in zip(points.x, points.y)]
    expected = [tuple(colour) for colour in coloured(np.arange(16.0)[None])[0, :, :3]]
    assert under == expected  # tile c is drawn in channel c's colour, right under its point


def test_the_next_page_of_channels_shows_maps_17_to_32() -> None:
    fig = layer_strip(np.zeros((6, 6)), strip_layers(), ["a", "b", "c"], first_channel=16)
    assert list(tiles_of(fig, "conv_0")[:, 0]) == list(range(17, 33))
    # a layer with fewer channels shows its last page rather than nothing
    assert list(tiles_of(fig, "pool_0")[:, 0]) == list(range(1, 9))


def test_maps_are_pictured_in_the_sequential_colours_with_gaps_transparent() -> None:
    rgba = coloured(np.array([[0.0, 2.0], [np.nan, 1.0]]))
    assert rgba.shape == (2, 2, 4) and rgba.dtype == np.uint8
    assert rgba[0, 0, :3].tolist() == [68, 1, 84] and rgba[0, 1, :3].tolist() == [253, 231, 37]  # viridis' ends
    assert rgba[1, 0, 3] == 0 and (rgba[[0, 0, 1], [0, 1, 1], 3] == 255).all()


def test_prediction_bars_mark_the_top_class() -> None:
    fig = prediction_bars(np.array([0.1, 0.7, 0.2]), ["cat", "dog", "cow"])
    bar = traces(fig)["prediction"]
    assert list(bar.y) == ["cat", "dog", "cow"] and bar.marker.color[1] != bar.marker.color[0]
    with pytest.raises(ValueError, match="3 probabilities for 2 classes"):
        prediction_bars(np.ones(3) / 3, ["a", "b"])


def test_weight_tiles_are_centred_on_zero_and_named_by_unit() -> None:
    tiles = np.stack([np.full((4, 4), -2.0), np.full((4, 4), 1.0)])
    heat = traces(weight_tiles(tiles, [80, 299], title="units"))["weights"]
    assert heat.zmid == 0 and heat.zmin == -2 and heat.zmax == 2
    assert {int(c) for c in np.asarray(heat.customdata).ravel() if c >= 0} == {80, 299}
    with pytest.raises(ValueError, match="2 tiles but 1 labels"):
        weight_tiles(tiles, [1])


def test_feature_maps_and_an_enlarged_map_carry_the_values() -> None:
    values = np.random.default_rng(1).random((4, 12, 20))
    heat = traces(feature_maps(values, first=8, count=8, name="polar_conv_0", columns=2))["polar_conv_0"]
    assert {int(c) for c in np.asarray(heat.customdata).ravel() if c >= 0} == set(range(9, 17))
    big = traces(enlarged_map(values[..., 3], title="one"))["feature map"]
    np.testing.assert_array_equal(np.asarray(big.z), values[..., 3])
    with pytest.raises(ValueError, match="one map"):
        enlarged_map(values)


def test_the_polar_pair_shows_the_clock_and_its_polar_image_in_degrees_from_12() -> None:
    fig = polar_pair(np.zeros((20, 20)), np.ones((4, 12)), turn_deg=90)
    by_name = traces(fig)
    assert set(by_name) == {"clock", "polar"}
    np.testing.assert_allclose(by_name["polar"].x, np.arange(12) * 30.0)
    assert any(shape.x0 == 90 for shape in fig.layout.shapes)


def test_enlarged_pixels_are_square_blocks_of_the_same_values() -> None:
    image = np.arange(4, dtype=np.uint8).reshape(2, 2)
    big = enlarged_pixels(image, side=8)
    assert big.shape == (8, 8) and (big[:4, :4] == 0).all() and (big[4:, 4:] == 3).all()
    assert enlarged_pixels(np.zeros((32, 32, 3)), side=224).shape == (224, 224, 3)
    with pytest.raises(ValueError, match="one grayscale image"):
        enlarged_pixels(np.zeros((2, 28, 28)))


def test_a_weight_picture_is_one_rgb_mosaic_red_for_positive_blue_for_negative():
    from core.figures.layers import weight_picture

    tiles = np.zeros((2, 4, 4))
    tiles[0] += 1.0
    tiles[1] -= 1.0
    tiles[1, 0, 0] = np.nan
    picture = weight_picture(tiles, columns=2, tile_px=8)
    assert picture.dtype == np.uint8 and picture.shape == (8, 18, 3)
    red, blue = picture[4, 4], picture[4, 14]
    assert red[0] > red[2] and blue[2] > blue[0]
    assert (picture[0, 10] == 255).all()  # the blank (NaN) weight
