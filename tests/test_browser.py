"""The real app in headless Chromium: every page opens cleanly, a tiny run trains with live progress, Stop cancels.

One `streamlit run` server per module; its training worker is killed at teardown. Screenshots of each page go to
$CLOCKWORK_SCREENSHOTS (or a tmp folder). Skipped when /usr/bin/chromium or Playwright is missing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser_support import (
    PAGES,
    VIEWPORT,
    browser_marks,
    dialog_texts,
    error_texts,
    full_page_screenshot,
    open_page,
    wait_until_idle,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = browser_marks()
RUN_TIMEOUT_MS = 120_000
TINY_RUN = "epochs=3&batch=16"  # the knobs are URL-bound; 3,000 training images by default
# the Train panel's progress text once training has started, caught the moment it shows (it can be brief)
PROGRESS_JS = """() => {
  const bar = document.querySelector('[data-testid="stSidebar"] [data-testid="stProgress"]');
  const text = bar ? bar.innerText.trim() : '';
  return /epoch [1-9]/.test(text) ? text : null;
}"""
LONG_RUN = "epochs=30&limit=10%2C000&batch=16"  # select_slider values go in the URL as their labels


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser session (its own Streamlit session) per test."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$CLOCKWORK_SCREENSHOTS when set, else a tmp folder."""
    folder = os.environ.get("CLOCKWORK_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def badge(page: Page, state: str) -> Locator:
    """The state badge of the Train panel's run, e.g. 'done', 'cancelled' or 'queued · place 1'."""
    return sidebar(page).locator(".stMarkdownBadge").filter(has_text=re.compile(rf"\b{state}\b"))


def newest_run(runs_dir: Path) -> dict:
    """config.json and status.json of the run folder created last."""
    found = []
    for folder in runs_dir.iterdir():
        if (folder / "config.json").is_file():
            found.append(
                {
                    "config": json.loads((folder / "config.json").read_text()),
                    "status": json.loads((folder / "status.json").read_text()),
                }
            )
    assert found, f"no run folder in {runs_dir}"
    return max(found, key=lambda run: run["status"].get("created", ""))


def wait_for_curve_of(page: Page, run_name: str) -> list[str]:
    """The trace names of the main area's training-curves chart, once one of them is the run's."""
    return page.wait_for_function(
        """name => {
      const plot = document.querySelector('.st-key-lab_curves .js-plotly-plot');
      const names = plot && plot.data ? plot.data.map(trace => trace.name || '') : [];
      return names.some(trace => trace.startsWith(name)) ? names : null;
    }""",
        arg=run_name,
        timeout=RUN_TIMEOUT_MS,
    ).json_value()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_without_an_error_and_shows_its_title(page, app_server, screenshot_dir, name):
    app_page = PAGES[name]
    open_page(page, app_server, app_page, timeout_s=90)
    full_page_screenshot(page, screenshot_dir / f"{name}.png")
    assert error_texts(page) == []
    assert dialog_texts(page) == []
    assert page.locator("h1").first.inner_text().strip() == app_page.title
    assert page.locator('[data-testid="stMain"]').inner_text().strip() != ""


def test_a_tiny_run_started_from_the_sidebar_shows_live_progress_and_its_curve(page, app_server):
    open_page(page, app_server, PAGES["mlp_cnn"], query=TINY_RUN, timeout_s=90)
    sidebar(page).get_by_role("button", name=re.compile("Start")).click()
    progress = page.wait_for_function(PROGRESS_JS, timeout=RUN_TIMEOUT_MS).json_value()
    assert re.match(r"epoch [1-3]/3\b", progress), progress
    badge(page, "done").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    run = newest_run(app_server.runs_dir)
    assert run["status"]["state"] == "done"
    assert (run["config"]["epochs"], run["config"]["batch_size"]) == (3, 16)  # as the URL asked
    names = wait_for_curve_of(page, run["config"]["name"])
    assert f"{run['config']['name']} · train" in names, names  # its per-epoch training curve
    assert error_texts(page) == []


def test_stop_cancels_a_long_run(page, app_server):
    from playwright.sync_api import expect

    open_page(page, app_server, PAGES["mlp_cnn"], query=LONG_RUN, timeout_s=90)
    sidebar(page).get_by_role("button", name=re.compile("Start")).click()
    badge(page, "running|queued").first.wait_for(timeout=RUN_TIMEOUT_MS)
    stop = sidebar(page).get_by_role("button", name=re.compile("Stop"))
    expect(stop).to_be_enabled(timeout=RUN_TIMEOUT_MS)
    stop.click()
    badge(page, "cancelled").first.wait_for(timeout=RUN_TIMEOUT_MS)
    run = newest_run(app_server.runs_dir)
    assert run["config"]["epochs"] == 30
    assert run["status"]["state"] == "cancelled"
    assert error_texts(page) == []
