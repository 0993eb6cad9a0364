"""The generative runs the page shows (the pretrained CAE, VAE and GAN, then the user's) and their files, cached."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import streamlit as st

from core.config import GENERATIVE_KINDS
from core.generative.training import SAMPLES_FILE
from core.lab.permuted import DATASET_SHORT
from core.runs import store as runs
from core.runs.store import RunInfo
from ui.run_cache import pretrained_infos

KIND_TITLES = {"cae": "Autoencoder (CAE)", "vae": "Variational autoencoder (VAE)", "gan": "GAN"}
KIND_NOTES = {
    "cae": "squeezes each image into a short code and rebuilds it: sharp copies, but it does not invent new images.",
    "vae": "learns a smooth cloud of codes, so any point of it decodes to a new image: new, but blurry.",
    "gan": "trains a generator to fool a discriminator: sharper samples, and sometimes stranger ones.",
}


def pretrained_name(dataset: str, kind: str) -> str:
    """The pretrained folder of a generative model, e.g. 'fashion_gan'."""
    return f"{DATASET_SHORT[dataset]}_{kind}"


def run_kind(info: RunInfo) -> str:
    """'cae', 'vae', 'gan' (or another model kind) from the run's config."""
    return str((info.config or {}).get("model", {}).get("kind", ""))


def run_dataset(info: RunInfo) -> str:
    """The dataset the run trained on."""
    return str((info.config or {}).get("data", {}).get("dataset", ""))


def latent_dim(info: RunInfo) -> int:
    """The size of the run's latent code (its noise vector for a GAN)."""
    return int((info.config or {}).get("model", {}).get("latent_dim") or 0)


def is_conditional(info: RunInfo) -> bool:
    """Whether the run is a GAN told the class of each image (it draws the class asked for)."""
    return bool((info.config or {}).get("model", {}).get("conditional"))


def run_label(info: RunInfo) -> str:
    """How a run is named in pickers, by what never changes (not its state, which a picker would show stale):
    'pretrained mnist_vae · VAE, latent 2' or 'run 20261130-184743-89365d: VAE on MNIST, latent 2'."""
    if info.is_pretrained:
        kind = ("conditional " if is_conditional(info) else "") + run_kind(info).upper()
        return f"pretrained {info.run_id} · {kind}, latent {latent_dim(info)}"
    return f"run {info.run_id}: {info.name}"


def pretrained_generative(dataset: str) -> list[RunInfo]:
    """Every installed pretrained generative model of a dataset, the best of each kind first (see pretrained_models)."""
    found = [info for info in pretrained_infos() if run_kind(info) in GENERATIVE_KINDS and run_dataset(info) == dataset]
    return sorted(found, key=lambda info: (GENERATIVE_KINDS.index(run_kind(info)), -_rank(info, dataset)))


def _rank(info: RunInfo, dataset: str) -> float:
    """A pretrained model's classifier score, the kind's canonical folder ('mnist_vae') winning a tie."""
    score = float((info.metrics or {}).get("classifier_score") or 0.0)
    return score + (1e-6 if info.run_id == pretrained_name(dataset, run_kind(info)) else 0.0)


def pretrained_models(dataset: str) -> dict[str, RunInfo]:
    """The best installed pretrained CAE, VAE and GAN of a dataset by classifier score, by kind (missing ones left
    out): a VAE with a larger latent space draws better samples than the 2-D one that draws a latent map."""
    best: dict[str, RunInfo] = {}
    for info in pretrained_generative(dataset):
        best.setdefault(run_kind(info), info)
    return best


def picker_key(dataset: str) -> str:
    """The session-state key of the page's "Model to look at" picker for a dataset."""
    return f"gen_run_{dataset}"


def _look_at(dataset: str, run_id: str) -> None:
    st.session_state[picker_key(dataset)] = run_id


def offer_models(info: RunInfo, kinds: tuple[str, ...], fits: Callable[[RunInfo], bool] = lambda info: True) -> None:
    """Buttons that point the views at the dataset's pretrained models of `kinds` (installed, fitting, not `info`)."""
    dataset = run_dataset(info)
    candidates = [other for other in pretrained_generative(dataset) if other.run_id != info.run_id and fits(other)]
    firsts = {kind: next((other for other in candidates if run_kind(other) == kind), None) for kind in kinds}
    offers = [offer for offer in firsts.values() if offer is not None]
    for column, offer in zip(st.columns(max(1, len(offers))), offers):
        column.button(
            f"Look at the pretrained {run_kind(offer).upper()}",
            key=f"gen_offer_{offer.run_id}",
            icon=":material/arrow_forward:",
            on_click=_look_at,
            args=(dataset, offer.run_id),
        )


@st.cache_data(max_entries=4, ttl=3, show_spinner=False)
def user_generative_runs() -> list[RunInfo]:
    """Every generative run in the runs folder (any state, everyone's), newest first, without history."""
    return [info for info in runs.list_runs(with_history=False) if run_kind(info) in GENERATIVE_KINDS]


def shown_runs(dataset: str, current: RunInfo | None) -> list[RunInfo]:
    """The dataset's pretrained CAE, VAE and GAN, its other pretrained generative models (e.g. a VAE with a larger
    latent space), then the user's generative runs on it (the current one first)."""
    main = list(pretrained_models(dataset).values())
    main_ids = {info.run_id for info in main}
    others = [info for info in pretrained_generative(dataset) if info.run_id not in main_ids]
    users = [info for info in user_generative_runs() if run_dataset(info) == dataset]
    if current is not None and run_kind(current) in GENERATIVE_KINDS and run_dataset(current) == dataset:
        users = [current] + [info for info in users if info.run_id != current.run_id]
    return main + others + users


@st.cache_data(max_entries=16, show_spinner=False)
def _samples_file(path: str, modified: float) -> dict | None:
    """samples.npz as {'epochs', 'samples'} (cached per file version), None when it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            epochs, samples = np.asarray(stored["epochs"]), np.asarray(stored["samples"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if samples.ndim != 4 or len(samples) == 0 or len(samples) != len(epochs):
        return None
    return {"epochs": epochs.astype(int), "samples": samples.astype(np.uint8)}


def run_samples(info: RunInfo) -> dict | None:
    """The run's samples by epoch ({'epochs': [E], 'samples': [E, 64, 28, 28]}), None before the first is written."""
    path = Path(info.path) / SAMPLES_FILE
    try:
        modified = path.stat().st_mtime
    except OSError:
        return None
    return _samples_file(str(path), modified)
