"""The classroom load script in its short CI form: 4 browser sessions browse every page while 3 runs train.

All runs must end done, in the order they were queued, none lost or duplicated, and no page may show an
exception. Render times are reported, not asserted (CI machines vary; the full form records them by hand).
"""

from __future__ import annotations

import pytest

from tests.browser_support import PAGES, missing_browser_reason

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(missing_browser_reason() is not None, reason=missing_browser_reason() or ""),
]


def test_four_sessions_and_three_runs_keep_the_queue_order_and_every_page_working():
    from bench.load_test import measure, spread

    result = measure(sessions=4, run_count=3, timeout_s=400)
    print(f"renders while training: {spread(result.during_training())}")
    assert result.problems() == []
    assert [info.state for info in result.final] == ["done"] * 3
    assert {render.page for render in result.renders} == set(PAGES)


def test_percentiles_interpolate_between_ranks():
    from bench.load_test import percentile

    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert percentile([], 95) == 0.0
