"""How good generated images are, as numbers: the classifier score (the Inception-score idea with the pretrained
MNIST / Fashion CNN) and each class's share, plus an autoencoder's reconstruction error on the test split."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from core.generative import sampling

SCORED_COUNT = 1_000  # generated images scored per model
SHOWN_RECONSTRUCTIONS = 32  # test images kept in evaluation.npz with their reconstructions
CLASSIFIERS = {"mnist": "mnist_cnn", "fashion-mnist": "fashion_cnn"}  # the pretrained models that score samples


@functools.lru_cache(maxsize=2)
def _classifier(dataset: str) -> Any:
    from core.models.saved import ModelFileError, load_model_file
    from core.storage.paths import pretrained_dir

    name = CLASSIFIERS[dataset]
    try:
        return load_model_file(pretrained_dir() / name)
    except ModelFileError as error:
        raise ValueError(
            f"the classifier score needs the pretrained {name} ({error}); rebuild it with "
            f"`python -m core pretrain --only {name}`"
        ) from None


def class_probabilities(images: np.ndarray, dataset: str) -> np.ndarray:
    """The dataset's pretrained CNN's class probabilities [N, 10] for uint8 images [N, 28, 28]."""
    from core.evaluation.metrics import predict_outputs

    if dataset not in CLASSIFIERS:
        raise ValueError(f"the classifier score knows {' and '.join(CLASSIFIERS)}, not '{dataset}'")
    sampling.to_unit(images)  # the same checks as every other entry point
    return predict_outputs(_classifier(dataset), np.asarray(images).reshape(-1, 28, 28))["label"]


def classifier_score(images: np.ndarray, dataset: str) -> dict[str, Any]:
    """exp(mean KL(p(y|x) || p(y))) over uint8 images [N, 28, 28] with the dataset's pretrained CNN: 10 when every
    image is confidently one class and the classes are equally common, 1 when all images look alike."""
    return _score(class_probabilities(images, dataset), dataset)


def _score(probabilities: np.ndarray, dataset: str) -> dict[str, Any]:
    from core.data.datasets import CLASS_NAMES

    p = np.clip(probabilities.astype(np.float64), 1e-12, 1.0)
    p /= p.sum(axis=1, keepdims=True)
    marginal = p.mean(axis=0)
    kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)
    shares = np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)
    return {
        "classifier_score": float(np.exp(kl.mean())),
        "class_histogram": [float(share) for share in shares],
        "classes": list(CLASS_NAMES[dataset]),
    }


def evaluate_generative(run_dir: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(metrics, arrays) of a saved generative run: the classifier score of 1,000 samples (VAE, GAN) or of the
    reconstructions of 1,000 test images (CAE), the reconstruction MSE on the test split (CAE, VAE; pixels 0-1)
    and the arrays evaluation.npz keeps (originals and reconstructions of 32 test images; the scored samples).
    A conditional GAN draws every class equally often, and `asked_class_share` says how many of its samples the
    classifier reads as the class they were drawn for."""
    from core.config import RunConfig
    from core.data.datasets import load_dataset

    folder = sampling.run_folder(run_dir)
    config = RunConfig.from_json_file(folder / "config.json")
    model = sampling.load_generative(folder)
    metrics: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    if model.kind in ("cae", "vae"):
        test = load_dataset(config.data.dataset, config.data.source, config.data.path or None).x_test
        copies = sampling.reconstruction_unit(folder, test)
        metrics["reconstruction_mse"] = float(np.mean((copies - test.astype(np.float32) / 255.0) ** 2))
        arrays["originals"] = np.asarray(test[:SHOWN_RECONSTRUCTIONS])
        arrays["reconstructions"] = sampling.to_uint8(copies[:SHOWN_RECONSTRUCTIONS])
    if model.kind == "cae":
        scored = sampling.to_uint8(copies[:SCORED_COUNT])
        metrics["scored_on"] = f"reconstructions of {len(scored):,} test images"
    else:
        scored = arrays["samples"] = sampling.generate(folder, SCORED_COUNT, seed=0)
        metrics["scored_on"] = f"{SCORED_COUNT:,} generated samples"
    probabilities = class_probabilities(scored, model.dataset)
    score = _score(probabilities, model.dataset)
    metrics.update(score, min_class_share=min(score["class_histogram"]))
    if model.conditional:
        asked = sampling.class_cycle(len(scored), sampling.class_count(model.dataset))
        metrics["asked_class_share"] = float(np.mean(probabilities.argmax(axis=1) == asked))
    return metrics, arrays


def write_evaluation(run_dir: str | Path) -> dict[str, Any]:
    """Score a saved generative run (evaluate_generative) and write its evaluation.npz; returns the metrics."""
    from core.storage.atomic import save_npz

    metrics, arrays = evaluate_generative(run_dir)
    save_npz(sampling.run_folder(run_dir) / "evaluation.npz", **arrays)
    return metrics
