"""Make every page run inside the app's own navigation, even as the first deep link on a fresh server."""

import runpy

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx


def run_inside_app_navigation() -> None:
    """Run streamlit_app.py (frame and navigation) in place of this page when Streamlit ran the page straight from pages/.

    Streamlit decides per server process whether an app is a legacy pages/-folder app: until some session has
    called st.navigation, a fresh server's first deep link (/clocks, /permuted?...) runs pages/<page>.py on its
    own, under an auto-discovered page list and without the app's frame. Clearing that decision and running the
    main script in this same run gives the real navigation, which runs this page again (now inside it) with the
    widget values of this run; then this outer run stops. Every page script calls this first.
    """
    if not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    ctx = get_script_run_ctx()
    if ctx is None:  # not inside a Streamlit script run (bare import): nothing to hand over
        return
    runpy.run_path(str(ctx.pages_manager.main_script_path), run_name="__main__")
    st.stop()
