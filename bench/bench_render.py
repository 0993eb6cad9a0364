"""Clock rendering speed: images per second for the assignment-sized set (18,000 clocks) at 150 px and 75 px.

Run: `.venv/bin/python bench/bench_render.py [--n 18000] [--difficulty assignment] [--pil 600] [--compare] [--cache]`.
`--pil N` also times a straightforward Pillow renderer of the same clock (drawn per image with ImageDraw,
rotated, warped with Image.transform(PERSPECTIVE), composited on a floor, glare, blur, noise) against
render_clocks on the same N times, both in this one process, alternating twice and keeping each one's
best, and prints the ratio of their per-image rates. `--compare` also times one process and threads
(which render_clocks does not use: with busy cores two threads wait on the GIL and run slower than one),
each on the same images. `--cache` times make_clock_dataset cold (render and save) and warm (load) in a
temporary cache folder. The load average is printed because other processes on a small machine change
the numbers a lot.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from bench.results_file import record_section  # noqa: E402
from core.clocks.dataset import balanced_times, make_clock_dataset  # noqa: E402
from core.clocks.render import render_clocks  # noqa: E402
from core.models.encodings import to_minutes  # noqa: E402


def render_with_threads(minutes: np.ndarray, size: int, difficulty: str, seed: int, workers: int) -> np.ndarray:
    """The same images from a thread pool (each thread renders pieces of 64 in this process)."""
    images = np.empty((len(minutes), size, size), dtype=np.uint8)

    def work(start: int) -> None:
        images[start : start + 64] = render_clocks(
            minutes[start : start + 64], size, difficulty, seed, workers=1, first_index=start
        )

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(0, len(minutes), 64)))
    return images


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


LINES: list[str] = []  # what --write records


def timed(label: str, render, count: int) -> np.ndarray:
    """Run `render`, print wall time, images/s and the CPU seconds it used (workers included)."""
    start_wall, start_cpu = time.perf_counter(), _cpu_seconds()
    images = render()
    wall, cpu = time.perf_counter() - start_wall, _cpu_seconds() - start_cpu
    line = f"  {label:28s} {wall:6.2f} s  {count / wall:8.0f} images/s   CPU {cpu:6.2f} s ({cpu / count * 1e3:.2f} ms/image)"
    print(line)
    LINES.append(line)
    return images


def time_cache(n: int, size: int, difficulty: str, seed: int) -> None:
    """make_clock_dataset twice in an empty cache folder: render + save, then load."""
    with tempfile.TemporaryDirectory() as folder:
        os.environ["CLOCKWORK_CACHE"] = folder
        for label in ("dataset, cold (render+save)", "dataset, warm (load)"):
            timed(label, lambda: make_clock_dataset(n, size, difficulty, seed), n)
        del os.environ["CLOCKWORK_CACHE"]


# ---------------------------------------------------------------------------------------------------------
# The reference: the assignment's clock drawn the plain way, one image at a time with Pillow's primitives.


@functools.lru_cache(maxsize=8)
def _pil_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _pil_bar(
    draw: ImageDraw.ImageDraw, centre: float, angle: float, start: float, stop: float, half_width: float, fill: int
) -> None:
    """A straight bar from radius `start` to `stop` along `angle` (radians, clockwise from 12), as a polygon."""
    s, c = math.sin(angle), math.cos(angle)
    corners = [(start, -half_width), (stop, -half_width), (stop, half_width), (start, half_width)]
    draw.polygon([(centre + a * s + b * c, centre - a * c + b * s) for a, b in corners], fill=fill)


def _pil_perspective(rng: np.random.Generator, size: int, canvas: int, case: float) -> tuple[float, ...]:
    """Image.transform coefficients (output pixel -> drawing pixel) for a random tilt, scale and offset."""
    tilt, axis = math.radians(52 * math.sqrt(rng.random())), rng.uniform(0, 2 * math.pi)
    k = np.array([math.cos(axis), math.sin(axis), 0.0])
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rotation = np.eye(3) + math.sin(tilt) * cross + (1 - math.cos(tilt)) * cross @ cross
    distance = rng.uniform(3.5, 7.0) * case
    focal = distance * rng.uniform(0.7, 1.06) * size / 2 / (case * 1.1)
    offset = rng.uniform(-0.07, 0.07, 2) * size
    to_plane = np.array([[1, 0, -canvas / 2], [0, -1, canvas / 2], [0, 0, 1]])  # drawing pixel -> plane
    camera = np.column_stack([rotation[:, 0], rotation[:, 1], [0, 0, distance]])
    to_image = np.array([[focal, 0, size / 2 + offset[0]], [0, -focal, size / 2 + offset[1]], [0, 0, 1]])
    backward = np.linalg.inv(to_image @ camera @ to_plane)
    return tuple((backward / backward[2, 2]).reshape(-1)[:8])


def _pil_floor(rng: np.random.Generator, size: int) -> Image.Image:
    """Wood: planks with grain lines as a 1-D profile, tiled, turned by a random angle, cropped."""
    length = 2 * size
    grain = np.cumsum(rng.uniform(0.1, 0.35, length))
    lines = np.abs(grain - np.rint(grain)) < 0.12
    planks = rng.uniform(-20, 20, 8)[(np.arange(length) // (length // 6)) % 8]
    profile = np.clip(rng.uniform(110, 170) + planks - 35 * lines, 0, 255).astype(np.uint8)
    floor = Image.fromarray(np.tile(profile, (length, 1)))
    floor = floor.rotate(rng.uniform(0, 180), resample=Image.Resampling.BILINEAR)
    return floor.crop((size // 2, size // 2, size // 2 + size, size // 2 + size))


def pil_clock(minutes: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """One assignment clock: bezel, face, minute dots, hour bars, numerals, bar hands, turned, tilted, on a floor."""
    canvas = 2 * size  # drawn at twice the size: Pillow's shapes are not anti-aliased
    middle = canvas / 2
    case = 0.47 * canvas
    face = case / 1.17

    def box(radius: float) -> tuple[float, float, float, float]:
        return middle - radius, middle - radius, middle + radius, middle + radius

    dial, mask = Image.new("L", (canvas, canvas), 0), Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(dial)
    ImageDraw.Draw(mask).ellipse(box(case), fill=255)
    draw.ellipse(box(case), fill=38)
    draw.arc(box(case * 0.96), 215, 235, fill=150, width=max(1, int(0.04 * case)))  # the bezel's highlight
    draw.ellipse(box(face), fill=242)
    for mark in range(60):
        angle = math.radians(6 * mark)
        if mark % 5:
            x, y = middle + 0.93 * face * math.sin(angle), middle - 0.93 * face * math.cos(angle)
            draw.ellipse((x - 0.015 * face, y - 0.015 * face, x + 0.015 * face, y + 0.015 * face), fill=25)
        else:
            _pil_bar(draw, middle, angle, 0.885 * face, 0.965 * face, 0.013 * face, 25)
    font = _pil_font(max(6, round(0.135 * face / 0.7)))
    for hour in range(1, 13):
        angle = math.radians(30 * hour)
        draw.text(
            (middle + 0.775 * face * math.sin(angle), middle - 0.775 * face * math.cos(angle)),
            str(hour),
            fill=25,
            font=font,
            anchor="mm",
        )
    _pil_bar(draw, middle, 2 * math.pi * (minutes % 720) / 720, -0.1 * face, 0.55 * face, 0.032 * face, 25)
    _pil_bar(draw, middle, 2 * math.pi * (minutes % 60) / 60, -0.13 * face, 0.8 * face, 0.027 * face, 25)
    draw.ellipse(box(0.055 * face), fill=25)
    turn = rng.uniform(-180, 180)
    dial = dial.rotate(turn, resample=Image.Resampling.BICUBIC)
    mask = mask.rotate(turn, resample=Image.Resampling.BICUBIC)
    coefficients = _pil_perspective(rng, size, canvas, case)
    dial = dial.transform((size, size), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR)
    mask = mask.transform((size, size), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR)
    image = Image.composite(dial, _pil_floor(rng, size), mask)
    if rng.random() < 1 / 3:  # a lamp's reflection on the glass
        glare = Image.new("L", (size, size), 0)
        x, y, radius = rng.uniform(0.25, 0.6) * size, rng.uniform(0.25, 0.6) * size, 0.065 * size
        ImageDraw.Draw(glare).ellipse((x - radius, y - radius, x + radius, y + radius), fill=int(rng.uniform(150, 240)))
        glare = ImageChops.multiply(glare.filter(ImageFilter.GaussianBlur(0.02 * size)), mask)
        image = ImageChops.screen(image, glare)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0) * size / 150))
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0.0, 1.5, (size, size))
    return np.clip(pixels + 0.5, 0, 255).astype(np.uint8)


def render_with_pil(minutes: np.ndarray, size: int, seed: int) -> np.ndarray:
    """The reference renderer over a set, image by image in this process."""
    return np.stack([pil_clock(float(m), size, np.random.default_rng([seed, i])) for i, m in enumerate(minutes)])


def compare_with_pil(minutes: np.ndarray, size: int, difficulty: str, seed: int) -> None:
    """Per-image rates of render_clocks and the Pillow reference, one process each, best of two alternating runs."""
    best = {"render_clocks": math.inf, "Pillow reference": math.inf}
    for _ in range(2):
        for label, render in (
            ("render_clocks", lambda: render_clocks(minutes, size, difficulty, seed, workers=1)),
            ("Pillow reference", lambda: render_with_pil(minutes, size, seed)),
        ):
            start = time.perf_counter()
            render()
            best[label] = min(best[label], time.perf_counter() - start)
    rates = {label: len(minutes) / seconds for label, seconds in best.items()}
    for label, rate in rates.items():
        line = f"  {label + ', 1 process':28s} {best[label]:6.2f} s  {rate:8.0f} images/s   ({len(minutes)} clocks, best of 2)"
        print(line)
        LINES.append(line)
    line = f"  render_clocks / Pillow: {rates['render_clocks'] / rates['Pillow reference']:.2f}x images/s"
    print(line)
    LINES.append(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=18000)
    parser.add_argument("--difficulty", default="assignment")
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 75])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="store_true", help="also time 1 thread and a spawn process pool")
    parser.add_argument("--cache", action="store_true", help="also time make_clock_dataset cold and warm")
    parser.add_argument(
        "--pil",
        type=int,
        default=0,
        metavar="N",
        help="also time a straightforward Pillow renderer against render_clocks on N clocks",
    )
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"{args.n} clocks, difficulty {args.difficulty}, {cores} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    minutes = to_minutes(balanced_times(args.n, args.seed))
    render_clocks(minutes[:64], 75, args.difficulty, args.seed)  # warm-up
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for size in args.sizes:
        print(f"size {size}:")
        LINES.append(f"size {size}:")
        images = timed(
            "render_clocks (default)",
            lambda size=size: render_clocks(minutes, size, args.difficulty, args.seed),
            args.n,
        )
        if args.compare:
            single = timed(
                "1 process",
                lambda size=size: render_clocks(minutes, size, args.difficulty, args.seed, workers=1),
                args.n,
            )
            threads = timed(
                f"{cores} threads",
                lambda size=size: render_with_threads(minutes, size, args.difficulty, args.seed, cores),
                args.n,
            )
            assert np.array_equal(images, single) and np.array_equal(images, threads), "renders differ"
        if args.pil:
            compare_with_pil(minutes[: args.pil], size, args.difficulty, args.seed)
        if args.cache:
            time_cache(args.n, size, args.difficulty, args.seed)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after: {load_after}")
    if args.write:
        record_section(
            "## Clock renderer",
            "```\n" + "\n".join(LINES) + "\n```\n\n"
            f"{args.n} '{args.difficulty}' clocks, {cores} CPU cores, load average {load_before} before, "
            f"{load_after} after; `.venv/bin/python bench/bench_render.py "
            f"{' '.join(argv if argv is not None else sys.argv[1:])}`",
        )


if __name__ == "__main__":
    main()
