"""The on-disk queue and the worker: order, cancel, one worker per folder, killed children, stale runs."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.runs import jobs
from core.runs.store import RunError, cancel_requested, create_run, list_runs, read_run, run_path, set_status
from core.storage.paths import REPO_ROOT


def wait_for(condition, timeout: float = 90.0, every: float = 0.1):
    """Poll `condition()` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"condition not met within {timeout} s")


def spawn_worker(root: Path, idle_exit: float) -> subprocess.Popen:
    code = f"from pathlib import Path; from core.runs.jobs import worker_main; worker_main(Path({str(root)!r}), {idle_exit})"
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    )


def test_submit_queues_runs_oldest_first(runs_root, make_config):
    ids = [jobs.submit(make_config(name=f"r{i}"), runs_root, owner="s1") for i in range(3)]
    queued = jobs.queue(runs_root)
    assert [info.run_id for info in queued] == ids
    assert all(info.state == "queued" and info.status["owner"] == "s1" for info in queued)


def test_queue_puts_the_running_run_first_and_leaves_finished_runs_out(runs_root, make_config):
    first = jobs.submit(make_config(), runs_root)
    second = jobs.submit(make_config(), runs_root)
    create_run(make_config(), runs_root, state="done")
    set_status(run_path(runs_root, second), state="running")
    assert [info.run_id for info in jobs.queue(runs_root)] == [second, first]


def test_cancel_of_a_queued_run_is_immediate(runs_root, make_config):
    run_id = jobs.submit(make_config(), runs_root)
    assert jobs.cancel(run_id, runs_root)
    assert read_run(run_path(runs_root, run_id)).state == "cancelled"
    assert jobs.queue(runs_root) == []


def test_cancel_of_a_running_run_asks_it_to_stop(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root, state="running")
    assert jobs.cancel(run_dir.name, runs_root)
    assert cancel_requested(run_dir) and read_run(run_dir).state == "running"


def test_cancel_of_a_finished_run_changes_nothing(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root, state="done")
    assert not jobs.cancel(run_dir.name, runs_root)
    assert read_run(run_dir).state == "done"


def test_cancel_refuses_path_traversal(runs_root):
    with pytest.raises(RunError):
        jobs.cancel("../../etc", runs_root)


def test_claim_takes_the_oldest_queued_run_once(runs_root, make_config):
    first = jobs.submit(make_config(), runs_root)
    jobs.submit(make_config(), runs_root)
    claimed = jobs.claim_next(runs_root)
    assert claimed.name == first and read_run(claimed).state == "running"
    assert jobs.claim_next(runs_root).name != first


def test_worker_start_marks_runs_of_dead_processes_failed(runs_root, make_config):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = create_run(make_config(), runs_root, state="running")
    set_status(stale, pid=int(dead.stdout))
    alive = create_run(make_config(), runs_root, state="running")
    set_status(alive, pid=os.getpid())
    assert jobs.worker_main(runs_root, idle_exit=0) == 0
    assert read_run(stale).state == "failed"
    assert read_run(stale).status["reason"] == "the worker stopped while this run was running"
    assert read_run(alive).state == "running"
    assert not (runs_root / jobs.WORKER_INFO).exists()


def test_death_reason_names_the_signal_or_exit_code():
    assert jobs._death_reason(-9).startswith("worker process killed by signal 9 (SIGKILL)")
    assert "exited with code 3" in jobs._death_reason(3)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_ensure_worker_starts_one_detached_worker_at_a_time(runs_root):
    assert jobs.ensure_worker(runs_root, idle_exit=2.0)
    assert not jobs.ensure_worker(runs_root, idle_exit=2.0)
    assert jobs.worker_alive(runs_root)
    info = wait_for(lambda: jobs.worker_info(runs_root).get("pid") and jobs.worker_info(runs_root))
    assert info["alive"] and info["run"] is None
    wait_for(lambda: not jobs.worker_alive(runs_root))
    assert "exiting" in (runs_root / jobs.WORKER_LOG).read_text()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_worker_trains_two_submitted_runs_in_order(runs_root, make_config):
    first = jobs.submit(make_config(name="first"), runs_root)
    second = jobs.submit(make_config(name="second", seed=1), runs_root)
    worker = spawn_worker(runs_root, idle_exit=0.5)
    assert worker.wait(timeout=110) == 0
    runs = {info.run_id: info for info in list_runs(runs_root)}
    assert runs[first].state == "done" and runs[second].state == "done"
    assert runs[first].status["finished"] <= runs[second].status["started"]
    assert runs[first].status["pid"] != runs[second].status["pid"] != worker.pid  # each in its own child


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_killed_training_child_fails_its_run_and_every_run_still_loads(runs_root, make_config):
    victim = jobs.submit(make_config(name="victim", epochs=200, batch_size=8), runs_root)
    after = jobs.submit(make_config(name="after"), runs_root)
    worker = spawn_worker(runs_root, idle_exit=0.5)
    victim_dir = run_path(runs_root, victim)

    def training_child():
        status = read_run(victim_dir).status
        started = status.get("progress", {}).get("epoch", 0) >= 2 and status.get("pid") != worker.pid
        return status["pid"] if started else None

    os.kill(wait_for(training_child), signal.SIGKILL)
    assert worker.wait(timeout=110) == 0
    runs = {info.run_id: info for info in list_runs(runs_root)}
    assert runs[victim].state == "failed"
    assert runs[victim].status["reason"].startswith("worker process killed by signal 9 (SIGKILL)")
    assert runs[victim].history["epochs"] and runs[victim].config["name"] == "victim"
    assert runs[after].state == "done"
