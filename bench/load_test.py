"""Classroom load: N browser sessions browse every page while M short runs train; queue order and render times.

Bounded and loopback only: starts `streamlit run streamlit_app.py` on a free 127.0.0.1 port with a temporary
runs folder, queues M tiny MNIST runs (500 images, 1 epoch) through core.runs.jobs.submit into that folder and
starts the worker, then opens N pages in one headless Chromium (Debian's /usr/bin/chromium via Playwright).
Each session opens the home page, then clicks through every page in the sidebar, round after round, until
every run has ended (or --timeout). A page counts as rendered when its title shows, the script run has
ended, the "Running..." widget is gone and no skeleton is left (tests/browser_support.py's rule).

Checks: every run ends "done", runs started and finished in the order they were submitted, no run folder
lost or added. Reports p50/p95/max render times while training (the issue's target: p95 under 2 s).

Run: `.venv/bin/python bench/load_test.py [--sessions 30] [--runs 10] [--timeout 900] [--write]`.
`--write` replaces the "## Classroom load" section of bench/RESULTS.md. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.results_file import record_section  # noqa: E402
from core.config import RunConfig  # noqa: E402
from core.runs import jobs  # noqa: E402
from core.runs import store as runs  # noqa: E402
from tests.browser_support import (  # noqa: E402
    APP_PAGES,
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE_JS,
    AppPage,
    AppServer,
    missing_browser_reason,
    start_app,
    stop_app,
)
from tests.conftest import tiny_config  # noqa: E402

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Classroom load"
VIEWPORT = {"width": 1280, "height": 900}
RENDER_TIMEOUT_S = 180.0
TARGET_P95_S = 2.0
FINAL_STATES = ("done", "failed", "cancelled")


@dataclass
class Render:
    """One page render seen by one session (wall-clock end, so it can be placed in the training window)."""

    page: str
    seconds: float
    ended_at: float
    first_open: bool = False


@dataclass
class LoadResult:
    """What one load run measured and checked."""

    sessions: int
    run_count: int
    renders: list[Render] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    final: list[runs.RunInfo] = field(default_factory=list)
    wall_s: float = 0.0
    timed_out: bool = False

    def _times(self, key: str) -> list[float]:
        """The runs' `key` timestamps (started/finished) as wall-clock seconds, leaving out runs without one."""
        return [_epoch(info.status[key]) for info in self.final if info.status.get(key)]

    @property
    def training_window(self) -> tuple[float, float]:
        """(first run started, last run finished), wall clock; (0, 0) before any run started."""
        started, finished = self._times("started"), self._times("finished")
        return (min(started), max(finished or [time.time()])) if started else (0.0, 0.0)

    def during_training(self) -> list[Render]:
        start, end = self.training_window
        return [r for r in self.renders if not r.first_open and start <= r.ended_at - r.seconds and r.ended_at <= end]

    def problems(self) -> list[str]:
        """Every failed check, as one line each (empty when the run passed)."""
        return self.run_problems() + [f"page error: {error}" for error in self.errors[:5]]

    def run_problems(self) -> list[str]:
        """Failed checks on the runs: lost, added, not done, out of queue order, timed out."""
        found = []
        by_id = {info.run_id: info for info in self.final}
        if sorted(by_id) != sorted(self.submitted) or len(self.final) != len(self.submitted):
            found.append(f"run folders {sorted(by_id)} differ from the {len(self.submitted)} submitted")
        not_done = [f"{i.run_id}: {i.state} {i.status.get('reason', '')}" for i in self.final if i.state != "done"]
        if not_done:
            found.append("runs not done: " + "; ".join(not_done))
        for key in ("started", "finished"):
            order = [info.run_id for info in sorted(self.final, key=lambda i: str(i.status.get(key) or "~"))]
            if order != self.submitted:
                found.append(f"runs {key} out of submit order")
        if self.timed_out:
            found.append("timed out before every run ended")
        return found


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def tiny_run(index: int) -> RunConfig:
    """A few-seconds MNIST MLP run (500 embedded images, one epoch): the tests' tiny config, a little bigger."""
    return tiny_config(
        name=f"load run {index + 1}", data__limit_train=500, model__hidden=[32], batch_size=64, seed=index
    )


def submit_runs(root: Path, count: int) -> list[str]:
    """Queue `count` tiny runs in order and start the worker; returns their ids in submit order."""
    run_ids = [jobs.submit(tiny_run(i), root) for i in range(count)]
    jobs.ensure_worker(root, idle_exit=15.0)
    return run_ids


def all_ended(root: Path, run_ids: list[str]) -> bool:
    return all(runs.read_status(runs.run_path(root, run_id)).get("state") in FINAL_STATES for run_id in run_ids)


async def wait_rendered(page: Page, app_page: AppPage, started: float) -> float:
    """Seconds from `started` until the page shows its title and is idle (confirmed 0.3 s later)."""
    title = re.compile(rf"^\s*{re.escape(app_page.title)}\s*$")
    timeout_ms = RENDER_TIMEOUT_S * 1000
    await page.locator("h1").filter(has_text=title).first.wait_for(timeout=timeout_ms)
    while True:
        await page.wait_for_function(IDLE_JS, timeout=timeout_ms)
        ended = time.monotonic()
        await page.wait_for_timeout(300)
        if await page.evaluate(IDLE_JS):
            return ended - started


async def errors_on(page: Page) -> list[str]:
    return await page.locator('[data-testid="stException"]').all_inner_texts()


async def session(browser: Browser, server: AppServer, index: int, result: LoadResult, done: asyncio.Event) -> None:
    """One student: open the home page, then click through every page at least once and on until the runs have
    ended (short runs can end before a first tour, which must still see every page)."""
    page = await browser.new_page(viewport=VIEWPORT)
    try:
        home, *others = APP_PAGES
        started = time.monotonic()
        await page.goto(server.url + home.path, timeout=RENDER_TIMEOUT_S * 1000)
        seconds = await wait_rendered(page, home, started)
        result.renders.append(Render(home.name, seconds, time.time(), first_open=True))
        toured = False
        while not (done.is_set() and toured):
            for app_page in [*others, home]:
                started = time.monotonic()
                link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=app_page.nav_label).first
                await link.click(timeout=RENDER_TIMEOUT_S * 1000)
                seconds = await wait_rendered(page, app_page, started)
                result.renders.append(Render(app_page.name, seconds, time.time()))
                result.errors += [f"session {index}, {app_page.name}: {text[:200]}" for text in await errors_on(page)]
                if done.is_set() and toured:
                    break
            toured = True
    except Exception as error:  # a session that breaks is a finding, not a crash of the benchmark
        result.errors.append(f"session {index}: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await page.close()


async def watch_runs(root: Path, run_ids: list[str], done: asyncio.Event, deadline: float, result: LoadResult) -> None:
    while not all_ended(root, run_ids):
        if time.monotonic() > deadline:
            result.timed_out = True
            break
        await asyncio.sleep(1.0)
    done.set()


async def drive(server: AppServer, result: LoadResult, timeout_s: float) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        warm = await browser.new_page(viewport=VIEWPORT)  # a cold server's first deep link can 404 (streamlit#9992)
        await warm.goto(server.url + "/", timeout=RENDER_TIMEOUT_S * 1000)
        await wait_rendered(warm, APP_PAGES[0], time.monotonic())
        await warm.close()
        done = asyncio.Event()
        result.submitted = submit_runs(server.runs_dir, result.run_count)
        deadline = time.monotonic() + timeout_s
        await asyncio.gather(
            watch_runs(server.runs_dir, result.submitted, done, deadline, result),
            *(session(browser, server, i, result, done) for i in range(result.sessions)),
        )
        await browser.close()


def measure(sessions: int, run_count: int, timeout_s: float) -> LoadResult:
    """Start the app on loopback with a temporary runs folder, drive it, collect the runs; always cleans up."""
    result = LoadResult(sessions, run_count)
    with tempfile.TemporaryDirectory(prefix="clockwork-load-") as folder:
        root = Path(folder)
        server = start_app(root / "runs", root / "streamlit.log", env={"CLOCKWORK_CACHE": str(root / "cache")})
        started = time.monotonic()
        try:
            asyncio.run(drive(server, result, timeout_s))
        finally:
            result.wall_s = time.monotonic() - started
            result.final = runs.list_runs(server.runs_dir, with_history=False)
            stop_app(server)
    return result


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(renders: list[Render]) -> str:
    seconds = [r.seconds for r in renders]
    if not seconds:
        return "none"
    return (
        f"p50 {percentile(seconds, 50):.2f} s, p95 {percentile(seconds, 95):.2f} s, max {max(seconds):.2f} s "
        f"over {len(seconds)} renders"
    )


def chromium_version() -> str:
    out = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=30).stdout
    return out.split()[1] if len(out.split()) > 1 else "?"


def report(result: LoadResult, command: str) -> str:
    """The Markdown section: checks, render times while training, per page, and the machine."""
    import streamlit

    during = result.during_training()
    p95 = percentile([r.seconds for r in during], 95)
    start, end = result.training_window
    problems = result.problems()
    verdict = "all checks passed" if not problems else "FAILED: " + "; ".join(problems)
    done = sum(1 for info in result.final if info.state == "done")
    lines = [
        f"{result.sessions} browser sessions browsing every page while {result.run_count} short runs train "
        f"(MNIST MLP, 500 images, 1 epoch each): {verdict}.",
        "",
        f"- runs: {done}/{result.run_count} done, started and finished in submit order, none lost or duplicated"
        if not result.run_problems()
        else f"- runs: {done}/{result.run_count} done; " + "; ".join(result.run_problems()),
        f"- training window (first start to last finish): {end - start:.0f} s; whole load run {result.wall_s:.0f} s",
        f"- page renders while training: {spread(during)} "
        f"(target p95 < {TARGET_P95_S:g} s: {'met' if during and p95 < TARGET_P95_S else 'not met'})",
        f"- first open, all sessions at once: {spread([r for r in result.renders if r.first_open])}",
        f"- exception boxes or broken sessions: {len(result.errors) or 'none'}"
        + (f" (first: {result.errors[0]})" if result.errors else ""),
        "",
        "| page | renders while training | p50 (s) | p95 (s) | max (s) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for app_page in APP_PAGES:
        seconds = [r.seconds for r in during if r.page == app_page.name]
        if seconds:
            lines.append(
                f"| {app_page.title} (`{app_page.path}`) | {len(seconds)} | {percentile(seconds, 50):.2f} | "
                f"{percentile(seconds, 95):.2f} | {max(seconds):.2f} |"
            )
    lines += [
        "",
        f"{os.cpu_count()} CPU cores, {platform.machine()}, load average {os.getloadavg()[0]:.1f} at the "
        f"end; Streamlit {streamlit.__version__}, Chromium {chromium_version()}, all {result.sessions} pages "
        f"in one headless Chromium on the same machine as the server; `{command}`",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="concurrent browser sessions")
    parser.add_argument("--runs", type=int, default=10, help="short runs to queue")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds of training")
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 100 or not 1 <= args.runs <= 50:
        parser.error("--sessions must be 1-100 and --runs 1-50 (the load is bounded)")
    missing = missing_browser_reason()
    if missing:
        print(f"cannot run: {missing}", file=sys.stderr)
        return 2
    result = measure(args.sessions, args.runs, args.timeout)
    command = ".venv/bin/python bench/load_test.py " + " ".join(argv if argv is not None else sys.argv[1:])
    body = report(result, command.strip())
    print(body)
    if args.write:
        record_section(SECTION, body, RESULTS)
        print(f"wrote {RESULTS}")
    return 1 if result.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
