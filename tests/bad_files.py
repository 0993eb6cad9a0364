"""A corpus of broken clock files: each case is a folder with images.npy and labels.npy, one thing wrong.

`write_case(name, folder)` writes one case and returns (folder, a fragment the refusal message must
contain); `write_all(root)` writes every case under root. No pickle is ever written with the pickle
module: the pickle and object-array cases are byte strings with the right opening bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


def valid_arrays(n: int = 6, size: int = 75) -> tuple[np.ndarray, np.ndarray]:
    """Small valid clock arrays: uint8 images and int64 [hour, minute] labels."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, size, size), dtype=np.uint8)
    labels = np.stack([np.arange(n) % 12, (np.arange(n) * 7) % 60], axis=1).astype(np.int64)
    return images, labels


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _npy_header_only(header: dict, payload: bytes, version: tuple[int, int] = (1, 0)) -> bytes:
    """An .npy file with an arbitrary (possibly lying) header followed by `payload`."""
    buffer = io.BytesIO()
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(buffer, header)
    else:
        np.lib.format.write_array_header_2_0(buffer, header)
    return buffer.getvalue() + payload


def _with(images: bytes | None = None, labels: bytes | None = None) -> tuple[bytes | None, bytes | None]:
    good_images, good_labels = valid_arrays()
    return (_npy(good_images) if images is None else images), (_npy(good_labels) if labels is None else labels)


def _labels_with(row: int, column: int, value: int) -> bytes:
    labels = valid_arrays()[1]
    labels[row, column] = value
    return _npy(labels)


def _npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, images=valid_arrays()[0])
    return buffer.getvalue()


def _zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("images.npy", _npy(valid_arrays()[0]))
    return buffer.getvalue()


_IMAGES_HEADER = {"descr": "|u1", "fortran_order": False, "shape": (6, 75, 75)}
_MISSING = b"<missing>"

# name -> (what images.npy and labels.npy hold, the fragment the refusal must contain)
CASES: dict[str, tuple[Callable[[], tuple[bytes | None, bytes | None]], str]] = {
    "missing_labels": (lambda: _with(labels=_MISSING), "labels file not found"),
    "empty_file": (lambda: _with(images=b""), "is empty"),
    "random_bytes": (lambda: _with(images=np.random.default_rng(1).bytes(5000)), "is not an .npy file"),
    "npz_archive": (lambda: _with(images=_npz()), "is a zip archive"),
    "zip_archive": (lambda: _with(labels=_zip_file()), "is a zip archive"),
    "raw_pickle": (
        lambda: _with(images=b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00" + b"\x00" * 64),
        "is a Python pickle",
    ),
    "object_dtype": (
        lambda: _with(images=_npy_header_only({**_IMAGES_HEADER, "descr": "|O"}, b"\x80\x04" + b"\x00" * 64)),
        "holds Python objects",
    ),
    "damaged_header": (
        lambda: _with(images=b"\x93NUMPY\x01\x00\x20\x00{'descr': <u1 this is not a dict}\n"),
        "damaged .npy header",
    ),
    "unsupported_version": (lambda: _with(images=b"\x93NUMPY\x03\x00" + b"\x00" * 64), "format version 3.0"),
    "truncated_images": (lambda: _with(images=_npy(valid_arrays()[0])[:-500]), "is truncated"),
    "truncated_labels": (lambda: _with(labels=_npy(valid_arrays()[1])[:-8]), "is truncated"),
    "absurd_shape": (
        lambda: _with(images=_npy_header_only({**_IMAGES_HEADER, "shape": (10**9, 150, 150)}, b"")),
        "-byte limit",
    ),
    "structured_dtype": (
        lambda: _with(labels=_npy(np.zeros(6, dtype=[("hour", "<i8"), ("minute", "<i8")]))),
        "structured dtype",
    ),
    "float_images": (lambda: _with(images=_npy(valid_arrays()[0].astype(np.float32) / 255)), "convert them to uint8"),
    "int64_images": (lambda: _with(images=_npy(valid_arrays()[0].astype(np.int64))), "must be uint8"),
    "colour_images": (lambda: _with(images=_npy(np.zeros((6, 75, 75, 3), np.uint8))), "colour images"),
    "wrong_image_size": (lambda: _with(images=_npy(np.zeros((6, 64, 64), np.uint8))), "shape (6, 64, 64)"),
    "flat_images": (lambda: _with(images=_npy(np.zeros((6, 75 * 75), np.uint8))), "shape (6, 5625)"),
    "no_images": (
        lambda: _with(images=_npy(np.zeros((0, 75, 75), np.uint8)), labels=_npy(np.zeros((0, 2), np.int64))),
        "holds no images",
    ),
    "no_labels": (lambda: _with(labels=_npy(np.zeros((0, 2), np.int64))), "holds no labels"),
    "float_labels": (lambda: _with(labels=_npy(valid_arrays()[1].astype(np.float64))), "they must be integers"),
    "labels_wrong_shape": (lambda: _with(labels=_npy(np.zeros((6, 3), np.int64))), "expected (N, 2)"),
    "labels_as_minutes": (lambda: _with(labels=_npy(np.arange(6, dtype=np.int64))), "shape (6,)"),
    "hour_12": (lambda: _with(labels=_labels_with(2, 0, 12)), "hour values must be 0-11"),
    "minute_60": (lambda: _with(labels=_labels_with(3, 1, 60)), "minute values must be 0-59"),
    "negative_label": (lambda: _with(labels=_labels_with(1, 1, -5)), "negative values"),
    "length_mismatch": (lambda: _with(labels=_npy(valid_arrays(n=5)[1])), "they must match"),
}


def write_case(name: str, folder: Path) -> tuple[Path, str]:
    """Write one bad case into `folder`; returns (folder, expected message fragment)."""
    make, fragment = CASES[name]
    images, labels = make()
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, content in (("images.npy", images), ("labels.npy", labels)):
        if content != _MISSING:
            (folder / file_name).write_bytes(content)
    return folder, fragment


def case_bytes(name: str) -> tuple[bytes, bytes, str]:
    """The two file contents of a case and its fragment, for the upload path (not for missing files)."""
    make, fragment = CASES[name]
    images, labels = make()
    return images, labels, fragment


def write_all(root: Path) -> dict[str, tuple[Path, str]]:
    """Every case in its own folder under `root`: {case name: (folder, expected message fragment)}."""
    return {name: write_case(name, root / name) for name in CASES}


def evaluate_args(model: Path, folder: Path) -> list[str]:
    """`evaluate` arguments for a model and a folder holding images.npy and labels.npy."""
    return [
        "evaluate",
        "--model",
        str(model),
        "--images",
        str(folder / "images.npy"),
        "--labels",
        str(folder / "labels.npy"),
    ]
