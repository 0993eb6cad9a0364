"""Generative networks and what a trained one does: sample, reconstruct, encode, decode, interpolate, map, score."""

import numpy as np
import pytest

from core.config import ConfigError
from core.data.datasets import load_dataset
from core.generative import models, sampling
from core.generative.score import classifier_score
from tests.generative_support import tiny_generative_config, train_tiny


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One tiny trained run folder per kind: {"cae": path, "vae": path (2-D latent), "gan": path}."""
    root = tmp_path_factory.mktemp("generative-runs")
    return {kind: train_tiny(kind, root) for kind in ("cae", "vae", "gan")}


@pytest.fixture(scope="module")
def test_images():
    return load_dataset("mnist", "embedded").x_test


def test_the_autoencoders_return_an_image_in_0_1_and_the_vae_its_mean_and_log_variance():
    from keras.ops import convert_to_numpy  # torch outputs carry gradients: np.asarray cannot read them

    images = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    cae = models.build_autoencoder(tiny_generative_config("cae"))
    vae = models.build_autoencoder(tiny_generative_config("vae"))
    assert set(cae(images)) == {"reconstruction"}
    out = vae(images)
    reconstruction = convert_to_numpy(out["reconstruction"])
    assert reconstruction.shape == (3, 28, 28, 1) and reconstruction.min() >= 0 and reconstruction.max() <= 1
    assert convert_to_numpy(out["kl"]).shape == (3, 4)  # [mean, log_var] of a 2-D latent
    assert cae.get_layer(models.ENCODER).output.shape == (None, 8)


def test_the_gan_generator_draws_images_and_the_discriminator_judges_them():
    from keras.ops import convert_to_numpy

    generator, discriminator, pair = models.build_gan(tiny_generative_config("gan"))
    fake = convert_to_numpy(generator(np.zeros((2, 8), np.float32)))
    assert fake.shape == (2, 28, 28, 1) and fake.min() >= 0 and fake.max() <= 1
    assert convert_to_numpy(discriminator(fake)).shape == (2, 1)
    assert {layer.name for layer in pair.layers} >= {models.GENERATOR, models.DISCRIMINATOR}


def test_a_conditional_gan_draws_for_noise_and_a_class_and_judges_an_image_with_its_class():
    from keras.ops import convert_to_numpy

    generator, discriminator, pair = models.build_gan(tiny_generative_config("gan", model__conditional=True))
    classes = np.array([3, 7], np.int32)
    fake = convert_to_numpy(generator([np.zeros((2, 8), np.float32), classes]))
    assert fake.shape == (2, 28, 28, 1) and [tensor.name for tensor in generator.inputs] == ["noise", "label"]
    assert convert_to_numpy(discriminator([fake, classes])).shape == (2, 1)
    same_image = convert_to_numpy(discriminator([np.repeat(fake[:1], 2, axis=0), classes]))
    assert same_image[0, 0] != same_image[1, 0]  # the verdict depends on the class it is judged as


def test_only_a_gan_can_be_conditional():
    with pytest.raises(ConfigError, match="^config key 'model.conditional' is for a GAN only"):
        tiny_generative_config("vae", model__conditional=True)


def test_the_kl_term_is_zero_for_the_prior_and_positive_away_from_it():
    prior = np.zeros((2, 4), np.float32)  # mean 0, log variance 0
    shifted = np.array([[1.0, 0.0, 0.0, 0.0]], np.float32)
    assert np.allclose(np.asarray(models.kl_loss(prior, prior)), 0.0)
    assert np.allclose(np.asarray(models.kl_loss(shifted, shifted)), 0.5)


def test_a_vae_and_a_gan_generate_seeded_uint8_images(runs):
    for kind in ("vae", "gan"):
        images = sampling.generate(runs[kind], 5, seed=3)
        assert images.shape == (5, 28, 28) and images.dtype == np.uint8
        assert np.array_equal(images, sampling.generate(runs[kind], 5, seed=3))


def test_a_conditional_gan_draws_the_classes_asked_for_and_refuses_others(tmp_path):
    path = train_tiny("gan", tmp_path, model__conditional=True)
    noise = sampling.noise(3, 8, seed=1)
    sevens = sampling.decode(path, noise, np.array([7, 7, 7]))
    assert sevens.shape == (3, 28, 28) and not np.array_equal(sevens, sampling.decode(path, noise, np.array([1, 1, 1])))
    assert np.array_equal(sampling.generate(path, 3, seed=1), sampling.decode(path, noise, np.array([0, 1, 2])))
    with pytest.raises(ValueError, match="classes must be between 0 and 9"):
        sampling.decode(path, noise, np.array([0, 1, 10]))
    with pytest.raises(ValueError, match="one whole-number class per image"):
        sampling.decode(path, noise, np.array([0.5, 1, 2]))
    walk = sampling.interpolate(path, noise[0], noise[1], 3, label=7)
    assert np.array_equal(walk[0], sevens[0])


def test_classes_cycle_through_every_class_equally_often():
    assert sampling.class_cycle(12, sampling.class_count("mnist")).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


def test_an_autoencoder_refuses_to_invent_images(runs):
    with pytest.raises(ValueError, match="^an autoencoder does not invent images: "):
        sampling.generate(runs["cae"], 4)


def test_autoencoders_reconstruct_and_encode_images(runs, test_images):
    for kind, width in (("cae", 8), ("vae", 2)):
        copies = sampling.reconstruct(runs[kind], test_images[:6])
        assert copies.shape == (6, 28, 28) and copies.dtype == np.uint8
        codes = sampling.encode(runs[kind], test_images[:6])
        assert codes.shape == (6, width) and codes.dtype == np.float32
        assert np.array_equal(sampling.decode(runs[kind], codes), copies)


def test_a_gan_has_no_encoder(runs, test_images):
    with pytest.raises(ValueError, match="GAN has no encoder"):
        sampling.reconstruct(runs["gan"], test_images[:2])


def test_interpolation_walks_from_the_first_image_to_the_second(runs, test_images):
    a, b = test_images[0], test_images[1]
    line = sampling.interpolate(runs["vae"], a, b, steps=5)
    assert line.shape == (5, 28, 28) and line.dtype == np.uint8
    assert np.array_equal(line[[0, -1]], sampling.reconstruct(runs["vae"], np.stack([a, b])))
    ends = sampling.noise(2, 8, seed=1)
    walk = sampling.interpolate(runs["gan"], ends[0], ends[1], steps=3)
    assert np.array_equal(walk[[0, -1]], sampling.decode(runs["gan"], ends))


def test_a_2d_vae_walks_a_grid_over_the_gaussians_quantiles(runs):
    images, coordinates = sampling.latent_grid(runs["vae"], 3)
    assert images.shape == (9, 28, 28) and coordinates.shape == (9, 2)
    assert np.allclose(coordinates[4], [0.0, 0.0], atol=1e-6)  # the middle of an odd grid is the mean
    assert coordinates[0, 1] > 0 > coordinates[-1, 1]  # rows run from high z2 to low
    with pytest.raises(ValueError, match="only a VAE with a 2-D latent space"):
        sampling.latent_grid(runs["gan"], 3)


def test_bad_images_and_latents_are_refused_with_a_sentence(runs):
    with pytest.raises(ValueError, match=r"28 x 28 pixels"):
        sampling.reconstruct(runs["cae"], np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match="between 0 and 255"):
        sampling.reconstruct(runs["cae"], np.full((1, 28, 28), 300.0))
    with pytest.raises(ValueError, match=r"shaped \[N, 8\]"):
        sampling.decode(runs["gan"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="steps must be between"):
        sampling.interpolate(runs["vae"], np.zeros((28, 28)), np.zeros((28, 28)), steps=1)
    with pytest.raises(ValueError, match="number of images"):
        sampling.generate(runs["vae"], 0)


def test_a_classifier_run_is_not_a_generative_model(tmp_path):
    from core.runs.training import run_config
    from tests.conftest import tiny_config

    info = run_config(tiny_config(), root=tmp_path)
    with pytest.raises(ValueError, match="not a generative model"):
        sampling.generate(info.path, 2)


def test_the_classifier_score_is_near_10_on_real_balanced_digits_and_1_on_one_repeated_image(test_images):
    labels = load_dataset("mnist", "embedded").y_test
    balanced = np.concatenate([test_images[labels == digit][:50] for digit in range(10)])
    real = classifier_score(balanced, "mnist")
    assert real["classifier_score"] > 9.0
    assert np.allclose(real["class_histogram"], 0.1, atol=0.02) and real["classes"][3] == "3"
    repeated = classifier_score(np.repeat(test_images[:1], 100, axis=0), "mnist")
    assert repeated["classifier_score"] == pytest.approx(1.0, abs=1e-3)
    assert max(repeated["class_histogram"]) == 1.0


def test_the_classifier_score_refuses_an_unknown_dataset(test_images):
    with pytest.raises(ValueError, match="classifier score knows mnist and fashion-mnist"):
        classifier_score(test_images[:4], "clocks")
