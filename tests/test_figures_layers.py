"""Figures of a network's insides, checked by trace name and by the data they carry."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.activations import LayerOutput
from core.figures import enlarged_map, feature_maps, layer_strip, pixel_image, polar_pair, prediction_bars, weight_tiles
from core.figures.layers import mosaic


def traces(fig) -> dict:
    return {trace.name: trace for trace in fig.data}


def strip_layers() -> list[LayerOutput]:
    rng = np.random.default_rng(0)
    return [
        LayerOutput("conv_0", "conv", rng.random((6, 6, 32))),
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


def test_the_layer_strip_has_the_input_each_layer_and_the_prediction() -> None:
    image = np.zeros((6, 6), np.uint8)
    fig = layer_strip(image, strip_layers(), class_names=["a", "b", "c"])
    assert [trace.name for trace in fig.data] == ["input", "conv_0", "pool_0", "dense_0", "prediction"]
    by_name = traces(fig)
    assert by_name["prediction"].type == "bar" and list(by_name["prediction"].y) == ["a", "b", "c"]
    conv_channels = {int(c) for c in np.asarray(by_name["conv_0"].customdata).ravel() if c >= 0}
    assert conv_channels == set(range(1, 17))  # the first 16 of 32 maps, numbered from 1
    assert {int(c) for c in np.asarray(by_name["pool_0"].customdata).ravel() if c >= 0} == set(range(1, 9))
    dense = np.asarray(by_name["dense_0"].z, dtype=float)
    np.testing.assert_allclose(dense[np.isfinite(dense)], strip_layers()[2].values)


def test_the_next_page_of_channels_shows_maps_17_to_32() -> None:
    fig = layer_strip(np.zeros((6, 6)), strip_layers(), ["a", "b", "c"], first_channel=16)
    conv = traces(fig)["conv_0"]
    assert {int(c) for c in np.asarray(conv.customdata).ravel() if c >= 0} == set(range(17, 33))
    assert any("17-32 of 32" in annotation.text for annotation in fig.layout.annotations)
    pool = traces(fig)["pool_0"]  # a layer with fewer channels shows its last page rather than nothing
    assert {int(c) for c in np.asarray(pool.customdata).ravel() if c >= 0} == set(range(1, 9))


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


def test_pixel_image_wants_one_grayscale_image() -> None:
    assert traces(pixel_image(np.zeros((28, 28), np.uint8)))["input"].zmax == 255
    with pytest.raises(ValueError, match="one grayscale image"):
        pixel_image(np.zeros((2, 28, 28)))
