"""Evaluation reports checked against brute-force loops and hand-worked clock times."""

import numpy as np
import pytest

from core.clocks.time import to_labels, to_minutes
from core.evaluation.metrics import (
    EvaluationFileError,
    classifier_summary,
    confusion_matrix,
    evaluate_classifier,
    evaluate_clock,
    evaluate_outputs,
    load_evaluation,
    predict_outputs,
    report_summary,
    save_evaluation,
    summary,
)
from core.models.encodings import get_encoding

RNG = np.random.default_rng(1)


def loop_confusion(true, predicted, n):
    matrix = np.zeros((n, n), dtype=int)
    for t, p in zip(true, predicted):
        matrix[t, p] += 1
    return matrix


def sincos_outputs(minutes):
    """Exact sincos outputs for (possibly fractional) minutes after 12:00."""
    minutes = np.asarray(minutes, np.float64)
    hour, minute = 2 * np.pi * minutes / 720, 2 * np.pi * (minutes % 60) / 60
    return {"sincos": np.stack([np.sin(hour), np.cos(hour), np.sin(minute), np.cos(minute)], 1)}


def test_confusion_matrix_matches_a_python_loop():
    true, predicted = RNG.integers(0, 7, 300), RNG.integers(0, 7, 300)
    np.testing.assert_array_equal(confusion_matrix(true, predicted, 7), loop_confusion(true, predicted, 7))


def test_classifier_report_matches_oracles():
    probabilities = RNG.random((200, 4))
    y_true = RNG.integers(0, 4, 200)
    report = evaluate_classifier(probabilities, y_true, ["a", "b", "c", "d"])
    predicted = [int(np.argmax(row)) for row in probabilities]
    oracle = loop_confusion(y_true, predicted, 4)
    np.testing.assert_array_equal(report["confusion"], oracle)
    assert report["accuracy"] == pytest.approx(sum(p == t for p, t in zip(predicted, y_true)) / 200)
    np.testing.assert_allclose(report["per_class_accuracy"], np.diag(oracle) / oracle.sum(axis=1))
    off = [(oracle[t, p], t, p) for t in range(4) for p in range(4) if t != p]
    top_count, top_true, top_predicted = max(off)
    assert report["most_confused"][0, 2] == top_count
    assert oracle[report["most_confused"][0, 0], report["most_confused"][0, 1]] == top_count


def test_misclassified_are_the_wrong_ones_most_confident_first():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]])
    report = evaluate_classifier(probabilities, np.array([0, 0, 0, 1]), ["zero", "one"])
    assert report["misclassified"].tolist() == [1, 2]
    assert report["most_confused"].tolist() == [[0, 1, 2]]


def test_classifier_summary_is_json_scalars_with_accuracy():
    report = evaluate_classifier(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 0, 1]), ["x", "y"])
    scalars = classifier_summary(report)
    assert scalars["accuracy"] == pytest.approx(1 / 3)
    assert scalars["n_misclassified"] == 2
    assert all(isinstance(value, (int, float, str)) for value in scalars.values())


def test_evaluate_outputs_reads_a_clock_encoding_as_times_and_labels_as_classes():
    labels = np.array([[11, 55], [3, 0]])
    clock = evaluate_outputs(get_encoding("sincos"), sincos_outputs([5.0, 180.0]), labels)
    assert clock.keys() == evaluate_clock(get_encoding("sincos"), sincos_outputs([5.0, 180.0]), labels).keys()
    assert report_summary(clock) == summary(clock) and "worst_class" not in report_summary(clock)
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    classifier = evaluate_outputs(
        get_encoding("labels", n_labels=2), {"label": probabilities}, np.array([0, 0, 1]), ["x", "y"]
    )
    assert classifier["accuracy"] == pytest.approx(1 / 3)
    assert report_summary(classifier) == {**summary(classifier), **classifier_summary(classifier)}
    with pytest.raises(ValueError, match="class names"):
        evaluate_outputs(get_encoding("labels", n_labels=2), {"label": probabilities}, np.array([0, 0, 1]))


def test_common_sense_errors_match_hand_worked_times():
    labels = np.array([[11, 55], [3, 0], [6, 0], [0, 0]])
    predicted = np.array([5.0, 3 * 60 + 30, 0.0, 719.0])  # 12:05, 3:30, 12:00, 11:59
    report = evaluate_clock(get_encoding("sincos"), sincos_outputs(predicted), labels)
    np.testing.assert_allclose(report["errors"], [10, 30, 360, 1], atol=1e-6)
    assert report["common_sense_error_max_min"] == pytest.approx(360)
    assert report["common_sense_error_median_min"] == pytest.approx(20)
    assert report["within_1_min"] == pytest.approx(0.25)
    assert report["within_10_min"] == pytest.approx(0.5)


def test_hour_accuracy_compares_the_hours_of_the_shown_times():
    labels = np.array([[11, 55], [3, 0], [3, 59], [0, 0]])
    predicted = np.array([5.0, 3 * 60 + 30, 4 * 60 - 0.2, 719.0])  # 3:59.8 shows as 4:00
    report = evaluate_clock(get_encoding("sincos"), sincos_outputs(predicted), labels)
    assert report["hour_accuracy"] == pytest.approx(0.25)


@pytest.mark.parametrize("n", [24, 72, 720])
def test_clock_confusions_match_a_loop_over_decoded_minutes(n):
    labels = to_labels(RNG.integers(0, 720, 400))
    predicted = RNG.uniform(0, 720, 400)
    report = evaluate_clock(get_encoding("regression-minutes"), {"time": (predicted / 720)[:, None]}, labels)
    width = 720 // n
    shown = np.rint(predicted).astype(int) % 720
    oracle = loop_confusion(to_minutes(labels) // width, shown // width, n)
    np.testing.assert_array_equal(report[f"confusion_{n}"], oracle)
    assert report["confusion_720"].dtype == np.int32


def test_class_encodings_report_exact_class_accuracy():
    encoding = get_encoding("classes-72")
    labels = np.array([[0, 3], [1, 15], [2, 59]])
    probabilities = np.eye(72)[[0, 7, 5]]  # right, right, wrong (class 17 is 2:50-2:59)
    report = evaluate_clock(encoding, {"time_class": probabilities}, labels)
    assert report["accuracy"] == pytest.approx(2 / 3)


def test_multihead_reports_hour_accuracy_but_no_class_accuracy():
    encoding = get_encoding("multihead")
    labels = np.array([[2, 30], [5, 0]])
    outputs = {"hour": np.eye(12)[[2, 4]], "minute": np.array([[0.5], [0.0]])}
    report = evaluate_clock(encoding, outputs, labels)
    assert "accuracy" not in report
    assert report["hour_accuracy"] == pytest.approx(0.5)


def test_circle_points_use_raw_sincos_outputs_and_decoded_minutes_otherwise():
    raw = {"sincos": np.array([[0.5, 0.5, 0.0, 2.0]])}
    report = evaluate_clock(get_encoding("sincos"), raw, np.array([[3, 0]]))
    np.testing.assert_allclose(report["hour_circle_predicted"], [[0.5, 0.5]])
    np.testing.assert_allclose(report["minute_circle_predicted"], [[0.0, 2.0]])
    np.testing.assert_allclose(report["hour_circle_true"], [[1.0, 0.0]], atol=1e-12)  # 3:00 is a quarter turn
    regression = evaluate_clock(get_encoding("regression"), {"time": np.array([[6.25]])}, np.array([[3, 0]]))
    turn = 2 * np.pi * 375 / 720  # 6:15 is 375 minutes after 12:00
    np.testing.assert_allclose(regression["hour_circle_predicted"], [[np.sin(turn), np.cos(turn)]], atol=1e-12)
    np.testing.assert_allclose(regression["minute_circle_predicted"], [[1.0, 0.0]], atol=1e-12)  # quarter past


def test_save_and_load_evaluation_round_trip(tmp_path):
    labels = to_labels(RNG.integers(0, 720, 50))
    report = evaluate_clock(get_encoding("sincos"), sincos_outputs(RNG.uniform(0, 720, 50)), labels)
    report["class_names"] = np.array(["a", "b"])
    save_evaluation(tmp_path / "evaluation.npz", report)
    loaded = load_evaluation(tmp_path / "evaluation.npz")
    assert set(loaded) == set(report)
    for key, value in report.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(loaded[key], value)
        else:
            assert loaded[key] == value and type(loaded[key]) is type(value)
    assert summary(loaded) == summary(report)
    assert "errors" not in summary(report) and "common_sense_error_mean_min" in summary(report)


def test_load_evaluation_of_a_missing_file_names_it(tmp_path):
    with pytest.raises(EvaluationFileError, match="not found"):
        load_evaluation(tmp_path / "nope.npz")


def test_save_evaluation_refuses_python_objects(tmp_path):
    with pytest.raises(ValueError, match="'bad'"):
        save_evaluation(tmp_path / "e.npz", {"bad": [{"a": 1}]})


class SingleOutputModel:
    """A stand-in with Keras's predict/output_names that returns a bare array."""

    output_names = ["label"]

    def predict(self, images, batch_size, verbose):
        assert images.dtype == np.float32 and images.shape[-1] == 1 and verbose == 0
        return images.reshape(len(images), -1)[:, :3]


def test_predict_outputs_adds_the_channel_and_wraps_a_bare_array():
    outputs = predict_outputs(SingleOutputModel(), np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4))
    assert list(outputs) == ["label"]
    np.testing.assert_array_equal(outputs["label"], [[0, 1, 2], [16, 17, 18]])


def test_predict_outputs_of_a_keras_model_is_keyed_by_output_name():
    from core.config import DataConfig, ModelConfig, RunConfig
    from core.models.build import build_model
    from core.models.encodings import encoding_for

    config = RunConfig(
        data=DataConfig(dataset="clocks", clock_size=75),
        model=ModelConfig(kind="clock_cnn", conv_filters=[4], hidden=[4]),
        encoding="multihead",
    )
    model = build_model(config, (75, 75), encoding_for(config))
    outputs = predict_outputs(model, RNG.integers(0, 256, (3, 75, 75)).astype(np.uint8), batch_size=2)
    assert outputs["hour"].shape == (3, 12) and outputs["minute"].shape == (3, 1)
