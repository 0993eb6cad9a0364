"""The clock CNN's own layers: the dial unrolled onto a polar grid, and padding that wraps around it.

A clock may be turned any way round. `PolarResample` samples the image on a (radius x angle) grid about
its centre (or about the dial a dial finder located: its hub and ellipse), so turning the clock becomes a
circular shift along the angle axis; `CircularPad` pads that
axis by wrapping it (12 o'clock sits next to 11:59), so a convolution after it sees every orientation
alike. Both are registered for Keras' safe mode (no Lambda layers), which is how saved models load.
"""

from __future__ import annotations

import keras
from keras import ops


def _unit_grid(angles: int, radii: int, max_radius: float):
    """The polar grid's points on a frontal dial of radius 1 (x right, y up): two arrays [radii * angles]."""
    import numpy as np

    theta = np.arange(angles) * 2 * np.pi / angles  # clockwise from 12 o'clock
    radius = (np.arange(radii) + 0.5) / radii * max_radius
    return np.outer(radius, np.sin(theta)).reshape(-1), np.outer(radius, np.cos(theta)).reshape(-1)


def _polar_sampling(height: int, width: int, angles: int, radii: int, max_radius: float):
    """Four neighbour indices and bilinear weights for sampling a polar grid about the image centre."""
    import numpy as np

    unit_x, unit_y = _unit_grid(angles, radii, max_radius)  # max_radius: a fraction of half the smaller side
    half = (min(height, width) - 1) / 2.0
    rows = ((height - 1) / 2.0 - unit_y * half).reshape(radii, angles)
    cols = ((width - 1) / 2.0 + unit_x * half).reshape(radii, angles)
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = rows - r0, cols - c0
    indices, weights = [], []
    for dr, dc, weight in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc), (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
        r = np.clip(r0 + dr, 0, height - 1).astype("int32")
        c = np.clip(c0 + dc, 0, width - 1).astype("int32")
        indices.append((r * width + c).reshape(-1))
        weights.append(weight.reshape(-1).astype("float32"))
    return np.stack(indices), np.stack(weights)


@keras.saving.register_keras_serializable(package="clockwork")
class PolarResample(keras.layers.Layer):
    """Resample an image [B, H, W, C] onto a polar grid [B, radii, angles, C] about its centre.

    Turning the clock in the image becomes a circular shift along the angle axis, so convolutions that
    wrap around that axis see every orientation alike. With `on_dial` the layer takes [image, dial]: each
    image's dial as core.clocks.render.dial_geometry describes it (hub x, y; stretch sxx, sxy, syy), and the
    grid follows that hub and ellipse (`max_radius` then counts dial radii), so an off-centre, tilted dial
    unrolls like a frontal one.
    """

    def __init__(self, angles: int = 120, radii: int = 32, max_radius: float = 1.0, on_dial: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.angles, self.radii, self.max_radius, self.on_dial = angles, radii, max_radius, on_dial

    def build(self, input_shape):
        if self.on_dial:
            self._height, self._width = input_shape[0][1], input_shape[0][2]
            self._unit_x, self._unit_y = (
                a.astype("float32") for a in _unit_grid(self.angles, self.radii, self.max_radius)
            )
            return
        indices, weights = _polar_sampling(input_shape[1], input_shape[2], self.angles, self.radii, self.max_radius)
        self._indices, self._weights = indices, weights

    def call(self, inputs):
        if self.on_dial:
            return self._on_dial(*inputs)
        shape = ops.shape(inputs)
        flat = ops.reshape(inputs, (shape[0], shape[1] * shape[2], shape[3]))
        total = 0.0
        for corner in range(4):
            picked = ops.take(flat, ops.convert_to_tensor(self._indices[corner]), axis=1)
            total = total + picked * ops.cast(ops.reshape(self._weights[corner], (1, -1, 1)), inputs.dtype)
        return ops.reshape(total, (shape[0], self.radii, self.angles, shape[3]))

    def _on_dial(self, image, dial):
        """Bilinear samples at hub + stretch @ unit grid, per image (pixels beyond the frame repeat its edge)."""
        height, width = self._height, self._width
        shape = ops.shape(image)
        flat = ops.reshape(image, (shape[0], height * width, shape[3]))
        dial = ops.cast(dial, "float32")
        ux, uy = ops.convert_to_tensor(self._unit_x)[None], ops.convert_to_tensor(self._unit_y)[None]
        x = dial[:, 0:1] + dial[:, 2:3] * ux + dial[:, 3:4] * uy
        y = dial[:, 1:2] + dial[:, 3:4] * ux + dial[:, 4:5] * uy
        rows, cols = (1.0 - y) * (height / 2.0) - 0.5, (x + 1.0) * (width / 2.0) - 0.5
        r0, c0 = ops.floor(rows), ops.floor(cols)
        fr, fc = rows - r0, cols - c0
        total = 0.0
        for dr, dc, weight in (
            (0, 0, (1 - fr) * (1 - fc)),
            (0, 1, (1 - fr) * fc),
            (1, 0, fr * (1 - fc)),
            (1, 1, fr * fc),
        ):
            r = ops.clip(r0 + dr, 0, height - 1)
            c = ops.clip(c0 + dc, 0, width - 1)
            index = ops.cast(r * width + c, "int32")[:, :, None]
            picked = ops.take_along_axis(flat, ops.repeat(index, shape[3], axis=2), axis=1)
            total = total + picked * ops.cast(weight, image.dtype)[:, :, None]
        return ops.reshape(total, (shape[0], self.radii, self.angles, shape[3]))

    def compute_output_shape(self, input_shape):
        image = input_shape[0] if self.on_dial else input_shape
        return (image[0], self.radii, self.angles, image[3])

    def get_config(self):
        config = {**super().get_config(), "angles": self.angles, "radii": self.radii, "max_radius": self.max_radius}
        return {**config, "on_dial": self.on_dial} if self.on_dial else config


@keras.saving.register_keras_serializable(package="clockwork")
class CircularPad(keras.layers.Layer):
    """Pad [B, radii, angles, C] by wrapping the angle axis (and with zeros along the radius)."""

    def __init__(self, angle_pad: int = 1, radius_pad: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.angle_pad, self.radius_pad = angle_pad, radius_pad

    def call(self, inputs):
        a = self.angle_pad
        x = ops.concatenate([inputs[:, :, -a:, :], inputs, inputs[:, :, :a, :]], axis=2) if a else inputs
        if self.radius_pad:
            x = ops.pad(x, ((0, 0), (self.radius_pad, self.radius_pad), (0, 0), (0, 0)))
        return x

    def compute_output_shape(self, input_shape):
        radii = None if input_shape[1] is None else input_shape[1] + 2 * self.radius_pad
        angles = None if input_shape[2] is None else input_shape[2] + 2 * self.angle_pad
        return (input_shape[0], radii, angles, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "angle_pad": self.angle_pad, "radius_pad": self.radius_pad}


@keras.saving.register_keras_serializable(package="clockwork")
class SpatialSoftArgmax(keras.layers.Layer):
    """Where a score map [B, H, W, 1] peaks, softly: the softmax-weighted mean position [B, 2] as (x right, y up) in
    half-widths of the image (-1..1, pixel centres), so a point is found at any position with one set of weights."""

    def call(self, inputs):
        shape = ops.shape(inputs)
        height, width = inputs.shape[1], inputs.shape[2]
        weights = ops.softmax(ops.reshape(inputs, (shape[0], height * width)), axis=-1)
        xs = (ops.arange(width, dtype="float32") + 0.5) / (width / 2.0) - 1.0
        ys = 1.0 - (ops.arange(height, dtype="float32") + 0.5) / (height / 2.0)
        grid_x = ops.reshape(ops.tile(xs[None, :], (height, 1)), (1, height * width))
        grid_y = ops.reshape(ops.tile(ys[:, None], (1, width)), (1, height * width))
        weights = ops.cast(weights, "float32")
        return ops.stack([ops.sum(weights * grid_x, axis=-1), ops.sum(weights * grid_y, axis=-1)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2)
