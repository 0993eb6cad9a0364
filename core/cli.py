"""`python -m core ...`: every experiment of the lab from the command line.

    python -m core make-clocks --n 18000 --size 150 --difficulty assignment --seed 0 --out DIR
    python -m core train --config FILE.json [--epochs 3 --lr 1e-3 ...]
    python -m core evaluate --model PATH (--images images.npy --labels labels.npy | --dataset NAME [--permuted])
    python -m core evaluate --model pretrained/mnist_gan   (a generative model: its classifier score)
    python -m core runs [--pretrained]
    python -m core pretrain [--only NAME] [--list] [--rescore]
    python -m core dial-finder [--count 24000] [--epochs 4]

Errors a user can cause print one line on stderr and exit with status 2; no traceback.

Fast and quiet: every command checks its arguments and the files it names (NumPy only) before Keras and
TensorFlow are imported, so a mistake costs a fraction of a second, not TensorFlow's start-up. Keras is then
imported by `import_keras_quietly`, which keeps TensorFlow's start-up lines off the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.clocks.render import DIFFICULTIES
from core.config import GENERATIVE_ENCODING, GENERATIVE_KINDS
from core.data.datasets import DATASETS, is_colour
from core.models.dial_finder import FinderRecipe

# Before anything can import TensorFlow; a user's own setting wins (TF_CPP_MIN_LOG_LEVEL=0 shows everything).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

USAGE_ERROR = 2


class CliError(ValueError):
    """A bad argument combination, reported as one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Clockwork: MLPs and CNNs in Keras, headless.")
    sub = parser.add_subparsers(dest="command", required=True)

    clocks = sub.add_parser("make-clocks", help="render a clock dataset as images.npy / labels.npy")
    clocks.add_argument("--n", type=int, default=18000, help="number of images (720 = each time once)")
    clocks.add_argument("--size", type=int, default=150, choices=(75, 150))
    clocks.add_argument("--difficulty", default="assignment", choices=tuple(DIFFICULTIES))
    clocks.add_argument("--seed", type=int, default=0)
    clocks.add_argument("--out", required=True, help="output folder")

    sheet = sub.add_parser("contact-sheet", help="save a PNG grid of rendered clocks with their times")
    sheet.add_argument("--difficulty", default="assignment", choices=tuple(DIFFICULTIES))
    sheet.add_argument("--count", type=int, default=36)
    sheet.add_argument("--size", type=int, default=150, choices=(75, 150))
    sheet.add_argument("--seed", type=int, default=0)
    sheet.add_argument("--out", required=True, help="PNG file to write")

    train = sub.add_parser("train", help="train one run (a config file and/or flags)")
    train.add_argument("--config", help="a RunConfig JSON file")
    train.add_argument("--runs", help="runs folder (default runs/ or $CLOCKWORK_RUNS)")
    for flag, kind, help_text in _TRAIN_FLAGS:
        train.add_argument(flag, type=kind, help=help_text)
    train.add_argument("--permuted", action="store_true", default=None, help="permute the 784 pixels")
    train.add_argument("--augment", action="store_true", default=None, help="label-safe augmentation")
    train.add_argument(
        "--find-dial",
        action="store_true",
        default=None,
        help="polar clock CNN: the grid follows the dial finder's dial",
    )
    train.add_argument("--quiet", action="store_true", help="print only the final JSON line")

    evaluate = sub.add_parser("evaluate", help="evaluate a model on clock files or a dataset")
    evaluate.add_argument("--model", required=True, help="a .keras file or a run folder")
    evaluate.add_argument("--images", help="clock images.npy")
    evaluate.add_argument("--labels", help="clock labels.npy")
    evaluate.add_argument("--render", type=int, metavar="N", help="render N fresh clocks instead of files")
    evaluate.add_argument("--difficulty", default="assignment", choices=tuple(DIFFICULTIES))
    evaluate.add_argument("--seed", type=int, default=1, help="seed of rendered clocks (--render)")
    evaluate.add_argument("--dataset", choices=DATASETS)
    evaluate.add_argument("--source", default="auto", choices=("auto", "embedded", "shared", "keras", "path"))
    evaluate.add_argument("--path", help="a dataset npz in Keras' layout, or cifar-10-batches-bin (with --source path)")
    evaluate.add_argument("--permuted", action="store_true")
    evaluate.add_argument("--permutation-seed", type=int, default=0)

    runs = sub.add_parser("runs", help="list runs")
    runs.add_argument("--runs", help="runs folder")
    runs.add_argument("--pretrained", action="store_true", help="include the shipped pretrained models")
    runs.add_argument("--json", action="store_true", help="one JSON object per run")

    pretrain = sub.add_parser("pretrain", help="rebuild the pretrained models")
    pretrain.add_argument("--only", action="append", help="a recipe name (repeatable)")
    pretrain.add_argument("--list", action="store_true", help="list the recipes")
    pretrain.add_argument("--report", action="store_true", help="print a Markdown table of the installed models")
    pretrain.add_argument("--out", help="output folder (default pretrained/)")
    pretrain.add_argument("--data-source", default="auto", help="MNIST/Fashion source: auto, shared, keras, embedded")
    pretrain.add_argument("--quick", action="store_true", help="1 epoch on small data: stand-ins for development")
    pretrain.add_argument("--epochs", type=int, help="override the recipes' epochs (recorded in config.json)")
    pretrain.add_argument(
        "--rescore", action="store_true", help="evaluate the installed models again on their test split, no training"
    )

    finder = sub.add_parser("dial-finder", help="train the dial finder (where a clock's dial is) into pretrained/")
    finder.add_argument("--count", type=int, default=FinderRecipe.count, help="rendered 'mixed' clocks to learn from")
    finder.add_argument("--epochs", type=int, default=FinderRecipe.epochs)
    finder.add_argument("--out", help="output folder (default pretrained/clock_dial_finder)")

    worker = sub.add_parser("worker", help="run queued runs one at a time (started by the app)")
    worker.add_argument("--runs", help="runs folder")
    worker.add_argument("--idle-exit", type=float, default=120.0, help="exit after this many idle seconds")

    one = sub.add_parser("run-one", help="train one queued run folder (used by the worker)")
    one.add_argument("run_dir")
    return parser


# (flag, type, help) -> RunConfig path is derived from the flag name in _apply_flags
_TRAIN_FLAGS: list[tuple[str, Callable[[str], Any], str]] = [
    ("--name", str, "a label for the run"),
    ("--dataset", str, "mnist | fashion-mnist | cifar10 | clocks"),
    ("--source", str, "data source (auto, embedded, shared, keras, path, render)"),
    ("--path", str, "data path (npz, or folder with images.npy and labels.npy)"),
    ("--model", str, "mlp | cnn | clock_cnn | cae | vae | gan"),
    ("--preset", str, "mlp/cnn: reference | compact; clock_cnn: compact (polar) | plain"),
    ("--hidden", str, "dense layer sizes, e.g. 300,100"),
    ("--activation", str, "relu, elu, selu, ..."),
    ("--initializer", str, "glorot_uniform, he_normal, ..."),
    ("--dropout", float, "dropout rate"),
    ("--l2", float, "L2 weight penalty"),
    ("--encoding", str, "labels | regression | classes-N | multihead | multihead-sincos | sincos"),
    ("--optimizer", str, "sgd, adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta"),
    ("--lr", float, "learning rate"),
    ("--schedule", str, "constant | cosine | step"),
    ("--epochs", int, "epochs"),
    ("--batch-size", int, "batch size"),
    ("--seed", int, "random seed"),
    ("--latent-dim", int, "cae, vae, gan: size of the latent code / noise vector"),
    ("--limit-train", int, "use only this many training images"),
    ("--clock-count", int, "rendered clocks"),
    ("--clock-size", int, "75 or 150"),
    ("--difficulty", str, " | ".join(DIFFICULTIES)),
    ("--clock-max-turn", int, "degrees either way (0-180)"),
]

_FLAG_KEYS = {
    "name": "name",
    "dataset": "data.dataset",
    "source": "data.source",
    "path": "data.path",
    "model": "model.kind",
    "preset": "model.preset",
    "hidden": "model.hidden",
    "activation": "model.activation",
    "initializer": "model.initializer",
    "dropout": "model.dropout",
    "l2": "model.l2",
    "encoding": "encoding",
    "optimizer": "optimizer.name",
    "lr": "optimizer.learning_rate",
    "schedule": "optimizer.schedule",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "seed": "seed",
    "latent_dim": "model.latent_dim",
    "limit_train": "data.limit_train",
    "clock_count": "data.clock_count",
    "clock_size": "data.clock_size",
    "difficulty": "data.clock_difficulty",
    "clock_max_turn": "data.clock_max_turn",
    "permuted": "data.permuted",
    "augment": "data.augment",
    "find_dial": "model.find_dial",
}


def _apply_flags(raw: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    for attr, key in _FLAG_KEYS.items():
        value = getattr(args, attr, None)
        if value is None:
            continue
        if attr == "hidden":
            try:
                value = [int(v) for v in value.split(",") if v.strip()]
            except ValueError:
                raise CliError(f"--hidden must be comma-separated integers, got {value!r}") from None
        target = raw
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    if raw.get("data", {}).get("dataset") == "clocks":
        raw.setdefault("model", {}).setdefault("kind", "clock_cnn")
        raw["model"].setdefault("preset", "compact")
        raw.setdefault("encoding", "sincos")
    if raw.get("model", {}).get("kind") in GENERATIVE_KINDS:
        raw.setdefault("encoding", GENERATIVE_ENCODING)
    return raw


# ---------------------------------------------------------------------------------------------
# Importing Keras without TensorFlow's start-up lines.

# An absl / TSL log line: "I0000 00:00:1796053705.912656    5963 port.cc:153] ..." (TensorFlow 2.21) or
# "2025-09-17 14:44:05.157831: I external/.../cudart_stub.cc:32] ..." (older); the letter is the severity.
_LOG_LINE = re.compile(r"^(?:([IWEF])\d{4} [\d:.]+\s+\d+ |\d{4}-\d\d-\d\d [\d:.]+: ([IWEF]) )[^\]\s]+:\d+\] ")
_ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_PYTHON_WARNING = re.compile(r"^\S.*:\d+: \w*Warning: ")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}


def tf_log_level() -> int:
    """The TF_CPP_MIN_LOG_LEVEL in force: 0 shows everything, 3 hides info, warnings and errors."""
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def filter_startup_lines(text: str, level: int) -> str:
    """`text` without the absl/TSL log lines (and their continuation lines) below `level`; other lines stay."""
    kept, keeping = [], True
    for line in text.splitlines(keepends=True):
        match = _LOG_LINE.match(line)
        if match:
            keeping = _SEVERITY[match.group(1) or match.group(2)] >= level
        elif line.rstrip("\r\n") == _ABSL_PREAMBLE:
            keeping = level < 1
        elif _PYTHON_WARNING.match(line):
            keeping = True
        if keeping:
            kept.append(line)
    return "".join(kept)


def import_keras_quietly() -> None:
    """Import Keras and its backend with TensorFlow's start-up lines kept off stderr.

    TensorFlow 2.19+ prints its import-time lines (absl's "All log messages before absl::InitializeLog()",
    oneDNN, "Could not find cuda drivers") from C++ before TF_CPP_MIN_LOG_LEVEL is consulted, so file
    descriptor 2 is sent to a temporary file during the import; afterwards every line TF_CPP_MIN_LOG_LEVEL
    would have let through, and anything that is not a log line (a Python warning), is written back.
    """
    if "keras" in sys.modules:
        return
    level = tf_log_level()
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 at all: nothing reaches a terminal anyway
        import keras  # noqa: F401

        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import keras  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = filter_startup_lines(capture.read().decode("utf-8", errors="replace"), level)
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()
    if level >= 2:  # TensorFlow's and absl's Python loggers: errors only, like the C++ side
        import logging

        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        try:
            from absl import logging as absl_logging
        except ImportError:
            return
        absl_logging.set_verbosity(absl_logging.ERROR)


# ---------------------------------------------------------------------------------------------
# Checks that run before Keras is imported (NumPy and the standard library only).


def check_dataset(name: str, source: str, path: str | None) -> None:
    """A dataset name, source and file a load would accept; user files are read now (and memoised)."""
    from core.data.datasets import load_dataset, resolve_source

    if resolve_source(name, source, path) in ("path", "shared"):
        load_dataset(name, source, path)


def check_clock_files(images: str | None, labels: str | None) -> None:
    """Both clock files named and passing the loader's checks (the images' header, every label), pixels unread."""
    from core.clocks import userfiles

    if not images or not labels:
        raise CliError("clock evaluation needs both --images and --labels (or --render N)")
    userfiles.check_clock_files(Path(images), Path(labels))


def saved_model_is_clock(model: str | Path) -> bool | None:
    """Whether a saved model reads clocks, from the config.json beside it; None when that does not say."""
    from core.models.encodings import get_encoding
    from core.storage.atomic import read_json

    folder = Path(model) if Path(model).is_dir() else Path(model).parent
    config = read_json(folder / "config.json", default={}) or {}
    if not isinstance(config, dict) or not isinstance(config.get("encoding"), str):
        return None
    try:
        return get_encoding(config["encoding"]).is_clock
    except (ValueError, TypeError):
        return None


def saved_model_is_generative(model: str | Path) -> bool:
    """Whether a saved model is a CAE, VAE or GAN, from the config.json beside it."""
    from core.storage.atomic import read_json

    folder = Path(model) if Path(model).is_dir() else Path(model).parent
    config = read_json(folder / "config.json", default={}) or {}
    return isinstance(config, dict) and config.get("encoding") == GENERATIVE_ENCODING


def check_generative_evaluate(args: argparse.Namespace) -> None:
    """A generative model scores its own samples: no data flags; its config, test data and the classifier exist."""
    from core.config import RunConfig
    from core.generative.score import CLASSIFIERS
    from core.models.saved import model_path
    from core.storage.paths import pretrained_dir

    if args.dataset is not None or args.images is not None or args.labels is not None or args.render is not None:
        raise CliError(
            "a generative model is scored on its own samples by the pretrained classifier; "
            "drop --dataset, --images, --labels and --render"
        )
    model_path(args.model)
    folder = Path(args.model) if Path(args.model).is_dir() else Path(args.model).parent
    data = RunConfig.from_json_file(folder / "config.json").data
    classifier = CLASSIFIERS[data.dataset]
    try:
        model_path(pretrained_dir() / classifier)
    except ValueError:
        raise CliError(
            f"the classifier score needs pretrained/{classifier}; rebuild it with "
            f"`python -m core pretrain --only {classifier}`"
        ) from None
    check_dataset(data.dataset, data.source, data.path or None)


def check_evaluate(args: argparse.Namespace) -> None:
    """Everything `evaluate` can refuse without loading the model: the data named, the model file, the data."""
    from core.models.saved import model_path

    if args.dataset is None and args.images is None and args.labels is None and args.render is None:
        raise CliError(f"name the data: --images and --labels, --render N, or --dataset {'|'.join(DATASETS)}")
    model_path(args.model)
    is_clock = saved_model_is_clock(args.model)
    if is_clock and args.dataset is not None:
        raise CliError("this is a clock model; evaluate it on clock images, not on a dataset")
    if is_clock is False and args.dataset is None:
        raise CliError(f"this is an image classifier; evaluate it with --dataset {'|'.join(DATASETS)}")
    if args.dataset is not None:
        if args.permuted and is_colour(args.dataset):
            raise CliError(f"--permuted is for grayscale datasets (mnist, fashion-mnist), not {args.dataset}")
        check_dataset(args.dataset, args.source, args.path)
    elif args.render is not None:
        if args.render < 1:
            raise CliError("--render needs a positive number of clocks")
    else:
        check_clock_files(args.images, args.labels)


def check_train_data(config: Any) -> None:
    """The data and the init_from model a run names, checked before a run folder is made."""
    from core.models.saved import model_path
    from core.storage.paths import REPO_ROOT

    data = config.data
    if data.dataset == "clocks":
        if data.source not in ("render", "auto", "path"):
            raise CliError(f"unknown clock source '{data.source}'; choose render or path")
        if data.source == "path":
            if not data.path:
                raise CliError("clock source 'path' needs data.path: a folder with images.npy and labels.npy")
            from core.clocks import userfiles

            userfiles.check_clock_files(*userfiles.folder_files(data.path))
    else:
        check_dataset(data.dataset, data.source, data.path or None)
    if config.init_from:
        model_path(Path(config.init_from) if Path(config.init_from).is_absolute() else REPO_ROOT / config.init_from)


# ---------------------------------------------------------------------------------------------
# The commands: check first, then import what the work needs.


def cmd_make_clocks(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise CliError("--n must be at least 1")
    from core.clocks.dataset import make_clock_dataset, write_assignment_files

    images, labels = make_clock_dataset(n=args.n, size=args.size, difficulty=args.difficulty, seed=args.seed)
    image_path, label_path = write_assignment_files(Path(args.out), images, labels)
    print(
        json.dumps(
            {
                "images": str(image_path),
                "labels": str(label_path),
                "count": int(len(images)),
                "size": args.size,
                "difficulty": args.difficulty,
                "seed": args.seed,
            }
        )
    )
    return 0


def cmd_contact_sheet(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= 400:
        raise CliError("--count must be between 1 and 400")
    from core.clocks.contact_sheet import contact_sheet_png
    from core.storage.atomic import write_bytes

    path = write_bytes(args.out, contact_sheet_png(args.difficulty, args.count, args.size, args.seed))
    print(json.dumps({"png": str(path), "count": args.count, "difficulty": args.difficulty}))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from core.config import RunConfig

    raw: dict[str, Any] = {}
    if args.config:
        raw = RunConfig.from_json_file(args.config).to_dict()
    config = RunConfig.from_dict(_apply_flags(raw, args))
    check_train_data(config)
    import_keras_quietly()
    from core.runs.training import run_config

    def report(event: Any) -> None:
        if event.kind in ("epoch", "end") and not args.quiet:
            logs = " ".join(f"{k}={v:.4g}" for k, v in sorted(event.logs.items()) if isinstance(v, (int, float)))
            print(
                f"[{event.kind}] epoch {event.epoch}/{event.epochs} {logs} elapsed {event.elapsed_s:.1f}s", flush=True
            )

    info = run_config(config, root=Path(args.runs) if args.runs else None, on_event=report)
    print(
        json.dumps(
            {
                "run_id": info.run_id,
                "path": str(info.path),
                "state": info.status.get("state"),
                "reason": info.status.get("reason", ""),
                **info.metrics,
            }
        )
    )
    return 0 if info.status.get("state") in ("done", "cancelled") else 1


def cmd_evaluate(args: argparse.Namespace) -> int:
    if saved_model_is_generative(args.model):
        check_generative_evaluate(args)
        import_keras_quietly()
        from core.generative.score import evaluate_generative

        print(json.dumps(evaluate_generative(args.model)[0]))
        return 0
    check_evaluate(args)
    import_keras_quietly()
    from core.evaluation.on_data import evaluate_saved_model

    result = evaluate_saved_model(
        args.model,
        images=args.images,
        labels=args.labels,
        render=args.render,
        difficulty=args.difficulty,
        seed=args.seed,
        dataset=args.dataset,
        source=args.source,
        path=args.path,
        permuted=args.permuted,
        permutation_seed=args.permutation_seed,
    )
    print(json.dumps(result))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from core.runs.store import list_runs

    root = Path(args.runs) if args.runs else None
    for info in list_runs(root, include_pretrained=args.pretrained):
        metrics = info.metrics or {}
        if args.json:
            print(
                json.dumps(
                    {
                        "run_id": info.run_id,
                        "path": str(info.path),
                        "state": info.status.get("state"),
                        "name": info.config.get("name", ""),
                        "metrics": metrics,
                    }
                )
            )
            continue
        score = metrics.get("accuracy", metrics.get("common_sense_error_mean_min"))
        score_text = "" if score is None else f"{score:.4g}"
        print(f"{info.run_id:32} {info.status.get('state', '?'):10} {info.config.get('name', ''):28} {score_text}")
    return 0


PRETRAIN_SOURCES = ("auto", "shared", "keras", "embedded")


def check_pretrain(args: argparse.Namespace) -> None:
    """Recipe names, data source, epochs and output folder, and the datasets the recipes will read."""
    from core.config import MAX_EPOCHS
    from core.runs import pretrain

    unknown = [name for name in args.only or () if name not in pretrain.RECIPES]
    if unknown:
        raise CliError(f"unknown recipe '{unknown[0]}'; see `python -m core pretrain --list`")
    if args.data_source not in PRETRAIN_SOURCES:
        raise CliError(f"--data-source must be one of {', '.join(PRETRAIN_SOURCES)}, got '{args.data_source}'")
    if args.epochs is not None and not 1 <= args.epochs <= MAX_EPOCHS:
        raise CliError(f"--epochs must be between 1 and {MAX_EPOCHS}")
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise CliError(f"--out must be a folder: {args.out} is a file")
    problem = pretrain.not_installed(args.only or [], Path(args.out) if args.out else None) if args.rescore else ""
    if problem:
        raise CliError(problem)
    datasets = {pretrain.RECIPES[name].config.data.dataset for name in args.only or pretrain.RECIPES}
    for dataset in sorted(datasets - {"clocks"}):
        check_dataset(dataset, args.data_source, None)


def cmd_pretrain(args: argparse.Namespace) -> int:
    from core.runs import pretrain

    if args.report:
        print(pretrain.report(Path(args.out) if args.out else None), end="")
        return 0
    if args.list:
        for name, recipe in pretrain.RECIPES.items():
            print(f"{name:28} {recipe.describe()}")
        return 0
    check_pretrain(args)
    import_keras_quietly()
    if args.rescore:
        results = pretrain.rescore(args.only, Path(args.out) if args.out else None)
    else:
        results = pretrain.pretrain(
            args.only,
            out=Path(args.out) if args.out else None,
            data_source=args.data_source,
            epochs=args.epochs,
            quick=args.quick,
        )
    for name, metrics in results.items():
        print(json.dumps({"name": name, **metrics}))
    return 0


def cmd_dial_finder(args: argparse.Namespace) -> int:
    from core.models.dial_finder import train_dial_finder

    if not 720 <= args.count <= 200_000 or not 1 <= args.epochs <= 100:
        raise CliError("--count must be 720-200000 and --epochs 1-100")
    import_keras_quietly()
    recipe = FinderRecipe(count=args.count, epochs=args.epochs)
    print(json.dumps(train_dial_finder(recipe, Path(args.out) if args.out else None)))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from core.runs.jobs import worker_main  # the worker itself never imports Keras: each run is a child process
    from core.storage.paths import runs_dir

    worker_main(Path(args.runs) if args.runs else runs_dir(), idle_exit=args.idle_exit)
    return 0


def cmd_run_one(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    if not (run_dir / "config.json").is_file():
        raise CliError(f"not a run folder (no config.json): {run_dir}")
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")  # as run_one_main does, before Keras is imported
    import_keras_quietly()
    from core.runs.jobs import run_one_main

    return run_one_main(run_dir)


COMMANDS = {
    "make-clocks": cmd_make_clocks,
    "contact-sheet": cmd_contact_sheet,
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "runs": cmd_runs,
    "pretrain": cmd_pretrain,
    "dial-finder": cmd_dial_finder,
    "worker": cmd_worker,
    "run-one": cmd_run_one,
}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run one command, turn user errors into one line on stderr."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError, PermissionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except OSError as error:
        print(f"error: {error.strerror or error} ({getattr(error, 'filename', '') or ''})", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
