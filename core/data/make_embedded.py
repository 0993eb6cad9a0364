"""Rebuild the embedded offline copy of MNIST and Fashion-MNIST in core/data/ from the full files.

Run from the repository root:  python -m core.data.make_embedded [--source DIR]
The source folder holds mnist-10k.npz and fashion-mnist.npz (Keras layout). MNIST is copied as is;
Fashion-MNIST gets a stratified, seeded subset split over a train file and a test file so that no file
passes 8 MB. The zip entries carry a fixed timestamp, so a rebuild is byte-identical (same sha256).
"""

from __future__ import annotations

import argparse
import hashlib
import zipfile
from pathlib import Path

import numpy as np

from core.storage.atomic import write_bytes, write_with

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent.parent.parent / "shared" / "data"
TRAIN_PER_CLASS = 1_800
TEST_PER_CLASS = 750
SEED = 0
MAX_FILE_BYTES = 8_000_000
MAX_TOTAL_BYTES = 13_000_000


def stratified_indices(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """`per_class` random indices of every label 0-9, in their original order."""
    rng = np.random.default_rng(seed)
    picked = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(picked))


def save_npz_reproducibly(path: Path, **arrays: np.ndarray) -> Path:
    """Like np.savez_compressed, but with a fixed timestamp per entry so equal arrays give equal bytes."""

    def write(file) -> None:
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, np.ascontiguousarray(array), allow_pickle=False)

    return write_with(path, write)


def build(source: Path, target: Path) -> list[Path]:
    """Write mnist.npz, fashion-mnist-train.npz and fashion-mnist-test.npz into `target`."""
    mnist_bytes = (source / "mnist-10k.npz").read_bytes()
    with np.load(source / "mnist-10k.npz", allow_pickle=False) as mnist:
        if sorted(mnist.files) != ["x_test", "x_train", "y_test", "y_train"]:
            raise SystemExit(f"{source / 'mnist-10k.npz'} is not in Keras layout: {mnist.files}")
    written = [write_bytes(target / "mnist.npz", mnist_bytes)]
    with np.load(source / "fashion-mnist.npz", allow_pickle=False) as fashion:
        train = stratified_indices(fashion["y_train"], TRAIN_PER_CLASS, SEED)
        test = stratified_indices(fashion["y_test"], TEST_PER_CLASS, SEED + 1)
        written.append(
            save_npz_reproducibly(
                target / "fashion-mnist-train.npz", x_train=fashion["x_train"][train], y_train=fashion["y_train"][train]
            )
        )
        written.append(
            save_npz_reproducibly(
                target / "fashion-mnist-test.npz", x_test=fashion["x_test"][test], y_test=fashion["y_test"][test]
            )
        )
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="folder with mnist-10k.npz and fashion-mnist.npz (default: ../shared/data beside the repo)",
    )
    parser.add_argument("--target", type=Path, default=HERE, help="where to write (default: core/data)")
    args = parser.parse_args(argv)
    written = build(args.source, args.target)
    total = 0
    for path in written:
        size = path.stat().st_size
        total += size
        print(f"{path.name}  {size:,} bytes  sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
        if size > MAX_FILE_BYTES:
            raise SystemExit(f"{path.name} is over {MAX_FILE_BYTES:,} bytes: lower the per-class counts")
    print(f"total {total:,} bytes")
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"the copy is over {MAX_TOTAL_BYTES:,} bytes: lower the per-class counts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
