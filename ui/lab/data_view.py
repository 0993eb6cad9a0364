"""The lab pages' data: the dataset picker, cached dataset samples, test images behind a result."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.data.datasets import DATASETS, IMAGE_SHAPES, TITLES, DatasetError, load_dataset
from core.lab.samples import sample_indices


def dataset_picker(datasets: tuple[str, ...] = DATASETS) -> str:
    """The picker of `datasets` (in the URL, so a shared link opens the same dataset)."""
    return (
        st.segmented_control(
            "Dataset",
            list(datasets),
            format_func=TITLES.get,
            default="mnist",
            required=True,
            key="dataset",
            bind="query-params",
        )
        or "mnist"
    )


@st.cache_data(max_entries=4, show_spinner="Loading images...")
def dataset_samples(name: str, per_class: int = 2) -> dict:
    """A few training images of every class, their class names and the sentence saying where they came from."""
    dataset = load_dataset(name)
    picks = sample_indices(dataset.y_train, per_class)
    return {
        "images": np.array(dataset.x_train[picks]),
        "labels": np.array(dataset.y_train[picks]),
        "class_names": list(dataset.class_names),
        "description": dataset.description,
        "source": dataset.source,
    }


@st.cache_data(max_entries=32, show_spinner=False)
def test_images(name: str, source: str, path: str, indices: tuple[int, ...], expected_count: int) -> np.ndarray | None:
    """Test images at `indices` from the data a run was evaluated on; None when that data is not here any more."""
    try:
        dataset = load_dataset(name, source or "auto", path or None)
    except DatasetError:
        return None
    if len(dataset.x_test) != expected_count:
        return None
    return np.array(dataset.x_test[list(indices)]) if indices else np.zeros((0, *IMAGE_SHAPES[name]), np.uint8)


def run_test_images(config: dict, indices: np.ndarray, expected_count: int) -> np.ndarray | None:
    """The original (unpermuted) test images of a run's evaluation at `indices`."""
    data = config.get("data", {})
    return test_images(
        data.get("dataset", ""),
        data.get("source", "auto"),
        data.get("path", ""),
        tuple(int(i) for i in indices),
        int(expected_count),
    )
