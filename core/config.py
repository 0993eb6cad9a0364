"""Run configurations: plain, JSON-able dataclasses, validated on load so a bad file names the bad key."""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DATASETS = ("mnist", "fashion-mnist", "cifar10", "clocks")
MODEL_KINDS = ("mlp", "cnn", "clock_cnn", "cae", "vae", "gan")
GENERATIVE_KINDS = ("cae", "vae", "gan")  # convolutional autoencoder, variational autoencoder, DCGAN
GENERATIVE_DATASETS = ("mnist", "fashion-mnist")
GENERATIVE_ENCODING = "generative"  # the encoding of every generative run: images are their own targets
LATENT_DIMS = (2, 128)  # the smallest and largest latent dimension (a 2-D VAE latent space can be drawn)
GENERATIVE_LEARNING_RATES = (1e-5, 1e-2)  # the range a generative run accepts (a GAN diverges above it)
GENERATIVE_IMAGES = (100, 60_000)  # data.limit_train of a generative run: 0 (all) or within this range
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam", "adamax", "adadelta")
SCHEDULES = ("constant", "cosine", "step")
ACTIVATIONS = ("relu", "elu", "selu", "gelu", "tanh", "sigmoid", "leaky_relu", "swish")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "random_normal", "zeros")
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)  # the rates the pages offer
MAX_EPOCHS = 200


class ConfigError(ValueError):
    """A configuration value or key that is not allowed; the message names the key."""


def knob(label: str, **options: Any) -> Any:
    """A field students turn and compare: `label` names its column in run tables (core.lab.tables.KNOBS)."""
    return field(metadata={"knob": label}, **options)


@dataclass
class DataConfig:
    """Which data a run trains on and how it is prepared."""

    dataset: str = "fashion-mnist"  # mnist | fashion-mnist | cifar10 | clocks
    source: str = "auto"  # datasets: auto | embedded | keras | path; clocks: render | path
    path: str = ""  # an npz (datasets) or a folder with images.npy/labels.npy (clocks)
    permuted: bool = knob("permuted", default=False)  # the seeded 784-pixel permutation (grayscale datasets)
    permutation_seed: int = 0
    clock_size: int = 150  # 150 or 75
    clock_difficulty: str = "assignment"
    clock_max_turn: int = 180  # rendered clocks turn at most this many degrees either way (a curriculum's early stages)
    clock_count: int = 18000  # rendered images (a multiple of 720 keeps every time equally often)
    clock_seed: int = 0
    limit_train: int = 0  # 0 = all; a smaller number makes quick classroom runs
    validation_split: float = 0.1  # carved from train, never from test
    augment: bool = False  # label-safe augmentation (clocks: brightness, noise, small shifts)


@dataclass
class ModelConfig:
    """The network: an MLP, a CNN for 28x28 images, a CNN for clock images, or a generative model."""

    kind: str = "mlp"  # mlp | cnn | clock_cnn | cae | vae | gan
    preset: str = ""  # a PRESETS name for this kind, or "" (the fields below decide)
    hidden: list[int] = knob("hidden layers", default_factory=lambda: [300, 100])  # dense layers (MLP; CNN head)
    conv_filters: list[int] = knob("conv filters", default_factory=lambda: [32, 64])  # filters per conv block
    convs_per_block: int = 1
    first_block_convs: int = 0  # cnn: convs in the first block (0 = convs_per_block)
    kernel_size: int = knob("kernel size", default=3)
    first_kernel_size: int = 3
    activation: str = knob("activation", default="relu")
    initializer: str = knob("initializer", default="glorot_uniform")
    l1: float = knob("L1", default=0.0)
    l2: float = knob("L2", default=0.0)
    dropout: float = knob("dropout", default=0.0)
    conv_dropout: bool = True  # cnn: with dropout > 0, also drop (at most 0.25) after each conv block
    batch_norm: bool = knob("batch norm", default=False)
    downsample: int = 1  # plain clock_cnn: the first convolution strides by this (a polar one samples the image whole)
    polar: bool = False  # clock_cnn: resample onto a polar grid first (a turn becomes a shift)
    find_dial: bool = knob("finds the dial", default=False)  # polar clock_cnn: the grid follows the dial finder's dial
    latent_dim: int = knob("latent dim", default=16)  # cae / vae: the code's size; gan: the noise vector's
    conditional: bool = knob("conditional", default=False)  # gan: both players are told the class (draw a chosen one)


# (kind, preset) -> the ModelConfig fields the preset decides; the fields it leaves out stay the config's
PRESETS: dict[tuple[str, str], dict[str, Any]] = {
    ("mlp", "reference"): {"hidden": [300, 100], "activation": "relu"},
    # the textbook CNN: one 7x7 conv, then blocks of two 3x3 convs; dropout only in the dense head
    ("cnn", "reference"): {
        "hidden": [128, 64],
        "conv_filters": [64, 128, 256],
        "convs_per_block": 2,
        "first_block_convs": 1,
        "kernel_size": 3,
        "first_kernel_size": 7,
        "activation": "relu",
        "dropout": 0.5,
        "conv_dropout": False,
        "batch_norm": False,
    },
    ("cnn", "compact"): {
        "hidden": [128],
        "conv_filters": [32, 64],
        "convs_per_block": 2,
        "kernel_size": 3,
        "first_kernel_size": 3,
        "activation": "relu",
        "initializer": "he_normal",
        "dropout": 0.3,
        "batch_norm": True,
    },
    # the CNN a student writes for the clocks: conv blocks, max pooling, a dense head (on the image itself)
    ("clock_cnn", "plain"): {
        "hidden": [256],
        "conv_filters": [32, 64, 128, 128],
        "convs_per_block": 2,
        "first_block_convs": 1,
        "kernel_size": 3,
        "first_kernel_size": 5,
        "activation": "relu",
        "initializer": "he_normal",
        "dropout": 0.3,
        "conv_dropout": False,
        "batch_norm": True,
        "polar": False,
    },
    ("clock_cnn", "compact"): {
        "hidden": [256],
        "conv_filters": [32, 32, 64, 64, 128, 128, 128],
        "convs_per_block": 1,
        "kernel_size": 3,
        "first_kernel_size": 5,
        "activation": "relu",
        "initializer": "he_normal",
        "dropout": 0.2,
        "batch_norm": True,
        "polar": True,
    },
    # generative models (core.generative.models): conv_filters are the encoder's (the decoder mirrors them) or
    # the discriminator's (the generator mirrors them); hidden is a dense layer before the latent code
    ("cae", "compact"): {"conv_filters": [16, 32], "hidden": [], "batch_norm": False},
    ("vae", "compact"): {"conv_filters": [16, 32], "hidden": [64], "batch_norm": False},
    # four times the compact VAE's arithmetic: its samples read as digits more often (pretrained mnist_vae_16)
    ("vae", "wide"): {"conv_filters": [32, 64], "hidden": [128], "batch_norm": False},
    ("gan", "dcgan"): {"conv_filters": [64, 128], "hidden": [], "batch_norm": True},
}


@dataclass
class OptimizerConfig:
    """Optimizer and learning-rate schedule."""

    name: str = knob("optimizer", default="adam")
    learning_rate: float = knob("learning rate", default=1e-3)
    momentum: float = 0.0  # sgd (and rmsprop)
    weight_decay: float = 0.0  # adamw
    schedule: str = knob("schedule", default="constant")  # constant | cosine | step
    step_every_epochs: int = 10  # step schedule: multiply by step_factor every N epochs
    step_factor: float = 0.5


@dataclass
class RunConfig:
    """Everything one training run needs; saved as config.json in the run folder."""

    name: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    encoding: str = knob("encoding", default="labels")  # "labels" for MNIST/Fashion; a clock encoding otherwise
    label_smoothing: float = 0.0
    soft_label_sigma: float = 0.0  # n-class clocks: spread targets over neighbours (minutes)
    epochs: int = knob("epochs", default=5)
    batch_size: int = knob("batch size", default=64)
    seed: int = 0
    early_stopping_patience: int = 0  # 0 = off; watches val_loss and restores the best weights
    init_from: str = ""  # transfer learning: a run folder or .keras file whose layers of the
    # same name and shape start from its weights (relative to the repo)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict, ready for json.dumps."""
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunConfig:
        """Build and validate a config; unknown keys and wrong types raise ConfigError naming the key."""
        config = _from_dict(cls, raw, "")
        validate(config)
        return config

    @classmethod
    def from_json_file(cls, path: str | Path) -> RunConfig:
        """Read a config file; a missing or malformed file raises ConfigError with the reason."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ConfigError(f"config file {path} is not valid JSON: {error}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"config file {path} must hold a JSON object")
        return cls.from_dict(raw)


def knob_labels(cls: type = RunConfig, prefix: str = "") -> dict[str, str]:
    """Dotted path -> label of every field declared with knob(), nested configs included, in field order."""
    hints = typing.get_type_hints(cls)
    labels = {}
    for item in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[item.name]):
            labels.update(knob_labels(hints[item.name], f"{prefix}{item.name}."))
        elif "knob" in item.metadata:
            labels[prefix + item.name] = item.metadata["knob"]
    return labels


def _from_dict(cls: type, raw: Any, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"'{prefix.rstrip('.') or 'config'}' must be an object")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown config key '{prefix}{unknown[0]}'")
    values = {}
    for name, value in raw.items():
        values[name] = _coerce(hints[name], value, f"{prefix}{name}")
    return cls(**values)


def _coerce(hint: Any, value: Any, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _from_dict(hint, value, key + ".")
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}' must be a list, got {type(value).__name__}")
        return [_coerce(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is bool and not isinstance(value, bool):
        raise ConfigError(f"config key '{key}' must be true or false, got {value!r}")
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"config key '{key}' must be an integer, got {value!r}")
    if hint in (float, str) and not isinstance(value, hint):
        raise ConfigError(f"config key '{key}' must be a {hint.__name__}, got {value!r}")
    return value


def _check(ok: bool, key: str, message: str) -> None:
    if not ok:
        raise ConfigError(f"config key '{key}' {message}")


def validate(config: RunConfig) -> None:
    """Refuse values no run can use, naming the key (learning rate > 0, classes dividing 720, ...)."""
    from core.clocks.render import DIFFICULTIES  # local: the renderer's styles name the difficulties
    from core.data.datasets import is_colour  # local: datasets imports this module
    from core.models.encodings import get_encoding  # local: encodings imports keras lazily only

    data, model, opt = config.data, config.model, config.optimizer
    _check(data.dataset in DATASETS, "data.dataset", f"must be one of {', '.join(DATASETS)}")
    _check(data.clock_size in (75, 150), "data.clock_size", "must be 75 or 150")
    _check(data.clock_difficulty in DIFFICULTIES, "data.clock_difficulty", f"must be one of {', '.join(DIFFICULTIES)}")
    _check(0 <= data.clock_max_turn <= 180, "data.clock_max_turn", "must be between 0 and 180 degrees")
    _check(1 <= data.clock_count <= 200_000, "data.clock_count", "must be between 1 and 200000")
    _check(data.limit_train >= 0, "data.limit_train", "must be 0 (all) or positive")
    _check(0.0 <= data.validation_split < 0.5, "data.validation_split", "must be in [0, 0.5)")
    _check(model.kind in MODEL_KINDS, "model.kind", f"must be one of {', '.join(MODEL_KINDS)}")
    presets = [preset for kind, preset in PRESETS if kind == model.kind]
    _check(
        not model.preset or (model.kind, model.preset) in PRESETS,
        "model.preset",
        f"must be '' or a {model.kind} preset: {', '.join(presets)}",
    )
    _check(all(0 < h <= 8192 for h in model.hidden), "model.hidden", "must hold layer sizes between 1 and 8192")
    _check(
        all(0 < f <= 1024 for f in model.conv_filters),
        "model.conv_filters",
        "must hold filter counts between 1 and 1024",
    )
    _check(1 <= model.convs_per_block <= 4, "model.convs_per_block", "must be between 1 and 4")
    _check(0 <= model.first_block_convs <= 4, "model.first_block_convs", "must be between 0 (convs_per_block) and 4")
    _check(model.kernel_size in (1, 3, 5, 7), "model.kernel_size", "must be 1, 3, 5 or 7")
    _check(model.first_kernel_size in (1, 3, 5, 7), "model.first_kernel_size", "must be 1, 3, 5 or 7")
    _check(model.activation in ACTIVATIONS, "model.activation", f"must be one of {', '.join(ACTIVATIONS)}")
    _check(model.initializer in INITIALIZERS, "model.initializer", f"must be one of {', '.join(INITIALIZERS)}")
    _check(model.l1 >= 0 and model.l2 >= 0, "model.l1/l2", "must be >= 0")
    _check(0.0 <= model.dropout < 1.0, "model.dropout", "must be in [0, 1)")
    _check(model.downsample in (1, 2, 3, 4), "model.downsample", "must be 1, 2, 3 or 4")
    low, high = LATENT_DIMS
    _check(low <= model.latent_dim <= high, "model.latent_dim", f"must be between {low} and {high}")
    _check(opt.name in OPTIMIZERS, "optimizer.name", f"must be one of {', '.join(OPTIMIZERS)}")
    _check(0.0 < opt.learning_rate <= 10.0, "optimizer.learning_rate", "must be > 0 and <= 10")
    _check(0.0 <= opt.momentum < 1.0, "optimizer.momentum", "must be in [0, 1)")
    _check(opt.weight_decay >= 0.0, "optimizer.weight_decay", "must be >= 0")
    _check(opt.schedule in SCHEDULES, "optimizer.schedule", f"must be one of {', '.join(SCHEDULES)}")
    _check(opt.step_every_epochs >= 1, "optimizer.step_every_epochs", "must be >= 1")
    _check(0.0 < opt.step_factor <= 1.0, "optimizer.step_factor", "must be in (0, 1]")
    _check(1 <= config.epochs <= MAX_EPOCHS, "epochs", f"must be between 1 and {MAX_EPOCHS}")
    _check(1 <= config.batch_size <= 4096, "batch_size", "must be between 1 and 4096")
    _check(0.0 <= config.label_smoothing < 1.0, "label_smoothing", "must be in [0, 1)")
    _check(0.0 <= config.soft_label_sigma <= 60.0, "soft_label_sigma", "must be in [0, 60] minutes")
    _check(config.early_stopping_patience >= 0, "early_stopping_patience", "must be >= 0")
    _check(".." not in Path(config.init_from).parts, "init_from", "must not climb out with '..'")
    _check(not model.conditional or model.kind == "gan", "model.conditional", "is for a GAN only")
    polar = PRESETS.get((model.kind, model.preset), {}).get("polar", model.polar)
    _check(
        not model.find_dial or (model.kind == "clock_cnn" and polar), "model.find_dial", "is for the polar clock CNN"
    )
    if model.kind in GENERATIVE_KINDS:
        _validate_generative(config)
        return
    _check(
        not (data.permuted and is_colour(data.dataset)),
        "data.permuted",
        f"must be false for {data.dataset}: the pixel permutation is for grayscale images (mnist, fashion-mnist)",
    )
    is_clock = data.dataset == "clocks"
    _check(
        is_clock == (model.kind == "clock_cnn"),
        "model.kind",
        "must be clock_cnn for clocks and mlp or cnn for mnist/fashion-mnist/cifar10",
    )
    _check(
        is_clock == (config.encoding != "labels"),
        "encoding",
        "must be 'labels' for mnist/fashion-mnist/cifar10 and a clock encoding for clocks",
    )
    try:
        get_encoding(config.encoding)
    except ValueError as error:
        raise ConfigError(f"config key 'encoding': {error}") from None


def _validate_generative(config: RunConfig) -> None:
    """A CAE, VAE or GAN trains on MNIST or Fashion-MNIST images, unpermuted, at a rate it survives."""
    data, opt = config.data, config.optimizer
    _check(
        data.dataset in GENERATIVE_DATASETS,
        "data.dataset",
        f"must be {' or '.join(GENERATIVE_DATASETS)} for a generative model ({', '.join(GENERATIVE_KINDS)})",
    )
    _check(
        config.encoding == GENERATIVE_ENCODING,
        "encoding",
        f"must be '{GENERATIVE_ENCODING}' for a generative model ({', '.join(GENERATIVE_KINDS)})",
    )
    _check(
        2 <= len(config.model.conv_filters) <= 3,
        "model.conv_filters",
        "must hold 2 or 3 filter counts for a generative model (two strided blocks take 28 x 28 to 7 x 7)",
    )
    _check(not data.permuted, "data.permuted", "must be false for a generative model (it draws whole images)")
    _check(not data.augment, "data.augment", "must be false for a generative model (it learns the images as they are)")
    low, high = GENERATIVE_LEARNING_RATES
    _check(
        low <= opt.learning_rate <= high,
        "optimizer.learning_rate",
        f"must be between {low:g} and {high:g} for a generative model",
    )
    low, high = GENERATIVE_IMAGES
    _check(
        data.limit_train == 0 or low <= data.limit_train <= high,
        "data.limit_train",
        f"must be 0 (all images) or between {low} and {high:,} images for a generative model",
    )
