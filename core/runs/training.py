"""Train one run folder end to end: data, model, fit with progress, cancel and NaN handling, evaluation.

`train_run` is what the worker's child process runs; `run_config` does the same in-process for the
CLI and tests. Progress goes to status.json / history.json (throttled, atomic) and to an optional
`on_event` callable; the run folder is complete and loadable whatever way the run ends.
"""

from __future__ import annotations

import errno
import math
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.clocks.time import common_sense_error, to_minutes
from core.config import GENERATIVE_KINDS, RunConfig
from core.models.build import model_input
from core.models.encodings import encoding_for
from core.runs.classroom import check_batch_size
from core.runs.replay import Recorder, replay_callback
from core.runs.store import (
    MAX_BATCH_POINTS,
    RunError,
    RunInfo,
    cancel_requested,
    create_run,
    now_iso,
    read_run,
    set_status,
    thin_batches,
    write_history,
)
from core.storage.atomic import read_json, write_bytes, write_json

EVENT_EVERY_S = 0.25  # batch events and batch history points
WRITE_EVERY_S = 1.0  # status.json / history.json during an epoch
CANCEL_CHECK_EVERY_S = 0.2
NAN_ADVICE = "lower the learning rate, e.g. 1e-3 -> 1e-4, or add batch norm / gradient clipping"
MEMORY_ADVICE = "try a smaller batch size (e.g. 64 -> 32), a smaller model or fewer images"


@dataclass
class ProgressEvent:
    """One progress report: start, a (throttled) batch, an epoch end, or the end of the run."""

    kind: str  # "start" | "batch" | "epoch" | "end"
    epoch: int  # 1-based; 0 before the first epoch
    epochs: int
    batch: int  # 1-based batch within the epoch
    batches: int
    logs: dict[str, float] = field(default_factory=dict)
    elapsed_s: float = 0.0
    eta_s: float | None = None
    message: str = ""


@dataclass
class _Outcome:
    """How fit ended, as the progress callback saw it."""

    cancelled: bool = False
    nan_at: tuple[int, int] | None = None  # (epoch, batch), 1-based
    partial_epoch: bool = False


def split_validation(keys: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices: an even, seeded sample across sorted keys (class, or time of day)."""
    n = len(keys)
    n_val = min(int(round(n * fraction)), n - 1) if fraction > 0 else 0
    if n_val <= 0:
        return np.arange(n), np.arange(0)
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(n)
    ordered = shuffled[np.argsort(np.asarray(keys)[shuffled], kind="stable")]
    picks = np.floor((np.arange(n_val) + rng.random()) * n / n_val).astype(np.int64)
    val = np.sort(ordered[picks])
    train = np.setdiff1d(np.arange(n), val, assume_unique=True)
    return train, val


def _accelerator_visible() -> bool:
    """Whether the Keras backend sees a GPU (the distribution API is missing on some backends)."""
    import keras

    try:
        devices = [str(d).lower() for d in keras.distribution.list_devices()]
    except (AttributeError, NotImplementedError, RuntimeError):
        if keras.backend.backend() != "torch":
            return False
        import torch

        return bool(torch.cuda.is_available())
    return any("gpu" in d or "cuda" in d for d in devices)


def transfer_weights(model: Any, source: str) -> list[str]:
    """Start every layer that has a namesake of the same shapes in `source` from its weights (transfer
    learning); returns the names of the layers copied. A source sharing no layer is an error."""
    from core.models.saved import load_model_file
    from core.storage.paths import REPO_ROOT

    path = Path(source) if Path(source).is_absolute() else REPO_ROOT / source
    donor = {layer.name: layer for layer in load_model_file(path).layers}
    copied = []
    for layer in model.layers:
        weights = donor[layer.name].get_weights() if layer.name in donor else None
        if weights and [w.shape for w in weights] == [w.shape for w in layer.get_weights()]:
            layer.set_weights(weights)
            copied.append(layer.name)
    if not copied:
        raise ValueError(f"init_from {source}: no layer of that model matches this one")
    return copied


def device_name() -> str:
    """'CPU', or the name of the GPU Keras trains on (via nvidia-smi; 'GPU' when it cannot tell)."""
    from core.runs.device import gpu_name

    if not _accelerator_visible():
        return "CPU"
    return gpu_name(timeout_s=5.0) or "GPU"


def _keras_progress_callback():
    """The progress callback class; defined lazily so importing this module does not import Keras."""
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        """Throttled progress, cancel and NaN checks.

        Batch ends run on Keras' callback thread (async_safe), so the training loop never waits for the
        loss; cancel is checked on the main thread at each batch start, so it stops within one batch.
        """

        async_safe = True

        def __init__(self, tracker: _Tracker) -> None:
            super().__init__()
            self.tracker = tracker

        def on_train_begin(self, logs=None):
            self.tracker.fit_started(self.params.get("steps") or self.tracker.batches)

        def on_epoch_begin(self, epoch, logs=None):
            self.tracker.epoch_started(epoch + 1)

        def on_train_batch_begin(self, batch, logs=None):
            if self.tracker.should_stop_now():
                self.model.stop_training = True

        def on_train_batch_end(self, batch, logs=None):
            if self.tracker.batch_ended(batch + 1, logs or {}):
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            self.tracker.epoch_ended(self.model, logs or {})

    return ProgressCallback


class _Tracker:
    """The run's in-memory history and progress; writes status/history files and emits events."""

    def __init__(
        self,
        run_dir: Path,
        config: RunConfig,
        on_event: Callable[[ProgressEvent], None] | None,
        should_stop: Callable[[], bool] | None,
        validation: tuple[np.ndarray, np.ndarray] | None,
        encoding: Any,
    ) -> None:
        self.run_dir, self.config, self.on_event, self.external_stop = run_dir, config, on_event, should_stop
        self.validation, self.encoding = validation, encoding
        self.history: dict[str, list] = {"epochs": [], "batches": []}
        self.outcome = _Outcome()
        self.epochs, self.batches, self.epoch, self.batch, self.stride = config.epochs, 0, 0, 0, 1
        self.samples, self.train_count, self.candidates = 0, 0, 0
        self.lock = threading.Lock()  # batch ends may run on several Keras callback threads
        self.start = self.epoch_start = time.monotonic()
        self.last_event = self.last_write = self.last_cancel_check = -math.inf
        self.loss: float | None = None

    # -- called from the training loop ------------------------------------------------------------
    def fit_started(self, batches: int) -> None:
        self.batches, self.start = int(batches), time.monotonic()

    def epoch_started(self, epoch: int) -> None:
        self.epoch, self.batch, self.epoch_start = epoch, 0, time.monotonic()

    def should_stop_now(self) -> bool:
        """Cheap per-batch check: the caller's should_stop(), and the cancel file at most every 0.2 s."""
        if self.outcome.cancelled or self.outcome.nan_at:
            return True
        stop = bool(self.external_stop and self.external_stop())
        now = time.monotonic()
        if not stop and now - self.last_cancel_check >= CANCEL_CHECK_EVERY_S:
            self.last_cancel_check = now
            stop = cancel_requested(self.run_dir)
        self.outcome.cancelled = stop
        return stop

    def batch_ended(self, batch: int, logs: dict[str, Any]) -> bool:
        """Record the batch (NaN check every batch; points and events throttled); True means stop."""
        with self.lock:
            return self._batch_ended(batch, logs)

    def _batch_ended(self, batch: int, logs: dict[str, Any]) -> bool:
        self.batch = max(self.batch, batch)
        loss = logs.get("loss")
        if loss is not None:
            loss = float(loss)
            if not math.isfinite(loss):
                where = (self.epoch, batch)
                self.outcome.nan_at = min(where, self.outcome.nan_at or where)
                return True
            self.loss = loss
        step = (self.epoch - 1) * self.batches + batch
        now = time.monotonic()
        if now - self.last_event >= EVENT_EVERY_S:
            self.last_event, self.candidates = now, self.candidates + 1
            if self.candidates % self.stride == 0:  # after thinning, keep every stride-th point
                self.history["batches"].append(
                    {
                        "epoch": self.epoch,
                        "batch": batch,
                        "step": step,
                        "loss": self.loss,
                        "t": round(now - self.start, 3),
                    }
                )
                self.stride = thin_batches(self.history["batches"], self.stride, MAX_BATCH_POINTS)
            self._emit("batch", _numbers(logs))
            if now - self.last_write >= WRITE_EVERY_S:
                self.write()
        return False

    def epoch_ended(self, model: Any, logs: dict[str, Any]) -> None:
        """Append the epoch's logs, learning rate and (clocks) validation common-sense error; write files."""
        with self.lock:
            self._epoch_ended(model, logs)

    def _epoch_ended(self, model: Any, logs: dict[str, Any]) -> None:
        elapsed = time.monotonic() - self.epoch_start
        self.outcome.partial_epoch = self.batch < self.batches
        self.samples += min(self.batch * self.config.batch_size, self.train_count)
        record: dict[str, Any] = {
            "epoch": self.epoch,
            **_numbers(logs),
            "lr": _learning_rate(model),
            "time_s": round(elapsed, 3),
        }
        if self.outcome.partial_epoch:
            record["partial"] = True
        stopping = self.outcome.cancelled or self.outcome.nan_at
        if self.validation is not None and self.encoding.is_clock and not stopping:
            record.update(_validation_clock_error(model, self.encoding, *self.validation))
        self.history["epochs"].append(record)
        self.write()
        self._emit("epoch", record)

    # -- files and events -------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def eta(self) -> float | None:
        done = (self.epoch - 1) * self.batches + self.batch
        if done <= 0 or not self.batches:
            return None
        return self.elapsed() / done * max(0, self.epochs * self.batches - done)

    def progress(self) -> dict[str, Any]:
        eta = self.eta()
        return {
            "epoch": self.epoch,
            "epochs": self.epochs,
            "batch": self.batch,
            "batches": self.batches,
            "elapsed_s": round(self.elapsed(), 2),
            "eta_s": None if eta is None else round(eta, 1),
            "loss": self.loss,
        }

    def write(self) -> None:
        self.last_write = time.monotonic()
        write_history(self.run_dir, self.history)
        set_status(self.run_dir, progress=self.progress())

    def _emit(self, kind: str, logs: dict[str, float], message: str = "") -> None:
        if self.on_event is not None:
            self.on_event(
                ProgressEvent(
                    kind,
                    self.epoch,
                    self.epochs,
                    self.batch,
                    self.batches,
                    logs,
                    round(self.elapsed(), 3),
                    self.eta(),
                    message,
                )
            )


def _numbers(logs: dict[str, Any]) -> dict[str, float]:
    out = {}
    for key, value in logs.items():
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            continue
    return out


def _learning_rate(model: Any) -> float | None:
    import keras

    try:
        return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    except (AttributeError, TypeError, ValueError):
        return None


def _validation_clock_error(model: Any, encoding: Any, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    from core.evaluation.metrics import predict_outputs

    errors = common_sense_error(encoding.decode(predict_outputs(model, images)), to_minutes(labels))
    return {
        "val_common_sense_error_mean_min": float(np.mean(errors)),
        "val_common_sense_error_median_min": float(np.median(errors)),
    }


def _callbacks(tracker: _Tracker, config: RunConfig, has_validation: bool, recorder: Recorder | None) -> list:
    import keras

    callbacks = [_keras_progress_callback()(tracker)]
    if recorder is not None:
        callbacks.append(replay_callback(recorder))
    if config.early_stopping_patience > 0:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss" if has_validation else "loss",
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            )
        )
    return callbacks


def save_model(model: Any, run_dir: Path) -> Path:
    """Save model.keras (weights only, no optimizer state: a third of the size; then packed by pack_model_file, half
    again) via a temporary file and os.replace, so a kill never leaves half a model."""
    import keras

    final, partial = run_dir / "model.keras", run_dir / ".partial-model.keras"
    inference = keras.Model.from_config(model.get_config())
    inference.set_weights(model.get_weights())
    try:
        inference.save(partial)
        pack_model_file(partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return final


HALF_LIMIT = 60_000.0  # float32 weight arrays store as float16 only when every value fits (float16 tops at 65,504)


def pack_model_file(path: Path) -> None:
    """Rewrite a .keras file (a zip archive Keras writes uncompressed) deflated, with its float32 weights stored as
    float16: half the bytes, which pretrained/'s size budget needs. Keras loads them back into float32 variables;
    a weight moves by at most 1/2048 of itself, and the pretrained models' test results did not change (README)."""
    import zipfile

    packed = path.with_name(f".packing-{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for member in source.infolist():
            data = source.read(member.filename)
            out.writestr(member.filename, _half_weights(data) if member.filename.endswith(".h5") else data)
    os.replace(packed, path)


def _half_weights(h5_bytes: bytes) -> bytes:
    """The same HDF5 weights file with every float32 array that fits stored as float16."""
    import io

    import h5py

    def copy(source: Any, target: Any) -> None:
        target.attrs.update(dict(source.attrs))
        for name, item in source.items():
            if isinstance(item, h5py.Group):
                copy(item, target.create_group(name))
                continue
            values = item[()]
            if values.dtype == np.float32 and (values.size == 0 or np.abs(values).max() < HALF_LIMIT):
                values = values.astype(np.float16)
            target.create_dataset(name, data=values).attrs.update(dict(item.attrs))

    with h5py.File(io.BytesIO(h5_bytes), "r") as source, io.BytesIO() as buffer:
        with h5py.File(buffer, "w") as target:
            copy(source, target)
        return buffer.getvalue()


def _evaluate(model: Any, encoding: Any, data: Any, run_dir: Path) -> dict[str, Any]:
    """Test-split report saved to evaluation.npz; returns its summary scalars."""
    from core.evaluation import metrics as evaluation

    if not len(data.x_test):
        return {}
    outputs = evaluation.predict_outputs(model, data.x_test)
    report = evaluation.evaluate_outputs(encoding, outputs, data.y_test, data.class_names)
    evaluation.save_evaluation(run_dir / "evaluation.npz", report)
    return evaluation.report_summary(report)


def rescore(run_dir: str | Path) -> dict[str, Any]:
    """Evaluate a finished run again on its own test split (after a change to how outputs decode or are scored),
    without training: rewrites evaluation.npz and the test figures in metrics.json; returns the metrics."""
    from core.data.datasets import load_run_data
    from core.models.saved import load_model_file

    run_dir = Path(run_dir)
    config = RunConfig.from_json_file(run_dir / "config.json")
    metrics = read_json(run_dir / "metrics.json", {})
    if config.model.kind in GENERATIVE_KINDS:
        from core.generative.score import write_evaluation

        metrics.update(write_evaluation(run_dir))
    else:
        metrics.update(_evaluate(load_model_file(run_dir), encoding_for(config), load_run_data(config.data), run_dir))
    write_json(run_dir / "metrics.json", metrics)
    return metrics


def _split(data: Any, encoding: Any, config: RunConfig) -> tuple[tuple, tuple | None]:
    """((x_train, y_train), (x_val, y_val) or None): the seeded validation split carved from train."""
    keys = to_minutes(data.y_train) if encoding.is_clock else np.asarray(data.y_train)
    train_idx, val_idx = split_validation(keys, config.data.validation_split, config.seed)
    validation = (data.x_train[val_idx], data.y_train[val_idx]) if len(val_idx) else None
    return (data.x_train[train_idx], data.y_train[train_idx]), validation


def _fit(run_dir: Path, config: RunConfig, on_event: Callable | None, should_stop: Callable | None) -> None:
    """Everything between 'running' and the final status; raises on any error."""
    import keras

    from core.data.datasets import load_run_data
    from core.models.build import build_model, compile_model, count_params, input_shape_for

    keras.utils.set_random_seed(config.seed)
    if config.model.kind in GENERATIVE_KINDS:  # its own epoch loop (core.generative.training), the same tracker
        from core.generative.training import fit_generative

        tracker = _Tracker(run_dir, config, on_event, should_stop, validation=None, encoding=None)
        _finish(run_dir, tracker, *fit_generative(run_dir, config, tracker))
        return
    data = load_run_data(config.data)
    encoding = encoding_for(config)
    (x_train, y_train), validation = _split(data, encoding, config)
    check_batch_size(config, len(x_train))
    steps = math.ceil(len(x_train) / config.batch_size)
    model = build_model(config, input_shape_for(config), encoding)
    if config.init_from:
        transfer_weights(model, config.init_from)
    compile_model(model, config, encoding, steps)
    tracker = _Tracker(run_dir, config, on_event, should_stop, validation, encoding)
    tracker.train_count, tracker.batches = len(x_train), steps
    val_count = 0 if validation is None else len(validation[0])
    tracker._emit(
        "start",
        {},
        f"{data.description}; {len(x_train):,} train / {val_count:,} validation images; "
        f"{count_params(model):,} parameters",
    )
    fit_validation = None if validation is None else (model_input(validation[0]), encoding.encode(validation[1]))
    recorder = Recorder(run_dir, encoding, data.x_test, data.y_test) if len(data.x_test) else None
    fit_start = time.monotonic()
    model.fit(
        model_input(x_train),
        encoding.encode(y_train),
        validation_data=fit_validation,
        epochs=config.epochs,
        batch_size=config.batch_size,
        shuffle=True,
        verbose=0,
        callbacks=_callbacks(tracker, config, validation is not None, recorder),
    )
    _conclude(run_dir, config, model, encoding, data, tracker, time.monotonic() - fit_start)


def cost_metrics(model: Any, tracker: _Tracker, data: Any, train_time: float) -> dict[str, Any]:
    """What a finished run cost and saw, for metrics.json: parameters, time, speed, epochs, test size, data."""
    from core.models.build import count_params

    return {
        "params": count_params(model),
        "train_time_s": round(train_time, 3),
        "images_per_s": round(tracker.samples / train_time, 1) if train_time > 0 else None,
        "epochs_run": len(tracker.history["epochs"]),
        "test_count": int(len(data.x_test)),
        "data_description": data.description,
    }


def _conclude(
    run_dir: Path, config: RunConfig, model: Any, encoding: Any, data: Any, tracker: _Tracker, train_time: float
) -> None:
    """After fit: fail a NaN run, else evaluate, write metrics.json and model.keras, and set the final state."""
    outcome = tracker.outcome
    if outcome.nan_at:
        tracker.write()
        epoch, batch = outcome.nan_at
        _finish(
            run_dir, tracker, "failed", f"the loss became NaN or infinite at epoch {epoch}, batch {batch}: {NAN_ADVICE}"
        )
        return
    metrics = _evaluate(model, encoding, data, run_dir)
    metrics.update(cost_metrics(model, tracker, data, train_time))
    write_json(run_dir / "metrics.json", metrics)
    save_model(model, run_dir)
    if outcome.cancelled:
        _finish(run_dir, tracker, "cancelled", "cancelled by request")
    else:
        _finish(run_dir, tracker, "done", _early_stop_reason(tracker, config))


def _early_stop_reason(tracker: _Tracker, config: RunConfig) -> str:
    epochs_run = len(tracker.history["epochs"])
    if config.early_stopping_patience and epochs_run < config.epochs:
        return f"early stopping after epoch {epochs_run}: best weights restored"
    return ""


def _finish(run_dir: Path, tracker: _Tracker, state: str, reason: str) -> None:
    set_status(run_dir, state=state, reason=reason, finished=now_iso(), progress=tracker.progress())
    tracker._emit("end", {}, f"{state}: {reason}" if reason else state)


def failure_reason(error: BaseException) -> str:
    """One line for status.json; out-of-memory errors say so and suggest a smaller batch."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = text[:300]
    kind = type(error).__name__
    if isinstance(error, MemoryError) or "resourceexhausted" in kind.lower() or "out of memory" in str(error).lower():
        return f"out of memory ({kind}: {text}): {MEMORY_ADVICE}"
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the disk ({text}): delete old runs or free some space, then train again"
    if isinstance(error, ValueError):
        return text
    return f"{kind}: {text}"


def train_run(
    run_dir: str | Path,
    on_event: Callable[[ProgressEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunInfo:
    """Train the run in `run_dir` to a final state (done, cancelled or failed) and return it.

    `on_event` may be called from Keras' callback thread; keep it to plain bookkeeping (no UI calls).
    """
    run_dir = Path(run_dir)
    if not (run_dir / "config.json").is_file():
        raise RunError(f"not a run folder (no config.json): {run_dir}")
    try:
        import keras

        config = RunConfig.from_json_file(run_dir / "config.json")
        set_status(
            run_dir,
            state="running",
            reason="",
            started=now_iso(),
            pid=os.getpid(),
            device=device_name(),
            backend=keras.backend.backend(),
        )
        if cancel_requested(run_dir) or (should_stop and should_stop()):
            set_status(run_dir, state="cancelled", reason="cancelled before training started", finished=now_iso())
        else:
            _fit(run_dir, config, on_event, should_stop)
    except KeyboardInterrupt:
        set_status(run_dir, state="cancelled", reason="interrupted (Ctrl-C)", finished=now_iso())
        raise
    except Exception as error:  # any failure must end as a readable "failed" run, never a stuck "running"
        try:
            write_bytes(run_dir / "error.txt", traceback.format_exc().encode("utf-8"))
        except OSError:  # a full disk must not hide the reason the run failed
            pass
        reason = failure_reason(error)
        set_status(run_dir, state="failed", reason=reason, finished=now_iso())
        if on_event is not None:
            on_event(ProgressEvent("end", 0, 0, 0, 0, {}, 0.0, None, f"failed: {reason}"))
    return read_run(run_dir)


def run_config(
    config: RunConfig,
    root: str | Path | None = None,
    on_event: Callable[[ProgressEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunInfo:
    """Create a run folder for `config` and train it in this process (CLI, pretrain, tests)."""
    return train_run(create_run(config, root, state="running"), on_event=on_event, should_stop=should_stop)
