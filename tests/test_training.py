"""Training runs end to end on tiny data: complete run folders, clocks, cancel, NaN, failures, repeats."""

import threading

import keras
import numpy as np
import pytest

from core.evaluation.metrics import load_evaluation
from core.runs.store import create_run, read_run, request_cancel
from core.runs.training import ProgressEvent, failure_reason, run_config, split_validation, train_run

RUN_FILES = ("config.json", "status.json", "history.json", "metrics.json", "model.keras", "evaluation.npz")


def test_one_epoch_run_leaves_a_complete_run_folder(runs_root, make_config):
    events: list[ProgressEvent] = []
    info = run_config(make_config(), runs_root, on_event=events.append)
    assert info.state == "done", info.status.get("reason")
    assert all((info.path / name).is_file() for name in RUN_FILES)
    assert info.status["device"] and info.status["backend"] == keras.backend.backend()
    assert info.status["progress"]["epoch"] == 1 and info.status["progress"]["batches"] == 8
    epoch = info.history["epochs"][0]
    assert epoch["epoch"] == 1 and {"loss", "val_loss", "lr", "time_s"} <= set(epoch)
    assert info.history["batches"] and {"epoch", "batch", "step", "loss", "t"} <= set(info.history["batches"][0])
    metrics = info.metrics
    assert 0.0 <= metrics["accuracy"] <= 1.0 and metrics["test_count"] == 2000 and metrics["epochs_run"] == 1
    assert metrics["params"] > 0 and metrics["images_per_s"] > 0 and "embedded" in metrics["data_description"]
    model = keras.saving.load_model(info.path / "model.keras", compile=False, safe_mode=True)
    assert model.count_params() == metrics["params"]
    assert load_evaluation(info.path / "evaluation.npz")["confusion"].shape == (10, 10)
    assert [e.kind for e in events][0] == "start" and [e.kind for e in events][-1] == "end"
    assert "epoch" in [e.kind for e in events]


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["regression", "classes-24", "multihead", "sincos"])
def test_one_epoch_clock_run_for_each_encoding_family(runs_root, make_clock_config, encoding):
    info = run_config(make_clock_config(encoding), runs_root)
    assert info.state == "done", info.status.get("reason")
    epoch = info.history["epochs"][0]
    assert 0.0 <= epoch["val_common_sense_error_mean_min"] <= 360.0
    assert 0.0 <= epoch["val_common_sense_error_median_min"] <= 360.0
    assert 0.0 <= info.metrics["common_sense_error_mean_min"] <= 360.0
    keras.saving.load_model(info.path / "model.keras", compile=False, safe_mode=True)
    assert "predicted_minutes" in load_evaluation(info.path / "evaluation.npz")


def test_cancel_from_another_thread_stops_within_one_batch_and_keeps_history(runs_root, make_config):
    stop, first_batch = threading.Event(), threading.Event()
    steps = {"checked": 0, "at_stop": None}

    def should_stop() -> bool:
        steps["checked"] += 1
        if stop.is_set() and steps["at_stop"] is None:
            steps["at_stop"] = steps["checked"]
        return stop.is_set()

    def on_event(event: ProgressEvent) -> None:
        if event.kind == "batch":
            first_batch.set()

    def canceller() -> None:
        first_batch.wait(timeout=30)
        stop.set()

    threading.Thread(target=canceller, daemon=True).start()
    info = run_config(make_config(epochs=50, batch_size=8), runs_root, on_event=on_event, should_stop=should_stop)
    assert info.state == "cancelled"
    progress = info.status["progress"]
    batches_run = (progress["epoch"] - 1) * progress["batches"] + progress["batch"]
    assert batches_run <= steps["at_stop"]  # the batch that saw the stop is the last one
    assert progress["epoch"] < 50 and info.history["epochs"] and info.history["batches"]
    assert (info.path / "model.keras").is_file() and info.metrics["epochs_run"] == len(info.history["epochs"])


def test_cancel_file_written_before_training_cancels_the_run(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root, state="running")
    request_cancel(run_dir)
    info = train_run(run_dir)
    assert info.state == "cancelled" and "before training" in info.status["reason"]


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="only TensorFlow's cross-entropy diverges to NaN here; JAX and torch clip the probabilities, so it stalls",
)
def test_nan_loss_fails_the_run_naming_epoch_batch_and_a_fix(runs_root, make_config):
    config = make_config(
        optimizer__name="sgd",
        optimizer__learning_rate=10.0,
        model__hidden=[64, 64],
        model__activation="elu",
        batch_size=8,
        epochs=3,
    )
    info = run_config(config, runs_root)
    assert info.state == "failed"
    assert "epoch 1, batch" in info.status["reason"] and "lower the learning rate" in info.status["reason"]
    assert info.history["epochs"][0].get("partial") is True
    assert not (info.path / "model.keras").exists()


def test_any_error_fails_the_run_with_one_line_and_a_traceback_file(runs_root, make_config):
    info = run_config(make_config(data__source="path", data__path=str(runs_root / "missing.npz")), runs_root)
    assert info.state == "failed" and "\n" not in info.status["reason"] and info.status["reason"]
    assert "Traceback" in (info.path / "error.txt").read_text()


def test_out_of_memory_reason_suggests_a_smaller_batch():
    reason = failure_reason(MemoryError("Unable to allocate 12.0 GiB"))
    assert reason.startswith("out of memory") and "smaller batch size" in reason


def test_same_config_and_seed_give_the_same_first_epoch_loss(runs_root, make_config):
    first = run_config(make_config(seed=3), runs_root).history["epochs"][0]["loss"]
    second = run_config(make_config(seed=3), runs_root).history["epochs"][0]["loss"]
    other = run_config(make_config(seed=4), runs_root).history["epochs"][0]["loss"]
    assert first == second and first != other


def test_validation_split_is_even_across_classes_and_disjoint():
    labels = np.repeat(np.arange(10), 100)
    train, val = split_validation(labels, 0.1, seed=0)
    assert len(val) == 100 and len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 1000
    assert np.all(np.bincount(labels[val], minlength=10) == 10)


def test_validation_split_by_time_spreads_over_the_dial():
    minutes = np.arange(720)
    _, val = split_validation(minutes, 0.1, seed=1)
    assert len(val) == 72 and np.all(np.diff(np.sort(minutes[val])) <= 11)


def test_train_run_returns_the_run_read_back_from_disk(runs_root, make_config):
    run_dir = create_run(make_config(), runs_root)
    info = train_run(run_dir)
    assert info == read_run(run_dir)


def test_init_from_starts_matching_layers_from_another_run(tmp_path, make_config):
    from core.models.build import build_model, input_shape_for
    from core.models.encodings import encoding_for
    from core.models.saved import load_model_file
    from core.runs.training import run_config, transfer_weights

    donor = run_config(make_config(), root=tmp_path)
    config = make_config(encoding="labels")
    model = build_model(config, input_shape_for(config), encoding_for(config))
    copied = transfer_weights(model, str(donor.path))
    assert "dense_0" in copied
    source = load_model_file(donor.path).get_layer("dense_0").get_weights()[0]
    assert np.array_equal(model.get_layer("dense_0").get_weights()[0], source)


def test_init_from_a_model_with_no_matching_layer_is_refused(tmp_path, make_config, make_clock_config):
    from core.runs.training import run_config

    donor = run_config(make_clock_config(), root=tmp_path)
    info = run_config(make_config(init_from=str(donor.path)), root=tmp_path)
    assert info.status["state"] == "failed" and "no layer" in info.status["reason"]


def test_a_saved_model_stores_its_weights_in_half_precision_and_loads_them_as_float32(tmp_path):
    import zipfile

    import h5py

    from core.models.saved import load_model_file
    from core.runs.training import save_model

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, name="dense")(inputs))
    big = np.full((4, 3), 1e6, np.float32)  # beyond float16: stays float32
    model.get_layer("dense").set_weights([np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), np.ones(3)])
    path = save_model(model, tmp_path)
    with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as file, h5py.File(file) as weights:
        stored = []
        weights.visititems(lambda name, item: stored.append(item.dtype) if isinstance(item, h5py.Dataset) else None)
    assert stored and set(stored) == {np.dtype(np.float16)}
    loaded = load_model_file(tmp_path)
    assert all(weight.dtype == "float32" for weight in loaded.weights)
    np.testing.assert_allclose(
        loaded.get_layer("dense").get_weights()[0], model.get_layer("dense").get_weights()[0], rtol=1e-3
    )
    model.get_layer("dense").set_weights([big, np.ones(3)])
    save_model(model, tmp_path)
    assert np.array_equal(load_model_file(tmp_path).get_layer("dense").get_weights()[0], big)
