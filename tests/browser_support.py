"""Drive the real app in headless Chromium: start/stop `streamlit run`, launch Debian's Chromium, wait for renders.

Shared by tests/test_browser.py and bench/app_timings.py. Playwright never downloads a browser here: it
drives /usr/bin/chromium (Debian's package) through `executable_path`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
WORKER_INFO = "worker.json"  # core.runs.jobs.WORKER_INFO; not imported so this module stays import-light

# The app is idle when its script run has ended, the "Running..." widget is gone and no element is still a skeleton.
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]');
}"""
MAIN_HEIGHT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return Math.max(main ? main.scrollHeight : 0, document.documentElement.scrollHeight);
}"""


@dataclass(frozen=True)
class AppPage:
    """One page of streamlit_app.py: file stem, URL path, the h1 it shows, its sidebar link label."""

    name: str
    path: str
    title: str
    nav_label: str


APP_PAGES = (
    AppPage("home", "/", "Clockwork", "Home"),
    AppPage("mlp_cnn", "/mlp-cnn", "MLPs and CNNs", "MLPs and CNNs"),
    AppPage("permuted", "/permuted", "Permuted pixels", "Permuted pixels"),
    AppPage("clocks", "/clocks", "Tell the time", "Tell the time"),
    AppPage("generative", "/generative", "Generative models", "Generative models"),
    AppPage("runs", "/runs", "Runs", "Runs"),
)

PAGES = {page.name: page for page in APP_PAGES}


def browser_marks() -> list:
    """The marks of every browser test module: browser, slow, and skipped where Chromium or Playwright is missing."""
    import pytest

    reason = missing_browser_reason()
    return [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(reason is not None, reason=reason or "")]


@dataclass
class AppServer:
    """A running `streamlit run streamlit_app.py` in its own process group."""

    process: subprocess.Popen
    port: int
    runs_dir: Path
    log_path: Path
    started_at: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here (no Chromium, no Playwright), or None when they can."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(port: int) -> list[str]:
    """The exact `streamlit run` command line the app is tested and timed with."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "streamlit_app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]


def _log_tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def wait_for_health(server: AppServer, timeout: float = 120.0) -> None:
    """Poll GET /_stcore/health until it answers 'ok'; raise RuntimeError (with the log) if the server dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.process.returncode}:\n{_log_tail(server.log_path)}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout:g} s:\n{_log_tail(server.log_path)}")


def start_app(
    runs_dir: Path,
    log_path: Path,
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> AppServer:
    """Start the app headless with CLOCKWORK_RUNS=runs_dir and wait until it is healthy."""
    port = port or free_port()
    runs_dir.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {}), "CLOCKWORK_RUNS": str(runs_dir)}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            server_command(port),
            cwd=REPO_ROOT,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = AppServer(process, port, runs_dir, log_path, time.monotonic())
    try:
        wait_for_health(server, timeout)
    except RuntimeError:
        stop_app(server)
        raise
    return server


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _is_worker_of(pid: int, runs_dir: Path) -> bool:
    """Whether `pid` is `python -m core worker --runs <runs_dir>` (guards against a reused pid)."""
    args = _cmdline(pid)
    return "core" in args and "worker" in args and str(runs_dir) in args


def _worker_pids(runs_dir: Path) -> set[int]:
    """Pids of the workers this app started for runs_dir: worker.json's pid, plus any whose command names the folder."""
    pids = set()
    try:
        info = json.loads((runs_dir / WORKER_INFO).read_text())
        pids.add(int(info["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            pids.add(int(entry.name))
    return {pid for pid in pids if _is_worker_of(pid, runs_dir)}


def _kill_group(pgid: int, alive: Callable[[], bool], grace: float = 10.0) -> None:
    """SIGTERM a process group, then SIGKILL it if `alive()` is still true after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and alive():
            time.sleep(0.1)
        if not alive():
            return


def stop_worker(runs_dir: Path) -> None:
    """Kill the training worker (and its run child, same process group) the app started for runs_dir."""
    for pid in _worker_pids(runs_dir):
        # the worker is started with start_new_session=True, so its process group id is its pid
        _kill_group(pid, lambda pid=pid: _is_worker_of(pid, runs_dir))


def stop_app(server: AppServer) -> None:
    """Stop the streamlit server (its whole process group), then the worker it may have started."""
    _kill_group(server.process.pid, lambda: server.process.poll() is None)
    server.process.wait(timeout=10)
    stop_worker(server.runs_dir)


def launch_browser(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, through Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def wait_until_idle(page: Page, timeout_s: float = 60.0) -> None:
    """Wait until the script run ended, the status widget is gone and no skeleton is left (twice, 0.3 s apart)."""
    for _ in range(2):
        page.wait_for_function(IDLE_JS, timeout=timeout_s * 1000)
        page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout_s * 1000)


def title_heading(page: Page, title: str) -> Locator:
    """The page's h1 whose whole text is `title`."""
    return page.locator("h1").filter(has_text=re.compile(rf"^\s*{re.escape(title)}\s*$"))


def wait_for_page(page: Page, app_page: AppPage, timeout_s: float = 60.0) -> None:
    """Wait for stApp, the page's title and then for the app to be idle."""
    page.locator('[data-testid="stApp"]').wait_for(timeout=timeout_s * 1000)
    title_heading(page, app_page.title).first.wait_for(timeout=timeout_s * 1000)
    wait_until_idle(page, timeout_s)


def open_page(page: Page, server: AppServer, app_page: AppPage, query: str = "", timeout_s: float = 60.0) -> None:
    """Load a page by URL (optionally with a ?query) and wait until it is fully rendered."""
    page.goto(server.url + app_page.path + (f"?{query}" if query else ""), timeout=timeout_s * 1000)
    wait_for_page(page, app_page, timeout_s)


def switch_page(page: Page, app_page: AppPage, timeout_s: float = 60.0) -> None:
    """Click the page's link in the sidebar navigation and wait until it is fully rendered."""
    nav = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=app_page.nav_label)
    nav.first.click(timeout=timeout_s * 1000)
    wait_for_page(page, app_page, timeout_s)


def error_texts(page: Page) -> list[str]:
    """The text of every Streamlit exception box on the page."""
    return page.locator('[data-testid="stException"]').all_inner_texts()


def dialog_texts(page: Page) -> list[str]:
    """The text of every open modal dialog (e.g. Streamlit's 'Page not found')."""
    return page.locator('[role="dialog"]').all_inner_texts()


def full_page_screenshot(
    page: Page,
    path: Path,
    width: int = VIEWPORT["width"],
    min_height: int = VIEWPORT["height"],
    max_height: int = 12000,
) -> Path:
    """Screenshot the whole page: Streamlit scrolls inside its main area, so grow the viewport to fit, then shoot."""
    height = min(max_height, max(min_height, int(page.evaluate(MAIN_HEIGHT_JS))))
    page.set_viewport_size({"width": width, "height": height})
    try:
        page.wait_for_timeout(800)  # charts re-layout to the new size
        wait_until_idle(page)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size({"width": width, "height": min_height})
    return path
