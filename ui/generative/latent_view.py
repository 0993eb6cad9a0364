"""Latent space views: the 2-D VAE's map of the test set and its decoder grid (click a point to decode it), and
interpolation between two chosen test images."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.data.datasets import CLASS_NAMES
from core.figures import image_grid
from core.figures.generative import decoder_grid, interpolation_strip, latent_map
from core.runs.store import RunInfo
from ui.generative.models import (
    attempt,
    decoded_point,
    decoder_lattice,
    interpolation,
    latent_codes,
    model_version,
    noise_interpolation,
    test_set_or_none,
)
from ui.generative.pictures import COLUMN_WIDTH, draw_picture
from ui.generative.runs import is_conditional, latent_dim, offer_models, run_dataset, run_kind

GRID_SIDES = (5, 7, 10, 15)
STEPS = (5, 7, 9, 11, 13)


def _model_or_note(info: RunInfo) -> tuple[str, float] | None:
    """The run's model version, or None after a sentence saying it has no model yet."""
    version = model_version(info)
    if version is None:
        st.info("This run has no saved model yet: it is written when training ends.", icon=":material/hourglass:")
    return version


def has_latent_map(info: RunInfo) -> bool:
    """Whether the run can be drawn as a latent map: a VAE with a 2-D latent space."""
    return run_kind(info) == "vae" and latent_dim(info) == 2


def clicked_index(event) -> int | None:
    """The test index (customdata) of the first point clicked in the latent map, or None."""
    selection = getattr(event, "selection", None) or {}
    points = selection.get("points", []) if hasattr(selection, "get") else []
    for point in points:
        data = point.get("customdata")
        if data is not None:
            return int(data[0] if isinstance(data, list | tuple) else data)
    return None


def draw_latent_map(info: RunInfo, dataset: str, large: bool) -> None:
    """The 2-D VAE's test-set map coloured by class, the chosen point decoded, and the decoder grid."""
    if not has_latent_map(info):
        st.info(
            f"The latent map needs a VAE with a 2-D latent space; this run is a {run_kind(info).upper()} with "
            f"{latent_dim(info)} latent dimensions, too many to draw. Train a VAE with latent dimension 2 from the "
            "sidebar, or pick one above.",
            icon=":material/info:",
        )
        offer_models(info, ("vae",), fits=has_latent_map)
        return
    version = _model_or_note(info)
    test, message = test_set_or_none(dataset)
    if version is None or test is None:
        if message:
            st.warning(message, icon=":material/warning:")
        return
    codes, message = attempt(latent_codes, *version, dataset)
    if codes is None:
        st.warning(message, icon=":material/warning:")
        return
    class_names = test["class_names"]
    fig = latent_map(codes["latents"], codes["labels"], class_names, large_text=large, indices=codes["indices"])
    map_column, point_column = st.columns([3, 1])
    with map_column:
        event = st.plotly_chart(
            fig, width="stretch", on_select="rerun", selection_mode="points", key=f"gen_map_{info.run_id}"
        )
    chosen = clicked_index(event)
    position = int(np.flatnonzero(codes["indices"] == chosen)[0]) if chosen in codes["indices"] else 0
    index = int(codes["indices"][position])
    point = tuple(float(value) for value in codes["latents"][position])
    with point_column:
        decoded, message = attempt(decoded_point, *version, point)
        if decoded is None:
            st.warning(message, icon=":material/warning:")
        else:
            pair = np.stack([test["images"][index], decoded])
            label = class_names[int(test["labels"][index])]
            captions = [f"test #{index} ({label})", f"decoded at<br>({point[0]:.2f}, {point[1]:.2f})"]
            draw_picture(image_grid(pair, captions, columns=1, large_text=large), max_width=COLUMN_WIDTH)
        st.caption("Click a point in the map to decode its code.")
    side = st.select_slider("Decoder grid size", GRID_SIDES, value=10, key="gen_grid_side")
    lattice, message = attempt(decoder_lattice, *version, int(side))
    if lattice is None:
        st.warning(message, icon=":material/warning:")
        return
    draw_picture(decoder_grid(*lattice, large_text=large), "gen_decoder_grid")
    st.caption(
        "Each tile is what the decoder draws at one point of the map above; walking across the grid morphs one "
        "class into its neighbours, because the VAE packs its codes into one smooth cloud."
    )


def _pick_test_image(label: str, test: dict, default_class: int, key: str) -> int:
    """A class and the n-th test image of that class; returns the test index."""
    class_names = test["class_names"]
    left, right = st.columns(2)
    chosen = left.selectbox(
        f"{label}: class", range(len(class_names)), index=default_class, format_func=class_names.__getitem__, key=key
    )
    members = np.flatnonzero(test["labels"] == chosen)
    nth = right.number_input(
        f"{label}: which one",
        0,
        max(0, len(members) - 1),
        0,
        key=f"{key}_nth",
        help="The n-th test image of the class.",
    )
    return int(members[int(nth)])


def draw_noise_interpolation(info: RunInfo, version: tuple[str, float], large: bool) -> None:
    """A GAN's walk between the noise vectors of two seeds (it has no encoder to place chosen images)."""
    st.caption(
        "A GAN has no encoder, so it cannot place two chosen test images in its latent space; it walks "
        "between two noise vectors instead, each drawn from a seed."
    )
    first_column, second_column = st.columns(2)
    first = first_column.number_input("A: noise seed", 0, 9999, 0, key="gen_interp_seed_a")
    second = second_column.number_input("B: noise seed", 0, 9999, 1, key="gen_interp_seed_b")
    steps = st.select_slider("Steps", STEPS, value=9, key="gen_interp_steps")
    label = 0
    if is_conditional(info):
        names = CLASS_NAMES[run_dataset(info)]
        label = st.selectbox(
            "Class drawn all the way",
            range(len(names)),
            format_func=lambda index: f"{index}: {names[index]}",
            key="gen_interp_class",
            help="The noise changes along the walk while the class stays: only the style of the drawing moves.",
        )
    images, message = attempt(
        noise_interpolation, *version, latent_dim(info), int(first), int(second), int(steps), int(label)
    )
    if images is None:
        st.warning(message, icon=":material/warning:")
        return
    draw_picture(interpolation_strip(images, large_text=large), "gen_interp_strip")
    st.caption("Every step is a new image: small moves in the noise change the drawing smoothly.")


def draw_interpolation(info: RunInfo, dataset: str, large: bool) -> None:
    """Two chosen test images and the images decoded on the straight line between their codes (a GAN: two seeds)."""
    version = _model_or_note(info)
    if version is not None and run_kind(info) == "gan":
        draw_noise_interpolation(info, version, large)
        return
    test, message = test_set_or_none(dataset)
    if version is None or test is None:
        if message:
            st.warning(message, icon=":material/warning:")
        return
    first_column, second_column = st.columns(2)
    with first_column:
        first = _pick_test_image("A", test, 0, "gen_interp_a")
    with second_column:
        second = _pick_test_image("B", test, min(7, len(test["class_names"]) - 1), "gen_interp_b")
    steps = st.select_slider("Steps", STEPS, value=9, key="gen_interp_steps")
    images, message = attempt(interpolation, *version, dataset, first, second, int(steps))
    if images is None:
        st.warning(message, icon=":material/warning:")
        return
    ends = np.stack([test["images"][first], test["images"][second]])
    draw_picture(image_grid(ends, [f"A: test #{first}", f"B: test #{second}"], columns=2, large_text=large))
    draw_picture(interpolation_strip(images, large_text=large), "gen_interp_strip")
    st.caption(
        "The VAE's path stays on plausible images all the way, because its codes fill one smooth cloud; "
        "the CAE's middle images are often ghostly overlays of A and B, because between its codes lie gaps "
        "its decoder never learned."
    )
