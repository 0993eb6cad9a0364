"""core.lab.clock_encodings: the worked numbers the Encodings tab explains the label encodings with."""

from __future__ import annotations

import pytest

from core.lab import clock_encodings


def test_hour_labels_name_hour_zero_twelve():
    assert clock_encodings.hour_labels() == ["12", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]


def test_class_budget_gives_25_images_per_class_and_20_in_train_for_720_classes():
    row = next(r for r in clock_encodings.class_budget(18000) if r["classes"] == 720)
    assert row["images per class"] == 25.0
    assert row["in train split"] == 20.0
    assert row["fitted on (after validation)"] == 18.0
    assert row["minutes per class"] == 1


def test_seam_example_shows_ten_minutes_apart_but_710_minutes_as_targets():
    seam = clock_encodings.seam_example()
    assert (seam["before"], seam["after"]) == ("11:55", "12:05")
    assert seam["true_gap_min"] == 10.0
    assert seam["target_gap_min"] == pytest.approx(710.0)
    assert seam["midpoint"] == "6:00"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("classes-24", "class 7 of 24 (3:30-3:59)"),
        ("classes-720", "class 220 of 720 (3:40)"),
        ("regression", "the number 3.6667"),
        ("multihead", "hour class 3 of 12 and minute 0.667"),
    ],
)
def test_target_description_names_the_target_of_a_time(name, expected):
    assert clock_encodings.target_description(name, 3 * 60 + 40) == expected


def test_target_description_of_sincos_changes_with_the_time():
    three, nine = clock_encodings.target_description("sincos", 180), clock_encodings.target_description("sincos", 540)
    assert three.startswith("hour circle (sin, cos) = (1.000, 0.000)")
    assert nine.startswith("hour circle (sin, cos) = (-1.000, ")
