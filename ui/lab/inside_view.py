"""Inside the network: an input of your own (drawn, or a test image) through a pretrained model, layer by layer.

`draw_inside` is the MLPs-and-CNNs page's section, `draw_inside_permuted` the Permuted-pixels page's. Both
open lazily (an expander bound to the URL, ?inside=true / ?pinside=true), so the pages do not load TensorFlow
until someone looks inside. The input, the prediction and the layer strip are one fragment, so a stroke on the
canvas reruns only them (not the page, not the first-layer weights). The canvas is a thin widget
(`canvas_image`); everything it returns goes through core (core.data.drawing, core.evaluation.activations).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.data.datasets import CLASS_NAMES, TITLES, data_available, is_colour, load_dataset, missing_data_sentence
from core.data.drawing import EmptyDrawingError, is_blank, mnist_input
from core.data.permutation import permute_images, pixel_permutation
from core.evaluation import activations
from core.evaluation.activations import LayerOutput, Probe
from core.figures import enlarged_map, image_grid, layer_strip, prediction_bars, weight_tiles
from core.figures.images import signed_rgb
from core.figures.layers import CHANNELS, enlarged_pixels
from core.figures.pictures import picture_uri
from core.lab.permuted import DATASET_SHORT
from core.runs.store import RunInfo
from ui.run_cache import load_model, model_file_time, out_of_gc_reach, pretrained_run
from ui.state import large_text
from ui.widgets import captioned_chart, missing_model_note

SOURCES = ("Draw", "A test image")
CANVAS_PX = 280
STROKE_PX = 20
UNITS_SHOWN = 32
MODEL_KINDS = {"mlp": "MLP", "cnn": "CNN"}


def inside_section(title: str, key: str) -> DeltaGenerator | None:
    """The 'Inside the network: `title`' expander, bound to the URL (?`key`=true); None while it is closed."""
    section = st.expander(f"Inside the network: {title}", key=key, bind="query-params", icon=":material/neurology:")
    return section if section.open else None


# ---- models and their probes (cached per model file version) -------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner="Preparing to look inside the model...")
def model_probe(run_path: str, modified: float) -> Probe:
    """The probe model of a run's model (every layer's output in one call), shared read-only across sessions."""
    return out_of_gc_reach(activations.build_probe(load_model(run_path, modified)))


@st.cache_resource
def probe_thread() -> ThreadPoolExecutor:
    """One long-lived thread that runs every probe call. TensorFlow sets up per-thread state on a thread's first
    model call (~45 ms of CPU measured here, three times the call itself), and Streamlit runs every rerun, so every
    stroke on the canvas, in a new thread."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="inside-probe")


@st.cache_data(max_entries=128, show_spinner=False)
def probed(run_path: str, modified: float, image: np.ndarray) -> list[LayerOutput]:
    """Every layer's output for one image (cached, so redrawing the same picture skips Keras)."""
    return probe_thread().submit(activations.layer_outputs, model_probe(run_path, modified), image).result()


def loaded(info: RunInfo | None, name: str):
    """(model, probe, modified) of a run, or None after one sentence saying why it cannot be looked inside."""
    modified = model_file_time(info)
    if modified is None:
        missing_model_note(f"The model `{name}` is not installed here, so there is nothing to look inside", name)
        return None
    try:
        return load_model(str(info.path), modified), model_probe(str(info.path), modified), modified
    except ValueError as error:
        st.warning(
            f"`{name}` cannot be loaded right now ({str(error).rstrip('.')}); it may be being retrained, "
            "try again in a minute.",
            icon=":material/warning:",
        )
        return None


# ---- the input: drawn or picked --------------------------------------------------------------------------------


def canvas_image(key: str) -> np.ndarray | None:
    """The drawing canvas (white ink on black): its RGBA pixels, or None before the first stroke."""
    from streamlit_drawable_canvas import st_canvas  # a v2 component: it imports only inside a running page

    result = st_canvas(
        stroke_width=STROKE_PX,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_PX,
        width=CANVAS_PX,
        drawing_mode="freedraw",
        return_image_data=True,
        key=key,
    )
    return result.image_data


@st.cache_data(max_entries=4, show_spinner=False)
def test_set(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The dataset's test images and labels (a private copy)."""
    data = load_dataset(dataset)
    return np.array(data.x_test), np.array(data.y_test)


def _another(key: str, count: int) -> None:
    st.session_state[key] = int(np.random.default_rng().integers(count))


def test_image_ui(dataset: str, prefix: str) -> tuple[np.ndarray, str]:
    """Pick a test image by number (or at random); returns it and a caption naming its true class."""
    images, labels = test_set(dataset)
    key = f"{prefix}_test_index"
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    index = int(left.number_input(f"Test image (0-{len(images) - 1:,})", 0, len(images) - 1, 0, key=key))
    right.button(
        "Another", icon=":material/casino:", key=f"{prefix}_another", on_click=_another, args=(key, len(images))
    )
    name = CLASS_NAMES[dataset][int(labels[index])]
    article = "an" if name[0].lower() in "aeiou" else "a"
    st.caption(f"Test image #{index}: {article} **{name}**.")
    return images[index], f"test image #{index} (true class: {name})"


def input_ui(dataset: str, prefix: str) -> tuple[np.ndarray | None, str]:
    """Draw or pick the input; returns the model's uint8 image (None, with a sentence, when there is none) and its name."""
    if is_colour(dataset):
        st.caption(
            f"The drawing canvas is for digits and garments; {TITLES[dataset]} inputs are colour photos, "
            "so pick one from the test set."
        )
        return test_image_ui(dataset, prefix)
    source = st.segmented_control("Input", SOURCES, default=SOURCES[0], required=True, key=f"{prefix}_source")
    if source != SOURCES[0]:
        return test_image_ui(dataset, prefix)
    thing = "digit" if dataset == "mnist" else "garment outline (a T-shirt, a trouser, a bag...)"
    drawing = canvas_image(f"{prefix}_canvas")
    st.caption(f"Draw a {thing} in white; the bin button clears the canvas.")
    if is_blank(drawing):
        st.info(f"The canvas is empty: draw a {thing} to see what the network makes of it.", icon=":material/draw:")
        return None, ""
    try:
        return mnist_input(drawing), "your drawing"
    except EmptyDrawingError as error:
        st.info(str(error), icon=":material/draw:")
        return None, ""


# ---- what the model sees and says ------------------------------------------------------------------------------


def answer_sentence(probabilities: np.ndarray, class_names: list[str]) -> str:
    """'The network says **7** (93%).', with the runner-up when it is close."""
    order = np.argsort(-probabilities)
    first, second = int(order[0]), int(order[1])
    text = f"The network says **{class_names[first]}** ({100 * probabilities[first]:.0f}%)"
    if probabilities[second] >= 0.1:
        text += f", then {class_names[second]} ({100 * probabilities[second]:.0f}%)"
    return text + "."


def draw_seen_and_said(
    seen: np.ndarray,
    outputs: list[LayerOutput],
    class_names: list[str],
    seen_title: str,
    key: str,
    original: np.ndarray | None = None,
    bars: bool = True,
) -> None:
    """The 28x28 the model actually sees (after the 28x28 before permuting, if given) beside its answer.

    The answer is a sentence, with the prediction bars unless the layer strip below shows them (`bars` False).
    Everything here is redrawn on every stroke, so the pictures are plain images sent inside the page update, not
    charts (the strip's input panel has the pixel values on hover).
    """
    probabilities = next((layer.values for layer in outputs if layer.kind == "output"), None)
    *images, right = st.columns(3 if original is not None else 2)
    if original is not None:
        images[0].markdown("**Your image**")
        images[0].image(picture_uri(enlarged_pixels(original)), caption=f"{original.shape[0]}x{original.shape[1]}")
    images[-1].markdown(f"**{seen_title}**")
    images[-1].image(picture_uri(enlarged_pixels(seen)), caption="every pixel it reads, enlarged")
    if probabilities is None or len(probabilities) != len(class_names):
        right.caption("This model's output is not one probability per class, so there are no bars to show.")
        return
    if bars:
        right.plotly_chart(
            prediction_bars(probabilities, class_names, title="Prediction", large_text=large_text(), height=300),
            width="stretch",
            key=f"{key}_bars",
        )
    right.markdown(answer_sentence(np.asarray(probabilities), class_names))
    if not bars:
        right.caption("Its score for every class: the bars that end the layer strip below.")


# ---- every layer -----------------------------------------------------------------------------------------------


def channel_pages(layers: list[LayerOutput]) -> list[int]:
    """First channels of the pages of CHANNELS maps the strip can show (0, 16, 32, ...)."""
    most = max((layer.values.shape[-1] for layer in layers if layer.is_map), default=0)
    return list(range(0, max(most, 1), CHANNELS))


def _clicked_map(event, strip) -> tuple[str, int] | None:
    """(layer name, channel from 0) of a clicked feature-map tile in the strip figure, or None.

    A tile is a point whose trace names its layer in `meta` and whose customdata starts with the channel (from 1).
    """
    selection = getattr(event, "selection", None) or {}
    points = selection.get("points", []) if hasattr(selection, "get") else []
    for point in points:
        number, data = point.get("curve_number"), point.get("customdata")
        if number is None or not 0 <= int(number) < len(strip.data) or not data:
            continue
        layer = strip.data[int(number)].meta
        if layer:
            return str(layer), max(int(data[0]) - 1, 0)
    return None


def draw_layers(image: np.ndarray, outputs: list[LayerOutput], class_names: list[str], key: str) -> None:
    """The layer strip (input, each layer, softmax), a page of channels at a time; a clicked or chosen map enlarged."""
    layers = activations.strip_layers(outputs)
    maps = [layer for layer in layers if layer.is_map]
    pages = channel_pages(layers)
    first = 0
    if len(pages) > 1:
        first = st.select_slider(
            "Feature maps shown",
            pages,
            key=f"{key}_channels",
            format_func=lambda start: f"{start + 1}-{start + CHANNELS}",
            help="Each convolution has more channels than fit: page through them.",
        )
    st.markdown(
        "**Every layer for this input.** Brighter = stronger."
        + (" Click a feature map to see it large." if maps else "")
    )
    strip = layer_strip(image, layers, class_names, first_channel=first, large_text=large_text())
    event = st.plotly_chart(
        strip,
        width="stretch",
        key=f"{key}_strip",
        on_select="rerun",
        selection_mode="points",
        theme=None,  # its text is in its picture: nothing for Streamlit's theme to restyle on every stroke
    )
    if not maps:
        st.caption(
            "An MLP has no feature maps: each hidden layer is a row of numbers, drawn here as a block of "
            "cells (one per unit, brighter = stronger)."
        )
        return
    draw_closer(maps, _clicked_map(event, strip), key)


def draw_closer(maps: list[LayerOutput], clicked: tuple[str, int] | None, key: str) -> None:
    """One feature map large once asked for: the clicked tile, or the layer and channel chosen below.

    Nothing is enlarged before that, so a stroke on the canvas redraws one chart fewer.
    """
    layer_key, channel_key, seen_key = f"{key}_layer", f"{key}_channel", f"{key}_clicked"
    names = [layer.name for layer in maps]
    if clicked is not None and clicked != st.session_state.get(seen_key):
        st.session_state[seen_key] = clicked  # apply a click once, so the pickers stay free afterwards
        st.session_state[layer_key], st.session_state[channel_key] = clicked[0], clicked[1] + 1
    if st.session_state.get(layer_key) not in names:
        st.session_state.pop(layer_key, None)
    left, right = st.columns([3, 1])
    name = left.selectbox(
        "Look closer at layer (or click a map above)",
        names,
        index=None,
        placeholder="click a map above, or pick its layer",
        key=layer_key,
    )
    if name is None:
        return
    layer = maps[names.index(name)]
    channels = layer.values.shape[-1]
    if int(st.session_state.get(channel_key, 1)) > channels:
        st.session_state[channel_key] = channels
    channel = int(right.number_input("Channel", 1, channels, 1, key=channel_key))
    st.plotly_chart(
        enlarged_map(layer.values[..., channel - 1], title=f"{name}, channel {channel}", large_text=large_text()),
        width="stretch",
        key=f"{key}_closer",
    )


# ---- first-layer weights ---------------------------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def quiet_pixels(dataset: str) -> np.ndarray:
    """The pixels inked in under 1% of the dataset's training images (their weights keep their random start)."""
    return activations.rarely_inked(load_dataset(dataset).x_train)


def quiet_ui(dataset: str, key: str) -> np.ndarray | None:
    """A toggle to blank the pixels almost never inked; returns their mask when on."""
    mask = quiet_pixels(dataset)
    if not mask.any():
        return None
    hide = st.toggle(
        f"Blank the {int(mask.sum())} pixels inked in under 1% of training images",
        value=True,
        key=f"{key}_quiet",
        help="Nothing ever lights those pixels, so their weights never learn: they "
        "keep the random values training started from, noise that hides the "
        "strokes the units learned.",
    )
    return mask if hide else None


def draw_first_layer(model, name: str, dataset: str, key: str) -> None:
    """What the first layer looks for: the first convolution's filters, or the MLP's strongest units as 28x28 tiles."""
    filters = activations.conv_filters(model)
    if filters is not None:
        kernels, layer_name = filters
        title = f"{name}: the {len(kernels)} filters of {layer_name}"
        if kernels.ndim == 4:  # filters over red, green and blue: one colour picture each
            captioned_chart(
                image_grid(
                    signed_rgb(kernels), [str(i + 1) for i in range(len(kernels))], 16, large_text(), title=title
                ),
                f"{key}_filters",
                "Each small square is one filter of the first convolution, in colour: mid-gray is zero, a colour "
                "brighter than gray is what the filter looks for there, darker what it looks against.",
            )
            return
        figure = weight_tiles(kernels, title=title, what="filter", name="filters", columns=16, large_text=large_text())
        captioned_chart(
            figure,
            f"{key}_filters",
            "Each small square is one filter of the first convolution (red: it wants light pixels there, "
            "blue: dark). Sliding over the image, it answers 'is my pattern here?' at every place.",
        )
        return
    tiles = activations.dense_weight_tiles(model, UNITS_SHOWN)
    if tiles is None:
        st.caption("This model's first layer does not read the pixels directly, so its weights are not pictures.")
        return
    if tiles[0].ndim == 4:  # a colour image's units: three weights per pixel, drawn as one colour picture
        title = f"{name}: what {len(tiles[1])} hidden units look for"
        captioned_chart(
            image_grid(signed_rgb(tiles[0]), [f"unit {unit}" for unit in tiles[1]], 8, large_text(), title=title),
            f"{key}_units",
            f"Each tile is one first-layer unit's {tiles[0][0].size:,} weights (red, green and blue for every "
            f"pixel) laid out as the image (the {len(tiles[1])} units with the largest weights). Mid-gray is zero; "
            "brighter than gray pushes the unit up where the photo has that colour, darker pulls it down.",
        )
        return
    mask = quiet_ui(dataset, key)
    shown = tiles[0] if mask is None else activations.blanked(tiles[0], mask)
    title = f"{name}: what {len(tiles[1])} hidden units look for"
    figure = weight_tiles(shown, tiles[1], title=title, what="unit", columns=8, large_text=large_text())
    captioned_chart(
        figure,
        f"{key}_units",
        f"Each tile is one first-layer unit's 784 weights laid out as the image (the {len(tiles[1])} units "
        "with the largest weights). Red pixels push the unit up, blue pull it down.",
    )


# ---- the MLPs-and-CNNs page ------------------------------------------------------------------------------------


def model_choices(dataset: str, run: RunInfo | None) -> dict[str, tuple[RunInfo | None, str]]:
    """Label -> (run, name) of the models one can look inside: the pretrained MLP and CNN, and your finished run."""
    short = DATASET_SHORT.get(dataset)  # None for CIFAR-10: no pretrained model ships (its images do not)
    choices = {
        f"pretrained {label}": (pretrained_run(f"{short}_{kind}"), f"{short}_{kind}")
        for kind, label in MODEL_KINDS.items()
        if short is not None
    }
    data = (run.config or {}).get("data", {}) if run is not None else {}
    if (
        run is not None
        and model_file_time(run) is not None
        and data.get("dataset") == dataset
        and not data.get("permuted")
    ):
        choices[f"your run: {run.name}"] = (run, run.name)
    return choices


def input_and_layers(
    dataset: str,
    run_path: str,
    modified: float,
    prefix: str,
    perm: np.ndarray | None = None,
    layers_on_request: bool = False,
) -> None:
    """Draw or pick an input, see what the model sees and says, and every layer (a fragment: a stroke reruns this)."""
    draw_in, draw_out = st.columns([2, 3])
    with draw_in:
        image, _ = input_ui(dataset, prefix)
    if image is None:
        return
    class_names = CLASS_NAMES[dataset]
    seen = image if perm is None else permute_images(image[None], perm)[0]
    outputs = probed(run_path, modified, seen)
    layers = not layers_on_request or st.toggle("Every layer for this input", key=f"{prefix}_layers")
    with draw_out:  # the columns come before the toggle on the page, whatever the order they are filled in
        if perm is None:
            size = f"{image.shape[0]}x{image.shape[1]}"
            draw_seen_and_said(seen, outputs, class_names, f"What the model sees ({size})", prefix, bars=not layers)
        else:
            draw_seen_and_said(
                seen, outputs, class_names, "What the model sees", prefix, original=image, bars=not layers
            )
    if layers:
        draw_layers(seen, outputs, class_names, prefix)


def draw_inside(dataset: str, kind: str, run: RunInfo | None = None) -> None:
    """'Inside the network' on the MLPs-and-CNNs page: draw or pick an input, see every layer and the first weights."""
    thing = {"mnist": "draw a digit", "fashion-mnist": "draw a garment"}.get(dataset, "pick a photo")
    section = inside_section(f"{thing}, see every layer", "inside")
    if section is None:
        return
    with section:
        if not data_available(dataset):
            st.info(missing_data_sentence(dataset), icon=":material/cloud_off:")
            return
        choices = model_choices(dataset, run)
        if not choices:
            st.info(
                f"No {TITLES[dataset]} model is here to look inside yet: train one in the sidebar and it appears here.",
                icon=":material/info:",
            )
            return
        default = f"pretrained {MODEL_KINDS.get(kind, 'MLP')}"
        default = default if default in choices else next(iter(choices))
        label = (
            st.segmented_control("Model", list(choices), default=default, required=True, key="inside_model") or default
        )
        info, name = choices.get(label, choices[default])
        found = loaded(info, name)
        if found is None:
            return
        model, _, modified = found
        st.fragment(input_and_layers)(dataset, str(info.path), modified, "inside")
        st.markdown("**What the first layer looks for**")
        draw_first_layer(model, name, dataset, "inside")


# ---- the Permuted-pixels page ----------------------------------------------------------------------------------


def permutation_of(info: RunInfo | None, pixels: int = 784) -> tuple[np.ndarray, int]:
    """The pixel permutation a permuted run was trained with, and its seed (from its config)."""
    seed = int(((info.config or {}).get("data", {}) if info is not None else {}).get("permutation_seed", 0) or 0)
    return pixel_permutation(seed, pixels), seed


def draw_permuted_weights(dataset: str, model, perm: np.ndarray) -> None:
    """The permuted MLP's first-layer weights raw and un-permuted, beside the MLP trained on original pixels."""
    short = DATASET_SHORT[dataset]
    raw, restored = activations.dense_weight_tiles(model, 16), activations.dense_weight_tiles(model, 16, perm)
    if raw is None or restored is None:
        st.caption("This model's first layer does not read the pixels directly.")
        return
    original_name = f"{short}_mlp"
    found = loaded(pretrained_run(original_name), original_name)
    original = activations.dense_weight_tiles(found[0], 16) if found is not None else None
    mask = quiet_ui(dataset, "pinside")
    panels = [
        ("As trained: noise to our eyes", raw, None if mask is None else permute_images(mask[None], perm)[0]),
        ("The same units, un-permuted", restored, mask),
    ]
    if original is not None:
        panels.append((f"{original_name} (original pixels)", original, mask))
    for index, (column, (title, (tiles, units), blank)) in enumerate(zip(st.columns(len(panels)), panels)):
        shown = tiles if blank is None else activations.blanked(tiles, blank)
        column.plotly_chart(
            weight_tiles(shown, units, title=title, columns=4, showscale=False, height=380, large_text=large_text()),
            width="stretch",
            key=f"pinside_weights_{index}",
        )
    st.caption(
        "Each tile is one hidden unit's 784 weights drawn as an image (the 16 strongest units). Trained on "
        "permuted pixels they look like noise; put back with the inverse permutation they are the same kind "
        "of strokes and blobs as the MLP that saw real images: the MLP never used pixel neighbourhoods, so "
        "the shuffle cost it nothing."
    )


def draw_permuted_filters(dataset: str, model) -> None:
    """The permuted CNN's first-layer filters beside the original CNN's."""
    short = DATASET_SHORT[dataset]
    original_name = f"{short}_cnn"
    found = loaded(pretrained_run(original_name), original_name)
    panels = [("trained on permuted pixels", activations.conv_filters(model))]
    if found is not None:
        panels.append((f"{original_name}, on original pixels", activations.conv_filters(found[0])))
    columns = st.columns(len(panels))
    for index, (column, (title, filters)) in enumerate(zip(columns, panels)):
        if filters is None:
            column.caption("No convolution in this model.")
            continue
        column.plotly_chart(
            weight_tiles(
                filters[0], title=title, what="filter", name="filters", columns=8, height=300, large_text=large_text()
            ),
            width="stretch",
            key=f"pinside_filters_{index}",
        )
    st.caption(
        "A 3x3 filter looks at 9 neighbouring pixels. On original images neighbours belong together "
        "(edges, strokes), and the filters are smooth edge and spot detectors; after the shuffle the 9 "
        "pixels come from all over the image, so there is no local pattern to find and the filters stay "
        "unstructured."
    )


def draw_inside_permuted(dataset: str, page_seed: int) -> None:
    """'Inside the network' on the Permuted-pixels page: your input permuted, the prediction, the weights un-permuted."""
    section = inside_section(f"your own {TITLES[dataset]} input, permuted; the weights put back", "pinside")
    if section is None:
        return
    with section:
        labels = {"mlp": "MLP on permuted pixels", "cnn": "CNN on permuted pixels"}
        kind = (
            st.segmented_control(
                "Model", list(labels), format_func=labels.get, default="mlp", required=True, key="pinside_model"
            )
            or "mlp"
        )
        name = f"{DATASET_SHORT[dataset]}_{kind}_permuted"
        info = pretrained_run(name)
        found = loaded(info, name)
        if found is None:
            return
        model, _, modified = found
        perm, seed = permutation_of(info)
        note = f"`{name}` sees every image shuffled by the permutation it was trained with (seed {seed})"
        st.caption(
            note + ("." if seed == page_seed else f"; the page's seed {page_seed} only changes the pictures above.")
        )
        st.fragment(input_and_layers)(dataset, str(info.path), modified, "pinside", perm, layers_on_request=True)
        st.markdown("**Permuted pixels from inside: the first layer**")
        if kind == "mlp":
            draw_permuted_weights(dataset, model, perm)
        else:
            draw_permuted_filters(dataset, model)
