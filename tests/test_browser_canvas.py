"""The drawing canvas in headless Chromium: strokes drawn with the mouse reach the model and change its prediction,
and a click on a feature map in the layer strip enlarges that map.

Only a browser can draw on streamlit-drawable-canvas (a v2 component) or click inside a Plotly chart, so these are
the only tests of them; the rest of "Inside the network" is tested in AppTest (tests/test_page_inside.py). Skipped
without /usr/bin/chromium or Playwright.
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


TILE_JS = """([layer, channel]) => {
  const traces = [...document.querySelectorAll('.st-key-inside_strip .scatterlayer .trace.scatter')];
  const point = traces[layer] && traces[layer].querySelectorAll('path.point')[channel];
  if (!point) return null;
  const box = point.getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
}"""
CLOSER_JS = "() => (document.querySelector('.st-key-inside_closer .gtitle') || {}).textContent || null"


def test_clicking_a_feature_map_in_the_strip_enlarges_it(browser: Browser, app_server: AppServer) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    try:
        open_page(page, app_server, PAGES["mlp_cnn"], query="inside=true", timeout_s=90)
        page.locator(".st-key-inside_model button").filter(has_text="pretrained CNN").click()
        canvas = page.locator(CANVAS).first
        canvas.wait_for(timeout=60_000)
        canvas.scroll_into_view_if_needed()
        draw(page, canvas, [(0.6, 0.15), (0.6, 0.85)])
        said_after(page, None)
        assert page.evaluate(CLOSER_JS) is None  # no map is enlarged before one is clicked
        page.locator(".st-key-inside_strip").scroll_into_view_if_needed()
        spot = page.wait_for_function(TILE_JS, arg=[2, 4], timeout=60_000).json_value()  # pool_0's fifth map
        page.mouse.move(*spot)
        page.mouse.click(*spot)
        page.wait_for_function(f"() => ({CLOSER_JS})() === 'pool_0, channel 5'", timeout=60_000)
        assert error_texts(page) == []
    finally:
        page.close()
