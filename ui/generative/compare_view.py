"""The three pretrained models side by side: what each makes, its classifier score and its class histogram."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.config import GENERATIVE_KINDS
from core.data.datasets import CLASS_NAMES, TITLES
from core.evaluation.metrics import EvaluationFileError
from core.figures import image_grid
from core.figures.generative import class_histogram_chart, reconstruction_pairs
from core.runs.store import RunInfo
from ui.generative.pictures import COLUMN_WIDTH, draw_picture
from ui.generative.runs import KIND_NOTES, KIND_TITLES, latent_dim, pretrained_models, pretrained_name, run_kind
from ui.run_cache import run_evaluation
from ui.widgets import missing_model_note

SHOWCASE = 16  # images per model in the side-by-side view
SCORE_HELP = (
    "The pretrained classifier's verdict on the model's images: high when it is sure what each one shows and the "
    "images spread over all classes (the Inception-score idea). 10 is the maximum, 1 the minimum."
)


def evaluation_or_empty(info: RunInfo) -> dict:
    """The run's evaluation arrays, {} when it has none yet or the file cannot be read."""
    try:
        return run_evaluation(info)
    except EvaluationFileError:
        return {}


def draw_scores(info: RunInfo) -> None:
    """The run's classifier score and, for autoencoders, its reconstruction error (or why they are missing)."""
    metrics = info.metrics or {}
    if metrics.get("classifier_score") is None and metrics.get("reconstruction_mse") is None:
        st.caption("No scores yet: they are computed when training ends.")
        return
    if metrics.get("classifier_score") is not None:
        scored_on = f" Scored on {metrics['scored_on']}." if metrics.get("scored_on") else ""
        st.metric("Classifier score", f"{float(metrics['classifier_score']):.2f} / 10", help=SCORE_HELP + scored_on)
    if metrics.get("asked_class_share") is not None:
        st.metric(
            "Drawn as asked",
            f"{100 * float(metrics['asked_class_share']):.1f} %",
            help="A conditional GAN is asked for every class equally often: the share of its samples the "
            "classifier reads as the class they were drawn for.",
        )
    if metrics.get("reconstruction_mse") is not None:
        st.metric(
            "Reconstruction error (MSE)",
            f"{float(metrics['reconstruction_mse']):.4f}",
            help="Mean squared pixel difference on the test set, pixels from 0 to 1.",
        )


def draw_showcase(info: RunInfo, large: bool, key: str) -> None:
    """A few of the model's images: originals over rebuilds for the CAE, new samples for the VAE and GAN."""
    evaluation = evaluation_or_empty(info)
    if run_kind(info) == "cae":
        if evaluation.get("reconstructions") is None:
            st.caption("Its reconstructions appear when it has been evaluated.")
            return
        half = SHOWCASE // 2
        fig = reconstruction_pairs(
            evaluation["originals"][:half], evaluation["reconstructions"][:half], per_row=4, large_text=large
        )
    else:
        if evaluation.get("samples") is None:
            st.caption("Its samples appear when it has been evaluated.")
            return
        fig = image_grid(evaluation["samples"][:SHOWCASE], columns=4, large_text=large)
    draw_picture(fig, key, COLUMN_WIDTH)


def histogram_rows(infos: dict[str, RunInfo]) -> list[tuple[str, np.ndarray]]:
    """(model name, class shares) for every model whose metrics hold a class histogram."""
    rows = []
    for kind, info in infos.items():
        shares = (info.metrics or {}).get("class_histogram")
        if shares is not None:
            rows.append((kind.upper(), np.asarray(shares, np.float64)))
    return rows


def draw_comparison(dataset: str, large: bool) -> None:
    """The pretrained CAE, VAE and GAN of the dataset in three columns, then their class histograms together."""
    st.subheader(f"Three ways to make images: {TITLES[dataset]}", anchor=False)
    models = pretrained_models(dataset)
    for column, kind in zip(st.columns(len(GENERATIVE_KINDS)), GENERATIVE_KINDS):
        with column:
            st.markdown(f"**{KIND_TITLES[kind]}**")
            st.caption(f"It {KIND_NOTES[kind]}")
            info = models.get(kind)
            if info is None:
                name = pretrained_name(dataset, kind)
                missing_model_note(f"The pretrained `{name}` is not installed yet", name)
                continue
            st.caption(f"`{info.run_id}` · latent dimension {latent_dim(info)}")
            draw_showcase(info, large, key=f"gen_showcase_{kind}")
            draw_scores(info)
    rows = histogram_rows(models)
    if rows:
        st.plotly_chart(
            class_histogram_chart(rows, CLASS_NAMES[dataset], large_text=large), width="stretch", key="gen_histograms"
        )
        st.caption(
            "Each bar: the share of 1,000 samples (rebuilt test images for the CAE) the pretrained classifier "
            "puts in a class. A model that covers the data puts about 10% in each; a class near 0% is one it "
            "has forgotten how to draw."
        )
