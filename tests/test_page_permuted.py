"""The Permuted-pixels page: the shuffle follows its seed, the chart reads the metrics, retraining queues runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

# The stand-in pretrained folder is built once per session by the MLPs-and-CNNs page tests' fixture.
from test_page_mlp_cnn import NAMES, standin_pretrained  # noqa: F401

from core.lab.permuted import permutation_reading, permutation_rows
from core.runs import jobs
from core.runs import store as runs
from core.runs.pretrain import RECIPES
from core.storage.paths import REPO_ROOT


@pytest.fixture(autouse=True)
def lab_env(monkeypatch: pytest.MonkeyPatch, standin_pretrained: Path) -> None:  # noqa: F811
    """Pretrained results in place, no worker process, fresh Streamlit caches."""
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(standin_pretrained))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/permuted.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def image_sources(at: AppTest) -> list[str]:
    """The picture inside each image-grid chart (the go.Image source), in page order."""
    sources = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        sources += [trace["source"] for trace in spec["data"] if trace.get("type") == "image"]
    return sources


def test_page_renders_the_chart_table_and_reading_from_the_metrics(standin_pretrained: Path) -> None:  # noqa: F811
    at = open_page()
    assert len(at.dataframe[0].value) == 8
    rows = permutation_rows(runs.read_run(standin_pretrained / name) for name in NAMES)
    expected = permutation_reading(rows)
    assert expected and any(expected in md.value for md in at.markdown)
    assert any("equal the originals exactly" in box.value for box in at.success)


def test_the_permutation_seed_changes_the_permuted_images_only() -> None:
    at = open_page()
    original, permuted = image_sources(at)[:2]
    at.number_input(key="perm_seed").set_value(5).run()
    assert not at.exception
    original_after, permuted_after = image_sources(at)[:2]
    assert original_after == original and permuted_after != permuted


def test_the_page_says_kindly_when_pretrained_models_are_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(tmp_path / "empty"))
    at = open_page()
    assert any("not installed yet" in info.value for info in at.info)


def test_retrain_queues_the_best_mlp_and_cnn_on_permuted_pixels() -> None:
    at = open_page(perm_seed="3")
    at.segmented_control(key="dataset").set_value("fashion-mnist").run()
    at.button(key="retrain").click().run()
    assert not at.exception
    configs = sorted((info.config for info in runs.list_runs()), key=lambda c: c["model"]["kind"])
    assert [c["model"] for c in configs] == [
        RECIPES["fashion_cnn_permuted"].config.to_dict()["model"],
        RECIPES["fashion_mlp_permuted"].config.to_dict()["model"],
    ]
    for config in configs:
        assert config["data"]["permuted"] and config["data"]["permutation_seed"] == 3
        assert config["data"]["dataset"] == "fashion-mnist" and 0 < config["data"]["limit_train"] <= 10000
    assert len(at.dataframe[-1].value) == 2


def test_start_queues_the_chosen_recipe_with_the_permuted_flag_and_seed() -> None:
    at = open_page(perm_seed="7")
    at.radio(key="train_kind").set_value("cnn")
    at.slider(key="train_epochs").set_value(2).run()
    at.button(key="train_start_permuted").click().run()
    assert not at.exception
    (info,) = runs.list_runs()
    assert info.config["model"]["kind"] == "cnn" and info.config["epochs"] == 2
    assert info.config["data"]["permuted"] and info.config["data"]["permutation_seed"] == 7
