"""Networks and optimizers from run configs: the MLP, the image CNNs, the clock CNN, and their training setup.

Every model takes raw 0..255 pixels shaped [N, H, W, C] (C = 1, or 3 for colour: `model_input`), rescales
inside, and ends in the heads its encoding builds, so one backbone serves every label representation. Keras is
imported inside functions.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np

from core.config import PRESETS, ModelConfig, OptimizerConfig, RunConfig
from core.data.datasets import IMAGE_SHAPES

# the plain clock CNN's first convolution strides by this, so both sizes work at 75 px after it, and at 150 px that
# convolution still sees a numeral whole (an average pool first left it a 4-px blur)
CLOCK_SIZE_DOWNSAMPLE = {150: 2, 75: 1}


def input_shape_for(config: RunConfig) -> tuple[int, ...]:
    """The shape of one image a run trains on: (H, W) grayscale (MNIST, Fashion, clocks) or (H, W, 3) colour."""
    if config.data.dataset == "clocks":
        return (config.data.clock_size, config.data.clock_size)
    return IMAGE_SHAPES[config.data.dataset]


def model_input(images: np.ndarray) -> np.ndarray:
    """Images as a model takes them: grayscale [N, H, W] gain a channel axis, colour [N, H, W, 3] stay (no copy)."""
    images = np.asarray(images)
    return images[..., None] if images.ndim == 3 else images


def resolve_model_config(model: ModelConfig, clock_size: int = 150) -> ModelConfig:
    """The model config with its preset (core.config.PRESETS) filled in, so the UI can show what a preset means."""
    if not model.preset:
        return model
    values = copy.deepcopy(PRESETS[(model.kind, model.preset)])
    if model.kind == "clock_cnn":
        values["downsample"] = CLOCK_SIZE_DOWNSAMPLE.get(clock_size, 1)
    return dataclasses.replace(model, **values)


def build_model(config: RunConfig, input_shape: tuple[int, ...], encoding: Any):
    """An uncompiled Keras model: raw pixels of images shaped `input_shape` ((H, W) or (H, W, 3)) in, outputs out."""
    import keras

    model_config = resolve_model_config(config.model, config.data.clock_size)
    channels = (1,) if len(input_shape) == 2 else ()
    inputs = keras.Input((*input_shape, *channels), name="image")
    x = keras.layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    if config.data.augment:
        x = _augmentation(x, model_config.kind, shift=model_config.find_dial or not model_config.polar)
    backbone = {"mlp": _mlp_backbone, "cnn": _cnn_backbone, "clock_cnn": _clock_backbone}[model_config.kind]
    features = backbone(x, model_config)
    outputs = encoding.build_head(features)
    name = f"{model_config.kind}_{model_config.preset or 'custom'}_{encoding.name}".replace("-", "_")
    return keras.Model(inputs, outputs=outputs, name=name)


def _augmentation(x: Any, kind: str, shift: bool = True) -> Any:
    """Label-safe, training-only augmentation: never rotations or flips, which would change a clock's time."""
    import keras

    layers = keras.layers
    if kind != "clock_cnn":
        return layers.RandomTranslation(0.08, 0.08, fill_mode="constant", name="aug_shift")(x)
    if not shift:  # a polar grid centred on the image: shifting the dial would bend its angles (not one that finds it)
        return layers.RandomContrast(0.2, name="aug_contrast")(x)
    x = layers.RandomTranslation(0.05, 0.05, fill_mode="nearest", name="aug_shift")(x)
    x = layers.RandomBrightness(0.15, value_range=(0.0, 1.0), name="aug_brightness")(x)
    x = layers.RandomContrast(0.2, name="aug_contrast")(x)
    return layers.GaussianNoise(0.03, name="aug_noise")(x)


def _regularizer(model: ModelConfig):
    import keras

    if model.l1 > 0 or model.l2 > 0:
        return keras.regularizers.L1L2(l1=model.l1, l2=model.l2)
    return None


def _dense_stack(x: Any, model: ModelConfig, prefix: str) -> Any:
    """Dense layers model.hidden, each with optional batch norm and dropout."""
    import keras

    for index, size in enumerate(model.hidden):
        x = keras.layers.Dense(
            size,
            kernel_initializer=model.initializer,
            kernel_regularizer=_regularizer(model),
            use_bias=not model.batch_norm,
            name=f"{prefix}dense_{index}",
        )(x)
        if model.batch_norm:
            x = keras.layers.BatchNormalization(name=f"{prefix}dense_bn_{index}")(x)
        x = keras.layers.Activation(model.activation, name=f"{prefix}dense_act_{index}")(x)
        if model.dropout > 0:
            x = keras.layers.Dropout(model.dropout, name=f"{prefix}dense_dropout_{index}")(x)
    return x


def _conv(
    x: Any, model: ModelConfig, filters: int, kernel: Any, name: str, strides: Any = 1, padding: str = "same"
) -> Any:
    """Conv2D, optional batch norm, activation."""
    import keras

    x = keras.layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding=padding,
        kernel_initializer=model.initializer,
        kernel_regularizer=_regularizer(model),
        use_bias=not model.batch_norm,
        name=name,
    )(x)
    if model.batch_norm:
        x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.Activation(model.activation, name=f"{name}_act")(x)


def _mlp_backbone(x: Any, model: ModelConfig) -> Any:
    import keras

    return _dense_stack(keras.layers.Flatten(name="flatten")(x), model, "")


def _cnn_backbone(x: Any, model: ModelConfig) -> Any:
    """Conv blocks (convs_per_block convs, then 2x2 max pooling, then dropout), Flatten, the dense head."""
    import keras

    for block, filters in enumerate(model.conv_filters):
        convs = model.first_block_convs if block == 0 and model.first_block_convs else model.convs_per_block
        for index in range(convs):
            first = block == index == 0
            kernel = model.first_kernel_size if first else model.kernel_size
            x = _conv(x, model, filters, kernel, f"conv_{block}_{index}", strides=model.downsample if first else 1)
        x = keras.layers.MaxPooling2D(2, padding="same", name=f"pool_{block}")(x)
        if model.dropout > 0 and model.conv_dropout:
            x = keras.layers.Dropout(min(model.dropout, 0.25), name=f"conv_dropout_{block}")(x)
    return _dense_stack(keras.layers.Flatten(name="flatten")(x), model, "")


def _clock_backbone(x: Any, model: ModelConfig) -> Any:
    """The clock CNN: on a polar grid (built for turned clocks) or the plain CNN on the image itself."""
    return _polar_backbone(x, model) if model.polar else _cnn_backbone(x, model)


# radii x angles, sampled from the full-size image (a polar model never downsamples first): 1.5 degrees per column,
# and at 150 px a numeral by the rim spans about 6 x 5 cells, legible where the 75-px image left it a 4-px blur
POLAR_GRID = (64, 240)
# (radius, angle) strides of the polar convolutions: 64x240 -> 32x120 -> 16x120 -> 8x60 -> 8x60 -> 4x30 -> 2x30
POLAR_STRIDES = [(2, 2), (2, 1), (2, 2), (1, 1), (2, 2), (2, 1)]


def _circular_conv(
    x: Any, model: ModelConfig, filters: int, kernel: tuple[int, int], name: str, strides: tuple[int, int] = (1, 1)
) -> Any:
    """Conv on a polar map whose angle axis wraps around (12 o'clock sits next to 11:59)."""
    from core.models.layers import CircularPad

    x = CircularPad(kernel[1] // 2, kernel[0] // 2, name=f"{name}_wrap")(x)
    return _conv(x, model, filters, kernel, name, strides, padding="valid")


def _polar_backbone(x: Any, model: ModelConfig) -> Any:
    """Unroll the dial onto a (radius x angle) grid; a turned clock is then a circular shift.

    Circular convolutions keep that symmetry while the radius shrinks to two rows; a 1x1 convolution
    squeezes the channels, the rows are stacked per angle into one ring of 30 positions, a last
    convolution as wide as the whole ring relates the hands to the numerals (or a 12 o'clock mark),
    and global pooling forgets where things were, so a turned clock gives the same features.
    conv_filters = [polar conv filters..., relation filters]; the squeeze keeps half the relation filters.
    With model.find_dial the grid follows the dial the frozen, shipped dial finder locates (its hub and ellipse),
    so an off-centre or tilted dial unrolls like a frontal one.
    """
    import keras

    from core.models.layers import PolarResample

    layers = keras.layers
    radii, angles = POLAR_GRID
    *conv_filters, relation = model.conv_filters
    if model.find_dial:
        from core.models.dial_finder import DIAL_REACH, finder_input, load_dial_finder

        dial = load_dial_finder()(finder_input(x, x.shape[1]))
        x = PolarResample(angles=angles, radii=radii, max_radius=DIAL_REACH, on_dial=True, name="polar")([x, dial])
    else:
        x = PolarResample(angles=angles, radii=radii, name="polar")(x)
    for index, filters in enumerate(conv_filters):
        kernel = model.first_kernel_size if index == 0 else model.kernel_size
        strides = POLAR_STRIDES[index] if index < len(POLAR_STRIDES) else (1, 1)
        x = _circular_conv(x, model, filters, (kernel, kernel), f"polar_conv_{index}", strides)
    x = _conv(x, model, max(1, relation // 2), 1, "squeeze")
    height, width, channels = x.shape[1], x.shape[2], x.shape[3]
    x = layers.Permute((2, 1, 3), name="angles_first")(x)
    x = layers.Reshape((1, width, height * channels), name="stack_radii")(x)  # one column per angle
    x = _circular_conv(x, model, relation, (1, width + 1 - width % 2), "whole_circle")
    features = layers.GlobalAveragePooling2D(name="global_pool")(x)
    return _dense_stack(features, model, "head_")


def build_optimizer(opt: OptimizerConfig, steps_per_epoch: int, epochs: int):
    """The Keras optimizer the config names, with its learning-rate schedule over the whole run."""
    import keras

    rate = learning_rate_schedule(opt, steps_per_epoch, epochs)
    optimizers = keras.optimizers
    name = opt.name
    if name == "sgd":
        return optimizers.SGD(rate, momentum=opt.momentum, nesterov=opt.momentum > 0)
    if name == "adam":
        return optimizers.Adam(rate)
    if name == "adamw":
        return optimizers.AdamW(rate, weight_decay=opt.weight_decay)
    if name == "rmsprop":
        return optimizers.RMSprop(rate, momentum=opt.momentum)
    if name == "adagrad":
        return optimizers.Adagrad(rate)
    if name == "nadam":
        return optimizers.Nadam(rate)
    if name == "adamax":
        return optimizers.Adamax(rate)
    if name == "adadelta":
        return optimizers.Adadelta(rate)
    raise ValueError(f"unknown optimizer '{name}'")


def learning_rate_schedule(opt: OptimizerConfig, steps_per_epoch: int, epochs: int):
    """A float for 'constant', else a Keras schedule: cosine decay with a short warmup, or step decay."""
    import keras

    steps_per_epoch, epochs = max(1, int(steps_per_epoch)), max(1, int(epochs))
    total = steps_per_epoch * epochs
    schedules = keras.optimizers.schedules
    if opt.schedule == "cosine":
        warmup = min(steps_per_epoch, total // 10)
        return schedules.CosineDecay(
            0.0 if warmup else opt.learning_rate,
            decay_steps=max(1, total - warmup),
            alpha=0.01,
            warmup_target=opt.learning_rate if warmup else None,
            warmup_steps=warmup,
        )
    if opt.schedule == "step":
        changes = (epochs - 1) // opt.step_every_epochs
        if changes == 0:
            return opt.learning_rate
        # PiecewiseConstantDecay switches after a boundary; step s is the (s+1)-th update
        boundaries = [k * opt.step_every_epochs * steps_per_epoch - 1 for k in range(1, changes + 1)]
        values = [opt.learning_rate * opt.step_factor**k for k in range(changes + 1)]
        return schedules.PiecewiseConstantDecay(boundaries, values)
    if opt.schedule == "constant":
        return opt.learning_rate
    raise ValueError(f"unknown learning-rate schedule '{opt.schedule}'")


def compile_model(model: Any, config: RunConfig, encoding: Any, steps_per_epoch: int) -> None:
    """Compile with the config's optimizer and the encoding's losses, loss weights and metrics."""
    model.compile(
        optimizer=build_optimizer(config.optimizer, steps_per_epoch, config.epochs),
        loss=encoding.losses(),
        loss_weights=encoding.loss_weights(),
        metrics=encoding.metrics(),
    )


def count_params(model: Any) -> int:
    """Trainable plus non-trainable parameters."""
    return int(model.count_params())
