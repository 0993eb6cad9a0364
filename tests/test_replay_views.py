"""Replay frames: what the epoch slider shows at each recorded epoch, computed from the record alone."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.permutation import permute_images, pixel_permutation
from core.evaluation import replay_views as views
from core.runs.replay import Replay


def classifier_replay() -> Replay:
    """Three frames over six probe images of three classes: 2, 4 and 5 right."""
    truth = np.array([0, 0, 1, 1, 2, 2])
    predicted = np.array([[1, 1, 1, 0, 2, 0], [0, 0, 1, 0, 2, 1], [0, 0, 1, 1, 2, 1]])
    probabilities = np.full((3, 6, 3), 0.1, np.float16)
    for frame in range(3):
        probabilities[frame, np.arange(6), predicted[frame]] = np.linspace(0.4, 0.9, 6)
    return Replay(
        probe=np.arange(10, 16),
        truth=truth,
        epochs=np.arange(3),
        predicted=predicted,
        probabilities=probabilities,
        weights=np.arange(3 * 2 * 4 * 4, dtype=np.float16).reshape(3, 2, 4, 4),
        units=np.array([0, 5]),
    )


def clock_replay() -> Replay:
    """Two frames over three probe clocks: first off by 10, 360 and 1 minutes, then right."""
    truth = np.array([5.0, 360.0, 719.0])
    predicted = np.array([[715.0, 0.0, 0.0], truth])
    circle = np.stack([np.sin(2 * np.pi * predicted / 720), np.cos(2 * np.pi * predicted / 720)], axis=-1)
    return Replay(
        probe=np.arange(3), truth=truth, epochs=np.arange(2), predicted=predicted, hour_circle=circle.astype(np.float16)
    )


def test_probe_accuracy_per_epoch_counts_right_answers():
    assert views.probe_scores(classifier_replay()).tolist() == pytest.approx([2 / 6, 4 / 6, 5 / 6])


def test_clock_score_per_epoch_is_the_mean_error_the_short_way_round():
    assert views.probe_scores(clock_replay()).tolist() == pytest.approx([(10 + 360 + 1) / 3, 0.0])


def test_confusion_at_a_frame_counts_every_probe_image_once():
    confusion = views.probe_confusion(classifier_replay(), 1)
    assert confusion.tolist() == [[2, 0, 0], [1, 1, 0], [0, 1, 1]]


def test_clock_confusion_uses_half_hour_classes():
    confusion = views.probe_confusion(clock_replay(), 1)
    assert confusion.shape == (views.CLOCK_CLASSES, views.CLOCK_CLASSES)
    assert np.trace(confusion) == 3


def test_mistakes_are_counted_per_frame():
    assert [views.mistake_count(classifier_replay(), frame) for frame in range(3)] == [4, 2, 1]


def test_mistakes_come_surest_first_and_stop_at_the_limit():
    replay = classifier_replay()
    assert views.probe_mistakes(replay, 0, 10).tolist() == [5, 3, 1, 0]
    assert views.probe_mistakes(replay, 0, 2).tolist() == [5, 3]
    assert views.probe_mistakes(replay, 2, 10).tolist() == [5]


def test_frame_title_names_the_epoch_the_probe_and_its_score():
    replay = classifier_replay()
    assert views.frame_title(replay, 1) == "Epoch 1 of 2 — 6 test images (the replay probe): 66.7% right"
    assert views.frame_title(replay, 0, planned_epochs=15).startswith("Epoch 0 of 15 (before training)")


def test_clock_frame_title_gives_the_mean_error():
    assert views.frame_title(clock_replay(), 0).endswith("3 test clocks (the replay probe): mean error 123.7 min")


def test_probe_images_come_from_the_split_the_record_was_made_on():
    images, labels = np.arange(20 * 2 * 2).reshape(20, 2, 2), np.arange(20) % 3
    replay = classifier_replay()
    assert np.array_equal(views.probe_images(images, labels, replay.probe, labels[replay.probe]), images[10:16])
    assert views.probe_images(images, labels, replay.probe, replay.truth) is None  # other labels: other data
    assert views.probe_images(images[:12], labels[:12], replay.probe, labels[replay.probe]) is None


def test_a_frame_outside_the_record_is_refused():
    with pytest.raises(ValueError, match="outside the record"):
        views.probe_confusion(classifier_replay(), 3)


def test_an_epoch_maps_to_the_latest_recorded_frame():
    replay = classifier_replay()
    assert [views.frame_of_epoch(replay, epoch) for epoch in (0, 1, 2, 9)] == [0, 1, 2, 2]


def test_probe_history_reads_like_a_training_history():
    history = views.probe_history(classifier_replay())
    assert history["epochs"][2] == {"epoch": 2, views.PROBE_ACCURACY: pytest.approx(5 / 6)}
    assert views.PROBE_ERROR in views.probe_history(clock_replay())["epochs"][0]


def test_weights_of_a_permuted_mlp_are_put_back_in_pixel_order():
    pictures = np.random.default_rng(0).normal(size=(2, 28, 28)).astype(np.float16)
    perm = pixel_permutation(3)
    replay = Replay(
        probe=np.arange(2),
        truth=np.zeros(2, int),
        epochs=np.arange(1),
        predicted=np.zeros((1, 2), int),
        weights=permute_images(pictures, perm)[None],
    )
    config = {"data": {"permuted": True, "permutation_seed": 3}}
    found = views.weight_permutation(replay, config)
    assert np.array_equal(found, perm)
    assert np.array_equal(views.first_layer_tiles(replay, 0, found), pictures.astype(np.float32))


def test_plain_pixels_and_records_without_weights_need_no_unpermuting():
    assert views.weight_permutation(classifier_replay(), {"data": {"permuted": False}}) is None
    assert views.weight_permutation(clock_replay(), {"data": {"permuted": True}}) is None
    assert views.first_layer_tiles(clock_replay(), 0) is None
    assert views.first_layer_tiles(classifier_replay(), 1).shape == (2, 4, 4)


@pytest.mark.parametrize("encoding", ["labels", "multihead"])
def test_the_recorders_direct_calls_give_what_predict_gives(encoding):
    from conftest import tiny_clock_config, tiny_config

    from core.evaluation.metrics import predict_outputs
    from core.models.build import build_model, input_shape_for
    from core.models.encodings import encoding_for
    from core.runs.replay import PROBE_BATCH, probe_outputs

    config = tiny_config() if encoding == "labels" else tiny_clock_config(encoding)
    model = build_model(config, input_shape_for(config), encoding_for(config))
    images = np.random.default_rng(0).integers(0, 256, (PROBE_BATCH + 7, *input_shape_for(config)), np.uint8)
    direct, predicted = probe_outputs(model, images[..., None]), predict_outputs(model, images)
    assert direct.keys() == predicted.keys()
    for name in direct:
        np.testing.assert_allclose(direct[name], predicted[name], rtol=1e-4, atol=1e-5)


def test_the_clock_confusion_names_its_half_hour_classes_by_their_start() -> None:
    names = views.clock_class_names()
    assert len(names) == views.CLOCK_CLASSES
    assert names[:3] == ["12:00", "12:30", "1:00"] and names[-1] == "11:30"
