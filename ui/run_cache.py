"""Cached access to runs and pretrained results for the pages (reading only; core does the work)."""

import gc
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st

from core.lab import tables
from core.runs import store as runs

T = TypeVar("T")


@st.cache_data(max_entries=4, ttl=30, show_spinner=False)
def pretrained_infos() -> list:
    """The shipped pretrained runs (config, status, history, metrics), newest first."""
    return [info for info in runs.list_runs(include_pretrained=True) if info.is_pretrained]


def pretrained_run(name: str):
    """The pretrained run called `name` (its folder name), or None when it is not installed."""
    return next((info for info in pretrained_infos() if info.run_id == name), None)


def pretrained_table() -> pd.DataFrame:
    """One row per pretrained model: what it is and how well it does on its test split."""
    return pd.DataFrame(tables.run_rows(pretrained_infos()))


@st.cache_data(max_entries=32, show_spinner=False)
def evaluation_arrays(run_path: str, modified: float) -> dict:
    """A run's evaluation.npz as plain arrays (cached per file version)."""
    from core.evaluation.metrics import load_evaluation

    return load_evaluation(Path(run_path) / "evaluation.npz")


def run_evaluation(info) -> dict:
    """The evaluation arrays of a run, or {} when it has none yet."""
    path = Path(info.path) / "evaluation.npz"
    if not path.is_file():
        return {}
    return evaluation_arrays(str(info.path), path.stat().st_mtime)


def model_file_time(info: runs.RunInfo | None) -> float | None:
    """When the run's model.keras was written (the key its cached model is kept under), or None when there is none."""
    file = Path(info.path) / "model.keras" if info is not None else None
    return file.stat().st_mtime if file is not None and file.is_file() else None


def out_of_gc_reach(value: T) -> T:
    """`value`, after freezing everything the process holds so far (TensorFlow, the models) out of the garbage
    collector's reach: after every script run Streamlit collects garbage twice (its own gc.collect and Keras'
    clear_session), and with TensorFlow's ~350k objects tracked each pass holds the GIL ~0.5 s, so a canvas stroke
    or a slider step in that second waits."""
    gc.collect()
    gc.freeze()
    return value


@st.cache_resource(max_entries=12, show_spinner="Loading model...")
def load_model(run_path: str, modified: float):
    """A run's model for prediction only (shared read-only across sessions)."""
    from core.models.saved import load_model_file

    return out_of_gc_reach(load_model_file(run_path))


def all_runs() -> list:
    """The user's runs (newest first, without history) then the pretrained ones (cached)."""
    return runs.list_runs(with_history=False) + pretrained_infos()


def full_run(info):
    """The run with its history: pretrained infos already hold it; user runs are re-read from disk."""
    return info if info.is_pretrained else runs.read_run(info.path)
