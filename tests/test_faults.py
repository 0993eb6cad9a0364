"""Faults: a full disk or read-only runs folder, out of memory, a batch larger than the data, and an app restart.

Tests run as root, where chmod does not stop writes, so a read-only or full disk is simulated by making the
file-system calls raise the OSError the kernel would (EROFS, ENOSPC).
"""

from __future__ import annotations

import errno
import json
import os
import pathlib
import subprocess
import sys
from pathlib import Path

import pytest

from core.runs import jobs, training
from core.runs import store as runs
from core.runs.store import RunError

REPO = Path(__file__).resolve().parent.parent


def failing(code: int):
    """A stand-in for an OS call that fails the way a read-only (EROFS) or full (ENOSPC) disk does."""

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return fail


def run_folders(root: Path) -> list[Path]:
    return [path for path in root.iterdir() if not path.name.startswith(".")] if root.exists() else []


# -- the runs folder cannot be written ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, fragment",
    [
        (errno.ENOSPC, "no space left on the disk that holds the runs folder"),
        (errno.EROFS, "is read-only"),
        (errno.EACCES, "is read-only"),
    ],
)
def test_a_failing_write_gives_a_clear_error_and_no_half_written_run(
    monkeypatch, runs_root, make_config, code, fragment
):
    runs_root.mkdir()
    monkeypatch.setattr(os, "replace", failing(code))
    with pytest.raises(RunError, match=fragment) as caught:
        runs.create_run(make_config(), runs_root)
    assert str(runs_root) in str(caught.value) and "\n" not in str(caught.value)
    assert run_folders(runs_root) == []


def test_a_status_write_failing_after_the_config_leaves_no_run(monkeypatch, runs_root, make_config):
    real_replace = os.replace

    def config_only(source, target):
        if str(target).endswith("status.json"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(source, target)

    runs_root.mkdir()
    monkeypatch.setattr(os, "replace", config_only)
    with pytest.raises(RunError, match="no space left"):
        runs.create_run(make_config(), runs_root)
    assert run_folders(runs_root) == [] and runs.list_runs(runs_root) == []


def test_a_runs_folder_that_cannot_be_created_is_named_read_only(monkeypatch, runs_root, make_config):
    monkeypatch.setattr(pathlib.Path, "mkdir", failing(errno.EROFS))
    with pytest.raises(RunError, match=f"the runs folder {runs_root} is read-only"):
        runs.create_run(make_config(), runs_root)


def test_submit_passes_the_clear_error_on_and_queues_nothing(monkeypatch, runs_root, make_config):
    runs_root.mkdir()
    monkeypatch.setattr(os, "replace", failing(errno.EROFS))
    with pytest.raises(RunError, match="CLOCKWORK_RUNS"):
        jobs.submit(make_config(), runs_root, owner="student")
    monkeypatch.undo()
    assert jobs.queue(runs_root) == []


def test_other_os_errors_say_what_the_system_said():
    message = runs.storage_problem(Path("/r"), OSError(errno.EIO, os.strerror(errno.EIO)))
    assert message == f"cannot write to the runs folder /r: {os.strerror(errno.EIO)}"


# -- a run that fails ends with a clear reason, not the app ---------------------------------------------------


def test_running_out_of_memory_fails_the_run_with_advice(monkeypatch, runs_root, make_config):
    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 37.3 GiB for an array")

    monkeypatch.setattr(training, "_fit", no_memory)
    info = training.train_run(runs.create_run(make_config(), runs_root, state="running"))
    assert info.state == "failed"
    assert info.status["reason"].startswith("out of memory (MemoryError: Unable to allocate 37.3 GiB")
    assert "smaller batch size" in info.status["reason"] and info.status["finished"]
    assert "MemoryError" in (info.path / "error.txt").read_text()


def test_a_gpu_out_of_memory_error_is_named_by_its_type():
    ResourceExhaustedError = type("ResourceExhaustedError", (Exception,), {})
    reason = training.failure_reason(ResourceExhaustedError("OOM when allocating tensor with shape[4096,4096]"))
    assert reason.startswith("out of memory (ResourceExhaustedError") and "smaller batch size" in reason


def test_a_full_disk_while_training_fails_the_run_with_the_reason(monkeypatch, runs_root, make_config):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "model.keras")

    run_dir = runs.create_run(make_config(), runs_root, state="running")
    monkeypatch.setattr(training, "_fit", disk_full)
    monkeypatch.setattr(training, "write_bytes", failing(errno.ENOSPC))  # error.txt cannot be written either
    info = training.train_run(run_dir)
    assert info.state == "failed" and info.status["reason"].startswith("no space left on the disk")


def test_a_batch_larger_than_the_training_set_fails_before_training(runs_root, make_config):
    info = training.train_run(
        runs.create_run(make_config(data__limit_train=50, batch_size=64), runs_root, state="running")
    )
    assert info.state == "failed"
    assert info.status["reason"] == (
        "config key 'batch_size' is 64, more than the 45 training images; choose a batch size of at most 45"
    )
    assert info.history == {} and not (info.path / "model.keras").exists()


# -- a restart finds every run as it was ----------------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_restart_finds_every_run_as_it_was(runs_root, make_config):
    for state in ("done", "cancelled", "failed", "queued"):
        path = runs.create_run(make_config(name=state), runs_root, state=state)
        runs.write_history(path, {"epochs": [{"epoch": 1, "loss": 0.5}], "batches": []})
    crashed = runs.create_run(make_config(name="crashed"), runs_root, state="running")
    runs.set_status(crashed, pid=dead_pid())
    runs.write_history(crashed, {"epochs": [{"epoch": 1, "loss": 0.9}], "batches": [{"step": 3, "loss": 1.0}]})
    before = {info.run_id: (info.name, info.state, info.history) for info in runs.list_runs(runs_root)}

    # a fresh process (the restarted app) lists the same runs
    listed = subprocess.run(
        [sys.executable, "-m", "core", "runs", "--runs", str(runs_root), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    after = {row["run_id"]: (row["name"], row["state"]) for row in map(json.loads, listed.splitlines())}
    assert after == {run_id: (name, state) for run_id, (name, state, _) in before.items()}

    # the restarted worker fails the run whose process is gone and keeps its partial history
    assert jobs.mark_stale_runs(runs_root) == [crashed.name]
    final = {info.run_id: info for info in runs.list_runs(runs_root)}
    assert final[crashed.name].state == "failed" and "worker stopped" in final[crashed.name].status["reason"]
    assert all(final[run_id].history == history for run_id, (_, _, history) in before.items())
    assert all(final[run_id].state == state for run_id, (name, state, _) in before.items() if name != "crashed")
