"""core.lab.samples: sample grids of every class, a confusion cell's test images, captions of mistakes."""

from __future__ import annotations

import numpy as np

from core.evaluation.readout import selected_cell
from core.lab.samples import confusion_cell_indices, mistake_captions, sample_indices


def test_confusion_cell_indices_match_a_brute_force_loop() -> None:
    rng = np.random.default_rng(0)
    y_true, predicted = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    for true_class, predicted_class in [(0, 0), (3, 5), (9, 1)]:
        expected = [i for i in range(500) if y_true[i] == true_class and predicted[i] == predicted_class]
        assert confusion_cell_indices(y_true, predicted, true_class, predicted_class).tolist() == expected
    assert len(confusion_cell_indices(y_true, predicted, 3, 5, limit=2)) == 2


def test_selected_cell_reads_customdata_then_axis_labels() -> None:
    labels = ["cat", "dog", "bird"]
    assert selected_cell([{"customdata": [2, 1, 7, 30.0], "x": "dog", "y": "bird"}], labels) == (2, 1)
    assert selected_cell([{"x": "cat", "y": "dog"}], labels) == (1, 0)
    assert selected_cell([], labels) is None


def test_mistake_captions_name_predicted_and_true_class() -> None:
    captions = mistake_captions([1], np.array([0, 2]), np.array([0, 1]), ["a", "b", "c"])
    assert captions == ["predicted b /\ntrue c"]


def test_sample_indices_take_the_first_of_every_class() -> None:
    labels = np.array([1, 0, 1, 2, 0, 2, 1])
    assert sample_indices(labels, 2).tolist() == [1, 4, 0, 2, 3, 5]
