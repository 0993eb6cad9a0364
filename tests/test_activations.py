"""Every layer for one image: the probe skips what does nothing at inference, values match NumPy oracles, weights
become pictures (un-permuted when asked), and the polar view is the PolarResample layer's own sampling."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.permutation import permute_images, pixel_permutation
from core.evaluation import activations


@pytest.fixture(scope="module")
def tiny_cnn():
    """8x8 input -> rescale -> flip -> conv(4) -> BN -> ReLU -> pool -> dropout -> flatten -> dense(5) -> ReLU -> softmax(3)."""
    import keras

    keras.utils.set_random_seed(0)
    image = keras.Input((8, 8, 1), name="image")
    x = keras.layers.Rescaling(1 / 255, name="rescale")(image)
    x = keras.layers.RandomFlip("horizontal", name="aug_flip")(x)
    x = keras.layers.Conv2D(4, 3, padding="same", name="conv_0")(x)
    x = keras.layers.BatchNormalization(name="conv_0_bn")(x)
    x = keras.layers.Activation("relu", name="conv_0_act")(x)
    x = keras.layers.MaxPooling2D(name="pool_0")(x)
    x = keras.layers.Dropout(0.5, name="dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(5, name="hidden")(x)
    x = keras.layers.Activation("relu", name="hidden_act")(x)
    output = keras.layers.Dense(3, activation="softmax", name="label")(x)
    return keras.Model(image, output)


@pytest.fixture(scope="module")
def tiny_mlp():
    """A 4x4-pixel MLP whose 6 first-layer units have weight norms 1..6 (unit 5 strongest)."""
    import keras

    image = keras.Input((4, 4, 1), name="image")
    x = keras.layers.Flatten(name="flatten")(image)
    x = keras.layers.Dense(6, name="dense_0")(x)
    output = keras.layers.Dense(2, activation="softmax", name="label")(x)
    model = keras.Model(image, output)
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(16, 6))
    kernel *= np.arange(1, 7) / np.linalg.norm(kernel, axis=0)
    model.get_layer("dense_0").set_weights([kernel.astype("float32"), np.zeros(6, "float32")])
    return model


def image8() -> np.ndarray:
    return np.random.default_rng(2).integers(0, 256, (8, 8)).astype(np.uint8)


def correlate_same(image: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The NumPy oracle of a 'same' 3x3 convolution (Keras' cross-correlation) on one channel."""
    padded = np.pad(image, 1)
    out = np.zeros(image.shape + (kernel.shape[-1],))
    for row in range(image.shape[0]):
        for col in range(image.shape[1]):
            out[row, col] = np.tensordot(padded[row : row + 3, col : col + 3], kernel[:, :, 0, :], axes=2)
    return out + bias


def test_the_probe_skips_input_rescaling_augmentation_and_dropout(tiny_cnn) -> None:
    probe = activations.build_probe(tiny_cnn)
    assert probe.names == ["conv_0", "conv_0_bn", "conv_0_act", "pool_0", "flatten", "hidden", "hidden_act", "label"]
    assert probe.kinds == ["conv", "norm", "activation", "pool", "reshape", "dense", "activation", "output"]
    assert probe.input_shape == (8, 8)


def test_layer_outputs_match_the_model_and_a_numpy_convolution(tiny_cnn) -> None:
    from keras.ops import convert_to_numpy  # torch outputs carry gradients: np.asarray cannot read them

    image = image8()
    outputs = {layer.name: layer for layer in activations.layer_outputs(activations.build_probe(tiny_cnn), image)}
    kernel, bias = tiny_cnn.get_layer("conv_0").get_weights()
    np.testing.assert_allclose(outputs["conv_0"].values, correlate_same(image / 255.0, kernel, bias), atol=1e-5)
    assert outputs["conv_0"].values.shape == (8, 8, 4) and outputs["pool_0"].values.shape == (4, 4, 4)
    expected = convert_to_numpy(tiny_cnn(image[None, :, :, None].astype("float32"), training=False))[0]
    np.testing.assert_allclose(outputs["label"].values, expected, atol=1e-6)
    assert activations.output_dict(list(outputs.values()))["label"].shape == (1, 3)


def test_the_strip_shows_each_block_after_its_activation_under_the_blocks_name(tiny_cnn) -> None:
    outputs = activations.layer_outputs(activations.build_probe(tiny_cnn), image8())
    by_name = {layer.name: layer for layer in outputs}
    strip = activations.strip_layers(outputs)
    assert [(layer.name, layer.kind) for layer in strip] == [
        ("conv_0", "conv"),
        ("pool_0", "pool"),
        ("hidden", "dense"),
        ("label", "output"),
    ]
    np.testing.assert_array_equal(strip[0].values, by_name["conv_0_act"].values)
    assert strip[0].values.min() >= 0 and strip[0].is_map and not strip[2].is_map


def test_a_wrong_sized_image_is_refused_in_one_sentence(tiny_cnn) -> None:
    with pytest.raises(ValueError, match="takes one 8x8 grayscale image"):
        activations.layer_outputs(activations.build_probe(tiny_cnn), np.zeros((28, 28), np.uint8))


def test_first_conv_filters_are_its_kernels_as_images(tiny_cnn, tiny_mlp) -> None:
    filters, name = activations.conv_filters(tiny_cnn)
    kernel = tiny_cnn.get_layer("conv_0").get_weights()[0]
    assert name == "conv_0" and filters.shape == (4, 3, 3)
    np.testing.assert_array_equal(filters[2], kernel[:, :, 0, 2])
    assert activations.conv_filters(tiny_mlp) is None


def test_mlp_weight_tiles_pick_the_strongest_units_first(tiny_mlp, tiny_cnn) -> None:
    tiles, units = activations.dense_weight_tiles(tiny_mlp, count=3)
    assert list(units) == [5, 4, 3] and tiles.shape == (3, 4, 4)
    kernel = tiny_mlp.get_layer("dense_0").get_weights()[0]
    np.testing.assert_array_equal(tiles[0].reshape(-1), kernel[:, 5])
    assert activations.dense_weight_tiles(tiny_cnn) is None  # its first dense layer reads feature maps, not pixels


def test_unpermuted_weights_respond_to_the_original_image_as_the_raw_ones_to_the_permuted_one(tiny_mlp) -> None:
    perm = pixel_permutation(7, 16)
    image = np.random.default_rng(3).random((4, 4))
    raw, _ = activations.dense_weight_tiles(tiny_mlp, count=6)
    restored, _ = activations.dense_weight_tiles(tiny_mlp, count=6, perm=perm)
    permuted = permute_images(image[None], perm)[0]
    np.testing.assert_allclose((raw * permuted).sum(axis=(1, 2)), (restored * image).sum(axis=(1, 2)))
    assert not np.allclose(raw, restored)


def test_the_polar_view_is_what_the_polar_layer_computes() -> None:
    import keras

    from core.models.layers import PolarResample

    image = np.random.default_rng(4).integers(0, 256, (20, 20)).astype(np.float32)
    layer = PolarResample(angles=24, radii=6, max_radius=0.9)
    expected = np.asarray(layer(keras.ops.convert_to_tensor(image[None, :, :, None])))[0, :, :, 0]
    np.testing.assert_allclose(activations.polar_resample(image, 24, 6, 0.9), expected, rtol=1e-5, atol=1e-3)


def test_turning_the_image_shifts_the_polar_image_along_the_angle_axis() -> None:
    rows, cols = np.indices((41, 41))
    image = np.where((np.abs(cols - 20) <= 1) & (rows < 20), 255, 30).astype(np.uint8)  # one hand pointing at 12
    before = activations.polar_resample(image, 36, 8)
    after = activations.polar_resample(activations.turned(image, 90), 36, 8)
    assert activations.angle_shift(90, 36) == 9
    np.testing.assert_allclose(after, np.roll(before, 9, axis=1), atol=1.0)
    assert np.argmax(before.sum(axis=0)) == 0 and np.argmax(after.sum(axis=0)) == 9


def test_downsampling_is_a_block_average_and_settings_come_from_the_layer() -> None:
    import keras

    from core.models.layers import PolarResample

    image = np.arange(16, dtype=np.float64).reshape(4, 4)
    np.testing.assert_array_equal(activations.downsampled(image, 2, 2), [[2.5, 4.5], [10.5, 12.5]])
    inputs = keras.Input((30, 30, 1))
    model = keras.Model(
        inputs, PolarResample(angles=12, radii=4, name="polar")(keras.layers.AveragePooling2D(2)(inputs))
    )
    assert activations.polar_settings(model) == activations.PolarSettings(15, 15, 12, 4, 1.0)
    assert activations.polar_settings(model, "nothing") is None


def test_rarely_inked_pixels_are_blanked_from_weight_pictures() -> None:
    images = np.zeros((200, 3, 3), np.uint8)
    images[:, 1, 1] = 255  # always inked
    images[:1, 0, 0] = 255  # inked in 1 of 200 images: 0.5%
    quiet = activations.rarely_inked(images, share=0.01)
    assert quiet[0, 0] and not quiet[1, 1] and quiet.sum() == 8
    tiles = activations.blanked(np.ones((2, 3, 3)), quiet)
    assert np.isnan(tiles[:, 0, 0]).all() and (tiles[:, 1, 1] == 1).all()
