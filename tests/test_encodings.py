"""Label encodings: targets, decoding and the common-sense error, checked against hand-worked times."""

import numpy as np
import pytest

from core.clocks.time import common_sense_error, format_time, to_labels, to_minutes
from core.models.encodings import CLOCK_ENCODINGS, Classes, encoding_from_outputs, get_encoding

ALL_TIMES = np.array([[h, m] for h in range(12) for m in range(60)])


def perfect_outputs(encoding, labels):
    """Network outputs that match the encoded targets exactly (one-hot for sparse class targets)."""
    outputs = {}
    for name, target in encoding.encode(labels).items():
        if target.ndim == 1:
            width = {"hour": 12, "time_class": getattr(encoding, "n", 0)}[name]
            target = np.eye(width)[target]
        outputs[name] = target
    return outputs


def test_common_sense_error_wraps_at_twelve_hours():
    assert common_sense_error(11 * 60 + 55, 5) == 10
    assert common_sense_error(0, 360) == 360
    assert common_sense_error(719, 0) == 1


def test_three_thirty_is_210_minutes_and_reads_back():
    assert to_minutes(np.array([[3, 30]])) == 210
    assert format_time(210) == "3:30"
    assert format_time(0) == "12:00"
    assert to_labels(np.array([719.6])).tolist() == [[0, 0]]


def test_regression_target_is_hours_as_a_float():
    assert get_encoding("regression").encode(np.array([[3, 30]]))["time"][0, 0] == pytest.approx(3.5)


@pytest.mark.parametrize("name", [n for n in CLOCK_ENCODINGS if not n.startswith("classes-")])
def test_exact_outputs_decode_to_the_exact_time(name):
    encoding = get_encoding(name)
    decoded = encoding.decode(perfect_outputs(encoding, ALL_TIMES))
    assert common_sense_error(decoded, to_minutes(ALL_TIMES)).max() < 1e-3


@pytest.mark.parametrize("n", [24, 72, 180, 720])
def test_class_decoding_is_off_by_at_most_half_a_class(n):
    encoding = get_encoding(f"classes-{n}")
    decoded = encoding.decode(perfect_outputs(encoding, ALL_TIMES))
    assert common_sense_error(decoded, to_minutes(ALL_TIMES)).max() <= (720 // n - 1) / 2


def test_class_of_a_time_is_floor_of_minutes_over_width():
    assert Classes(24).classes_of(np.array([0, 29, 30, 719])).tolist() == [0, 0, 1, 23]


def test_classes_must_divide_720():
    with pytest.raises(ValueError, match="divide 720"):
        get_encoding("classes-7")


def test_soft_targets_wrap_around_twelve_and_sum_to_one():
    targets = get_encoding("classes-720", soft_sigma=2.0).encode(np.array([[0, 0]]))["time_class"][0]
    assert targets.sum() == pytest.approx(1.0, abs=1e-5)
    assert targets.argmax() == 0
    assert targets[719] == pytest.approx(targets[1])
    assert targets[719] > 0.05


@pytest.mark.parametrize("n, sigma", [(720, 3.0), (180, 4.0)])
def test_soft_targets_decode_back_to_their_time_even_across_twelve(n, sigma):
    encoding = get_encoding(f"classes-{n}", soft_sigma=sigma)
    times = np.array([[0, 0], [11, 59], [5, 30]])
    decoded = encoding.decode(encoding.encode(times))
    assert common_sense_error(decoded, to_minutes(times)).max() < 0.5 * encoding.width


def test_a_soft_target_model_answers_with_the_middle_of_its_bump_not_its_noisiest_slot():
    encoding = get_encoding("classes-720", soft_sigma=3.0)
    bump = encoding.encode(np.array([[4, 10]]))["time_class"]  # centred on 250 minutes
    bump[0, 252] += 0.05  # a little noise makes 4:12 the single most likely slot
    assert bump.argmax() == 252
    assert encoding.decode({"time_class": bump})[0] == pytest.approx(250, abs=0.5)


def test_sincos_picks_the_hour_with_the_minute_hand():
    encoding = get_encoding("sincos")
    outputs = encoding.encode(np.array([[2, 58]]))
    # a coarse hour angle that already points past 3:00 must not move the answer an hour on
    angle = 2 * np.pi * (3 * 60 + 4) / 720
    outputs["sincos"][0, :2] = [np.sin(angle), np.cos(angle)]
    assert format_time(encoding.decode(outputs)[0]) == "2:58"


def test_unknown_encoding_names_the_choices():
    with pytest.raises(ValueError, match="unknown encoding 'clock'"):
        get_encoding("clock")


def test_bare_model_outputs_identify_the_encoding():
    assert encoding_from_outputs({"hour": 12, "minute": 2}).name == "multihead-sincos"
    assert encoding_from_outputs({"time_class": 72}).name == "classes-72"
