"""core.evaluation.readout: confusion cells against a brute-force loop, cell selection, readouts of fake outputs, saliency wiring."""

import numpy as np
import pytest

from core.evaluation import readout as inspect
from core.evaluation.metrics import evaluate_clock
from core.models.encodings import Classes, MultiHead, Regression, SinCos, get_encoding


def fake_predictions(n: int = 500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true = rng.integers(0, 720, n)
    predicted = (true + rng.normal(0, 20, n) + 60 * rng.integers(-1, 2, n)) % 720
    return true, predicted


@pytest.mark.parametrize("n_classes", [24, 72, 720])
def test_cell_indices_match_a_brute_force_loop(n_classes):
    true, predicted = fake_predictions()
    width = 720 // n_classes
    for true_class, predicted_class in [(0, 0), (5, 7), (int(true[3]) // width, int(round(predicted[3])) % 720 // width)]:
        expected = [i for i in range(len(true))
                    if true[i] // width == true_class and int(np.rint(predicted[i])) % 720 // width == predicted_class]
        assert inspect.cell_indices(true, predicted, n_classes, true_class, predicted_class).tolist() == expected


def test_cell_indices_add_up_to_the_evaluation_confusion_matrix():
    true, predicted = fake_predictions(300)
    labels = np.stack([true // 60, true % 60], axis=1)
    report = evaluate_clock(Regression("minutes"), {"time": (predicted / 720.0)[:, None]}, labels)
    matrix = report["confusion_72"]
    for row, col in [(r, c) for r in range(0, 72, 7) for c in range(0, 72, 5)]:
        assert len(inspect.cell_indices(report["true_minutes"], report["predicted_minutes"], 72, row, col)) == matrix[row, col]


def test_top_mistakes_skip_the_diagonal_and_come_largest_first():
    matrix = np.diag([50, 50, 50]) + np.array([[0, 3, 0], [7, 0, 1], [0, 0, 0]])
    assert inspect.top_mistakes(matrix, 5) == [(1, 0, 7), (0, 1, 3), (1, 2, 1)]


def test_hour_offset_reads_cells_an_hour_off_the_diagonal():
    assert inspect.hour_offset(72, 10, 16) == 1          # 60 minutes later
    assert inspect.hour_offset(720, 30, 690) == -1       # 12:30 read as 11:30, the short way round
    assert inspect.hour_offset(72, 10, 12) == 0


def test_class_range_names_the_minutes_a_class_covers():
    assert inspect.class_range(72, 21) == "3:30–3:39"
    assert inspect.class_range(720, 0) == "12:00"


def test_selected_cell_reads_the_customdata_of_a_clicked_marker():
    assert inspect.selected_cell([{"x": "3:30", "customdata": [21, 27, 4]}]) == (21, 27)
    assert inspect.selected_cell([{"customdata": {"0": 364, "1": 358, "2": 1}}]) == (364, 358)   # as the browser sends it
    assert inspect.selected_cell([]) is None
    assert inspect.selected_cell([{"x": "3:30"}]) is None


def test_selected_cell_reads_axis_labels_when_a_point_has_no_customdata():
    labels = ["cat", "dog", "bird"]
    assert inspect.selected_cell([{"customdata": [2, 1, 7, 30.0], "x": "dog", "y": "bird"}], labels) == (2, 1)
    assert inspect.selected_cell([{"x": "cat", "y": "dog"}], labels) == (1, 0)      # y is the true class
    assert inspect.selected_cell([{"x": "cow", "y": "dog"}], labels) is None
    assert inspect.selected_cell([], labels) is None


def test_cell_targets_mark_only_the_non_empty_cells():
    import plotly.graph_objects as go

    matrix = np.zeros((24, 24), np.int64)
    matrix[3, 3], matrix[3, 5] = 9, 2
    fig = inspect.add_cell_targets(go.Figure(), matrix, 24)
    assert [list(row) for row in fig.data[0].customdata] == [[3, 3, 9], [3, 5, 2]]
    assert fig.data[0].x == ("1:30–1:59", "2:30–2:59") and fig.data[0].y == ("1:30–1:59", "1:30–1:59")


@pytest.mark.parametrize("n_classes", [24, 72, 720])
def test_class_ranges_are_the_heatmap_axis_categories(n_classes):
    from core.figures import clock_class_labels

    assert [inspect.class_range(n_classes, i) for i in range(n_classes)] == clock_class_labels(n_classes)


def softmax_rows(values: np.ndarray) -> np.ndarray:
    exp = np.exp(values - values.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def test_readout_of_a_72_class_model_lists_the_top_times_with_probabilities():
    logits = np.zeros((1, 72))
    logits[0, 21], logits[0, 22], logits[0, 20] = 6.0, 4.0, 3.0
    outputs = {"time_class": softmax_rows(logits)}
    reading = inspect.readout(Classes(72), outputs, k=5)
    assert reading.time == "3:34"                          # the centre of 3:30-3:39
    assert [row[0] for row in reading.top[:3]] == ["3:34 (3:30–3:39)", "3:44 (3:40–3:49)", "3:24 (3:20–3:29)"]
    assert len(reading.top) == 5
    assert reading.top[0][1] == pytest.approx(outputs["time_class"][0, 21])
    assert [p for _, p in reading.top] == sorted((p for _, p in reading.top), reverse=True)


def test_readout_of_a_sincos_model_reads_both_circles_as_angles():
    angle_hour, angle_minute = 2 * np.pi * 210 / 720, 2 * np.pi * 30 / 60   # 3:30
    outputs = {"sincos": np.array([[np.sin(angle_hour), np.cos(angle_hour), np.sin(angle_minute), np.cos(angle_minute)]])}
    reading = inspect.readout(SinCos(), outputs)
    assert reading.time == "3:30" and reading.top == []
    hour, minute = reading.circles
    assert hour["angle (deg from 12)"] == pytest.approx(105.0) and hour["reads"] == "3:30"
    assert minute["angle (deg from 12)"] == pytest.approx(180.0) and minute["reads"] == ":30"
    assert [name for name, _ in reading.raw] == ["sincos[0]", "sincos[1]", "sincos[2]", "sincos[3]"]


def test_readout_of_a_multihead_model_lists_hours_with_the_decoded_minute():
    hours = softmax_rows(np.array([[0, 0, 1, 5, 2, 0, 0, 0, 0, 0, 0, 0]], np.float64))
    reading = inspect.readout(MultiHead(), {"hour": hours, "minute": np.array([[0.5]])}, k=3)
    assert reading.time == "3:30"
    assert [name for name, _ in reading.top] == ["3:30", "4:30", "2:30"]
    assert ("minute", 0.5) in reading.raw


def test_readout_of_a_regression_has_no_probabilities_but_its_raw_output():
    reading = inspect.readout(get_encoding("regression"), {"time": np.array([[3.5]])})
    assert reading.time == "3:30" and reading.top == [] and reading.raw == [("time", 3.5)]


def test_explain_runs_occlusion_against_the_models_own_answer():
    encoding = get_encoding("regression")
    image = np.zeros((32, 32), np.uint8)
    image[:8, :8] = 255

    def predict(images):  # the answer depends only on the top-left corner's brightness
        return {"time": (images[:, :8, :8].reshape(len(images), -1).mean(axis=1) / 255.0 * 6.0)[:, None]}

    heat = inspect.explain(predict, encoding, image, patch=8, stride=8)
    assert heat.shape == (32, 32) and heat[:8, :8].min() == pytest.approx(1.0) and heat[16:, 16:].max() == 0


def test_saliency_prediction_count_matches_the_patches():
    calls = []

    def predict(images):
        calls.append(len(images))
        return {"time": np.zeros((len(images), 1))}

    inspect.explain(predict, get_encoding("regression"), np.zeros((40, 40), np.uint8), patch=15, stride=8)
    assert sum(calls) == inspect.saliency_predictions(40, patch=15, stride=8)
