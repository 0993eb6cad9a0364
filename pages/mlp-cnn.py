"""MLPs and CNNs: the assignment's part 1. Pick a dataset, train an MLP or a CNN, compare it with the pretrained one."""

import streamlit as st

from core.data.datasets import TITLES, DatasetError, data_available, missing_data_sentence
from core.figures import image_grid
from ui.lab.compare_view import draw_compare
from ui.lab.data_view import dataset_picker, dataset_samples
from ui.lab.inside_view import draw_inside
from ui.lab.knobs import config_ui, last_knobs
from ui.lab.results_view import draw_results
from ui.navigation import run_inside_app_navigation
from ui.state import large_text
from ui.train_panel import train_panel
from ui.widgets import captioned_chart

run_inside_app_navigation()

PAGE = "mlp-cnn"


def draw_samples(dataset: str) -> None:
    """A few training images of every class and where they came from (or, when they are not here, how to get them)."""
    try:
        samples = dataset_samples(dataset)
    except DatasetError as error:
        st.info(str(error), icon=":material/cloud_off:")
        return
    captions = [samples["class_names"][int(label)] for label in samples["labels"]]
    captioned_chart(
        image_grid(samples["images"], captions, columns=10, large_text=large_text()),
        "samples",
        f":material/database: {samples['description']}",
    )


st.title("MLPs and CNNs", anchor=False)
st.markdown(
    "Train a **multilayer perceptron** and a **convolutional network** on handwritten digits, clothes or "
    "colour photos (CIFAR-10: same knobs, much lower accuracy), change one knob at a time, and compare with "
    "the pretrained models."
)
dataset = dataset_picker()
with st.expander(f"{TITLES[dataset]}: sample images", expanded=True):
    draw_samples(dataset)

run = train_panel(
    PAGE,
    lambda: config_ui(dataset),
    note=f"Trains on {TITLES[dataset]} (pick the dataset above). Runs queue in the background.",
    unavailable="" if data_available(dataset) else missing_data_sentence(dataset),
)
knobs = last_knobs(dataset)
draw_results(dataset, knobs.model.kind, run)
draw_inside(dataset, knobs.model.kind, run)
st.divider()
draw_compare(knobs, PAGE)
