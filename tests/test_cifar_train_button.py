"""The MLPs-and-CNNs page's Train panel with CIFAR-10 picked: Start is disabled and the sidebar says how to get the
data while it is not on this machine (no run is queued only to fail), and enabled once it is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.data.datasets import cifar_cache_file, clear_dataset_cache
from core.runs import jobs
from tests.conftest import open_app_page
from tests.test_cifar10 import write_cifar_npz

START = "train_start_mlp-cnn"


@pytest.fixture(autouse=True)
def no_cifar_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """CIFAR-10 is on this machine only where a test writes it; no pretrained models, no worker, fresh caches."""
    monkeypatch.setenv("CLOCKWORK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CLOCKWORK_DATA_DIR", str(tmp_path / "shared"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(tmp_path / "pretrained"))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    clear_dataset_cache()
    st.cache_data.clear()
    yield
    clear_dataset_cache()


def open_with(dataset: str) -> AppTest:
    at = open_app_page("pages/mlp-cnn.py")
    at.segmented_control(key="dataset").set_value(dataset).run()
    assert not at.exception, at.exception
    return at


def test_without_cifar_start_is_disabled_and_the_panel_says_how_to_get_it() -> None:
    at = open_with("cifar10")
    assert at.button(key=START).disabled
    sidebar_info = " ".join(box.value for box in at.sidebar.info)
    assert "CIFAR-10 is not on this machine" in sidebar_info and "keras.datasets.cifar10.load_data()" in sidebar_info


def test_with_cifar_on_the_machine_start_is_enabled() -> None:
    write_cifar_npz(cifar_cache_file())
    at = open_with("cifar10")
    assert not at.button(key=START).disabled
    assert not at.sidebar.info


def test_the_offline_datasets_keep_start_enabled() -> None:
    at = open_with("fashion-mnist")
    assert not at.button(key=START).disabled
