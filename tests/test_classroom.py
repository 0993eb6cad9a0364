"""Classroom mode: limits from the environment, refusals with clear messages, and the teacher's queue control."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.config import ConfigError
from core.runs import classroom, jobs
from core.runs import store as runs
from core.runs.classroom import ClassroomLimitError, ClassroomLimits, check_submission, limits_from_env

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
CLASSROOM_ENV = ("CLOCKWORK_CLASSROOM", "CLOCKWORK_MAX_QUEUED", "CLOCKWORK_MAX_EPOCHS", "CLOCKWORK_TEACHER_PASSWORD")


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No classroom setting leaks in from the shell; no worker starts; an empty pretrained folder; fresh caches."""
    for name in CLASSROOM_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: True)
    (tmp_path / "pretrained").mkdir()
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(tmp_path / "pretrained"))
    st.cache_data.clear()
    st.cache_resource.clear()


# -- limits from the environment ------------------------------------------------------------------------------


def test_outside_classroom_mode_the_everyday_limits_apply():
    limits = limits_from_env({})
    assert limits == ClassroomLimits(enabled=False, max_queued=classroom.DEFAULT_MAX_QUEUED, max_epochs=200)
    assert not limits.teacher_control


def test_classroom_mode_defaults_to_two_waiting_runs_and_twenty_epochs():
    limits = limits_from_env({"CLOCKWORK_CLASSROOM": "1"})
    assert (limits.enabled, limits.max_queued, limits.max_epochs) == (True, 2, 20)


def test_the_environment_can_set_each_limit():
    limits = limits_from_env({"CLOCKWORK_CLASSROOM": "yes", "CLOCKWORK_MAX_QUEUED": "4", "CLOCKWORK_MAX_EPOCHS": "7"})
    assert (limits.max_queued, limits.max_epochs) == (4, 7)


@pytest.mark.parametrize("value, fragment", [("two", "whole number"), ("0", "between 1"), ("500", "between 1 and 200")])
def test_a_bad_limit_in_the_environment_is_named(value, fragment):
    with pytest.raises(ClassroomLimitError, match=f"CLOCKWORK_MAX_EPOCHS must be.*{fragment}"):
        limits_from_env({"CLOCKWORK_MAX_EPOCHS": value})


def test_the_password_never_shows_in_the_limits_repr():
    limits = limits_from_env({"CLOCKWORK_TEACHER_PASSWORD": "s3cret-owl"})
    assert limits.teacher_control and "s3cret-owl" not in repr(limits)


# -- check_submission -----------------------------------------------------------------------------------------

CLASS = ClassroomLimits(enabled=True, max_queued=2, max_epochs=20)


def test_a_run_within_the_limits_passes(make_config):
    check_submission(make_config(epochs=20), 1, limits=CLASS, train_count=230)


def test_too_many_epochs_are_refused_in_classroom_mode(make_config):
    with pytest.raises(ClassroomLimitError, match="21 epochs asked for; at most 20 are allowed in classroom mode"):
        check_submission(make_config(epochs=21), 0, limits=CLASS)


def test_a_third_waiting_run_is_refused_in_classroom_mode(make_config):
    with pytest.raises(ClassroomLimitError, match="You already have 2 run.s. waiting; at most 2 may wait"):
        check_submission(make_config(), 2, limits=CLASS)


def test_several_runs_at_once_count_against_the_waiting_limit(make_config):
    with pytest.raises(ClassroomLimitError, match="at most 2 may wait"):
        check_submission(make_config(), 0, adding=3, limits=CLASS)


def test_a_batch_larger_than_the_training_set_is_refused_with_both_numbers(make_config):
    with pytest.raises(ConfigError, match="'batch_size' is 512, more than the 230 training images"):
        check_submission(make_config(batch_size=512), 0, limits=CLASS, train_count=230)


def test_check_submission_reads_the_environment_when_no_limits_are_given(monkeypatch, make_config):
    monkeypatch.setenv("CLOCKWORK_CLASSROOM", "1")
    monkeypatch.setenv("CLOCKWORK_MAX_EPOCHS", "3")
    with pytest.raises(ClassroomLimitError, match="at most 3"):
        check_submission(make_config(epochs=4), 0)


# -- the teacher password -------------------------------------------------------------------------------------


def test_the_teacher_password_is_checked_exactly():
    limits = ClassroomLimits(teacher_password="owl-42")
    assert classroom.teacher_password_ok("owl-42", limits)
    assert not classroom.teacher_password_ok("owl-4", limits)
    assert not classroom.teacher_password_ok("", limits)


def test_without_a_password_no_guess_unlocks_the_teacher_control():
    assert not classroom.teacher_password_ok("", ClassroomLimits())
    assert not classroom.teacher_password_ok("anything", ClassroomLimits())


# -- queue operations (core.runs.jobs) -----------------------------------------------------------------------------


def test_submit_in_classroom_mode_refuses_a_third_waiting_run_of_one_owner(monkeypatch, runs_root, make_config):
    monkeypatch.setenv("CLOCKWORK_CLASSROOM", "1")
    for _ in range(2):
        jobs.submit(make_config(), runs_root, owner="student-a")
    with pytest.raises(ClassroomLimitError, match="at most 2 may wait"):
        jobs.submit(make_config(), runs_root, owner="student-a")
    jobs.submit(make_config(), runs_root, owner="student-b")  # another student is not held up
    assert jobs.queued_count("student-a", runs_root) == 2 and jobs.queued_count("student-b", runs_root) == 1


def test_submit_in_classroom_mode_refuses_too_many_epochs_even_without_an_owner(monkeypatch, runs_root, make_config):
    monkeypatch.setenv("CLOCKWORK_CLASSROOM", "1")
    with pytest.raises(ClassroomLimitError, match="at most 20"):
        jobs.submit(make_config(epochs=25), runs_root)
    assert runs.list_runs(runs_root) == []


def test_clear_queue_cancels_every_waiting_run_and_leaves_the_running_one(runs_root, make_config):
    running = runs.create_run(make_config(), runs_root, state="running")
    waiting = [jobs.submit(make_config(), runs_root, owner=f"s{i}") for i in range(3)]
    assert sorted(jobs.clear_queue(runs_root)) == sorted(waiting)
    states = {info.run_id: (info.state, info.status["reason"]) for info in runs.list_runs(runs_root)}
    assert all(states[run_id] == ("cancelled", "cancelled by the teacher") for run_id in waiting)
    assert states[running.name][0] == "running" and not runs.cancel_requested(running)


def test_cancel_all_also_asks_the_running_run_to_stop(runs_root, make_config):
    running = runs.create_run(make_config(), runs_root, state="running")
    waiting = jobs.submit(make_config(), runs_root)
    done = runs.create_run(make_config(), runs_root, state="done")
    assert sorted(jobs.cancel_all(runs_root)) == sorted([running.name, waiting])
    assert runs.cancel_requested(running)
    assert runs.read_status(done)["state"] == "done"
    assert jobs.queue(runs_root)[0].run_id == running.name  # it stops at its next batch


def test_cancel_all_on_an_empty_runs_folder_does_nothing(runs_root):
    assert jobs.cancel_all(runs_root) == []


# -- the app: Train panel refusals and the Teacher expander ---------------------------------------------------


def panel_script() -> None:
    import streamlit as st

    from core.config import DataConfig, ModelConfig, RunConfig
    from ui.state import init_state
    from ui.train_panel import train_panel

    init_state()
    epochs = st.number_input("Epochs", 1, 200, 1, key="epochs")
    batch = st.number_input("Batch", 1, 4096, 32, key="batch")
    train_panel(
        "class",
        lambda: RunConfig(
            name="class run",
            data=DataConfig(dataset="mnist", source="embedded", limit_train=200),
            model=ModelConfig(kind="mlp", hidden=[8]),
            epochs=int(epochs),
            batch_size=int(batch),
        ),
    )


def start_panel() -> AppTest:
    at = AppTest.from_function(panel_script, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def test_the_train_panel_refuses_too_many_epochs_in_classroom_mode(monkeypatch, runs_root):
    monkeypatch.setenv("CLOCKWORK_CLASSROOM", "1")
    at = start_panel()
    at.number_input(key="epochs").set_value(30).run()
    at.button(key="train_start_class").click().run()
    assert not at.exception
    assert any("at most 20 are allowed in classroom mode" in error.value for error in at.error)
    assert runs.list_runs(runs_root) == []


def test_the_train_panel_allows_two_waiting_runs_per_session_in_classroom_mode(monkeypatch, runs_root):
    monkeypatch.setenv("CLOCKWORK_CLASSROOM", "1")
    at = start_panel()
    for _ in range(3):
        at.button(key="train_start_class").click().run()
    assert len(runs.list_runs(runs_root)) == 2
    assert any("at most 2 may wait at once in classroom mode" in error.value for error in at.error)


def test_the_train_panel_refuses_a_batch_larger_than_the_training_images(runs_root):
    at = start_panel()
    at.number_input(key="batch").set_value(1000).run()
    at.button(key="train_start_class").click().run()
    assert any("more than the 180 training images" in error.value for error in at.error)
    assert runs.list_runs(runs_root) == []


def test_the_train_panel_reports_a_read_only_runs_folder(monkeypatch, runs_root):
    def read_only(*args, **kwargs):
        raise runs.RunError(f"the runs folder {runs_root} is read-only (or not writable)")

    monkeypatch.setattr(jobs, "create_run", read_only)
    at = start_panel()
    at.button(key="train_start_class").click().run()
    assert not at.exception
    assert any("could not be queued" in e.value and "read-only" in e.value for e in at.error)


def open_runs_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/runs.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_teacher_control_says_it_is_off_without_a_password(runs_root):
    at = open_runs_page()
    assert any("teacher control is off" in info.value for info in at.info)
    assert not [box for box in at.text_input if box.label == "Teacher password"]


def test_a_wrong_teacher_password_unlocks_nothing(monkeypatch, runs_root, make_config):
    monkeypatch.setenv("CLOCKWORK_TEACHER_PASSWORD", "owl-42")
    jobs.submit(make_config(), runs_root, owner="student")
    at = open_runs_page()
    at.text_input(key="teacher_password").set_value("owl").run()
    assert any("not the teacher password" in error.value for error in at.error)
    assert not [button for button in at.button if button.key == "teacher_clear"]


def test_the_teacher_clears_the_queue_with_the_password(monkeypatch, runs_root, make_config):
    monkeypatch.setenv("CLOCKWORK_TEACHER_PASSWORD", "owl-42")
    waiting = [jobs.submit(make_config(), runs_root, owner=f"student-{i}") for i in range(2)]
    at = open_runs_page()
    at.text_input(key="teacher_password").set_value("owl-42").run()
    at.button(key="teacher_clear").click().run()
    assert not at.exception
    assert {runs.read_status(runs.run_path(runs_root, run_id))["state"] for run_id in waiting} == {"cancelled"}


def test_the_teacher_stops_the_running_run(monkeypatch, runs_root, make_config):
    monkeypatch.setenv("CLOCKWORK_TEACHER_PASSWORD", "owl-42")
    running = runs.create_run(make_config(name="someone's run"), runs_root, state="running")
    at = open_runs_page()
    at.text_input(key="teacher_password").set_value("owl-42").run()
    at.button(key="teacher_stop").click().run()
    assert not at.exception
    assert runs.cancel_requested(running)
