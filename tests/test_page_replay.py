"""Replay in AppTest: the epoch slider over a tiny run's record on the MLPs-and-CNNs, Permuted-pixels and
Tell-the-time pages; a run without a record, a damaged record and a run still training."""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.data.datasets import CLASS_NAMES
from core.evaluation import replay_views as views
from core.figures.pictures import confusion_picture
from core.runs import jobs
from core.runs import store as runs
from core.runs.replay import REPLAY_FILE, load_replay
from core.runs.training import run_config
from core.storage.atomic import save_npz
from tests.conftest import open_app_page, page_text, tiny_clock_config, tiny_config

EPOCHS = 3


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny finished runs with their records, trained once: an MLP, an MLP on permuted pixels, a clock CNN."""
    root = tmp_path_factory.mktemp("replay-runs")
    configs = {
        "mlp": tiny_config(epochs=EPOCHS),
        "permuted": tiny_config(epochs=EPOCHS, data__permuted=True, data__permutation_seed=5),
        "clock": tiny_clock_config(epochs=2),
    }
    return {name: Path(run_config(config, root=root).path) for name, config in configs.items()}


@pytest.fixture(autouse=True)
def lab_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No pretrained models (only the test's runs show), no worker process, fresh Streamlit caches."""
    empty = tmp_path / "no-pretrained"
    empty.mkdir()
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(empty))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    st.cache_data.clear()
    st.cache_resource.clear()


def install(run: Path, runs_root: Path) -> str:
    """Copy a trained run into this test's runs folder; returns its run id."""
    shutil.copytree(run, runs_root / run.name)
    return run.name


def frame_text(at: AppTest) -> str:
    return next(md.value for md in at.markdown if "(the replay probe)" in md.value)


def pictures(at: AppTest) -> list[np.ndarray]:
    """Every picture on the page as an RGB array (the replay sends its pictures as PNG data URIs)."""
    uris = [picture.url for element in at.get("image") for picture in element.proto.imgs]
    return [
        np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))
        for uri in uris
        if uri.startswith("data:image/png;base64,")
    ]


def open_lab(runs_root: Path, run_id: str) -> AppTest:
    return open_app_page("pages/mlp-cnn.py", run=run_id, replay="true")


def test_a_recorded_run_gets_an_epoch_slider_on_its_last_epoch(trained, runs_root):
    run_id = install(trained["mlp"], runs_root)
    at = open_lab(runs_root, run_id)
    slider = at.select_slider(key=f"replay_{run_id}_epoch")
    assert list(slider.options) == [f"epoch {e}" for e in range(EPOCHS + 1)]
    assert frame_text(at).startswith(f"**Epoch {EPOCHS} of {EPOCHS} — ")
    assert "test images (the replay probe)" in frame_text(at) and "% right" in frame_text(at)
    assert "probe images wrong" in page_text(at)


def test_moving_the_slider_shows_that_epochs_frame(trained, runs_root):
    run_id = install(trained["mlp"], runs_root)
    at = open_lab(runs_root, run_id)
    at.select_slider(key=f"replay_{run_id}_epoch").set_value(0).run()
    assert not at.exception, at.exception
    assert frame_text(at).startswith(f"**Epoch 0 of {EPOCHS} (before training) — ")
    assert any("What 16 hidden units look for, epoch 0" in text.value for text in at.markdown)
    replay = load_replay(runs_root / run_id)
    confusion = confusion_picture(
        views.probe_confusion(replay, 0), CLASS_NAMES["mnist"], "Confusion on the probe, epoch 0"
    )
    assert any(np.array_equal(picture, confusion) for picture in pictures(at))


def test_play_starts_from_the_first_epoch_and_pause_stops_it(trained, runs_root):
    run_id = install(trained["mlp"], runs_root)
    at = open_lab(runs_root, run_id)
    at.button(key=f"replay_{run_id}_play").click().run()
    assert not at.exception, at.exception
    assert frame_text(at).startswith(f"**Epoch 1 of {EPOCHS} — ")  # rewound to 0, then one tick
    assert at.button(key=f"replay_{run_id}_play").label == "Pause"
    at.button(key=f"replay_{run_id}_play").click().run()
    assert at.button(key=f"replay_{run_id}_play").label == "Play"
    assert frame_text(at).startswith(f"**Epoch 1 of {EPOCHS} — ")


def test_play_stops_at_the_last_epoch(trained, runs_root):
    run_id = install(trained["mlp"], runs_root)
    at = open_lab(runs_root, run_id)
    at.button(key=f"replay_{run_id}_play").click().run()
    for _ in range(EPOCHS + 1):  # each run of the page is one tick (run_every does not tick in AppTest)
        at.run()
    assert frame_text(at).startswith(f"**Epoch {EPOCHS} of {EPOCHS} — ")
    assert at.button(key=f"replay_{run_id}_play").label == "Play"


def test_a_run_without_a_record_says_so(trained, runs_root):
    run_id = install(trained["mlp"], runs_root)
    (runs_root / run_id / REPLAY_FILE).unlink()
    at = open_lab(runs_root, run_id)
    assert "has no replay record" in page_text(at)
    assert not [slider for slider in at.select_slider if slider.key == f"replay_{run_id}_epoch"]


def test_a_damaged_record_gets_a_sentence(trained, runs_root):
    run_id = install(trained["mlp"], runs_root)
    (runs_root / run_id / REPLAY_FILE).write_bytes(b"not a zip")
    at = open_lab(runs_root, run_id)
    assert "is damaged, so it cannot be replayed" in page_text(at)


def test_the_slider_follows_a_run_while_it_trains(trained, runs_root):
    run_id = install(trained["mlp"], runs_root)
    folder = runs_root / run_id
    record = load_replay(folder).arrays()
    growing = {
        name: values[:2] if name in ("epochs", "predicted", "probabilities", "weights") else values
        for name, values in record.items()
    }
    save_npz(folder / REPLAY_FILE, **growing)
    runs.set_status(folder, state="running")
    at = open_app_page("pages/mlp-cnn.py", run=run_id)  # open while the run trains
    assert frame_text(at).startswith(f"**Epoch 1 of {EPOCHS} — ")
    save_npz(folder / REPLAY_FILE, **record)
    at.run()
    assert frame_text(at).startswith(f"**Epoch {EPOCHS} of {EPOCHS} — ")


def test_the_permuted_mlps_weights_are_replayed_in_pixel_order(trained, runs_root):
    run_id = install(trained["permuted"], runs_root)
    at = open_app_page("pages/permuted.py", run=run_id, preplay="true")
    at.segmented_control(key="preplay_model").set_value(run_id).run()
    assert not at.exception, at.exception
    assert "test images (the replay probe)" in frame_text(at)
    assert any("put back in pixel order" in text.value for text in at.markdown)


def clock_results_script() -> None:
    from core.runs.store import list_runs
    from ui.clocks.results_tab import draw_results

    draw_results(list_runs(with_history=False), False)


def test_a_clock_run_replays_its_circle_and_mean_error(trained, runs_root):
    install(trained["clock"], runs_root)
    at = AppTest.from_function(clock_results_script, default_timeout=60)
    at.query_params["res_replay"] = "true"
    at.run()
    assert not at.exception, at.exception
    assert "test clocks (the replay probe): mean error" in frame_text(at)
    specs = [str(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert any("Hour circle, epoch 2" in spec for spec in specs)
    assert not any("Confusion on the probe" in spec for spec in specs)  # a picture, not a chart
    assert any(picture.shape[0] > 24 * 10 for picture in pictures(at))  # 24 half-hour rows
    assert np.isfinite(float(frame_text(at).split("mean error ")[1].split(" min")[0]))
