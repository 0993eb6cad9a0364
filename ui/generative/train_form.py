"""The Train panel's knobs on the Generative models page: CAE / VAE / GAN, latent size, whether a GAN is told the
class, epochs, rate, images.

Each kind starts from its default run (core.generative.runs: sized to show recognisable images within two
minutes on a 2-core CPU). The number boxes take any number, so a value out of range reaches the config
validator, whose sentence the Train panel shows instead of starting the run.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.config import GENERATIVE_IMAGES, GENERATIVE_KINDS, GENERATIVE_LEARNING_RATES, LATENT_DIMS, RunConfig
from core.data.datasets import TITLES
from core.generative.runs import default_config

DEFAULT_KIND = "vae"  # the sidebar's first run: new images that read as digits within about a minute
MAX_FORM_EPOCHS = 50
TRAIN_NOTE = (
    "Trains on the dataset picked above; runs queue in the background. While it trains, its samples "
    "(a CAE: its reconstructions) refresh above the comparison after every epoch."
)


def generative_config_ui(dataset: str) -> RunConfig:
    """Draw the generative training knobs (in the sidebar) and return the run config, not yet validated."""
    kind = st.radio(
        "Model",
        GENERATIVE_KINDS,
        index=GENERATIVE_KINDS.index(DEFAULT_KIND),
        format_func=str.upper,
        horizontal=True,
        key="gen_train_kind",
        help="CAE: rebuilds images. VAE: rebuilds and samples new ones. GAN: a generator against a discriminator.",
    )
    default = default_config(kind, dataset)
    low, high = LATENT_DIMS
    latent = st.number_input(
        "Latent dimension",
        value=default.model.latent_dim,
        step=1,
        key=f"gen_train_latent_{kind}",
        help=f"{low} to {high} numbers per image (the GAN's noise vector). A VAE with 2 can be drawn as a map.",
    )
    conditional = kind == "gan" and st.checkbox(
        "Tell it the class (conditional GAN)",
        value=default.model.conditional,
        key="gen_train_conditional",
        help="Both players see which class each image is: the generator learns to draw the class it is asked for, "
        "and its samples read as digits much sooner. Untick it for the plain duel, which has to discover the "
        "classes on its own.",
    )
    epochs = st.slider("Epochs", 1, MAX_FORM_EPOCHS, default.epochs, key=f"gen_train_epochs_{kind}")
    low, high = GENERATIVE_LEARNING_RATES
    rate = st.number_input(
        "Learning rate",
        value=default.optimizer.learning_rate,
        step=1e-4,
        format="%.5f",
        key=f"gen_train_lr_{kind}",
        help=f"Adam's learning rate, {low:g} to {high:g}; a GAN's duel falls apart when it is too large.",
    )
    low, high = GENERATIVE_IMAGES
    images = st.number_input(
        "Training images",
        value=default.data.limit_train,
        step=1000,
        key="gen_train_images",
        help=f"{low} to {high:,}, or 0 for the whole training set.",
    )
    return dataclasses.replace(
        default,
        name=f"{'conditional ' if conditional else ''}{kind.upper()} on {TITLES[dataset]}, latent {int(latent)}",
        data=dataclasses.replace(default.data, limit_train=int(images)),
        model=dataclasses.replace(default.model, latent_dim=int(latent), conditional=bool(conditional)),
        optimizer=dataclasses.replace(default.optimizer, learning_rate=float(rate)),
        epochs=int(epochs),
    )
