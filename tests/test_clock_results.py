"""The "Confusion & circle" and "Inspector" tabs in AppTest, on stand-in clock runs (no training, no rendering of datasets)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.clocks.time import to_minutes
from core.config import DataConfig, ModelConfig, RunConfig
from core.data import datasets
from core.evaluation.metrics import evaluate_clock, save_evaluation, summary
from core.models.encodings import get_encoding
from core.storage.atomic import write_bytes, write_json
from core.storage.paths import pretrained_dir
from ui.clocks.results_tab import READING_NOTES

N_TEST = 144
SIZE = 75


def results_script() -> None:
    from core.runs.store import list_runs
    from ui.clocks.results_tab import draw_results

    draw_results(list_runs(include_pretrained=True, with_history=False), False)


def inspector_script() -> None:
    from core.runs.store import list_runs
    from ui.clocks.inspector_tab import draw_inspector

    draw_inspector(list_runs(include_pretrained=True, with_history=False), False)


def stand_in_labels() -> np.ndarray:
    minutes = (np.arange(N_TEST) * 5) % 720
    return np.stack([minutes // 60, minutes % 60], axis=1)


def fake_outputs(encoding_name: str, labels: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Outputs of a model that is mostly right, sometimes an hour off (the classic hour-hand slip)."""
    rng = np.random.default_rng(seed)
    minutes = to_minutes(labels) + rng.normal(0, 3, len(labels)) + 60 * (rng.random(len(labels)) < 0.15)
    if encoding_name == "sincos":
        hour, minute = 2 * np.pi * minutes / 720, 2 * np.pi * (minutes % 60) / 60
        return {"sincos": np.stack([np.sin(hour), np.cos(hour), np.sin(minute), np.cos(minute)], 1)}
    encoding = get_encoding(encoding_name)
    classes = encoding.classes_of(minutes % 720)
    return {"time_class": np.eye(encoding.n)[classes] * 0.9 + 0.1 / encoding.n}


def write_standin(root: Path, name: str, encoding_name: str, seed: int) -> dict:
    """A pretrained-style run folder with config, status, metrics and a clock evaluation; returns the report."""
    config = RunConfig(
        name=name,
        data=DataConfig(dataset="clocks", source="render", clock_size=SIZE, clock_count=720),
        model=ModelConfig(kind="clock_cnn"),
        encoding=encoding_name,
        epochs=1,
    )
    labels = stand_in_labels()
    report = evaluate_clock(get_encoding(encoding_name), fake_outputs(encoding_name, labels, seed), labels)
    folder = root / name
    write_json(folder / "config.json", config.to_dict())
    write_json(folder / "status.json", {"state": "done", "created": "2026-01-01T00:00:00"})
    write_json(folder / "metrics.json", summary(report))
    save_evaluation(folder / "evaluation.npz", report)
    return report


@pytest.fixture
def standins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict]:
    """Two stand-in pretrained clock runs (sincos and 72 classes) in a private pretrained folder; caches cleared."""
    root = tmp_path / "pretrained"
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(root))
    st.cache_data.clear()
    st.cache_resource.clear()
    reports = {
        "clock_sincos": write_standin(root, "clock_sincos", "sincos", 0),
        "clock_72": write_standin(root, "clock_72", "classes-72", 1),
    }
    yield reports
    st.cache_data.clear()
    st.cache_resource.clear()


def started(script) -> AppTest:
    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def metric_value(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_results_show_the_chosen_runs_numbers(standins):
    at = started(results_script)
    sincos, classes = standins["clock_sincos"], standins["clock_72"]
    assert metric_value(at, "Mean error") == f"{sincos['common_sense_error_mean_min']:.1f} min"
    at.selectbox(key="res_run").set_value("clock_72").run()
    assert not at.exception
    assert metric_value(at, "Mean error") == f"{classes['common_sense_error_mean_min']:.1f} min"
    assert metric_value(at, "Hour right") == f"{100 * classes['hour_accuracy']:.0f}%"


def test_results_render_the_heatmaps_for_24_72_and_720_classes(standins):
    at = started(results_script)
    for n in (24, 72, 720):
        at.radio(key="res_classes").set_value(n).run()
        assert not at.exception, at.exception
        assert any(c.value.startswith(READING_NOTES[n]) for c in at.caption)
    assert "60 columns" in " ".join(c.value for c in at.caption)  # the 720 note explains the hour bands


def test_picking_a_frequent_mistake_loads_and_shows_its_test_clocks(standins, monkeypatch):
    loads = []

    def fake_run_data(data):
        loads.append(data)
        labels = stand_in_labels()
        return datasets.RunData(
            np.zeros((1, SIZE, SIZE), np.uint8),
            labels[:1],
            np.full((N_TEST, SIZE, SIZE), 128, np.uint8),
            labels,
            None,
            "stand-in clocks",
        )

    monkeypatch.setattr(datasets, "load_run_data", fake_run_data)
    at = started(results_script)
    assert loads == []  # nothing is loaded before a cell is chosen
    mistakes = at.selectbox(key="res_mistake_720")
    label = mistakes.options[0]  # e.g. "true 3:05 → predicted 4:05: 2 clocks, 1 h late"
    mistakes.select_index(0).run()
    assert not at.exception, at.exception
    assert len(loads) == 1 and loads[0].clock_count == 720 and loads[0].clock_size == SIZE
    true_time, predicted_time, count = re.match(r"true (\S+) → predicted (\S+): (\d+) clocks", label).groups()
    heading = next(m.value for m in at.markdown if m.value.startswith("**True"))
    assert heading == f"**True {true_time}, predicted {predicted_time}: {count} test clocks**"
    assert not at.warning


def test_the_error_histogram_shows_mean_and_median_of_each_selected_run(standins):
    at = started(results_script)
    at.multiselect(key="res_compare").set_value(["clock_72"]).run()
    assert not at.exception
    errors = standins["clock_72"]["errors"]
    assert metric_value(at, "clock_72: mean") == f"{np.mean(errors):.1f} min"
    assert metric_value(at, "clock_72: median") == f"{np.median(errors):.1f} min"
    assert not any(m.label.startswith("clock_sincos:") for m in at.metric)


def test_results_without_runs_say_so_kindly(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(tmp_path / "none"))
    at = started(results_script)
    assert "No clock models yet" in at.info[0].value


class ThreeThirtyModel:
    """A stand-in sincos model that reads every clock as 3:30."""

    output_names = ["sincos"]
    inputs = [SimpleNamespace(shape=(None, SIZE, SIZE, 1))]

    def predict(self, images, batch_size=None, verbose=0):
        hour, minute = 2 * np.pi * 210 / 720, np.pi
        row = np.array([np.sin(hour), np.cos(hour), np.sin(minute), np.cos(minute)], np.float32)
        assert images.shape[1:] == (SIZE, SIZE, 1)
        return {"sincos": np.tile(row, (len(images), 1))}


@pytest.fixture
def model_standin(standins, monkeypatch):
    """clock_sincos gets a model file, and loading it gives the 3:30 stand-in."""
    from ui import run_cache as results

    write_bytes(pretrained_dir() / "clock_sincos" / "model.keras", b"stand-in")
    monkeypatch.setattr(results, "load_model", lambda path, modified: ThreeThirtyModel())
    return standins


def test_the_inspector_reads_a_rendered_clock_and_shows_the_time(model_standin):
    at = started(inspector_script)
    assert at.selectbox(key="insp_run").value == "clock_sincos"
    assert metric_value(at, "Predicted time") == "3:30"
    assert "0 min off" in next(m for m in at.metric if m.label == "Predicted time").delta
    at.number_input(key="insp_hour").set_value(4).run()
    assert "60 min off (true 4:30)" in next(m for m in at.metric if m.label == "Predicted time").delta
    assert any("angle" in " ".join(df.value.columns) for df in at.dataframe)


def test_the_inspector_explains_a_clock_behind_a_button(model_standin):
    at = started(inspector_script)
    assert not any("Bright areas" in c.value for c in at.caption)
    at.button(key="insp_explain").click().run()
    assert not at.exception, at.exception
    assert any("Bright areas" in c.value for c in at.caption)


def test_the_inspector_reads_an_uploaded_npy_clock(model_standin):
    at = started(inspector_script)
    at.radio(key="insp_source").set_value("Upload an image").run()
    buffer = io.BytesIO()
    np.save(buffer, np.full((150, 150), 90, np.uint8), allow_pickle=False)
    at.file_uploader(key="insp_upload").set_value(("clock.npy", buffer.getvalue(), "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert metric_value(at, "Predicted time") == "3:30"


def test_uploading_a_bad_image_gives_a_clear_message(model_standin):
    at = started(inspector_script)
    at.radio(key="insp_source").set_value("Upload an image").run()
    at.file_uploader(key="insp_upload").set_value(("clock.png", b"certainly not a png", "image/png")).run()
    assert not at.exception, at.exception
    assert "clock.png is not a PNG or JPEG picture" in at.error[0].value
    assert not any(m.label == "Predicted time" for m in at.metric)


def test_the_inspector_says_how_sure_the_model_is_and_what_that_measures(model_standin):
    at = started(inspector_script)
    assert metric_value(at, "How sure") == "Sure"  # unit circles, agreeing hands, every turn reads 3:30
    notes = " ".join(c.value for c in at.caption)
    assert "length 1" in notes and "turned 0/90/180/270°" in notes


def photo_png() -> bytes:
    """A 300x400 'photo': a small rendered clock near the top-right corner of a plain wall."""
    from PIL import Image

    from core.clocks.dataset import render_one

    picture = np.full((300, 400), 200, np.uint8)
    picture[40:140, 250:350] = render_one(200, 100, "easy", 1)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()


class RecordingModel(ThreeThirtyModel):
    """The 3:30 stand-in, keeping the clocks it was shown."""

    def __init__(self) -> None:
        self.seen: list[np.ndarray] = []

    def predict(self, images, batch_size=None, verbose=0):
        self.seen.append(np.array(images[0, :, :, 0]))
        return super().predict(images, batch_size, verbose)


def test_an_uploaded_photo_is_cut_around_its_dial_and_the_cut_follows_the_sliders(model_standin, monkeypatch):
    from ui import run_cache as results

    model = RecordingModel()
    monkeypatch.setattr(results, "load_model", lambda path, modified: model)
    at = started(inspector_script)
    at.radio(key="insp_source").set_value("Upload an image").run()
    at.file_uploader(key="insp_upload").set_value(("wall.png", photo_png(), "image/png")).run()
    assert not at.exception, at.exception
    assert any(c.value.startswith("Found the dial at") for c in at.caption)
    assert metric_value(at, "Predicted time") == "3:30" and metric_value(at, "How sure") == "Sure"
    found = model.seen[-1]
    assert found.shape == (SIZE, SIZE) and found.std() > 20  # the clock, not a flat piece of wall
    at.slider(key="insp_zoom").set_value(1.5).run()
    assert not at.exception, at.exception
    assert not np.array_equal(model.seen[-1], found)  # the model reads the new cut at once
    at.button(key="insp_crop_reset").click().run()
    assert not at.exception, at.exception
    assert at.slider(key="insp_zoom").value == 1.0 and metric_value(at, "Predicted time") == "3:30"


def test_a_photo_without_a_dial_is_read_from_its_centre_square(model_standin):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (400, 300), 120).save(buffer, format="PNG")
    at = started(inspector_script)
    at.radio(key="insp_source").set_value("Upload an image").run()
    at.file_uploader(key="insp_upload").set_value(("wall.png", buffer.getvalue(), "image/png")).run()
    assert not at.exception, at.exception
    assert any(c.value.startswith("No dial found: used the centre square.") for c in at.caption)


def test_a_run_without_a_model_file_is_explained(standins):
    at = started(inspector_script)
    assert "has no saved model" in at.info[0].value


def test_the_tell_the_time_page_hosts_both_views(model_standin, monkeypatch):
    from core.runs import jobs

    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: None)
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/clocks.py")
    at.query_params["clk_tab"] = "Confusion & circle"  # the page runs only the open (URL-bound) tab
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="res_run").value == "clock_sincos"
    at.query_params["clk_tab"] = "Inspector"
    at.run()
    assert not at.exception, at.exception
    assert metric_value(at, "Predicted time") == "3:30"
