"""The Train panel knobs of the MLPs-and-CNNs page: widgets set the fields of a RunConfig (all bound to the URL)."""

from __future__ import annotations

import streamlit as st

from core.config import ACTIVATIONS, INITIALIZERS, LEARNING_RATES, OPTIMIZERS, SCHEDULES, RunConfig
from core.lab.knobs import (
    PENALTIES,
    KnobError,
    build_config,
    default_knobs,
    format_value,
    parse_layer_sizes,
    preset_fixed_fields,
    presets_for,
)

KNOBS_STATE = "lab_knobs"
LAYERS_PATTERN = (r"^\s*\d+(\s*,\s*\d+)*\s*$", "Whole numbers separated by commas, e.g. 300,100")
BATCH_SIZES = (16, 32, 64, 128, 256, 512)
QUICK_SIZES = (1000, 3000, 10000, 30000, 0)
URL = "query-params"


def _size_label(size: int) -> str:
    return "all" if size == 0 else f"{size:,}"


def layer_sizes_ui(label: str, default: str, key: str) -> list[int]:
    """A 'units, units' text box; a bad value shows an error and gives [0], which the panel refuses."""
    text = st.text_input(label, value=default, key=key, validate=LAYERS_PATTERN, bind=URL)
    try:
        return parse_layer_sizes(text, label.lower())
    except KnobError as error:
        st.error(str(error), icon=":material/error:")
        return [0]


def architecture_ui(knobs: RunConfig) -> None:
    """Layers, activation, initializer (only the fields the chosen preset leaves open)."""
    model = knobs.model
    fixed = preset_fixed_fields(model.kind, model.preset)
    if fixed:
        shown = ", ".join(f"{name.replace('_', ' ')} {format_value(value)}" for name, value in fixed.items())
        st.caption(f"The {model.preset} preset sets: {shown}. Choose *custom* to change them.")
    if model.kind == "mlp" and "hidden" not in fixed:
        model.hidden = layer_sizes_ui("Hidden layers", "300,100", "hidden")
    if model.kind == "cnn" and "conv_filters" not in fixed:
        model.conv_filters = layer_sizes_ui("Filters per block", "32,64", "filters")
        model.hidden = layer_sizes_ui("Dense layers after the convolutions", "128", "head")
    if model.kind == "cnn" and "convs_per_block" not in fixed:
        model.convs_per_block = int(st.number_input("Convolutions per block", 1, 4, 1, key="convs", bind=URL))
    if model.kind == "cnn" and "kernel_size" not in fixed:
        model.kernel_size = st.radio("Kernel size", (3, 5, 7), horizontal=True, key="kernel", bind=URL)
        model.first_kernel_size = model.kernel_size
    if "activation" not in fixed:
        model.activation = st.selectbox("Activation", ACTIVATIONS, key="activation", bind=URL)
    if "initializer" not in fixed:
        model.initializer = st.selectbox("Initializer", INITIALIZERS, key="init", bind=URL)


def regularisation_ui(knobs: RunConfig) -> None:
    """L1, L2, dropout and batch norm (those the preset leaves open)."""
    model = knobs.model
    fixed = preset_fixed_fields(model.kind, model.preset)
    model.l1 = st.select_slider("L1 penalty", PENALTIES, value=0.0, format_func=format_value, key="l1", bind=URL)
    model.l2 = st.select_slider("L2 penalty", PENALTIES, value=0.0, format_func=format_value, key="l2", bind=URL)
    if "dropout" not in fixed:
        model.dropout = st.slider("Dropout", 0.0, 0.7, 0.0, 0.05, key="dropout", bind=URL)
    if "batch_norm" not in fixed:
        model.batch_norm = st.toggle("Batch normalisation", key="bn", bind=URL)


def optimizer_ui(knobs: RunConfig) -> None:
    """Optimizer, learning rate (1e-4 .. 1) and its schedule."""
    optimizer = knobs.optimizer
    optimizer.name = st.selectbox("Optimizer", OPTIMIZERS, index=OPTIMIZERS.index("adam"), key="opt", bind=URL)
    optimizer.learning_rate = st.select_slider(
        "Learning rate", LEARNING_RATES, value=1e-3, format_func=format_value, key="lr", bind=URL
    )
    optimizer.schedule = st.selectbox("Learning-rate schedule", SCHEDULES, key="schedule", bind=URL)


def length_ui(knobs: RunConfig) -> None:
    """Epochs, batch size, how many training images (quick runs) and the seed."""
    knobs.epochs = st.slider("Epochs", 1, 30, 5, key="epochs", bind=URL)
    knobs.batch_size = st.select_slider("Batch size", BATCH_SIZES, value=64, key="batch", bind=URL)
    knobs.data.limit_train = st.select_slider(
        "Training images (quick run)",
        QUICK_SIZES,
        value=3000,
        format_func=_size_label,
        key="limit",
        bind=URL,
        help="A few thousand images train in about a minute on a CPU; 'all' is the full training set.",
    )
    knobs.seed = int(st.number_input("Seed", 0, 9999, 0, key="seed", bind=URL))


def knobs_ui(dataset: str) -> RunConfig:
    """All knobs of the page (drawn where the caller is, i.e. the sidebar); remembered for Compare runs."""
    knobs = default_knobs(dataset)
    model = knobs.model
    model.kind = st.radio("Model", ("mlp", "cnn"), format_func=str.upper, horizontal=True, key="kind", bind=URL)
    preset = st.radio(
        "Preset",
        (*presets_for(model.kind), "custom"),
        horizontal=True,
        key=f"preset_{model.kind}",
        bind=URL,
        help="reference: the assignment's network; compact: a smaller, faster CNN; custom: set every layer yourself.",
    )
    model.preset = "" if preset == "custom" else preset
    with st.expander("Network", expanded=True):
        architecture_ui(knobs)
    with st.expander("Regularisation"):
        regularisation_ui(knobs)
    with st.expander("Optimizer", expanded=True):
        optimizer_ui(knobs)
    with st.expander("Training length", expanded=True):
        length_ui(knobs)
    st.session_state[KNOBS_STATE] = knobs
    return knobs


def config_ui(dataset: str) -> RunConfig:
    """The Train panel's config_ui for this page: the knobs as a (not yet validated) RunConfig."""
    return build_config(knobs_ui(dataset))


def last_knobs(dataset: str) -> RunConfig:
    """The knobs the sidebar showed in this script run (defaults before it has drawn)."""
    knobs = st.session_state.get(KNOBS_STATE)
    return knobs if isinstance(knobs, RunConfig) and knobs.data.dataset == dataset else default_knobs(dataset)
