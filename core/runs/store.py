"""One folder per training run: config, status, history, metrics and model, all written atomically.

A run folder is the only place a run's state lives, so the app, the CLI and the worker process all see
the same runs, and a killed process never leaves a folder that cannot be listed. Keras is not imported.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.config import RunConfig
from core.storage import paths
from core.storage.atomic import read_json, write_json

try:
    import fcntl
except ImportError:  # Windows: status updates are still atomic, only not serialised between processes
    fcntl = None

STATES = ("queued", "running", "done", "cancelled", "failed")
ACTIVE_STATES = ("queued", "running")
RUN_ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
MAX_BATCH_POINTS = 2000
CANCEL_FILE = "cancel"


class RunError(ValueError):
    """A run that does not exist or may not be changed (bad id, pretrained, still running)."""


@dataclass
class RunInfo:
    """Everything one run folder holds, as plain dicts (empty when a file is missing)."""

    run_id: str
    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    history: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    is_pretrained: bool = False

    @property
    def state(self) -> str:
        return str(self.status.get("state", "failed"))

    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.run_id)


def now_iso() -> str:
    """The current UTC time as ISO 8601 with microseconds (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_run_id() -> str:
    """A fresh run id: UTC time plus 6 random hex digits, never derived from user text."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def run_path(root: str | Path | None, run_id: str) -> Path:
    """The folder of `run_id` under `root`; ids that are not generated run ids are refused."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.fullmatch(run_id):
        raise RunError(f"not a valid run id: {run_id!r}")
    return Path(root or paths.runs_dir()) / run_id


def _empty_progress(epochs: int) -> dict[str, Any]:
    return {"epoch": 0, "epochs": epochs, "batch": 0, "batches": 0, "elapsed_s": 0.0, "eta_s": None, "loss": None}


def create_run(
    config: RunConfig, root: str | Path | None = None, state: str = "queued", owner: str | None = None
) -> Path:
    """Make a new run folder holding config.json and status.json; returns its path."""
    if state not in STATES:
        raise RunError(f"unknown run state '{state}'")
    root = Path(root or paths.runs_dir())
    try:
        root.mkdir(parents=True, exist_ok=True)
        run_dir = _new_run_folder(root)
    except OSError as error:
        raise RunError(storage_problem(root, error)) from None
    try:
        write_json(run_dir / "config.json", config.to_dict())
        status = {
            "state": state,
            "reason": "",
            "created": now_iso(),
            "started": None,
            "finished": None,
            "device": "",
            "backend": "",
            "progress": _empty_progress(config.epochs),
            "owner": owner,
        }
        write_json(run_dir / "status.json", status)
    except OSError as error:
        shutil.rmtree(run_dir, ignore_errors=True)  # no half-written run is left to list
        raise RunError(storage_problem(root, error)) from None
    return run_dir


def _new_run_folder(root: Path) -> Path:
    while True:
        run_dir = run_path(root, new_run_id())
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue


def storage_problem(root: Path, error: OSError) -> str:
    """One line saying why the runs folder cannot be written: read-only, full disk, or the OS's reason."""
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"the runs folder {root} is read-only (or not writable): start the app with CLOCKWORK_RUNS "
            "set to a writable folder"
        )
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the disk that holds the runs folder {root}: delete old runs or free some space"
    return f"cannot write to the runs folder {root}: {error.strerror or error}"


@contextmanager
def _status_lock(run_dir: Path) -> Iterator[None]:
    """Serialise read-modify-write of status.json between processes (claim vs cancel vs progress)."""
    if fcntl is None:
        yield
        return
    with open(run_dir / ".status.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def read_status(run_dir: str | Path) -> dict[str, Any]:
    """status.json as a dict ({} when missing or unreadable)."""
    status = read_json(Path(run_dir) / "status.json", {})
    return status if isinstance(status, dict) else {}


def set_status(run_dir: str | Path, **fields: Any) -> dict[str, Any]:
    """Merge `fields` into status.json and write it atomically; returns the new status."""
    run_dir = Path(run_dir)
    if "state" in fields and fields["state"] not in STATES:
        raise RunError(f"unknown run state '{fields['state']}'")
    with _status_lock(run_dir):
        status = {**read_status(run_dir), **fields}
        write_json(run_dir / "status.json", status)
    return status


def transition(run_dir: str | Path, from_states: tuple[str, ...], **fields: Any) -> bool:
    """Set `fields` only if the run is in one of `from_states` (atomic against other processes)."""
    run_dir = Path(run_dir)
    with _status_lock(run_dir):
        status = read_status(run_dir)
        if status.get("state") not in from_states:
            return False
        write_json(run_dir / "status.json", {**status, **fields})
    return True


def write_history(run_dir: str | Path, history: dict[str, Any]) -> None:
    """Write history.json ({"epochs": [...], "batches": [...]}) atomically."""
    write_json(Path(run_dir) / "history.json", history)


def thin_batches(points: list[dict[str, Any]], stride: int, max_points: int = MAX_BATCH_POINTS) -> int:
    """Drop every other batch point (in place) while there are too many; returns the new stride."""
    while len(points) > max_points:
        points[:] = points[::2]
        stride *= 2
    return stride


def request_cancel(run_dir: str | Path) -> None:
    """Ask a running training to stop by creating the run's `cancel` file."""
    (Path(run_dir) / CANCEL_FILE).touch()


def cancel_requested(run_dir: str | Path) -> bool:
    """Whether someone asked this run to stop."""
    return (Path(run_dir) / CANCEL_FILE).exists()


def _dict_file(path: Path) -> dict[str, Any]:
    value = read_json(path, {})
    return value if isinstance(value, dict) else {}


def read_run(path: str | Path, with_history: bool = True) -> RunInfo:
    """Load a run folder; never raises: missing or broken files give empty dicts, no status gives 'failed'."""
    path = Path(path)
    status = read_status(path)
    if not status.get("state"):
        status = {**status, "state": "failed", "reason": "unreadable run folder"}
    pretrained = paths.pretrained_dir()
    return RunInfo(
        run_id=path.name,
        path=path,
        config=_dict_file(path / "config.json"),
        status=status,
        history=_dict_file(path / "history.json") if with_history else {},
        metrics=_dict_file(path / "metrics.json"),
        is_pretrained=_is_inside(path, pretrained),
    )


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _run_folders(root: Path, pretrained: bool) -> list[Path]:
    try:
        children = sorted(root.iterdir())
    except OSError:
        return []
    if pretrained:
        return [p for p in children if p.is_dir() and (p / "config.json").is_file()]
    return [p for p in children if RUN_ID_PATTERN.fullmatch(p.name) and p.is_dir() and not p.is_symlink()]


def run_dirs(root: str | Path | None = None) -> list[Path]:
    """The user run folders under `root` (named by run id, real folders, not symlinks), unsorted."""
    return _run_folders(Path(root or paths.runs_dir()), False)


def _sort_key(info: RunInfo) -> tuple[str, str]:
    return (str(info.status.get("created") or ""), info.run_id)


def list_runs(
    root: str | Path | None = None, include_pretrained: bool = False, with_history: bool = True
) -> list[RunInfo]:
    """All user runs under `root`, newest first, then (optionally) the shipped pretrained runs."""
    runs = [read_run(p, with_history) for p in _run_folders(Path(root or paths.runs_dir()), False)]
    runs.sort(key=_sort_key, reverse=True)
    if include_pretrained:
        shipped = [read_run(p, with_history) for p in _run_folders(paths.pretrained_dir(), True)]
        for info in shipped:
            info.is_pretrained = True
        runs += sorted(shipped, key=lambda info: info.run_id)
    return runs


def delete_run(run_id: str, root: str | Path | None = None) -> None:
    """Delete one finished or queued user run; pretrained, running and outside folders are refused."""
    root = Path(root or paths.runs_dir())
    run_dir = run_path(root, run_id)
    if run_dir.is_symlink() or not run_dir.is_dir():
        raise RunError(f"no run folder '{run_id}'")
    if run_dir.resolve().parent != root.resolve():
        raise RunError(f"run '{run_id}' is not inside the runs folder")
    if _is_inside(run_dir, paths.pretrained_dir()):
        raise RunError("pretrained models cannot be deleted")
    if read_status(run_dir).get("state") == "running":
        raise RunError(f"run '{run_id}' is running; cancel it first")
    shutil.rmtree(run_dir)


def is_process_alive(pid: Any) -> bool:
    """Whether a process with this id exists (used to spot runs whose process died)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
