import dataclasses
import gzip
import socket

import numpy as np
import pytest

from core.clocks.dataset import make_clock_dataset, split_by_time, write_assignment_files
from core.clocks.render import DIFFICULTIES
from core.clocks.time import to_minutes
from core.clocks.userfiles import resize_images
from core.config import DataConfig
from core.data import datasets
from core.data.datasets import DatasetError, clock_style, load_dataset, load_run_data, stratified_subset
from core.data.permutation import unpermute_images


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No Keras cache and no shared folder: only what a test puts there (rendered clocks stay in the session cache)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("CLOCKWORK_DATA_DIR", str(tmp_path / "shared"))
    datasets.clear_dataset_cache()
    yield
    datasets.clear_dataset_cache()


def tiny_arrays(n_train=20, n_test=10):
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }


def write_npz(path, **arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("name, train, test", [("mnist", 8000, 2000), ("fashion-mnist", 18000, 7500)])
def test_embedded_copy_loads_in_keras_layout(name, train, test):
    data = load_dataset(name, "embedded")
    assert data.source == "embedded"
    assert data.x_train.shape == (train, 28, 28) and data.x_test.shape == (test, 28, 28)
    assert data.x_train.dtype == np.uint8 and data.y_train.dtype == np.uint8
    assert data.y_train.shape == (train,) and data.y_test.shape == (test,)
    assert data.class_names == datasets.CLASS_NAMES[name]
    assert f"{train:,} train / {test:,} test" in data.description


def test_embedded_fashion_mnist_is_exactly_balanced():
    data = load_dataset("fashion-mnist", "embedded")
    assert np.all(np.bincount(data.y_train, minlength=10) == 1800)
    assert np.all(np.bincount(data.y_test, minlength=10) == 750)


def test_embedded_mnist_has_every_digit_in_fair_numbers():
    counts = np.bincount(load_dataset("mnist", "embedded").y_train, minlength=10)
    assert counts.min() > 0.8 * 800 and counts.max() < 1.2 * 800


def test_loaded_arrays_are_read_only_and_memoised():
    first = load_dataset("mnist", "embedded")
    assert first is load_dataset("mnist", "embedded")
    with pytest.raises(ValueError):
        first.x_train[0, 0, 0] = 1


def test_auto_picks_embedded_when_nothing_else_is_there():
    assert load_dataset("fashion-mnist").source == "embedded"


def test_auto_prefers_the_shared_folder_when_it_has_the_file(tmp_path):
    write_npz(tmp_path / "shared" / "mnist-10k.npz", **tiny_arrays())
    data = load_dataset("mnist")
    assert data.source == "shared" and len(data.x_train) == 20


def test_auto_reads_a_keras_mnist_cache_without_downloading(tmp_path):
    write_npz(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz", **tiny_arrays(30, 5))
    data = load_dataset("mnist")
    assert data.source == "keras" and data.x_train.shape == (30, 28, 28)


def test_auto_reads_the_keras_fashion_gz_files(tmp_path):
    arrays = tiny_arrays(12, 4)
    folder = tmp_path / "home" / ".keras" / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for key, (file, offset) in datasets.KERAS_FASHION_FILES.items():
        with gzip.open(folder / file, "wb") as stream:
            stream.write(bytes(offset) + arrays[key].tobytes())
    data = load_dataset("fashion-mnist")
    assert data.source == "keras"
    assert np.array_equal(data.x_train, arrays["x_train"]) and np.array_equal(data.y_test, arrays["y_test"])


def test_a_user_npz_round_trips(tmp_path):
    arrays = tiny_arrays()
    path = write_npz(tmp_path / "mine.npz", **arrays)
    data = load_dataset("mnist", "path", str(path))
    assert data.source == "path" and "mine.npz" in data.description
    for key, value in arrays.items():
        assert np.array_equal(getattr(data, key), value)


def test_auto_uses_a_given_path(tmp_path):
    path = write_npz(tmp_path / "mine.npz", **tiny_arrays())
    assert datasets.resolve_source("fashion-mnist", "auto", str(path)) == "path"
    assert load_dataset("fashion-mnist", "auto", str(path)).source == "path"


def test_resolve_source_names_the_source_auto_would_use(tmp_path):
    assert datasets.resolve_source("mnist") == "embedded"
    write_npz(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz", **tiny_arrays())
    assert datasets.resolve_source("mnist") == "keras"


def test_a_user_npz_rewritten_in_place_is_read_again(tmp_path):
    path = write_npz(tmp_path / "mine.npz", **tiny_arrays(20))
    assert len(load_dataset("mnist", "path", str(path)).x_train) == 20
    write_npz(path, **tiny_arrays(30))
    assert len(load_dataset("mnist", "path", str(path)).x_train) == 30


def test_integer_labels_of_any_width_are_accepted_as_uint8(tmp_path):
    arrays = tiny_arrays()
    arrays["y_train"] = arrays["y_train"].astype(np.int64)
    data = load_dataset("mnist", "path", str(write_npz(tmp_path / "wide.npz", **arrays)))
    assert data.y_train.dtype == np.uint8


def broken(change):
    arrays = tiny_arrays()
    change(arrays)
    return arrays


BAD_FILES = {
    "missing key": (broken(lambda a: a.pop("y_test")), "missing y_test"),
    "wrong dtype": (broken(lambda a: a.update(x_train=a["x_train"].astype(np.float32))), "x_train must be uint8"),
    "wrong shape": (
        broken(lambda a: a.update(x_test=np.zeros((10, 32, 32), np.uint8))),
        r"x_test must have shape \(N, 28, 28\)",
    ),
    "label out of range": (broken(lambda a: a["y_train"].__setitem__(0, 10)), "labels outside 0-9"),
    "negative label": (broken(lambda a: a.update(y_test=a["y_test"].astype(np.int8) - 1)), "labels outside 0-9"),
    "float labels": (broken(lambda a: a.update(y_train=a["y_train"].astype(np.float32))), "integer labels"),
    "lengths differ": (broken(lambda a: a.update(y_train=a["y_train"][:5])), "one label per image"),
    "no images": (broken(lambda a: a.update(x_test=a["x_test"][:0], y_test=a["y_test"][:0])), "holds no images"),
    "object array": (broken(lambda a: a.update(y_train=np.array([1, "a"], dtype=object))), "holds Python objects"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_npz_is_refused_with_a_message_naming_the_problem(tmp_path, case):
    arrays, message = BAD_FILES[case]
    path = write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError, match=message):
        load_dataset("mnist", "path", str(path))


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "plain.npz"
    with open(path, "wb") as file:
        np.save(file, np.zeros(3))
    with pytest.raises(DatasetError, match="not an .npz file"):
        load_dataset("mnist", "path", str(path))


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="no dataset file"):
        load_dataset("mnist", "path", str(tmp_path / "nothing.npz"))


def test_source_path_without_a_path_is_refused():
    with pytest.raises(DatasetError, match="needs the path"):
        load_dataset("mnist", "path")


def test_unknown_names_and_sources_are_refused():
    with pytest.raises(DatasetError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")
    with pytest.raises(DatasetError, match="unknown data source 'web'"):
        load_dataset("mnist", "web")


def test_explicit_shared_source_without_the_folder_says_where_it_looked():
    with pytest.raises(DatasetError, match="shared data folder has no fashion-mnist.npz"):
        load_dataset("fashion-mnist", "shared")


def test_keras_download_failure_is_a_dataset_error_pointing_to_the_embedded_copy(monkeypatch):
    keras = pytest.importorskip("keras")
    timeouts = []

    def unreachable():
        timeouts.append(socket.getdefaulttimeout())
        raise Exception("URL fetch failure on https://example/mnist.npz: None -- Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", unreachable)
    before = socket.getdefaulttimeout()
    with pytest.raises(DatasetError, match="downloading MNIST with Keras failed.*embedded"):
        load_dataset("mnist", "keras")
    assert timeouts == [datasets.DOWNLOAD_TIMEOUT_S]
    assert socket.getdefaulttimeout() == before


def test_stratified_subset_keeps_class_proportions():
    labels = np.repeat(np.arange(4), [100, 200, 300, 400])
    keep = stratified_subset(labels, 100, seed=0)
    assert len(keep) == 100 and len(set(keep)) == 100 and np.all(np.diff(keep) > 0)
    assert np.array_equal(np.bincount(labels[keep]), [10, 20, 30, 40])
    assert np.array_equal(keep, stratified_subset(labels, 100, seed=0))


def test_run_data_permutes_train_and_test_with_the_same_permutation():
    config = DataConfig(dataset="mnist", source="embedded", permuted=True, permutation_seed=3)
    run = load_run_data(config)
    plain = load_dataset("mnist", "embedded")
    assert run.permutation is not None and "permuted" in run.description
    assert np.array_equal(unpermute_images(run.x_train, run.permutation), plain.x_train)
    assert np.array_equal(unpermute_images(run.x_test, run.permutation), plain.x_test)
    assert np.array_equal(run.permutation, datasets.pixel_permutation(3))


def test_run_data_without_options_is_the_dataset_with_int_labels():
    run = load_run_data(DataConfig(dataset="fashion-mnist", source="embedded"))
    assert run.permutation is None and run.class_names == datasets.CLASS_NAMES["fashion-mnist"]
    assert run.y_train.dtype == np.int64 and len(run.x_train) == 18000 and len(run.x_test) == 7500


def test_run_data_limit_train_takes_a_stratified_subset_and_keeps_test_whole():
    run = load_run_data(DataConfig(dataset="fashion-mnist", source="embedded", limit_train=500))
    assert run.x_train.shape == (500, 28, 28) and len(run.x_test) == 7500
    assert np.all(np.bincount(run.y_train, minlength=10) == 50)
    assert "limited to 500" in run.description


def test_clock_run_data_renders_and_splits_by_time():
    run = load_run_data(
        DataConfig(
            dataset="clocks", source="render", clock_count=1440, clock_size=75, clock_difficulty="easy", clock_seed=4
        )
    )
    images, labels = make_clock_dataset(n=1440, size=75, difficulty="easy", seed=4)
    train, test = split_by_time(labels, 0.2, seed=4)
    assert run.x_train.shape == (720, 75, 75) and run.x_test.shape == (720, 75, 75)
    assert run.y_train.shape == (720, 2) and run.class_names is None
    assert np.array_equal(run.x_train, images[train]) and np.array_equal(run.y_test, labels[test])
    assert set(to_minutes(run.y_train).tolist()) == set(to_minutes(run.y_test).tolist()) == set(range(720))
    assert run.description == (
        "rendered clocks: 1,440 images of 75x75 px, difficulty 'easy', seed 4; split by time into 720 train / 720 test"
    )


def test_a_limited_turn_renders_the_difficulty_turned_no_further_and_says_so():
    data = DataConfig(
        dataset="clocks", source="render", clock_count=720, clock_size=75, clock_seed=4, clock_max_turn=30
    )
    style = clock_style(data)
    assert style.rotation_deg == 30 and style.max_tilt_deg == DIFFICULTIES["assignment"].max_tilt_deg
    assert "difficulty 'assignment', turned at most 30 degrees, seed 4" in load_run_data(data).description
    assert clock_style(dataclasses.replace(data, clock_max_turn=180)) == "assignment"  # the cache keeps its name
    assert clock_style(dataclasses.replace(data, clock_difficulty="easy")) == "easy"  # upright stays upright


def test_clock_run_data_reads_a_folder_and_resizes_to_the_configured_size(tmp_path):
    rendered, times = make_clock_dataset(n=144, size=150, difficulty="easy", seed=0)
    images, labels = np.repeat(rendered, 2, axis=0), np.repeat(times, 2, axis=0)  # 144 times, each twice
    write_assignment_files(tmp_path, images, labels)
    run = load_run_data(DataConfig(dataset="clocks", source="path", path=str(tmp_path), clock_size=75))
    train, test = split_by_time(labels, 0.2, seed=0)
    assert run.x_train.shape == (144, 75, 75) and run.x_test.shape == (144, 75, 75)
    assert np.array_equal(run.x_test, resize_images(images, 75)[test]) and np.array_equal(run.y_train, labels[train])
    assert (
        set(to_minutes(run.y_train).tolist()) == set(to_minutes(run.y_test).tolist()) == set(to_minutes(times).tolist())
    )
    assert run.description == (
        f"your clock files in {tmp_path}: 288 images, resized from 150x150 to 75x75 px; "
        "split by time into 144 train / 144 test"
    )


def test_clock_source_path_needs_a_folder():
    with pytest.raises(DatasetError, match="needs data.path"):
        load_run_data(DataConfig(dataset="clocks", source="path"))


def test_clock_run_data_limits_by_hour_and_permutes():
    config = DataConfig(
        dataset="clocks", source="render", clock_count=1440, clock_size=75, clock_seed=1, limit_train=240, permuted=True
    )
    run = load_run_data(config)
    assert run.x_train.shape == (240, 75, 75) and run.x_train.dtype == np.uint8
    assert np.all(np.bincount(run.y_train[:, 0] % 12, minlength=12) == 20)
    assert run.x_test.shape == (720, 75, 75) and run.y_test.shape == (720, 2)
    assert run.permutation is not None and len(run.permutation) == 75 * 75


def test_720_clocks_each_time_once_still_give_a_test_split():
    run = load_run_data(DataConfig(dataset="clocks", source="render", clock_count=720, clock_size=75))
    assert len(run.x_train) + len(run.x_test) == 720
    assert 100 <= len(run.x_test) <= 190
