"""The replay's epoch slider in headless Chromium: a key press on the slider redraws the frame for that epoch.

The rest of the replay (play, a missing or damaged record, a live run, the other pages) is tested in AppTest
(tests/test_page_replay.py). Skipped without /usr/bin/chromium or Playwright.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser_support import PAGES, VIEWPORT, AppServer, browser_marks, error_texts, open_page
from tests.conftest import tiny_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = browser_marks()
EPOCHS = 3


def test_the_epoch_slider_moves_the_replay_frame(browser: Browser, app_server: AppServer) -> None:
    from playwright.sync_api import expect

    from core.runs.training import run_config

    run_id = run_config(tiny_config(epochs=EPOCHS), root=app_server.runs_dir).run_id
    page = browser.new_page(viewport=VIEWPORT)
    try:
        open_page(page, app_server, PAGES["mlp_cnn"], query=f"run={run_id}&replay=true", timeout_s=90)
        frame = page.get_by_text("(the replay probe)")
        expect(frame).to_contain_text(f"Epoch {EPOCHS} of {EPOCHS}", timeout=30_000)
        page.locator(f".st-key-replay_{run_id}_epoch input[type='range']").focus()
        page.keyboard.press("ArrowLeft")
        expect(frame).to_contain_text(f"Epoch {EPOCHS - 1} of {EPOCHS}", timeout=30_000)
        assert not error_texts(page)
    finally:
        page.close()
