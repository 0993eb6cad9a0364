"""App timings in a real browser: cold start, each page's first render and page switches, the server's peak memory.

Starts `streamlit run streamlit_app.py` headless (private runs folder) and drives it with Playwright and Debian's
Chromium (/usr/bin/chromium). A page counts as rendered when its title is shown, the script run has ended, the
"Running..." status widget is gone and no element is a loading skeleton.

  cold start    server process start -> home page fully rendered in a fresh browser session
  first visit   open the page's URL for the first time in this server process (cold imports and caches)
  switch        click the page's sidebar link, every page already visited (median of --rounds)
  memory        VmHWM (peak RSS) of the server after every page, and after the clock Inspector has loaded
                every pretrained clock model (models load only there, on demand)

Run: `.venv/bin/python bench/app_timings.py [--rounds 3] [--write] [--screenshots [FOLDER]]`.
`--write` replaces the "## App timings" section of bench/RESULTS.md; `--screenshots` saves each page
(1400 px wide, full page) as docs/screenshots/<page>.png (plus clocks_inspector.png when a clock model exists).
CLOCKWORK_PRETRAINED and CLOCKWORK_CACHE are passed on to the app; its runs folder is a temporary one.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

from bench.results_file import record_section  # noqa: E402
from tests.browser_support import (  # noqa: E402
    APP_PAGES,
    CHROMIUM,
    VIEWPORT,
    AppServer,
    full_page_screenshot,
    launch_browser,
    missing_browser_reason,
    open_page,
    start_app,
    stop_app,
    switch_page,
    wait_until_idle,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## App timings"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PAGES = {page.name: page for page in APP_PAGES}
TIMEOUT_S = 180.0


@dataclass
class Timings:
    """Everything one benchmark run measured (seconds and MiB)."""

    health_s: float = 0.0
    cold_start_s: float = 0.0
    first_visit_s: dict[str, float] = field(default_factory=dict)
    switch_s: dict[str, list[float]] = field(default_factory=dict)
    peak_rss_pages_mib: float = 0.0
    peak_rss_models_mib: float = 0.0
    rss_now_mib: float = 0.0
    models_loaded: list[str] = field(default_factory=list)
    inspector_s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


def memory_mib(pid: int, key: str) -> float:
    """A /proc/<pid>/status memory line (VmHWM = peak RSS, VmRSS = now) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def timed(action: Callable[[], object]) -> float:
    """Seconds an action takes (wall clock)."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def count_errors(page: Page, name: str, timings: Timings) -> None:
    """Remember how many exception boxes a page showed (a benchmark of a broken page is worth knowing)."""
    count = page.locator('[data-testid="stException"]').count()
    if count:
        timings.errors[name] = timings.errors.get(name, 0) + count


def model_picker(page: Page) -> Locator:
    """The Inspector's "Model" selectbox (a combobox in Streamlit 1.67)."""
    return page.locator(".st-key-insp_run").get_by_role("combobox")


def open_inspector(page: Page, server: AppServer, timings: Timings) -> int:
    """Open the Tell-the-time page on its Inspector tab; returns how many models its picker offers."""
    open_page(page, server, PAGES["clocks"], timeout_s=TIMEOUT_S)
    started = time.perf_counter()
    page.get_by_role("tab", name="Inspector").click()
    page.wait_for_timeout(300)
    wait_until_idle(page, TIMEOUT_S)
    timings.inspector_s.append(time.perf_counter() - started)
    picker = model_picker(page)
    if not picker.count():
        return 0
    picker.click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    count = options.count()
    page.keyboard.press("Escape")
    picker.blur()  # no focus ring in screenshots
    return count


def load_every_clock_model(page: Page, server: AppServer, timings: Timings) -> None:
    """Pick each model in the Inspector in turn, so the server loads every pretrained clock model."""
    for index in range(open_inspector(page, server, timings)):
        model_picker(page).click()
        option = page.get_by_role("option").nth(index)
        label = option.inner_text().strip()
        option.click()
        page.wait_for_timeout(300)
        wait_until_idle(page, TIMEOUT_S)
        count_errors(page, "clocks (inspector)", timings)
        timings.models_loaded.append(label)


def measure(rounds: int, screenshots: Path | None) -> Timings:
    """Start the app, time it in Chromium, read its memory; stops the app (and any worker) at the end."""
    from playwright.sync_api import sync_playwright

    timings = Timings()
    with tempfile.TemporaryDirectory(prefix="clockwork-app-timings-") as folder, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        started = time.perf_counter()
        server = start_app(Path(folder) / "runs", Path(folder) / "streamlit.log", timeout=TIMEOUT_S)
        try:
            timings.health_s = time.perf_counter() - started
            page = browser.new_context(viewport=VIEWPORT).new_page()
            open_page(page, server, PAGES["home"], timeout_s=TIMEOUT_S)
            timings.cold_start_s = time.perf_counter() - started
            for app_page in APP_PAGES:
                timings.first_visit_s[app_page.name] = timed(
                    lambda app_page=app_page: open_page(page, server, app_page, timeout_s=TIMEOUT_S)
                )
                count_errors(page, app_page.name, timings)
            for _ in range(rounds):
                for app_page in APP_PAGES:
                    seconds = timed(lambda app_page=app_page: switch_page(page, app_page, TIMEOUT_S))
                    timings.switch_s.setdefault(app_page.name, []).append(seconds)
            timings.peak_rss_pages_mib = memory_mib(server.process.pid, "VmHWM")
            load_every_clock_model(page, server, timings)
            timings.peak_rss_models_mib = memory_mib(server.process.pid, "VmHWM")
            timings.rss_now_mib = memory_mib(server.process.pid, "VmRSS")
            if screenshots:
                save_screenshots(browser, server, timings, screenshots)
        finally:
            stop_app(server)
            browser.close()
    return timings


def save_screenshots(browser: Browser, server: AppServer, timings: Timings, folder: Path) -> None:
    """Each page (and the Inspector, when a clock model exists) as <folder>/<page>.png, 1400 px wide, full page."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    shots = []
    for app_page in APP_PAGES:
        open_page(page, server, app_page, timeout_s=TIMEOUT_S)
        shots.append(full_page_screenshot(page, folder / f"{app_page.name}.png"))
    if timings.models_loaded and open_inspector(page, server, timings):
        shots.append(full_page_screenshot(page, folder / "clocks_inspector.png"))
    page.context.close()
    print("saved " + ", ".join(str(shot) for shot in shots))


def table(timings: Timings) -> str:
    """The per-page timings as a Markdown table."""
    lines = ["| page | first visit (s) | switch, median (s) | switch, max (s) |", "| --- | ---: | ---: | ---: |"]
    for app_page in APP_PAGES:
        switches = timings.switch_s.get(app_page.name, [])
        median = f"{statistics.median(switches):.2f}" if switches else "-"
        worst = f"{max(switches):.2f}" if switches else "-"
        first = f"{timings.first_visit_s.get(app_page.name, 0):.2f}"
        note = " (after the cold start)" if app_page is APP_PAGES[0] else ""
        lines.append(f"| {app_page.title} (`{app_page.path}`) | {first}{note} | {median} | {worst} |")
    return "\n".join(lines)


def context_line(rounds: int) -> str:
    """Machine, versions and the pretrained models present: the numbers depend on all of them."""
    import streamlit

    from core.storage import paths

    pretrained = sorted(p.name for p in paths.pretrained_dir().glob("*") if (p / "model.keras").is_file())
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} CPU cores, {platform.machine()}, load average {load:.1f}; Streamlit "
        f"{streamlit.__version__}, Chromium {chromium_version()}; {len(pretrained)} pretrained models "
        f"({', '.join(pretrained) or 'none'}); switches: median of {rounds} round(s)"
    )


def chromium_version() -> str:
    """Chromium's version number, e.g. '156.0.8078.108'."""
    out = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=30).stdout
    return out.split()[1] if len(out.split()) > 1 else "?"


def inspector_line(timings: Timings) -> str:
    """How long the Inspector tab took to open the first time."""
    if not timings.inspector_s:
        return "Inspector tab: not opened"
    what = (
        "imports Keras, loads the default clock model, one prediction"
        if timings.models_loaded
        else "no clock model installed, so nothing loaded"
    )
    return f"Inspector tab, first open ({what}): {timings.inspector_s[0]:.1f} s"


def report(timings: Timings, rounds: int) -> str:
    """The whole result as Markdown (printed, and written by --write)."""
    models = ", ".join(timings.models_loaded) or "none (no pretrained clock model installed)"
    errors = ", ".join(f"{name}: {count}" for name, count in timings.errors.items()) or "none"
    return "\n".join(
        [
            f"cold start {timings.cold_start_s:.1f} s (server process start to home page rendered; /_stcore/health "
            f"answered after {timings.health_s:.1f} s)",
            "",
            table(timings),
            "",
            f"server peak RSS (VmHWM) {timings.peak_rss_pages_mib:.0f} MiB after every page; "
            f"{timings.peak_rss_models_mib:.0f} MiB after the Inspector loaded {len(timings.models_loaded)} clock "
            f"model(s) ({models}); RSS at the end {timings.rss_now_mib:.0f} MiB",
            "",
            inspector_line(timings),
            "",
            f"exception boxes seen: {errors}",
            "",
            f"{context_line(rounds)}; `.venv/bin/python bench/app_timings.py --rounds {rounds} --write`",
        ]
    )


def record(body: str) -> None:
    """Replace (or add) this benchmark's section in bench/RESULTS.md, leaving other sections alone."""
    record_section(SECTION, body, RESULTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="page-switch rounds (each visits every page)")
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    parser.add_argument(
        "--screenshots",
        nargs="?",
        const=SCREENSHOTS,
        type=Path,
        metavar="FOLDER",
        help="save each page as <FOLDER>/<page>.png (default folder: docs/screenshots)",
    )
    args = parser.parse_args()
    reason = missing_browser_reason()
    if reason:
        raise SystemExit(f"cannot drive a browser: {reason}")
    timings = measure(args.rounds, args.screenshots)
    body = report(timings, args.rounds)
    print(f"{SECTION}\n\n{body}")
    if args.write:
        record(body)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
