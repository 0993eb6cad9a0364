"""Shared test fixtures: quiet TensorFlow, a private runs folder per test, tiny run configs."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything imports TensorFlow

from core.config import DataConfig, ModelConfig, OptimizerConfig, RunConfig  # noqa: E402


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the whole session, so rendered clocks are made once."""
    return tmp_path_factory.mktemp("clockwork-cache")


@pytest.fixture(autouse=True)
def isolated_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_cache: Path) -> None:
    """No test touches the repository's runs/ or the user's cache."""
    monkeypatch.setenv("CLOCKWORK_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("CLOCKWORK_CACHE", str(shared_cache))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def runs_root(tmp_path: Path) -> Path:
    """The (not yet created) runs folder of this test, the same one core.storage.paths.runs_dir() returns."""
    return tmp_path / "runs"


def tiny_config(**overrides: Any) -> RunConfig:
    """A seconds-long MNIST run: 256 embedded images, a 16-unit MLP, one epoch of 32-image batches."""
    config = RunConfig(
        name="tiny",
        data=DataConfig(dataset="mnist", source="embedded", limit_train=256),
        model=ModelConfig(kind="mlp", hidden=[16]),
        optimizer=OptimizerConfig(name="adam"),
        encoding="labels",
        epochs=1,
        batch_size=32,
        seed=0,
    )
    for key, value in overrides.items():
        target = config
        *parents, leaf = key.split("__")
        for parent in parents:
            target = getattr(target, parent)
        setattr(target, leaf, value)
    return RunConfig.from_dict(config.to_dict())


def tiny_clock_config(encoding: str = "sincos", **overrides: Any) -> RunConfig:
    """A one-epoch clock run on 1,440 rendered 75-px clocks (each time twice: 720 train, 720 test), small CNN."""
    base = {
        "data__dataset": "clocks",
        "data__source": "render",
        "data__clock_count": 1440,
        "data__clock_size": 75,
        "model__kind": "clock_cnn",
        "model__conv_filters": [8, 16],
        "model__hidden": [32],
        "encoding": encoding,
        "batch_size": 64,
    }
    return tiny_config(**{**base, **overrides})


@pytest.fixture
def make_config() -> Callable[..., RunConfig]:
    """Factory for tiny MNIST configs; keyword paths use '__', e.g. optimizer__learning_rate=0.1."""
    return tiny_config


@pytest.fixture
def make_clock_config() -> Callable[..., RunConfig]:
    """Factory for tiny clock configs (1,440 clocks at 75 px)."""
    return tiny_clock_config


def page_text(at: Any) -> str:
    """Everything an AppTest page says in words: markdown, captions, info/warning/error/success boxes, progress."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.info]
    parts += [e.value for e in at.warning] + [e.value for e in at.error] + [e.value for e in at.success]
    parts += [str(e.proto) for e in at.get("progress")]
    return "\n".join(str(part) for part in parts)


def npy_bytes(array: np.ndarray) -> bytes:
    """The bytes np.save writes for `array` (what a user uploads as a .npy file)."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Browser tests: the app on a free port with private runs and cache folders; stopped (with its worker) afterwards."""
    from tests.browser_support import start_app, stop_app

    folder = tmp_path_factory.mktemp("browser-app")
    server = start_app(folder / "runs", folder / "streamlit.log", env={"CLOCKWORK_CACHE": str(folder / "cache")})
    yield server
    stop_app(server)


@pytest.fixture(scope="module")
def browser(app_server: Any) -> Iterator[Any]:
    """Browser tests: Debian's Chromium through Playwright, warmed on the home page so no test pays the cold start."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import PAGES, VIEWPORT, launch_browser, open_page

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        warm = chromium.new_page(viewport=VIEWPORT)
        open_page(warm, app_server, PAGES["home"], timeout_s=90)
        warm.close()
        yield chromium
        chromium.close()


def open_app_page(page: str, **params: str) -> Any:
    """The app in AppTest, home page first (as a browser would), then `page` with `params` in its URL; no exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at
