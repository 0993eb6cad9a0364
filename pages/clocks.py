"""Tell the time: read analog clocks, and compare label encodings by the common-sense error in minutes."""

import streamlit as st

from core.lab.clock_compare import is_clock_run
from core.runs import store as runs
from core.runs.store import ACTIVE_STATES
from ui.clocks.train_form import TRAIN_NOTE, clock_config_ui
from ui.live import live_curves
from ui.navigation import run_inside_app_navigation
from ui.replay import draw_replay
from ui.run_cache import pretrained_infos
from ui.state import large_text, session_id
from ui.train_panel import train_panel
from ui.widgets import lazy_tabs, url_toggle

run_inside_app_navigation()

PAGE = "clocks"
# tab -> the module and function that draw it; bound tabs run only the open one (?clk_tab=Compare links to it),
# and a tab's module is imported only when it is open (three of them load models)
TABS = {
    "Data": ("ui.clocks.data_tab", "draw_data_tab"),
    "Encodings": ("ui.clocks.encodings_tab", "draw_encodings_tab"),
    "Compare": ("ui.clocks.compare_tab", "draw_compare_tab"),
    "Confusion & circle": ("ui.clocks.results_tab", "draw_results"),
    "Inspector": ("ui.clocks.inspector_tab", "draw_inspector"),
    "Inside": ("ui.clocks.inside_tab", "draw_inside"),
}
RUNLESS_TABS = ("Data", "Encodings")  # drawn without the runs


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
        if active:
            draw_replay(current, key=f"clk_live_replay_{current.run_id}")

mine_only = url_toggle("Only my runs", "clk_mine", "Off: also show the finished clock runs of everyone using this lab.")
shown = clock_runs(mine_only, current.run_id if current else "")  # ?run= keeps a run "mine" after a reload
for label, draw in lazy_tabs(TABS, "clk_tab"):
    if label in RUNLESS_TABS:
        draw(large)
    else:
        draw(shown, large)
