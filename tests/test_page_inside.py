"""Inside the network, in AppTest: a picked test image through the pretrained MNIST models (the canvas itself
needs a browser: tests/test_browser_canvas.py), the permuted models' view and weights, and the clock tab's polar
view turning with its slider."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.data.datasets import CLASS_NAMES, load_dataset
from core.data.permutation import permute_images, pixel_permutation
from core.models.build import POLAR_GRID
from core.runs import jobs
from core.runs import store as runs
from core.storage.paths import REPO_ROOT
from tests.conftest import open_app_page, page_text, tiny_clock_config

APP = str(REPO_ROOT / "streamlit_app.py")
PRETRAINED = REPO_ROOT / "pretrained"
NEEDED = ("mnist_mlp", "mnist_cnn", "mnist_mlp_permuted", "mnist_cnn_permuted")

pytestmark = pytest.mark.skipif(
    not all((PRETRAINED / name / "model.keras").is_file() for name in NEEDED),
    reason="the pretrained MNIST models are not installed",
)


@pytest.fixture(autouse=True)
def lab_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped pretrained models, no worker process, fresh Streamlit caches."""
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(PRETRAINED))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(page: str, **params: str) -> AppTest:
    return open_app_page(page, **params)


def pick_test_image(at: AppTest, prefix: str, index: int) -> AppTest:
    at.segmented_control(key=f"{prefix}_source").set_value("A test image").run()
    at.number_input(key=f"{prefix}_test_index").set_value(index).run()
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> list[list[dict]]:
    """The traces of every Plotly chart on the page, in page order."""
    return [json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart")]


def chart_named(at: AppTest, *names: str) -> list[dict]:
    """The first chart whose trace names are exactly `names`."""
    return next(data for data in charts(at) if [trace.get("name") for trace in data] == list(names))


def strip(at: AppTest) -> list[dict]:
    """The layer strip's traces: the chart that starts with its picture and ends with the prediction."""
    return next(data for data in charts(at) if data[0].get("name") == "strip" and data[-1].get("name") == "prediction")


def panel(at: AppTest, name: str) -> dict:
    """One trace laid over the layer strip's picture (not the clickable tiles over a layer's maps)."""
    return next(trace for trace in strip(at) if trace.get("name") == name and "meta" not in trace)


def array(value) -> np.ndarray:
    """A trace's data array as NumPy: Plotly sends big arrays as typed buffers ({dtype, bdata, shape})."""
    if isinstance(value, dict) and "bdata" in value:
        shape = [int(size) for size in str(value.get("shape", "-1")).split(",")]
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).reshape(shape)
    return np.asarray(value, dtype=float)


def said(at: AppTest) -> str:
    return next(md.value for md in at.markdown if md.value.startswith("The network says"))


def predicted_class(name: str, image: np.ndarray) -> int:
    from core.evaluation.metrics import predict_outputs
    from core.models.saved import load_model_file

    return int(np.argmax(predict_outputs(load_model_file(PRETRAINED / name), image[None])["label"][0]))


def test_the_section_opens_on_request_and_asks_for_a_drawing() -> None:
    closed = open_page("pages/mlp-cnn.py")
    assert "canvas is empty" not in page_text(closed)
    at = open_page("pages/mlp-cnn.py", inside="true")
    assert "The canvas is empty: draw a digit" in page_text(at)


def test_a_test_image_goes_through_the_cnn_layer_by_layer() -> None:
    at = open_page("pages/mlp-cnn.py", inside="true")
    at.segmented_control(key="inside_model").set_value("pretrained CNN").run()
    pick_test_image(at, "inside", 7)
    image = load_dataset("mnist").x_test[7]
    np.testing.assert_array_equal(array(panel(at, "input")["z"]), image)
    assert said(at).startswith(f"The network says **{predicted_class('mnist_cnn', image)}**")
    assert list(panel(at, "prediction")["text"]) == CLASS_NAMES["mnist"]
    assert [trace["name"] for trace in strip(at) if "meta" not in trace] == ["strip", "input", "dense_0", "prediction"]
    assert [trace["meta"] for trace in strip(at) if "meta" in trace] == [
        "conv_0_0",
        "conv_0_1",
        "pool_0",
        "conv_1_0",
        "conv_1_1",
        "pool_1",
    ]
    assert chart_named(at, "filters")
    assert not [data for data in charts(at) if data[0].get("name") == "feature map"]  # none enlarged until asked
    at.selectbox(key="inside_layer").set_value("pool_1").run()
    at.number_input(key="inside_channel").set_value(64).run()
    assert array(chart_named(at, "feature map")[0]["z"]).shape == (7, 7)


def test_the_mlp_shows_what_its_strongest_hidden_units_look_for() -> None:
    at = pick_test_image(open_page("pages/mlp-cnn.py", inside="true"), "inside", 0)
    weights = chart_named(at, "weights")[0]
    units = {int(u) for u in array(weights["customdata"]).ravel() if u >= 0}
    assert len(units) == 32 and all(0 <= unit < 300 for unit in units)
    assert "An MLP has no feature maps" in page_text(at)


def test_a_model_that_cannot_load_gets_one_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("mnist_mlp", "mnist_cnn"):
        shutil.copytree(PRETRAINED / name, tmp_path / name, ignore=shutil.ignore_patterns("model.keras"))
        (tmp_path / name / "model.keras").write_bytes(b"not a keras archive")
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(tmp_path))
    at = open_page("pages/mlp-cnn.py", inside="true")
    assert any("`mnist_mlp` cannot be loaded right now" in box.value for box in at.warning)


def test_the_permuted_mlp_sees_the_shuffled_image_and_its_weights_come_back_as_strokes() -> None:
    at = pick_test_image(open_page("pages/permuted.py", pinside="true"), "pinside", 4)
    seen = permute_images(load_dataset("mnist").x_test[4:5], pixel_permutation(0))[0]
    assert [image.proto.imgs[0].caption for image in at.get("image")][:2] == ["28x28", "every pixel it reads, enlarged"]
    assert said(at).startswith(f"The network says **{predicted_class('mnist_mlp_permuted', seen)}**")
    assert list(chart_named(at, "prediction")[0]["y"]) == CLASS_NAMES["mnist"]
    at.toggle(key="pinside_layers").set_value(True).run()
    np.testing.assert_array_equal(array(panel(at, "input")["z"]), seen)
    assert not [data for data in charts(at) if [trace.get("name") for trace in data] == ["prediction"]]  # in the strip
    weights = [data for data in charts(at) if [trace.get("name") for trace in data] == ["weights"]]
    assert len(weights) == 3  # as trained, un-permuted, and the MLP trained on original pixels
    raw, restored = (array(data[0]["z"]) for data in weights[:2])
    assert raw.shape == restored.shape and not np.allclose(np.nan_to_num(raw), np.nan_to_num(restored))
    at.segmented_control(key="pinside_model").set_value("cnn").run()
    assert not at.exception
    assert len([data for data in charts(at) if [trace.get("name") for trace in data] == ["filters"]]) == 2


# ---- the clock tab (drawn on its own: pages/clocks.py wires it in) ---------------------------------------------


def clock_tab_app() -> None:
    """The tab over the runs in $CLOCKWORK_RUNS."""
    from core.runs import store
    from ui.clocks.inside_tab import draw_inside

    draw_inside(store.list_runs(with_history=False), False)


def no_clock_runs_app() -> None:
    """The tab with no clock runs at all."""
    from ui.clocks.inside_tab import draw_inside

    draw_inside([], False)


def save_tiny_clock_model(root: Path, polar: bool, find_dial: bool = False) -> Path:
    """A finished (untrained) tiny clock run on the polar grid or not (finding the dial with the shipped finder, or
    not): its folder."""
    from core.models.build import build_model, input_shape_for
    from core.models.encodings import encoding_for

    filters = [4, 4, 8] if polar else [4, 8]
    config = tiny_clock_config(
        model__polar=polar,
        model__find_dial=find_dial,
        model__conv_filters=filters,
        model__hidden=[8],
        data__augment=False,
    )
    config.name = "tiny_polar" if polar else "tiny_plain"
    folder = runs.create_run(config, root, state="done")
    build_model(config, input_shape_for(config), encoding_for(config)).save(folder / "model.keras")
    return folder


def polar_z(at: AppTest) -> np.ndarray:
    polar = next(trace for trace in chart_named(at, "clock", "polar") if trace["name"] == "polar")
    return array(polar["z"])


def test_the_clock_tab_turns_the_clock_and_its_polar_image_slides(runs_root: Path) -> None:
    save_tiny_clock_model(runs_root, polar=True)
    at = AppTest.from_function(clock_tab_app, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    upright = polar_z(at)
    assert upright.shape == POLAR_GRID
    at.slider(key="inside_clk_turn").set_value(90).run()
    np.testing.assert_allclose(polar_z(at), np.roll(upright, POLAR_GRID[1] // 4, axis=1), atol=1.0)
    assert chart_named(at, "polar_conv_0") and "reads" in page_text(at)
    at.selectbox(key="inside_clk_layer").set_value("polar_conv_1").run()
    assert chart_named(at, "polar_conv_1")


def test_the_clock_tab_draws_the_dial_a_model_that_finds_it_found_and_its_own_polar_image(runs_root: Path) -> None:
    save_tiny_clock_model(runs_root, polar=True, find_dial=True)
    at = AppTest.from_function(clock_tab_app, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    _, polar, found = chart_named(at, "clock", "polar", "found dial")
    hub_column, hub_row = array(found["x"])[-1], array(found["y"])[-1]  # the last point is the hub
    assert 20 < hub_column < 55 and 20 < hub_row < 55  # near the middle of the 75-px clock
    assert array(polar["z"]).shape == POLAR_GRID and "dial finder located" in page_text(at)


def test_the_clock_tab_says_when_a_model_has_no_polar_layer(runs_root: Path) -> None:
    save_tiny_clock_model(runs_root, polar=False)
    at = AppTest.from_function(clock_tab_app, default_timeout=60)
    at.run()
    assert not at.exception and "has no polar layer" in page_text(at)
    empty = AppTest.from_function(no_clock_runs_app)
    empty.run()
    assert "No clock models to look inside yet" in page_text(empty)
