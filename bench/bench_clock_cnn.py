"""Training speed of the clock CNN preset: images per second at 150 px and 75 px on random images.

Run: `.venv/bin/python bench/bench_clock_cnn.py [--images 512] [--epochs 2] [--preset compact]`.
It warms up with one epoch (graph tracing), then times `--epochs` epochs of `model.fit` at batch 64.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from core.config import DataConfig, ModelConfig, RunConfig  # noqa: E402
from core.models.build import build_model, compile_model, count_params, input_shape_for  # noqa: E402
from core.models.encodings import encoding_for  # noqa: E402


def measure(size: int, preset: str, images: int, epochs: int, encoding_name: str, batch_size: int) -> dict:
    """Params and training images/s of one clock_cnn preset at one image size."""
    config = RunConfig(
        data=DataConfig(dataset="clocks", clock_size=size),
        model=ModelConfig(kind="clock_cnn", preset=preset),
        encoding=encoding_name,
        batch_size=batch_size,
        epochs=epochs,
    )
    encoding = encoding_for(config)
    model = build_model(config, input_shape_for(config), encoding)
    steps = images // batch_size
    compile_model(model, config, encoding, steps)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(steps * batch_size, size, size, 1)).astype(np.float32)
    labels = np.stack([rng.integers(0, 12, len(x)), rng.integers(0, 60, len(x))], axis=1)
    y = encoding.encode(labels)
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    return {"size": size, "params": count_params(model), "images_per_s": len(x) * epochs / seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--preset", default="compact")
    parser.add_argument("--encoding", default="sincos")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 75])
    args = parser.parse_args(argv)
    for size in args.sizes:
        result = measure(size, args.preset, args.images, args.epochs, args.encoding, args.batch_size)
        print(
            f"clock_cnn preset={args.preset} size={size}px encoding={args.encoding}: "
            f"{result['params']:,} params, {result['images_per_s']:.0f} images/s training"
        )


if __name__ == "__main__":
    main()
