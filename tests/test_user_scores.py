"""Every model scored on the user's own clock files: the sample, the report, and the Compare and Confusion tabs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.clocks.time import to_minutes
from core.evaluation.metrics import evaluate_clock
from core.evaluation.user_data import SAMPLE_LIMIT, NotAClockModelError, score_run_on_clocks, stratified_sample
from core.lab.clock_compare import LOAD_FILES_HINT
from core.models.encodings import get_encoding
from core.models.saved import ModelFileError
from core.storage.atomic import write_bytes, write_json
from core.storage.paths import pretrained_dir
from tests.test_clock_results import SIZE, ThreeThirtyModel, write_standin
from ui.state import USER_CLOCKS, UserClocks

N_FILES = 1800  # 2.5 clocks per time: more than the sample of 1,440 takes
THREE_THIRTY = 210


def clock_labels(n: int) -> np.ndarray:
    """n labels cycling through the 720 times."""
    minutes = np.arange(n) % 720
    return np.stack([minutes // 60, minutes % 60], axis=1)


def clock_images(n: int, size: int = 150) -> np.ndarray:
    """n grey stand-in clock images (the stand-in model does not look at them)."""
    return np.full((n, size, size), 100, np.uint8)


def three_thirty_report(labels: np.ndarray) -> dict:
    """The report of a model that reads every clock as 3:30, computed straight from the metrics."""
    hour, minute = 2 * np.pi * THREE_THIRTY / 720, np.pi
    row = np.array([np.sin(hour), np.cos(hour), np.sin(minute), np.cos(minute)], np.float32)
    return evaluate_clock(get_encoding("sincos"), {"sincos": np.tile(row, (len(labels), 1))}, labels)


def sincos_run(root: Path) -> Path:
    """A run folder whose config says its model reads clocks with the sincos encoding."""
    write_json(root / "run" / "config.json", {"name": "run", "encoding": "sincos", "data": {"dataset": "clocks"}})
    return root / "run"


# ---------------------------------------------------------------------------------------------
# core.evaluation.user_data


def test_the_sample_takes_every_time_equally_often_and_is_seeded():
    labels = clock_labels(720 * 5)
    picked = stratified_sample(labels)
    assert len(picked) == SAMPLE_LIMIT == 1440
    assert np.all(np.bincount(to_minutes(labels[picked]), minlength=720) == 2)
    assert np.array_equal(picked, np.unique(picked))
    np.testing.assert_array_equal(picked, stratified_sample(labels))
    assert not np.array_equal(picked, stratified_sample(labels, seed=1))


def test_the_sample_keeps_rare_times_and_small_files_whole():
    labels = np.concatenate([clock_labels(720)[:1], np.tile(clock_labels(720)[1:2], (50, 1))])  # 12:00 once, 12:01 x50
    picked = stratified_sample(labels, limit=10)
    assert 0 in picked and len(picked) == 10
    np.testing.assert_array_equal(stratified_sample(clock_labels(100)), np.arange(100))


def test_a_run_scored_on_clock_files_gets_the_same_report_as_a_test_split(tmp_path):
    labels = clock_labels(N_FILES)
    report = score_run_on_clocks(sincos_run(tmp_path), clock_images(N_FILES), labels, model=ThreeThirtyModel())
    picked = report["data_indices"]
    assert report["data_total"] == N_FILES and len(picked) == SAMPLE_LIMIT
    expected = three_thirty_report(labels[picked])
    assert set(expected) <= set(report)
    for key, value in expected.items():
        np.testing.assert_allclose(report[key], value, err_msg=key)


def test_scoring_refuses_a_model_that_does_not_read_clocks(tmp_path):
    write_json(tmp_path / "mnist" / "config.json", {"name": "mnist", "encoding": "labels"})
    with pytest.raises(NotAClockModelError, match="does not read clocks"):
        score_run_on_clocks(tmp_path / "mnist", clock_images(4), clock_labels(4), model=ThreeThirtyModel())


def test_scoring_a_missing_or_damaged_model_names_the_file(tmp_path):
    with pytest.raises(ModelFileError, match="model file not found"):
        score_run_on_clocks(tmp_path / "nothing", clock_images(4), clock_labels(4))
    write_bytes(tmp_path / "broken" / "model.keras", b"not a zip")
    with pytest.raises(ModelFileError, match="not a Keras model archive"):
        score_run_on_clocks(tmp_path / "broken", clock_images(4), clock_labels(4))


def test_a_saved_keras_model_is_loaded_resized_for_and_scored(tmp_path):
    import keras

    inputs = keras.Input((SIZE, SIZE, 1))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    model = keras.Model(inputs, keras.layers.Dense(4, name="sincos")(pooled))
    folder = sincos_run(tmp_path)
    model.save(folder / "model.keras")
    report = score_run_on_clocks(folder, clock_images(30), clock_labels(30))
    assert len(report["errors"]) == 30 and report["data_total"] == 30
    assert 0 <= report["common_sense_error_mean_min"] <= 360


# ---------------------------------------------------------------------------------------------
# The Compare and Confusion & circle tabs


def compare_script() -> None:
    from core.runs.store import list_runs
    from ui.clocks.compare_tab import draw_compare_tab

    draw_compare_tab(list_runs(include_pretrained=True, with_history=False), False)


def results_script() -> None:
    from core.runs.store import list_runs
    from ui.clocks.results_tab import draw_results

    draw_results(list_runs(include_pretrained=True, with_history=False), False)


@pytest.fixture
def scored_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict]:
    """clock_sincos reads every clock as 3:30; clock_72's model file is damaged; caches cleared."""
    from ui import run_cache

    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(tmp_path / "pretrained"))
    st.cache_data.clear()
    st.cache_resource.clear()
    reports = {
        "clock_sincos": write_standin(tmp_path / "pretrained", "clock_sincos", "sincos", 0),
        "clock_72": write_standin(tmp_path / "pretrained", "clock_72", "classes-72", 1),
    }
    write_bytes(pretrained_dir() / "clock_sincos" / "model.keras", b"stand-in")
    write_bytes(pretrained_dir() / "clock_72" / "model.keras", b"damaged")

    def load_model(path: str, modified: float) -> ThreeThirtyModel:
        if path.endswith("clock_72"):
            raise ModelFileError("model.keras is not a Keras model archive (corrupt or another format)")
        return ThreeThirtyModel()

    monkeypatch.setattr(run_cache, "load_model", load_model)
    yield reports
    st.cache_data.clear()
    st.cache_resource.clear()


def started(script, with_files: bool = True) -> AppTest:
    at = AppTest.from_function(script, default_timeout=60)
    if with_files:
        at.session_state[USER_CLOCKS] = UserClocks(
            clock_images(N_FILES), clock_labels(N_FILES), "uploaded images.npy and labels.npy", "upload:a:b"
        )
    at.run()
    assert not at.exception, at.exception
    return at


def files_table(at: AppTest):
    return next(frame.value for frame in at.dataframe if "your files: mean error (min)" in frame.value.columns)


def files_scores() -> dict:
    labels = clock_labels(N_FILES)
    return three_thirty_report(labels[stratified_sample(labels)])


def test_without_files_the_compare_tab_says_how_to_load_them(scored_models):
    at = started(compare_script, with_files=False)
    assert LOAD_FILES_HINT in [info.value for info in at.info]
    assert not any(button.label.startswith("Score every model") for button in at.button)


def test_the_compare_tab_scores_every_model_on_the_files_behind_a_button(scored_models):
    at = started(compare_script)
    assert len(at.dataframe) == 1  # only the own-test-split table so far
    at.button(key="clk_score_files").click().run()
    assert not at.exception, at.exception
    frame = files_table(at).set_index("run")
    expected = files_scores()
    sincos = frame.loc["clock_sincos"]
    assert sincos["your files: mean error (min)"] == round(expected["common_sense_error_mean_min"], 2)
    assert sincos["your files: hour accuracy (%)"] == round(100 * expected["hour_accuracy"], 1)
    assert sincos["own test split: mean error (min)"] == round(
        scored_models["clock_sincos"]["common_sense_error_mean_min"], 2
    )
    assert sincos["your files: clocks scored"] == SAMPLE_LIMIT
    assert "not a Keras model archive" in frame.loc["clock_72"]["your files: note"]
    assert np.isnan(frame.loc["clock_72"]["your files: mean error (min)"])
    assert any("Scored on 1,440 of your 1,800 images" in caption.value for caption in at.caption)
    assert any(m.value.startswith("**Best on your files: clock_sincos**") for m in at.markdown)


def test_the_compare_tab_says_what_a_comparison_means(scored_models):
    at = started(compare_script)
    note = " ".join(caption.value for caption in at.caption)
    assert "8.5 min" in note and "one report's claim" in note and "not a score on the real photos" in note


def test_without_files_the_confusion_tab_asks_for_them_instead_of_drawing(scored_models):
    at = started(results_script, with_files=False)
    at.segmented_control(key="res_data").set_value("Your files").run()
    assert not at.exception, at.exception
    assert LOAD_FILES_HINT in [info.value for info in at.info]
    assert not at.metric


def test_the_confusion_tab_switches_between_its_test_split_and_your_files(scored_models):
    at = started(results_script)
    own = scored_models["clock_sincos"]["common_sense_error_mean_min"]
    assert next(m.value for m in at.metric if m.label == "Mean error") == f"{own:.1f} min"
    at.segmented_control(key="res_data").set_value("Your files").run()
    assert "not scored on your files yet" in at.info[0].value and not at.metric
    at.button(key="res_score_files").click().run()
    assert not at.exception, at.exception
    mine = files_scores()
    assert (
        next(m.value for m in at.metric if m.label == "Mean error") == f"{mine['common_sense_error_mean_min']:.1f} min"
    )
    assert (
        next(m.value for m in at.metric if m.label == "clock_sincos: mean") == f"{np.mean(mine['errors']):.1f} min"
    )  # the histogram compares runs on the files too
    at.selectbox(key="res_run").set_value("clock_72").run()
    assert "could not be scored" in at.warning[0].value
    at.segmented_control(key="res_data").set_value("Its own test split").run()
    own_72 = scored_models["clock_72"]["common_sense_error_mean_min"]
    assert next(m.value for m in at.metric if m.label == "Mean error") == f"{own_72:.1f} min"


def test_a_confusion_cell_on_your_files_shows_your_clocks(scored_models):
    at = started(results_script)
    at.segmented_control(key="res_data").set_value("Your files").run()
    at.button(key="res_score_files").click().run()
    mistakes = at.selectbox(key="res_mistake_720_files")
    mistakes.select_index(0).run()
    assert not at.exception, at.exception
    heading = next(m.value for m in at.markdown if m.value.startswith("**True"))
    assert heading.endswith("of your clocks**") and "predicted 3:30" in heading
    assert not at.warning
