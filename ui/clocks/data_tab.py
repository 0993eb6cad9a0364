"""The Data tab: rendered clocks at each difficulty, or the user's own images.npy / labels.npy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.clocks.contact_sheet import contact_sheet_indices, contact_sheet_minutes, time_captions
from core.clocks.render import DIFFICULTY_NOTES, render_clocks
from core.clocks.time import format_time, to_minutes
from core.clocks.userfiles import (
    ClockDataError,
    ClockPathError,
    data_summary,
    load_clock_bytes,
    load_clock_files,
    resolve_clock_paths,
    save_user_files,
    training_problem,
)
from core.figures import image_grid
from core.lab.clock_encodings import hour_labels
from ui.state import UserClocks, session_id, set_user_clocks, train_on_user_clocks, user_clock_folder, user_clocks
from ui.widgets import time_slider


@st.cache_data(max_entries=16, show_spinner="Rendering clocks...")
def rendered_sheet(count: int, size: int, difficulty: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The clocks of a contact sheet: `count` spread-out times and their rendered images."""
    minutes = contact_sheet_minutes(count, seed)
    return render_clocks(minutes, size, difficulty, seed), minutes


@st.cache_data(max_entries=16, show_spinner=False)
def difficulty_row(minutes: int, size: int, seed: int) -> np.ndarray:
    """One time rendered at every difficulty, for a side-by-side."""
    return np.concatenate([render_clocks([minutes], size, level, seed) for level in DIFFICULTY_NOTES])


def upload_cap_mb() -> int:
    """The server's upload limit in MB (Streamlit's server.maxUploadSize)."""
    return int(st.get_option("server.maxUploadSize"))


def draw_data_tab(large: bool) -> None:
    """Choose between the rendered dataset and the user's own files, and show them."""
    source = st.segmented_control(
        "Data",
        ["Rendered clocks", "Your files"],
        default="Rendered clocks",
        key="clk_data",
        bind="query-params",
        label_visibility="collapsed",
    )
    if source == "Your files":
        draw_user_data(large)
    else:
        draw_rendered(large)


ORIENTATION_NOTE = (
    "The assignment's clock has **no mark at 12**: turned any way, the only way to know which end is up is the "
    "numerals, above all the three two-digit numbers **10, 11, 12** in a row. A network must find them, work out "
    "where 12 is, and read each hand's angle from there. A **plain CNN** has to learn that separately for every "
    "way the clock can be turned. The **polar CNN** first unrolls the dial into rings (radius x angle): turning "
    "the clock only slides that picture sideways, its convolutions wrap around the ring, and a last convolution "
    "as wide as the whole ring compares where the hands point with where the numerals are. One learned pattern "
    "then serves every turn, so it needs far fewer examples; the Compare tab shows both networks' sin/cos models. "
    "Resolution matters too: the polar grid is sampled from the full 150-px image, where a numeral is about 8 px "
    "tall; sampled from a 75-px copy (4 px), the previous sin/cos model got the hour wrong on a tenth of the clocks. "
    "One more step helps on clocks photographed at a slant: a grid centred on the image bends a dial that is "
    "off-centre or tilted (about its own hub the short hour hand points up to 20 degrees elsewhere: an hour wrong), "
    "so the pretrained sin/cos model **finds the dial first**. A small dial-finder CNN, trained on rendered clocks "
    "whose geometry the renderer knows, says where the hub is and which ellipse the rim makes, and the rings follow "
    "it; the Inside tab draws the dial it found."
)


def _sheet_ui() -> tuple[str, int, int, int]:
    left, middle, right, far = st.columns(4)
    difficulty = left.selectbox(
        "Difficulty", list(DIFFICULTY_NOTES), index=1, key="clk_difficulty", bind="query-params"
    )
    size = middle.selectbox("Image size (px)", [150, 75], key="clk_size", bind="query-params")
    seed = right.number_input("Seed", 0, 9999, 0, key="clk_seed", bind="query-params")
    count = far.select_slider("Clocks shown", [12, 24, 36, 48], value=24, key="clk_count", bind="query-params")
    return difficulty, int(size), int(seed), int(count)


def draw_rendered(large: bool) -> None:
    """A contact sheet of rendered clocks captioned with their times, and one time at every difficulty."""
    difficulty, size, seed, count = _sheet_ui()
    st.caption(
        f"**{difficulty}**: {DIFFICULTY_NOTES[difficulty]}. The training set renders 720 times equally "
        "often (18,000 clocks = 25 per time); only the clocks shown here are rendered."
    )
    with st.expander("Where is 12 o'clock? Why the polar CNN learns turned clocks faster"):
        st.markdown(ORIENTATION_NOTE)
    images, minutes = rendered_sheet(count, size, difficulty, seed)
    st.plotly_chart(
        image_grid(images, time_captions(minutes), columns=8, large_text=large), width="stretch", key="clk_sheet_chart"
    )
    st.subheader("One time, every difficulty")
    choice = time_slider("Time", 10 * 60 + 10, "clk_side_time")
    row = difficulty_row(choice, size, seed)
    captions = [f"{level}: {format_time(choice)}" for level in DIFFICULTY_NOTES]
    st.plotly_chart(
        image_grid(row, captions, columns=len(DIFFICULTY_NOTES), large_text=large),
        width="stretch",
        key="clk_side_chart",
    )


def _load_uploads(images_file, labels_file) -> None:
    """Validate two uploaded files and keep them for this session; show the problem on bad input."""
    token = f"upload:{images_file.file_id}:{labels_file.file_id}"
    if _kept_token() == token:
        return
    cap = upload_cap_mb() * 1024 * 1024
    too_big = [f.name for f in (images_file, labels_file) if f.size > cap]
    if too_big:
        st.error(f"{too_big[0]} is larger than the upload limit of {upload_cap_mb()} MB; use a local path instead.")
        return
    try:
        images, labels = load_clock_bytes(images_file.getvalue(), labels_file.getvalue())
    except ClockDataError as error:
        st.error(f"These files cannot be used: {error}")
        return
    _keep(images, labels, f"uploaded {images_file.name} and {labels_file.name}", token)


def _load_path(text: str) -> None:
    """Validate a local path and keep its files for this session; show the problem on bad input."""
    try:
        image_path, label_path = resolve_clock_paths(text)
        token = f"path:{image_path.resolve()}:{image_path.stat().st_mtime}:{label_path.stat().st_mtime}"
        if _kept_token() == token:
            return
        images, labels = load_clock_files(image_path, label_path)
    except (ClockDataError, ClockPathError) as error:
        st.error(f"These files cannot be used: {error}")
        return
    _keep(
        images,
        labels,
        f"{image_path} and {label_path}",
        token,
        folder=image_path.parent if image_path.name == "images.npy" and label_path.name == "labels.npy" else None,
    )


def _kept_token() -> str:
    kept = user_clocks()
    return kept.token if kept else ""


def _keep(images: np.ndarray, labels: np.ndarray, origin: str, token: str, folder=None) -> None:
    set_user_clocks(UserClocks(images, labels, origin, token, str(folder) if folder else None))


def _files_ui() -> None:
    how = st.radio("From", ["Upload", "Local path"], horizontal=True, key="clk_user_how")
    if how == "Upload":
        left, right = st.columns(2)
        images_file = left.file_uploader("images.npy (uint8 [N, H, W])", type=["npy"], key="clk_up_images")
        labels_file = right.file_uploader("labels.npy (int [N, 2]: hour, minute)", type=["npy"], key="clk_up_labels")
        st.caption(
            f"Uploads up to {upload_cap_mb()} MB each (the assignment's 18,000 images at 150 px are "
            "about 405 MB). On a shared classroom server, prefer a local path for big files."
        )
        if images_file is not None and labels_file is not None:
            _load_uploads(images_file, labels_file)
        elif _kept_token().startswith("upload:"):
            set_user_clocks(None)  # a file was removed: forget what it held
    else:
        text = st.text_input("Folder with images.npy and labels.npy, or the path of images.npy", key="clk_user_path")
        if text.strip() and st.button("Load", key="clk_user_load"):
            _load_path(text)


def draw_user_data(large: bool) -> None:
    """Load the assignment's files (upload or local path), then summarise them and offer them for training."""
    _files_ui()
    kept = user_clocks()
    if not kept:
        st.info("Give the assignment's images.npy and labels.npy to see what they hold and train on them.")
        return
    summary = draw_user_summary(kept, large)
    problem = training_problem(summary)
    if problem:
        st.warning(f"These files cannot be trained on: {problem}.", icon=":material/warning:")
    else:
        draw_train_on_files(kept)


def draw_user_summary(kept: UserClocks, large: bool) -> dict:
    """Count, size, how many of the 720 times appear, images per hour, and a contact sheet; returns the summary."""
    images, labels = kept.images, kept.labels
    summary = data_summary(images, labels)
    st.success(f"Loaded {kept.origin}.")
    cols = st.columns(4)
    cols[0].metric("Images", f"{summary['count']:,}")
    cols[1].metric("Image size", f"{summary['height']} x {summary['width']} px")
    cols[2].metric("Times covered", f"{summary['distinct_times']} of 720")
    cols[3].metric("Images per time", f"{summary['per_time_min']} to {summary['per_time_max']}")
    per_hour = pd.DataFrame({"hour": hour_labels(), "images": summary["per_hour"]})
    st.bar_chart(per_hour, x="hour", y="images", sort=False, height=220)
    picks = contact_sheet_indices(labels, 24)
    minutes = to_minutes(labels[picks])
    st.plotly_chart(
        image_grid(images[picks], time_captions(minutes), columns=8, large_text=large),
        width="stretch",
        key="clk_user_sheet",
    )
    return summary


def draw_train_on_files(kept: UserClocks) -> None:
    """Make the loaded files the Train panel's data (written under this session's folder in the runs root)."""
    folder = user_clock_folder()
    if folder:
        st.caption(f"The Train panel can use these files (`{folder}`): choose **My files** there.")
        return
    st.button(
        "Train on my files",
        key="clk_use_files",
        icon=":material/model_training:",
        on_click=_use_files,
        args=(kept,),
        help="Makes these files the data of the Train panel in the sidebar.",
    )


def _use_files(kept: UserClocks) -> None:
    """Button callback: write the files under this session's folder (unless they already sit in one) and select them."""
    train_on_user_clocks(kept.folder or str(save_user_files(session_id(), kept.images, kept.labels)))
