"""The Train panel's knobs for clock runs: encoding, data, epochs, learning rate, augmentation, soft targets."""

from __future__ import annotations

import streamlit as st

from core.clocks.render import DIFFICULTIES
from core.config import LEARNING_RATES as ALL_LEARNING_RATES
from core.config import DataConfig, ModelConfig, OptimizerConfig, RunConfig
from core.models.encodings import CLOCK_ENCODINGS, get_encoding
from ui.state import CLOCK_TRAIN_SOURCE, user_clock_folder

NETWORKS = {"compact": "Polar CNN (built for turned clocks)", "plain": "Plain CNN (what you would write)"}
BACKBONE = "pretrained/clock_sincos"  # the polar sin/cos model: every other clock encoding can start from it
DEFAULT_COUNT = 2880  # with the pretrained backbone, a class sees it learn in about two minutes
LEARNING_RATES = tuple(rate for rate in ALL_LEARNING_RATES if rate <= 1e-2)  # the clock form stops at 1e-2
TRAIN_NOTE = (
    "On a CPU a clock CNN trains at a few hundred images per second at 150 px (about four times "
    "faster at 75 px): 18,000 clocks x 20 epochs takes 10-20 minutes there. A new rendered set is "
    "drawn once (a minute or two) and cached."
)


def _encoding_title(name: str) -> str:
    return get_encoding(name).title


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
    size = st.radio(
        "Image size (px)",
        [75, 150],
        key="clk_train_size",
        horizontal=True,
        help="Both networks work at 75 px inside; 75 px renders and loads faster. Your files are resized to this size.",
    )
    if source == "path":
        st.caption(f"Training on your files in `{user_path}`, split by time into train and test.")
        return DataConfig(dataset="clocks", source="path", path=str(user_path), clock_size=size, augment=False)
    difficulty = st.radio("Difficulty", list(DIFFICULTIES), index=1, key="clk_train_difficulty", horizontal=True)
    count = st.slider(
        "Number of clocks",
        720,
        18000,
        DEFAULT_COUNT,
        step=720,
        key="clk_train_count",
        help="A multiple of 720 shows every time equally often; 20% are held out for testing.",
    )
    return DataConfig(
        dataset="clocks", source="render", clock_size=size, clock_difficulty=difficulty, clock_count=count
    )


def _network_ui() -> tuple[str, str]:
    """The network (polar or plain CNN) and the run to start from ('' for random weights)."""
    preset = st.radio(
        "Network",
        list(NETWORKS),
        key="clk_train_network",
        format_func=NETWORKS.get,
        help="The polar CNN unrolls the dial so a turned clock is a shifted picture; the plain CNN "
        "is conv blocks, pooling and a dense head, as students write it.",
    )
    if preset != "compact":
        return preset, ""
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
    return preset, BACKBONE if warm else ""


def clock_config_ui() -> RunConfig:
    """Draw the clock training knobs (the Train panel runs this in the sidebar) and return the run config."""
    encoding = st.selectbox(
        "Encoding",
        CLOCK_ENCODINGS,
        index=CLOCK_ENCODINGS.index("sincos"),
        format_func=_encoding_title,
        key="clk_train_encoding",
    )
    preset, init_from = _network_ui()
    data = _data_ui()
    epochs = st.slider("Epochs", 1, 60, 3 if init_from else 10, key="clk_train_epochs")
    learning_rate = st.select_slider(
        "Learning rate",
        LEARNING_RATES,
        value=1e-3 if init_from else 2e-3,
        key="clk_train_lr",
        format_func=lambda v: f"{v:g}",
    )
    data.augment = st.toggle(
        "Augment (label-safe: no turns or flips; contrast only on the polar model)",
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
    return RunConfig(
        name=f"clock {encoding}",
        data=data,
        model=ModelConfig(kind="clock_cnn", preset=preset),
        init_from=init_from,
        optimizer=OptimizerConfig(name="adam", learning_rate=float(learning_rate), schedule="cosine"),
        encoding=encoding,
        soft_label_sigma=float(sigma),
        epochs=int(epochs),
        batch_size=64,
        seed=0,
    )
