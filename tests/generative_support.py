"""Tiny trained generative runs shared by the generative tests (one epoch on 256 embedded MNIST images)."""

from __future__ import annotations

from pathlib import Path

from core.config import RunConfig
from tests.conftest import tiny_config

TINY_LATENT = {"cae": 8, "vae": 2, "gan": 8}


def tiny_generative_config(kind: str, **overrides) -> RunConfig:
    """A seconds-long CAE, VAE (2-D latent) or GAN run with small convolutions."""
    base = {
        "model__kind": kind,
        "model__conv_filters": [8, 16],
        "model__hidden": [],
        "model__latent_dim": TINY_LATENT[kind],
        "encoding": "generative",
        "data__limit_train": 256,
    }
    return tiny_config(**{**base, **overrides})


def train_tiny(kind: str, root: Path, **overrides) -> Path:
    """Train the tiny run of `kind` into `root`; its run folder."""
    from core.runs.training import run_config

    info = run_config(tiny_generative_config(kind, **overrides), root=root)
    assert info.status["state"] == "done", info.status.get("reason")
    return Path(info.path)
