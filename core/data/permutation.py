"""The permuted-pixels experiment: one seeded shuffle of pixel positions, applied to every image alike.

An MLP does not care where pixels are, so it learns permuted images as well as the originals; a CNN
relies on neighbouring pixels and loses much of its edge. Destination pixel `i` of a permuted image
holds source pixel `perm[i]` (flat, row-major indices).
"""

from __future__ import annotations

import numpy as np


def pixel_permutation(seed: int, n_pixels: int = 784) -> np.ndarray:
    """The seeded permutation of `n_pixels` flat pixel positions (int64), the same on every machine."""
    if n_pixels < 1:
        raise ValueError(f"a permutation needs at least one pixel (got {n_pixels})")
    return np.random.default_rng(seed).permutation(n_pixels).astype(np.int64)


def inverse_permutation(perm: np.ndarray) -> np.ndarray:
    """The permutation that undoes `perm`: inverse[perm[i]] == i."""
    perm = _checked(perm)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(len(perm))
    return inverse


def permute_images(images: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Shuffle the pixels of every image by `perm`; works for [N, H, W] and flat [N, H*W], keeps the shape."""
    return _apply(images, _checked(perm))


def unpermute_images(images: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Put permuted pixels back where they came from, exactly."""
    return _apply(images, inverse_permutation(perm))


def permutation_map(perm: np.ndarray, side: int = 28) -> np.ndarray:
    """For each destination pixel of a side x side image, the (row, column) it came from: int [side, side, 2]."""
    perm = _checked(perm)
    if len(perm) != side * side:
        raise ValueError(f"a permutation of {len(perm)} pixels does not fit a {side}x{side} image")
    source = perm.reshape(side, side)
    return np.stack([source // side, source % side], axis=-1)


def displacement_distances(perm: np.ndarray, side: int = 28) -> np.ndarray:
    """How far (in pixels, Euclidean) each destination pixel travelled from its source: float [side, side]."""
    source = permutation_map(perm, side)
    rows, cols = np.indices((side, side))
    return np.hypot(source[..., 0] - rows, source[..., 1] - cols)


def _checked(perm: np.ndarray) -> np.ndarray:
    perm = np.asarray(perm)
    if perm.ndim != 1 or not np.issubdtype(perm.dtype, np.integer):
        raise ValueError("a pixel permutation must be a 1-D integer array")
    if not np.array_equal(np.sort(perm), np.arange(len(perm))):
        raise ValueError("the array is not a permutation: every position 0..n-1 must appear exactly once")
    return perm.astype(np.int64, copy=False)


def _apply(images: np.ndarray, perm: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim < 2:
        raise ValueError(f"expected a batch of images [N, ...], got shape {images.shape}")
    flat = images.reshape(len(images), int(np.prod(images.shape[1:])))
    if flat.shape[1] != len(perm):
        raise ValueError(f"images have {flat.shape[1]} pixels but the permutation has {len(perm)}")
    return flat[:, perm].reshape(images.shape)
