"""The Compare tab: every clock encoding and the user's clock runs in one table, one chart, exportable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.figures.clocks import comparison_figure
from core.lab import tables
from core.lab.clock_compare import COURSE_BAR_MIN, PEERS_BEST_MIN, comparison_rows, scored_rows, verdict
from core.runs.store import RunInfo


def draw_compare_tab(runs: list[RunInfo], large: bool) -> None:
    """The comparison table, the mean-error chart with the course bar and peers' best, and CSV/Markdown export."""
    rows = comparison_rows(runs)
    if not rows:
        st.info("No clock results yet: the pretrained clock models are not installed and you have no finished "
                "clock runs. Start one in the Train panel, or rebuild the models with `python -m core pretrain`.")
        return
    st.markdown(
        f"Scores on each run's held-out test clocks. The **common-sense error** is the minutes between the "
        f"predicted and true time the short way round (11:55 vs 12:05 is 10 minutes). The course bar is a mean "
        f"error under **{COURSE_BAR_MIN:g} min**; the best peers reached about "
        f"**{PEERS_BEST_MIN:g} min**.")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="clk_compare_table",
                 column_config={"run id": None})
    scored = scored_rows(rows)
    if scored:
        best = min(scored, key=lambda row: row["mean error (min)"])
        st.markdown(f"**Best: {best['run']}** ({best['encoding']}): {verdict(best['mean error (min)'])}")
        st.plotly_chart(comparison_figure(scored, COURSE_BAR_MIN, PEERS_BEST_MIN, large_text=large), width="stretch",
                        key="clk_compare_chart")
    left, right = st.columns(2)
    left.download_button("Download CSV", tables.to_csv(rows), file_name="clock_comparison.csv", mime="text/csv",
                         icon=":material/download:", key="clk_csv")
    right.download_button("Download Markdown", tables.to_markdown(rows), file_name="clock_comparison.md",
                          mime="text/markdown", icon=":material/download:", key="clk_md")
