"""Figure builders: checked on the figure data (traces, axes, hover text), not on pixels."""

import numpy as np
import plotly.graph_objects as go
import pytest

from core import figures
from core.clocks.time import common_sense_error
from core.figures import OKABE_ITO
from core.models.encodings import get_encoding

RNG = np.random.default_rng(0)


def history(epochs=3, batches_per_epoch=4):
    return {
        "epochs": [
            {"epoch": e, "loss": 1.0 / e, "val_loss": 1.2 / e, "accuracy": 0.5 + e / 10, "val_accuracy": 0.45 + e / 10}
            for e in range(1, epochs + 1)
        ],
        "batches": [
            {"epoch": e, "batch": b, "step": (e - 1) * batches_per_epoch + b, "loss": 1.0 / e}
            for e in range(1, epochs + 1)
            for b in range(1, batches_per_epoch + 1)
        ],
    }


def circle_inputs(n=50):
    true = RNG.uniform(0, 720, n)
    predicted = (true + RNG.normal(0, 30, n)) % 720
    to_xy = lambda m: np.c_[np.sin(2 * np.pi * m / 720), np.cos(2 * np.pi * m / 720)]
    true[0], predicted[0] = 210, 240
    return to_xy(true), 1.1 * to_xy(predicted), common_sense_error(predicted, true), true, predicted


def trace_types(fig):
    return [type(trace).__name__ for trace in fig.data]


def trace(fig, name, **where):
    """The one trace called `name` (the legend / hover / panel name a student sees), optionally also matching
    trace properties in `where` (e.g. xaxis="x" for the first panel); fails listing the names there are."""
    found = [t for t in fig.data if t.name == name and all(getattr(t, key) == value for key, value in where.items())]
    if len(found) != 1:
        pytest.fail(
            f"expected one trace named {name!r}{' with ' + str(where) if where else ''}, found {len(found)}; "
            f"traces: {[t.name for t in fig.data]}"
        )
    return found[0]


# training curves ---------------------------------------------------------------------------------


def test_training_curves_draw_train_solid_and_validation_dashed_per_run():
    fig = figures.training_curves([("adam", history()), ("sgd", history())], per_batch=False)
    assert sorted(t.name for t in fig.data) == ["adam · train", "adam · validation", "sgd · train", "sgd · validation"]
    for run in ("adam", "sgd"):
        assert trace(fig, f"{run} · train").line.dash == "solid"
        assert trace(fig, f"{run} · validation").line.dash == "dash"
    # colours follow the order of the runs: the first run gets the first colour
    assert trace(fig, "adam · train").line.color == trace(fig, "adam · validation").line.color == OKABE_ITO[0]
    assert trace(fig, "sgd · train").line.color == OKABE_ITO[1]
    assert fig.layout.xaxis.title.text == "epoch"


def test_training_curves_put_batches_on_a_fractional_epoch_axis():
    fig = figures.training_curves([("run", history(epochs=2, batches_per_epoch=4))])
    batch = trace(fig, "run (per batch)")
    assert batch.opacity < 1 and batch.showlegend is False
    assert list(batch.x) == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0])


def test_training_curves_use_webgl_for_long_batch_histories():
    fig = figures.training_curves([("run", history(epochs=3, batches_per_epoch=500))])
    assert isinstance(trace(fig, "run (per batch)"), go.Scattergl)


def test_accuracy_curves_read_as_percent():
    fig = figures.training_curves([("run", history())], metric="accuracy")
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.yaxis.title.text == "accuracy"


def test_available_metrics_drop_the_val_prefix_and_put_loss_first():
    record = {"epoch": 1, "accuracy": 0.5, "val_accuracy": 0.4, "loss": 1.0, "val_loss": 1.1, "hour_mae": 2.0}
    assert figures.available_metrics({"epochs": [record], "batches": []}) == ["loss", "accuracy", "hour_mae"]


# confusion matrices -------------------------------------------------------------------------------


def test_confusion_heatmap_is_one_heatmap_with_class_names_and_cell_ids():
    labels = ["T-shirt/top", "Trouser", "Sneaker"]
    matrix = np.array([[8, 1, 1], [0, 10, 0], [2, 0, 8]])
    fig = figures.confusion_heatmap(matrix, labels, "Fashion")
    heatmap = trace(fig, "confusion matrix")
    assert len(fig.data) == 1 and isinstance(heatmap, go.Heatmap)
    assert list(heatmap.x) == labels and list(heatmap.y) == labels
    assert np.asarray(heatmap.z)[0, 0] == pytest.approx(0.8)
    assert np.asarray(heatmap.customdata).shape == (3, 3, 4)
    assert "true %{y}, predicted %{x}" in heatmap.hovertemplate
    assert np.asarray(heatmap.text)[2, 0] == "2"
    assert fig.layout.yaxis.title.text == "true class" and fig.layout.xaxis.title.text == "predicted class"


def test_confusion_heatmap_counts_when_not_normalised():
    fig = figures.confusion_heatmap(np.array([[3, 1], [0, 4]]), ["a", "b"], normalize=False)
    assert np.asarray(trace(fig, "confusion matrix").z).tolist() == [[3, 1], [0, 4]]


def test_confusion_heatmap_rejects_a_matrix_that_does_not_match_the_labels():
    with pytest.raises(ValueError, match="3x3"):
        figures.confusion_heatmap(np.zeros((2, 2)), ["a", "b", "c"])


def test_clock_confusion_720_is_one_fast_heatmap_with_hourly_ticks():
    fig = figures.clock_confusion_heatmap(RNG.poisson(0.2, (720, 720)), 720)
    heatmap = trace(fig, "confusion matrix")
    assert len(fig.data) == 1 and isinstance(heatmap, go.Heatmap)
    assert np.asarray(heatmap.z).shape == (720, 720)
    assert heatmap.zsmooth is False
    assert len(fig.layout.annotations) == 0
    assert list(fig.layout.xaxis.ticktext)[:3] == ["12:00", "1:00", "2:00"]
    assert len(fig.layout.xaxis.ticktext) == 12


def test_clock_confusion_24_labels_classes_with_times_and_ranges():
    fig = figures.clock_confusion_heatmap(RNG.poisson(3, (24, 24)), 24)
    assert "3:30" in fig.layout.yaxis.ticktext
    heatmap = trace(fig, "confusion matrix")
    assert "3:30–3:59" in heatmap.y
    assert "count %{customdata}" in heatmap.hovertemplate


def test_clock_confusion_linear_scale_colours_by_raw_counts():
    fig = figures.clock_confusion_heatmap(np.diag(np.arange(24)), 24, log_scale=False)
    heatmap = trace(fig, "confusion matrix")
    assert np.asarray(heatmap.z)[5, 5] == 5 and "count %{z}" in heatmap.hovertemplate


def test_clock_confusion_log_scale_keeps_raw_counts_for_hover():
    counts = np.diag(np.full(24, 1000))
    fig = figures.clock_confusion_heatmap(counts, 24, log_scale=True)
    heatmap = trace(fig, "confusion matrix")
    assert np.asarray(heatmap.customdata)[0, 0] == 1000
    assert np.asarray(heatmap.z)[0, 0] == pytest.approx(np.log10(1001), rel=1e-5)
    assert "log" in heatmap.colorbar.title.text


def test_clock_confusion_rejects_class_counts_that_do_not_divide_720():
    with pytest.raises(ValueError, match="divide 720"):
        figures.clock_confusion_heatmap(np.zeros((7, 7)), 7)


# clock figures ------------------------------------------------------------------------------------


def test_clock_circle_puts_twelve_at_the_top_and_colours_outputs_by_error():
    true_xy, predicted_xy, errors, true, predicted = circle_inputs()
    fig = figures.clock_circle(true_xy, predicted_xy, errors, true, predicted, circle="hour", worst_k=5)
    labels = trace(fig, "dial labels")
    top = list(labels.text).index("12")
    assert labels.x[top] == pytest.approx(0, abs=1e-9) and labels.y[top] > 1
    outputs = trace(fig, "network output")
    assert np.asarray(outputs.marker.color) == pytest.approx(errors)
    assert outputs.marker.colorbar.title.text == "error (min)"
    assert "true 3:30" in outputs.text[0] and "predicted 4:00" in outputs.text[0]


def test_clock_circle_links_only_the_worst_predictions():
    true_xy, predicted_xy, errors, true, predicted = circle_inputs()
    fig = figures.clock_circle(true_xy, predicted_xy, errors, true, predicted, worst_k=5)
    lines = trace(fig, "worst 5")
    assert len(lines.x) == 15  # start, end and a gap per line


def test_clock_circle_minute_labels_and_webgl_for_many_points():
    true_xy, predicted_xy, errors, true, predicted = circle_inputs(1500)
    fig = figures.clock_circle(true_xy, predicted_xy, errors, true, predicted, circle="minute")
    labels = trace(fig, "dial labels")
    assert ":05" in labels.text and ":00" in labels.text
    assert isinstance(trace(fig, "network output"), go.Scattergl)


def test_error_histogram_gives_each_model_bars_that_sum_to_one_and_marks_1_5_10_minutes():
    fig = figures.error_histogram({"CNN": np.array([0, 0.5, 3, 12, 300]), "MLP": np.array([40.0, 50.0])})
    assert trace_types(fig) == ["Bar", "Bar"]
    cnn = trace(fig, "CNN")
    assert sum(cnn.y) == pytest.approx(1.0)
    assert cnn.y[0] == pytest.approx(0.4)
    assert [a.text for a in fig.layout.annotations] == ["1 min", "5 min", "10 min"]


def test_regression_wraparound_uses_clock_times_on_the_axes_and_in_hover():
    fig = figures.regression_wraparound_chart(np.array([210.0, 715.0]), np.array([215.0, 20.0]))
    assert "12:00" in fig.layout.xaxis.ticktext and "3:00" in fig.layout.yaxis.ticktext
    points = trace(fig, "test image")
    assert "true 3:30" in points.text[0] and "error 25 min" in points.text[1]


def test_prediction_overlay_draws_a_separate_dial_with_dashed_true_hands():
    image = RNG.integers(0, 255, (40, 40), dtype=np.uint8)
    fig = figures.clock_prediction_overlay(image, 210, 240)
    true_hands, predicted_hands = trace(fig, "true 4:00"), trace(fig, "predicted 3:30")
    assert true_hands.line.dash == "dash" and predicted_hands.line.dash == "solid"
    assert predicted_hands.xaxis == "x2"
    assert "30 min off" in fig.layout.title.text


# encodings ----------------------------------------------------------------------------------------


def test_encoding_chart_for_classes_is_one_bar_chart_peaking_at_the_right_class():
    fig = figures.encoding_output_chart(get_encoding("classes-24"), 210)
    bars = trace(fig, "time class: target class")
    assert len(bars.y) == 24 and int(np.argmax(bars.y)) == 7
    assert bars.customdata[7] == "3:30–3:59"


def test_encoding_chart_for_soft_classes_shows_a_spread_distribution():
    fig = figures.encoding_output_chart(get_encoding("classes-72", soft_sigma=20), 210)
    bars = trace(fig, "time class: target probabilities")
    assert sum(bars.y) == pytest.approx(1.0, abs=1e-5)
    assert np.count_nonzero(np.asarray(bars.y) > 0.01) > 3


def test_encoding_chart_for_regression_is_a_number_line_with_the_seam_at_twelve():
    fig = figures.encoding_output_chart(get_encoding("regression"), 210)
    target = trace(fig, "time: target number")
    assert target.x[0] == pytest.approx(3.5)
    assert sorted(shape.x0 for shape in fig.layout.shapes) == pytest.approx([0.0, 12.0])


def test_encoding_chart_for_sincos_draws_an_hour_and_a_minute_circle():
    fig = figures.encoding_output_chart(get_encoding("sincos"), 210)
    titles = [a.text for a in fig.layout.annotations]
    assert any("hour circle" in t for t in titles) and any("minute circle" in t for t in titles)
    pointer = trace(fig, "sincos: minute circle (sin, cos)")
    assert pointer.x[1] == pytest.approx(0.0, abs=1e-6) and pointer.y[1] == pytest.approx(-1.0)


@pytest.mark.parametrize("name, kinds", [("multihead", {"Bar", "number"}), ("multihead-sincos", {"Bar", "circle"})])
def test_encoding_chart_for_multihead_shows_hour_bars_and_the_minute(name, kinds):
    fig = figures.encoding_output_chart(get_encoding(name), 210)
    bars = trace(fig, "hour: target class")
    assert len(bars.y) == 12 and int(np.argmax(bars.y)) == 3
    titles = " ".join(a.text for a in fig.layout.annotations)
    assert ("number" in titles) == ("number" in kinds) and ("minute circle" in titles) == ("circle" in kinds)


def test_encoding_chart_refuses_dataset_labels():
    with pytest.raises(ValueError, match="not a clock encoding"):
        figures.encoding_output_chart(get_encoding("labels"), 210)


# comparisons and images ---------------------------------------------------------------------------


def test_comparison_bar_groups_by_colour_and_labels_values():
    rows = [
        {"optimizer": o, "learning_rate": lr, "test_accuracy": acc}
        for o, lr, acc in [("adam", 0.001, 0.9), ("adam", 0.01, 0.8), ("sgd", 0.001, 0.7), ("sgd", 0.01, 0.85)]
    ]
    fig = figures.comparison_bar(rows, "learning_rate", "test_accuracy", color="optimizer")
    assert [t.name for t in fig.data] == ["adam", "sgd"]
    adam = trace(fig, "adam")
    assert list(adam.x) == ["0.001", "0.01"] and list(adam.text) == ["90.0%", "80.0%"]
    assert fig.layout.xaxis.title.text == "learning rate"
    assert trace(fig, "sgd").marker.color == OKABE_ITO[1]  # the second group gets the second colour


def test_permutation_chart_has_a_panel_per_dataset_and_curves_when_histories_exist():
    rows = [
        {"dataset": d, "model": m, "pixels": p, "accuracy": 0.9, "history": history()}
        for d in ("mnist", "fashion-mnist")
        for m in ("mlp", "cnn")
        for p in ("original", "permuted")
    ]
    fig = figures.permutation_accuracy_chart(rows)
    assert trace_types(fig).count("Bar") == 4 and trace_types(fig).count("Scatter") == 8
    assert {a.text for a in fig.layout.annotations} >= {"mnist", "fashion-mnist"}
    bar = trace(fig, "original pixels", xaxis="x")  # the first panel, mnist
    assert list(bar.x) == ["MLP", "CNN"] and list(bar.text) == ["90.0%", "90.0%"]


def test_image_grid_is_one_image_with_captions_and_highlight_frames():
    images = RNG.integers(0, 255, (5, 28, 28), dtype=np.uint8)
    fig = figures.image_grid(
        images, ["Sneaker"] * 4 + ["true Bag\npred Sandal"], columns=3, highlight=[False] * 4 + [True]
    )
    assert trace_types(fig).count("Image") == 1
    captions = trace(fig, "captions")
    assert list(captions.text)[-1] == "true Bag<br>pred Sandal"


def test_tile_mosaic_frames_highlighted_tiles_in_vermillion():
    images = np.zeros((2, 4, 4), np.uint8)
    mosaic = figures.tile_mosaic(images, columns=2, pad=1, band=2, highlight=[False, True])
    assert mosaic.shape == (4 + 2 + 2, 2 * 6, 3)
    assert tuple(mosaic[0, 6]) == (213, 94, 0) and tuple(mosaic[0, 0]) == (255, 255, 255)
    assert tuple(mosaic[1, 1]) == (0, 0, 0)


def test_image_grid_rejects_a_caption_count_that_does_not_match():
    with pytest.raises(ValueError, match="3 images but 2 captions"):
        figures.image_grid(np.zeros((3, 8, 8), np.uint8), ["a", "b"])


def test_permutation_picture_shows_no_movement_for_the_identity():
    fig = figures.permutation_picture(np.arange(16), side=4)
    assert trace_types(fig) == ["Heatmap"] * 3
    assert np.asarray(trace(fig, "how far each pixel moved").z).max() == 0
    before, after = trace(fig, "original pixel order"), trace(fig, "after the permutation")
    assert np.array_equal(np.asarray(before.z), np.asarray(after.z))


def test_permutation_picture_colours_each_pixel_by_where_it_came_from():
    perm = np.roll(np.arange(16), 1)  # destination i takes source i - 1
    fig = figures.permutation_picture(perm, side=4)
    after = trace(fig, "after the permutation")
    assert np.asarray(after.z)[0, 1] == 0
    assert "comes from" in after.hovertemplate


def test_saliency_overlay_lays_a_see_through_heat_map_on_the_image():
    fig = figures.saliency_overlay(np.zeros((10, 12), np.uint8), np.ones((10, 12)))
    assert trace_types(fig) == ["Heatmap", "Heatmap"]
    assert trace(fig, "importance").colorscale[0][1].endswith(",0.00)")
    with pytest.raises(ValueError, match="same"):
        figures.saliency_overlay(np.zeros((10, 12), np.uint8), np.ones((12, 10)))


# shared theme -------------------------------------------------------------------------------------

BUILDERS = {
    "training_curves": lambda large: figures.training_curves([("run", history())], large_text=large),
    "confusion_heatmap": lambda large: figures.confusion_heatmap(np.eye(3), ["a", "b", "c"], large_text=large),
    "clock_confusion_heatmap": lambda large: figures.clock_confusion_heatmap(np.eye(24), 24, large_text=large),
    "clock_circle": lambda large: figures.clock_circle(*circle_inputs(), large_text=large),
    "error_histogram": lambda large: figures.error_histogram({"m": np.array([1.0, 2.0])}, large_text=large),
    "comparison_bar": lambda large: figures.comparison_bar([{"x": 1, "y": 0.5}], "x", "y", large_text=large),
    "image_grid": lambda large: figures.image_grid(np.zeros((2, 8, 8), np.uint8), ["a", "b"], large_text=large),
    "encoding_output_chart": lambda large: figures.encoding_output_chart(get_encoding("sincos"), 30, large_text=large),
    "saliency_overlay": lambda large: figures.saliency_overlay(np.zeros((4, 4)), np.zeros((4, 4)), large_text=large),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_large_text_makes_fonts_bigger(name):
    small, large = BUILDERS[name](False), BUILDERS[name](True)
    assert large.layout.font.size > small.layout.font.size >= 14


def test_training_curves_lines_get_thicker_with_large_text():
    small = figures.training_curves([("run", history())], per_batch=False)
    large = figures.training_curves([("run", history())], per_batch=False, large_text=True)
    assert trace(large, "run · train").line.width > trace(small, "run · train").line.width


def test_every_figure_serialises_to_json():
    for name, build in BUILDERS.items():
        assert build(False).to_json().startswith("{"), name


def test_a_figure_renders_to_png_when_kaleido_is_installed(tmp_path):
    pytest.importorskip("kaleido")
    png = figures.clock_confusion_heatmap(np.eye(24), 24).to_image(format="png")
    assert png[:4] == b"\x89PNG"
