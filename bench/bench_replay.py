"""Replay: what the record costs in training time and disk space, and how fast the epoch slider steps in Chromium.

Run: `.venv/bin/python bench/bench_replay.py [--parts overhead,size,slider] [--epochs 3] [--steps 6] [--runs 1] [--write]
[--screenshot [PNG]] [--note TEXT]`. Each part replaces its own section of bench/RESULTS.md with --write.

  overhead  the `mnist_mlp` and `mnist_cnn` recipes for --epochs epochs, trained one after the other in this
            process, without the recorder (patched out of core.runs.training) and with it; fit time from each
            run's metrics.json, plus the recorder's own time (probe predictions and file writes) measured inside it
  size      replay.npz of every model in pretrained/ (and the folder's total against its 60 MB budget)
  slider    the app headless in Chromium: the pretrained MNIST MLP's replay on the MLPs-and-CNNs page and the
            permuted MLP's on the Permuted-pixels page; --steps presses of the left arrow on the epoch slider,
            each timed in the page from the key press to the new frame's title on the page with the rerun ended,
            plus two animation frames; also the frame's pictures built in Python alone
--screenshot saves the MLPs-and-CNNs page's replay section at epoch 3 (default docs/screenshots/replay.png).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.results_file import record_section  # noqa: E402
from tests.browser_support import (  # noqa: E402
    PAGES,
    VIEWPORT,
    launch_browser,
    missing_browser_reason,
    open_page,
    start_app,
    stop_app,
    wait_until_idle,
)

ROOT = Path(__file__).resolve().parent.parent
PRETRAINED = ROOT / "pretrained"
SCREENSHOT = ROOT / "docs" / "screenshots" / "replay.png"
BUDGET_MB = 60
RECIPES = ("mnist_mlp", "mnist_cnn")
# (page, query opening the replay section, the slider's widget key, what it replays)
SLIDERS = (
    ("mlp_cnn", "replay=true", "replay_mnist_mlp_epoch", "`mnist_mlp` on MLPs and CNNs"),
    ("permuted", "preplay=true", "preplay_mnist_mlp_permuted_epoch", "`mnist_mlp_permuted` on Permuted pixels"),
)
HEADINGS = {
    "overhead": "## Replay: the record's training overhead",
    "size": "## Replay: record size per pretrained model",
    "slider": "## Replay: epoch slider step",
}


def machine(note: str) -> str:
    """Cores, architecture, load average and what else ran, for the record."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{cores} CPU cores, {platform.machine()}, load average {load}" + (f", {note}" if note else "")


# ---- overhead ------------------------------------------------------------------------------------------------


class RecorderClock:
    """Seconds spent inside Recorder.record / Recorder.write (outermost calls only: record calls write)."""

    def __init__(self) -> None:
        self.seconds, self.depth = 0.0, 0

    def timed(self, method):
        def wrapper(recorder, *args, **kwargs):
            self.depth += 1
            start = time.perf_counter()
            try:
                return method(recorder, *args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds += time.perf_counter() - start

        return wrapper


def train(name: str, epochs: int, recording: bool, root: Path) -> tuple[float, float]:
    """(fit seconds from metrics.json, seconds inside the recorder) of one recipe run."""
    from core.runs import replay, training
    from core.runs.pretrain import RECIPES as ALL_RECIPES

    config = dataclasses.replace(ALL_RECIPES[name].config, epochs=epochs)
    clock = RecorderClock()
    if recording:
        patches = [
            mock.patch.object(replay.Recorder, "record", clock.timed(replay.Recorder.record)),
            mock.patch.object(replay.Recorder, "write", clock.timed(replay.Recorder.write)),
        ]
    else:
        patches = [mock.patch.object(training, "Recorder", lambda *args, **kwargs: None)]
    for patch in patches:
        patch.start()
    try:
        info = training.run_config(config, root=root)
    finally:
        for patch in patches:
            patch.stop()
    if info.state != "done":
        raise RuntimeError(f"{name} did not finish: {info.status.get('reason')}")
    has_record = (Path(info.path) / replay.REPLAY_FILE).is_file()
    if has_record != recording:
        raise RuntimeError(f"{name}: the recorder was {'not ' if recording else ''}patched as asked")
    return float(info.metrics["train_time_s"]), clock.seconds


def overhead(epochs: int, note: str) -> str:
    """Fit time without and with the recorder per recipe, as the RESULTS.md section body."""
    lines = [
        "| recipe | fit without the record | fit with it | difference | the recorder's own time |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    shares = []
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as folder:
        for name in RECIPES:
            without, _ = train(name, epochs, False, Path(folder))
            with_record, inside = train(name, epochs, True, Path(folder))
            shares.append(100 * inside / without)
            lines.append(
                f"| `{name}`, {epochs} epochs | {without:.1f} s | {with_record:.1f} s | "
                f"{100 * (with_record - without) / without:+.1f} % | {inside:.2f} s ({100 * inside / without:.1f} %) |"
            )
            print(lines[-1], flush=True)
    verdict = "within" if max(shares) <= 5 else "over"
    lines += [
        "",
        f"**The recorder's own time is {verdict} the target** (at most {max(shares):.1f} % of the fit time). "
        "Target: the record adds <= 5 % to training time. Fit time is `train_time_s` (model.fit with its callbacks); "
        "each recipe ran once without the recorder (patched out) and then once with it, one run at a time. "
        "The recorder's own time (probe predictions before the first epoch and after each, and the file writes) "
        "is measured inside it and shown as a share of the fit without it; on shared cores the difference of two "
        f"fit times is mostly noise. {machine(note)}; `.venv/bin/python bench/bench_replay.py --parts overhead "
        f"--epochs {epochs} --write`",
    ]
    return "\n".join(lines)


# ---- size ------------------------------------------------------------------------------------------------------


def sizes(note: str) -> str:
    """replay.npz per pretrained model, and pretrained/ in all, as the RESULTS.md section body."""
    from core.generative.training import SAMPLES_FILE
    from core.runs.replay import REPLAY_FILE, load_replay

    lines = ["| model | epochs recorded | replay.npz |", "| --- | ---: | ---: |"]
    recorded = {}
    for folder in sorted(path for path in PRETRAINED.iterdir() if (path / "config.json").is_file()):
        file = folder / REPLAY_FILE
        if (folder / SAMPLES_FILE).is_file():  # generative models replay their samples by epoch instead
            size = (folder / SAMPLES_FILE).stat().st_size / 1e6
            lines.append(f"| `{folder.name}` | samples by epoch ({SAMPLES_FILE}) | {size:.2f} MB |")
        elif file.is_file():
            replay = load_replay(folder)
            recorded[folder.name] = file.stat().st_size / 1e6
            lines.append(f"| `{folder.name}` | {len(replay) - 1} | {recorded[folder.name]:.2f} MB |")
        else:
            lines.append(f"| `{folder.name}` | no record yet | - |")
    shipped = [path for path in PRETRAINED.rglob("*") if not path.relative_to(PRETRAINED).parts[0].startswith(".")]
    total = sum(path.stat().st_size for path in shipped if path.is_file())  # not the scratch folders of a training
    largest = max(recorded, key=recorded.get, default=None)
    verdict = (
        f"**The largest record (`{largest}`, {recorded[largest]:.2f} MB) is "
        f"{'within' if recorded[largest] <= 2 else 'over'} the target.** "
        if largest
        else "**No pretrained model has a record yet.** "
    )
    lines += [
        "",
        verdict + f"Target: <= 2 MB per pretrained model. pretrained/ holds {total / 1e6:.1f} MB in all (budget "
        f"{BUDGET_MB} MB). {machine(note)}; `.venv/bin/python bench/bench_replay.py --parts size --write`",
    ]
    return "\n".join(lines)


# ---- slider ----------------------------------------------------------------------------------------------------


def frame_in_python(rounds: int) -> float:
    """Median seconds to build one classifier frame: its confusion, mistakes and tiles as PNG data URIs."""
    from core.data.datasets import CLASS_NAMES, load_dataset
    from core.evaluation import replay_views as views
    from core.figures.layers import weight_picture
    from core.figures.pictures import captioned_tiles, confusion_picture, picture_uri
    from core.lab.samples import mistake_captions
    from core.runs.replay import load_replay
    from ui.replay import MISTAKE_COLUMNS, MISTAKE_PX, MISTAKES

    replay = load_replay(PRETRAINED / "mnist_mlp")
    images = load_dataset("mnist").x_test[replay.probe]
    names = CLASS_NAMES["mnist"]
    times = []
    for round_ in range(rounds + 1):
        frame = round_ % len(replay)
        start = time.perf_counter()
        positions = views.probe_mistakes(replay, frame, MISTAKES)
        captions = mistake_captions(positions, replay.truth, replay.predicted[frame], names)
        picture_uri(captioned_tiles(images[positions], captions, MISTAKE_PX, MISTAKE_COLUMNS))
        picture_uri(confusion_picture(views.probe_confusion(replay, frame), names, f"epoch {frame}"))
        picture_uri(weight_picture(views.first_layer_tiles(replay, frame), columns=8))
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


# The frame's title once it differs from `before` and the run has ended, two animation frames later. A step can
# be quick enough that the app never shows a "running" state, so the changed title is what marks the new frame.
FRAME_TITLE_JS = """() => [...document.querySelectorAll('[data-testid="stMarkdown"]')]
  .map(element => element.innerText).find(text => text.includes('(the replay probe)')) || null"""
STEPPED_JS = f"""(before) => {{
  const app = document.querySelector('[data-testid="stApp"]');
  const title = ({FRAME_TITLE_JS})();
  if (!title || title === before || app.dataset.testScriptState !== 'notRunning'
      || document.querySelector('[data-testid="stStatusWidget"]')) return null;
  return new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))));
}}"""


def step(page, slider: str) -> float:
    """Press the left arrow on the slider; seconds until the previous epoch's frame is on the page and painted."""
    thumb = page.locator(f".st-key-{slider} input[type='range']").first
    thumb.focus()
    before = page.evaluate(FRAME_TITLE_JS)
    start = float(page.evaluate("performance.now()"))
    page.keyboard.press("ArrowLeft")
    end = page.wait_for_function(STEPPED_JS, arg=before, timeout=60_000).json_value()
    wait_until_idle(page, 60)
    return (float(end) - start) / 1000


def in_chromium(steps: int, screenshot: Path | None) -> dict[str, list[float]]:
    """Seconds per slider step for each replay of SLIDERS (and the screenshot, when asked)."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    server = start_app(folder / "runs", folder / "streamlit.log", env={"CLOCKWORK_CACHE": str(folder / "cache")})
    results: dict[str, list[float]] = {}
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            for page_name, query, slider, label in SLIDERS:
                page = browser.new_page(viewport=VIEWPORT)
                open_page(page, server, PAGES[page_name], query=query, timeout_s=120)
                page.locator(f".st-key-{slider}").first.scroll_into_view_if_needed()
                step(page, slider)  # untimed: the first step loads the probe images
                results[label] = [step(page, slider) for _ in range(steps)]
                if screenshot is not None and page_name == "mlp_cnn":
                    save_screenshot(page, slider, screenshot)
                page.close()
            browser.close()
    finally:
        stop_app(server)
    return results


def save_screenshot(page, slider: str, path: Path, epoch: int = 3) -> None:
    """The replay section at `epoch` of the pretrained MLP, as a PNG (stepping the slider back to it)."""
    for _ in range(100):
        if f"Epoch {epoch} of" in " ".join(page.get_by_text("(the replay probe)").all_inner_texts()):
            break
        step(page, slider)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 4000})  # charts off screen are not drawn
    try:
        page.wait_for_timeout(800)
        wait_until_idle(page)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.locator("[data-testid='stExpander']").filter(has_text="Replay:").first.screenshot(path=str(path))
    finally:
        page.set_viewport_size(VIEWPORT)
    print(f"saved {path}")


def slider(steps: int, runs: int, screenshot: Path | None, note: str) -> str:
    """Slider step times in Chromium (`runs` times, each a fresh app) and the frame in Python alone, as the
    RESULTS.md section body."""
    python = frame_in_python(5)
    measured, loads = [], []
    for number in range(max(1, runs)):
        loads.append(" ".join(f"{value:.2f}" for value in os.getloadavg()))
        measured.append(in_chromium(steps, screenshot if number == 0 else None))
        print(f"run {number + 1}: " + ", ".join(f"{k} {statistics.median(t):.2f} s" for k, t in measured[-1].items()))
    lines = [
        "| replay | slider step in Chromium: median of each run | all steps: median (min-max) |",
        "| --- | --- | --- |",
    ]
    medians = []
    for label in measured[0]:
        times = [time for run in measured for time in run[label]]
        medians.append(statistics.median(times))
        each = " / ".join(f"{statistics.median(run[label]):.2f} s" for run in measured)
        lines.append(f"| {label} | {each} | {medians[-1]:.2f} s ({min(times):.2f}-{max(times):.2f}) |")
    worst = max(medians)
    verdict = "meets" if worst <= 0.3 else "misses"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines += [
        "",
        f"**The slowest median step ({worst:.2f} s) {verdict} the target.** Target: <= 0.3 s per step. "
        f"{len(measured)} run(s), each a fresh app: {steps} steps per replay after one untimed step; from the key "
        "press on the slider to the new frame on the page with the fragment's rerun ended, plus two animation frames (the frame: its title, "
        "confusion matrix, mistakes gallery, first-layer tiles, each one picture sent inside the page update). The "
        f"frame's pictures built in Python alone: {1000 * python:.0f} ms. {cores} CPU cores, {platform.machine()}, "
        "load average at the start of each run "
        + "; ".join(loads)
        + (f", {note}" if note else "")
        + f"; `.venv/bin/python bench/bench_replay.py --parts slider --steps {steps} --runs {len(measured)} --write`",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="overhead,size,slider", help="comma-separated: overhead, size, slider")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per recipe for the overhead")
    parser.add_argument("--steps", type=int, default=6, help="timed slider steps per replay")
    parser.add_argument("--runs", type=int, default=1, help="slider: measure this many times, each with a fresh app")
    parser.add_argument("--screenshot", nargs="?", const=SCREENSHOT, type=Path, help="save the replay section")
    parser.add_argument("--note", default="", help="what else the machine was doing, for the record")
    parser.add_argument("--write", action="store_true", help="record the results in bench/RESULTS.md")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = [part for part in parts if part not in HEADINGS]
    if unknown:
        raise SystemExit(f"unknown part '{unknown[0]}'; choose from {', '.join(HEADINGS)}")
    if "slider" in parts and missing_browser_reason():
        raise SystemExit(f"cannot run in Chromium: {missing_browser_reason()}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for part in parts:
        if part == "overhead":
            body = overhead(args.epochs, args.note)
        elif part == "size":
            body = sizes(args.note)
        else:
            body = slider(args.steps, args.runs, args.screenshot, args.note)
        print(f"{HEADINGS[part]}\n\n{body}\n", flush=True)
        if args.write:
            record_section(HEADINGS[part], body)


if __name__ == "__main__":
    main()
