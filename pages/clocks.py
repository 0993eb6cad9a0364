"""Tell the time: read analog clocks, and compare label encodings by the common-sense error in minutes."""

import streamlit as st

from core.lab.clock_compare import is_clock_run
from core.runs import store as runs
from core.runs.store import ACTIVE_STATES
from ui.clocks.compare_tab import draw_compare_tab
from ui.clocks.data_tab import draw_data_tab
from ui.clocks.encodings_tab import draw_encodings_tab
from ui.clocks.train_form import TRAIN_NOTE, clock_config_ui
from ui.live import live_curves
from ui.navigation import run_inside_app_navigation
from ui.run_cache import pretrained_infos
from ui.state import large_text, session_id
from ui.train_panel import train_panel

run_inside_app_navigation()

PAGE = "clocks"
TABS = ["Data", "Encodings", "Compare", "Confusion & circle", "Inspector", "Inside"]


@st.cache_data(max_entries=4, ttl=3, show_spinner=False)
def user_clock_runs() -> list:
    """Finished clock runs in the runs folder (everyone's), newest first."""
    return [info for info in runs.list_runs(with_history=False) if is_clock_run(info) and info.state == "done"]


def clock_runs(mine_only: bool, current_id: str = "") -> list:
    """The pretrained clock models, then the finished user clock runs (this session's and the current one, if asked)."""
    shipped = [info for info in pretrained_infos() if is_clock_run(info)]
    owner = session_id()
    users = [
        info
        for info in user_clock_runs()
        if not mine_only or info.status.get("owner") == owner or info.run_id == current_id
    ]
    return shipped + users


large = large_text()
current = train_panel(PAGE, clock_config_ui, note=TRAIN_NOTE)

st.title("Tell the time")
st.markdown(
    "A CNN reads analog clocks photographed from any angle. What should it output? One number (regression), "
    "one of *n* time slots (classification), an hour class plus a minute, or points on circles (sin/cos)? "
    "Each choice changes what counts as a small mistake. Results are scored by the **common-sense error**: "
    "the minutes between predicted and true time, the short way round the dial."
)
if current is not None:
    active = current.state in ACTIVE_STATES
    with st.expander(f"Your run: {current.name} ({current.state})", expanded=active):
        if current.state != "done":
            st.caption("It joins the comparison and the results views when it finishes.")
        live_curves([current.run_id], metric="loss", key="clk_live")

mine_only = st.toggle(
    "Only my runs",
    value=True,
    key="clk_mine",
    bind="query-params",
    help="Off: also show the finished clock runs of everyone using this lab.",
)
shown = clock_runs(mine_only, current.run_id if current else "")  # ?run= keeps a run "mine" after a reload
data_tab, encodings_tab, compare_tab, results_tab, inspector_tab, inside_tab = st.tabs(
    TABS, key="clk_tab", bind="query-params"
)  # bound tabs run only the open one; ?clk_tab=Compare links to it
if data_tab.open:
    with data_tab:
        draw_data_tab(large)
if encodings_tab.open:
    with encodings_tab:
        draw_encodings_tab(large)
if compare_tab.open:
    with compare_tab:
        draw_compare_tab(shown, large)
if results_tab.open:
    with results_tab:
        from ui.clocks.results_tab import draw_results  # imported here: only this tab needs it

        draw_results(shown, large)
if inspector_tab.open:
    with inspector_tab:
        from ui.clocks.inspector_tab import draw_inspector  # loads models: only when this tab is open

        draw_inspector(shown, large)
if inside_tab.open:
    with inside_tab:
        from ui.clocks.inside_tab import draw_inside  # loads a model: only when this tab is open

        draw_inside(shown, large)
