"""Looking inside a model: every layer's output for one image, first-layer weights as pictures, the clock's polar view.

A probe model (`keras.Model(model.inputs, [layer.output ...])`) returns all the layers worth seeing in one call;
augmentation, dropout and rescaling layers are left out (they are identities at inference, or only rescale).
Keras is imported lazily, as everywhere in core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.data.permutation import unpermute_images
from core.models.build import model_input

# Layers that change nothing worth seeing at inference: augmentation, dropout, noise, the 0..255 -> 0..1 rescale.
SKIPPED_CLASSES = (
    "InputLayer",
    "Rescaling",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
)
KINDS = {
    "Conv2D": "conv",
    "DepthwiseConv2D": "conv",
    "SeparableConv2D": "conv",
    "MaxPooling2D": "pool",
    "AveragePooling2D": "pool",
    "GlobalAveragePooling2D": "pool",
    "GlobalMaxPooling2D": "pool",
    "Dense": "dense",
    "BatchNormalization": "norm",
    "LayerNormalization": "norm",
    "Activation": "activation",
    "ReLU": "activation",
    "Flatten": "reshape",
    "Reshape": "reshape",
    "PolarResample": "polar",
    "CircularPad": "pad",
}
FOLLOWERS = ("norm", "activation")  # what comes after a conv or dense layer and belongs to it in a strip


@dataclass(frozen=True)
class LayerOutput:
    """One layer's output for one image: its name, kind (conv, pool, dense, output, ...) and values without batch."""

    name: str
    kind: str
    values: np.ndarray

    @property
    def is_map(self) -> bool:
        """Whether the output is a stack of 2-D maps [H, W, C] (conv, pool, polar)."""
        return self.values.ndim == 3


@dataclass
class Probe:
    """A model's probe: one call gives the outputs of `names` (kinds alike) for a batch of images."""

    model: Any
    names: list[str]
    kinds: list[str]
    input_shape: tuple[int, ...]  # one image: (H, W) grayscale or (H, W, 3) colour


def is_skipped(layer: Any) -> bool:
    """Whether a layer is left out of the probe: augmentation (Random*), dropout, noise, rescaling, the input."""
    name = type(layer).__name__
    return name in SKIPPED_CLASSES or name.startswith("Random")


def layer_kind(layer: Any, output_names: set[str]) -> str:
    """conv, pool, dense, norm, activation, reshape, polar, pad, output (a model output) or 'other'."""
    if layer.name in output_names:
        return "output"
    return KINDS.get(type(layer).__name__, "other")


def build_probe(model: Any) -> Probe:
    """A probe model returning every layer's output but the skipped ones, in the model's layer order."""
    import keras

    output_names = set(model.output_names)
    # a nested model (a clock model's frozen dial finder) is one layer whose output is not a map to look at
    kept = [layer for layer in model.layers if not is_skipped(layer) and not isinstance(layer, keras.Model)]
    if not kept:
        raise ValueError("the model has no layers to look inside")
    probe = keras.Model(model.inputs, [layer.output for layer in kept], name=f"{model.name}_probe")
    height, width, channels = (int(size) for size in model.inputs[0].shape[1:4])
    return Probe(
        probe,
        [layer.name for layer in kept],
        [layer_kind(layer, output_names) for layer in kept],
        (height, width) if channels == 1 else (height, width, channels),
    )


def layer_outputs(probe: Probe, image: np.ndarray) -> list[LayerOutput]:
    """Every probed layer's output for one uint8 image [H, W] or [H, W, 3] (raw 0..255 pixels, as the model takes them)."""
    image = np.asarray(image)
    if image.shape != probe.input_shape:
        height, width = probe.input_shape[:2]
        colour = "colour" if len(probe.input_shape) == 3 else "grayscale"
        raise ValueError(f"the model takes one {height}x{width} {colour} image, got shape {image.shape}")
    batch = model_input(image.astype(np.float32)[None])
    values = probe.model.predict_on_batch([batch])  # a compiled step: about 2.5 ms where a direct call took 20 ms
    values = values if isinstance(values, (list, tuple)) else [values]
    from keras import ops  # torch tensors that carry gradients need keras' conversion, not np.asarray

    return [
        LayerOutput(name, kind, ops.convert_to_numpy(value)[0])
        for name, kind, value in zip(probe.names, probe.kinds, values)
    ]


def strip_layers(outputs: list[LayerOutput]) -> list[LayerOutput]:
    """The layers a strip shows: each conv/dense block as its last step (after BN and activation), pools, polar, output.

    The block keeps its conv/dense name and kind, so `conv_0_0` shows what `conv_0_0_act` passes on.
    Padding and reshaping layers are left out.
    """
    shown: list[LayerOutput] = []
    block: LayerOutput | None = None
    for layer in outputs:
        if block is not None and layer.kind in FOLLOWERS and layer.values.shape == block.values.shape:
            block = LayerOutput(block.name, block.kind, layer.values)
            continue
        if block is not None:
            shown.append(block)
            block = None
        if layer.kind in ("conv", "dense"):
            block = layer
        elif layer.kind in ("pool", "polar", "output"):
            shown.append(layer)
    if block is not None:
        shown.append(block)
    return shown


def output_dict(outputs: list[LayerOutput]) -> dict[str, np.ndarray]:
    """The model's outputs from a probe run, keyed by output-layer name with a batch axis (what encodings decode)."""
    return {layer.name: layer.values[None] for layer in outputs if layer.kind == "output"}


def first_layer(model: Any, kind: str) -> Any:
    """The model's first layer of a kind ('conv' or 'dense'), or None."""
    return next((layer for layer in model.layers if KINDS.get(type(layer).__name__) == kind), None)


def conv_filters(model: Any) -> tuple[np.ndarray, str] | None:
    """The first convolution's kernels as images and its name, or None.

    [filters, kh, kw] (its first input channel), or [filters, kh, kw, 3] when it reads a colour image.
    """
    layer = first_layer(model, "conv")
    if layer is None:
        return None
    kernel = np.asarray(layer.get_weights()[0])  # [kh, kw, in, out]
    return np.moveaxis(kernel if kernel.shape[2] == 3 else kernel[:, :, 0, :], -1, 0), layer.name


def dense_weight_tiles(
    model: Any, count: int = 32, perm: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The first dense layer's weights, one image per hidden unit: ([count, H, W] or [count, H, W, 3], units), or None.

    The `count` units with the largest weight norm are picked (largest first). With `perm`, the weights of an
    MLP trained on permuted pixels are put back in the original pixel order (unpermute_images), so each tile
    shows what the unit looks for in the image a person sees. None when the model has no dense layer or its
    first dense layer does not read the image's pixels directly.
    """
    layer = first_layer(model, "dense")
    image_shape = tuple(int(size) for size in model.inputs[0].shape[1:])
    if image_shape[-1] == 1:
        image_shape = image_shape[:-1]
    if layer is None or first_layer(model, "conv") is not None:  # after convolutions it reads maps, not pixels
        return None
    kernel = np.asarray(layer.get_weights()[0])  # [inputs, units]
    if kernel.shape[0] != np.prod(image_shape):
        return None
    order = np.argsort(-np.linalg.norm(kernel, axis=0), kind="stable")[:count]
    vectors = kernel[:, order].T
    if perm is not None:
        vectors = unpermute_images(vectors, perm)
    return vectors.reshape(len(order), *image_shape), order


def rarely_inked(images: np.ndarray, share: float = 0.01) -> np.ndarray:
    """Pixels inked (non-zero) in fewer than `share` of the images: bool [H, W]. Weights there barely train."""
    images = np.asarray(images)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"expected images [N, H, W] with N >= 1, got shape {images.shape}")
    return (images > 0).mean(axis=0) < share


def blanked(tiles: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Float copies of [N, H, W] tiles with the pixels where `mask` [H, W] is true set to NaN (drawn blank)."""
    tiles = np.array(tiles, np.float64)
    tiles[:, np.asarray(mask, bool)] = np.nan
    return tiles


# ---- the clock's polar view ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolarSettings:
    """How a polar clock model resamples: the image size it resamples, and the grid (radii x angles)."""

    height: int
    width: int
    angles: int
    radii: int
    max_radius: float  # of half the smaller side; with on_dial, of the found dial's radius
    on_dial: bool = False  # the grid follows the dial the model's finder locates (layer "dial_finder")


def polar_settings(model: Any, layer_name: str = "polar") -> PolarSettings | None:
    """The model's PolarResample layer's grid and input size, or None when it has no layer called `layer_name`."""
    try:
        layer = model.get_layer(layer_name)
    except ValueError:
        return None
    config = layer.get_config()
    on_dial = bool(config.get("on_dial", False))
    shape = layer.input[0].shape if on_dial else layer.input.shape
    return PolarSettings(
        int(shape[1]),
        int(shape[2]),
        int(config["angles"]),
        int(config["radii"]),
        float(config["max_radius"]),
        on_dial,
    )


def found_dial(
    outputs: list[LayerOutput], model: Any, image: np.ndarray, layer_name: str = "polar"
) -> tuple[np.ndarray, np.ndarray] | None:
    """(polar image [radii, angles], dial geometry [5]) as a model that finds the dial saw one uint8 clock [H, W]: its
    polar layer's output and its own finder's answer; None for a model whose grid sits on the image centre."""
    from core.models.dial_finder import find_dials

    by_name = {layer.name: layer.values for layer in outputs}
    try:
        finder = model.get_layer("dial_finder")
    except ValueError:
        return None
    if layer_name not in by_name:
        return None
    return by_name[layer_name][:, :, 0], find_dials(finder, np.asarray(image)[None])[0]


def downsampled(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """An image shrunk by whole-number block averages to [height, width] (what an AveragePooling layer does)."""
    image = np.asarray(image, np.float64)
    if image.shape == (height, width):
        return image
    factor_h, factor_w = image.shape[0] // height, image.shape[1] // width
    if factor_h < 1 or factor_w < 1 or factor_h * height > image.shape[0] or factor_w * width > image.shape[1]:
        raise ValueError(f"cannot shrink a {image.shape[0]}x{image.shape[1]} image to {height}x{width}")
    cropped = image[: factor_h * height, : factor_w * width]
    return cropped.reshape(height, factor_h, width, factor_w).mean(axis=(1, 3))


def polar_resample(image: np.ndarray, angles: int, radii: int, max_radius: float = 1.0) -> np.ndarray:
    """An image [H, W] on the polar grid [radii, angles] about its centre: the same sampling as PolarResample.

    Row 0 is the innermost ring; column j is the angle j * 360 / angles degrees clockwise from 12 o'clock.
    """
    from core.models.layers import _polar_sampling  # the layer's own sampling, so both agree pixel for pixel

    image = np.asarray(image, np.float64)
    if image.ndim != 2:
        raise ValueError(f"expected one grayscale image [H, W], got shape {image.shape}")
    indices, weights = _polar_sampling(image.shape[0], image.shape[1], angles, radii, max_radius)
    flat = image.reshape(-1)
    return (flat[indices] * weights).sum(axis=0).reshape(radii, angles)


def turned(image: np.ndarray, degrees: float) -> np.ndarray:
    """The image turned clockwise about its centre by `degrees`; uncovered corners take the border's median gray."""
    from PIL import Image

    image = np.asarray(image, np.uint8)
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    picture = Image.fromarray(image).rotate(
        -float(degrees), resample=Image.Resampling.BILINEAR, fillcolor=int(np.median(border))
    )
    return np.asarray(picture, np.uint8)


def angle_shift(degrees: float, angles: int) -> float:
    """How many angle columns a clockwise turn of `degrees` moves the polar image (to the right, wrapping)."""
    return (float(degrees) % 360.0) * angles / 360.0
