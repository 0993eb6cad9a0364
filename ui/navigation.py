"""Make every page run inside the app's own navigation, even as the first deep link on a fresh server."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def run_inside_app_navigation() -> None:
    """Hand over to streamlit_app.py when Streamlit ran this page script straight from the pages/ folder.

    Streamlit decides once per server process whether an app is a legacy pages/-folder app: until some
    session has called st.navigation, a fresh server's first deep link (/clocks, /permuted?...) runs
    pages/<page>.py on its own, under an auto-discovered page list and without the app's frame. Clearing
    that decision and rerunning runs streamlit_app.py, whose st.navigation serves the same URL (both modes
    identify a page by the hash of its URL path). Every page script calls this first.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
