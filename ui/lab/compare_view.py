"""Compare runs: pick a knob and several values, queue one run each, watch the table and bars fill in, export."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from core.config import RunConfig
from core.data.datasets import data_available, missing_data_sentence
from core.figures import comparison_bar
from core.lab import tables
from core.lab.compare import (
    COMPARE_AXES,
    CompareAxis,
    axes_for,
    comparison_bar_rows,
    comparison_configs,
    differing_knobs,
)
from core.lab.knobs import format_value
from core.runs import store as runs
from core.runs.store import ACTIVE_STATES, RunInfo
from ui.state import large_text
from ui.train_panel import max_waiting_runs, submit_runs
from ui.widgets import table_downloads

GROUP_PARAM = "compare"
GROUP_STATE = "compare_group"
TICK_S = 1.0


def group_ids() -> list[str]:
    """The run ids of this session's comparison (session state, else ?compare= after a reload)."""
    ids = st.session_state.get(GROUP_STATE)
    if ids is None:
        ids = [i for i in str(st.query_params.get(GROUP_PARAM, "")).split(",") if runs.RUN_ID_PATTERN.fullmatch(i)]
    return list(ids)


def remember_group(run_ids: list[str]) -> None:
    """Keep the comparison in the session and in the URL, so a reload (or a shared link) finds it."""
    st.session_state[GROUP_STATE] = list(run_ids)
    st.query_params[GROUP_PARAM] = ",".join(run_ids)


def group_runs(run_ids: list[str]) -> list[RunInfo]:
    """The comparison's runs that still exist, in the order they were queued."""
    found = []
    for run_id in run_ids:
        path = runs.run_path(None, run_id)
        if path.is_dir():
            found.append(runs.read_run(path, with_history=False))
    return found


def values_ui(axis: CompareAxis) -> list[list]:
    """One multiselect per knob of the axis (two for optimizer x learning rate)."""
    chosen = []
    for name, options, defaults, label in zip(axis.names, axis.options, axis.defaults, axis.table_knobs):
        chosen.append(
            st.multiselect(
                f"{label[0].upper()}{label[1:]} values",
                options,
                default=list(defaults),
                format_func=format_value,
                key=f"compare_{name}",
            )
        )
    return chosen


def queue_ui(base: RunConfig, page: str) -> None:
    """Choose the knob and its values, then queue one run per value (or combination)."""
    label = st.selectbox("Knob to compare", axes_for(base.model.kind), key="compare_knob", bind="query-params")
    axis = COMPARE_AXES[label]
    values = values_ui(axis)
    count = math.prod(len(chosen) for chosen in values)
    limit_train = base.data.limit_train
    st.caption(
        f"{count} run(s): the sidebar's {base.model.kind.upper()} settings with only *{label}* changed, "
        f"all with seed {base.seed} and {format_value(limit_train) if limit_train else 'all'} "
        "training images."
    )
    limit = max_waiting_runs()
    too_many = count > limit
    missing = not data_available(base.data.dataset)
    if missing:
        st.info(missing_data_sentence(base.data.dataset), icon=":material/cloud_off:")
    elif too_many:
        st.warning(f"At most {limit} of your runs may wait at once; pick fewer values.", icon=":material/warning:")
    if st.button(
        f"Queue {count} run(s)",
        key="compare_queue",
        icon=":material/queue:",
        type="primary",
        disabled=count == 0 or too_many or missing,
    ):
        run_ids = submit_runs(page, comparison_configs(base, label, values))
        if run_ids:
            remember_group(run_ids)


def draw_group(run_ids: list[str], table_knobs: list[str]) -> None:
    """The comparison table, bar chart and exports; redraws every second while a run is queued or running."""
    active = any(info.state in ACTIVE_STATES for info in group_runs(run_ids))
    st.fragment(run_every=TICK_S if active else None)(draw_group_now)(run_ids, table_knobs)


def draw_group_now(run_ids: list[str], table_knobs: list[str]) -> None:
    """One drawing of the comparison table, its bars and the export buttons."""
    infos = group_runs(run_ids)
    if not infos:
        st.caption("Queued comparisons appear here: one row per run, filled in as each one finishes.")
        return
    rows = tables.run_rows(infos, table_knobs)
    st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)
    bars = comparison_bar_rows(rows, table_knobs[0], table_knobs[1] if len(table_knobs) > 1 else None)
    if bars:
        st.plotly_chart(
            comparison_bar(
                bars,
                x=table_knobs[0],
                y="accuracy",
                color=table_knobs[1] if len(table_knobs) > 1 else None,
                large_text=large_text(),
            ),
            width="stretch",
            key="compare_bars",
        )
    table_downloads(rows, "comparison", key="compare", width="stretch")


def draw_compare(base: RunConfig, page: str) -> None:
    """The Compare runs section of the page."""
    st.subheader("Compare runs", anchor=False)
    st.caption(
        "Change one knob, keep everything else (and the seed) equal, and see what it does. "
        "Architecture knobs write a preset out as custom layers first."
    )
    queue_ui(base, page)
    run_ids = group_ids()
    chosen = st.session_state.get("compare_knob")
    fallback = COMPARE_AXES[chosen if chosen in COMPARE_AXES else axes_for(base.model.kind)[0]].table_knobs
    draw_group(run_ids, differing_knobs([info.config for info in group_runs(run_ids)], fallback))
