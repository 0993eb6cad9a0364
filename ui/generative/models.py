"""The page's calls into core.generative.sampling, cached per run folder and model file version.

Keras is imported (inside core.generative.sampling) only when a view needs a model: new samples, the latent map,
the decoder grid, interpolation. Everything else the page shows comes from the run's saved files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from core.data.datasets import DatasetError, load_dataset, stratified_subset
from core.runs.store import RunInfo
from ui.run_cache import model_file_time

MAP_POINTS = 2000  # test images in the latent map (stratified by class)


def model_version(info: RunInfo) -> tuple[str, float] | None:
    """(run folder, model file time): the key a run's model results are cached under; None without a model."""
    modified = model_file_time(info)
    return None if modified is None else (str(info.path), modified)


def attempt(compute: Callable[..., Any], *args: Any) -> tuple[Any, str]:
    """(result, '') or (None, the sentence saying why the model could not do it)."""
    try:
        return compute(*args), ""
    except (ValueError, OSError) as error:
        return None, f"The model could not do this: {error}"


@st.cache_data(max_entries=4, show_spinner="Loading the test images...")
def test_set(dataset: str) -> dict:
    """The dataset's test images, labels and class names (raises DatasetError when the data is not here)."""
    data = load_dataset(dataset)
    return {"images": np.array(data.x_test), "labels": np.array(data.y_test), "class_names": list(data.class_names)}


def test_set_or_none(dataset: str) -> tuple[dict | None, str]:
    """The test set, or None and a sentence saying why it cannot be loaded."""
    try:
        return test_set(dataset), ""
    except DatasetError as error:
        return None, f"The {dataset} test images are not available here: {error}"


@st.cache_data(max_entries=16, show_spinner="Drawing new samples...")
def new_samples(run_path: str, modified: float, count: int, seed: int, drawn_class: int | None = None) -> np.ndarray:
    """`count` new images from the run's generator or decoder, the noise drawn with `seed`; a conditional GAN draws
    `drawn_class` (None: every class in turn)."""
    from core.generative.sampling import generate

    classes = None if drawn_class is None else np.full(count, drawn_class)
    return generate(run_path, count, seed=seed, classes=classes)


@st.cache_data(max_entries=8, show_spinner="Encoding the test images...")
def latent_codes(run_path: str, modified: float, dataset: str) -> dict:
    """Latent codes of a class-stratified subset of the test set: {'indices', 'latents', 'labels'}."""
    from core.generative.sampling import encode

    test = test_set(dataset)
    indices = stratified_subset(test["labels"], MAP_POINTS)
    latents = encode(run_path, test["images"][indices])
    return {"indices": indices, "latents": np.asarray(latents), "labels": test["labels"][indices]}


@st.cache_data(max_entries=8, show_spinner="Decoding a grid of latent points...")
def decoder_lattice(run_path: str, modified: float, per_side: int) -> tuple[np.ndarray, np.ndarray]:
    """Images decoded on a per_side x per_side lattice of a 2-D latent space, and the lattice points."""
    from core.generative.sampling import latent_grid

    images, coordinates = latent_grid(run_path, per_side)
    return np.asarray(images), np.asarray(coordinates)


@st.cache_data(max_entries=32, show_spinner=False)
def decoded_point(run_path: str, modified: float, point: tuple[float, ...]) -> np.ndarray:
    """The image the decoder draws at one latent point."""
    from core.generative.sampling import decode

    return np.asarray(decode(run_path, np.asarray([point], np.float32)))[0]


@st.cache_data(max_entries=16, show_spinner="Walking through latent space...")
def interpolation(run_path: str, modified: float, dataset: str, first: int, second: int, steps: int) -> np.ndarray:
    """The images decoded between the codes of test images `first` and `second`, both ends included."""
    from core.generative.sampling import interpolate

    images = test_set(dataset)["images"]
    return np.asarray(interpolate(run_path, images[first], images[second], steps))


@st.cache_data(max_entries=16, show_spinner="Walking through latent space...")
def noise_interpolation(
    run_path: str, modified: float, latent: int, first: int, second: int, steps: int, label: int = 0
) -> np.ndarray:
    """A GAN's images between the noise vectors drawn with seeds `first` and `second`, both ends included (a
    conditional GAN draws class `label` all the way)."""
    from core.generative.sampling import interpolate, noise

    return np.asarray(interpolate(run_path, noise(1, latent, first)[0], noise(1, latent, second)[0], steps, label))
