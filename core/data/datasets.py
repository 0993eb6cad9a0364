"""MNIST, Fashion-MNIST and CIFAR-10 from wherever they are, saying where; and the arrays a run's DataConfig asks for.

Sources: "path" (a user's .npz in Keras layout; for CIFAR-10 also the official cifar-10-batches-bin folder),
"keras" (Keras' download, or its cache already on disk), "shared" ($CLOCKWORK_DATA_DIR or ../shared/data
beside the repository), "embedded" (the compact copy in core/data, always there; none for CIFAR-10). "auto"
takes the first that exists in that order and never downloads. CIFAR-10 is not shipped: Keras downloads it in
Python's pickle format, so Clockwork keeps a plain .npz copy in its cache (`cifar_cache_file`) and reads that
(Keras' cache for CIFAR-10 means that copy). Users' files are checked from their headers (shape, dtype) before
their pixels are read, and never unpickled.

Loaded arrays are memoised per process and marked read-only: they are shared by every caller, so
copy before changing them in place (`load_run_data` already hands out new arrays when it subsets or
permutes).
"""

from __future__ import annotations

import functools
import gzip
import os
import socket
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.config import DataConfig
from core.data.permutation import permute_images, pixel_permutation
from core.storage.atomic import save_npz
from core.storage.paths import REPO_ROOT, cache_dir, embedded_data_dir

DATASETS = ("mnist", "fashion-mnist", "cifar10")
SOURCES = ("auto", "path", "keras", "shared", "embedded")
CLASS_NAMES = {
    "mnist": [str(digit) for digit in range(10)],
    "fashion-mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
}
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}
IMAGE_SHAPES = {"mnist": (28, 28), "fashion-mnist": (28, 28), "cifar10": (32, 32, 3)}  # one image: [H, W] or [H, W, 3]
KEYS = ("x_train", "y_train", "x_test", "y_test")
SHARED_FILES = {"mnist": "mnist-10k.npz", "fashion-mnist": "fashion-mnist.npz", "cifar10": "cifar10.npz"}
CIFAR_BIN_FOLDER = "cifar-10-batches-bin"  # the official binary version: records of 1 label byte + 3,072 pixel bytes
CIFAR_RECORD_BYTES = 1 + 32 * 32 * 3
EMBEDDED_FILES = {
    "mnist": {"mnist.npz": KEYS},
    "fashion-mnist": {
        "fashion-mnist-train.npz": ("x_train", "y_train"),
        "fashion-mnist-test.npz": ("x_test", "y_test"),
    },
}
# What keras.datasets.<name>.load_data() leaves in ~/.keras/datasets (keras/src/datasets/*.py).
KERAS_FASHION_FILES = {
    "y_train": ("train-labels-idx1-ubyte.gz", 8),
    "x_train": ("train-images-idx3-ubyte.gz", 16),
    "y_test": ("t10k-labels-idx1-ubyte.gz", 8),
    "x_test": ("t10k-images-idx3-ubyte.gz", 16),
}
DOWNLOAD_TIMEOUT_S = 10.0  # per socket operation: an unreachable host fails fast, a slow download still finishes


class DatasetError(ValueError):
    """A dataset that cannot be loaded: unknown name or source, a bad file, a failed download."""


@dataclass(frozen=True)
class Dataset:
    """One image dataset in Keras layout (uint8 images [N, H, W] or [N, H, W, 3], uint8 labels 0-9), read-only."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    source: str  # path | keras | shared | embedded
    description: str  # one sentence for the UI: where the images came from and how many


@dataclass
class RunData:
    """The arrays one run trains and tests on (the validation split is carved from train later)."""

    x_train: np.ndarray  # uint8 [N, H, W], or [N, H, W, 3] for colour
    y_train: np.ndarray  # int [N] class indices, or int [N, 2] [hour, minute] for clocks
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str] | None
    description: str
    permutation: np.ndarray | None = None


def shared_data_dir() -> Path:
    """The full datasets folder: $CLOCKWORK_DATA_DIR, else ../shared/data beside the repository."""
    return Path(os.environ.get("CLOCKWORK_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")


def keras_datasets_dir() -> Path:
    """Where Keras caches downloads: $KERAS_HOME/datasets, else ~/.keras/datasets."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def cifar_cache_file() -> Path:
    """Clockwork's plain .npz copy of CIFAR-10 (written after a Keras download; a user's file can go here too)."""
    return cache_dir() / "data" / "cifar10.npz"


def is_colour(name: str) -> bool:
    """Whether a dataset's images are colour [H, W, 3] (CIFAR-10) rather than grayscale [H, W]."""
    return len(IMAGE_SHAPES.get(name, ())) == 3


def missing_data_sentence(name: str) -> str:
    """One sentence for a dataset that is not on this machine (only CIFAR-10 can be missing): how to get it."""
    return (
        f"{TITLES[name]} is not on this machine: on a computer with internet use the data source 'keras' "
        f"(keras.datasets.cifar10.load_data(); Clockwork keeps a copy in {cifar_cache_file()}), or copy an .npz "
        "in Keras' layout (x_train [N, 32, 32, 3] uint8, y_train, x_test, y_test) to that path or give its path "
        f"(the official {CIFAR_BIN_FOLDER} folder works too)."
    )


def data_available(name: str) -> bool:
    """Whether `load_dataset(name)` (source auto) finds the data on this machine, without reading it."""
    try:
        resolve_source(name)
    except DatasetError:
        return False
    return True


def resolve_source(name: str, source: str = "auto", path: str | None = None) -> str:
    """The concrete source a load would use (path, keras, shared or embedded), found without loading."""
    return _public(_resolve(_checked_name(name), source, path))


def load_dataset(name: str, source: str = "auto", path: str | None = None) -> Dataset:
    """Load MNIST, Fashion-MNIST or CIFAR-10 from `source`; memoised per process, arrays read-only."""
    name = _checked_name(name)
    how = _resolve(name, source, path)
    if how == "path":
        file = _user_file(path, name)
        return _load_cached(name, how, str(file), _stamp(file))
    if name == "cifar10" and how in ("keras", "keras-cache"):
        return _load_cached(name, how, str(cifar_cache_file()), _stamp(cifar_cache_file()))
    location = {
        "keras": keras_datasets_dir(),
        "keras-cache": keras_datasets_dir(),
        "shared": shared_data_dir(),
        "embedded": embedded_data_dir(),
    }[how]
    return _load_cached(name, how, str(location), _stamp(location) if name == "cifar10" else None)


def clear_dataset_cache() -> None:
    """Forget memoised datasets (tests, or after a file changed in place)."""
    _load_cached.cache_clear()


def stratified_subset(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of `n` items whose classes keep the proportions of `labels`, seeded, in their original order."""
    labels = np.asarray(labels)
    if n >= len(labels):
        return np.arange(len(labels))
    order = np.random.default_rng(seed).permutation(len(labels))
    shuffled = labels[order]
    rank = np.empty(len(labels))
    for value in np.unique(shuffled):
        members = shuffled == value
        rank[members] = (np.arange(members.sum()) + 0.5) / members.sum()
    return np.sort(order[np.argsort(rank, kind="stable")[:n]])


def load_run_data(data: DataConfig) -> RunData:
    """The train/test arrays a DataConfig asks for: loaded or rendered, limited, permuted if asked."""
    if data.dataset == "clocks":
        run = _clock_run_data(data)
        strata = run.y_train[:, 0] % 12  # keep every hour equally represented
    else:
        dataset = load_dataset(data.dataset, data.source, data.path or None)
        run = RunData(
            dataset.x_train,
            dataset.y_train.astype(np.int64),
            dataset.x_test,
            dataset.y_test.astype(np.int64),
            list(dataset.class_names),
            dataset.description,
        )
        strata = run.y_train
    if 0 < data.limit_train < len(run.y_train):
        keep = stratified_subset(strata, data.limit_train, seed=0)
        run.x_train, run.y_train = run.x_train[keep], run.y_train[keep]
        run.description += f"; training limited to {data.limit_train:,} images"
    if data.permuted:
        run.permutation = pixel_permutation(data.permutation_seed, int(np.prod(run.x_train.shape[1:])))
        run.x_train = permute_images(run.x_train, run.permutation)
        run.x_test = permute_images(run.x_test, run.permutation)
        run.description += f"; pixels permuted (seed {data.permutation_seed})"
    return run


def clock_style(data: DataConfig) -> Any:
    """What a run renders: its difficulty's name, or that ClockStyle turned no further than data.clock_max_turn
    degrees (a name keeps the rendered set's cache file named after it)."""
    from core.clocks.render import style_of, with_knobs

    style = style_of(data.clock_difficulty)
    if data.clock_max_turn >= style.rotation_deg:
        return data.clock_difficulty
    return with_knobs(style, rotation_deg=float(data.clock_max_turn))


def _clock_run_data(data: DataConfig) -> RunData:
    if data.source not in ("render", "auto", "path"):
        raise DatasetError(f"unknown clock source '{data.source}'; choose render or path")
    if data.source == "path" and not data.path:
        raise DatasetError("clock source 'path' needs data.path: a folder with images.npy and labels.npy")
    from core.clocks import userfiles as clockdata
    from core.clocks.dataset import make_clock_dataset, split_by_time

    if data.source != "path":
        style = clock_style(data)
        images, labels = make_clock_dataset(
            n=data.clock_count, size=data.clock_size, difficulty=style, seed=data.clock_seed
        )
        turned = "" if isinstance(style, str) else f", turned at most {style.rotation_deg:g} degrees"
        description = (
            f"rendered clocks: {len(images):,} images of {data.clock_size}x{data.clock_size} px, "
            f"difficulty '{data.clock_difficulty}'{turned}, seed {data.clock_seed}"
        )
    else:
        folder = Path(data.path).expanduser()
        images, labels = clockdata.load_clock_files(folder / "images.npy", folder / "labels.npy")
        description = f"your clock files in {folder}: {len(images):,} images"
        if images.shape[1:] != (data.clock_size, data.clock_size):
            description += (
                f", resized from {images.shape[1]}x{images.shape[2]} to {data.clock_size}x{data.clock_size} px"
            )
            images = clockdata.resize_images(images, data.clock_size)
    train, test = split_by_time(labels, seed=data.clock_seed)
    if len(test) == 0:
        raise DatasetError(f"{len(labels):,} clock images are too few to keep any for testing; use more images")
    description += f"; split by time into {len(train):,} train / {len(test):,} test"
    return RunData(images[train], labels[train], images[test], labels[test], None, description)


def _checked_name(name: str) -> str:
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset '{name}'; choose {' or '.join(DATASETS)}")
    return name


def _resolve(name: str, source: str, path: str | None) -> str:
    if source not in SOURCES:
        raise DatasetError(f"unknown data source '{source}'; choose one of {', '.join(SOURCES)}")
    if name not in EMBEDDED_FILES and source == "embedded":
        raise DatasetError(f"{TITLES[name]} has no embedded copy; " + missing_data_sentence(name))
    if source == "keras" and name == "cifar10" and _keras_cache_complete(name):
        return "keras-cache"  # the plain copy of an earlier download: no need to unpickle Keras' files again
    if source != "auto":
        return source
    if path:
        return "path"
    if _keras_cache_complete(name):
        return "keras-cache"
    shared = shared_data_dir()
    if (shared / SHARED_FILES[name]).is_file() or (name == "cifar10" and (shared / CIFAR_BIN_FOLDER).is_dir()):
        return "shared"
    if name not in EMBEDDED_FILES:
        raise DatasetError(missing_data_sentence(name))
    return "embedded"


def _public(how: str) -> str:
    return "keras" if how == "keras-cache" else how


def _keras_cache_complete(name: str) -> bool:
    folder = keras_datasets_dir()
    if name == "cifar10":
        return cifar_cache_file().is_file()
    if name == "mnist":
        return (folder / "mnist.npz").is_file()
    return all((folder / "fashion-mnist" / file).is_file() for file, _ in KERAS_FASHION_FILES.values())


def _user_file(path: str | None, name: str) -> Path:
    if not path:
        raise DatasetError("source 'path' needs the path of an .npz file")
    file = Path(path).expanduser().resolve()
    if not file.is_file() and not (name == "cifar10" and file.is_dir()):
        raise DatasetError(f"no dataset file at {file}")
    return file


def _stamp(path: Path) -> tuple[int, int] | None:
    """(modified time, size) of a file or folder, so a replaced file is read again; None when absent."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=6)
def _load_cached(name: str, how: str, location: str, stamp: tuple[int, int] | None) -> Dataset:
    arrays, description = _READERS[how](name, Path(location))
    arrays = _validated(arrays, description, IMAGE_SHAPES[name])
    counts = f"{len(arrays['x_train']):,} train / {len(arrays['x_test']):,} test images"
    return Dataset(
        name=name,
        class_names=list(CLASS_NAMES[name]),
        source=_public(how),
        description=f"{description}: {counts}" + _NOTES[how].format(title=TITLES[name]),
        **{key: _read_only(arrays[key]) for key in KEYS},
    )


def _read_path(name: str, file: Path) -> tuple[dict[str, np.ndarray], str]:
    if file.is_dir():
        return _read_cifar_bin(file), f"your folder {file.name}"
    return _read_npz(file, KEYS, IMAGE_SHAPES[name]), f"your file {file.name}"


def _read_shared(name: str, folder: Path) -> tuple[dict[str, np.ndarray], str]:
    file = folder / SHARED_FILES[name]
    if name == "cifar10" and not file.is_file() and (folder / CIFAR_BIN_FOLDER).is_dir():
        return _read_cifar_bin(folder / CIFAR_BIN_FOLDER), f"shared data folder {folder}"
    if not file.is_file():
        raise DatasetError(f"the shared data folder has no {file.name} (looked in {folder})")
    return _read_npz(file, KEYS, IMAGE_SHAPES[name]), f"shared data folder {folder}"


def _read_embedded(name: str, folder: Path) -> tuple[dict[str, np.ndarray], str]:
    arrays: dict[str, np.ndarray] = {}
    for file, keys in EMBEDDED_FILES[name].items():
        arrays.update(_read_npz(folder / file, keys, IMAGE_SHAPES[name]))
    return arrays, "embedded offline copy"


def _read_keras_cache(name: str, folder: Path) -> tuple[dict[str, np.ndarray], str]:
    if name == "cifar10":
        return _read_npz(folder, KEYS, IMAGE_SHAPES[name]), f"Clockwork's CIFAR-10 copy {folder}"
    where = f"Keras cache in {folder}"
    if name == "mnist":
        return _read_npz(folder / "mnist.npz", KEYS, IMAGE_SHAPES[name]), where
    arrays = {}
    for key, (file, offset) in KERAS_FASHION_FILES.items():
        try:
            with gzip.open(folder / "fashion-mnist" / file, "rb") as stream:
                arrays[key] = np.frombuffer(stream.read(), np.uint8, offset=offset)
        except (OSError, EOFError, ValueError, zlib.error) as error:
            raise DatasetError(
                f"the Keras cache file {file} is damaged ({error}); delete it or choose another source"
            ) from None
    for part in ("train", "test"):
        arrays[f"x_{part}"] = arrays[f"x_{part}"].reshape(-1, 28, 28)
    return arrays, where


def _download_with_keras(name: str, folder: Path) -> tuple[dict[str, np.ndarray], str]:
    import keras

    loader = {"mnist": keras.datasets.mnist, "fashion-mnist": keras.datasets.fashion_mnist}.get(name)
    loader = loader or keras.datasets.cifar10
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)  # process-wide while it runs; urllib has no other hook
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as error:  # keras' get_file raises a bare Exception for network failures
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        fallback = (
            "the embedded offline copy is available: choose source 'embedded'"
            if name in EMBEDDED_FILES
            else missing_data_sentence(name)
        )
        raise DatasetError(f"downloading {TITLES[name]} with Keras failed ({reason}); {fallback}") from None
    finally:
        socket.setdefaulttimeout(previous)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    if name == "cifar10":
        save_npz(folder, **_validated(arrays, "Keras' CIFAR-10 download", IMAGE_SHAPES[name]))
    return arrays, f"Keras download (cached in {folder})"


def _read_cifar_bin(folder: Path) -> dict[str, np.ndarray]:
    """CIFAR-10's binary version (data_batch_*.bin, test_batch.bin): fixed-size records, sizes checked first."""
    if (folder / CIFAR_BIN_FOLDER).is_dir():
        folder = folder / CIFAR_BIN_FOLDER
    parts = {"train": sorted(folder.glob("data_batch_*.bin")), "test": [folder / "test_batch.bin"]}
    if not parts["train"] or not parts["test"][0].is_file():
        raise DatasetError(
            f"{folder.name} is not CIFAR-10's binary version: it needs data_batch_1.bin ... data_batch_5.bin "
            "and test_batch.bin"
        )
    arrays = {}
    for part, files in parts.items():
        for file in files:
            size = file.stat().st_size
            if size == 0 or size % CIFAR_RECORD_BYTES:
                raise DatasetError(
                    f"{file.name} is not CIFAR-10 binary: {size:,} bytes is not a whole number of "
                    f"{CIFAR_RECORD_BYTES:,}-byte records"
                )
        records = np.concatenate([np.fromfile(file, np.uint8).reshape(-1, CIFAR_RECORD_BYTES) for file in files])
        arrays[f"y_{part}"] = records[:, 0]
        arrays[f"x_{part}"] = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return arrays


_READERS = {
    "path": _read_path,
    "keras": _download_with_keras,
    "keras-cache": _read_keras_cache,
    "shared": _read_shared,
    "embedded": _read_embedded,
}
_NOTES = {
    "path": "",
    "keras": " (the official {title} split)",
    "keras-cache": " (the official {title} split)",
    "shared": " of {title}",
    "embedded": " (subset of {title})",
}


def _read_npz(file: Path, keys: tuple[str, ...], image_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """The named arrays of an .npz, their headers checked before any pixel is read; never unpickles."""
    if not file.is_file():
        raise DatasetError(f"no dataset file at {file}")
    if not zipfile.is_zipfile(file):
        raise DatasetError(f"{file.name} is not an .npz file (not a zip archive)")
    try:
        headers = _npz_headers(file)
        missing = [key for key in keys if key not in headers]
        if missing:
            raise DatasetError(
                f"{file.name} is missing {', '.join(missing)}; a dataset .npz in Keras layout holds {', '.join(KEYS)}"
            )
        _check_layout({key: headers[key] for key in keys}, file.name, image_shape)
        with np.load(file, allow_pickle=False) as archive:
            return {key: _read_member(archive, key, file.name) for key in keys}
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{file.name} could not be read as an .npz file ({error})") from None


def _npz_headers(file: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Each .npy member's (shape, dtype) from its header alone (a Python literal, parsed without unpickling)."""
    headers = {}
    with zipfile.ZipFile(file) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            with archive.open(member) as stream:
                try:
                    version = np.lib.format.read_magic(stream)
                    read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
                    if version not in read:
                        raise ValueError(f"unsupported .npy format version {version}")
                    shape, _, dtype = read[version](stream)
                except ValueError as error:
                    raise DatasetError(f"{file.name}: {member} is not a readable array ({error})") from None
            headers[member[: -len(".npy")]] = (tuple(shape), dtype)
    return headers


def _read_member(archive: Any, key: str, file_name: str) -> np.ndarray:
    try:
        return archive[key]
    except ValueError as error:
        raise DatasetError(f"{file_name}: {key} is not a readable array ({error})") from None


def _check_layout(specs: dict[str, tuple[tuple[int, ...], np.dtype]], where: str, image_shape: tuple[int, ...]) -> None:
    """Keras layout from (shape, dtype) alone: uint8 images [N, *image_shape], N integer labels [N] or [N, 1]."""
    expected = "(N, " + ", ".join(str(size) for size in image_shape) + ")"
    for part in (part for part in ("train", "test") if f"x_{part}" in specs):  # embedded files hold one part
        (images, image_type), (labels, label_type) = specs[f"x_{part}"], specs[f"y_{part}"]
        for key, kind in ((f"x_{part}", image_type), (f"y_{part}", label_type)):
            if kind.hasobject:
                raise DatasetError(f"{where}: {key} holds Python objects; only plain numeric arrays are loaded")
        if image_type != np.uint8:
            raise DatasetError(f"{where}: x_{part} must be uint8 pixels 0-255, got {image_type}")
        if len(images) != 1 + len(image_shape) or tuple(images[1:]) != tuple(image_shape):
            raise DatasetError(f"{where}: x_{part} must have shape {expected}, got {images}")
        if images[0] == 0:
            raise DatasetError(f"{where}: x_{part} holds no images")
        if not np.issubdtype(label_type, np.integer):
            raise DatasetError(f"{where}: y_{part} must hold integer labels 0-9, got {label_type}")
        if tuple(labels) not in ((images[0],), (images[0], 1)):
            raise DatasetError(
                f"{where}: y_{part} must have shape ({images[0]},), one label per image of x_{part}, got {labels}"
            )


def _validated(arrays: dict[str, np.ndarray], where: str, image_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Check Keras layout (_check_layout) and labels 0-9; labels become uint8 [N]."""
    _check_layout({key: (arrays[key].shape, arrays[key].dtype) for key in KEYS}, where, image_shape)
    checked = dict(arrays)
    for part in ("train", "test"):
        labels = arrays[f"y_{part}"].reshape(-1)
        if labels.min() < 0 or labels.max() > 9:
            raise DatasetError(f"{where}: y_{part} holds labels outside 0-9 (min {labels.min()}, max {labels.max()})")
        checked[f"y_{part}"] = labels.astype(np.uint8, copy=False)
    return checked


def _read_only(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array
