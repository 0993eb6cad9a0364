"""The dial finder: a small CNN that says where a clock's dial is (its hub and ellipse), so a polar grid can follow it.

A polar grid centred on the image bends a dial that sits off-centre or tilted: the short hour hand's angle then
reads up to 20 degrees off, which is an hour wrong. The finder regresses the dial's geometry as
core.clocks.render.dial_geometry describes it (hub x, y and the ellipse's stretch, in half-widths of the image),
learnt from rendered clocks whose geometry the renderer knows, never from the held-out dial families. A clock model
that finds the dial (`model.find_dial`) carries a frozen copy of the shipped finder inside it.

    python -m core dial-finder [--count 24000] [--epochs 4]
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.storage.paths import pretrained_dir

FINDER_FOLDER = "clock_dial_finder"  # in pretrained/: model.keras and finder.json (no config.json: not a run)
FINDER_SIZE = 75  # the finder looks at 75 px (a 150-px image averaged in 2x2 blocks): a dial's outline is plenty
DIAL_REACH = 1.2  # a polar grid on the found dial reaches this many dial radii (past the numerals, to the bezel)
GEOMETRY = ("hub x", "hub y", "stretch xx", "stretch xy", "stretch yy")


@dataclass(frozen=True)
class FinderRecipe:
    """What the shipped finder trains on: rendered clocks of one difficulty and seed (none of the test seeds)."""

    difficulty: str = "mixed"
    count: int = 24000
    seed: int = 2
    epochs: int = 4
    size: int = 150  # the clocks rendered; the finder sees them at FINDER_SIZE
    learning_rate: float = 2e-3


def finder_folder(folder: str | Path | None = None) -> Path:
    """The folder holding the dial finder: `folder`, else pretrained/clock_dial_finder."""
    return Path(folder) if folder else pretrained_dir() / FINDER_FOLDER


def build_dial_finder() -> Any:
    """An untrained finder: a 75-px image [75, 75, 1] in 0..1 in, its dial's five geometry numbers out.

    The hub is where a score map on a 19x19 grid peaks (a soft argmax: the same weights find it anywhere); the
    ellipse's stretch comes from a dense layer on a coarse 5x5 map that sees the whole rim.
    """
    import keras

    from core.models.layers import SpatialSoftArgmax

    layers = keras.layers

    def conv(x: Any, filters: int, strides: int, name: str) -> Any:
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False, name=f"finder_{name}")(x)
        x = layers.BatchNormalization(name=f"finder_{name}_bn")(x)
        return layers.Activation("relu", name=f"finder_{name}_act")(x)

    inputs = keras.Input((FINDER_SIZE, FINDER_SIZE, 1), name="finder_image")
    x = conv(inputs, 16, 2, "conv_0")  # 38 x 38
    x = conv(x, 32, 1, "conv_1")
    x = conv(x, 48, 2, "conv_2")  # 19 x 19
    x = conv(x, 48, 1, "conv_3")
    fine = conv(x, 48, 1, "conv_4")
    scores = layers.Conv2D(1, 3, padding="same", name="finder_hub_scores")(fine)
    hub = SpatialSoftArgmax(name="finder_hub")(scores)
    x = conv(fine, 64, 2, "conv_5")  # 10 x 10
    x = conv(x, 96, 2, "conv_6")  # 5 x 5
    x = layers.Flatten(name="finder_flatten")(x)
    x = layers.Dense(128, activation="relu", name="finder_dense")(x)
    stretch = layers.Dense(3, name="finder_stretch")(x)
    outputs = layers.Concatenate(name="finder_geometry")([hub, stretch])
    return keras.Model(inputs, outputs, name="dial_finder")


def dial_outline(dial: np.ndarray, radius: float, height: int, width: int, points: int = 96) -> np.ndarray:
    """Pixel (column, row) pairs [points + 2, 2] of the ring `radius` dial radii out on a dial (geometry as
    dial_geometry gives it) in an image [height, width], closed, then the hub: what a polar grid on it reaches."""
    angle = np.linspace(0, 2 * np.pi, points + 1)
    ring_x, ring_y = radius * np.sin(angle), radius * np.cos(angle)
    x = dial[0] + np.append(dial[2] * ring_x + dial[3] * ring_y, 0.0)
    y = dial[1] + np.append(dial[3] * ring_x + dial[4] * ring_y, 0.0)
    return np.stack([(x + 1) * width / 2 - 0.5, (1 - y) * height / 2 - 0.5], axis=1)


def geometry_errors(found: np.ndarray, true: np.ndarray, size: int) -> dict[str, float]:
    """How far found geometry is from the truth: the hub's distance in pixels, the ellipse's size and shape in % of
    the dial's radius (the largest change of a point on its rim)."""
    hub = np.hypot(found[:, 0] - true[:, 0], found[:, 1] - true[:, 1]) * size / 2
    difference = found[:, 2:] - true[:, 2:]
    matrices = np.stack([difference[:, [0, 1]], difference[:, [1, 2]]], 1)
    rim = np.linalg.norm(matrices, ord=2, axis=(1, 2)) / np.sqrt(np.abs(true[:, 2] * true[:, 4] - true[:, 3] ** 2))
    return {
        "hub_error_mean_px": round(float(hub.mean()), 2),
        "hub_error_p95_px": round(float(np.percentile(hub, 95)), 2),
        "rim_error_mean_pct": round(float(100 * rim.mean()), 2),
        "rim_error_p95_pct": round(float(100 * np.percentile(rim, 95)), 2),
    }


def finder_input(x: Any, size: int) -> Any:
    """Images [B, size, size, 1] as the finder takes them: averaged in blocks down to FINDER_SIZE."""
    import keras

    if size % FINDER_SIZE:
        raise ValueError(f"the dial finder needs images of a multiple of {FINDER_SIZE} px (got {size})")
    return keras.layers.AveragePooling2D(size // FINDER_SIZE, name="finder_shrink")(x) if size > FINDER_SIZE else x


def find_dials(finder: Any, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The finder's geometry [N, 5] for raw uint8 images [N, H, W] (a multiple of 75 px)."""
    from keras import ops

    factor = images.shape[1] // FINDER_SIZE
    out = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype("float32") / 255.0
        batch = batch.reshape(len(batch), FINDER_SIZE, factor, FINDER_SIZE, factor).mean(axis=(2, 4))
        out.append(ops.convert_to_numpy(finder(batch[:, :, :, None], training=False)))
    return np.concatenate(out).astype(np.float32)


def train_dial_finder(
    recipe: FinderRecipe = FinderRecipe(), folder: str | Path | None = None, held_out: int = 1440
) -> dict[str, Any]:
    """Train a finder on `recipe`'s clocks and install it (model.keras, finder.json) in `folder`; its scores on the
    last tenth of those clocks (never trained on) and on `held_out` 'unseen' clocks of a new seed."""
    import keras

    from core.clocks.dataset import make_clock_dataset
    from core.clocks.render import dial_geometry
    from core.runs.training import pack_model_file
    from core.storage.atomic import write_json

    started = time.time()
    images, _ = make_clock_dataset(recipe.count, recipe.size, recipe.difficulty, recipe.seed)
    geometry = dial_geometry(recipe.count, recipe.difficulty, recipe.seed)
    cut = recipe.count - recipe.count // 10
    keras.utils.set_random_seed(recipe.seed)
    finder = build_dial_finder()
    inputs = keras.Input((recipe.size, recipe.size, 1), name="image")
    trainer = keras.Model(inputs, finder(finder_input(keras.layers.Rescaling(1.0 / 255.0)(inputs), recipe.size)))
    steps = -(-cut // 64) * recipe.epochs
    rate = keras.optimizers.schedules.CosineDecay(recipe.learning_rate, steps, alpha=0.01)
    trainer.compile(optimizer=keras.optimizers.Adam(rate), loss="mse")
    history = trainer.fit(
        images[:cut, :, :, None],
        geometry[:cut],
        validation_data=(images[cut:, :, :, None], geometry[cut:]),
        batch_size=64,
        epochs=recipe.epochs,
        verbose=2,
    )
    seconds = time.time() - started
    unseen, _ = make_clock_dataset(held_out, recipe.size, "unseen", 7)
    metrics = {
        "validation": geometry_errors(find_dials(finder, images[cut:]), geometry[cut:], recipe.size),
        "unseen": geometry_errors(find_dials(finder, unseen), dial_geometry(held_out, "unseen", 7), recipe.size),
        "loss": [round(float(v), 6) for v in history.history["loss"]],
        "val_loss": [round(float(v), 6) for v in history.history["val_loss"]],
        "train_time_s": round(seconds, 1),
        "params": int(finder.count_params()),
        "recipe": asdict(recipe),
    }
    folder = finder_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / ".model.keras"
    finder.save(scratch)
    pack_model_file(scratch)
    scratch.replace(folder / "model.keras")
    write_json(folder / "finder.json", metrics)
    return metrics


def finder_installed(folder: str | Path | None = None) -> bool:
    """Whether a dial finder is installed (a model that finds the dial can be built)."""
    return (finder_folder(folder) / "model.keras").is_file()


def load_dial_finder(folder: str | Path | None = None) -> Any:
    """The shipped (or `folder`'s) dial finder, frozen, to sit inside a clock model."""
    from core.models.saved import ModelFileError, load_model_file

    path = finder_folder(folder) / "model.keras"
    try:
        finder = load_model_file(path)
    except ModelFileError as error:
        raise ValueError(
            f"a model that finds the dial needs the dial finder ({error}); train it with `python -m core dial-finder`"
        ) from None
    finder.trainable = False
    return finder
