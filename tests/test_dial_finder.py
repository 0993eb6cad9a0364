"""Finding the dial: the renderer knows where each dial is, the polar grid can follow it, and a clock model that
finds the dial carries the frozen finder inside it and saves safely."""

import dataclasses

import numpy as np
import pytest

from core.clocks.render import dial_geometry, render_clocks, with_knobs
from core.config import ConfigError, DataConfig, ModelConfig, RunConfig, validate
from core.models.dial_finder import build_dial_finder, dial_outline, geometry_errors, load_dial_finder
from core.models.layers import PolarResample, SpatialSoftArgmax


def test_an_upright_frontal_centred_clock_has_its_hub_in_the_middle_and_a_round_dial():
    geometry = dial_geometry(4, "easy", 0)
    np.testing.assert_allclose(geometry[:, :2], 0.0, atol=1e-6)
    np.testing.assert_allclose(geometry[:, 3], 0.0, atol=1e-6)  # no shear: a circle, not an ellipse
    np.testing.assert_allclose(geometry[:, 2], geometry[:, 4], rtol=1e-5)


def test_a_tilted_dial_is_an_ellipse_and_its_hub_is_the_darkest_point_of_the_hands():
    style = with_knobs("assignment", max_tilt_deg=50.0, glare_prob=0.0)
    geometry = dial_geometry(16, style, 3)
    stretch = np.stack([geometry[:, [2, 3]], geometry[:, [3, 4]]], 1)
    axes = np.linalg.eigvalsh(stretch)
    assert (axes[:, 0] / axes[:, 1]).min() < 0.8  # some are clearly tilted
    images = render_clocks(np.full(16, 95.0), 150, style, 3)
    for image, dial in zip(images, geometry):
        col, row = np.round(dial_outline(dial, 1.0, 150, 150)[-1]).astype(int)  # the outline ends at the hub
        assert image[row - 1 : row + 2, col - 1 : col + 2].mean() < 90  # the dark hub, not the white face


def test_the_polar_grid_on_a_centred_round_dial_is_the_grid_about_the_image_centre():
    image = render_clocks(np.array([130]), 75, "easy", 0)[0].astype("float32")[None, :, :, None]
    fixed = np.asarray(PolarResample(angles=60, radii=12, max_radius=0.9)(image))
    scale = 74 / 75  # the fixed grid measures from the outermost pixel centres
    dial = np.array([[0.0, 0.0, scale, 0.0, scale]], "float32")
    followed = np.asarray(PolarResample(angles=60, radii=12, max_radius=0.9, on_dial=True)([image, dial]))
    np.testing.assert_allclose(followed, fixed, atol=1e-3)


def test_the_polar_grid_follows_a_dial_moved_off_centre():
    image = np.zeros((1, 40, 40, 1), "float32")
    image[0, 9:11, 29:31] = 1.0  # a dot up and to the right of the centre
    dial = np.array([[0.5, 0.5, 0.2, 0.0, 0.2]], "float32")  # hub at pixel (9.5, 29.5), radius 4 px
    polar = np.asarray(PolarResample(angles=8, radii=4, max_radius=1.0, on_dial=True)([image, dial]))[0, :, :, 0]
    assert polar[0].min() > 0.3  # the innermost ring sits on the dot, all the way round
    assert polar[-1].max() < 0.05  # the outermost ring is away from it


def test_the_soft_argmax_finds_a_sharp_peak_at_its_pixel_centre():
    scores = np.zeros((1, 10, 10, 1), "float32")
    scores[0, 2, 7] = 50.0  # row 2 (upper half), column 7 (right half)
    x, y = np.asarray(SpatialSoftArgmax()(scores))[0]
    assert x == pytest.approx((7 + 0.5) / 5 - 1, abs=1e-4) and y == pytest.approx(1 - (2 + 0.5) / 5, abs=1e-4)


def test_geometry_errors_read_in_pixels_and_percent_of_the_radius():
    true = np.array([[0.0, 0.0, 0.5, 0.0, 0.5]], "float32")
    found = np.array([[0.04, 0.0, 0.55, 0.0, 0.5]], "float32")
    errors = geometry_errors(found, true, 150)
    assert errors["hub_error_mean_px"] == pytest.approx(3.0)
    assert errors["rim_error_mean_pct"] == pytest.approx(10.0, rel=1e-3)


def test_find_dial_is_refused_for_the_plain_clock_cnn():
    config = RunConfig(
        data=DataConfig(dataset="clocks"),
        model=ModelConfig(kind="clock_cnn", preset="plain", find_dial=True),
        encoding="sincos",
    )
    with pytest.raises(ConfigError, match="find_dial"):
        validate(config)
    validate(dataclasses.replace(config, model=ModelConfig(kind="clock_cnn", preset="compact", find_dial=True)))


def test_a_missing_dial_finder_is_one_sentence_that_says_how_to_train_it(tmp_path):
    with pytest.raises(ValueError, match="python -m core dial-finder"):
        load_dial_finder(tmp_path)


def test_a_clock_model_that_finds_the_dial_carries_the_frozen_finder_and_saves_safely(tmp_path, monkeypatch):
    from core.models.build import build_model
    from core.models.encodings import get_encoding
    from core.models.saved import load_model_file

    folder = tmp_path / "pretrained" / "clock_dial_finder"
    folder.mkdir(parents=True)
    build_dial_finder().save(folder / "model.keras")
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(tmp_path / "pretrained"))
    config = RunConfig(
        data=DataConfig(dataset="clocks", clock_size=75),
        model=ModelConfig(kind="clock_cnn", preset="compact", find_dial=True),
        encoding="sincos",
    )
    model = build_model(config, (75, 75), get_encoding("sincos"))
    finder = model.get_layer("dial_finder")
    assert not finder.trainable and finder.count_params() > 0
    assert model.get_layer("polar").on_dial
    images = render_clocks(np.array([0, 200]), 75, "assignment", 0)[..., None].astype("float32")
    before = model.predict(images, verbose=0)
    model.save(tmp_path / "model.keras")
    after = load_model_file(tmp_path / "model.keras").predict(images, verbose=0)
    np.testing.assert_allclose(before["sincos"], after["sincos"], atol=1e-5)


def test_the_cli_refuses_a_dial_finder_run_too_small_to_learn_from_in_one_line(capsys):
    from core.cli import main

    assert main(["dial-finder", "--count", "10"]) == 2
    assert capsys.readouterr().err.strip() == "error: --count must be 720-200000 and --epochs 1-100"


def test_the_shipped_dial_finder_locates_the_hubs_of_dials_of_a_design_it_never_saw():
    from core.models.dial_finder import find_dials, finder_installed

    assert finder_installed()
    images = render_clocks(np.arange(48) * 15.0, 150, "unseen", 11)
    true = dial_geometry(48, "unseen", 11)
    found = find_dials(load_dial_finder(), images)
    off_centre = np.hypot(true[:, 0], true[:, 1]) * 75  # where a grid about the image's centre puts the hub
    assert geometry_errors(found, true, 150)["hub_error_mean_px"] < 0.75 * off_centre.mean()


def test_training_a_dial_finder_installs_a_frozen_finder_and_its_scores(tmp_path):
    from core.models.dial_finder import FinderRecipe, finder_installed, train_dial_finder

    metrics = train_dial_finder(FinderRecipe(count=720, epochs=1, size=75), tmp_path, held_out=72)
    assert finder_installed(tmp_path) and (tmp_path / "finder.json").is_file()
    assert set(metrics["validation"]) == {
        "hub_error_mean_px",
        "hub_error_p95_px",
        "rim_error_mean_pct",
        "rim_error_p95_pct",
    }
    assert len(metrics["loss"]) == 1 and metrics["recipe"]["count"] == 720
    finder = load_dial_finder(tmp_path)
    assert not finder.trainable and finder.output_shape == (None, 5)
