"""core.lab.clock_compare and its chart: the rows, scores and verdicts the Compare tab shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.figures.clocks import comparison_figure
from core.lab import clock_compare, tables
from core.runs.store import RunInfo


def _info(
    run_id: str,
    pretrained: bool,
    dataset: str = "clocks",
    metrics: dict | None = None,
    encoding: str = "sincos",
    state: str = "done",
) -> RunInfo:
    config = {
        "name": run_id,
        "encoding": encoding,
        "epochs": 3,
        "data": {"dataset": dataset, "source": "render", "clock_difficulty": "assignment", "clock_size": 150},
    }
    return RunInfo(
        run_id=run_id,
        path=Path("/nowhere") / run_id,
        config=config,
        status={"state": state},
        metrics=metrics or {},
        is_pretrained=pretrained,
    )


def test_comparison_rows_keep_only_clock_runs_with_pretrained_in_lab_order_first():
    infos = [
        _info("mine", False),
        _info("clock_sincos", True),
        _info("fashion_mlp", True, dataset="fashion-mnist"),
        _info("clock_regression", True, encoding="regression"),
    ]
    rows = clock_compare.comparison_rows(infos)
    assert [row["run"] for row in rows] == ["clock_regression", "clock_sincos", "mine"]
    assert [row["source"] for row in rows] == ["pretrained", "pretrained", "yours"]


def test_comparison_row_turns_shares_into_percent_and_keeps_minutes():
    metrics = {
        "common_sense_error_mean_min": 3.14159,
        "common_sense_error_median_min": 1.0,
        "within_1_min": 0.5,
        "within_5_min": 0.8,
        "within_10_min": 0.95,
        "hour_accuracy": 0.97,
        "accuracy": 0.4,
        "params": 1234.0,
        "train_time_s": 61.26,
    }
    row = clock_compare.comparison_row(_info("r", False, metrics=metrics, encoding="classes-72"))
    assert row["mean error (min)"] == 3.14
    assert row["within 5 min (%)"] == 80.0
    assert row["class accuracy (%)"] == 40.0
    assert row["hour accuracy (%)"] == 97.0
    assert row["parameters"] == 1234
    assert row["train time (s)"] == 61.3
    assert row["encoding"].startswith("72 classes")


def test_comparison_row_leaves_missing_scores_empty():
    row = clock_compare.comparison_row(_info("queued", False, state="queued"))
    assert row["mean error (min)"] is None and row["class accuracy (%)"] is None
    assert clock_compare.scored_rows([row]) == []


def test_comparison_figure_uses_a_log_axis_and_draws_the_reference_lines():
    rows = clock_compare.comparison_rows(
        [
            _info("a", True, metrics={"common_sense_error_mean_min": 30.0}),
            _info("b", False, metrics={"common_sense_error_mean_min": 2.0}),
        ]
    )
    fig = comparison_figure(clock_compare.scored_rows(rows), clock_compare.COURSE_BAR_MIN, clock_compare.PEERS_BEST_MIN)
    assert fig.layout.yaxis.type == "log"
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [
        clock_compare.PEERS_BEST_MIN,
        clock_compare.COURSE_BAR_MIN,
    ]
    assert list(fig.data[0].x) == ["a", "b"]
    labels = {a.text: a.y for a in fig.layout.annotations if "min" in a.text}
    assert labels == {"course bar: 10 min": 1.0, "peers' best: ~1.7 min": pytest.approx(np.log10(1.7))}
    low, high = fig.layout.yaxis.range
    assert low < np.log10(1.7) and high > np.log10(30.0)


def test_verdict_places_an_error_against_the_course_bar_and_the_published_result_on_real_photos():
    assert clock_compare.verdict(12.0) == "12.00 min: above the course bar of 10 min."
    assert clock_compare.verdict(9.0) == (
        "9.00 min: under the course bar of 10 min; the best published result on the real photos is about 8.5 min."
    )
    assert clock_compare.verdict(4.0).endswith("measured on rendered clocks, which are not the real photos.")
    assert "one report" not in clock_compare.verdict(4.0)
    assert clock_compare.verdict(4.0, rendered=False).endswith("only if your files are the real photos.")
    assert clock_compare.verdict(None) == "No score yet."


def test_a_claim_of_1_7_min_is_named_as_one_reports_claim_not_the_best():
    sentence = clock_compare.verdict(1.5)
    assert "one report claims ~1.7 min on its own split" in sentence
    assert "peers' best" not in sentence and "as good as" not in sentence
    assert "8.5 min" in clock_compare.COMPARISON_NOTE and "one report's claim" in clock_compare.COMPARISON_NOTE
    assert "not a score on the real photos" in clock_compare.COMPARISON_NOTE


def test_files_columns_sit_beside_the_own_split_and_say_why_a_row_has_none():
    rows = clock_compare.comparison_rows(
        [
            _info("clock_sincos", True, metrics={"common_sense_error_mean_min": 3.0}),
            _info("clock_72", True),
            _info("new", False),
        ]
    )
    report = {
        "common_sense_error_mean_min": 41.237,
        "common_sense_error_median_min": 30.0,
        "within_5_min": 0.1,
        "within_10_min": 0.25,
        "hour_accuracy": 0.5,
        "errors": np.zeros(1440),
    }
    merged = clock_compare.with_files_columns(
        rows, {"clock_sincos": report}, {"clock_72": "could not be scored: damaged"}
    )
    broken, sincos, new = merged  # pretrained in the lab's order, then yours
    assert sincos["mean error (min)"] == 3.0 and sincos["your files: mean error (min)"] == 41.24
    assert sincos["your files: within 10 min (%)"] == 25.0 and sincos["your files: clocks scored"] == 1440
    assert (
        broken["your files: mean error (min)"] is None and broken["your files: note"] == "could not be scored: damaged"
    )
    assert new["your files: note"] == "not scored yet"
    side_by_side = clock_compare.files_table(merged)[1]
    assert list(side_by_side)[:3] == ["run", "encoding", "own test split: mean error (min)"]
    csv_header = tables.to_csv(merged).splitlines()[0]
    assert "mean error (min)" in csv_header and "your files: mean error (min)" in csv_header


def test_a_run_trained_on_the_files_is_recognised_by_its_folder(tmp_path):
    config = {"data": {"dataset": "clocks", "source": "path", "path": str(tmp_path / "mine")}}
    assert clock_compare.trained_on_files(config, [None, str(tmp_path / "mine")])
    assert clock_compare.trained_on_files(
        {"data": {**config["data"], "path": str(tmp_path / "mine" / "images.npy")}}, [str(tmp_path / "mine")]
    )
    assert not clock_compare.trained_on_files(config, [str(tmp_path / "other")])
    assert not clock_compare.trained_on_files({"data": {"source": "render"}}, [str(tmp_path / "mine")])


def test_the_sample_note_says_how_many_clocks_were_scored():
    assert clock_compare.sample_note(1440, 18000).startswith("Scored on 1,440 of your 18,000 images")
    assert clock_compare.sample_note(300, 300) == "Scored on all 300 of your images."
