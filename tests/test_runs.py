"""Run folders: generated ids, atomic status, listings that survive broken folders, safe deletion."""

import json
import os

import pytest

from core.runs import store as runs
from core.runs.store import (
    RUN_ID_PATTERN,
    RunError,
    cancel_requested,
    create_run,
    delete_run,
    list_runs,
    read_run,
    request_cancel,
    run_path,
    set_status,
    thin_batches,
    transition,
)

STATUS_KEYS = {"state", "reason", "created", "started", "finished", "device", "backend", "progress", "owner"}


def test_generated_run_ids_match_the_pattern_and_differ():
    ids = {runs.new_run_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(RUN_ID_PATTERN.fullmatch(run_id) for run_id in ids)


@pytest.mark.parametrize(
    "bad",
    [
        "../etc",
        "..",
        "20260101-000000-abcdef/../x",
        "/etc/passwd",
        "",
        "my run",
        "20260101-000000-ABCDEF",
        "20260101-000000-abcdef\n",
    ],
)
def test_run_path_refuses_ids_that_are_not_generated(runs_root, bad):
    with pytest.raises(RunError, match="not a valid run id"):
        run_path(runs_root, bad)


def test_create_run_writes_config_and_full_status(runs_root, make_config):
    config = make_config(name="first")
    run_dir = create_run(config, runs_root, owner="session-1")
    assert run_dir.parent == runs_root and RUN_ID_PATTERN.fullmatch(run_dir.name)
    assert json.loads((run_dir / "config.json").read_text()) == config.to_dict()
    status = json.loads((run_dir / "status.json").read_text())
    assert set(status) >= STATUS_KEYS
    assert status["state"] == "queued" and status["owner"] == "session-1"
    assert set(status["progress"]) == {"epoch", "epochs", "batch", "batches", "elapsed_s", "eta_s", "loss"}


def test_set_status_merges_fields_and_refuses_unknown_states(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root)
    set_status(run_dir, state="running", device="CPU")
    status = read_run(run_dir).status
    assert status["state"] == "running" and status["device"] == "CPU" and status["owner"] is None
    with pytest.raises(RunError):
        set_status(run_dir, state="paused")


def test_transition_only_changes_runs_in_the_given_states(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root, state="done")
    assert not transition(run_dir, ("queued",), state="running")
    assert read_run(run_dir).state == "done"
    assert transition(run_dir, ("done",), state="failed", reason="x")
    assert read_run(run_dir).status["reason"] == "x"


def test_read_run_of_an_empty_folder_is_a_failed_run_with_empty_dicts(runs_root):
    folder = runs_root / "20260101-000000-abcdef"
    folder.mkdir(parents=True)
    info = read_run(folder)
    assert info.state == "failed" and info.status["reason"] == "unreadable run folder"
    assert info.config == {} and info.history == {} and info.metrics == {}


def test_read_run_survives_half_written_files(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root)
    (run_dir / "history.json").write_text('{"epochs": [{"epoch": 1, "lo')
    (run_dir / "metrics.json").write_text("[1, 2]")
    (run_dir / "status.json").write_text("{")
    info = read_run(run_dir)
    assert info.history == {} and info.metrics == {} and info.state == "failed"
    assert info.config["name"] == "tiny"


def test_list_runs_is_newest_first_and_skips_foreign_folders(runs_root, make_config):
    made = [create_run(make_config(name=f"run{i}"), runs_root).name for i in range(3)]
    (runs_root / "not-a-run").mkdir()
    (runs_root / "worker.log").write_text("log")
    assert [info.run_id for info in list_runs(runs_root)] == made[::-1]


def test_list_runs_adds_pretrained_folders_only_when_asked(runs_root, make_config, tmp_path, monkeypatch):
    pretrained = tmp_path / "pretrained"
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(pretrained))
    create_run(make_config(), runs_root)
    shipped = pretrained / "mnist_mlp"
    shipped.mkdir(parents=True)
    (shipped / "config.json").write_text(make_config().to_json())
    (pretrained / "notes").mkdir()
    assert [info.is_pretrained for info in list_runs(runs_root)] == [False]
    listed = list_runs(runs_root, include_pretrained=True)
    assert [info.run_id for info in listed if info.is_pretrained] == ["mnist_mlp"]


def test_delete_run_removes_a_finished_run(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root, state="done")
    delete_run(run_dir.name, runs_root)
    assert not run_dir.exists()


def test_delete_run_refuses_a_running_run(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root, state="running")
    with pytest.raises(RunError, match="running"):
        delete_run(run_dir.name, runs_root)
    assert run_dir.exists()


def test_delete_run_never_follows_a_symlink_out_of_the_runs_folder(runs_root, make_config, tmp_path):
    outside = create_run(make_config(), tmp_path / "elsewhere", state="done")
    runs_root.mkdir()
    link = runs_root / outside.name
    os.symlink(outside, link)
    with pytest.raises(RunError):
        delete_run(outside.name, runs_root)
    assert (outside / "config.json").exists()


def test_delete_run_refuses_pretrained_models(make_config, tmp_path, monkeypatch):
    pretrained = tmp_path / "pretrained"
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(pretrained))
    run_dir = create_run(make_config(), pretrained, state="done")
    with pytest.raises(RunError, match="pretrained"):
        delete_run(run_dir.name, pretrained)
    assert run_dir.exists()


def test_thin_batches_halves_the_points_and_doubles_the_stride():
    points = [{"step": step} for step in range(1, 2002)]
    stride = thin_batches(points, 1, max_points=2000)
    assert stride == 2 and len(points) == 1001
    assert [p["step"] for p in points[:3]] == [1, 3, 5]


def test_cancel_file_round_trip(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root, state="running")
    assert not cancel_requested(run_dir)
    request_cancel(run_dir)
    assert cancel_requested(run_dir)
