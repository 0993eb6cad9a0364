"""Runs: every run, pretrained and yours. Filter, select rows to overlay curves, inspect, download, delete.

Selected runs live in the URL (?runs=<id>,<id>) so a teacher can share a prepared comparison.
"""

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from core.config import DATASETS
from core.figures import available_metrics, training_curves
from core.lab import tables
from core.runs import jobs
from core.runs import store as runs
from core.runs.store import ACTIVE_STATES, STATES, RunError
from ui.live import draw_run_status, live_curves, queue_rows
from ui.navigation import run_inside_app_navigation
from ui.run_cache import all_runs, full_run
from ui.state import large_text, session_id
from ui.teacher import draw_teacher_section

run_inside_app_navigation()

SOURCES = ("pretrained", "yours")
RUN_FILES = (
    ("Model", "model.keras", "application/octet-stream"),
    ("Metrics", "metrics.json", "application/json"),
    ("History", "history.json", "application/json"),
    ("Config", "config.json", "application/json"),
)


def draw_queue_section() -> None:
    """Queued and running runs of everyone, with Stop for this session's own."""
    active = jobs.queue()
    st.subheader("Queue", anchor=False)
    if not active:
        st.caption("Nothing is queued or training.")
        return
    owner = session_id()
    for info, line in zip(active, queue_rows(active, owner)):
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.markdown(line)
        if info.status.get("owner") == owner:
            if button.button("Stop", key=f"runs_stop_{info.run_id}", icon=":material/stop:"):
                jobs.cancel(info.run_id)
                st.toast(f"Stopping {info.name}.", icon=":material/stop_circle:")
                st.rerun()


def filters_ui() -> tuple[list[str], list[str], list[str]]:
    """Dataset, state and source filters (empty means all); kept in the URL."""
    left, middle, right = st.columns(3)
    datasets = left.multiselect("Dataset", DATASETS, key="runs_dataset", bind="query-params", placeholder="all")
    states = middle.multiselect("State", STATES, key="runs_state", bind="query-params", placeholder="all")
    sources = right.multiselect("Source", SOURCES, key="runs_source", bind="query-params", placeholder="all")
    return datasets, states, sources


def filtered(infos: list, datasets: list[str], states: list[str], sources: list[str]) -> list:
    """The runs that pass every non-empty filter."""

    def keep(info) -> bool:
        source = "pretrained" if info.is_pretrained else "yours"
        return (
            (not datasets or info.config.get("data", {}).get("dataset") in datasets)
            and (not states or info.state in states)
            and (not sources or source in sources)
        )

    return [info for info in infos if keep(info)]


def runs_table_ui(infos: list) -> list:
    """The runs as a table; returns the runs whose rows are selected (seeded from ?runs=)."""
    wanted = [part for part in st.query_params.get("runs", "").split(",") if part]
    ids = [info.run_id for info in infos]
    default = {"selection": {"rows": [ids.index(w) for w in wanted if w in ids], "columns": []}}
    event = st.dataframe(
        pd.DataFrame(tables.run_rows(infos)),
        width="stretch",
        hide_index=True,
        key="runs_table",
        on_select="rerun",
        selection_mode="multi-row",
        selection_default=default,
    )
    chosen = [infos[row] for row in event.selection.rows if row < len(infos)]
    if chosen:
        st.query_params["runs"] = ",".join(info.run_id for info in chosen)
    elif "runs" in st.query_params:
        del st.query_params["runs"]
    return chosen


def draw_curves(chosen: list) -> None:
    """Overlaid training curves of the selected runs; live while one of them trains."""
    metrics: list[str] = []
    for info in chosen:
        metrics += [m for m in available_metrics(info.history) if m not in metrics]
    if not metrics:
        st.info("The selected runs have no training history yet.")
        return
    metric = st.selectbox("Metric", metrics, key="runs_metric")
    mine = [info.run_id for info in chosen if not info.is_pretrained]
    shipped = [(f"{info.name} (pretrained)", info.history) for info in chosen if info.is_pretrained]
    live_curves(mine, metric=metric, key="runs_curves", extra=shipped)
    pairs = [(info.name, info.history) for info in chosen]
    st.download_button(
        "Curves as HTML",
        data=lambda: figure_html(pairs, metric),
        file_name=f"curves_{metric}.html",
        mime="text/html",
        icon=":material/download:",
        key="runs_curves_html",
        on_click="ignore",
    )


def figure_html(pairs: list[tuple[str, dict]], metric: str) -> str:
    """A self-contained HTML page with the training curves (opens offline)."""
    return training_curves(pairs, metric=metric, large_text=large_text()).to_html(include_plotlyjs=True)


def draw_metrics(info) -> None:
    """The headline numbers of a finished run."""
    metrics = info.metrics
    shown = [
        ("Test accuracy", metrics.get("accuracy"), lambda v: f"{100 * v:.2f}%"),
        ("Mean error", metrics.get("common_sense_error_mean_min"), lambda v: f"{v:.1f} min"),
        ("Median error", metrics.get("common_sense_error_median_min"), lambda v: f"{v:.1f} min"),
        ("Parameters", metrics.get("params"), lambda v: f"{int(v):,}"),
        ("Train time", metrics.get("train_time_s"), lambda v: f"{v:.0f} s"),
    ]
    shown = [(label, value, fmt) for label, value, fmt in shown if value is not None]
    for column, (label, value, fmt) in zip(st.columns(max(1, len(shown))), shown):
        column.metric(label, fmt(float(value)))


def draw_downloads(info) -> None:
    """Download buttons for the run's files (read only when clicked) and its curves."""
    files = [(label, name, mime) for label, name, mime in RUN_FILES if (Path(info.path) / name).is_file()]
    columns = st.columns(len(files) + 1)
    for column, (label, name, mime) in zip(columns, files):
        column.download_button(
            label,
            data=lambda p=Path(info.path) / name: p.read_bytes(),
            mime=mime,
            help=f"{name} of this run",
            file_name=f"{info.run_id}_{name}",
            key=f"runs_dl_{name}_{info.run_id}",
            icon=":material/download:",
            on_click="ignore",
        )
    metric = (available_metrics(info.history) or ["loss"])[0]
    columns[-1].download_button(
        "Curves",
        data=lambda: figure_html([(info.name, info.history)], metric),
        help="the training curves as an HTML page",
        mime="text/html",
        file_name=f"{info.run_id}_curves.html",
        key=f"runs_dl_html_{info.run_id}",
        icon=":material/download:",
        on_click="ignore",
    )


def draw_delete(info) -> None:
    """Delete a user run, after a confirm step; refusals (e.g. still running) are shown."""
    if info.is_pretrained:
        st.caption("Pretrained models cannot be deleted.")
        return
    confirm_key = "runs_confirm_delete"
    if st.session_state.get(confirm_key) != info.run_id:
        if st.button("Delete run", key=f"runs_delete_{info.run_id}", icon=":material/delete:"):
            st.session_state[confirm_key] = info.run_id
            st.rerun()
        return
    st.warning(f"Delete **{info.name}** and all its files? This cannot be undone.")
    yes, no = st.columns(2)
    if yes.button("Yes, delete", key=f"runs_confirm_{info.run_id}", type="primary"):
        st.session_state.pop(confirm_key, None)
        try:
            runs.delete_run(info.run_id)
        except RunError as error:
            st.error(str(error))
            return
        st.toast(f"Deleted {info.name}.", icon=":material/delete:")
        st.rerun()
    if no.button("Keep it", key=f"runs_keep_{info.run_id}"):
        st.session_state.pop(confirm_key, None)
        st.rerun()


def draw_run_details(info) -> None:
    """Status, reason, metrics, config and files of one selected run."""
    source = (
        "pretrained" if info.is_pretrained else ("yours" if info.status.get("owner") == session_id() else "user run")
    )
    with st.container(border=True):
        st.markdown(f"#### {info.name}  \n`{info.run_id}` · {source} · {tables.model_label(info.config)}")
        draw_run_status(info, jobs.queue() if info.state in ACTIVE_STATES else [])
        draw_metrics(info)
        with st.expander("Config and all metrics"):
            st.json(info.config, expanded=1)
            st.code(json.dumps(info.metrics, indent=2), language="json")
        draw_downloads(info)
        draw_delete(info)


st.title("Runs")
st.caption("Every run: the pretrained models and the ones trained here. Select rows to compare them.")
draw_queue_section()
draw_teacher_section()
st.subheader("All runs", anchor=False)
everything = all_runs()
if not everything:
    st.info(
        "No runs yet, and no pretrained models are installed. Train one from any page's **Train** panel, "
        "or rebuild the pretrained models with `python -m core pretrain`."
    )
    st.stop()
shown_runs = filtered(everything, *filters_ui())
if not shown_runs:
    st.info("No run matches these filters.")
    st.stop()
selected = [full_run(info) for info in runs_table_ui(shown_runs)]
if not selected:
    st.caption("Select one or more rows to see their curves, metrics and files.")
    st.stop()
draw_curves(selected)
for run_info in selected:
    draw_run_details(run_info)
