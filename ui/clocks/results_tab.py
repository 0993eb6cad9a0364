"""The "Confusion & circle" tab: confusion heatmaps at 24/72/720 classes with the clocks behind a cell,
predictions on the sin/cos circles, the run's training replayed on its probe clocks, and an error histogram
comparing runs; on each run's own test split or, once scored, on the user's own clock files."""

from __future__ import annotations

import functools
import json

import numpy as np
import streamlit as st

from core import figures
from core.clocks.time import format_time, to_minutes
from core.config import RunConfig
from core.evaluation import readout as inspect
from core.evaluation.metrics import CLOCK_CONFUSION_SIZES
from core.lab.clock_compare import LOAD_FILES_HINT
from core.runs.store import RunInfo
from ui.clocks.compare_tab import score_button, scored_sample_note
from ui.clocks.models import run_label, run_ui
from ui.replay import draw_replay_section
from ui.run_cache import run_evaluation
from ui.state import UserClocks, user_clocks, user_scores
from ui.widgets import url_toggle

OWN_SPLIT, YOUR_FILES = "Its own test split", "Your files"
MAX_CELL_IMAGES = 32
CELL_STATE = "res_cell"
READING_NOTES = {
    24: "Each class is half an hour. The diagonal (top left to bottom right) holds the right answers.",
    72: "Each class is ten minutes. Cells next to the diagonal are near misses; cells six classes away "
    "are a whole hour off.",
    720: "Each class is one minute, so the matrix is 720 x 720: the bright **diagonal** from top left to bottom "
    "right is every correct reading. Faint **bands parallel to it, 60 columns to either side**, are "
    "answers exactly one hour off: the minute hand was read right but the hour hand was not (near the full "
    "hour the hour hand sits almost on an hour mark). The **top-right and bottom-left corners** are the "
    "12:00 seam: 11:59 and 12:00 are neighbours on the dial. Use the log colour scale to see rare mistakes; "
    "drag a box to zoom, double-click to zoom out.",
}


def data_ui() -> bool:
    """Which data the views show, kept in the URL; True for the user's files."""
    choice = st.segmented_control(
        "Data",
        [OWN_SPLIT, YOUR_FILES],
        default=OWN_SPLIT,
        key="res_data",
        bind="query-params",
        help="Each model's own held-out test clocks, or your "
        "images.npy / labels.npy (loaded on the Data tab) scored by every model.",
    )
    return choice == YOUR_FILES


def clocks_noun(files: UserClocks | None) -> str:
    """What the scored clocks are called on the page."""
    return "of your clocks" if files is not None else "test clocks"


def draw_numbers(evaluation: dict, files: UserClocks | None = None) -> None:
    """The chosen run's headline numbers on its test clocks (or on the user's files)."""
    cells = st.columns(4)
    cells[0].metric(
        "Mean error",
        f"{evaluation['common_sense_error_mean_min']:.1f} min",
        help="Common-sense error: minutes between predicted and true time, the short way round.",
    )
    cells[1].metric("Median error", f"{evaluation['common_sense_error_median_min']:.1f} min")
    cells[2].metric("Within 5 min", f"{100 * evaluation['within_5_min']:.0f}%")
    cells[3].metric(
        "Hour right",
        f"{100 * evaluation['hour_accuracy']:.0f}%",
        help=f"Share {'of your scored clocks' if files is not None else 'of test clocks'} whose "
        "shown hour (12, 1, ... 11) is right.",
    )


@st.cache_data(max_entries=2, show_spinner=False)
def held_out_clocks(data_json: str) -> tuple[np.ndarray, np.ndarray]:
    """A run's test images and labels, loaded or rendered the way the run's data config says."""
    from core.data import datasets

    config = RunConfig.from_dict({"data": json.loads(data_json), "model": {"kind": "clock_cnn"}, "encoding": "sincos"})
    data = datasets.load_run_data(config.data)
    return np.asarray(data.x_test), np.asarray(data.y_test)


@st.cache_data(max_entries=16, show_spinner=False)
def cell_images(data_json: str, indices: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The test images and labels at `indices` (the big split is only copied when the cell changes)."""
    images, labels = held_out_clocks(data_json)
    picked = np.asarray(indices, np.int64)
    return images[picked], labels[picked]


def cell_tag(run: RunInfo, files: UserClocks | None) -> str:
    """Which run and data a remembered confusion cell belongs to."""
    return run.run_id if files is None else f"{run.run_id}|files:{files.token}"


def _remember_chart_cell(chart_key: str, run_id: str, n_classes: int) -> None:
    cell = inspect.selected_cell(st.session_state[chart_key].selection.points)
    st.session_state[CELL_STATE] = {"run": run_id, "n": n_classes, "cell": cell}


def _remember_listed_cell(list_key: str, run_id: str, n_classes: int) -> None:
    st.session_state[CELL_STATE] = {"run": run_id, "n": n_classes, "cell": st.session_state[list_key]}


def _mistake_label(n_classes: int, true: int, predicted: int, count: int) -> str:
    hours = inspect.hour_offset(n_classes, true, predicted)
    off = f", {abs(hours)} h {'late' if hours > 0 else 'early'}" if hours else ""
    return (
        f"true {inspect.class_range(n_classes, true)} → predicted "
        f"{inspect.class_range(n_classes, predicted)}: {count} clocks{off}"
    )


def confusion_ui() -> tuple[int, bool]:
    """Class count (24/72/720) and log colour, both kept in the URL."""
    left, right = st.columns([3, 2])
    n = left.radio(
        "Classes",
        CLOCK_CONFUSION_SIZES,
        index=2,
        horizontal=True,
        key="res_classes",
        bind="query-params",
        format_func=lambda k: f"{k} ({720 // k} min each)",
    )
    log = url_toggle(
        "Log colour scale",
        "res_log",
        "Colour by log(1 + count) so single mistakes show next to the crowded diagonal.",
        right,
    )
    return int(n), log


def draw_confusion(run: RunInfo, evaluation: dict, large: bool, files: UserClocks | None = None) -> None:
    """The confusion heatmap; clicking a cell (or picking a frequent mistake) shows the clocks behind it."""
    n, log = confusion_ui()
    matrix = np.asarray(evaluation[f"confusion_{n}"])
    st.caption(
        READING_NOTES[n] + " Rows are the true time, columns the predicted time; click a cell to see "
        f"its {'clocks' if files is not None else 'test clocks'}."
    )
    suffix = "" if files is None else "_files"
    tag = cell_tag(run, files)
    chart_key = f"res_chart_{n}{suffix}"
    fig = inspect.add_cell_targets(
        figures.clock_confusion_heatmap(matrix, n, log_scale=log, large_text=large), matrix, n
    )
    st.plotly_chart(
        fig,
        width="stretch",
        key=chart_key,
        selection_mode="points",
        on_select=functools.partial(_remember_chart_cell, chart_key, tag, n),
    )
    labels = {
        (true, predicted): _mistake_label(n, true, predicted, count)
        for true, predicted, count in inspect.top_mistakes(matrix, 10)
    }
    list_key = f"res_mistake_{n}{suffix}"
    st.selectbox(
        "Or pick one of the most frequent mistakes",
        list(labels),
        index=None,
        format_func=labels.__getitem__,
        key=list_key,
        placeholder="A mistake and how often it happened",
        on_change=_remember_listed_cell,
        args=(list_key, tag, n),
    )
    chosen = st.session_state.get(CELL_STATE) or {}
    if chosen.get("run") == tag and chosen.get("n") == n and chosen.get("cell"):
        draw_cell(run, evaluation, n, *chosen["cell"], large, files)


def draw_cell(
    run: RunInfo,
    evaluation: dict,
    n: int,
    true_class: int,
    predicted_class: int,
    large: bool,
    files: UserClocks | None = None,
) -> None:
    """The clocks counted in one confusion cell (test clocks, or the user's), with their true and predicted times."""
    indices = inspect.cell_indices(
        evaluation["true_minutes"], evaluation["predicted_minutes"], n, true_class, predicted_class
    )
    st.markdown(
        f"**True {inspect.class_range(n, true_class)}, predicted "
        f"{inspect.class_range(n, predicted_class)}: {len(indices)} {clocks_noun(files)}**"
    )
    if not len(indices):
        st.info("No clock landed in this cell.")
        return
    shown = tuple(int(i) for i in indices[:MAX_CELL_IMAGES])
    if files is not None:
        picked = np.asarray(evaluation["data_indices"], np.int64)[list(shown)]
        images, labels = files.images[picked], files.labels[picked]
    else:
        data_json = json.dumps(run.config.get("data", {}), sort_keys=True)
        try:
            with st.spinner(
                "Loading this run's test clocks (rendering 18,000 clocks takes about 20 s the first "
                "time; they are cached on disk after that)..."
            ):
                images, labels = cell_images(data_json, shown)
        except (ValueError, OSError) as error:  # a moved data folder, a bad config
            st.warning(f"The test clocks of this run cannot be loaded: {error}")
            return
    true = np.asarray(evaluation["true_minutes"])[list(shown)]
    if not np.array_equal(to_minutes(labels), true):
        st.warning("These test clocks do not match the run's evaluation (the data changed since it was trained).")
        return
    predicted = np.asarray(evaluation["predicted_minutes"])[list(shown)]
    errors = np.asarray(evaluation["errors"])[list(shown)]
    captions = [
        f"true {format_time(t)}\npred {format_time(p)} ({e:.0f} min)" for t, p, e in zip(true, predicted, errors)
    ]
    if len(indices) > len(shown):
        st.caption(f"Showing the first {len(shown)} of {len(indices)}.")
    st.plotly_chart(
        figures.image_grid(images, captions, columns=8, large_text=large), width="stretch", key="res_cell_images"
    )


def draw_circles(run: RunInfo, evaluation: dict, large: bool) -> None:
    """Targets and predictions on the hour circle and the minute circle, side by side."""
    st.subheader("Predictions on the clock circles")
    is_sincos = run.config.get("encoding") == "sincos"
    st.caption(
        "Open circles are the true times on the unit circle; dots are "
        + (
            "the network's raw (sin, cos) outputs: distance from the ring shows how unsure it is. "
            if is_sincos
            else "the decoded predictions placed on the circle. "
        )
        + "Colour is the error in minutes; red lines join the 20 worst predictions to their targets."
    )
    common = dict(
        errors=evaluation["errors"],
        true_minutes=evaluation["true_minutes"],
        predicted_minutes=evaluation["predicted_minutes"],
        large_text=large,
    )
    left, right = st.columns(2)
    for column, circle in ((left, "hour"), (right, "minute")):
        fig = figures.clock_circle(
            evaluation[f"{circle}_circle_true"], evaluation[f"{circle}_circle_predicted"], circle=circle, **common
        )
        fig.update_layout(title=f"{circle.capitalize()} circle")  # the long default title overflows half a page
        column.plotly_chart(fig, width="stretch", key=f"res_circle_{circle}")


def draw_error_comparison(runs: list[RunInfo], large: bool, files: UserClocks | None = None) -> None:
    """How far off each selected run is (on its test split or the user's files): a histogram and mean/median per run."""
    st.subheader("Error histogram")
    reports = user_scores().reports if files is not None else {}
    evaluations = (
        {info.run_id: reports.get(info.run_id, {}) for info in runs}
        if files is not None
        else {info.run_id: run_evaluation(info) for info in runs}
    )
    scored = {info.run_id: info for info in runs if evaluations[info.run_id].get("errors") is not None}
    if not scored:
        if files is not None:
            st.info("No model is scored on your files yet: press the button above.")
        return
    ids = list(scored)
    key = "res_compare" if files is None else "res_compare_files"
    chosen = st.multiselect(
        "Runs to compare",
        ids,
        default=ids[:5],
        key=key,
        bind="query-params",
        format_func=lambda run_id: run_label(scored[run_id]),
    )
    chosen = [run_id for run_id in chosen if run_id in scored]
    if not chosen:
        st.info("Pick one or more runs.")
        return
    errors = {scored[run_id].name: evaluations[run_id]["errors"] for run_id in chosen}
    st.plotly_chart(figures.error_histogram(errors, large_text=large), width="stretch", key="res_histogram")
    for start in range(0, len(chosen), 4):
        for column, name in zip(st.columns(4), list(errors)[start : start + 4]):
            column.metric(f"{name}: mean", f"{float(np.mean(errors[name])):.1f} min")
            column.metric(f"{name}: median", f"{float(np.median(errors[name])):.1f} min")


def files_evaluation(runs: list[RunInfo], run: RunInfo, files: UserClocks) -> dict:
    """The chosen run's report on the user's files (scored behind the button, kept in the session), or {}."""
    score_button(runs, files, key="res_score_files")
    scores = user_scores()
    note = scores.notes.get(run.run_id, "")
    report = scores.reports.get(run.run_id, {})
    if report:
        st.caption(
            f"Your files: {files.origin}. {scored_sample_note(scores.reports)}"
            + (f" **{run.name}** was {note}." if note else "")
        )
    elif note:
        st.warning(f"**{run.name}** {note}.")
    else:
        st.info(f"**{run.name}** is not scored on your files yet: press the button to score every model on them.")
    return report


def draw_results(runs: list[RunInfo], large: bool) -> None:
    """The whole tab: run picker, data choice, numbers, confusion heatmap with cell clocks, circles, error histogram."""
    if not runs:
        st.info(
            "No clock models yet: the pretrained clock models are not installed and you have no finished "
            "clock runs. Train one in the sidebar, or rebuild the models with `python -m core pretrain`."
        )
        return
    run = run_ui(runs, key="res_run")
    on_files = data_ui()
    files = user_clocks() if on_files else None
    if on_files and files is None:
        st.info(LOAD_FILES_HINT)
        return
    if files is not None:
        evaluation = files_evaluation(runs, run, files)
    else:
        evaluation = run_evaluation(run)
        if "confusion_720" not in evaluation:
            st.info(f"**{run.name}** has no clock evaluation yet (it is written when training finishes).")
    if "confusion_720" in evaluation:
        draw_numbers(evaluation, files)
        draw_confusion(run, evaluation, large, files)
        draw_circles(run, evaluation, large)
    if files is None:
        draw_replay_section(run, "res_replay", f"watch {run.name} learn, epoch by epoch")
    draw_error_comparison(runs, large, files)
