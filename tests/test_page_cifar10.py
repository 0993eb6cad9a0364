"""The MLPs-and-CNNs page on CIFAR-10: one sentence where the data is not on the machine (and a disabled Start, so
no run is queued only to fail), colour photos where it is, and a user's run seen in colour in the results and
inside the network."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.data.datasets import cifar_cache_file, clear_dataset_cache
from core.runs import jobs
from core.runs.training import run_config
from tests.conftest import open_app_page, page_text, tiny_config
from tests.test_cifar10 import write_cifar_npz

PAGE = "pages/mlp-cnn.py"


@pytest.fixture(autouse=True)
def cifar_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No CIFAR-10 anywhere unless a test writes it, no pretrained models, no worker, fresh caches."""
    monkeypatch.setenv("CLOCKWORK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CLOCKWORK_DATA_DIR", str(tmp_path / "shared"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(tmp_path / "pretrained"))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    clear_dataset_cache()
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    clear_dataset_cache()


def open_cifar_page(run_id: str = "") -> AppTest:
    """The page with CIFAR-10 picked, Inside the network open and, if given, the run this session started."""
    at = open_app_page(PAGE, inside="true")
    if run_id:
        at.session_state["train_runs"] = {"mlp-cnn": run_id}
    at.segmented_control(key="dataset").set_value("cifar10").run()
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> list[list[dict]]:
    return [json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart")]


def pictures(at: AppTest) -> list[np.ndarray]:
    """The RGB pixels of every image-grid chart on the page (their one PNG picture each), in page order."""
    found = []
    for data in charts(at):
        for trace in data:
            if trace.get("type") == "image" and str(trace.get("source", "")).startswith("data:image/png;base64,"):
                png = base64.b64decode(trace["source"].split(",", 1)[1])
                found.append(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))
    return found


def is_colour(picture: np.ndarray) -> bool:
    return bool((np.ptp(picture.astype(int), axis=-1) > 30).any())


def test_without_the_data_the_page_says_how_to_get_it_instead_of_empty_figures() -> None:
    at = open_cifar_page()
    text = page_text(at)
    assert text.count("CIFAR-10 is not on this machine") >= 3  # samples, Train panel, inside the network
    assert "keras.datasets.cifar10.load_data()" in text
    assert "No pretrained model ships for this dataset" in text
    assert not pictures(at)


def test_with_the_file_in_the_cache_the_samples_are_colour_photos() -> None:
    write_cifar_npz(cifar_cache_file())
    at = open_cifar_page()
    assert "not on this machine" not in page_text(at)
    samples = next(data for data in charts(at) if data[0].get("name") == "images")
    assert {"airplane", "truck"} <= set(next(trace for trace in samples if trace["name"] == "captions")["text"])
    assert is_colour(pictures(at)[0])


def test_a_users_cifar_run_shows_colour_mistakes_and_a_colour_inside(tmp_path: Path, runs_root: Path) -> None:
    file = write_cifar_npz(cifar_cache_file())
    config = tiny_config(data__dataset="cifar10", data__source="path", data__path=str(file), data__limit_train=0)
    info = run_config(config, runs_root)
    assert info.state == "done", info.status.get("reason")
    at = open_cifar_page(info.run_id)
    text = page_text(at)
    assert "The drawing canvas is for digits and garments" in text and "Test image #0" in text
    input_trace = next(trace for data in charts(at) for trace in data if trace.get("name") == "input")
    assert input_trace["type"] == "image"
    grids = pictures(at)  # samples, the confusion cell's test photos, the first layer's units
    assert len(grids) >= 3 and all(is_colour(grid) for grid in grids)
    assert "3,072 weights" in text


START = "train_start_mlp-cnn"


def open_with(dataset: str) -> AppTest:
    at = open_app_page(PAGE)
    at.segmented_control(key="dataset").set_value(dataset).run()
    assert not at.exception, at.exception
    return at


def test_without_cifar_start_is_disabled_and_the_panel_says_how_to_get_it() -> None:
    at = open_with("cifar10")
    assert at.button(key=START).disabled
    sidebar_info = " ".join(box.value for box in at.sidebar.info)
    assert "CIFAR-10 is not on this machine" in sidebar_info and "keras.datasets.cifar10.load_data()" in sidebar_info


def test_without_cifar_the_compare_section_queues_nothing_and_says_why() -> None:
    at = open_with("cifar10")
    assert at.button(key="compare_queue").disabled
    assert any("CIFAR-10 is not on this machine" in box.value for box in at.main.info)


def test_with_cifar_on_the_machine_start_is_enabled() -> None:
    write_cifar_npz(cifar_cache_file())
    at = open_with("cifar10")
    assert not at.button(key=START).disabled
    assert not at.sidebar.info


def test_the_offline_datasets_keep_start_enabled() -> None:
    at = open_with("fashion-mnist")
    assert not at.button(key=START).disabled
