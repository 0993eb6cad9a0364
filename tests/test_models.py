"""Models and optimizers from configs: every kind and preset builds, trains a step, and keeps labels safe."""

import keras
import numpy as np
import pytest

from core.config import OPTIMIZERS, PRESETS, SCHEDULES, DataConfig, ModelConfig, OptimizerConfig, RunConfig
from core.models.build import (
    POLAR_GRID,
    build_model,
    build_optimizer,
    compile_model,
    count_params,
    input_shape_for,
    learning_rate_schedule,
    resolve_model_config,
)
from core.models.encodings import CLOCK_ENCODINGS, encoding_for, get_encoding

RNG = np.random.default_rng(0)


def clock_config(encoding="sincos", preset="compact", size=75, augment=False, **model):
    return RunConfig(
        data=DataConfig(dataset="clocks", clock_size=size, augment=augment),
        model=ModelConfig(kind="clock_cnn", preset=preset, **model),
        encoding=encoding,
    )


def dataset_config(kind="mlp", preset="", augment=False, **model):
    return RunConfig(
        data=DataConfig(dataset="fashion-mnist", augment=augment),
        model=ModelConfig(kind=kind, preset=preset, **model),
        encoding="labels",
    )


def train_one_step(config):
    """Build, compile and fit one step on 8 random images; returns the model and the loss."""
    encoding = encoding_for(config)
    model = build_model(config, input_shape_for(config), encoding)
    compile_model(model, config, encoding, steps_per_epoch=1)
    height, width = input_shape_for(config)
    images = RNG.integers(0, 256, size=(8, height, width, 1)).astype(np.float32)
    if encoding.is_clock:
        labels = np.stack([RNG.integers(0, 12, 8), RNG.integers(0, 60, 8)], axis=1)
    else:
        labels = RNG.integers(0, 10, 8)
    history = model.fit(images, encoding.encode(labels), batch_size=8, epochs=1, steps_per_epoch=1, verbose=0)
    return model, history.history["loss"][-1]


@pytest.mark.parametrize("encoding", CLOCK_ENCODINGS)
def test_clock_cnn_trains_a_step_with_every_clock_encoding(encoding):
    model, loss = train_one_step(clock_config(encoding))
    assert np.isfinite(loss)
    assert set(model.output_names) == set(encoding_for(clock_config(encoding)).encode(np.zeros((1, 2), int)))


@pytest.mark.parametrize("preset", ["plain", ""])
def test_other_clock_cnn_presets_train_a_step(preset):
    model, loss = train_one_step(clock_config("classes-72", preset=preset, conv_filters=[8, 16], hidden=[16]))
    assert np.isfinite(loss)


def test_clock_cnn_at_150_px_trains_a_step_with_augmentation():
    _, loss = train_one_step(clock_config("multihead", size=150, augment=True))
    assert np.isfinite(loss)


@pytest.mark.parametrize(
    "kind,preset", [("mlp", ""), ("mlp", "reference"), ("cnn", ""), ("cnn", "reference"), ("cnn", "compact")]
)
def test_dataset_models_train_a_step_with_labels(kind, preset):
    _, loss = train_one_step(dataset_config(kind, preset, hidden=[32]))
    assert np.isfinite(loss)


def test_reference_mlp_has_the_course_parameter_count():
    config = dataset_config("mlp", "reference", hidden=[7])
    assert count_params(build_model(config, (28, 28), encoding_for(config))) == 266_610


def test_textbook_cnn_opens_with_one_7x7_conv_of_64_filters():
    config = dataset_config("cnn", "reference")
    model = build_model(config, (28, 28), encoding_for(config))
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [(c.filters, c.kernel_size[0]) for c in convs] == [(64, 7), (128, 3), (128, 3), (256, 3), (256, 3)]
    assert 1_000_000 < count_params(model) < 2_000_000


@pytest.mark.parametrize("size", [75, 150])
def test_compact_clock_cnn_has_a_sane_size_and_unrolls_the_whole_image_onto_one_grid(size):
    config = clock_config("sincos", size=size)
    model = build_model(config, (size, size), encoding_for(config))
    assert 300_000 <= count_params(model) <= 3_000_000
    assert model.get_layer("polar").input.shape[1] == size
    assert tuple(model.get_layer("polar").output.shape[1:3]) == POLAR_GRID


def test_mlp_knobs_reach_the_layers():
    config = dataset_config("mlp", hidden=[20, 10], activation="tanh", l2=1e-3, batch_norm=True, dropout=0.2)
    model = build_model(config, (28, 28), encoding_for(config))
    dense = model.get_layer("dense_0")
    assert dense.units == 20 and dense.kernel_regularizer is not None
    assert model.get_layer("dense_act_1").activation.__name__ == "tanh"
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"BatchNormalization", "Dropout", "Rescaling"} <= kinds


def test_presets_fill_in_values_and_blank_preset_keeps_the_fields():
    custom = ModelConfig(kind="cnn", conv_filters=[4], hidden=[9])
    assert resolve_model_config(custom) is custom
    assert resolve_model_config(ModelConfig(kind="clock_cnn", preset="compact"), 150).downsample == 2
    assert resolve_model_config(ModelConfig(kind="clock_cnn", preset="compact"), 75).downsample == 1


def test_a_resolved_preset_is_a_copy_of_the_presets_table():
    resolved = resolve_model_config(ModelConfig(kind="cnn", preset="reference"))
    assert (resolved.first_block_convs, resolved.conv_dropout, resolved.first_kernel_size) == (1, False, 7)
    resolved.hidden.append(1)
    assert PRESETS[("cnn", "reference")]["hidden"] == [128, 64]


@pytest.mark.parametrize(
    "config",
    [clock_config(augment=True), dataset_config("cnn", augment=True), dataset_config("mlp", augment=True)],
    ids=["clock_cnn", "cnn", "mlp"],
)
def test_augmentation_never_rotates_or_flips_and_is_off_at_inference(config):
    model = build_model(config, input_shape_for(config), encoding_for(config))
    kinds = [type(layer).__name__ for layer in model.layers]
    # a polar clock model keeps the dial centred, so it varies contrast only
    assert ("RandomContrast" if "PolarResample" in kinds else "RandomTranslation") in kinds
    assert not any("Rotation" in kind or "Flip" in kind for kind in kinds)
    images = RNG.integers(0, 256, size=(2, *input_shape_for(config), 1)).astype(np.float32)
    first, second = model(images, training=False), model(images, training=False)
    for name in first:
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(first[name]), keras.ops.convert_to_numpy(second[name]))


def test_no_augmentation_layers_without_augment():
    config = clock_config()
    kinds = {type(layer).__name__ for layer in build_model(config, (75, 75), encoding_for(config)).layers}
    assert not kinds & {"RandomTranslation", "RandomBrightness", "RandomContrast", "GaussianNoise"}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_optimizer_builds_with_every_schedule(name, schedule):
    optimizer = build_optimizer(
        OptimizerConfig(name=name, schedule=schedule, momentum=0.9, weight_decay=1e-4, step_every_epochs=2),
        steps_per_epoch=10,
        epochs=5,
    )
    assert type(optimizer).__name__.lower() == name


def test_sgd_with_momentum_uses_nesterov():
    optimizer = build_optimizer(OptimizerConfig(name="sgd", momentum=0.9), 10, 2)
    assert optimizer.nesterov and optimizer.momentum == pytest.approx(0.9)
    assert not build_optimizer(OptimizerConfig(name="sgd"), 10, 2).nesterov


def test_step_schedule_multiplies_by_the_factor_every_n_epochs():
    opt = OptimizerConfig(learning_rate=0.1, schedule="step", step_every_epochs=2, step_factor=0.5)
    schedule = learning_rate_schedule(opt, steps_per_epoch=10, epochs=6)
    rates = [float(schedule(step)) for step in (0, 19, 20, 39, 40, 59)]
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_cosine_schedule_warms_up_peaks_and_decays():
    opt = OptimizerConfig(learning_rate=0.01, schedule="cosine")
    schedule = learning_rate_schedule(opt, steps_per_epoch=10, epochs=10)
    start, peak, end = (float(schedule(step)) for step in (0, 10, 100))
    assert start < peak and peak == pytest.approx(0.01) and end < 0.001


def test_constant_schedule_is_the_learning_rate():
    assert learning_rate_schedule(OptimizerConfig(learning_rate=0.003), 10, 3) == 0.003


def test_input_shape_is_28_for_datasets_and_the_clock_size_for_clocks():
    assert input_shape_for(dataset_config()) == (28, 28)
    assert input_shape_for(clock_config(size=150)) == (150, 150)


def test_models_save_and_load_as_keras_files_in_safe_mode(tmp_path):
    config = clock_config("multihead-sincos", augment=True)
    model = build_model(config, (75, 75), encoding_for(config))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", compile=False, safe_mode=True)
    images = RNG.integers(0, 256, size=(2, 75, 75, 1)).astype(np.float32)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(images, training=False)["minute"]),
        keras.ops.convert_to_numpy(model(images, training=False)["minute"]),
        atol=1e-5,
    )


def test_plain_clock_cnn_is_conv_blocks_with_pooling_and_a_dense_head():
    model = build_model(clock_config("sincos", preset="plain"), (75, 75), get_encoding("sincos"))
    names = [layer.name for layer in model.layers]
    assert [n for n in names if n.startswith("pool_")] == ["pool_0", "pool_1", "pool_2", "pool_3"]
    assert "flatten" in names and "dense_0" in names
    assert not any(n.startswith("polar") for n in names)


def test_plain_clock_cnn_at_150_px_strides_its_first_convolution_on_the_full_image():
    model = build_model(clock_config("sincos", preset="plain", size=150), (150, 150), get_encoding("sincos"))
    first = model.get_layer("conv_0_0")
    assert first.strides == (2, 2) and first.input.shape[1:3] == (150, 150)
    assert model.get_layer("conv_0_0_act").output.shape[1:3] == (75, 75)
    assert not any(isinstance(layer, keras.layers.AveragePooling2D) for layer in model.layers)
