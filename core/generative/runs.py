"""The generative runs the lab starts from: one default config per kind, shared by the sidebar, the benchmark
(bench/bench_generative.py) and the pretrained recipes (core.runs.pretrain), which train the same runs longer."""

from __future__ import annotations

from core.config import GENERATIVE_ENCODING, DataConfig, ModelConfig, OptimizerConfig, RunConfig

PRESET = {"cae": "compact", "vae": "compact", "gan": "dcgan"}
# a sidebar VAE has 16 latent dimensions: its samples read as digits within a minute (bench/RESULTS.md); a 2-D one
# can be drawn as a map (the pretrained mnist_vae, or a latent dim of 2 in the form) but its samples stay blurry
LATENT_DIM = {"cae": 32, "vae": 16, "gan": 64}
LEARNING_RATE = {"cae": 2e-3, "vae": 1e-3, "gan": 2e-4}
SCHEDULE = {"cae": "cosine", "vae": "cosine", "gan": "constant"}  # a GAN's duel has no finish line to decay to
BATCH_SIZE = {"cae": 128, "vae": 32, "gan": 64}  # a 2-D VAE needs many small steps to spread its classes
SIDEBAR_EPOCHS = {"cae": 10, "vae": 12, "gan": 10}  # a sidebar run: about two minutes on 2 CPUs (bench/RESULTS.md)
SIDEBAR_IMAGES = 8_000  # images a sidebar run trains on (all of the offline MNIST; a sample of Fashion's 60,000)
# a GAN is told the class by default: told, its samples read as digits after ~1,000 steps; untold, it needs ~10x more
# to draw digits as well (bench/RESULTS.md, "GAN"); the form's checkbox turns it off to show the plain duel
CONDITIONAL = {"cae": False, "vae": False, "gan": True}


def default_config(
    kind: str,
    dataset: str = "mnist",
    epochs: int | None = None,
    images: int = SIDEBAR_IMAGES,
    conditional: bool | None = None,
) -> RunConfig:
    """The default run of a CAE, VAE or GAN on MNIST or Fashion-MNIST (validated like any config); `images` = 0
    trains on every image; `conditional` (a GAN) overrides the kind's default."""
    config = RunConfig(
        name=f"{kind} on {dataset}",
        data=DataConfig(dataset=dataset, limit_train=images),
        model=ModelConfig(
            kind=kind,
            preset=PRESET[kind],
            latent_dim=LATENT_DIM[kind],
            conditional=CONDITIONAL[kind] if conditional is None else conditional,
        ),
        optimizer=OptimizerConfig(name="adam", learning_rate=LEARNING_RATE[kind], schedule=SCHEDULE[kind]),
        encoding=GENERATIVE_ENCODING,
        epochs=SIDEBAR_EPOCHS[kind] if epochs is None else epochs,
        batch_size=BATCH_SIZE[kind],
        seed=0,
    )
    return RunConfig.from_dict(config.to_dict())
