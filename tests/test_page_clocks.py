"""The "Tell the time" page in AppTest: tabs render, the encodings follow the time, uploads, Start queues a run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.clocks.dataset import balanced_times
from core.clocks.render import DIFFICULTY_NOTES
from core.clocks.time import to_labels, to_minutes
from core.evaluation.metrics import evaluate_clock, save_evaluation, summary
from core.lab.clock_compare import PRETRAINED_CLOCKS
from core.lab.clock_runs import default_clock_run
from core.models.encodings import get_encoding
from core.runs import jobs
from core.runs import store as runs
from core.runs.pretrain import RECIPES
from core.storage import paths
from core.storage.atomic import write_json
from tests.conftest import npy_bytes, page_text

PAGE = "pages/clocks.py"
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def write_stand_in(folder: Path, name: str, noise_minutes: int, seed: int) -> None:
    """A pretrained-like clock run folder with scores from noisy targets (no model: seconds, not minutes)."""
    config = RECIPES[name].config
    labels = balanced_times(144, seed)
    rng = np.random.default_rng(seed)
    noisy = to_labels(to_minutes(labels) + rng.integers(-noise_minutes, noise_minutes + 1, len(labels)))
    encoding = get_encoding(config.encoding, label_smoothing=0.1, soft_sigma=2.0)
    report = evaluate_clock(encoding, encoding.encode(noisy), labels)
    folder.mkdir(parents=True)
    write_json(folder / "config.json", config.to_dict())
    write_json(folder / "status.json", {"state": "done", "reason": "", "created": "2026-01-01T00:00:00+00:00"})
    write_json(folder / "history.json", {"epochs": [], "batches": []})
    write_json(folder / "metrics.json", {**summary(report), "params": 1000 + seed, "train_time_s": 60.0 + seed})
    save_evaluation(folder / "evaluation.npz", report)


@pytest.fixture(scope="session")
def pretrained_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real pretrained/ folder when it holds every clock model, else stand-ins in a session folder."""
    real = paths.pretrained_dir()
    if all((real / name / "metrics.json").is_file() for name in PRETRAINED_CLOCKS):
        return real
    root = tmp_path_factory.mktemp("pretrained-clocks")
    for seed, name in enumerate(PRETRAINED_CLOCKS):
        write_stand_in(root / name, name, noise_minutes=2 + 3 * seed, seed=seed)
    return root


@pytest.fixture(autouse=True)
def page_env(monkeypatch: pytest.MonkeyPatch, pretrained_root: Path) -> list[int]:
    """Stand-in pretrained models, fresh caches, and no worker process (counts the calls instead)."""
    calls: list[int] = []
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(pretrained_root))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: calls.append(1) or True)
    st.cache_data.clear()
    st.cache_resource.clear()
    return calls


def open_page(tab: str = "Data") -> AppTest:
    """The page with one tab open (bound tabs run only the open tab's code)."""
    at = AppTest.from_file(APP, default_timeout=60).run()  # the home page first, as a browser would
    at.switch_page(PAGE)
    if tab != "Data":
        at.query_params["clk_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


TAB_WIDGETS = {
    "Data": "clk_difficulty",
    "Encodings": "clk_time",
    "Compare": "clk_csv",
    "Confusion & circle": "res_classes",
    "Inspector": "insp_run",
    "Inside": "inside_clk_run",
}


@pytest.mark.parametrize("tab", list(TAB_WIDGETS))
def test_each_tab_runs_only_its_own_views(tab):
    at = open_page(tab)
    assert [t.label for t in at.tabs] == list(TAB_WIDGETS)
    shown = {name for name, key in TAB_WIDGETS.items() if key in at.session_state}
    assert shown == {tab}


def test_the_encodings_tab_explains_the_seam_with_the_regression_model():
    at = open_page("Encodings")
    assert "Why plain regression breaks at 12:00" in [h.value for h in at.subheader]
    assert "**11:55** and **12:05** are 10 minutes apart" in page_text(at)
    assert "not installed yet" not in page_text(at)


def comparison_table(at: AppTest):
    return next(frame.value for frame in at.dataframe if "mean error (min)" in frame.value.columns)


def test_the_compare_tab_lists_every_pretrained_encoding_with_its_scores():
    at = open_page("Compare")
    table = comparison_table(at)
    assert list(table["run"])[: len(PRETRAINED_CLOCKS)] == list(PRETRAINED_CLOCKS)
    assert set(table["network"]) == {"polar CNN", "plain CNN"}
    assert table["mean error (min)"].notna().all()
    assert "course bar" in page_text(at)


def test_changing_the_time_changes_the_explained_targets():
    at = open_page("Encodings")
    before = page_text(at)
    assert "Target for 3:40:** class 7 of 24 (3:30-3:59)" in before
    at.select_slider(key="clk_time").set_value(10 * 60 + 5).run()
    after = page_text(at)
    assert not at.exception
    assert "Target for 10:05:** class 20 of 24 (10:00-10:29)" in after
    assert "Target for 3:40" not in after


def test_a_shared_link_opens_the_encodings_at_its_time():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE)
    at.query_params.update({"clk_tab": "Encodings", "clk_time": "10:05", "clk_sigma": "5.0"})
    at.run()
    assert not at.exception
    assert "Target for 10:05:** class 605 of 720 (10:05), spread over neighbours with sigma 5 min" in page_text(at)


def test_the_data_tab_follows_the_chosen_difficulty():
    at = open_page()
    assert "**assignment**" in page_text(at)
    at.selectbox(key="clk_difficulty").set_value("hard").run()
    at.select_slider(key="clk_side_time").set_value(125).run()
    assert not at.exception
    assert f"**hard**: {DIFFICULTY_NOTES['hard']}" in page_text(at)


def test_one_time_is_rendered_once_per_difficulty_side_by_side():

    from ui.clocks.data_tab import difficulty_row

    row = difficulty_row(125, 75, 0)
    assert row.shape == (len(DIFFICULTY_NOTES), 75, 75) and row.dtype == np.uint8
    assert not np.array_equal(row[0], row[2])


def open_user_files() -> AppTest:
    at = open_page()
    at.segmented_control(key="clk_data").set_value("Your files").run()
    assert not at.exception
    return at


def upload(at: AppTest, images: bytes, labels: bytes) -> AppTest:
    at.file_uploader(key="clk_up_images").set_value(("images.npy", images, "application/octet-stream"))
    at.file_uploader(key="clk_up_labels").set_value(("labels.npy", labels, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception
    return at


def good_files(n: int = 48, size: int = 75, repeats: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """n distinct times, each `repeats` times (the split by time needs a time twice to test on it)."""
    labels = np.tile(balanced_times(n, 1), (repeats, 1))
    n = len(labels)
    images = np.random.default_rng(0).integers(0, 256, (n, size, size), dtype=np.uint8)
    return images, labels


def test_uploading_good_files_shows_their_summary_and_can_be_trained_on():
    images, labels = good_files()
    at = upload(open_user_files(), npy_bytes(images), npy_bytes(labels))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Images"] == "96"
    assert metrics["Image size"] == "75 x 75 px"
    assert metrics["Times covered"] == "48 of 720"
    at.button(key="clk_use_files").click().run()
    assert not at.exception
    folder = Path(at.session_state["clocks_user_path"])
    assert folder.parent == paths.runs_dir() / "uploads"
    assert np.array_equal(np.load(folder / "labels.npy", allow_pickle=False), labels)
    assert at.radio(key="clk_train_source").value == "path"
    at.button(key="train_start_clocks").click().run()
    assert not at.exception
    data = runs.list_runs()[0].config["data"]
    assert (data["source"], data["path"]) == ("path", str(folder))


@pytest.mark.parametrize("what", ["float labels", "wrong shape", "random bytes"])
def test_uploading_bad_files_shows_the_problem_without_an_exception(what):
    images, labels = good_files()
    if what == "float labels":
        labels_bytes, images_bytes = npy_bytes(labels.astype(np.float64) + 0.5), npy_bytes(images)
    elif what == "wrong shape":
        labels_bytes, images_bytes = npy_bytes(labels[:, :1]), npy_bytes(images)
    else:
        labels_bytes, images_bytes = npy_bytes(labels), np.random.default_rng(1).bytes(500)
    at = upload(open_user_files(), images_bytes, labels_bytes)
    assert len(at.error) == 1
    assert at.error[0].value.startswith("These files cannot be used:")
    assert not at.metric


def test_a_local_path_that_does_not_exist_is_reported(tmp_path):
    at = open_user_files()
    at.radio(key="clk_user_how").set_value("Local path").run()
    at.text_input(key="clk_user_path").input(str(tmp_path / "missing")).run()
    at.button(key="clk_user_load").click().run()
    assert not at.exception
    assert "no such file or folder" in at.error[0].value


def test_a_local_folder_with_good_files_is_loaded(tmp_path):
    from core.clocks.dataset import write_assignment_files

    images, labels = good_files(12)
    write_assignment_files(tmp_path, images, labels)
    at = open_user_files()
    at.radio(key="clk_user_how").set_value("Local path").run()
    at.text_input(key="clk_user_path").input(str(tmp_path)).run()
    at.button(key="clk_user_load").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Images"] == "24"


def test_too_few_files_are_shown_but_not_offered_for_training():
    images, labels = good_files(48, repeats=1)
    at = upload(open_user_files(), npy_bytes(images), npy_bytes(labels))
    assert {m.label: m.value for m in at.metric}["Images"] == "48"
    assert "only 48 images" in at.warning[0].value
    assert not [b for b in at.button if b.key == "clk_use_files"]


def test_start_queues_a_clock_run_with_the_chosen_encoding(page_env):
    at = open_page()
    at.selectbox(key="clk_train_encoding").set_value("classes-72").run()
    at.slider(key="clk_train_sigma_classes-72").set_value(2.0).run()
    at.button(key="train_start_clocks").click().run()
    assert not at.exception
    queued = runs.list_runs()
    assert len(queued) == 1 and page_env
    config = queued[0].config
    assert config["encoding"] == "classes-72" and config["soft_label_sigma"] == 2.0
    assert config["data"]["dataset"] == "clocks" and config["model"]["kind"] == "clock_cnn"
    assert any(e.label.startswith("Your run: clock classes-72") for e in at.expander)


def test_the_default_clock_run_is_short_and_starts_from_the_pretrained_backbone(page_env):
    at = open_page()
    at.button(key="train_start_clocks").click().run()
    config = runs.list_runs()[0].config
    assert config == default_clock_run().to_dict()
    assert config["init_from"] == "pretrained/clock_sincos" and config["data"]["clock_size"] == 75
    assert "pretrained/clock_sincos" in page_text(at)


def test_the_plain_cnn_starts_from_random_weights(page_env):
    at = open_page()
    at.radio(key="clk_train_network").set_value("plain").run()
    assert not [t for t in at.toggle if t.key == "clk_train_warm"]
    at.button(key="train_start_clocks").click().run()
    config = runs.list_runs()[0].config
    assert config["model"]["preset"] == "plain" and config["init_from"] == ""


def test_a_finished_run_of_another_session_joins_the_comparison_when_asked(pretrained_root):
    at = open_page("Compare")
    folder = paths.runs_dir()
    source = pretrained_root / "clock_sincos"
    config = dataclasses.replace(RECIPES["clock_sincos"].config, name="my sincos")
    run_dir = runs.create_run(config, folder, state="done", owner="someone else")
    for file in ("metrics.json", "evaluation.npz"):
        (run_dir / file).write_bytes((source / file).read_bytes())
    st.cache_data.clear()
    at.run()
    assert "my sincos" not in list(comparison_table(at)["run"])
    at.toggle(key="clk_mine").set_value(False).run()
    assert not at.exception
    assert "my sincos" in list(comparison_table(at)["run"])
