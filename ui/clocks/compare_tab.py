"""The Compare tab: every clock encoding and the user's clock runs in one table, one chart, exportable; each model
scored on its own test split and, behind a button, on the user's own clock files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core.evaluation.user_data import SAMPLE_LIMIT, score_run_on_clocks
from core.figures.clocks import comparison_figure
from core.lab.clock_compare import (
    CLAIM_LABEL,
    COMPARISON_NOTE,
    COURSE_BAR_MIN,
    FILES,
    LOAD_FILES_HINT,
    PEERS_BEST_MIN,
    comparison_rows,
    files_table,
    is_clock_run,
    sample_note,
    scored_rows,
    trained_on_files,
    verdict,
    with_files_columns,
)
from core.runs.store import RunInfo
from ui import run_cache
from ui.state import UserClocks, keep_user_score, user_clock_folder, user_clocks, user_scores
from ui.widgets import table_downloads

SCORE_LABEL = "Score every model on my files"
TRAINED_ON_NOTE = "trained on these files: most of these clocks were in its training split, so this is no test score"


@st.cache_data(max_entries=24, show_spinner=False)
def files_report(run_path: str, modified: float, token: str, _images: np.ndarray, _labels: np.ndarray) -> dict:
    """A run's report on the session's clock files, cached per model file version and files token (not content)."""
    model = run_cache.load_model(run_path, modified)
    return score_run_on_clocks(run_path, _images, _labels, model=model)


def score_one(info: RunInfo, files: UserClocks) -> tuple[dict | None, str]:
    """One run's report on the files, or None and why it has none; a note when it trained on these files."""
    model_file = Path(info.path) / "model.keras"
    if not model_file.is_file():
        return None, "has no saved model (model.keras is missing)"
    try:
        report = files_report(str(info.path), model_file.stat().st_mtime, files.token, files.images, files.labels)
    except Exception as error:  # a damaged or foreign model file, a model that does not read clocks, ...
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"could not be scored: {message[:300]}"
    trained = trained_on_files(info.config, (files.folder, user_clock_folder()))
    return report, TRAINED_ON_NOTE if trained else ""


def score_on_files(runs: list[RunInfo], files: UserClocks) -> None:
    """Score each run on the files with a status box and a progress bar per model; keep the results in the session."""
    total = len(runs)
    with st.status(f"Scoring {total} model{'s' * (total != 1)} on your files...", expanded=True) as box:
        bar = st.progress(0.0)
        for index, info in enumerate(runs):
            bar.progress(index / total, text=f"{info.name} ({index + 1} of {total})")
            report, note = score_one(info, files)
            keep_user_score(files.token, info.run_id, report, note)
            box.write(
                f"**{info.name}**: "
                + (f"{report['common_sense_error_mean_min']:.2f} min mean error" if report is not None else note)
            )
        bar.progress(1.0, text="Done")
        box.update(label=f"Scored {total} model{'s' * (total != 1)} on your files", state="complete", expanded=False)


def score_button(runs: list[RunInfo], files: UserClocks, key: str) -> None:
    """The button that scores every model on the files (results already cached come back at once)."""
    count = min(len(files.labels), SAMPLE_LIMIT)
    if st.button(
        SCORE_LABEL,
        key=key,
        icon=":material/rule:",
        help=f"Runs each model on {count:,} of your {len(files.labels):,} images (a few seconds to a "
        "minute per model on a CPU); scores are kept until you load other files.",
    ):
        score_on_files(runs, files)


def scored_sample_note(reports: dict[str, dict]) -> str:
    """How many of the user's images the kept reports were scored on."""
    report = next(iter(reports.values()), None)
    if report is None or "data_indices" not in report:
        return ""
    return sample_note(len(report["data_indices"]), int(report["data_total"]))


def draw_files_section(runs: list[RunInfo], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every model on the user's files beside its own test split; returns the rows to export (both when scored)."""
    st.subheader("On your files")
    files = user_clocks()
    if files is None:
        st.info(LOAD_FILES_HINT)
        return rows
    by_id = {info.run_id: info for info in runs}
    score_button([by_id[row["run id"]] for row in rows if row["run id"] in by_id], files, key="clk_score_files")
    scores = user_scores()
    if not scores.reports and not scores.notes:
        st.caption(
            f"Your files: {files.origin}. Press the button to score every model on them, next to its own test split."
        )
        return rows
    merged = with_files_columns(rows, scores.reports, scores.notes)
    st.caption(f"Your files: {files.origin}. {scored_sample_note(scores.reports)}")
    st.dataframe(pd.DataFrame(files_table(merged)), hide_index=True, width="stretch", key="clk_files_table")
    scored = [row for row in merged if row[f"{FILES}mean error (min)"] is not None]
    if scored:
        best = min(scored, key=lambda row: row[f"{FILES}mean error (min)"])
        st.markdown(
            f"**Best on your files: {best['run']}** ({best['encoding']}): "
            f"{verdict(best[f'{FILES}mean error (min)'], rendered=False)}"
        )
    return merged


def draw_compare_tab(runs: list[RunInfo], large: bool) -> None:
    """The comparison table, the mean-error chart, the same models on the user's files, and CSV/Markdown export."""
    rows = comparison_rows(runs)
    if not rows:
        st.info(
            "No clock results yet: the pretrained clock models are not installed and you have no finished "
            "clock runs. Start one in the Train panel, or rebuild the models with `python -m core pretrain`."
        )
        return
    st.markdown(
        "Scores on each run's held-out test clocks (its **own test split**). The **common-sense error** is the "
        "minutes between the predicted and true time the short way round (11:55 vs 12:05 is 10 minutes)."
    )
    st.caption(COMPARISON_NOTE)
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, width="stretch", key="clk_compare_table", column_config={"run id": None}
    )
    scored = scored_rows(rows)
    if scored:
        best = min(scored, key=lambda row: row["mean error (min)"])
        st.markdown(
            f"**Best: {best['run']}** ({best['encoding']}): "
            f"{verdict(best['mean error (min)'], rendered=best['data'] != 'your files')}"
        )
        fig = comparison_figure(scored, COURSE_BAR_MIN, PEERS_BEST_MIN, large_text=large)
        fig.for_each_annotation(
            lambda note: note.update(text=CLAIM_LABEL), selector=lambda note: note.text.startswith("peers'")
        )
        st.plotly_chart(fig, width="stretch", key="clk_compare_chart")
    exported = draw_files_section([info for info in runs if is_clock_run(info)], rows)
    table_downloads(exported, "clock_comparison", key="clk")
