import numpy as np
import pytest

from core.data.permutation import (
    displacement_distances,
    inverse_permutation,
    permutation_map,
    permute_images,
    pixel_permutation,
    unpermute_images,
)


def images(n=3, side=28):
    return np.random.default_rng(1).integers(0, 256, (n, side, side), dtype=np.uint8)


def test_pixel_permutation_is_a_bijection_of_all_784_positions():
    perm = pixel_permutation(0)
    assert perm.shape == (784,)
    assert np.array_equal(np.sort(perm), np.arange(784))
    assert not np.array_equal(perm, np.arange(784))


def test_pixel_permutation_is_seeded():
    assert np.array_equal(pixel_permutation(7), pixel_permutation(7))
    assert not np.array_equal(pixel_permutation(7), pixel_permutation(8))


def test_pixel_permutation_takes_other_image_sizes():
    assert np.array_equal(np.sort(pixel_permutation(0, 75 * 75)), np.arange(75 * 75))


def test_inverse_permutation_composes_to_identity():
    perm = pixel_permutation(3)
    assert np.array_equal(perm[inverse_permutation(perm)], np.arange(784))


def test_unpermute_restores_square_images_exactly():
    original = images()
    perm = pixel_permutation(5)
    permuted = permute_images(original, perm)
    assert permuted.shape == original.shape and permuted.dtype == np.uint8
    assert not np.array_equal(permuted, original)
    assert np.array_equal(unpermute_images(permuted, perm), original)


def test_permute_works_on_flat_images_like_on_square_ones():
    original = images()
    perm = pixel_permutation(5)
    flat = permute_images(original.reshape(3, 784), perm)
    assert flat.shape == (3, 784)
    assert np.array_equal(flat.reshape(3, 28, 28), permute_images(original, perm))


def test_permuted_pixel_i_comes_from_source_pixel_perm_i():
    original = images(1)
    perm = pixel_permutation(2)
    assert np.array_equal(permute_images(original, perm).reshape(-1), original.reshape(-1)[perm])


def test_permutation_map_gives_the_source_row_and_column_of_every_pixel():
    original = images(1)
    perm = pixel_permutation(4)
    permuted = permute_images(original, perm)[0]
    source = permutation_map(perm)
    assert source.shape == (28, 28, 2)
    assert np.array_equal(permuted, original[0][source[..., 0], source[..., 1]])


def test_displacement_is_zero_for_the_identity_and_positive_for_a_shuffle():
    assert np.all(displacement_distances(np.arange(784)) == 0)
    assert displacement_distances(pixel_permutation(0)).mean() > 5


def test_a_permutation_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="784 pixels but the permutation has 10"):
        permute_images(images(), pixel_permutation(0, 10))


def test_an_array_with_repeats_is_not_a_permutation():
    with pytest.raises(ValueError, match="not a permutation"):
        inverse_permutation(np.array([0, 1, 1]))
