"""Evaluate a saved model on the data a user names: clock files, freshly rendered clocks, or a dataset (the CLI;
the app scores models on a session's clock files with `core.evaluation.user_data`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from core.clocks.render import ClockStyle


def clock_test_data(
    images: str | None,
    labels: str | None,
    render: int | None,
    difficulty: str | ClockStyle = "assignment",
    seed: int = 1,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Clock images and labels from files or a fresh rendering, with a description of where they came from."""
    if render is not None:
        from core.clocks.dataset import make_clock_dataset

        if render < 1:
            raise ValueError("--render needs a positive number of clocks")
        data_images, data_labels = make_clock_dataset(n=render, size=150, difficulty=difficulty, seed=seed)
        name = difficulty if isinstance(difficulty, str) else "custom-style"
        return data_images, data_labels, f"{render} freshly rendered '{name}' clocks (seed {seed})"
    if not images or not labels:
        raise ValueError("clock evaluation needs both --images and --labels (or --render N)")
    from core.clocks.userfiles import load_clock_files

    data_images, data_labels = load_clock_files(Path(images), Path(labels))
    return data_images, data_labels, f"{len(data_images)} clocks from {Path(images).name}"


def evaluate_saved_model(
    model: str,
    *,
    images: str | None = None,
    labels: str | None = None,
    render: int | None = None,
    difficulty: str | ClockStyle = "assignment",
    seed: int = 1,
    dataset: str | None = None,
    source: str = "auto",
    path: str | None = None,
    permuted: bool = False,
    permutation_seed: int = 0,
) -> dict[str, Any]:
    """Load a model safely, run it on the named data, return JSON-able summary metrics."""
    from core.evaluation import metrics as evaluation
    from core.models.saved import load_model_file, model_encoding

    if dataset is None and images is None and labels is None and render is None:
        raise ValueError("name the data: --images and --labels, --render N, or --dataset mnist|fashion-mnist")
    keras_model = load_model_file(model)
    encoding = model_encoding(keras_model, model)
    class_names = None
    if encoding.is_clock:
        if dataset is not None:
            raise ValueError("this is a clock model; evaluate it on clock images, not on a dataset")
        from core.evaluation.user_data import evaluate_model_on_clocks

        test_images, test_labels, description = clock_test_data(images, labels, render, difficulty, seed)
        report = evaluate_model_on_clocks(keras_model, encoding, test_images, test_labels)
    else:
        if dataset is None:
            raise ValueError("this is an image classifier; evaluate it with --dataset mnist|fashion-mnist")
        from core.data.datasets import load_dataset
        from core.data.permutation import permute_images, pixel_permutation

        data = load_dataset(dataset, source=source, path=path)
        test_images, test_labels, class_names = data.x_test, data.y_test, data.class_names
        if permuted:
            test_images = permute_images(test_images, pixel_permutation(permutation_seed))
        description = data.description + (" (pixels permuted)" if permuted else "")
        outputs = evaluation.predict_outputs(keras_model, test_images)
        report = evaluation.evaluate_outputs(encoding, outputs, test_labels, class_names)
    return {
        "model": str(model),
        "encoding": encoding.name,
        "data": description,
        "count": int(len(test_labels)),
        **evaluation.report_summary(report),
    }
