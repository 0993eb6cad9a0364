"""The sidebar Train panel, hosted in a tiny script: Start queues, Stop cancels, progress and errors show."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.config import DataConfig, ModelConfig, RunConfig
from core.runs import jobs
from core.runs import store as runs
from tests.conftest import page_text


def panel_script() -> None:
    import streamlit as st

    from core.config import DataConfig, ModelConfig, OptimizerConfig, RunConfig
    from ui.state import init_state
    from ui.train_panel import train_panel

    init_state()

    def config_ui() -> RunConfig:
        rate = st.number_input("Learning rate", value=0.001, format="%.4f", key="rate")
        return RunConfig(
            name="panel test",
            data=DataConfig(dataset="mnist", source="embedded", limit_train=200),
            model=ModelConfig(kind="mlp", hidden=[8]),
            optimizer=OptimizerConfig(learning_rate=rate),
            epochs=1,
        )

    run = train_panel("test", config_ui)
    st.write(f"current run: {run.run_id if run else 'none'}")


@pytest.fixture(autouse=True)
def no_worker(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """No worker process in unit tests; counts the calls instead."""
    calls: list[int] = []
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: calls.append(1) or True)
    st.cache_data.clear()
    st.cache_resource.clear()
    return calls


def start_app() -> AppTest:
    at = AppTest.from_function(panel_script, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception
    return at


def test_start_queues_a_run_folder_and_puts_its_id_in_the_url(runs_root: Path, no_worker: list[int]) -> None:
    at = click(start_app(), "train_start_test")
    (info,) = runs.list_runs(runs_root)
    assert info.state == "queued" and info.config["name"] == "panel test"
    assert info.status["owner"] == at.session_state["session_id"]
    assert at.query_params["run"] == info.run_id
    assert no_worker, "Start must make sure a worker runs"
    assert f"current run: {info.run_id}" in page_text(at)


def test_a_bad_config_shows_an_error_and_disables_start(runs_root: Path) -> None:
    at = start_app()
    at.number_input(key="rate").set_value(0.0).run()
    assert any("learning_rate" in error.value for error in at.error)
    assert at.button(key="train_start_test").disabled
    assert runs.list_runs(runs_root) == []


def test_stop_cancels_a_queued_run(runs_root: Path) -> None:
    at = click(start_app(), "train_start_test")
    assert not at.button(key="train_stop_test").disabled
    click(at, "train_stop_test")
    (info,) = runs.list_runs(runs_root)
    assert info.state == "cancelled"
    assert at.button(key="train_stop_test").disabled


def test_a_running_run_shows_epoch_batch_eta_and_loss(runs_root: Path) -> None:
    at = click(start_app(), "train_start_test")
    (info,) = runs.list_runs(runs_root)
    runs.set_status(
        info.path,
        state="running",
        progress={
            "epoch": 2,
            "epochs": 5,
            "batch": 120,
            "batches": 422,
            "elapsed_s": 30.0,
            "eta_s": 41.0,
            "loss": 0.53,
        },
    )
    at.run()
    text = page_text(at)
    assert "epoch 2/5 · batch 120/422 · ETA 0:41 · loss 0.53" in text


def test_a_finished_run_shows_its_test_accuracy(runs_root: Path) -> None:
    at = click(start_app(), "train_start_test")
    (info,) = runs.list_runs(runs_root)
    runs.set_status(info.path, state="done")
    (info.path / "metrics.json").write_text('{"accuracy": 0.9123}')
    at.run()
    assert "test accuracy 91.23%" in page_text(at)


def test_a_failed_run_shows_its_reason(runs_root: Path) -> None:
    at = click(start_app(), "train_start_test")
    (info,) = runs.list_runs(runs_root)
    runs.set_status(info.path, state="failed", reason="loss became NaN at epoch 1")
    at.run()
    assert any("NaN" in error.value for error in at.error)


def test_the_queue_marks_this_sessions_runs(runs_root: Path) -> None:
    runs.create_run(RunConfig(name="someone else"), runs_root, owner="another")
    at = click(start_app(), "train_start_test")
    text = page_text(at)
    assert "someone else · queued" in text
    assert "panel test · queued · **yours**" in text


def test_a_fourth_waiting_run_is_refused(runs_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOCKWORK_MAX_QUEUED", "3")
    at = start_app()
    for _ in range(4):
        click(at, "train_start_test")
    assert len(runs.list_runs(runs_root)) == 3
    assert any("at most 3" in error.value for error in at.error)


def test_a_reload_finds_the_run_from_the_url(runs_root: Path) -> None:
    path = runs.create_run(
        RunConfig(name="from the link", data=DataConfig(dataset="mnist"), model=ModelConfig(kind="mlp")), runs_root
    )
    at = AppTest.from_function(panel_script, default_timeout=30)
    at.query_params["run"] = path.name
    at.run()
    assert not at.exception
    assert f"current run: {path.name}" in page_text(at)
    assert "from the link" in page_text(at)
