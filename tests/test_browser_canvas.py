"""The drawing canvas in headless Chromium: strokes drawn with the mouse reach the model and change its prediction.

Only a browser can draw on streamlit-drawable-canvas (a v2 component), so this is the one test of it; the rest of
"Inside the network" is tested in AppTest (tests/test_page_inside.py). Skipped without /usr/bin/chromium or
Playwright.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser_support import (
    PAGES,
    VIEWPORT,
    AppServer,
    browser_marks,
    error_texts,
    open_page,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = browser_marks()
CANVAS = ".st-key-inside_canvas canvas.upper-canvas"  # fabric.js draws on the upper of its two canvases
SAID_JS = """() => {
  const said = [...document.querySelectorAll('[data-testid="stMarkdown"]')]
    .map(element => element.innerText.trim()).find(text => text.startsWith('The network says'));
  return said || null;
}"""


def draw(page: Page, canvas: Locator, points: list[tuple[float, float]]) -> None:
    """One stroke through `points` (fractions of the canvas' width and height), pressed from first to last."""
    box = canvas.bounding_box()
    assert box is not None, "the canvas is not on screen"
    spots = [(box["x"] + box["width"] * x, box["y"] + box["height"] * y) for x, y in points]
    page.mouse.move(*spots[0])
    page.mouse.down()
    for spot in spots[1:]:
        page.mouse.move(*spot, steps=8)
    page.mouse.up()


def said_after(page: Page, before: str | None) -> str:
    """The prediction sentence once it differs from `before` (None: once there is one)."""
    handle = page.wait_for_function(
        f"() => {{ const said = ({SAID_JS})(); "
        f"return said && said !== {repr(before) if before else 'null'} ? said : null; }}",
        timeout=60_000,
    )
    return str(handle.json_value())


def test_strokes_on_the_canvas_change_the_prediction(browser: Browser, app_server: AppServer) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    try:
        open_page(page, app_server, PAGES["mlp_cnn"], query="inside=true", timeout_s=90)
        assert page.evaluate(SAID_JS) is None
        assert page.get_by_text("The canvas is empty").count() == 1
        canvas = page.locator(CANVAS).first
        canvas.scroll_into_view_if_needed()
        draw(page, canvas, [(0.6, 0.15), (0.6, 0.85)])  # a vertical stroke: a one
        one = said_after(page, None)
        assert one.startswith("The network says 1"), one
        draw(page, canvas, [(0.2, 0.15), (0.6, 0.15)])  # a bar across its top: now a seven
        seven = said_after(page, one)
        assert seven != one
        assert error_texts(page) == []
    finally:
        page.close()
