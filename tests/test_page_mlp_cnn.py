"""The MLPs-and-CNNs page: renders with pretrained results, its knobs reach config.json, Compare queues runs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from core.config import RunConfig
from core.data.datasets import load_dataset
from core.evaluation.metrics import evaluate_classifier, save_evaluation
from core.lab import tables
from core.lab.knobs import config_from_knobs, default_knobs, with_knobs
from core.lab.permuted import DATASET_SHORT
from core.lab.samples import confusion_cell_indices
from core.runs import jobs
from core.runs import store as runs
from core.runs.pretrain import RECIPES
from core.storage.atomic import write_json
from core.storage.paths import REPO_ROOT
from tests.conftest import open_app_page

NAMES = [
    f"{short}_{kind}{suffix}"
    for short in DATASET_SHORT.values()
    for kind in ("mlp", "cnn")
    for suffix in ("", "_permuted")
]


def standin_evaluation(dataset: str, seed: int) -> dict:
    """A classifier report on the real test labels: right for a seeded share of images, wrong for the rest."""
    y_test = np.asarray(load_dataset(dataset).y_test, np.int64)
    rng = np.random.default_rng(seed)
    predicted = np.where(rng.random(len(y_test)) < 0.6 + 0.04 * seed, y_test, rng.integers(0, 10, len(y_test)))
    probabilities = np.full((len(y_test), 10), 0.01)
    probabilities[np.arange(len(y_test)), predicted] = 0.91
    return evaluate_classifier(probabilities, y_test, load_dataset(dataset).class_names)


def write_finished_run(run_dir: Path, report: dict) -> None:
    """Turn a run folder into a finished run: done status, two epochs of history, metrics, evaluation."""
    runs.set_status(run_dir, state="done", finished=runs.now_iso())
    write_json(
        run_dir / "history.json",
        {
            "epochs": [
                {"epoch": 1, "loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.5},
                {"epoch": 2, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.6, "val_accuracy": 0.75},
            ],
            "batches": [],
        },
    )
    write_json(run_dir / "metrics.json", {"accuracy": float(report["accuracy"]), "params": 1000})
    save_evaluation(run_dir / "evaluation.npz", report)


def write_standins(root: Path) -> None:
    """Pretrained stand-ins without training: the recipes' configs with seeded evaluations on the real test labels."""
    for seed, name in enumerate(NAMES):
        config = RECIPES[name].config
        run_dir = runs.create_run(config, root, state="done")
        write_finished_run(run_dir, standin_evaluation(config.data.dataset, seed))
        run_dir.rename(root / name)


@pytest.fixture(scope="session")
def standin_pretrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real pretrained/ folder when it holds the 8 dataset models, else seconds-cheap stand-ins."""
    real = REPO_ROOT / "pretrained"
    if all((real / name / "metrics.json").is_file() for name in NAMES):
        return real
    root = tmp_path_factory.mktemp("pretrained")
    write_standins(root)
    return root


@pytest.fixture(autouse=True)
def lab_env(monkeypatch: pytest.MonkeyPatch, standin_pretrained: Path) -> None:
    """Pretrained results in place, no worker process, fresh Streamlit caches."""
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(standin_pretrained))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(page: str = "pages/mlp-cnn.py", **params: str) -> AppTest:
    return open_app_page(page, **params)


def queued_configs() -> list[dict]:
    return [info.config for info in runs.list_runs()]


def pretrained_accuracy(name: str) -> float:
    return float(runs.read_run(Path(pretrained_root()) / name).metrics["accuracy"])


def pretrained_root() -> str:
    return os.environ["CLOCKWORK_PRETRAINED"]


def test_page_renders_the_pretrained_model_of_the_chosen_dataset() -> None:
    at = open_page()
    metric = next(m for m in at.metric if m.label.startswith("Pretrained mnist_mlp"))
    assert metric.value == f"{100 * pretrained_accuracy('mnist_mlp'):.2f}%"
    assert any("Press **Start**" in info.value for info in at.info)


def test_dataset_picker_changes_the_sample_source_text() -> None:
    at = open_page()
    before = [c.value for c in at.caption if c.value.startswith(":material/database:")]
    at.segmented_control(key="dataset").set_value("fashion-mnist").run()
    after = [c.value for c in at.caption if c.value.startswith(":material/database:")]
    assert before != after and "Fashion-MNIST" in after[0] and "MNIST" in before[0]
    assert any(m.label.startswith("Pretrained fashion_mlp") for m in at.metric)


def test_start_queues_a_run_whose_config_has_the_knobs() -> None:
    at = open_page()
    at.radio(key="preset_mlp").set_value("custom").run()
    at.text_input(key="hidden").set_value("64,32")
    at.selectbox(key="activation").set_value("tanh")
    at.selectbox(key="opt").set_value("sgd")
    at.select_slider(key="lr").set_value(0.01)
    at.slider(key="epochs").set_value(2)
    at.select_slider(key="limit").set_value(1000).run()
    at.button(key="train_start_mlp-cnn").click().run()
    assert not at.exception
    (config,) = queued_configs()
    assert config["model"]["hidden"] == [64, 32] and config["model"]["activation"] == "tanh"
    assert config["optimizer"]["name"] == "sgd" and config["optimizer"]["learning_rate"] == 0.01
    assert config["epochs"] == 2 and config["data"]["limit_train"] == 1000 and config["data"]["dataset"] == "mnist"


def test_a_bad_hidden_layer_text_disables_start() -> None:
    at = open_page()
    at.radio(key="preset_mlp").set_value("custom").run()
    at.text_input(key="hidden").set_value("300,0").run()
    assert any("hidden layers" in error.value for error in at.error)
    assert at.button(key="train_start_mlp-cnn").disabled


def test_compare_queues_one_run_per_value_with_the_same_seed() -> None:
    at = open_page()
    at.selectbox(key="compare_knob").set_value("activation").run()
    at.multiselect(key="compare_activation").set_value(["relu", "tanh", "elu"]).run()
    at.button(key="compare_queue").click().run()
    assert not at.exception
    configs = queued_configs()
    assert sorted(c["name"] for c in configs) == ["act=elu", "act=relu", "act=tanh"]
    assert {c["seed"] for c in configs} == {0}
    assert {c["model"]["activation"] for c in configs} == {"relu", "tanh", "elu"}
    assert len(at.dataframe[-1].value) == 3
    group = at.query_params["compare"]
    group = group[0] if isinstance(group, list) else group
    assert set(group.split(",")) == {info.run_id for info in runs.list_runs()}


def test_compare_refuses_more_runs_than_may_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOCKWORK_MAX_QUEUED", "3")
    at = open_page()
    at.multiselect(key="compare_optimizer").set_value(["sgd", "adam"])
    at.multiselect(key="compare_learning_rate").set_value([1e-3, 1e-2]).run()
    assert at.button(key="compare_queue").disabled
    assert any("pick fewer values" in warning.value for warning in at.warning)


def inject_run(knobs: RunConfig, name: str, seed: int) -> str:
    run_dir = runs.create_run(config_from_knobs(knobs, name=name), state="running")
    write_finished_run(run_dir, standin_evaluation(knobs.data.dataset, seed))
    return run_dir.name


def test_a_finished_run_appears_beside_the_pretrained_model() -> None:
    run_id = inject_run(default_knobs(), "my mlp", seed=5)
    at = open_page(run=run_id)
    mine = next(m for m in at.metric if m.label.startswith("Your run: my mlp"))
    accuracy = float(runs.read_run(runs.run_path(None, run_id)).metrics["accuracy"])
    assert mine.value == f"{100 * accuracy:.2f}%"
    assert "points vs pretrained" in mine.delta


def test_the_confusion_cell_shows_the_images_behind_it() -> None:
    at = open_page()
    evaluation = standin_like_evaluation("mnist_mlp")
    true_class, predicted_class = (int(v) for v in evaluation["most_confused"][0][:2])
    count = len(confusion_cell_indices(evaluation["y_true"], evaluation["predicted"], true_class, predicted_class))
    names = [str(n) for n in evaluation["class_names"]]
    assert any(
        f"True {names[true_class]}, predicted {names[predicted_class]}: {count} test image(s)" in md.value
        for md in at.markdown
    )


def standin_like_evaluation(name: str) -> dict:
    from core.evaluation.metrics import load_evaluation

    return load_evaluation(Path(pretrained_root()) / name / "evaluation.npz")


def test_comparison_table_exports_csv_and_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    exported: dict[str, str] = {}
    original = DeltaGenerator.download_button

    def recording(self, label, data, *args, **kwargs):
        exported[kwargs.get("file_name", label)] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    ids = [
        inject_run(with_knobs(default_knobs(), {"optimizer.name": name}), f"opt={name} lr=1e-3", seed=i)
        for i, name in enumerate(["sgd", "adam"])
    ]
    at = open_page(compare=",".join(ids))
    infos = [runs.read_run(runs.run_path(None, run_id), with_history=False) for run_id in ids]
    rows = tables.run_rows(infos, ["optimizer"])
    assert exported["comparison.csv"] == tables.to_csv(rows)
    assert exported["comparison.md"] == tables.to_markdown(rows)
    assert "opt=adam lr=1e-3" in exported["comparison.csv"] and len(at.dataframe[-1].value) == 2
