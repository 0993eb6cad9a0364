"""core.evaluation.readout: confusion cells against a brute-force loop, cell selection, readouts of fake outputs, how
sure a reading is (per encoding, and by reading the clock turned 4 ways with stand-in models), saliency wiring."""

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
    for true_class, predicted_class in [
        (0, 0),
        (5, 7),
        (int(true[3]) // width, int(round(predicted[3])) % 720 // width),
    ]:
        expected = [
            i
            for i in range(len(true))
            if true[i] // width == true_class and int(np.rint(predicted[i])) % 720 // width == predicted_class
        ]
        assert inspect.cell_indices(true, predicted, n_classes, true_class, predicted_class).tolist() == expected


def test_cell_indices_add_up_to_the_evaluation_confusion_matrix():
    true, predicted = fake_predictions(300)
    labels = np.stack([true // 60, true % 60], axis=1)
    report = evaluate_clock(Regression("minutes"), {"time": (predicted / 720.0)[:, None]}, labels)
    matrix = report["confusion_72"]
    for row, col in [(r, c) for r in range(0, 72, 7) for c in range(0, 72, 5)]:
        assert (
            len(inspect.cell_indices(report["true_minutes"], report["predicted_minutes"], 72, row, col))
            == matrix[row, col]
        )


def test_top_mistakes_skip_the_diagonal_and_come_largest_first():
    matrix = np.diag([50, 50, 50]) + np.array([[0, 3, 0], [7, 0, 1], [0, 0, 0]])
    assert inspect.top_mistakes(matrix, 5) == [(1, 0, 7), (0, 1, 3), (1, 2, 1)]


def test_hour_offset_reads_cells_an_hour_off_the_diagonal():
    assert inspect.hour_offset(72, 10, 16) == 1  # 60 minutes later
    assert inspect.hour_offset(720, 30, 690) == -1  # 12:30 read as 11:30, the short way round
    assert inspect.hour_offset(72, 10, 12) == 0


def test_class_range_names_the_minutes_a_class_covers():
    assert inspect.class_range(72, 21) == "3:30–3:39"
    assert inspect.class_range(720, 0) == "12:00"


def test_selected_cell_reads_the_customdata_of_a_clicked_marker():
    assert inspect.selected_cell([{"x": "3:30", "customdata": [21, 27, 4]}]) == (21, 27)
    assert inspect.selected_cell([{"customdata": {"0": 364, "1": 358, "2": 1}}]) == (
        364,
        358,
    )  # as the browser sends it
    assert inspect.selected_cell([]) is None
    assert inspect.selected_cell([{"x": "3:30"}]) is None


def test_selected_cell_reads_axis_labels_when_a_point_has_no_customdata():
    labels = ["cat", "dog", "bird"]
    assert inspect.selected_cell([{"customdata": [2, 1, 7, 30.0], "x": "dog", "y": "bird"}], labels) == (2, 1)
    assert inspect.selected_cell([{"x": "cat", "y": "dog"}], labels) == (1, 0)  # y is the true class
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
    assert reading.time == "3:34"  # the centre of 3:30-3:39
    assert [row[0] for row in reading.top[:3]] == ["3:34 (3:30–3:39)", "3:44 (3:40–3:49)", "3:24 (3:20–3:29)"]
    assert len(reading.top) == 5
    assert reading.top[0][1] == pytest.approx(outputs["time_class"][0, 21])
    assert [p for _, p in reading.top] == sorted((p for _, p in reading.top), reverse=True)


def test_readout_of_a_sincos_model_reads_both_circles_as_angles():
    angle_hour, angle_minute = 2 * np.pi * 210 / 720, 2 * np.pi * 30 / 60  # 3:30
    outputs = {
        "sincos": np.array([[np.sin(angle_hour), np.cos(angle_hour), np.sin(angle_minute), np.cos(angle_minute)]])
    }
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


# ---- how sure a reading is -----------------------------------------------------------------------


def sincos_row(hour_minutes: float, minute: float, hour_length: float = 1.0, minute_length: float = 1.0) -> np.ndarray:
    """Fake sin/cos outputs: the hour circle pointing at `hour_minutes`, the minute circle at `minute`."""
    hour, minute_angle = 2 * np.pi * hour_minutes / 720, 2 * np.pi * minute / 60
    return np.array(
        [
            [
                hour_length * np.sin(hour),
                hour_length * np.cos(hour),
                minute_length * np.sin(minute_angle),
                minute_length * np.cos(minute_angle),
            ]
        ]
    )


def test_levels_come_from_one_table_whichever_way_a_measure_runs():
    sure, unsure = inspect.THRESHOLDS["near_mass"]  # more is surer
    assert [inspect.level_of("near_mass", v) for v in (sure, unsure, unsure - 0.01)] == ["sure", "unsure", "guessing"]
    sure, unsure = inspect.THRESHOLDS["rotation_spread"]  # less is surer
    assert [inspect.level_of("rotation_spread", v) for v in (sure, unsure, unsure + 1)] == [
        "sure",
        "unsure",
        "guessing",
    ]
    assert inspect.least_sure(["sure", None, "unsure"]) == "unsure" and inspect.least_sure([None]) is None


def test_a_sincos_model_on_its_unit_circles_with_agreeing_hands_is_sure():
    confidence = inspect.readout(SinCos(), {"sincos": sincos_row(210, 30)}).confidence
    assert confidence.level == "sure"
    assert dict(confidence.measures)["hour circle's minute vs the minute circle"] == "0 min apart"


def test_short_sincos_vectors_say_the_model_is_guessing():
    confidence = inspect.readout(SinCos(), {"sincos": sincos_row(210, 30, 0.45, 0.4)}).confidence
    assert confidence.level == "guessing"
    assert dict(confidence.measures)["minute circle: length of (sin, cos)"] == "0.40"


def test_an_hour_circle_between_two_hours_makes_a_sincos_reading_unsure_of_its_hour():
    # the minute hand says :00 but the hour hand sits halfway between 3 and 4 (3:30): is it 3:00 or 4:00?
    confidence = inspect.readout(SinCos(), {"sincos": sincos_row(207, 0)}).confidence
    assert dict(confidence.measures)["hour circle's minute vs the minute circle"] == "27 min apart"
    assert confidence.level == "guessing"


def test_a_peaked_softmax_is_sure_and_a_flat_one_is_guessing():
    peaked = np.zeros((1, 72))
    peaked[0, 21] = 8.0
    sure = inspect.readout(Classes(72), {"time_class": softmax_rows(peaked)}).confidence
    assert sure.level == "sure" and dict(sure.measures)["top class probability"] == "98%"
    flat = inspect.readout(Classes(72), {"time_class": np.full((1, 72), 1 / 72)}).confidence
    assert flat.level == "guessing" and dict(flat.measures)["top-3 probability"] == "4%"


def test_a_720_class_model_spreading_over_neighbouring_minutes_is_still_sure():
    logits = -0.5 * ((np.arange(720) - 210) / 3.0) ** 2  # soft targets: a few minutes either side
    confidence = inspect.readout(Classes(720), {"time_class": softmax_rows(logits[None])}).confidence
    assert float(dict(confidence.measures)["top class probability"].rstrip("%")) < 20
    assert confidence.level == "sure"  # nearly all of it within 15 min of the answer


def test_a_multihead_model_is_as_sure_as_its_hour_head():
    minute = np.array([[0.5]])
    sure = inspect.readout(MultiHead(), {"hour": softmax_rows(np.eye(12)[[3]] * 6), "minute": minute}).confidence
    assert sure.level == "sure"
    split = softmax_rows(np.array([[0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0]], np.float64))  # 3 or 4?
    assert inspect.readout(MultiHead(), {"hour": split, "minute": minute}).confidence.level == "guessing"


def test_a_regression_says_it_has_no_confidence_of_its_own():
    confidence = inspect.readout(get_encoding("regression"), {"time": np.array([[3.5]])}).confidence
    assert confidence.level is None and "rotation check" in confidence.explanation


def test_turned_copies_turn_clockwise_a_quarter_at_a_time():
    image = np.zeros((4, 4), np.uint8)
    image[0, 3] = 255  # top right
    copies = inspect.turned_copies(image)
    assert copies.shape == (4, 4, 4) and np.array_equal(copies[0], image)
    assert copies[1][3, 3] == 255 and copies[2][3, 0] == 255 and copies[3][0, 0] == 255


def test_the_spread_of_readings_is_the_shortest_arc_holding_them():
    assert inspect.arc_spread(np.array([710.0, 5.0, 0.0, 715.0])) == pytest.approx(15.0)  # across 12:00
    assert inspect.arc_spread(np.array([0.0, 180.0, 360.0, 540.0])) == pytest.approx(540.0)
    assert inspect.arc_spread(np.array([100.0])) == 0.0


def bright_corner_model(images: np.ndarray) -> dict:
    """A stand-in regression that reads the time from where the brightest corner is: it cannot read a turned clock."""
    corners = np.stack([images[:, 0, 0], images[:, 0, -1], images[:, -1, -1], images[:, -1, 0]], axis=1)
    return {"time": (np.argmax(corners, axis=1) * 3.0 + 1.0)[:, None]}


def brightness_model(images: np.ndarray) -> dict:
    """A stand-in regression reading the time from the mean brightness: the same however the clock is turned."""
    return {"time": (images.reshape(len(images), -1).mean(axis=1) / 255 * 12)[:, None]}


def test_the_rotation_check_trusts_a_model_whose_readings_survive_turning_the_clock():
    image = np.zeros((8, 8), np.uint8)
    image[0, 0] = 200
    reading = inspect.readout(Regression(), brightness_model(inspect.turned_copies(image)), turned=True)
    assert reading.rotation.spread == pytest.approx(0.0) and reading.rotation.level == "sure"
    assert reading.level == "sure"  # a regression's only measure is this check
    assert [turn for turn, _ in reading.rotation.readings] == [0, 90, 180, 270]


def test_the_rotation_check_catches_a_model_whose_readings_turn_with_the_clock():
    image = np.zeros((8, 8), np.uint8)
    image[0, 0] = 200
    reading = inspect.readout(Regression(), bright_corner_model(inspect.turned_copies(image)), turned=True)
    assert [format(m, ".0f") for _, m in reading.rotation.readings] == ["60", "240", "420", "600"]
    assert reading.time == "1:00" and reading.rotation.spread == pytest.approx(540.0)
    assert reading.rotation.level == "guessing" and reading.level == "guessing"
    assert "turned 0/90/180/270°" in reading.rotation.explanation


def test_the_overall_level_is_the_least_sure_of_the_two_checks():
    outputs = {"sincos": np.concatenate([sincos_row(210, 30)] * 3 + [sincos_row(570, 30)])}  # one turn reads 9:30
    reading = inspect.readout(SinCos(), outputs, turned=True)
    assert reading.confidence.level == "sure" and reading.rotation.level == "guessing" and reading.level == "guessing"
    assert inspect.readout(SinCos(), outputs).rotation is None


def test_the_rotation_check_needs_all_four_turns():
    with pytest.raises(ValueError, match="4 turned copies"):
        inspect.rotation_check(Regression(), {"time": np.array([[3.5], [3.5]])})


def test_the_rotation_check_is_fair_only_for_models_that_learnt_turned_clocks():
    assert inspect.learnt_turned_clocks({"data": {"source": "render", "clock_difficulty": "assignment"}})
    assert not inspect.learnt_turned_clocks({"data": {"source": "render", "clock_difficulty": "easy"}})
    assert not inspect.learnt_turned_clocks(
        {"data": {"source": "render", "clock_difficulty": "assignment", "clock_max_turn": 45}}
    )
    assert inspect.learnt_turned_clocks({"data": {"source": "path", "clock_difficulty": "easy"}})  # the photos
