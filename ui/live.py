"""Live views of runs that train in the worker: progress text, state badges, the queue, training curves.

The `draw_*` functions are plain so tests can call them through a normal script run; the fragments that
redraw them every second (`run_every` does not tick in AppTest) only wrap them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from core.figures import available_metrics, training_curves
from core.runs import jobs
from core.runs import store as runs
from core.runs.store import ACTIVE_STATES, RunInfo
from ui.state import large_text, session_id

TICK_S = 1.0


def clock_text(seconds: Any) -> str:
    """Seconds as 'M:SS' or 'H:MM:SS' ('?' when unknown)."""
    if seconds is None:
        return "?"
    total = max(0, int(round(float(seconds))))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_text(progress: dict[str, Any]) -> str:
    """'epoch 2/5 · batch 120/422 · ETA 0:41 · loss 0.53' from status.json's progress."""
    parts = [f"epoch {progress.get('epoch', 0)}/{progress.get('epochs', '?')}"]
    if progress.get("batches"):
        parts.append(f"batch {progress.get('batch', 0)}/{progress['batches']}")
    if progress.get("eta_s") is not None:
        parts.append(f"ETA {clock_text(progress['eta_s'])}")
    if progress.get("loss") is not None:
        parts.append(f"loss {float(progress['loss']):.3g}")
    return " · ".join(parts)


def progress_fraction(progress: dict[str, Any]) -> float:
    """How much of the run is done, 0..1 (batches count within the current epoch)."""
    epochs, batches = int(progress.get("epochs") or 0), int(progress.get("batches") or 0)
    if epochs <= 0:
        return 0.0
    epoch = max(0, int(progress.get("epoch") or 0))
    within = int(progress.get("batch") or 0) / batches if batches else 0.0
    return min(1.0, max(0.0, (max(epoch - 1, 0) + within) / epochs))


def final_metric_text(metrics: dict[str, Any]) -> str:
    """The headline result of a finished run: test accuracy, the clock error in minutes, or a generative score."""
    if metrics.get("accuracy") is not None:
        return f"test accuracy {100.0 * float(metrics['accuracy']):.2f}%"
    if metrics.get("common_sense_error_mean_min") is not None:
        return f"mean error {float(metrics['common_sense_error_mean_min']):.1f} min"
    if metrics.get("classifier_score") is not None:
        return f"classifier score {float(metrics['classifier_score']):.2f} / 10"
    return "no test metrics"


def queue_position(run_id: str, active: list[RunInfo]) -> int | None:
    """1-based place of a queued run in the worker's order (the running run is place 0), else None."""
    queued = [info.run_id for info in active if info.state == "queued"]
    return queued.index(run_id) + 1 if run_id in queued else None


def draw_run_status(info: RunInfo, active: list[RunInfo]) -> None:
    """A run's state: queue place, live progress bar, final metric, or the reason it failed."""
    state, status = info.state, info.status
    if state == "queued":
        place = queue_position(info.run_id, active)
        ahead = sum(1 for other in active if other.state == "running")
        st.badge(f"queued · place {place}" if place else "queued", icon=":material/hourglass_top:", color="gray")
        if place and place + ahead > 1:
            st.caption(f"{place + ahead - 1} run(s) ahead of yours; it starts when they finish.")
    elif state == "running":
        st.badge("running", icon=":material/play_circle:", color="blue")
        progress = status.get("progress") or {}
        st.progress(progress_fraction(progress), text=progress_text(progress))
        if status.get("device"):
            st.caption(f"on {status['device']} ({status.get('backend', '')})")
    elif state == "done":
        st.badge("done", icon=":material/check_circle:", color="green")
        st.markdown(f"**{final_metric_text(info.metrics)}**")
        if status.get("reason"):
            st.caption(status["reason"])
    elif state == "cancelled":
        st.badge("cancelled", icon=":material/cancel:", color="orange")
        st.caption(status.get("reason") or "stopped by request")
    else:
        st.badge("failed", icon=":material/error:", color="red")
        st.error(status.get("reason") or "the run failed without a reason")


def queue_rows(active: list[RunInfo], owner: str) -> list[str]:
    """One short line per queued or running run: place, name, state, and 'yours' for this session's."""
    lines, place = [], 0
    for info in active:
        if info.state == "queued":
            place += 1
        where = "now:" if info.state == "running" else f"{place}\\."  # escaped: no nested Markdown list
        mine = " · **yours**" if owner and info.status.get("owner") == owner else ""
        lines.append(f"{where} {info.name} · {info.state}{mine}")
    return lines


def draw_queue(active: list[RunInfo], owner: str) -> None:
    """The visible queue of the worker (everyone's runs; this session's are marked)."""
    if not active:
        st.caption("Queue: empty")
        return
    st.caption("Queue")
    st.markdown("\n".join(f"- {line}" for line in queue_rows(active, owner)))


def _ended_since_last_look(run_id: str, state: str) -> bool:
    """True once, when a run this session watched while active has reached a final state."""
    seen = st.session_state.setdefault("live_seen_states", {})
    was_active = seen.get(run_id) in ACTIVE_STATES
    seen[run_id] = state
    return was_active and state not in ACTIVE_STATES


def draw_panel_status(run_id: str | None) -> None:
    """Status of this page's run plus the queue; asks for one full rerun when the run ends."""
    active = jobs.queue()
    if run_id:
        try:
            info = runs.read_run(runs.run_path(None, run_id), with_history=False)
        except runs.RunError:
            info = None
        if info is not None and info.path.is_dir():
            st.markdown(f"**{info.name}**")
            draw_run_status(info, active)
            if _ended_since_last_look(run_id, info.state):
                st.rerun(scope="app")
    draw_queue(active, session_id())


def status_fragment(run_id: str | None, watching: bool) -> None:
    """draw_panel_status inside a fragment that ticks every second while something is queued or running."""
    st.fragment(run_every=TICK_S if watching else None)(draw_panel_status)(run_id)


def _histories(run_ids: Iterable[str]) -> tuple[list[tuple[str, dict]], bool]:
    """(name, history) per readable run, and whether any of them is still queued or running."""
    pairs, active = [], False
    for run_id in run_ids:
        try:
            info = runs.read_run(runs.run_path(None, run_id))
        except runs.RunError:
            continue
        if not info.path.is_dir():
            continue
        active = active or info.state in ACTIVE_STATES
        pairs.append((info.name, info.history))
    return pairs, active


def draw_curves(run_ids: list[str], metric: str, key: str, extra: list[tuple[str, dict]]) -> bool:
    """Training curves of the runs plus `extra`; returns whether any run is still active."""
    pairs, active = _histories(run_ids)
    pairs += list(extra)
    if not any(history.get("epochs") or history.get("batches") for _, history in pairs):
        st.info("No training curves yet: they appear after the first batches.")
        return active
    metrics = available_metrics({"epochs": [r for _, h in pairs for r in h.get("epochs", [])]}) or ["loss"]
    shown = metric if metric in metrics or not metrics else metrics[0]
    fig = training_curves(pairs, metric=shown, large_text=large_text())
    st.plotly_chart(fig, width="stretch", key=key)
    return active


def live_curves(
    run_ids: list[str], *, metric: str = "loss", key: str, extra: list[tuple[str, dict]] | tuple = ()
) -> None:
    """Training curves that redraw every second while any of `run_ids` is queued or running."""
    _, active = _histories(run_ids)
    draw = st.fragment(run_every=TICK_S if active else None)(_draw_curves_until_done)
    draw(list(run_ids), metric, key, list(extra), active)


def _draw_curves_until_done(
    run_ids: list[str], metric: str, key: str, extra: list[tuple[str, dict]], was_active: bool
) -> None:
    still_active = draw_curves(run_ids, metric, key, extra)
    if was_active and not still_active:
        st.rerun(scope="app")  # stop ticking: the next full run draws a static chart
