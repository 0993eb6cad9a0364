"""The one typed place for state that views share: the session's id, display settings, the user's clock files.

Views read and write shared state only through these functions; each stores under one key named here, so
no string key is spread across modules. State that belongs to one view stays in that view.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
import streamlit as st

SESSION_ID = "session_id"
LARGE_TEXT = "large_text"
USER_CLOCKS = "clocks_user_data"  # UserClocks: the clock files this session loaded
USER_CLOCK_FOLDER = "clocks_user_path"  # str: where this session's clock files were saved for training
CLOCK_TRAIN_SOURCE = "clk_train_source"  # the Train panel's "render" / "path" radio


@dataclass
class UserClocks:
    """Clock files a user loaded (upload or path): the arrays, where they came from, and what identifies them."""

    images: np.ndarray
    labels: np.ndarray
    origin: str
    token: str
    folder: str | None = None  # the folder already holding images.npy/labels.npy, when loaded from a path


def init_state() -> None:
    """Give each browser session an id (owner of its runs) and default settings."""
    st.session_state.setdefault(SESSION_ID, uuid.uuid4().hex[:12])
    st.session_state.setdefault(LARGE_TEXT, st.query_params.get("large") == "1")


def session_id() -> str:
    """This browser session's id: it owns the runs it queues."""
    return str(st.session_state.get(SESSION_ID, ""))


def sidebar_settings() -> None:
    """The display settings at the bottom of every sidebar."""
    with st.sidebar:
        large = st.toggle(
            "Large text (projector)", key=LARGE_TEXT, help="Bigger fonts and thicker lines in every chart."
        )
    if large:
        st.query_params["large"] = "1"
    elif "large" in st.query_params:
        del st.query_params["large"]


def large_text() -> bool:
    """Whether charts should use projector-sized text."""
    return bool(st.session_state.get(LARGE_TEXT, False))


def user_clocks() -> UserClocks | None:
    """The clock files this session loaded, if any."""
    return st.session_state.get(USER_CLOCKS)


def set_user_clocks(files: UserClocks | None) -> None:
    """Keep (or forget, with None) the session's clock files; a new set is not yet saved for training."""
    if files is None:
        st.session_state.pop(USER_CLOCKS, None)
    else:
        st.session_state[USER_CLOCKS] = files
    st.session_state.pop(USER_CLOCK_FOLDER, None)


def user_clock_folder() -> str | None:
    """The folder holding this session's clock files saved for training, if they were saved."""
    return st.session_state.get(USER_CLOCK_FOLDER)


def train_on_user_clocks(folder: str) -> None:
    """Remember where the session's clock files were saved and point the Train panel at them."""
    st.session_state[USER_CLOCK_FOLDER] = folder
    st.session_state[CLOCK_TRAIN_SOURCE] = "path"


USER_SCORES = "clocks_user_scores"  # UserScores: models scored on this session's clock files


@dataclass
class UserScores:
    """Models scored on the session's clock files: which files (their token), a report or a note per run id."""

    token: str
    reports: dict[str, dict]
    notes: dict[str, str]


def user_scores() -> UserScores:
    """The models scored on the session's current clock files (empty when none are, or the files changed)."""
    files = user_clocks()
    kept = st.session_state.get(USER_SCORES)
    if files is None or kept is None or kept.token != files.token:
        return UserScores(files.token if files else "", {}, {})
    return kept


def keep_user_score(token: str, run_id: str, report: dict | None, note: str = "") -> None:
    """Remember one model's report on the session's clock files (None with a note when it could not be scored)."""
    kept = st.session_state.get(USER_SCORES)
    if kept is None or kept.token != token:
        kept = st.session_state[USER_SCORES] = UserScores(token, {}, {})
    kept.reports.pop(run_id, None)
    kept.notes.pop(run_id, None)
    if report is not None:
        kept.reports[run_id] = report
    if note:
        kept.notes[run_id] = note
