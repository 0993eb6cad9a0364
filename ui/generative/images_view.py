"""What a generative run draws: originals vs reconstructions, new samples on demand, samples by epoch (live while
it trains, replayed afterwards)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.data.datasets import CLASS_NAMES
from core.figures import image_grid
from core.figures.generative import class_histogram_chart, reconstruction_pairs, sample_replay
from core.runs import store as runs
from core.runs.store import ACTIVE_STATES, RunInfo
from ui.generative.compare_view import draw_scores, evaluation_or_empty, histogram_rows
from ui.generative.models import attempt, model_version, new_samples
from ui.generative.pictures import draw_picture
from ui.generative.runs import is_conditional, offer_models, run_dataset, run_kind, run_samples
from ui.live import TICK_S

PAIRS = 32  # test images shown with their reconstructions
SAMPLE_COUNT = 64  # new samples per press of the button
SEED_STATE = "gen_sample_seed"  # {run id: seed of the new samples shown}; 0 shows the samples saved with the run


def draw_reconstructions(info: RunInfo, large: bool) -> None:
    """Test images over what the autoencoder rebuilt from them, with the reconstruction error."""
    if run_kind(info) == "gan":
        st.info(
            "A GAN has no encoder: it cannot take an image in, so it rebuilds nothing. Its **Samples** tab shows "
            "what it draws; pick the CAE or VAE to compare originals and reconstructions.",
            icon=":material/info:",
        )
        offer_models(info, ("cae", "vae"))
        return
    evaluation = evaluation_or_empty(info)
    if evaluation.get("reconstructions") is None:
        st.info("Reconstructions appear when this run has been trained and evaluated.", icon=":material/hourglass:")
        return
    originals, rebuilt = evaluation["originals"][:PAIRS], evaluation["reconstructions"][:PAIRS]
    draw_picture(
        reconstruction_pairs(originals, rebuilt, per_row=8, large_text=large, title=f"{info.name}: test images"),
        "gen_pairs",
    )
    draw_scores(info)
    if run_kind(info) == "cae":
        st.caption(
            "The autoencoder copies well because it only has to rebuild the image it was given. Its codes "
            "are not spread out like a VAE's, so decoding a random code rarely gives a clean image."
        )
        st.markdown("**The same test images, rebuilt epoch after epoch**")
        draw_replay(info, large)
    else:
        st.caption(
            "The VAE's rebuilds are blurrier than the CAE's: its codes carry noise, so it learns a smooth "
            "average of what a code can mean. That blur is the price of sampling new images."
        )


def _shown_seed(run_id: str) -> int:
    seeds = st.session_state.setdefault(SEED_STATE, {})
    return int(seeds.get(run_id, 0))


def _next_seed(run_id: str) -> None:
    seeds = st.session_state.setdefault(SEED_STATE, {})
    seeds[run_id] = int(seeds.get(run_id, 0)) + 1


def grid_columns(info: RunInfo) -> int:
    """Images per row of a sample grid: 16, or one column per class for a conditional GAN, whose samples run
    through the classes in turn (so column n holds class n)."""
    return len(CLASS_NAMES[run_dataset(info)]) if is_conditional(info) else 16


def whole_rows(images: np.ndarray, columns: int) -> np.ndarray:
    """Images [N, H, W] (or a replay record [E, N, H, W]) cut to the first whole rows of `columns`."""
    count = images.shape[-3] - images.shape[-3] % columns
    return images[..., :count, :, :]


def chosen_class(info: RunInfo) -> int | None:
    """For a conditional GAN, the class picked to draw (None: every class in turn); None for any other run."""
    if not is_conditional(info):
        return None
    names = CLASS_NAMES[run_dataset(info)]
    return st.selectbox(
        "Class to draw",
        [None, *range(len(names))],
        format_func=lambda index: "every class in turn" if index is None else f"{index}: {names[index]}",
        key="gen_drawn_class",
        help="This GAN was told the class of every image it learnt from, so it draws the class you ask for.",
    )


def draw_new_samples(info: RunInfo, large: bool) -> None:
    """A grid of the run's samples: the saved ones first, new ones drawn with a new seed at each press (a
    conditional GAN: of the class picked)."""
    seed, columns = _shown_seed(info.run_id), grid_columns(info)
    drawn_class = chosen_class(info)
    st.button("New samples", icon=":material/casino:", key="gen_new_samples", on_click=_next_seed, args=(info.run_id,))
    if seed == 0 and drawn_class is None:
        images = evaluation_or_empty(info).get("samples")
        if images is None:
            st.info("Samples appear when this run has been trained and evaluated.", icon=":material/hourglass:")
            return
        images, caption = images[:SAMPLE_COUNT], "Samples saved when training ended."
    else:
        version = model_version(info)
        if version is None:
            st.warning("This run has no saved model, so it cannot draw new samples.", icon=":material/warning:")
            return
        images, message = attempt(new_samples, *version, SAMPLE_COUNT, seed, drawn_class)
        if images is None:
            st.warning(message, icon=":material/warning:")
            return
        caption = f"{len(whole_rows(images, columns))} new samples, noise seed {seed}."
        if drawn_class is not None:
            caption += f" All drawn as class {drawn_class} ({CLASS_NAMES[run_dataset(info)][drawn_class]})."
    if is_conditional(info) and drawn_class is None:
        caption += " Column n was asked for class n: the GAN draws the class it is told."
    draw_picture(image_grid(whole_rows(images, columns), columns=columns, large_text=large), "gen_samples")
    st.caption(caption)


def draw_samples(info: RunInfo, large: bool) -> None:
    """New samples, the classifier's view of them, and the fixed-noise samples replayed epoch by epoch."""
    if run_kind(info) == "cae":
        st.info(
            "An autoencoder does not invent images: it only rebuilds the ones it is given, and a random code "
            "decodes to a smudge. Pick the VAE or GAN for new samples; the **Reconstructions** tab shows what a "
            "CAE does.",
            icon=":material/info:",
        )
        offer_models(info, ("vae", "gan"))
        return
    draw_new_samples(info, large)
    draw_scores(info)
    rows = histogram_rows({run_kind(info): info})
    if rows:
        st.plotly_chart(
            class_histogram_chart(rows, CLASS_NAMES[run_dataset(info)], large_text=large),
            width="stretch",
            key="gen_run_histogram",
        )
    st.markdown("**The same noise, epoch after epoch**")
    draw_replay(info, large)


def draw_replay(info: RunInfo, large: bool) -> None:
    """The fixed-noise samples of every epoch with a slider and a play button (or why there are none)."""
    record = run_samples(info)
    if record is None:
        st.info("This run has no samples by epoch yet: they are saved after each epoch.", icon=":material/hourglass:")
        return
    columns = grid_columns(info)
    replay = sample_replay(whole_rows(record["samples"], columns), record["epochs"], columns=columns, large_text=large)
    draw_picture(replay, "gen_replay")
    st.caption("Press ▶ Play to watch the images form, or drag the slider to an epoch.")


def draw_live_samples(run_id: str, large: bool) -> None:
    """The latest samples of a run (reconstructions for a CAE) and the epoch they come from."""
    try:
        info = runs.read_run(runs.run_path(None, run_id), with_history=False)
    except runs.RunError:
        return
    record = run_samples(info)
    if record is None:
        st.caption("Its samples appear here after the first epoch.")
    else:
        epoch = int(record["epochs"][-1])
        what = "reconstructions of fixed test images" if run_kind(info) == "cae" else "samples from fixed noise"
        columns = grid_columns(info)
        draw_picture(image_grid(whole_rows(record["samples"][-1], columns), columns=columns, large_text=large))
        st.caption(f"Its {what} {'before training' if epoch == 0 else f'after epoch {epoch}'}.")
    if info.state not in ACTIVE_STATES and st.session_state.get("gen_live_watching") == run_id:
        st.session_state.pop("gen_live_watching")
        st.rerun(scope="app")  # the run ended: one full rerun draws the finished views


def live_samples(info: RunInfo, large: bool) -> None:
    """draw_live_samples in a fragment that rereads samples.npz every second while the run is queued or running."""
    active = info.state in ACTIVE_STATES
    if active:
        st.session_state["gen_live_watching"] = info.run_id
    st.fragment(run_every=TICK_S if active else None)(draw_live_samples)(info.run_id, large)
