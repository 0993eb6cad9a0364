"""Clockwork: the app's frame. Sets the page up, shared sidebar settings, then routes to a page."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import streamlit as st  # noqa: E402

from ui.state import init_state, sidebar_settings  # noqa: E402

st.set_page_config(page_title="Clockwork", page_icon=":material/schedule:", layout="wide")
init_state()

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page("pages/mlp-cnn.py", title="MLPs and CNNs", icon=":material/neurology:", url_path="mlp-cnn"),
    st.Page("pages/permuted.py", title="Permuted pixels", icon=":material/shuffle:", url_path="permuted"),
    st.Page("pages/clocks.py", title="Tell the time", icon=":material/schedule:", url_path="clocks"),
    st.Page("pages/generative.py", title="Generative models", icon=":material/auto_awesome:", url_path="generative"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:", url_path="runs"),
]

page = st.navigation(PAGES)
sidebar_settings()
page.run()
