"""Results of the MLPs-and-CNNs page: pretrained model and the student's run side by side, mistakes up close,
and the run's training replayed epoch by epoch (ui.replay)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.data.datasets import TITLES
from core.evaluation.readout import selected_cell
from core.figures import comparison_bar, confusion_heatmap, image_grid
from core.lab.compare import per_class_rows
from core.lab.permuted import DATASET_SHORT
from core.lab.samples import confusion_cell_indices, mistake_captions
from core.runs.store import ACTIVE_STATES, RunInfo
from ui.lab.data_view import run_test_images
from ui.replay import draw_replay_section
from ui.run_cache import pretrained_run, run_evaluation
from ui.state import large_text
from ui.train_panel import live_curves
from ui.widgets import missing_model_note

CELL_IMAGES = 32
MISTAKES = 24


def pretrained_name(dataset: str, kind: str) -> str | None:
    """The pretrained folder for a dataset and model kind, e.g. 'fashion_cnn'; None where none ships (CIFAR-10)."""
    short = DATASET_SHORT.get(dataset)
    return f"{short}_{kind}" if short else None


def _accuracy(info: RunInfo | None) -> float | None:
    value = (info.metrics or {}).get("accuracy") if info is not None else None
    return float(value) if value is not None else None


def _what(info: RunInfo | None) -> str:
    if info is None:
        return "not installed"
    config = info.config or {}
    dataset = config.get("data", {}).get("dataset", "?")
    return f"a {config.get('model', {}).get('kind', '?').upper()} on {TITLES.get(dataset, dataset)}"


def _differs(run: RunInfo, pretrained: RunInfo | None) -> bool:
    return pretrained is not None and _what(run) != _what(pretrained)


def draw_metrics(pretrained: RunInfo | None, name: str | None, run: RunInfo | None) -> None:
    """Test accuracy of the pretrained model and of the student's run, with the difference."""
    left, right = st.columns(2)
    before = _accuracy(pretrained)
    if name is None:
        left.info(
            "No pretrained model ships for this dataset: its images are not part of Clockwork. "
            "Train your own network; it appears on the right.",
            icon=":material/info:",
        )
    elif before is None:
        missing_model_note(f"The pretrained model `{name}` is not installed yet", name, left)
    else:
        left.metric(
            f"Pretrained {name}: test accuracy",
            f"{100 * before:.2f}%",
            help=pretrained.config.get("name", name) if pretrained else None,
        )
    mine = _accuracy(run)
    if run is not None and _differs(run, pretrained):
        right.caption(f"Your run trained {_what(run)}; the pretrained model is {_what(pretrained)}.")
    if run is None:
        right.info(
            "Press **Start** in the sidebar to train your own network; it appears here.", icon=":material/play_arrow:"
        )
    elif mine is None:
        right.metric(f"Your run: {run.name}", run.state)
    else:
        delta = None if before is None else f"{100 * (mine - before):+.2f} points vs pretrained"
        right.metric(f"Your run: {run.name}", f"{100 * mine:.2f}%", delta=delta)


def draw_curves(pretrained: RunInfo | None, name: str | None, run: RunInfo | None) -> None:
    """Training curves of the student's run (live while it trains) over the pretrained model's curves."""
    metric = st.segmented_control("Curve", ("loss", "accuracy"), default="loss", required=True, key="curve_metric")
    extra = [(f"pretrained {name}", pretrained.history)] if pretrained is not None and pretrained.history else []
    live_curves([run.run_id] if run is not None else [], metric=metric or "loss", key="lab_curves", extra=extra)


def _chosen_cell(event, class_names: list[str], evaluation: dict) -> tuple[int, int]:
    """The clicked cell, else the most confused pair, else the first class's correct cell."""
    selection = getattr(event, "selection", None) or {}
    cell = selected_cell(selection.get("points", []) if hasattr(selection, "get") else [], class_names)
    if cell is not None:
        return cell
    confused = np.asarray(evaluation.get("most_confused", np.zeros((0, 3))))
    return (int(confused[0][0]), int(confused[0][1])) if len(confused) else (0, 0)


def draw_confusion(info: RunInfo, evaluation: dict, key: str) -> None:
    """The 10x10 confusion heatmap; clicking a cell shows the test images behind it."""
    class_names = [str(name) for name in evaluation["class_names"]]
    fig = confusion_heatmap(
        evaluation["confusion"], class_names, title=f"Confusion matrix: {info.name}", large_text=large_text()
    )
    event = st.plotly_chart(fig, width="stretch", on_select="rerun", selection_mode="points", key=key)
    true_class, predicted_class = _chosen_cell(event, class_names, evaluation)
    indices = confusion_cell_indices(evaluation["y_true"], evaluation["predicted"], true_class, predicted_class)
    st.markdown(
        f"**True {class_names[true_class]}, predicted {class_names[predicted_class]}: "
        f"{len(indices)} test image(s).** Click another cell to see its images."
    )
    draw_images(
        info, evaluation, indices[:CELL_IMAGES], [f"test #{i}" for i in indices[:CELL_IMAGES]], key=f"{key}_images"
    )


def draw_images(info: RunInfo, evaluation: dict, indices: np.ndarray, captions: list[str], key: str) -> None:
    """Test images of a run's evaluation as a captioned grid (or why they cannot be shown)."""
    if len(indices) == 0:
        st.caption("No test images in this cell.")
        return
    images = run_test_images(info.config, indices, len(evaluation["y_true"]))
    if images is None:
        st.warning("The test images this run was evaluated on are not available here.", icon=":material/warning:")
        return
    st.plotly_chart(image_grid(images, captions, columns=8, large_text=large_text()), width="stretch", key=key)


def draw_mistakes(info: RunInfo, evaluation: dict) -> None:
    """The misclassified test images the model was most sure about, captioned 'predicted X / true Y'."""
    indices = np.asarray(evaluation["misclassified"])[:MISTAKES]
    class_names = [str(name) for name in evaluation["class_names"]]
    st.caption(
        f"{len(evaluation['misclassified'])} of {len(evaluation['y_true'])} test images are misclassified; "
        f"the {len(indices)} the model was most confident about:"
    )
    captions = mistake_captions(indices, evaluation["y_true"], evaluation["predicted"], class_names)
    draw_images(info, evaluation, indices, captions, key="mistake_images")


def draw_per_class(evaluations: dict[str, dict]) -> None:
    """Per-class test accuracy of every shown model as grouped bars."""
    first = next(iter(evaluations.values()))
    class_names = [str(name) for name in first["class_names"]]
    same_classes = {
        label: np.asarray(ev["per_class_accuracy"])
        for label, ev in evaluations.items()
        if [str(name) for name in ev["class_names"]] == class_names
    }
    rows = per_class_rows(class_names, same_classes)
    st.plotly_chart(
        comparison_bar(rows, x="class", y="accuracy", color="model", large_text=large_text()),
        width="stretch",
        key="per_class_bars",
    )


def _evaluated(pretrained: RunInfo | None, run: RunInfo | None) -> dict[str, tuple[RunInfo, dict]]:
    shown = {}
    for label, info in (("pretrained", pretrained), ("yours", run)):
        evaluation = run_evaluation(info) if info is not None else {}
        if evaluation.get("confusion") is not None:
            shown[label] = (info, evaluation)
    return shown


def draw_results(dataset: str, kind: str, run: RunInfo | None) -> None:
    """Metrics, curves, confusion matrix, mistakes and per-class accuracy for the pretrained model and yours."""
    name = pretrained_name(dataset, kind)
    pretrained = pretrained_run(name) if name else None
    st.subheader(f"Results: {kind.upper()} on {TITLES[dataset]}", anchor=False)
    draw_metrics(pretrained, name, run)
    draw_curves(pretrained, name, run)
    if run is not None and run.state in ACTIVE_STATES:
        draw_replay_section(run, "replay_live", f"watch {run.name} learn while it trains", expanded=True)
    shown = _evaluated(pretrained, run)
    if not shown:
        st.caption("Confusion matrix, mistakes and per-class accuracy appear when a model has been evaluated.")
        return
    labels = list(shown)
    which = st.segmented_control(
        "Look closer at",
        labels,
        default=labels[-1],
        required=True,
        key="closer",
        format_func=lambda label: f"{label}: {shown[label][0].name}",
    )
    info, evaluation = shown[which or labels[-1]]
    confusion_tab, mistakes_tab, per_class_tab = st.tabs(["Confusion matrix", "Mistakes", "Per-class accuracy"])
    with confusion_tab:
        draw_confusion(info, evaluation, key=f"confusion_{which}")
    with mistakes_tab:
        draw_mistakes(info, evaluation)
    with per_class_tab:
        draw_per_class({label: ev for label, (_, ev) in shown.items()})
    draw_replay_section(info, "replay", f"watch {info.name} learn, epoch by epoch")
