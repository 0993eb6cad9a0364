"""The clock CNN's own layers: the dial unrolled onto a polar grid, and padding that wraps around it.

A clock may be turned any way round. `PolarResample` samples the image on a (radius x angle) grid about
its centre, so turning the clock becomes a circular shift along the angle axis; `CircularPad` pads that
axis by wrapping it (12 o'clock sits next to 11:59), so a convolution after it sees every orientation
alike. Both are registered for Keras' safe mode (no Lambda layers), which is how saved models load.
"""

from __future__ import annotations

import keras
from keras import ops


def _polar_sampling(height: int, width: int, angles: int, radii: int, max_radius: float):
    """Four neighbour indices and bilinear weights for sampling a polar grid about the image centre."""
    import numpy as np

    theta = np.arange(angles) * 2 * np.pi / angles  # clockwise from 12 o'clock
    radius = (np.arange(radii) + 0.5) / radii * max_radius  # fraction of half the smaller side
    half = (min(height, width) - 1) / 2.0
    rows = (height - 1) / 2.0 - np.outer(radius, np.cos(theta)) * half
    cols = (width - 1) / 2.0 + np.outer(radius, np.sin(theta)) * half
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
    wrap around that axis see every orientation alike.
    """

    def __init__(self, angles: int = 120, radii: int = 32, max_radius: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.angles, self.radii, self.max_radius = angles, radii, max_radius

    def build(self, input_shape):
        indices, weights = _polar_sampling(input_shape[1], input_shape[2], self.angles, self.radii, self.max_radius)
        self._indices, self._weights = indices, weights

    def call(self, inputs):
        shape = ops.shape(inputs)
        flat = ops.reshape(inputs, (shape[0], shape[1] * shape[2], shape[3]))
        total = 0.0
        for corner in range(4):
            picked = ops.take(flat, ops.convert_to_tensor(self._indices[corner]), axis=1)
            total = total + picked * ops.cast(ops.reshape(self._weights[corner], (1, -1, 1)), inputs.dtype)
        return ops.reshape(total, (shape[0], self.radii, self.angles, shape[3]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.radii, self.angles, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "angles": self.angles, "radii": self.radii, "max_radius": self.max_radius}


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
