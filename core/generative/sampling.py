"""What a trained generative run can do: new images, reconstructions, latent codes, walks through latent space.

Every function takes a run folder (or its model.keras) and works on uint8 images [N, 28, 28]; models load once
per file version through an lru_cache keyed by path and modification time (the UI adds its own st.cache_*).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from core.generative.models import DECODER, DISCRIMINATOR, ENCODER, GENERATOR

SAMPLE_LIMIT = 10_000  # images one call may generate, reconstruct or decode
GRID_SIDES = (2, 30)  # latent_grid: images per side
INTERPOLATION_STEPS = (2, 64)
PREDICT_CHUNK = 500


@dataclass(frozen=True)
class Generative:
    """A loaded generative run: its kind, dataset, latent size and the sub-models it uses."""

    kind: str  # cae | vae | gan
    dataset: str
    latent_dim: int
    parts: dict[str, Any]  # encoder and decoder (cae, vae); generator and discriminator (gan)
    conditional: bool = False  # a GAN told which class to draw


def run_folder(run_dir: str | Path) -> Path:
    """The run folder for a path naming the folder or its model.keras."""
    path = Path(run_dir)
    return path.parent if path.suffix == ".keras" else path


def load_generative(run_dir: str | Path) -> Generative:
    """The run's generative model, loaded once per model file version; ValueError for other runs."""
    from core.models.saved import model_path

    folder = run_folder(run_dir)
    file = model_path(folder)
    return _load(str(folder.resolve()), file.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _load(folder: str, modified_ns: int) -> Generative:
    from core.config import GENERATIVE_KINDS, RunConfig
    from core.generative.models import sampling_layer
    from core.models.saved import load_model_file

    config = RunConfig.from_json_file(Path(folder) / "config.json")
    if config.model.kind not in GENERATIVE_KINDS:
        raise ValueError(f"{Path(folder).name} is a {config.model.kind} run, not a generative model (cae, vae or gan)")
    sampling_layer()  # the VAE's Sampling layer must be registered before safe-mode loading
    model = load_model_file(folder)
    names = (GENERATOR, DISCRIMINATOR) if config.model.kind == "gan" else (ENCODER, DECODER)
    parts = {name: model.get_layer(name) for name in names}
    return Generative(config.model.kind, config.data.dataset, config.model.latent_dim, parts, config.model.conditional)


def to_unit(images: np.ndarray) -> np.ndarray:
    """uint8 images [N, 28, 28] (or one [28, 28]) -> float32 [N, 28, 28, 1] in 0..1, after checking them."""
    array = np.asarray(images)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or array.shape[1:] != (28, 28):
        raise ValueError(f"images must be 28 x 28 pixels shaped [N, 28, 28], got shape {tuple(np.shape(images))}")
    if not np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_:
        raise ValueError(f"images must hold numbers (pixels 0-255), got {array.dtype}")
    if not 1 <= len(array) <= SAMPLE_LIMIT:
        raise ValueError(f"give between 1 and {SAMPLE_LIMIT:,} images, got {len(array):,}")
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 255:
        raise ValueError("image pixels must be between 0 and 255")
    return (array.astype(np.float32) / 255.0)[..., None]


def to_uint8(images: Any) -> np.ndarray:
    """Model output in 0..1 [N, 28, 28, 1] -> uint8 [N, 28, 28]."""
    array = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28)
    return np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)


def predict(model: Any, inputs: np.ndarray | list[np.ndarray]) -> Any:
    """Inference in chunks (predict_on_batch: no per-call dataset set-up) of an array or a list of arrays (a model
    with several inputs); lists or dicts of outputs are joined."""
    count = len(inputs[0]) if isinstance(inputs, list) else len(inputs)

    def chunk(start: int) -> Any:
        if isinstance(inputs, list):
            return [array[start : start + PREDICT_CHUNK] for array in inputs]
        return inputs[start : start + PREDICT_CHUNK]

    chunks = [model.predict_on_batch(chunk(start)) for start in range(0, count, PREDICT_CHUNK)]
    if isinstance(chunks[0], dict):
        return {key: np.concatenate([np.asarray(chunk[key]) for chunk in chunks]) for key in chunks[0]}
    if isinstance(chunks[0], (list, tuple)):
        return [np.concatenate([np.asarray(chunk[k]) for chunk in chunks]) for k in range(len(chunks[0]))]
    return np.concatenate([np.asarray(chunk) for chunk in chunks])


def _count(count: int) -> int:
    if not isinstance(count, (int, np.integer)) or not 1 <= count <= SAMPLE_LIMIT:
        raise ValueError(f"the number of images must be between 1 and {SAMPLE_LIMIT:,}, got {count!r}")
    return int(count)


def noise(count: int, latent_dim: int, seed: int = 0) -> np.ndarray:
    """Seeded N(0, 1) latent vectors [count, latent_dim] (float32): the same seed gives the same images."""
    return np.random.default_rng(seed).standard_normal((_count(count), latent_dim)).astype(np.float32)


def class_count(dataset: str) -> int:
    """How many classes a dataset's images fall into (what a conditional GAN can be asked for)."""
    from core.data.datasets import CLASS_NAMES

    return len(CLASS_NAMES[dataset])


def class_cycle(count: int, classes: int) -> np.ndarray:
    """Classes 0, 1, ... classes-1, 0, 1, ... for `count` images (int32): every class equally often, in order."""
    return (np.arange(_count(count)) % classes).astype(np.int32)


def generate(run_dir: str | Path, count: int, seed: int = 0, classes: np.ndarray | None = None) -> np.ndarray:
    """`count` new images, uint8 [count, 28, 28]: a VAE decodes N(0, 1) latents, a GAN's generator draws them (a
    conditional GAN draws `classes`, by default class_cycle)."""
    model = load_generative(run_dir)
    if model.kind == "cae":
        raise ValueError(
            "an autoencoder does not invent images: its codes are not shaped like any known distribution, "
            "so decoding random codes gives noise; reconstruct images with it, or sample from a VAE or GAN"
        )
    return decode(run_dir, noise(count, model.latent_dim, seed), classes)


def _encoder(run_dir: str | Path) -> tuple[Generative, Any]:
    model = load_generative(run_dir)
    if model.kind == "gan":
        raise ValueError("a GAN has no encoder: it only maps noise to images, so it cannot encode or reconstruct")
    return model, model.parts[ENCODER]


def encode(run_dir: str | Path, images: np.ndarray) -> np.ndarray:
    """Latent codes float32 [N, latent_dim] of uint8 images: a CAE's code, a VAE's mean."""
    model, encoder = _encoder(run_dir)
    out = predict(encoder, to_unit(images))
    return np.asarray(out[0] if model.kind == "vae" else out, dtype=np.float32)


def _classes(classes: np.ndarray | None, count: int, dataset: str) -> np.ndarray:
    """A conditional GAN's classes for `count` images, checked (class_cycle when not given)."""
    known = class_count(dataset)
    if classes is None:
        return class_cycle(count, known)
    array = np.asarray(classes).reshape(-1)
    if len(array) != count or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"give one whole-number class per image ({count}), got {tuple(np.shape(classes))}")
    if array.min() < 0 or array.max() >= known:
        raise ValueError(f"classes must be between 0 and {known - 1}")
    return array.astype(np.int32)


def decode(run_dir: str | Path, latents: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
    """Images uint8 [N, 28, 28] for latent vectors [N, latent_dim] (a decoder, or a GAN's generator; a conditional
    GAN draws `classes`, by default class_cycle, and other models ignore them)."""
    model = load_generative(run_dir)
    array = np.asarray(latents, dtype=np.float64)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[1] != model.latent_dim:
        raise ValueError(f"latent vectors must be shaped [N, {model.latent_dim}], got {tuple(np.shape(latents))}")
    if not 1 <= len(array) <= SAMPLE_LIMIT or not np.isfinite(array).all():
        raise ValueError(f"give between 1 and {SAMPLE_LIMIT:,} latent vectors of finite numbers")
    part = model.parts[GENERATOR if model.kind == "gan" else DECODER]
    inputs = array.astype(np.float32)
    if model.conditional:
        return to_uint8(predict(part, [inputs, _classes(classes, len(inputs), model.dataset)]))
    return to_uint8(predict(part, inputs))


def reconstruction_unit(run_dir: str | Path, images: np.ndarray) -> np.ndarray:
    """Reconstructions in 0..1, float32 [N, 28, 28] (a VAE decodes its mean: the reconstruction without noise)."""
    model, encoder = _encoder(run_dir)
    codes = predict(encoder, to_unit(images))
    codes = codes[0] if model.kind == "vae" else codes
    return np.asarray(predict(model.parts[DECODER], np.asarray(codes, np.float32)), np.float32).reshape(-1, 28, 28)


def reconstruct(run_dir: str | Path, images: np.ndarray) -> np.ndarray:
    """The autoencoder's copies of uint8 images [N, 28, 28], uint8 [N, 28, 28]."""
    return to_uint8(reconstruction_unit(run_dir, images))


def interpolate(run_dir: str | Path, a: np.ndarray, b: np.ndarray, steps: int, label: int = 0) -> np.ndarray:
    """`steps` images on the straight line from a to b in latent space, uint8 [steps, 28, 28]. CAE and VAE: a and b
    are two images (encoded first); GAN: a and b are two latent vectors (e.g. `noise(1, latent_dim, seed)[0]`),
    drawn as class `label` all the way by a conditional GAN."""
    low, high = INTERPOLATION_STEPS
    if not isinstance(steps, (int, np.integer)) or not low <= steps <= high:
        raise ValueError(f"steps must be between {low} and {high}, got {steps!r}")
    model = load_generative(run_dir)
    if model.kind == "gan":
        ends = np.stack([np.asarray(a, np.float64).reshape(-1), np.asarray(b, np.float64).reshape(-1)])
        if ends.shape[1] != model.latent_dim:
            raise ValueError(f"a GAN interpolates between two latent vectors of length {model.latent_dim}")
    else:
        ends = encode(run_dir, np.stack([np.asarray(a).reshape(28, 28), np.asarray(b).reshape(28, 28)]))
    weights = np.linspace(0.0, 1.0, int(steps))[:, None]
    return decode(run_dir, (1.0 - weights) * ends[0] + weights * ends[1], np.full(int(steps), label))


def latent_grid(run_dir: str | Path, per_side: int) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D VAE's decoder walked over a per_side x per_side grid at evenly spaced quantiles of N(0, 1):
    (images uint8 [per_side**2, 28, 28], coordinates [per_side**2, 2]), row by row from the top (high z2)."""
    low, high = GRID_SIDES
    if not isinstance(per_side, (int, np.integer)) or not low <= per_side <= high:
        raise ValueError(f"the grid needs between {low} and {high} images per side, got {per_side!r}")
    model = load_generative(run_dir)
    if model.kind != "vae" or model.latent_dim != 2:
        raise ValueError(
            f"only a VAE with a 2-D latent space has a latent map; this is a {model.kind} "
            f"with {model.latent_dim} latent dimensions"
        )
    values = np.array([NormalDist().inv_cdf((i + 0.5) / per_side) for i in range(per_side)])
    z1, z2 = np.meshgrid(values, values[::-1])
    coordinates = np.stack([z1.ravel(), z2.ravel()], axis=1).astype(np.float32)
    return decode(run_dir, coordinates), coordinates
