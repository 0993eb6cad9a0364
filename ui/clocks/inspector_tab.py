"""The "Inspector" tab: one clock (set, random or uploaded) through one model: its answer drawn as hands, how sure
it is, the most likely times, the raw outputs, and where it looks (occlusion saliency). An uploaded photo is cut
around its dial (core.clocks.photo), shown beside the model's input, and the cut can be adjusted live."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from core import figures
from core.clocks import photo
from core.clocks.dataset import random_time, render_one
from core.clocks.render import DIFFICULTIES
from core.clocks.time import common_sense_error, format_time
from core.clocks.userfiles import MAX_UPLOAD_BYTES, UploadError, is_picture, prepare_upload, read_upload
from core.evaluation import readout as inspect
from core.evaluation.metrics import predict_outputs
from core.models.saved import model_encoding, model_image_size
from core.runs.store import RunInfo
from ui import run_cache as results
from ui.clocks.models import model_file_ui
from ui.widgets import captioned_chart

SOURCES = ("Set the time", "Random clock", "Upload an image")
SALIENCY_STATE = "insp_saliency"
SHIFT_AXES = (("left / right", "x", "right"), ("up / down", "y", "down"))  # the crop's move sliders
CROP_KEYS = {"insp_zoom": 1.0, "insp_shift_x": 0.0, "insp_shift_y": 0.0}  # the crop's sliders and their defaults


@st.cache_data(max_entries=64, show_spinner=False)
def rendered_clock(minutes: int, size: int, difficulty: str, seed: int) -> np.ndarray:
    """One rendered clock (cached: moving a slider back is instant)."""
    return render_one(minutes, size=size, difficulty=difficulty, seed=seed)


@st.cache_data(max_entries=64, show_spinner=False)
def model_outputs(run_path: str, modified: float, images: np.ndarray) -> dict:
    """The model's outputs for a clock and its turned copies, one batch (cached per model file and images)."""
    return predict_outputs(results.load_model(run_path, modified), images)


@st.cache_data(max_entries=8, show_spinner="Looking for the clock's dial...")
def read_photo(data: bytes, name: str) -> tuple[np.ndarray, photo.Dial | None]:
    """An upload's checked pixels and, for a picture, the dial found in it (cached: the sliders only re-cut)."""
    pixels = read_upload(data, name)
    return pixels, photo.find_dial(pixels) if is_picture(name) else None


def run_model(run: RunInfo, modified: float):
    """The run's model through the shared cache, or None with a message saying why."""
    try:
        return results.load_model(str(run.path), modified)
    except ValueError as error:
        st.warning(str(error))
        return None


def _next_seed() -> None:
    st.session_state["insp_seed"] = (int(st.session_state.get("insp_seed", 1)) + 1) % 10_000


def _seed_ui(column, label: str, help: str) -> int:
    """The render seed: one URL-bound number, whether it picks a random clock or only the look of a set time."""
    return int(column.number_input(label, 0, 9_999, 1, key="insp_seed", bind="query-params", help=help))


def rendered_ui(run: RunInfo, size: int, random: bool) -> tuple[np.ndarray, int]:
    """Time (or random), difficulty and render seed; returns the rendered clock and its true time."""
    data = run.config.get("data", {})
    difficulties = list(DIFFICULTIES)
    run_difficulty = data.get("clock_difficulty", "assignment")
    columns = st.columns(3)
    if random:
        seed = _seed_ui(columns[0], "Seed", "Picks the time and the clock's look; the same seed gives the same clock.")
        columns[0].button("Another clock", icon=":material/casino:", on_click=_next_seed, key="insp_another")
        minutes = random_time(seed)
    else:
        hour = columns[0].number_input("Hour", 1, 12, 3, key="insp_hour", bind="query-params")
        minute = columns[1].number_input("Minute", 0, 59, 30, key="insp_minute", bind="query-params")
        seed = _seed_ui(columns[2], "Look (render seed)", "Changes the angle, lighting and background, not the time.")
        minutes = (int(hour) % 12) * 60 + int(minute)
    difficulty = columns[2].selectbox(
        "Difficulty",
        difficulties,
        index=difficulties.index(run_difficulty) if run_difficulty in difficulties else 1,
        key="insp_difficulty",
        bind="query-params",
        help=f"The model was trained on '{run_difficulty}' clocks.",
    )
    return rendered_clock(minutes, size, difficulty, seed), minutes


def _reset_crop() -> None:
    """Put the crop's sliders back on the square the dial finder chose."""
    for key, value in CROP_KEYS.items():
        st.session_state[key] = value


def crop_controls() -> tuple[float, tuple[float, float]]:
    """Zoom and offset sliders on top of the found crop; returns (zoom, (right, down))."""
    for key, value in CROP_KEYS.items():  # defaults through Session State, so Reset can set them
        st.session_state.setdefault(key, value)
    columns = st.columns([3, 3, 3, 2], vertical_alignment="bottom")
    low, high = photo.ZOOM_RANGE
    zoom = columns[0].slider(
        "Zoom",
        low,
        high,
        step=0.05,
        key="insp_zoom",
        format="%.2fx",
        help="Above 1 the square closes in on the dial; below 1 it takes in more around it.",
    )
    reach = photo.SHIFT_RANGE
    right, down = (
        column.slider(
            f"Move {directions}",
            -reach,
            reach,
            step=0.02,
            key=f"insp_shift_{axis}",
            help=f"In parts of the square's side; positive moves it {positive}.",
        )
        for column, (directions, axis, positive) in zip(columns[1:3], SHIFT_AXES)
    )
    columns[3].button(
        "Reset",
        icon=":material/restart_alt:",
        on_click=_reset_crop,
        key="insp_crop_reset",
        help="Back to the square the dial finder chose.",
    )
    return float(zoom), (float(right), float(down))


def uploaded_ui(size: int) -> np.ndarray | None:
    """An uploaded clock as the model's input, or None (with a clear message when the file is unusable); a photo is
    cut around its dial, shown beside that cut, with sliders to adjust it."""
    upload = st.file_uploader(
        "A clock image: a photo (PNG/JPEG; the dial is found and cut out), or .npy of one uint8 [H, W] image "
        "(like one image of the assignment's images.npy)",
        type=["npy", "png", "jpg", "jpeg"],
        key="insp_upload",
        max_upload_size=MAX_UPLOAD_BYTES // 2**20,
    )
    if upload is None:
        return None
    try:
        pixels, dial = read_photo(upload.getvalue(), upload.name)
    except UploadError as error:
        st.error(str(error))
        return None
    if not is_picture(upload.name):
        st.caption(f"Converted to grayscale {size}x{size} px (centre square) for this model.")
        return prepare_upload(upload.getvalue(), upload.name, size)
    zoom, shift = crop_controls()
    image, box = photo.crop_photo(pixels, size, dial, zoom, shift)
    left, right = st.columns([3, 2])
    left.image(
        photo.preview(pixels, box),
        width="stretch",
        caption="Your photo (upright, grayscale): the square the model reads in orange, the dial found in blue",
    )
    right.image(image, width="stretch", caption=f"What the model reads: {size}x{size} px")
    st.caption(
        f"{box.note()} The square is cut so the dial fills about {photo.FILL:.0%} of it, as in the clocks "
        "the models learnt from (0.7-1.07 of the frame); move or zoom it if the dial is cut off or too small."
    )
    return image


def clock_ui(run: RunInfo, size: int) -> tuple[np.ndarray | None, int | None]:
    """Where the clock comes from; returns (image [size, size] or None, true minutes or None)."""
    source = st.radio("Clock", SOURCES, horizontal=True, key="insp_source", bind="query-params")
    if source == SOURCES[2]:
        return uploaded_ui(size), None
    return rendered_ui(run, size, random=source == SOURCES[1])


def titled_table(title: str, frame: pd.DataFrame, column_config: dict) -> None:
    """A table under its title (Markdown), as wide as the tab, without the index."""
    st.markdown(title)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)


def draw_answer(reading: inspect.Readout, true_minutes: int | None) -> None:
    """The answer with its error, and the most likely times for models with class probabilities."""
    if true_minutes is None:
        st.metric("Predicted time", reading.time)
    else:
        error = float(common_sense_error(reading.minutes, true_minutes))
        st.metric(
            "Predicted time",
            reading.time,
            delta=f"{error:.0f} min off (true {format_time(true_minutes)})",
            delta_color="off" if error < 5 else "inverse",
            delta_arrow="off",
        )
    if reading.top:
        titled_table(
            "**Most likely times**",
            pd.DataFrame(reading.top, columns=["time", "probability"]),
            {"probability": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)},
        )


def draw_confidence(reading: inspect.Readout, turned: bool) -> None:
    """How sure the model is, in words, with what that is measured by."""
    level = reading.level
    st.metric(
        "How sure",
        level.capitalize() if level else "No measure",
        border=True,
        help="Sure / unsure / guessing: the least sure of the model's own outputs and the rotation check.",
    )
    notes = [reading.confidence.explanation] if reading.confidence else []
    if reading.rotation is not None:
        notes.append(reading.rotation.explanation)
    elif not turned:
        notes.append("This model learnt upright clocks only, so reading the clock turned would not be a fair check.")
    st.caption(" ".join(notes))
    rows = list(reading.confidence.measures) if reading.confidence else []
    if reading.rotation is not None:
        rows.append(("readings of the clock turned 4 ways", f"within {reading.rotation.spread:.0f} min"))
    if rows:
        st.dataframe(
            pd.DataFrame(rows, columns=["measure", "value"]), hide_index=True, width="stretch", key="insp_confidence"
        )


def draw_outputs(reading: inspect.Readout) -> None:
    """The raw outputs: sin/cos points read as angles, or the small heads value by value."""
    number = st.column_config.NumberColumn(format="%.3f")
    if reading.circles:
        titled_table(
            "**The four outputs as points on two circles** (angle clockwise from 12; a radius far from 1 "
            "means the network is unsure)",
            pd.DataFrame(reading.circles),
            {
                "sin": number,
                "cos": number,
                "radius": number,
                "angle (deg from 12)": st.column_config.NumberColumn(format="%.1f°"),
            },
        )
    elif reading.raw:
        titled_table("**Raw outputs**", pd.DataFrame(reading.raw, columns=["output", "value"]), {"value": number})


def draw_saliency(model, encoding, image: np.ndarray, image_key: str, large: bool) -> None:
    """Occlusion saliency behind a button (it runs a few hundred predictions); kept until the clock changes."""
    count = inspect.saliency_predictions(len(image))
    if st.button(
        "Explain",
        icon=":material/visibility:",
        key="insp_explain",
        help=f"Grey out one 15x15 patch at a time ({count} predictions) and measure how far the answer moves.",
    ):
        with st.spinner(f"Running {count} predictions on occluded copies of the clock..."):
            heat = inspect.explain(inspect.model_predict_fn(model), encoding, image)
        st.session_state[SALIENCY_STATE] = {"key": image_key, "heat": heat}
    stored = st.session_state.get(SALIENCY_STATE) or {}
    if stored.get("key") == image_key:
        captioned_chart(
            figures.saliency_overlay(image, stored["heat"], large_text=large),
            "insp_saliency_chart",
            "Bright areas are where covering the clock moved the answer most: a model that reads the "
            "hands lights up along them.",
        )


def draw_inspector(runs: list[RunInfo], large: bool) -> None:
    """The whole tab: model picker, clock source, prediction as hands, how sure, top times, saliency."""
    found = model_file_ui(runs, "insp_run", "inspect")
    model = None if found is None else run_model(*found)
    if model is None:
        return
    run, modified = found
    encoding = model_encoding(model, run.path)
    size = model_image_size(model)[0]
    image, true_minutes = clock_ui(run, size)
    if image is None:
        return
    turned = inspect.learnt_turned_clocks(run.config)
    batch = inspect.turned_copies(image) if turned else image[None]
    reading = inspect.readout(encoding, model_outputs(str(run.path), modified, batch), turned=turned)
    left, right = st.columns([3, 2])
    left.plotly_chart(
        figures.clock_prediction_overlay(image, reading.minutes, true_minutes, large_text=large),
        width="stretch",
        key="insp_overlay",
    )
    with right:
        draw_answer(reading, true_minutes)
        draw_confidence(reading, turned)
    draw_outputs(reading)
    image_key = f"{run.run_id}:{hashlib.sha1(image.tobytes()).hexdigest()}"
    draw_saliency(model, encoding, image, image_key, large)
