"""Views of the Permuted-pixels page: images shuffled and restored, the MLP-vs-CNN chart, one-click retraining,
the models' training replayed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.data.datasets import TITLES, load_dataset
from core.data.permutation import permute_images, pixel_permutation, unpermute_images
from core.figures import image_grid, permutation_accuracy_chart, permutation_picture
from core.lab import tables
from core.lab.permuted import (
    DATASET_SHORT,
    permutation_reading,
    permutation_rows,
    permuted_retrain_configs,
    recipe_config,
)
from core.lab.samples import sample_indices
from core.runs import store as runs
from core.runs.store import RunInfo
from ui.replay import draw_replay, replay_section
from ui.run_cache import pretrained_infos, pretrained_run
from ui.state import large_text
from ui.train_panel import live_curves, submit_runs
from ui.widgets import missing_model_note

RETRAIN_STATE = "retrain_group"
RETRAIN_PARAM = "retrain"
CLASSROOM_IMAGES = 3000
CLASSROOM_EPOCHS = 3
EXPECTED = [
    f"{short}_{kind}{suffix}"
    for short in DATASET_SHORT.values()
    for kind in ("mlp", "cnn")
    for suffix in ("", "_permuted")
]


@st.cache_data(max_entries=8, show_spinner=False)
def shuffled_samples(dataset: str, seed: int) -> dict:
    """One test image per class: original, permuted with the seed's permutation, and put back."""
    data = load_dataset(dataset)
    original = np.array(data.x_test[sample_indices(data.y_test, 1)])
    perm = pixel_permutation(seed, original[0].size)
    permuted = permute_images(original, perm)
    restored = unpermute_images(permuted, perm)
    names = [data.class_names[int(label)] for label in data.y_test[sample_indices(data.y_test, 1)]]
    return {
        "original": original,
        "permuted": permuted,
        "restored": restored,
        "perm": perm,
        "names": names,
        "identical": bool(np.array_equal(restored, original)),
    }


def draw_shuffle(dataset: str, seed: int) -> None:
    """Original and permuted images side by side, the permutation itself, and the exact way back."""
    views = shuffled_samples(dataset, seed)
    names = views["names"]
    left, right = st.columns(2)
    left.plotly_chart(
        image_grid(views["original"], names, columns=5, large_text=large_text(), title="Original pixels"),
        width="stretch",
        key="shuffle_original",
    )
    right.plotly_chart(
        image_grid(
            views["permuted"], names, columns=5, large_text=large_text(), title=f"Permuted pixels (seed {seed})"
        ),
        width="stretch",
        key="shuffle_permuted",
    )
    st.plotly_chart(
        permutation_picture(views["perm"], large_text=large_text()), width="stretch", key="permutation_picture"
    )
    with st.expander("Unpermute: nothing is lost", expanded=False):
        st.plotly_chart(
            image_grid(
                views["restored"],
                names,
                columns=10,
                large_text=large_text(),
                title="Permuted images put back with the inverse permutation",
            ),
            width="stretch",
            key="shuffle_restored",
        )
        pixels = views["original"].size
        if views["identical"]:
            st.success(
                f"The restored images equal the originals exactly: all {pixels:,} pixel values match. "
                "The permutation hides no information, it only moves it.",
                icon=":material/check_circle:",
            )
        else:
            st.error("The restored images differ from the originals.", icon=":material/error:")


def draw_accuracy_chart() -> None:
    """MLP vs CNN on original vs permuted pixels for both datasets, with the numbers and what they say."""
    infos = [info for info in pretrained_infos() if info.run_id in EXPECTED]
    rows = permutation_rows(infos)
    missing = [name for name in EXPECTED if name not in {info.run_id for info in infos}]
    if missing:
        st.info(
            f"Pretrained models not installed yet: {', '.join(missing)}. Rebuild them with `python -m core pretrain`.",
            icon=":material/info:",
        )
    if not rows:
        return
    st.plotly_chart(
        permutation_accuracy_chart(rows, large_text=large_text()), width="stretch", key="permutation_accuracy"
    )
    table = pd.DataFrame(
        [
            {
                "dataset": row["dataset"],
                "model": row["model"].upper(),
                "pixels": row["pixels"],
                "test accuracy (%)": round(100 * row["accuracy"], 2),
            }
            for row in rows
        ]
    )
    st.dataframe(table, hide_index=True)
    reading = permutation_reading(rows)
    if reading:
        st.markdown(f"**What it says.** {reading}")


def retrain_config_ui(default_dataset: str, permutation_seed: int):
    """The Train panel's knobs: dataset, MLP or CNN, permuted or not, and how long (the recipe's network)."""
    datasets = list(DATASET_SHORT)
    dataset = st.selectbox(
        "Dataset", datasets, index=datasets.index(default_dataset), format_func=TITLES.get, key="train_dataset"
    )
    kind = st.radio(
        "Model (the pretrained recipe)",
        ("mlp", "cnn"),
        format_func=str.upper,
        horizontal=True,
        key="train_kind",
        bind="query-params",
    )
    permuted = st.toggle("Permuted pixels", value=True, key="train_permuted")
    if permuted:
        st.caption(f"Permutation seed {permutation_seed} (set on the page).")
    epochs = st.slider("Epochs", 1, 30, CLASSROOM_EPOCHS, key="train_epochs")
    images = st.select_slider(
        "Training images",
        (1000, 3000, 10000, 30000, 0),
        value=CLASSROOM_IMAGES,
        format_func=lambda n: "all" if n == 0 else f"{n:,}",
        key="train_images",
    )
    seed = int(st.number_input("Seed", 0, 9999, 0, key="train_seed"))
    return recipe_config(dataset, kind, permuted, permutation_seed, images, epochs, seed)


def retrain_ids() -> list[str]:
    """The runs of this session's one-click retrain (session state, else ?retrain= after a reload)."""
    ids = st.session_state.get(RETRAIN_STATE)
    if ids is None:
        ids = [i for i in str(st.query_params.get(RETRAIN_PARAM, "")).split(",") if runs.RUN_ID_PATTERN.fullmatch(i)]
    return list(ids)


def _existing(run_ids: list[str]) -> list[RunInfo]:
    paths = [runs.run_path(None, run_id) for run_id in run_ids]
    return [runs.read_run(path, with_history=False) for path in paths if path.is_dir()]


def draw_retrain(dataset: str, seed: int, page: str) -> None:
    """One click: the best MLP and CNN recipes on permuted pixels, shrunk to a classroom run, then their results."""
    st.markdown(
        f"Train the pretrained recipes again on **permuted {TITLES[dataset]}** (seed {seed}), shrunk to "
        f"{CLASSROOM_IMAGES:,} images and {CLASSROOM_EPOCHS} epochs so a CPU finishes in minutes."
    )
    if st.button(
        "Retrain the best MLP and CNN on permuted pixels", key="retrain", type="primary", icon=":material/shuffle:"
    ):
        run_ids = submit_runs(page, permuted_retrain_configs(dataset, seed, CLASSROOM_IMAGES, CLASSROOM_EPOCHS))
        if run_ids:
            st.session_state[RETRAIN_STATE] = run_ids
            st.query_params[RETRAIN_PARAM] = ",".join(run_ids)
    run_ids = retrain_ids()
    infos = _existing(run_ids)
    if not infos:
        return
    st.dataframe(pd.DataFrame(tables.run_rows(infos, ["permuted"])), width="stretch", hide_index=True)
    live_curves([info.run_id for info in infos], metric="accuracy", key="retrain_curves")


def draw_my_run(run: RunInfo | None) -> None:
    """The run started from this page's Train panel: its curves (live) and its test accuracy."""
    if run is None:
        st.caption("Or set up a single run in the sidebar's **Train** panel and press **Start**.")
        return
    st.markdown(f"**Your run: {run.name}** · {run.state}")
    if run.metrics.get("accuracy") is not None:
        st.metric("Test accuracy", f"{100 * float(run.metrics['accuracy']):.2f}%")
    live_curves([run.run_id], metric="accuracy", key="permuted_run_curves")


def draw_replays(dataset: str, run: RunInfo | None) -> None:
    """Replay of the pretrained MLP or CNN on permuted pixels (or of this page's run), epoch by epoch."""
    section = replay_section("watch the MLP and the CNN learn permuted pixels", "preplay")
    if section is None:
        return
    with section:
        short = DATASET_SHORT[dataset]
        choices = {f"{short}_{kind}_permuted": f"{kind.upper()} on permuted pixels" for kind in ("mlp", "cnn")}
        infos = {name: pretrained_run(name) for name in choices}
        if run is not None:
            choices[run.run_id], infos[run.run_id] = f"your run: {run.name}", run
        chosen = st.segmented_control(
            "Replay", list(choices), format_func=choices.get, default=next(iter(choices)), key="preplay_model"
        )
        name = chosen if chosen in choices else next(iter(choices))
        info = infos[name]
        if info is None:
            missing_model_note(f"The pretrained model `{name}` is not installed yet", name)
            return
        draw_replay(info, key=f"preplay_{name}")
