"""Choosing a clock model in the tabs: the URL-bound run picker, and the chosen run's saved model file."""

from __future__ import annotations

import streamlit as st

from core.runs.store import RunInfo
from ui.run_cache import model_file_time

DEFAULT_RUN = "clock_sincos"
NO_MODELS = (
    "No clock models to {} yet: train one in the sidebar, or install the pretrained models with "
    "`python -m core pretrain`."
)


def run_label(info: RunInfo) -> str:
    """How a run is named in the pickers."""
    return f"{info.name} ({'pretrained' if info.is_pretrained else 'yours'})"


def run_ui(runs: list[RunInfo], key: str, label: str = "Run") -> RunInfo:
    """A URL-bound run picker (clock_sincos first when present); returns the chosen run."""
    by_id = {info.run_id: info for info in runs}
    ids = list(by_id)
    default = ids.index(DEFAULT_RUN) if DEFAULT_RUN in by_id else 0
    chosen = st.selectbox(
        label, ids, index=default, format_func=lambda run_id: run_label(by_id[run_id]), key=key, bind="query-params"
    )
    return by_id.get(chosen, runs[default])


def model_file_ui(runs: list[RunInfo], key: str, verb: str) -> tuple[RunInfo, float] | None:
    """A "Model" picker: the chosen run and when its model.keras was written, or None after one sentence saying why
    there is nothing to `verb` ("inspect", "look inside"): no clock models at all, or none saved for this run."""
    if not runs:
        st.info(NO_MODELS.format(verb))
        return None
    run = run_ui(runs, key=key, label="Model")
    modified = model_file_time(run)
    if modified is None:
        st.info(f"**{run.name}** has no saved model to {verb}.")
        return None
    return run, modified
