"""Users' clock data, validated in one place: the assignment's files, uploaded clock pictures, what they hold.

Files come from users, so every .npy header is read and checked before any data is: a pickle,
an archive, a damaged or truncated file, an absurd shape or the wrong dtype each get their own
one-line ClockDataError, and nothing is ever unpickled. The same reader takes an uploaded .npy
clock (one image); PNG/JPEG uploads go through Pillow, and core.clocks.photo finds the dial in them.
Here too: what a set of files holds, whether it can be trained on, a typed local path resolved to its
two files, and where a session keeps its files.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from core.clocks.dataset import TEST_FRACTION, write_assignment_files
from core.clocks.photo import crop_photo, find_dial, upright_grey
from core.clocks.time import MINUTES, to_minutes
from core.storage import paths

IMAGE_SIZES = (150, 75)
MAX_BYTES = 4 * 1024**3  # no array claiming more than 4 GiB is read
_HEADER_LIMIT = 10_000  # the longest .npy header accepted (NumPy's own default)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # an uploaded image file, .npy or picture
MAX_UPLOAD_SIDE = 4096  # pixels per side of an uploaded picture or array
MIN_UPLOAD_SIDE = 16
MIN_TRAINABLE_IMAGES = 50  # fewer cannot keep a test split and a validation split
_SESSION_ID = re.compile(r"^[0-9a-zA-Z_-]{1,64}$")

HeaderCheck = Callable[[tuple[int, ...], np.dtype, str], None]


class ClockDataError(ValueError):
    """A clock images/labels file that cannot be used; the message names the problem."""


class UploadError(ClockDataError):
    """An uploaded clock image that cannot be used; the message names the problem."""


class ClockPathError(ValueError):
    """A local path to clock files that does not exist or is not a file."""


def load_clock_files(
    images_path: str | Path, labels_path: str | Path, max_bytes: int = MAX_BYTES
) -> tuple[np.ndarray, np.ndarray]:
    """Load and validate images.npy and labels.npy: (uint8 [N, H, W], int64 [N, 2])."""
    images = _load_path(Path(images_path), "images", max_bytes, _check_image_header)
    labels = _load_path(Path(labels_path), "labels", max_bytes, _check_label_header)
    return images, _checked_labels(len(images), labels)


def check_clock_files(images_path: str | Path, labels_path: str | Path, max_bytes: int = MAX_BYTES) -> int:
    """The checks of load_clock_files without reading the images' pixels (their header says all); returns N."""
    shape = _load_path(Path(images_path), "images", max_bytes, _check_image_header, data=False)
    labels = _load_path(Path(labels_path), "labels", max_bytes, _check_label_header)
    _checked_labels(shape[0], labels)
    return shape[0]


def load_clock_bytes(
    images_bytes: bytes, labels_bytes: bytes, max_bytes: int = MAX_BYTES
) -> tuple[np.ndarray, np.ndarray]:
    """The same checks for uploaded file contents."""
    images = _read_npy(io.BytesIO(images_bytes), len(images_bytes), "images", max_bytes, _check_image_header)
    labels = _read_npy(io.BytesIO(labels_bytes), len(labels_bytes), "labels", max_bytes, _check_label_header)
    return images, _checked_labels(len(images), labels)


def load_clock_folder(folder: str | Path, max_bytes: int = MAX_BYTES) -> tuple[np.ndarray, np.ndarray]:
    """Load images.npy and labels.npy from one folder."""
    return load_clock_files(*folder_files(folder), max_bytes)


def folder_files(folder: str | Path) -> tuple[Path, Path]:
    """The images.npy and labels.npy paths of a clock data folder that exists."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ClockDataError(f"clock data folder not found: {folder}")
    return folder / "images.npy", folder / "labels.npy"


def prepare_upload(
    data: bytes, name: str, size: int, zoom: float = 1.0, shift: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """An uploaded clock as a grayscale uint8 [size, size] model input: a .npy image's centre square, or a PNG/JPEG
    photo cut around its dial (core.clocks.photo; the centre square when no dial is found), with `zoom` and `shift`."""
    image = read_upload(data, name)
    if is_picture(name):
        return crop_photo(image, size, find_dial(image), zoom, shift)[0]
    if image.shape[0] != image.shape[1]:
        side = min(image.shape)
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        image = image[top : top + side, left : left + side]
    if image.shape != (size, size):
        image = resize_images(image[None], size)[0]
    return np.ascontiguousarray(image, np.uint8)


def read_upload(data: bytes, name: str) -> np.ndarray:
    """An uploaded file's checked pixels, whole: the .npy image, or the PNG/JPEG picture in grayscale, upright."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB")
    if not data:
        raise UploadError(f"{name} is empty")
    return _picture(data, name) if is_picture(name) else _npy_image(data, name)


def is_picture(name: str) -> bool:
    """Whether an upload is read as a picture (anything but .npy), which is then searched for its dial."""
    return not name.lower().endswith(".npy")


def _npy_image(data: bytes, name: str) -> np.ndarray:
    """One uploaded .npy image through the clock files' reader (header checked first, never unpickled)."""
    try:
        array = _read_npy(io.BytesIO(data), len(data), name, MAX_UPLOAD_BYTES, _check_upload_header)
    except UploadError:
        raise
    except ClockDataError as error:
        raise UploadError(f"{name} is not a readable .npy array ({error})") from None
    return np.squeeze(array)


def _picture(data: bytes, name: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            _checked_side(picture.height, picture.width, name)
            return upright_grey(picture)  # EXIF orientation first: phones store photos sideways
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise UploadError(f"{name} is not a PNG or JPEG picture") from None
    except OSError as error:
        raise UploadError(f"{name} could not be read as a picture ({error})") from None


def _checked_side(height: int, width: int, what: str) -> None:
    if min(height, width) < MIN_UPLOAD_SIDE or max(height, width) > MAX_UPLOAD_SIDE:
        raise UploadError(
            f"{what} is {height}x{width} pixels; sides must be between {MIN_UPLOAD_SIDE} and {MAX_UPLOAD_SIDE}"
        )


def resolve_clock_paths(text: str) -> tuple[Path, Path]:
    """(images.npy, labels.npy) from a folder holding both, or from the path of images.npy (labels.npy beside it)."""
    raw = str(text).strip()
    if not raw:
        raise ClockPathError("enter a folder with images.npy and labels.npy, or the path of images.npy")
    path = Path(raw).expanduser()
    if path.is_dir():
        images, labels = path / "images.npy", path / "labels.npy"
    else:
        if not path.exists():
            raise ClockPathError(f"no such file or folder: {path}")
        images, labels = path, path.with_name("labels.npy")
    for file in (images, labels):
        if not file.exists():
            raise ClockPathError(f"missing file: {file}")
        if not file.is_file():
            raise ClockPathError(f"not a file: {file}")
    if images.resolve() == labels.resolve():
        raise ClockPathError(f"{images} is the labels file; give the path of images.npy or its folder")
    return images, labels


def data_summary(images: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """What a set of clock files holds: count, image size, label coverage of the 720 times, images per hour."""
    minutes = to_minutes(labels)
    per_time = np.bincount(minutes, minlength=MINUTES)
    return {
        "count": int(len(images)),
        "height": int(images.shape[1]),
        "width": int(images.shape[2]),
        "distinct_times": int(np.count_nonzero(per_time)),
        "coverage": float(np.count_nonzero(per_time) / MINUTES),
        "per_time_min": int(per_time.min()),
        "per_time_max": int(per_time.max()),
        "times_seen_twice": int(np.count_nonzero(per_time >= 2)),
        "per_hour": np.bincount(minutes // 60, minlength=12).astype(np.int64),
        "pixel_mean": float(images.mean()) if images.size else float("nan"),
    }


def training_problem(summary: dict[str, Any]) -> str:
    """Why a set of clock files cannot be trained on ('' when it can): too few images to keep a test split."""
    if summary["count"] < MIN_TRAINABLE_IMAGES:
        return (
            f"only {summary['count']} images: at least {MIN_TRAINABLE_IMAGES} are needed to keep "
            f"a test split ({TEST_FRACTION:.0%}) and a validation split"
        )
    return ""


def user_files_dir(session_id: str, root: str | Path | None = None) -> Path:
    """Where a browser session's own clock files live: <runs root>/uploads/<session id>/."""
    if not _SESSION_ID.fullmatch(str(session_id)):
        raise ValueError(f"not a valid session id: {session_id!r}")
    return Path(root or paths.runs_dir()) / "uploads" / session_id


def save_user_files(session_id: str, images: np.ndarray, labels: np.ndarray, root: str | Path | None = None) -> Path:
    """Write a session's clock files as images.npy/labels.npy for a run with data.source='path'; returns the folder."""
    folder = user_files_dir(session_id, root)
    write_assignment_files(folder, images, labels)
    return folder


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Resize uint8 [N, H, W] images to [N, size, size]: area averaging (exact for 150 -> 75), nearest when enlarging."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"resize_images needs [N, H, W] images, got shape {images.shape}")
    if images.shape[1:] == (size, size):
        return images
    height, width = images.shape[1:]
    rows, cols = _area_weights(height, size), _area_weights(width, size)
    out = np.empty((len(images), size, size), dtype=np.uint8)
    for start in range(0, len(images), 256):  # bounded float32 memory
        chunk = images[start : start + 256].astype(np.float32)
        if height == width and height % size == 0:  # 150 -> 75: the mean of 2x2 blocks
            factor = height // size
            resized = chunk.reshape(len(chunk), size, factor, size, factor).mean(axis=(2, 4))
        else:
            resized = np.einsum("ih,nhw,jw->nij", rows, chunk, cols, optimize=True)
        out[start : start + 256] = np.clip(np.rint(resized), 0, 255).astype(np.uint8)
    return out


def _area_weights(source: int, target: int) -> np.ndarray:
    """[target, source] weights: each target pixel averages the source pixels it overlaps (by overlap length)."""
    edges = np.linspace(0.0, source, target + 1)
    low, high = edges[:-1, None], edges[1:, None]
    pixel = np.arange(source)[None, :]
    overlap = np.clip(np.minimum(high, pixel + 1) - np.maximum(low, pixel), 0.0, None)
    if target > source:  # enlarging: nearest source pixel
        centre = (edges[:-1] + edges[1:]) / 2
        overlap = (np.arange(source)[None, :] == np.floor(centre)[:, None]).astype(np.float64)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Reading one .npy safely.


def _load_path(path: Path, role: str, max_bytes: int, check: HeaderCheck, data: bool = True) -> Any:
    if not path.exists():
        raise ClockDataError(f"{role} file not found: {path}")
    if not path.is_file():
        raise ClockDataError(f"{role} path is not a file: {path}")
    with open(path, "rb") as file:
        return _read_npy(file, os.fstat(file.fileno()).st_size, f"{role} file {path.name}", max_bytes, check, data)


def _read_npy(file: BinaryIO, total_size: int, name: str, max_bytes: int, check: HeaderCheck, data: bool = True) -> Any:
    """Parse the header, `check` it against what this file may be, and only then read the data (or, with
    data=False, return the checked shape without reading it)."""
    shape, fortran_order, dtype = _read_header(file, name)
    claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if claimed > max_bytes:
        raise ClockDataError(f"{name} claims shape {shape} ({claimed:,} bytes), over the {max_bytes:,}-byte limit")
    present = total_size - file.tell()
    if present < claimed:
        raise ClockDataError(
            f"{name} is truncated: the header promises {claimed:,} bytes of data but only {present:,} are there"
        )
    check(shape, dtype, name)
    if not data:
        return shape
    flat = np.empty(int(np.prod(shape)), dtype=dtype)
    if file.readinto(memoryview(flat.view(np.uint8))) != claimed:
        raise ClockDataError(f"{name} is truncated: it ended before the {claimed:,} bytes of data its header promises")
    array = flat.reshape(shape, order="F" if fortran_order else "C")  # Fortran order: same values, other layout
    return np.ascontiguousarray(array, dtype=dtype.newbyteorder("="))


def _read_header(file: BinaryIO, name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    start = file.read(6)
    file.seek(0)
    if not start:
        raise ClockDataError(f"{name} is empty")
    if start[:4] == b"PK\x03\x04":
        raise ClockDataError(f"{name} is a zip archive (an .npz?), not an .npy file; save each array with np.save")
    if start[:1] == b"\x80":
        raise ClockDataError(f"{name} is a Python pickle, not an .npy file; pickles are never loaded")
    if start != b"\x93NUMPY":
        raise ClockDataError(f"{name} is not an .npy file (no NumPy header); save arrays with np.save")
    try:
        version = np.lib.format.read_magic(file)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(file, max_header_size=_HEADER_LIMIT)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(file, max_header_size=_HEADER_LIMIT)
        else:
            raise ClockDataError(
                f"{name} uses .npy format version {version[0]}.{version[1]}; save it with np.save from a plain array"
            )
    except ClockDataError:
        raise
    except (ValueError, SyntaxError, TypeError, OSError, EOFError, tokenize.TokenError) as error:
        raise ClockDataError(f"{name} has a damaged .npy header that cannot be read") from error
    if dtype.hasobject:
        raise ClockDataError(f"{name} holds Python objects (pickled data), which are never loaded; save plain numbers")
    if dtype.names is not None or dtype.subdtype is not None:
        raise ClockDataError(f"{name} has a structured dtype {dtype}; save a plain numeric array")
    if any(dim < 0 for dim in shape):
        raise ClockDataError(f"{name} has an impossible shape {shape}")
    return tuple(int(dim) for dim in shape), bool(fortran_order), dtype


def _check_image_header(shape: tuple[int, ...], dtype: np.dtype, name: str) -> None:
    if len(shape) == 4 and shape[3] in (3, 4):
        raise ClockDataError(
            f"{name} holds colour images {shape}; the clocks are grayscale [N, H, W] "
            "(convert, e.g. average the channels)"
        )
    if len(shape) != 3 or shape[1:] not in ((size, size) for size in IMAGE_SIZES):
        raise ClockDataError(f"{name} has shape {shape}; expected (N, 150, 150) or (N, 75, 75)")
    if shape[0] == 0:
        raise ClockDataError(f"{name} holds no images (shape {shape})")
    if dtype.kind == "f":
        raise ClockDataError(
            f"{name} holds {dtype} images; convert them to uint8 gray levels 0-255 "
            "(e.g. np.clip(images * 255, 0, 255).astype(np.uint8) for 0-1 floats)"
        )
    if dtype != np.uint8:
        raise ClockDataError(f"{name} holds {dtype} images; they must be uint8 gray levels 0-255")


def _check_label_header(shape: tuple[int, ...], dtype: np.dtype, name: str) -> None:
    if dtype.kind == "f":
        raise ClockDataError(f"{name} holds {dtype} labels; they must be integers [hour, minute]")
    if dtype.kind not in "iu":
        raise ClockDataError(f"{name} holds {dtype} labels; they must be integers [hour, minute]")
    if len(shape) != 2 or shape[1] != 2:
        raise ClockDataError(f"{name} has shape {shape}; expected (N, 2) rows of [hour, minute]")
    if shape[0] == 0:
        raise ClockDataError(f"{name} holds no labels (shape {shape})")


def _check_upload_header(shape: tuple[int, ...], dtype: np.dtype, name: str) -> None:
    """One grayscale image: [H, W] or [1, H, W] (any axes of length 1), uint8, sides within the upload limits."""
    sides = [dim for dim in shape if dim != 1]
    if len(sides) != 2:
        raise UploadError(f"{name} has shape {shape}; expected one grayscale image [H, W]")
    if dtype != np.uint8:
        raise UploadError(f"{name} holds {dtype} values; expected uint8 pixels 0..255")
    _checked_side(*sides, name)


def _checked_labels(n_images: int, labels: np.ndarray) -> np.ndarray:
    """Labels as int64 after checking there is one row per image and every value is a time on the dial."""
    if n_images != len(labels):
        raise ClockDataError(f"images has {n_images} images but labels has {len(labels)} rows; they must match")
    labels = labels.astype(np.int64)
    if (labels < 0).any():
        row = int(np.argwhere(labels < 0)[0, 0])
        raise ClockDataError(f"labels contain negative values (row {row}: {labels[row].tolist()})")
    hours, minutes = labels[:, 0], labels[:, 1]
    if (hours > 11).any():
        row = int(np.argmax(hours > 11))
        raise ClockDataError(f"hour values must be 0-11 (12 o'clock is 0); row {row} has hour {hours[row]}")
    if (minutes > 59).any():
        row = int(np.argmax(minutes > 59))
        raise ClockDataError(f"minute values must be 0-59; row {row} has minute {minutes[row]}")
    return labels
