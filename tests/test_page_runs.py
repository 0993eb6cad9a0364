"""The Runs page: lists pretrained and user runs, shows a selected run, deletes with a confirm step, stops queued runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.config import DataConfig, ModelConfig, RunConfig
from core.runs import store as runs
from tests.conftest import page_text

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
TINY = RunConfig(
    name="tiny real",
    data=DataConfig(dataset="mnist", source="embedded", limit_train=200),
    model=ModelConfig(kind="mlp", hidden=[8]),
    epochs=1,
    batch_size=32,
)


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real, complete run folder (about 5 s: 200 MNIST images, one epoch), made once per session."""
    from core.runs.training import run_config

    info = run_config(TINY, root=tmp_path_factory.mktemp("runs-template"))
    assert info.state == "done", info.status.get("reason")
    return info.path


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty pretrained folder and cleared Streamlit caches for every test."""
    pretrained = tmp_path / "pretrained"
    pretrained.mkdir()
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(pretrained))
    st.cache_data.clear()
    st.cache_resource.clear()
    return pretrained


def add_run(finished_run: Path, root: Path) -> Path:
    """A copy of the finished run in this test's runs folder."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copytree(finished_run, root / finished_run.name))


def open_runs(selected: str = "") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/runs.py")
    if selected:
        at.query_params["runs"] = selected
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_page_says_so_when_there_are_no_runs() -> None:
    at = open_runs()
    assert any("No runs yet" in e.value for e in at.info)
    assert "Nothing is queued" in page_text(at)


def test_a_finished_run_appears_in_the_table(finished_run: Path, runs_root: Path) -> None:
    add_run(finished_run, runs_root)
    at = open_runs()
    table = at.dataframe[0].value
    assert list(table["run"]) == ["tiny real"]
    assert list(table["state"]) == ["done"] and list(table["source"]) == ["yours"]


def test_selecting_a_run_shows_its_metrics_and_downloads(finished_run: Path, runs_root: Path) -> None:
    path = add_run(finished_run, runs_root)
    at = open_runs(selected=path.name)
    labels = {m.label: m.value for m in at.metric}
    accuracy = runs.read_run(path).metrics["accuracy"]
    assert labels["Test accuracy"] == f"{100 * accuracy:.2f}%"
    assert "test accuracy" in page_text(at)
    downloads = [e for e in at.get("download_button")]
    assert len(downloads) == 6  # curves + model, metrics, history, config, curves of the run


def test_filters_hide_runs_that_do_not_match(finished_run: Path, runs_root: Path, fresh: Path) -> None:
    add_run(finished_run, runs_root)
    shutil.copytree(finished_run, fresh / "mnist_mlp")
    at = open_runs()
    assert len(at.dataframe[0].value) == 2
    at.multiselect(key="runs_source").select("pretrained").run()
    assert list(at.dataframe[0].value["source"]) == ["pretrained"]
    at.multiselect(key="runs_source").unselect("pretrained").select("yours").run()
    at.multiselect(key="runs_dataset").select("clocks").run()
    assert any("No run matches" in e.value for e in at.info)


def test_delete_removes_a_user_run_after_confirming(finished_run: Path, runs_root: Path) -> None:
    path = add_run(finished_run, runs_root)
    at = open_runs(selected=path.name)
    at.button(key=f"runs_delete_{path.name}").click().run()
    assert path.is_dir(), "the first click only asks"
    at.button(key=f"runs_confirm_{path.name}").click().run()
    assert not at.exception
    assert not path.exists()
    assert any("No runs yet" in e.value for e in at.info)


def test_a_running_run_is_not_deleted_and_the_page_says_why(finished_run: Path, runs_root: Path) -> None:
    path = add_run(finished_run, runs_root)
    runs.set_status(path, state="running")
    at = open_runs(selected=path.name)
    at.button(key=f"runs_delete_{path.name}").click().run()
    at.button(key=f"runs_confirm_{path.name}").click().run()
    assert path.is_dir()
    assert any("cancel it first" in e.value for e in at.error)


def test_a_pretrained_run_cannot_be_deleted(finished_run: Path, fresh: Path) -> None:
    shutil.copytree(finished_run, fresh / "mnist_mlp")
    at = open_runs(selected="mnist_mlp")
    assert "Pretrained models cannot be deleted" in page_text(at)
    assert not [b for b in at.button if b.key and b.key.startswith("runs_delete_")]


def test_the_queue_lets_a_user_stop_their_own_queued_run(runs_root: Path) -> None:
    at = open_runs()
    mine = runs.create_run(TINY, runs_root, owner=at.session_state["session_id"])
    runs.create_run(RunConfig(name="someone else"), runs_root, owner="another")
    at.run()
    assert f"runs_stop_{mine.name}" in [b.key for b in at.button]
    assert len([b for b in at.button if b.key and b.key.startswith("runs_stop_")]) == 1
    at.button(key=f"runs_stop_{mine.name}").click().run()
    assert runs.read_status(mine)["state"] == "cancelled"
