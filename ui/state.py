"""Session-state defaults and the settings every page shares (large text for projectors)."""

import uuid

import streamlit as st


def init_state() -> None:
    """Give each browser session an id (owner of its runs) and default settings."""
    st.session_state.setdefault("session_id", uuid.uuid4().hex[:12])
    st.session_state.setdefault("large_text", st.query_params.get("large") == "1")


def sidebar_settings() -> None:
    """The display settings at the bottom of every sidebar."""
    with st.sidebar:
        large = st.toggle("Large text (projector)", key="large_text",
                          help="Bigger fonts and thicker lines in every chart.")
    if large:
        st.query_params["large"] = "1"
    elif "large" in st.query_params:
        del st.query_params["large"]


def large_text() -> bool:
    """Whether charts should use projector-sized text."""
    return bool(st.session_state.get("large_text", False))
