"""The "Inside" tab: the polar clock CNN from inside. A clock beside its polar resampling (radius x angle), a
slider that turns the clock so the polar image slides along the angle axis, and the polar convolutions' feature
maps for that clock."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core import figures
from core.clocks.dataset import render_one
from core.clocks.render import DIFFICULTIES
from core.clocks.time import format_time
from core.evaluation import activations
from core.evaluation import readout as inspect
from core.models.saved import model_encoding, model_image_size
from core.runs.store import RunInfo
from ui import run_cache as results
from ui.clocks.models import model_file_ui
from ui.lab.inside_view import model_probe
from ui.widgets import captioned_chart

POLAR_LAYER = "polar"
CONV_PREFIX = "polar_conv_"
MAPS_PER_PAGE = 8


@st.cache_data(max_entries=64, show_spinner=False)
def turned_clock(minutes: int, size: int, difficulty: str, seed: int, degrees: float):
    """One rendered clock turned clockwise by `degrees` (cached: moving the slider back is instant)."""
    return activations.turned(render_one(minutes, size=size, difficulty=difficulty, seed=seed), degrees)


@st.cache_data(max_entries=64, show_spinner=False)
def clock_layers(run_path: str, modified: float, image) -> list:
    """Every probed layer's output for one clock (cached per model file and image)."""
    return activations.layer_outputs(model_probe(run_path, modified), image)


def polar_model(runs: list[RunInfo]):
    """The chosen run, its model and when it was written; None after one sentence when it cannot be looked inside."""
    found = model_file_ui(runs, "inside_clk_run", "look inside")
    if found is None:
        return None
    run, modified = found
    try:
        model = results.load_model(str(run.path), modified)
    except ValueError as error:
        st.warning(
            f"**{run.name}** cannot be loaded right now ({str(error).rstrip('.')}); it may be being "
            "retrained, try again in a minute."
        )
        return None
    if activations.polar_settings(model, POLAR_LAYER) is None:
        st.info(
            f"**{run.name}** has no polar layer: pick a model built on the polar grid (every pretrained "
            "clock model but the plain CNN is)."
        )
        return None
    return run, model, modified


def clock_ui(size: int) -> tuple[int, float, str, int]:
    """Time, turn, difficulty and render seed of the clock to look at."""
    columns = st.columns([1, 1, 3])
    hour = columns[0].number_input("Hour", 1, 12, 10, key="inside_clk_hour")
    minute = columns[1].number_input("Minute", 0, 59, 10, key="inside_clk_minute")
    degrees = columns[2].slider(
        "Turn the clock (degrees clockwise)",
        -180,
        180,
        0,
        step=5,
        key="inside_clk_turn",
        help="Turns the rendered clock about its centre: watch the polar image slide.",
    )
    difficulties = list(DIFFICULTIES)
    left, right = st.columns(2)
    difficulty = left.selectbox(
        "Clock",
        difficulties,
        index=difficulties.index("easy"),
        key="inside_clk_difficulty",
        help="'easy' is the assignment's clock upright on a plain background; others "
        "are already turned and tilted before your turn is added.",
    )
    seed = right.number_input("Look (render seed)", 0, 9_999, 1, key="inside_clk_seed")
    return (int(hour) % 12) * 60 + int(minute), float(degrees), str(difficulty), int(seed)


def draw_polar(
    image, settings: activations.PolarSettings, degrees: float, large: bool, layers: list, model: Any
) -> None:
    """The clock beside its polar image: the layer's own output when the grid follows a found dial, else computed
    in NumPy with the layer's own sampling."""
    found = activations.found_dial(layers, model, image, POLAR_LAYER) if settings.on_dial else None
    if found is not None:
        polar, dial = found
    else:
        seen = activations.downsampled(image, settings.height, settings.width)
        polar, dial = activations.polar_resample(seen, settings.angles, settings.radii, settings.max_radius), None
    st.plotly_chart(
        figures.polar_pair(image, polar, settings.max_radius, degrees, large_text=large, dial=dial),
        width="stretch",
        key="inside_clk_polar",
    )
    shift = activations.angle_shift(degrees, settings.angles)
    where = (
        "the dial its dial finder located (the ring and dot on the clock: its rim and hub), so a tilted or "
        "off-centre dial unrolls like a frontal one"
        if dial is not None
        else "the image's centre"
    )
    st.caption(
        f"The network samples the clock ({settings.height}x{settings.width} px) on {settings.radii} rings x "
        f"{settings.angles} angles about {where}, one every {360 / settings.angles:g}°. Turning "
        f"the clock by {degrees:g}° slides the polar image {shift:g} columns to the right (wrapping round "
        "at 12): the same picture, moved. Convolutions that wrap around that axis find the hands wherever "
        "they are."
    )


def draw_maps(layers: list, large: bool) -> None:
    """The polar convolutions' feature maps for this clock: pick the layer, page through its channels."""
    maps = [layer for layer in activations.strip_layers(layers) if layer.name.startswith(CONV_PREFIX) and layer.is_map]
    if not maps:
        st.caption(f"This model has no layers named {CONV_PREFIX}*.")
        return
    names = [layer.name for layer in maps]
    left, right = st.columns(2)
    name = left.selectbox(
        "Layer",
        names,
        key="inside_clk_layer",
        help="Each polar convolution's output after batch norm and ReLU; later layers are coarser along both axes.",
    )
    layer = maps[names.index(name)]
    channels = layer.values.shape[-1]
    starts = list(range(0, channels, MAPS_PER_PAGE))
    first = (
        right.select_slider(
            "Channels",
            starts,
            key="inside_clk_channels",
            format_func=lambda start: f"{start + 1}-{min(start + MAPS_PER_PAGE, channels)}",
        )
        if len(starts) > 1
        else 0
    )
    captioned_chart(
        figures.feature_maps(
            layer.values,
            first,
            MAPS_PER_PAGE,
            name=name,
            columns=2,
            title=f"{name}: {layer.values.shape[0]} radii x {layer.values.shape[1]} angles per map",
            large_text=large,
        ),
        "inside_clk_maps",
        "Each map keeps the polar layout (angle across, centre at the top). Turn the clock: the bright "
        "streaks (the hands) slide sideways with it, unchanged.",
    )


def draw_inside(runs: list[RunInfo], large: bool) -> None:
    """The whole tab: model picker, a clock and its polar image, the turn slider, the polar feature maps."""
    found = polar_model(runs)
    if found is None:
        return
    run, model, modified = found
    settings = activations.polar_settings(model, POLAR_LAYER)
    size = model_image_size(model)[0]
    minutes, degrees, difficulty, seed = clock_ui(size)
    image = turned_clock(minutes, size, difficulty, seed, degrees)
    layers = clock_layers(str(run.path), modified, image)
    draw_polar(image, settings, degrees, large, layers, model)
    try:
        reading = inspect.readout(model_encoding(model, run.path), activations.output_dict(layers))
        st.markdown(f"**{run.name} reads {reading.time}** (the clock shows {format_time(minutes)}).")
    except (ValueError, KeyError):
        st.caption(f"{run.name}'s outputs could not be read as a time.")
    draw_maps(layers, large)
