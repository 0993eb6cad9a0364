"""The Train panel's knobs for clock runs: encoding, data, epochs, learning rate, augmentation, soft targets."""

from __future__ import annotations

import streamlit as st

from core.clocks.render import DIFFICULTIES
from core.clocks.userfiles import IMAGE_SIZES
from core.config import LEARNING_RATES as ALL_LEARNING_RATES
from core.config import DataConfig, RunConfig
from core.lab.clock_runs import BACKBONE, DEFAULTS, NETWORK_NOTES, NETWORKS, clock_run
from core.models.dial_finder import finder_installed
from core.models.encodings import CLOCK_ENCODINGS, get_encoding
from ui.state import CLOCK_TRAIN_SOURCE, user_clock_folder

LEARNING_RATES = tuple(rate for rate in ALL_LEARNING_RATES if rate <= 1e-2)  # the clock form stops at 1e-2
TRAIN_NOTE = (
    "The default run starts from the pretrained sin/cos model and takes about a minute on a 2-core laptop CPU "
    "(60 s measured, rendering included); from random weights a clock CNN needs many epochs on 18,000 clocks "
    "(15-30 minutes on a CPU). A new rendered set is drawn once and cached."
)


def _encoding_title(name: str) -> str:
    return get_encoding(name).title


def _radio_from(label: str, options: list, default: object, key: str, help: str | None = None):
    """A horizontal radio over `options` that starts on `default`."""
    return st.radio(label, options, index=options.index(default), key=key, horizontal=True, help=help)


def _data_ui() -> DataConfig:
    """Rendered clocks (size, difficulty, count) or this session's own files when it has some."""
    user_path = user_clock_folder()
    source = "render"
    if user_path:
        source = st.radio(
            "Data",
            ["render", "path"],
            key=CLOCK_TRAIN_SOURCE,
            horizontal=True,
            format_func=lambda s: "Rendered clocks" if s == "render" else "My files",
        )
    size = _radio_from(
        "Image size (px)",
        sorted(IMAGE_SIZES),
        DEFAULTS.size,
        "clk_train_size",
        help="The plain CNN works at 75 px inside; the polar one unrolls the dial from the full image, so its numerals stay "
        "legible at 150 px. 75 px renders and loads faster. Your files are resized to this size.",
    )
    if source == "path":
        st.caption(f"Training on your files in `{user_path}`, split by time into train and test.")
        return DataConfig(dataset="clocks", source="path", path=str(user_path), clock_size=size, augment=False)
    difficulty = _radio_from("Difficulty", list(DIFFICULTIES), DEFAULTS.difficulty, "clk_train_difficulty")
    count = st.slider(
        "Number of clocks",
        720,
        18000,
        DEFAULTS.count,
        step=720,
        key="clk_train_count",
        help="A multiple of 720 shows every time equally often; 20% are held out for testing.",
    )
    return DataConfig(
        dataset="clocks", source="render", clock_size=size, clock_difficulty=difficulty, clock_count=count
    )


def _network_ui() -> tuple[str, str, bool]:
    """The network (polar or plain CNN), the run to start from ('' for random weights), and whether its polar grid
    follows the dial finder's dial."""
    preset = st.radio(
        "Network",
        list(NETWORKS),
        key="clk_train_network",
        format_func=lambda preset: f"{NETWORKS[preset][:1].upper()}{NETWORKS[preset][1:]} ({NETWORK_NOTES[preset]})",
        help="The polar CNN unrolls the dial so a turned clock is a shifted picture; the plain CNN "
        "is conv blocks, pooling and a dense head, as students write it.",
    )
    if preset != "compact":
        return preset, "", False
    find_dial = finder_installed() and st.toggle(
        "Find the dial first",
        value=False,
        key="clk_train_find_dial",
        help="The shipped dial finder (a small CNN, frozen) locates the dial's hub and ellipse, and the polar grid "
        "follows it: a tilted, off-centre dial unrolls like a frontal one.",
    )
    warm = st.toggle(
        "Start from the pretrained backbone",
        value=True,
        key="clk_train_warm",
        help="Copy every layer of the pretrained sin/cos model that fits, then train all of them.",
    )
    if warm:
        st.caption(
            f"Starts from `{BACKBONE}`: its convolutions already read dials, so even a short run "
            "reads the time within the first epoch; only the head for your encoding starts from scratch."
        )
    return preset, BACKBONE if warm else "", find_dial


def clock_config_ui() -> RunConfig:
    """Draw the clock training knobs (the Train panel runs this in the sidebar) and return the run config."""
    encoding = st.selectbox(
        "Encoding",
        CLOCK_ENCODINGS,
        index=CLOCK_ENCODINGS.index("sincos"),
        format_func=_encoding_title,
        key="clk_train_encoding",
    )
    preset, init_from, find_dial = _network_ui()
    data = _data_ui()
    epochs = st.slider(
        "Epochs", 1, 60, DEFAULTS.epochs_warm if init_from else DEFAULTS.epochs_cold, key="clk_train_epochs"
    )
    learning_rate = st.select_slider(
        "Learning rate",
        LEARNING_RATES,
        value=DEFAULTS.learning_rate_warm if init_from else DEFAULTS.learning_rate_cold,
        key="clk_train_lr",
        format_func=lambda v: f"{v:g}",
    )
    data.augment = st.toggle(
        "Augment (label-safe: no turns or flips; contrast only on a polar model that does not find the dial)",
        value=data.source == "render",
        key="clk_train_augment",
    )
    sigma = 0.0
    if encoding.startswith("classes-"):
        sigma = st.slider(
            "Soft target sigma (minutes)",
            0.0,
            15.0,
            3.0 if encoding == "classes-720" else 0.0,
            step=0.5,
            key=f"clk_train_sigma_{encoding}",
            help="Spread each target over neighbouring classes (wrapping at 12:00); 0 gives one-hot targets.",
        )
    return clock_run(encoding, preset, init_from, data, int(epochs), float(learning_rate), float(sigma), find_dial)
