"""The sidebar Train panel every experiment page uses: knobs, estimate, Start/Stop, live progress, the queue.

Runs train in the background worker (core.runs.jobs); this panel only queues them and watches their files.
The run a page started is kept in session state and in the URL (?run=<id>) so a reload finds it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.config import ConfigError, RunConfig
from core.runs import classroom, jobs
from core.runs import store as runs
from core.runs.device import describe_device, estimate_seconds, format_duration, is_long, training_set_size
from core.runs.store import ACTIVE_STATES, RunInfo
from ui.live import live_curves, status_fragment
from ui.state import session_id

__all__ = ["train_panel", "current_run", "submit_runs", "live_curves", "MAX_QUEUED_PER_SESSION", "max_waiting_runs"]

MAX_QUEUED_PER_SESSION = 8
RUN_PARAM = "run"


@st.cache_data(ttl=600, max_entries=1, show_spinner=False)
def device_info() -> dict:
    """The backend and device (nvidia-smi is asked at most every 10 minutes)."""
    return describe_device()


def _page_runs() -> dict[str, str]:
    return st.session_state.setdefault("train_runs", {})


def _read(run_id: str | None) -> RunInfo | None:
    """The run with this id in the runs folder, or None when the id is bad or the folder is gone."""
    if not run_id:
        return None
    try:
        path = runs.run_path(None, run_id)
    except runs.RunError:
        return None
    return runs.read_run(path) if path.is_dir() else None


def current_run(page: str) -> RunInfo | None:
    """The run this session started from `page` (session state, else ?run= after a reload), or None."""
    page_runs = _page_runs()
    run_id = page_runs.get(page)
    if run_id is None:
        from_url = st.query_params.get(RUN_PARAM)
        if from_url and from_url not in page_runs.values():  # a run another page of this session started
            run_id = from_url
    return _read(run_id)


def _remember(page: str, run_id: str) -> None:
    _page_runs()[page] = run_id
    st.query_params[RUN_PARAM] = run_id


def validated(config: RunConfig) -> RunConfig:
    """The config after the same validation the worker applies (raises ConfigError naming the key)."""
    return RunConfig.from_dict(config.to_dict())


def max_waiting_runs() -> int:
    """How many runs one session may have waiting (smaller in classroom mode)."""
    return classroom.limits_from_env(default_max_queued=MAX_QUEUED_PER_SESSION).max_queued


def _check_limits(configs: list[RunConfig]) -> None:
    """Classroom limits (waiting runs, epochs) and batch size vs the training set; raises ValueError subclasses."""
    limits = classroom.limits_from_env(default_max_queued=MAX_QUEUED_PER_SESSION)
    waiting = jobs.queued_count(session_id()) if session_id() else 0
    for config in configs:
        classroom.check_submission(
            config, waiting, adding=len(configs), limits=limits, train_count=training_set_size(config)
        )


def _queue_and_start_worker(configs: list[RunConfig]) -> tuple[list[str], str]:
    """Submit configs for this session and make sure a worker trains them: (run ids, error message)."""
    try:
        checked = [validated(config) for config in configs]
        _check_limits(checked)
    except ConfigError as error:
        return [], f"This setting cannot be trained: {error}"
    except classroom.ClassroomLimitError as error:
        return [], str(error)
    run_ids: list[str] = []
    try:
        for config in checked:
            run_ids.append(jobs.submit(config, owner=session_id()))
    except ValueError as error:  # the runs folder is read-only or full (RunError), or a limit raced us
        return run_ids, f"The run could not be queued: {error}"
    try:
        jobs.ensure_worker()
    except (OSError, RuntimeError) as error:
        return (
            run_ids,
            f"The runs are queued but no worker could start: {error}. Train them with `python -m core worker`.",
        )
    return run_ids, ""


def submit_runs(page: str, configs: list[RunConfig]) -> list[str]:
    """Queue several runs (e.g. Compare runs) and make sure the worker trains them; returns their ids."""
    run_ids, message = _queue_and_start_worker(list(configs))
    if message:
        st.error(message, icon=":material/error:")
    if run_ids:
        st.toast(f"Queued {len(run_ids)} run(s).", icon=":material/queue:")
    return run_ids


def _messages() -> dict[str, str]:
    return st.session_state.setdefault("train_messages", {})


def _on_start(page: str, config: RunConfig) -> None:
    """Start button callback (runs before the script, so Stop and the status see the new run at once)."""
    run_ids, message = _queue_and_start_worker([config])
    if message:
        _messages()[page] = message
    if run_ids:
        _remember(page, run_ids[0])
        st.toast(f"Queued {config.name or 'your run'}; it trains in the background.", icon=":material/queue:")


def _on_stop(run_id: str) -> None:
    info = _read(run_id)
    if info is not None and jobs.cancel(run_id):
        st.toast("Stopping the run..." if info.state == "running" else "Run cancelled.", icon=":material/stop_circle:")


def draw_estimate(config: RunConfig) -> None:
    """The device line and the estimated duration, with a warning for long CPU runs."""
    device = device_info()
    st.caption(f":material/memory: {device['backend']} · {device['device']} · {device['cpu_count']} CPU cores")
    seconds = estimate_seconds(config, training_set_size(config), device)
    if is_long(seconds) and device["device"] == "CPU":
        st.warning(
            f"About {format_duration(seconds)} on this CPU. For a quick try, use fewer epochs "
            "or limit the training images.",
            icon=":material/timer:",
        )
    else:
        st.caption(f":material/timer: about {format_duration(seconds)} (rough estimate)")


def _buttons(page: str, config: RunConfig | None, run: RunInfo | None) -> None:
    start_col, stop_col = st.columns(2)
    start_col.button(
        "Start",
        key=f"train_start_{page}",
        type="primary",
        icon=":material/play_arrow:",
        width="stretch",
        disabled=config is None,
        on_click=_on_start,
        args=(page, config),
    )
    active = run is not None and run.state in ACTIVE_STATES
    stop_col.button(
        "Stop",
        key=f"train_stop_{page}",
        icon=":material/stop:",
        width="stretch",
        disabled=not active,
        on_click=_on_stop,
        args=(run.run_id if run else "",),
    )
    message = _messages().pop(page, "")
    if message:
        st.error(message, icon=":material/error:")


def train_panel(
    page: str, config_ui: Callable[[], RunConfig], *, note: str = "", unavailable: str = ""
) -> RunInfo | None:
    """Draw the sidebar Train panel for `page`; returns this page's current run (or None).

    `unavailable` is one sentence saying why nothing can train here now (e.g. the data is not on this machine):
    it is shown instead of `note` and Start is disabled, rather than queueing a run that would fail.
    """
    with st.sidebar:
        st.header("Train", anchor=False)
        if unavailable:
            st.info(unavailable, icon=":material/cloud_off:")
        elif note:
            st.caption(note)
        config = config_ui()
        try:
            config = validated(config)
        except ConfigError as error:
            st.error(f"This setting cannot be trained: {error}", icon=":material/error:")
            config = None
        if unavailable:
            config = None
        if config is not None:
            draw_estimate(config)
        run = current_run(page)
        _buttons(page, config, run)
        if run is not None and st.query_params.get(RUN_PARAM) != run.run_id:
            st.query_params[RUN_PARAM] = run.run_id
        watching = (run is not None and run.state in ACTIVE_STATES) or bool(jobs.queue())
        status_fragment(run.run_id if run else None, watching)
    return run
