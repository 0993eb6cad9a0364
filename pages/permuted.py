"""Permuted pixels: shuffle every image's pixels the same way; the MLP barely notices, the CNN loses its edge."""

import streamlit as st

from core.lab.permuted import DATASET_SHORT
from ui.lab.data_view import dataset_picker
from ui.lab.inside_view import draw_inside_permuted
from ui.lab.permuted_views import (
    draw_accuracy_chart,
    draw_my_run,
    draw_replays,
    draw_retrain,
    draw_shuffle,
    retrain_config_ui,
)
from ui.navigation import run_inside_app_navigation
from ui.train_panel import train_panel

run_inside_app_navigation()

PAGE = "permuted"


def controls_ui() -> tuple[str, int]:
    """Dataset and permutation seed (both in the URL, so a link shows the same shuffle)."""
    left, right = st.columns([3, 1])
    with left:
        dataset = dataset_picker(tuple(DATASET_SHORT))  # grayscale only: CIFAR-10 is not permuted
    with right:
        seed = int(st.number_input("Permutation seed", 0, 9999, 0, key="perm_seed", bind="query-params"))
    return dataset, seed


st.title("Permuted pixels", anchor=False)
st.markdown(
    "Take one fixed shuffle of the 784 pixel positions and apply it to **every** image, in training and "
    "in testing. A person can no longer read the images; does a network care?"
)
dataset, seed = controls_ui()
draw_shuffle(dataset, seed)

st.subheader("MLP vs CNN on original and permuted pixels", anchor=False)
draw_accuracy_chart()
draw_inside_permuted(dataset, seed)

st.subheader("Retrain on permuted pixels", anchor=False)
run = train_panel(
    PAGE,
    lambda: retrain_config_ui(dataset, seed),
    note="The pretrained recipes, shrunk for a classroom CPU. Runs queue in the background.",
)
draw_retrain(dataset, seed, PAGE)
draw_my_run(run)
draw_replays(dataset, run)
