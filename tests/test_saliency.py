"""Occlusion saliency on fake predict functions whose answer depends on one known region."""

import numpy as np
import pytest

from core.evaluation.saliency import SaliencyError, class_target_fn, clock_target_fn, occlusion_saliency
from core.models.encodings import get_encoding

REGION = (slice(20, 30), slice(40, 50))


def region_brightness(images):
    """A fake model whose only output is the mean brightness of one region."""
    return {"score": images[:, REGION[0], REGION[1]].reshape(len(images), -1).mean(axis=1) / 255.0}


def score_of(outputs):
    return outputs["score"]


def test_saliency_peaks_on_the_only_region_that_matters():
    image = np.full((64, 64), 200, np.uint8)
    heat = occlusion_saliency(region_brightness, image, score_of, patch=8, stride=4, baseline="black")
    row, col = np.unravel_index(np.argmax(heat), heat.shape)
    assert 20 <= row < 30 and 40 <= col < 50
    assert heat[:10, :10].max() == 0


def test_saliency_is_normalised_to_zero_one_with_the_image_shape():
    image = np.random.default_rng(0).integers(0, 255, (40, 50), dtype=np.uint8)
    heat = occlusion_saliency(region_brightness, image, score_of, patch=10, stride=5, baseline="black")
    assert heat.shape == (40, 50) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() == pytest.approx(1.0)


def test_saliency_sends_occluded_images_in_batches():
    sizes = []

    def predict(images):
        sizes.append(len(images))
        assert images.dtype == np.uint8 and images.shape[1:] == (32, 32)
        return region_brightness(np.pad(images, ((0, 0), (0, 32), (0, 32))))

    occlusion_saliency(predict, np.full((32, 32), 90, np.uint8), score_of, patch=8, stride=4, batch_size=10)
    assert sizes[0] == 1 and max(sizes[1:]) <= 10 and sum(sizes[1:]) == 49  # 7 x 7 patch positions


def test_saliency_covers_the_far_edges_when_the_stride_does_not_fit():
    image = np.full((30, 30), 255, np.uint8)

    def corner(images):
        return {"score": images[:, -3:, -3:].reshape(len(images), -1).mean(axis=1)}

    heat = occlusion_saliency(corner, image, score_of, patch=8, stride=8, baseline="black")
    assert heat[-1, -1] == pytest.approx(1.0)


def test_saliency_of_a_model_that_ignores_the_image_is_all_zero():
    constant = lambda images: {"score": np.ones(len(images))}
    heat = occlusion_saliency(constant, np.zeros((16, 16), np.uint8), score_of, patch=4, stride=4)
    assert not heat.any()


def test_saliency_rejects_a_batch_instead_of_one_image():
    with pytest.raises(SaliencyError, match=r"\[H, W\]"):
        occlusion_saliency(region_brightness, np.zeros((2, 8, 8), np.uint8), score_of)


def test_saliency_rejects_an_unknown_baseline():
    with pytest.raises(ValueError, match="baseline"):
        occlusion_saliency(region_brightness, np.zeros((8, 8), np.uint8), score_of, baseline="blur")


def test_clock_target_is_zero_at_the_models_own_answer_and_minus_the_error_elsewhere():
    encoding = get_encoding("regression")
    reference = {"time": np.array([[3.5]])}
    score = clock_target_fn(encoding, reference)
    scores = score({"time": np.array([[3.5], [4.0], [11.75]])})
    assert scores.tolist() == pytest.approx([0.0, -30.0, -225.0])  # 11:45 is 225 min from 3:30 the short way


def test_class_target_is_the_probability_of_the_chosen_class():
    score = class_target_fn(2)
    assert score({"label": np.array([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]])}).tolist() == pytest.approx([0.7, 0.1])


def test_class_target_needs_an_output_name_when_the_model_has_several():
    outputs = {"hour": np.eye(12)[:1], "minute": np.zeros((1, 1))}
    with pytest.raises(SaliencyError, match="name the one"):
        class_target_fn(0)(outputs)
    assert class_target_fn(0, output="hour")(outputs).tolist() == [1.0]
