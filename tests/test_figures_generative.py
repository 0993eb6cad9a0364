"""Figures of the generative models page, built from small arrays: what each one shows is in its data."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from core.figures.generative import (
    BLANK,
    COLLAPSE_SHARE,
    EVEN_SHARE,
    class_histogram_chart,
    decoder_grid,
    fit_width,
    gan_duel_chart,
    interpolation_strip,
    labelled_mosaic,
    latent_map,
    reconstruction_pairs,
    sample_replay,
)

CLASSES = [str(digit) for digit in range(10)]


def picture(fig_or_trace) -> np.ndarray:
    """The RGB pixels of a figure's (or trace's) image source."""
    trace = fig_or_trace.data[0] if hasattr(fig_or_trace, "data") else fig_or_trace
    data = base64.b64decode(trace.source.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def flat_images(count: int, side: int = 6) -> np.ndarray:
    """`count` images, image i filled with the value 10 * (i + 1)."""
    return np.stack([np.full((side, side), 10 * (i + 1), np.uint8) for i in range(count)])


def test_labelled_mosaic_names_every_row_and_column() -> None:
    fig = labelled_mosaic(flat_images(6).reshape(2, 3, 6, 6), ["top", "bottom"], ["a", "b", "c"])
    assert list(fig.layout.yaxis.ticktext) == ["top", "bottom"]
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "c"]
    assert picture(fig).shape[:2] == (2 * 10, 3 * 10)  # 6-px tiles in a 2-px frame


def test_labelled_mosaic_refuses_a_label_count_that_does_not_fit() -> None:
    with pytest.raises(ValueError, match="2 row and 3 column labels"):
        labelled_mosaic(flat_images(6).reshape(2, 3, 6, 6), ["only one"], ["a", "b", "c"])


def test_reconstruction_pairs_put_each_row_of_rebuilds_under_its_originals() -> None:
    originals, rebuilt = flat_images(5), 255 - flat_images(5)
    fig = reconstruction_pairs(originals, rebuilt, per_row=3)
    assert list(fig.layout.yaxis.ticktext) == ["original", "rebuilt", "original", "rebuilt"]
    pixels = picture(fig)[..., 0]
    cell = 10
    assert pixels[cell // 2, cell // 2] == originals[0, 0, 0]
    assert pixels[cell + cell // 2, cell // 2] == rebuilt[0, 0, 0]
    assert pixels[2 * cell + cell // 2, cell + cell // 2] == originals[4, 0, 0]
    assert pixels[2 * cell + cell // 2, 2 * cell + cell // 2] == BLANK  # the short last row is padded blank


def test_reconstruction_pairs_refuse_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        reconstruction_pairs(flat_images(4), flat_images(3))


def test_interpolation_strip_runs_from_a_to_b() -> None:
    fig = interpolation_strip(flat_images(5))
    assert list(fig.layout.xaxis.ticktext) == ["A", "0.25", "0.50", "0.75", "B"]


def test_decoder_grid_places_each_image_at_its_latent_point() -> None:
    xs, ys = np.meshgrid([-1.0, 1.0], [-1.0, 1.0])
    coordinates = np.stack([xs.ravel(), ys.ravel()], axis=1)  # (-1,-1), (1,-1), (-1,1), (1,1)
    fig = decoder_grid(flat_images(4), coordinates)
    assert list(fig.layout.xaxis.ticktext) == ["z1 -1.0", "z1 +1.0"]
    assert list(fig.layout.yaxis.ticktext) == ["z2 +1.0", "z2 -1.0"]  # high z2 on top, as in the latent map
    pixels = picture(fig)[..., 0]
    assert pixels[5, 5] == 30 and pixels[5, 15] == 40  # top row: z2 = +1 (images 2 and 3)
    assert pixels[15, 5] == 10 and pixels[15, 15] == 20


def test_decoder_grid_refuses_points_that_are_not_a_lattice() -> None:
    with pytest.raises(ValueError, match="full lattice"):
        decoder_grid(flat_images(3), np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))


def test_latent_map_has_one_trace_per_class_carrying_test_indices() -> None:
    latents = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    labels = np.array([1, 0, 1, 9])
    fig = latent_map(latents, labels, CLASSES, indices=np.array([40, 41, 42, 43]))
    by_name = {trace.name: trace for trace in fig.data}
    assert list(by_name["1"].customdata) == [40, 42] and list(by_name["1"].x) == [0.0, 2.0]
    assert list(by_name["9"].customdata) == [43]
    assert by_name["9"].marker.symbol != by_name["1"].marker.symbol  # colours repeat after 8 classes, shapes do not


def test_latent_map_refuses_codes_that_are_not_2d() -> None:
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        latent_map(np.zeros((4, 3)), np.zeros(4), CLASSES)


def test_class_histogram_chart_draws_each_model_and_the_reference_shares() -> None:
    shares = np.full(10, 0.1)
    collapsed = np.array([0.5, 0.5] + [0.0] * 8)
    fig = class_histogram_chart([("VAE", shares), ("GAN", collapsed)], CLASSES)
    assert [trace.name for trace in fig.data] == ["VAE", "GAN", "even share (10%)", "nearly missing below (5%)"]
    assert list(fig.data[1].y) == list(collapsed)
    assert set(fig.data[2].y) == {EVEN_SHARE} and set(fig.data[3].y) == {COLLAPSE_SHARE}


def test_class_histogram_chart_refuses_the_wrong_number_of_classes() -> None:
    with pytest.raises(ValueError, match="3 shares for 10 classes"):
        class_histogram_chart([("GAN", [0.2, 0.3, 0.5])], CLASSES)


def test_gan_duel_chart_shows_both_losses_and_both_discriminator_outputs() -> None:
    history = {
        "epochs": [
            {"epoch": 1, "d_loss": 1.2, "g_loss": 0.8, "d_real": 0.6, "d_fake": 0.4},
            {"epoch": 2, "d_loss": 1.3, "g_loss": 0.9, "d_real": 0.55, "d_fake": 0.45},
        ],
        "batches": [{"epoch": 1, "batch": 5, "d_loss": 1.1, "g_loss": 0.7}],
    }
    fig = gan_duel_chart(history)
    epoch_traces = {trace.name: trace for trace in fig.data if "per batch" not in trace.name}
    assert list(epoch_traces["generator loss"].y) == [0.8, 0.9]
    assert list(epoch_traces["D on generated images"].y) == [0.4, 0.45]
    assert epoch_traces["D on real images"].yaxis == "y2"
    assert any(trace.name == "discriminator loss (per batch)" for trace in fig.data)


def test_sample_replay_has_a_frame_and_a_slider_step_per_epoch_and_opens_on_the_last() -> None:
    samples = np.stack([np.full((4, 6, 6), value, np.uint8) for value in (0, 100, 200)])
    fig = sample_replay(samples, [0, 1, 2], columns=2)
    labels = ["untrained", "epoch 1", "epoch 2"]
    assert [frame.name for frame in fig.frames] == labels
    assert [step.label for step in fig.layout.sliders[0].steps] == labels
    assert fig.layout.sliders[0].active == 2
    assert picture(fig)[3, 3, 0] == 200 and picture(fig.frames[0].data[0])[3, 3, 0] == 0
    assert [button.label for button in fig.layout.updatemenus[0].buttons] == ["▶ Play", "⏸ Pause"]


def test_fit_width_shrinks_a_wide_grid_keeping_its_shape_and_leaves_a_narrow_one() -> None:
    wide = labelled_mosaic(np.zeros((2, 16, 6, 6), np.uint8), ["a", "b"], [""] * 16)
    margin = wide.layout.margin
    sides, ends = margin.l + margin.r, margin.t + margin.b
    ratio = (wide.layout.height - ends) / (wide.layout.width - sides)
    fit_width(wide, 600)
    assert wide.layout.width == 600
    assert abs((wide.layout.height - ends) / (600 - sides) - ratio) < 0.01
    narrow = labelled_mosaic(flat_images(2).reshape(1, 2, 6, 6), ["a"], ["", ""])
    width = narrow.layout.width
    assert fit_width(narrow, 2000).layout.width == width


def test_sample_replay_refuses_a_mismatched_epoch_list() -> None:
    with pytest.raises(ValueError, match="for 2 epochs"):
        sample_replay(np.zeros((3, 4, 6, 6), np.uint8), [0, 1])
