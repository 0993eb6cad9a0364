"""The Generative models page: every view opens on small stand-in run folders, bad states say so in a sentence,
and the Train panel refuses values out of range. The stand-ins' sampling returns fixed arrays; one test trains a
real tiny VAE to check the views against core.generative.sampling itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.config import DataConfig, ModelConfig, RunConfig
from core.generative import sampling
from core.generative.runs import LATENT_DIM, PRESET, SIDEBAR_EPOCHS, SIDEBAR_IMAGES
from core.runs import jobs
from core.runs import store as runs
from core.storage.atomic import save_npz, write_json
from tests.conftest import open_app_page, page_text, tiny_config

PAGE = "pages/generative.py"
EPOCHS = 3


def digit_images(count: int, value: int = 200) -> np.ndarray:
    """`count` 28x28 images with a bright square in the middle."""
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 8:20, 8:20] = value
    return images


def make_run(
    folder: Path, kind: str, dataset: str = "mnist", latent: int = 16, state: str = "done", conditional: bool = False
) -> Path:
    """A run folder as a finished generative run leaves it, with an empty model.keras the stand-ins never read."""
    folder.mkdir(parents=True, exist_ok=True)
    config = RunConfig(
        name=f"{kind} stand-in",
        data=DataConfig(dataset=dataset),
        model=ModelConfig(kind=kind, preset=PRESET[kind], latent_dim=latent, conditional=conditional),
        encoding="generative",
        epochs=EPOCHS,
    )
    write_json(folder / "config.json", config.to_dict())
    write_json(folder / "status.json", {"state": state, "created": runs.now_iso(), "progress": {}})
    epochs = [{"epoch": e, "loss": 1.0 / e} for e in range(1, EPOCHS + 1)]
    if kind == "gan":
        epochs = [
            {"epoch": e, "d_loss": 1.3, "g_loss": 0.8, "d_real": 0.6, "d_fake": 0.4} for e in range(1, EPOCHS + 1)
        ]
    write_json(folder / "history.json", {"epochs": epochs, "batches": []})
    shares = [0.5, 0.5] + [0.0] * 8 if kind == "gan" else [0.1] * 10
    metrics = {"classifier_score": 7.25, "class_histogram": shares}
    if conditional:
        metrics["asked_class_share"] = 0.917
    arrays = {}
    if kind in ("cae", "vae"):
        metrics["reconstruction_mse"] = 0.0123
        arrays.update(originals=digit_images(32), reconstructions=digit_images(32, 150))
    if kind != "cae":
        arrays["samples"] = digit_images(100, 100)
    write_json(folder / "metrics.json", metrics)
    save_npz(folder / "evaluation.npz", **arrays)
    save_npz(folder / "samples.npz", epochs=np.arange(EPOCHS + 1), samples=np.stack([digit_images(64, 60)] * 4))
    (folder / "model.keras").write_bytes(b"")
    return folder


@pytest.fixture
def pretrained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stand-in pretrained CAE, VAE (2-D latent) and GAN on MNIST; no worker; fresh caches; fake sampling."""
    folder = tmp_path / "pretrained"
    for kind in ("cae", "vae", "gan"):
        make_run(folder / f"mnist_{kind}", kind, latent=2 if kind == "vae" else 16)
    monkeypatch.setenv("CLOCKWORK_PRETRAINED", str(folder))
    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    monkeypatch.setattr(
        sampling, "generate", lambda run_dir, count, seed=0, classes=None: digit_images(count, 10 + seed)
    )
    monkeypatch.setattr(sampling, "encode", lambda run_dir, images: np.linspace(-2, 2, 2 * len(images)).reshape(-1, 2))
    monkeypatch.setattr(sampling, "decode", lambda run_dir, latents: digit_images(len(np.atleast_2d(latents))))
    monkeypatch.setattr(sampling, "interpolate", lambda run_dir, a, b, steps, label=0: digit_images(steps))
    monkeypatch.setattr(sampling, "latent_grid", lambda run_dir, side: fake_grid(side))
    st.cache_data.clear()
    st.cache_resource.clear()
    return folder


def fake_grid(side: int) -> tuple[np.ndarray, np.ndarray]:
    values = np.linspace(-1.5, 1.5, side)
    z1, z2 = np.meshgrid(values, values[::-1])
    return digit_images(side * side), np.stack([z1.ravel(), z2.ravel()], axis=1)


def open_tab(tab: str, **params: str) -> AppTest:
    return open_app_page(PAGE, gen_tab=tab, **params)


def open_run_tab(tab: str, run: str) -> AppTest:
    """The page on one tab with the pretrained run `run` picked."""
    at = open_tab(tab)
    at.selectbox(key="gen_run_mnist").set_value(run).run()
    return at


def chart_count(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def test_the_page_opens_with_the_three_pretrained_models_side_by_side(pretrained: Path) -> None:
    at = open_app_page(PAGE)
    text = page_text(at)
    for title in ("Autoencoder (CAE)", "Variational autoencoder (VAE)", "GAN"):
        assert title in text
    assert "does not invent" in text and "blurry" in text and "stranger" in text
    assert [metric.value for metric in at.metric].count("7.25 / 10") >= 3
    assert chart_count(at) >= 4  # three showcases and the class histograms


def test_each_view_opens_without_an_error(pretrained: Path) -> None:
    for tab, run in (
        ("Reconstructions", "mnist_cae"),
        ("Samples", "mnist_vae"),
        ("Latent map", "mnist_vae"),
        ("Interpolation", "mnist_vae"),
        ("GAN duel", "mnist_gan"),
    ):
        at = open_tab(tab)
        at.selectbox(key="gen_run_mnist").set_value(run).run()
        assert not at.exception, (tab, at.exception)
        assert not at.warning, (tab, [box.value for box in at.warning])
        assert chart_count(at) >= 5, tab


def test_projector_text_draws_the_page_too(pretrained: Path) -> None:
    at = open_tab("Samples")
    at.toggle(key="large_text").set_value(True).run()
    assert not at.exception
    assert chart_count(at) >= 6


def test_new_samples_are_drawn_with_a_new_seed(pretrained: Path) -> None:
    at = open_tab("Samples")
    assert "Samples saved when training ended." in page_text(at)
    at.button(key="gen_new_samples").click().run()
    assert "noise seed 1" in page_text(at)


def test_the_gan_duel_names_the_classes_the_samples_miss(pretrained: Path) -> None:
    at = open_run_tab("GAN duel", "mnist_gan")
    text = page_text(at)
    assert "Mode collapse" in text and "class histogram" in text
    assert "Classes under 5% of this GAN's samples: 2 (0%)" in text


@pytest.mark.parametrize(
    ("tab", "run", "sentence"),
    [
        ("Samples", "mnist_cae", "does not invent images"),
        ("Reconstructions", "mnist_gan", "A GAN has no encoder"),
        ("Latent map", "mnist_gan", "needs a VAE with a 2-D latent space"),
        ("GAN duel", "mnist_vae", "Pick a GAN"),
    ],
)
def test_a_view_that_does_not_fit_the_model_says_so(pretrained: Path, tab: str, run: str, sentence: str) -> None:
    at = open_tab(tab)
    at.selectbox(key="gen_run_mnist").set_value(run).run()
    assert sentence in page_text(at)


def test_a_click_in_the_latent_map_names_the_test_image_under_it() -> None:
    from types import SimpleNamespace

    from ui.generative.latent_view import clicked_index

    click = SimpleNamespace(selection={"points": [{"curve_number": 3, "point_index": 0, "customdata": 4021}]})
    assert clicked_index(click) == 4021
    assert clicked_index(SimpleNamespace(selection={"points": []})) is None


def test_a_gan_walks_between_two_noise_seeds(pretrained: Path) -> None:
    at = open_run_tab("Interpolation", "mnist_gan")
    at.number_input(key="gen_interp_seed_b").set_value(5).run()
    assert not at.exception and not at.warning
    assert "walks between two noise vectors" in page_text(at)


@pytest.fixture
def told_gan(pretrained: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """A pretrained conditional GAN stand-in; the classes each generate or interpolate call was asked for."""
    make_run(pretrained / "mnist_cgan", "gan", conditional=True)
    asked = []

    def generate(run_dir, count, seed=0, classes=None):
        asked.append(None if classes is None else sorted(set(np.asarray(classes).tolist())))
        return digit_images(count, 10 + seed)

    def interpolate(run_dir, a, b, steps, label=0):
        asked.append([label])
        return digit_images(steps)

    monkeypatch.setattr(sampling, "generate", generate)
    monkeypatch.setattr(sampling, "interpolate", interpolate)
    return asked


def test_a_conditional_gan_draws_the_class_picked_and_says_how_often_it_draws_as_asked(told_gan: list) -> None:
    at = open_run_tab("Samples", "mnist_cgan")
    text = page_text(at)
    assert "Column n was asked for class n" in text and "91.7 %" in [metric.value for metric in at.metric]
    at.selectbox(key="gen_drawn_class").set_value(7).run()
    assert not at.exception and told_gan[-1] == [7]
    assert "All drawn as class 7 (7)" in page_text(at)


def test_a_conditional_gans_duel_reads_its_histogram_as_drawing_what_it_is_asked(told_gan: list) -> None:
    at = open_run_tab("GAN duel", "mnist_cgan")
    text = page_text(at)
    assert "This GAN is told the class" in text and "92% of its samples read as the class asked for" in text
    assert "Classes under 5%" not in text


def test_a_conditional_gan_walks_between_two_seeds_as_one_class(told_gan: list) -> None:
    at = open_run_tab("Interpolation", "mnist_cgan")
    at.selectbox(key="gen_interp_class").set_value(3).run()
    assert not at.exception and not at.warning and told_gan[-1] == [3]


def test_a_gan_from_the_train_panel_is_told_the_class_unless_unticked(pretrained: Path) -> None:
    at = open_app_page(PAGE)
    at.radio(key="gen_train_kind").set_value("gan").run()
    at.button(key="train_start_generative").click().run()
    at.checkbox(key="gen_train_conditional").uncheck().run()
    at.button(key="train_start_generative").click().run()
    told = {info.config["model"]["conditional"]: info.name for info in runs.list_runs()}
    assert set(told) == {True, False} and told[True].startswith("conditional GAN on")


def test_a_training_run_shows_its_latest_samples(pretrained: Path, runs_root: Path) -> None:
    run_id = runs.new_run_id()
    make_run(runs_root / run_id, "vae", state="running")
    at = open_app_page(PAGE, run=run_id)
    assert "Its samples from fixed noise after epoch 3." in page_text(at)
    assert at.selectbox(key="gen_run_mnist").value == run_id  # the views below look at it first


def test_a_finished_run_shows_its_classifier_score_in_the_sidebar(pretrained: Path, runs_root: Path) -> None:
    run_id = runs.new_run_id()
    make_run(runs_root / run_id, "gan")
    at = open_app_page(PAGE, run=run_id)
    assert "classifier score 7.25 / 10" in page_text(at)


def test_a_view_that_does_not_fit_offers_the_pretrained_model_that_does(pretrained: Path) -> None:
    at = open_tab("GAN duel")
    at.button(key="gen_offer_mnist_gan").click().run()
    assert at.selectbox(key="gen_run_mnist").value == "mnist_gan"
    assert "Mode collapse" in page_text(at)


def test_a_training_gan_shows_its_duel_so_far(pretrained: Path, runs_root: Path) -> None:
    run_id = runs.new_run_id()
    make_run(runs_root / run_id, "gan", state="running")
    at = open_app_page(PAGE, run=run_id, gen_tab="Reconstructions")
    assert not at.exception
    assert "Its samples from fixed noise after epoch 3." in page_text(at)
    assert any(
        "Generator and discriminator losses" in chart.proto.spec and "cannot tell" in chart.proto.spec
        for chart in at.get("plotly_chart")
    )


def test_a_run_without_samples_says_so(pretrained: Path) -> None:
    (pretrained / "mnist_vae" / "samples.npz").unlink()
    at = open_tab("Samples")
    assert "no samples by epoch yet" in page_text(at)


def test_a_vae_with_more_than_two_latent_dimensions_has_no_map(pretrained: Path) -> None:
    make_run(pretrained / "mnist_vae", "vae", latent=16)
    at = open_tab("Latent map")
    assert "16 latent dimensions, too many to draw" in page_text(at)


def test_switching_the_dataset_shows_that_its_models_are_missing(pretrained: Path) -> None:
    at = open_app_page(PAGE)
    at.segmented_control(key="gen_dataset").set_value("fashion-mnist").run()
    assert not at.exception
    text = page_text(at)
    assert "`fashion_vae` is not installed yet" in text
    assert "No generative model for Fashion-MNIST is here yet" in text


def test_every_pretrained_generative_model_of_the_dataset_is_in_the_picker(pretrained: Path) -> None:
    make_run(pretrained / "mnist_vae_16", "vae", latent=16)
    make_run(pretrained / "fashion_gan", "gan", dataset="fashion-mnist")
    at = open_app_page(PAGE)
    options = at.selectbox(key="gen_run_mnist").options
    assert options == [
        "pretrained mnist_cae · CAE, latent 16",
        "pretrained mnist_vae · VAE, latent 2",
        "pretrained mnist_gan · GAN, latent 16",
        "pretrained mnist_vae_16 · VAE, latent 16",
    ]


def test_the_comparison_shows_the_best_scoring_pretrained_model_of_each_kind(pretrained: Path) -> None:
    better = make_run(pretrained / "mnist_vae_16", "vae", latent=16)
    write_json(better / "metrics.json", {"classifier_score": 8.5, "class_histogram": [0.1] * 10})
    at = open_app_page(PAGE, gen_tab="Latent map")
    assert "8.50 / 10" in [metric.value for metric in at.metric]
    assert "`mnist_vae_16` · latent dimension 16" in page_text(at)
    assert at.selectbox(key="gen_run_mnist").value == "mnist_vae"  # the views still open on the 2-D VAE


def test_a_users_run_on_the_dataset_joins_the_picker(pretrained: Path, runs_root: Path) -> None:
    make_run(runs_root / runs.new_run_id(), "gan", dataset="fashion-mnist")
    at = open_tab("GAN duel")
    at.segmented_control(key="gen_dataset").set_value("fashion-mnist").run()
    assert at.selectbox(key="gen_run_fashion-mnist").options[0].endswith(": gan stand-in")
    assert "Mode collapse" in page_text(at)


@pytest.mark.parametrize(
    ("key", "value", "sentence"),
    [
        ("gen_train_latent_vae", 1, "model.latent_dim' must be between 2 and 128"),
        ("gen_train_lr_vae", 0.5, "optimizer.learning_rate' must be between"),
        ("gen_train_images", 50, "data.limit_train' must be 0 (all images) or between 100"),
    ],
)
def test_the_train_form_refuses_values_out_of_range(pretrained: Path, key: str, value: float, sentence: str) -> None:
    at = open_app_page(PAGE)
    at.number_input(key=key).set_value(value).run()
    assert any(sentence in box.value and "cannot be trained" in box.value for box in at.sidebar.error)
    assert at.button(key="train_start_generative").disabled


def test_start_queues_the_default_vae_run(pretrained: Path) -> None:
    at = open_app_page(PAGE)
    at.button(key="train_start_generative").click().run()
    assert not at.exception
    (info,) = runs.list_runs()
    assert info.config["model"]["kind"] == "vae" and info.config["encoding"] == "generative"
    assert info.config["data"]["limit_train"] == SIDEBAR_IMAGES and info.config["epochs"] == SIDEBAR_EPOCHS["vae"]
    assert info.config["model"]["latent_dim"] == LATENT_DIM["vae"] == 16  # samples that read as digits in a minute


def test_a_real_tiny_vae_draws_every_view(runs_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.runs.training import run_config

    monkeypatch.setattr(jobs, "ensure_worker", lambda *args, **kwargs: False)
    st.cache_data.clear()
    config = tiny_config(
        model__kind="vae",
        model__preset=PRESET["vae"],
        model__latent_dim=2,
        model__conv_filters=[8, 16],
        model__hidden=[],
        encoding="generative",
    )
    info = run_config(config, root=runs_root)
    assert info.state == "done", info.status.get("reason")
    for tab in ("Reconstructions", "Samples", "Latent map", "Interpolation"):
        at = open_tab(tab, run=info.run_id)
        if tab == "Samples":
            at.button(key="gen_new_samples").click().run()
        assert not at.exception and not at.warning, (tab, at.exception, [box.value for box in at.warning])
        assert chart_count(at) >= 2, tab
