"""Generative models: a CAE, a VAE and a GAN make MNIST / Fashion-MNIST images; compare them, look inside, train."""

import streamlit as st

from core.config import GENERATIVE_DATASETS
from core.data.datasets import TITLES
from core.runs.store import ACTIVE_STATES, RunInfo
from ui.generative.compare_view import draw_comparison
from ui.generative.duel_view import live_duel
from ui.generative.images_view import live_samples
from ui.generative.runs import picker_key, pretrained_name, run_kind, run_label, shown_runs
from ui.generative.train_form import TRAIN_NOTE, generative_config_ui
from ui.live import live_curves
from ui.navigation import run_inside_app_navigation
from ui.state import large_text
from ui.train_panel import train_panel
from ui.widgets import lazy_tabs

run_inside_app_navigation()

PAGE = "generative"
# tab -> the module and function that draw it for the picked run; only the open tab runs (?gen_tab= links to one)
TABS = {
    "Reconstructions": ("ui.generative.images_view", "draw_reconstructions"),
    "Samples": ("ui.generative.images_view", "draw_samples"),
    "Latent map": ("ui.generative.latent_view", "draw_latent_map"),
    "Interpolation": ("ui.generative.latent_view", "draw_interpolation"),
    "GAN duel": ("ui.generative.duel_view", "draw_duel"),
}
DATASET_VIEWS = ("Latent map", "Interpolation")  # views that also need the test images


def dataset_ui() -> str:
    """MNIST or Fashion-MNIST (in the URL, so a shared link opens the same dataset)."""
    return (
        st.segmented_control(
            "Dataset",
            list(GENERATIVE_DATASETS),
            format_func=TITLES.get,
            default=GENERATIVE_DATASETS[0],
            required=True,
            key="gen_dataset",
            bind="query-params",
        )
        or GENERATIVE_DATASETS[0]
    )


def draw_my_run(run: RunInfo | None, large: bool) -> None:
    """The run this session started from the sidebar: its samples refresh each epoch, its curves (a GAN: its duel)
    each second."""
    if run is None:
        return
    with st.expander(f"Your run: {run.name} ({run.state})", expanded=run.state in ACTIVE_STATES):
        live_samples(run, large)
        if run_kind(run) == "gan":
            live_duel(run, large)
        else:
            live_curves([run.run_id], metric="loss", key="gen_live_curves")


def run_picker(dataset: str, run: RunInfo | None) -> RunInfo | None:
    """The run the views below show: a pretrained model or one of the user's generative runs on the dataset."""
    infos = {info.run_id: info for info in shown_runs(dataset, run)}
    if not infos:
        st.info(
            f"No generative model for {TITLES[dataset]} is here yet: rebuild the pretrained ones with "
            f"`python -m core pretrain --only {pretrained_name(dataset, 'vae')}` (and `_cae`, `_gan`), or train "
            "one from the sidebar.",
            icon=":material/info:",
        )
        return None
    ids = list(infos)
    preferred = run.run_id if run is not None and run.run_id in infos else pretrained_name(dataset, "vae")
    chosen = st.selectbox(
        "Model to look at",
        ids,
        index=ids.index(preferred) if preferred in infos else 0,
        format_func=lambda run_id: run_label(infos[run_id]),
        key=picker_key(dataset),
    )
    return infos[chosen]


large = large_text()
st.title("Generative models", anchor=False)
st.markdown(
    "Three networks learn to **make** images like the training set. The **autoencoder** squeezes an image "
    "into a short code and rebuilds it; the **variational autoencoder** makes its codes a smooth cloud, so "
    "any point of it decodes to a new image; the **GAN** trains a generator against a discriminator until "
    "the fakes pass. A pretrained classifier scores the images (10 is best)."
)
dataset = dataset_ui()
current = train_panel(PAGE, lambda: generative_config_ui(dataset), note=TRAIN_NOTE)
draw_my_run(current, large)
draw_comparison(dataset, large)
st.divider()
st.subheader("Look closer", anchor=False)
shown = run_picker(dataset, current)
if shown is not None:
    for label, draw in lazy_tabs(TABS, "gen_tab"):
        if label in DATASET_VIEWS:
            draw(shown, dataset, large)
        else:
            draw(shown, large)
