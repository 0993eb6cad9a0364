"""Custom layers for reading rotated clocks: coordinate channels, spatial soft-argmax keypoints, and
rotation-invariant relations between keypoints.

A clock may be turned any way round, so the time is an angle *between* things (a hand and the 12
marker), not an angle in the image. The clock CNN finds keypoints (soft-argmax of learned heat maps),
takes them relative to a centre keypoint, and hands the head the cosine and sine of every angle
between two keypoints. Registered for Keras' safe mode (no Lambda layers).
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="clockwork")
class CoordinateChannels(keras.layers.Layer):
    """Append x, y (in -1..1, y up) and radius channels, so convolutions know where they are."""

    def call(self, inputs):
        shape = ops.shape(inputs)
        height, width = shape[1], shape[2]
        ys = ops.linspace(1.0, -1.0, height)
        xs = ops.linspace(-1.0, 1.0, width)
        grid_y = ops.repeat(ops.expand_dims(ys, 1), width, axis=1)
        grid_x = ops.repeat(ops.expand_dims(xs, 0), height, axis=0)
        radius = ops.sqrt(grid_x**2 + grid_y**2)
        coords = ops.cast(ops.stack([grid_x, grid_y, radius], axis=-1), inputs.dtype)
        coords = ops.broadcast_to(ops.expand_dims(coords, 0), (shape[0], height, width, 3))
        return ops.concatenate([inputs, coords], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 3)


@keras.saving.register_keras_serializable(package="clockwork")
class SpatialSoftArgmax(keras.layers.Layer):
    """Heat maps [B, H, W, K] -> K expected (x, y) positions [B, K, 2] (softmax over each map)."""

    def call(self, inputs):
        shape = ops.shape(inputs)
        height, width, keypoints = shape[1], shape[2], shape[3]
        logits = ops.reshape(ops.transpose(inputs, (0, 3, 1, 2)), (shape[0], keypoints, height * width))
        weights = ops.softmax(ops.cast(logits, "float32"), axis=-1)
        ys = ops.linspace(1.0, -1.0, height)
        xs = ops.linspace(-1.0, 1.0, width)
        grid_x = ops.reshape(ops.repeat(ops.expand_dims(xs, 0), height, axis=0), (-1,))
        grid_y = ops.reshape(ops.repeat(ops.expand_dims(ys, 1), width, axis=1), (-1,))
        expected_x = ops.sum(weights * grid_x, axis=-1)
        expected_y = ops.sum(weights * grid_y, axis=-1)
        return ops.stack([expected_x, expected_y], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1], 2)


@keras.saving.register_keras_serializable(package="clockwork")
class KeypointAngles(keras.layers.Layer):
    """Keypoints [B, K, 2] -> rotation-invariant features: for the K-1 vectors from keypoint 0 (the
    centre), the cosine and sine of the angle between every pair, and each vector's length."""

    def call(self, inputs):
        vectors = inputs[:, 1:, :] - inputs[:, :1, :]
        length = ops.sqrt(ops.sum(vectors**2, axis=-1) + 1e-6)
        unit = vectors / ops.expand_dims(length, -1)
        ux, uy = unit[..., 0], unit[..., 1]
        cos = ops.expand_dims(ux, 2) * ops.expand_dims(ux, 1) + ops.expand_dims(uy, 2) * ops.expand_dims(uy, 1)
        sin = ops.expand_dims(uy, 2) * ops.expand_dims(ux, 1) - ops.expand_dims(ux, 2) * ops.expand_dims(uy, 1)
        count = inputs.shape[1] - 1
        flat = (-1, count * count)
        return ops.concatenate([ops.reshape(cos, flat), ops.reshape(sin, flat), length], axis=-1)

    def compute_output_shape(self, input_shape):
        count = input_shape[1] - 1
        return (input_shape[0], 2 * count * count + count)


def _polar_sampling(height: int, width: int, angles: int, radii: int, max_radius: float):
    """Four neighbour indices and bilinear weights for sampling a polar grid about the image centre."""
    import numpy as np

    theta = np.arange(angles) * 2 * np.pi / angles            # clockwise from 12 o'clock
    radius = (np.arange(radii) + 0.5) / radii * max_radius     # fraction of half the smaller side
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
