"""Tests for core.lab.clock_lab: the numbers and picks the "Tell the time" page shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.clocks.time import to_minutes
from core.lab import clock_lab
from core.runs.store import RunInfo


def _info(run_id: str, pretrained: bool, dataset: str = "clocks", metrics: dict | None = None,
          encoding: str = "sincos", state: str = "done") -> RunInfo:
    config = {"name": run_id, "encoding": encoding, "epochs": 3,
              "data": {"dataset": dataset, "source": "render", "clock_difficulty": "assignment", "clock_size": 150}}
    return RunInfo(run_id=run_id, path=Path("/nowhere") / run_id, config=config, status={"state": state},
                   metrics=metrics or {}, is_pretrained=pretrained)


def test_comparison_rows_keep_only_clock_runs_with_pretrained_in_lab_order_first():
    infos = [_info("mine", False), _info("clock_sincos", True), _info("fashion_mlp", True, dataset="fashion-mnist"),
             _info("clock_regression", True, encoding="regression")]
    rows = clock_lab.comparison_rows(infos)
    assert [row["run"] for row in rows] == ["clock_regression", "clock_sincos", "mine"]
    assert [row["source"] for row in rows] == ["pretrained", "pretrained", "yours"]


def test_comparison_row_turns_shares_into_percent_and_keeps_minutes():
    metrics = {"common_sense_error_mean_min": 3.14159, "common_sense_error_median_min": 1.0, "within_1_min": 0.5,
               "within_5_min": 0.8, "within_10_min": 0.95, "hour_accuracy": 0.97, "accuracy": 0.4,
               "params": 1234.0, "train_time_s": 61.26}
    row = clock_lab.comparison_row(_info("r", False, metrics=metrics, encoding="classes-72"))
    assert row["mean error (min)"] == 3.14
    assert row["within 5 min (%)"] == 80.0
    assert row["class accuracy (%)"] == 40.0
    assert row["hour accuracy (%)"] == 97.0
    assert row["parameters"] == 1234
    assert row["train time (s)"] == 61.3
    assert row["encoding"].startswith("72 classes")


def test_comparison_row_leaves_missing_scores_empty():
    row = clock_lab.comparison_row(_info("queued", False, state="queued"))
    assert row["mean error (min)"] is None and row["class accuracy (%)"] is None
    assert clock_lab.scored_rows([row]) == []


def test_comparison_figure_uses_a_log_axis_and_draws_the_reference_lines():
    rows = clock_lab.comparison_rows([_info("a", True, metrics={"common_sense_error_mean_min": 30.0}),
                                      _info("b", False, metrics={"common_sense_error_mean_min": 2.0})])
    fig = clock_lab.comparison_figure(rows)
    assert fig.layout.yaxis.type == "log"
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [clock_lab.PEERS_BEST_MIN, clock_lab.COURSE_BAR_MIN]
    assert list(fig.data[0].x) == ["a", "b"]
    labels = {a.text: a.y for a in fig.layout.annotations if "min" in a.text}
    assert labels == {"course bar: 10 min": 1.0, "peers' best: ~1.7 min": pytest.approx(np.log10(1.7))}
    low, high = fig.layout.yaxis.range
    assert low < np.log10(1.7) and high > np.log10(30.0)


def test_verdict_places_an_error_against_the_course_bar_and_peers():
    assert "above the course bar" in clock_lab.verdict(12.0)
    assert "under the course bar" in clock_lab.verdict(4.0)
    assert "peers' best" in clock_lab.verdict(1.5)
    assert clock_lab.verdict(None) == "No score yet."


def test_contact_sheet_minutes_are_distinct_sorted_and_cover_the_dial():
    minutes = clock_lab.contact_sheet_minutes(24, seed=3)
    assert len(set(minutes.tolist())) == 24
    assert np.all(np.diff(minutes) > 0)
    assert np.bincount(minutes // 60, minlength=12).tolist() == [2] * 12
    assert np.array_equal(minutes, clock_lab.contact_sheet_minutes(24, seed=3))


def test_contact_sheet_indices_spread_over_the_times_in_order():
    labels = np.stack([np.repeat(np.arange(12), 60), np.tile(np.arange(60), 12)], axis=1)
    picks = clock_lab.contact_sheet_indices(labels, 12)
    minutes = to_minutes(labels[picks])
    assert len(picks) == 12 and np.all(np.diff(minutes) > 0)
    assert minutes[0] < 60 and minutes[-1] >= 660


def test_contact_sheet_indices_return_everything_when_there_are_few_images():
    labels = np.array([[3, 0], [1, 0]])
    assert clock_lab.contact_sheet_indices(labels, 24).tolist() == [1, 0]


def test_data_summary_counts_coverage_and_images_per_hour():
    labels = np.array([[0, 0], [0, 0], [12, 30], [5, 59]])   # hour 12 counts as 0
    images = np.zeros((4, 20, 30), np.uint8)
    summary = clock_lab.data_summary(images, labels)
    assert (summary["count"], summary["height"], summary["width"]) == (4, 20, 30)
    assert summary["distinct_times"] == 3
    assert summary["per_time_max"] == 2 and summary["per_time_min"] == 0
    assert summary["per_hour"].tolist() == [3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert summary["times_seen_twice"] == 1


def test_training_problem_refuses_too_few_images():
    few = clock_lab.data_summary(np.zeros((3, 4, 4), np.uint8), np.array([[1, 0], [2, 0], [3, 0]]))
    labels = np.stack([np.arange(60) % 12, np.arange(60)], axis=1)
    enough = clock_lab.data_summary(np.zeros((60, 4, 4), np.uint8), labels)
    assert "only 3 images" in clock_lab.training_problem(few)
    assert clock_lab.training_problem(enough) == ""


def test_class_budget_gives_25_images_per_class_and_20_in_train_for_720_classes():
    row = next(r for r in clock_lab.class_budget(18000) if r["classes"] == 720)
    assert row["images per class"] == 25.0
    assert row["in train split"] == 20.0
    assert row["fitted on (after validation)"] == 18.0
    assert row["minutes per class"] == 1


def test_seam_example_shows_ten_minutes_apart_but_710_minutes_as_targets():
    seam = clock_lab.seam_example()
    assert (seam["before"], seam["after"]) == ("11:55", "12:05")
    assert seam["true_gap_min"] == 10.0
    assert seam["target_gap_min"] == pytest.approx(710.0)
    assert seam["midpoint"] == "6:00"


@pytest.mark.parametrize("name, expected", [
    ("classes-24", "class 7 of 24 (3:30-3:59)"),
    ("classes-720", "class 220 of 720 (3:40)"),
    ("regression", "the number 3.6667"),
    ("multihead", "hour class 3 of 12 and minute 0.667"),
])
def test_target_description_names_the_target_of_a_time(name, expected):
    assert clock_lab.target_description(name, 3 * 60 + 40) == expected


def test_target_description_of_sincos_changes_with_the_time():
    three, nine = clock_lab.target_description("sincos", 180), clock_lab.target_description("sincos", 540)
    assert three.startswith("hour circle (sin, cos) = (1.000, 0.000)")
    assert nine.startswith("hour circle (sin, cos) = (-1.000, ")


def test_save_user_files_writes_the_assignment_format_under_the_session_folder(tmp_path):
    images, labels = np.full((3, 8, 8), 7, np.uint8), np.array([[1, 2], [3, 4], [5, 6]])
    folder = clock_lab.save_user_files("abc123", images, labels, root=tmp_path)
    assert folder == tmp_path / "uploads" / "abc123"
    assert np.array_equal(np.load(folder / "images.npy", allow_pickle=False), images)
    assert np.load(folder / "labels.npy", allow_pickle=False).dtype == np.int64


def test_user_files_dir_refuses_a_session_id_that_could_escape_the_folder(tmp_path):
    with pytest.raises(ValueError, match="session id"):
        clock_lab.user_files_dir("../x", root=tmp_path)


def test_resolve_clock_paths_accepts_a_folder_or_the_images_file(tmp_path):
    (tmp_path / "images.npy").write_bytes(b"x")
    (tmp_path / "labels.npy").write_bytes(b"y")
    expected = (tmp_path / "images.npy", tmp_path / "labels.npy")
    assert clock_lab.resolve_clock_paths(str(tmp_path)) == expected
    assert clock_lab.resolve_clock_paths(str(tmp_path / "images.npy")) == expected


@pytest.mark.parametrize("setup, message", [
    ("nothing", "no such file or folder"),
    ("no labels", "missing file"),
    ("empty", "enter a folder"),
])
def test_resolve_clock_paths_names_the_problem(tmp_path, setup, message):
    if setup == "no labels":
        (tmp_path / "images.npy").write_bytes(b"x")
    text = {"nothing": str(tmp_path / "gone.npy"), "no labels": str(tmp_path), "empty": "  "}[setup]
    with pytest.raises(clock_lab.ClockPathError, match=message):
        clock_lab.resolve_clock_paths(text)
