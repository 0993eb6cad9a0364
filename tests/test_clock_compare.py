"""core.lab.clock_compare and its chart: the rows, scores and verdicts the Compare tab shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.figures.clocks import comparison_figure
from core.lab import clock_compare
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
    rows = clock_compare.comparison_rows(infos)
    assert [row["run"] for row in rows] == ["clock_regression", "clock_sincos", "mine"]
    assert [row["source"] for row in rows] == ["pretrained", "pretrained", "yours"]


def test_comparison_row_turns_shares_into_percent_and_keeps_minutes():
    metrics = {"common_sense_error_mean_min": 3.14159, "common_sense_error_median_min": 1.0, "within_1_min": 0.5,
               "within_5_min": 0.8, "within_10_min": 0.95, "hour_accuracy": 0.97, "accuracy": 0.4,
               "params": 1234.0, "train_time_s": 61.26}
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
    rows = clock_compare.comparison_rows([_info("a", True, metrics={"common_sense_error_mean_min": 30.0}),
                                      _info("b", False, metrics={"common_sense_error_mean_min": 2.0})])
    fig = comparison_figure(clock_compare.scored_rows(rows), clock_compare.COURSE_BAR_MIN, clock_compare.PEERS_BEST_MIN)
    assert fig.layout.yaxis.type == "log"
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [clock_compare.PEERS_BEST_MIN, clock_compare.COURSE_BAR_MIN]
    assert list(fig.data[0].x) == ["a", "b"]
    labels = {a.text: a.y for a in fig.layout.annotations if "min" in a.text}
    assert labels == {"course bar: 10 min": 1.0, "peers' best: ~1.7 min": pytest.approx(np.log10(1.7))}
    low, high = fig.layout.yaxis.range
    assert low < np.log10(1.7) and high > np.log10(30.0)


def test_verdict_places_an_error_against_the_course_bar_and_peers():
    assert "above the course bar" in clock_compare.verdict(12.0)
    assert "under the course bar" in clock_compare.verdict(4.0)
    assert "peers' best" in clock_compare.verdict(1.5)
    assert clock_compare.verdict(None) == "No score yet."
