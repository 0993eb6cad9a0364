"""Clock rendering speed: images per second for the assignment-sized set (18,000 clocks) at 150 px and 75 px.

Run: `.venv/bin/python bench/bench_render.py [--n 18000] [--difficulty assignment] [--compare] [--cache]`.
`--compare` also times one process and threads (which render_clocks does not use: with busy cores
two threads wait on the GIL and run slower than one), each on the same images. `--cache` times
make_clock_dataset cold (render and save) and warm (load) in a temporary cache folder. The load
average is printed because other processes on a small machine change the numbers a lot.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.results_file import record_section  # noqa: E402
from core.clocks.dataset import balanced_times, make_clock_dataset  # noqa: E402
from core.clocks.render import render_clocks  # noqa: E402
from core.models.encodings import to_minutes  # noqa: E402


def render_with_threads(minutes: np.ndarray, size: int, difficulty: str, seed: int, workers: int) -> np.ndarray:
    """The same images from a thread pool (each thread renders pieces of 64 in this process)."""
    images = np.empty((len(minutes), size, size), dtype=np.uint8)

    def work(start: int) -> None:
        images[start:start + 64] = render_clocks(minutes[start:start + 64], size, difficulty, seed, workers=1,
                                                 first_index=start)

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=18000)
    parser.add_argument("--difficulty", default="assignment")
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 75])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="store_true", help="also time 1 thread and a spawn process pool")
    parser.add_argument("--cache", action="store_true", help="also time make_clock_dataset cold and warm")
    parser.add_argument("--write", action="store_true", help="record the result in bench/RESULTS.md")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{args.n} clocks, difficulty {args.difficulty}, {cores} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    minutes = to_minutes(balanced_times(args.n, args.seed))
    render_clocks(minutes[:64], 75, args.difficulty, args.seed)                       # warm-up
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for size in args.sizes:
        print(f"size {size}:")
        LINES.append(f"size {size}:")
        images = timed("render_clocks (default)", lambda: render_clocks(minutes, size, args.difficulty, args.seed),
                       args.n)
        if args.compare:
            single = timed("1 process", lambda: render_clocks(minutes, size, args.difficulty, args.seed, workers=1),
                           args.n)
            threads = timed(f"{cores} threads", lambda: render_with_threads(minutes, size, args.difficulty, args.seed,
                                                                             cores), args.n)
            assert np.array_equal(images, single) and np.array_equal(images, threads), "renders differ"
        if args.cache:
            time_cache(args.n, size, args.difficulty, args.seed)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after: {load_after}")
    if args.write:
        record_section("## Clock renderer", "```\n" + "\n".join(LINES) + "\n```\n\n"
                       f"{args.n} '{args.difficulty}' clocks, {cores} CPU cores, load average {load_before} before, "
                       f"{load_after} after; `.venv/bin/python bench/bench_render.py --write`")


if __name__ == "__main__":
    main()
