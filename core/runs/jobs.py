"""The training queue on disk and the one worker process that drains it.

The queue is the runs folder itself: runs in state "queued", oldest first. One detached worker per
runs folder (guarded by an flock on `worker.lock`) trains them one at a time, each in a child process
so GPU and host memory are released between runs, and marks runs whose child died as failed.
Keras is never imported here: the page that submits runs stays fast.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.config import RunConfig
from core.runs import classroom
from core.runs.store import (
    ACTIVE_STATES,
    RunInfo,
    create_run,
    is_process_alive,
    list_runs,
    now_iso,
    read_status,
    request_cancel,
    run_dirs,
    run_path,
    set_status,
    transition,
)
from core.storage import paths
from core.storage.atomic import read_json, write_json

try:
    import fcntl
except ImportError:  # no worker lock without fcntl (Windows): run trainings with `python -m core train`
    fcntl = None

WORKER_LOCK = "worker.lock"
WORKER_INFO = "worker.json"
WORKER_LOG = "worker.log"
LOCK_FD_ENV = "CLOCKWORK_WORKER_LOCK_FD"
POLL_S = 0.5
HEARTBEAT_S = 2.0
MAX_LOG_BYTES = 5_000_000
DEFAULT_IDLE_EXIT_S = 120.0


def _root(root: str | Path | None) -> Path:
    return Path(root or paths.runs_dir())


def submit(config: RunConfig, root: str | Path | None = None, owner: str | None = None) -> str:
    """Queue a run; returns its id. Call ensure_worker() to make sure something trains it.

    In classroom mode the limits apply here too (epochs always; waiting runs per owner when one is given).
    """
    limits = classroom.limits_from_env()
    if limits.enabled:
        if owner is None:  # the CLI or a script: no session whose waiting runs could be counted
            limits = replace(limits, max_queued=sys.maxsize)
        classroom.check_submission(config, queued_count(owner, root) if owner else 0, limits=limits)
    return create_run(config, _root(root), state="queued", owner=owner).name


def queued_count(owner: str, root: str | Path | None = None) -> int:
    """How many queued runs `owner` has waiting."""
    return sum(1 for info in queue(root) if info.state == "queued" and info.status.get("owner") == owner)


def cancel(run_id: str, root: str | Path | None = None) -> bool:
    """Cancel a queued run at once, or ask a running one to stop; False if it had already finished."""
    run_dir = run_path(_root(root), run_id)
    if transition(run_dir, ("queued",), state="cancelled", reason="cancelled before it started", finished=now_iso()):
        return True
    if read_status(run_dir).get("state") == "running":
        request_cancel(run_dir)
        return True
    return False


def clear_queue(root: str | Path | None = None, reason: str = "cancelled by the teacher") -> list[str]:
    """Cancel every queued run (the teacher's control); returns the ids it cancelled."""
    return [
        info.run_id
        for info in queue(root)
        if info.state == "queued"
        and transition(info.path, ("queued",), state="cancelled", reason=reason, finished=now_iso())
    ]


def cancel_all(root: str | Path | None = None) -> list[str]:
    """Clear the queue, then ask the running run to stop; returns the ids of every run cancelled or stopping."""
    cancelled = clear_queue(root)
    for info in queue(root):
        if info.state == "running":
            request_cancel(info.path)
            cancelled.append(info.run_id)
    return cancelled


def queue(root: str | Path | None = None) -> list[RunInfo]:
    """The running run (if any) then the queued runs, in the order the worker will take them."""
    active = [info for info in list_runs(_root(root), with_history=False) if info.state in ACTIVE_STATES]
    return sorted(
        active, key=lambda info: (info.state != "running", str(info.status.get("created") or ""), info.run_id)
    )


def _try_lock(root: Path) -> int | None:
    """An fd holding the exclusive worker lock of `root`, or None when a worker holds it."""
    if fcntl is None:
        raise RuntimeError("the background worker needs fcntl (Linux or macOS)")
    fd = os.open(root / WORKER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def worker_alive(root: str | Path | None = None) -> bool:
    """Whether a worker process holds the lock of this runs folder."""
    root = _root(root)
    if not (root / WORKER_LOCK).exists():
        return False
    fd = _try_lock(root)
    if fd is None:
        return True
    os.close(fd)
    return False


def worker_info(root: str | Path | None = None) -> dict[str, Any]:
    """The worker's heartbeat file (pid, started, heartbeat, run) plus "alive"."""
    info = read_json(_root(root) / WORKER_INFO, {})
    info = info if isinstance(info, dict) else {}
    return {**info, "alive": worker_alive(root)}


def _worker_command(root: Path, idle_exit: float) -> list[str]:
    return [sys.executable, "-m", "core", "worker", "--runs", str(root), "--idle-exit", str(idle_exit)]


def ensure_worker(root: str | Path | None = None, idle_exit: float = DEFAULT_IDLE_EXIT_S) -> bool:
    """Start a detached worker for `root` unless one is alive; True if this call started one.

    The lock is taken here and handed to the child, so two callers can never start two workers.
    """
    root = _root(root)
    root.mkdir(parents=True, exist_ok=True)
    fd = _try_lock(root)
    if fd is None:
        return False
    log_path = root / WORKER_LOG
    try:
        if log_path.exists() and log_path.stat().st_size > MAX_LOG_BYTES:
            log_path.replace(log_path.with_suffix(".log.old"))
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                _worker_command(root, idle_exit),
                cwd=paths.REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(fd,),
                env={"TF_CPP_MIN_LOG_LEVEL": "3", **os.environ, LOCK_FD_ENV: str(fd)},
            )
    finally:
        os.close(fd)
    threading.Thread(target=process.wait, daemon=True).start()  # reap it when it exits: no zombie
    return True


def _inherited_lock(root: Path) -> int | None:
    """The lock fd ensure_worker passed down, if it is this folder's lock."""
    raw = os.environ.pop(LOCK_FD_ENV, "")
    if not raw.isdigit():
        return None
    fd = int(raw)
    try:
        if os.path.samestat(os.fstat(fd), os.stat(root / WORKER_LOCK)):
            return fd
    except OSError:
        pass
    return None


def mark_stale_runs(root: Path) -> list[str]:
    """Fail runs left "running" by a process that is gone; returns their ids."""
    stale = []
    for info in list_runs(root, with_history=False):
        if info.state == "running" and not is_process_alive(info.status.get("pid")):
            if transition(
                info.path,
                ("running",),
                state="failed",
                finished=now_iso(),
                reason="the worker stopped while this run was running",
            ):
                stale.append(info.run_id)
    return stale


def _queued_dirs(root: Path) -> list[Path]:
    """Queued run folders, oldest first; reads only status.json, since the worker polls this."""
    queued = []
    for run_dir in run_dirs(root):
        status = read_status(run_dir)
        if status.get("state") == "queued":
            queued.append((str(status.get("created") or ""), run_dir.name, run_dir))
    return [run_dir for _, _, run_dir in sorted(queued)]


def claim_next(root: Path) -> Path | None:
    """Atomically move the oldest queued run to "running"; None when the queue is empty."""
    for run_dir in _queued_dirs(root):
        if transition(run_dir, ("queued",), state="running", reason="", started=now_iso(), pid=os.getpid()):
            return run_dir
    return None


def _death_reason(returncode: int) -> str:
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown signal"
        hint = " (often: out of memory; try a smaller batch size or model)" if number == signal.SIGKILL else ""
        return f"worker process killed by signal {number} ({name}){hint}"
    return f"the training process exited with code {returncode} before finishing"


class _Heartbeat:
    """Writes worker.json at most every HEARTBEAT_S so the app can show what the worker does."""

    def __init__(self, root: Path) -> None:
        self.root, self.started, self.last = root, now_iso(), 0.0

    def beat(self, run_id: str | None, force: bool = False) -> None:
        if force or time.monotonic() - self.last >= HEARTBEAT_S:
            write_json(
                self.root / WORKER_INFO,
                {"pid": os.getpid(), "started": self.started, "heartbeat": now_iso(), "run": run_id},
            )
            self.last = time.monotonic()


def _run_child(run_dir: Path, heartbeat: _Heartbeat) -> int:
    """Train one claimed run in a child process; fail the run if the child dies without a final state."""
    child = subprocess.Popen(
        [sys.executable, "-m", "core", "run-one", str(run_dir)], cwd=paths.REPO_ROOT, stdin=subprocess.DEVNULL
    )
    set_status(run_dir, pid=child.pid)  # from now on a dead child, not the worker, makes the run stale
    heartbeat.beat(run_dir.name, force=True)
    while child.poll() is None:
        heartbeat.beat(run_dir.name)
        time.sleep(POLL_S)
    transition(run_dir, ACTIVE_STATES, state="failed", finished=now_iso(), reason=_death_reason(child.returncode))
    return child.returncode


def worker_main(root: Path, idle_exit: float = DEFAULT_IDLE_EXIT_S) -> int:
    """Train queued runs of `root` one at a time; exit after `idle_exit` seconds with an empty queue."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    fd = _inherited_lock(root)
    fd = fd if fd is not None else _try_lock(root)
    if fd is None:
        print(f"a worker is already running for {root}", flush=True)
        return 0
    print(f"{now_iso()} worker {os.getpid()} started for {root}", flush=True)
    for run_id in mark_stale_runs(root):
        print(f"{now_iso()} marked stale run {run_id} as failed", flush=True)
    heartbeat = _Heartbeat(root)
    while fd is not None:
        try:
            _drain(root, idle_exit, heartbeat)
        finally:
            (root / WORKER_INFO).unlink(missing_ok=True)
            os.close(fd)
        # a run queued just before the lock was released would wait for the next ensure_worker: take it
        fd = _try_lock(root) if _queued_dirs(root) else None
    print(f"{now_iso()} worker {os.getpid()} idle for {idle_exit:g} s, exiting", flush=True)
    return 0


def _drain(root: Path, idle_exit: float, heartbeat: _Heartbeat) -> None:
    """Train queued runs until the queue has been empty for `idle_exit` seconds."""
    idle_since = time.monotonic()
    while True:
        heartbeat.beat(None)
        run_dir = claim_next(root)
        if run_dir is None:
            if time.monotonic() - idle_since >= idle_exit:
                return
            time.sleep(POLL_S)
            continue
        print(f"{now_iso()} training {run_dir.name}", flush=True)
        code = _run_child(run_dir, heartbeat)
        print(f"{now_iso()} finished {run_dir.name}: {read_status(run_dir).get('state')} (exit {code})", flush=True)
        idle_since = time.monotonic()


def run_one_main(run_dir: Path) -> int:
    """Train one claimed run folder in this process (the worker's child); 0 when it ended done or cancelled."""
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from core.runs.training import train_run

    info = train_run(Path(run_dir))
    return 0 if info.state in ("done", "cancelled") else 1
