"""Classroom mode: per-session limits on waiting runs and epochs, and the teacher's password, from the environment.

    CLOCKWORK_CLASSROOM=1             turn classroom mode on
    CLOCKWORK_MAX_QUEUED=N            runs one session may have waiting (classroom default 2)
    CLOCKWORK_MAX_EPOCHS=N            epochs one run may ask for (classroom default 20)
    CLOCKWORK_TEACHER_PASSWORD=...    turns on the teacher control (clear the queue, stop any run)

Outside classroom mode the two limits still apply when set, with the app's everyday defaults otherwise.
Pure: no Streamlit, no Keras; the environment is read when asked, so a restart picks up new values.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.config import MAX_EPOCHS, ConfigError, RunConfig

DEFAULT_MAX_QUEUED = 8  # the Train panel's everyday limit per session
CLASSROOM_MAX_QUEUED = 2
CLASSROOM_MAX_EPOCHS = 20
TRUE_WORDS = ("1", "true", "yes", "on")


class ClassroomLimitError(ValueError):
    """A submission over a limit: too many waiting runs for one session, or too many epochs."""


@dataclass(frozen=True)
class ClassroomLimits:
    """The limits in force; the password is left out of repr so it never lands in a log."""

    enabled: bool = False
    max_queued: int = DEFAULT_MAX_QUEUED
    max_epochs: int = MAX_EPOCHS
    teacher_password: str = field(default="", repr=False)

    @property
    def teacher_control(self) -> bool:
        """Whether a teacher password is set (the teacher control is on)."""
        return bool(self.teacher_password)


def _positive_int(env: Mapping[str, str], name: str, default: int, ceiling: int | None = None) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ClassroomLimitError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1 or (ceiling is not None and value > ceiling):
        raise ClassroomLimitError(f"{name} must be between 1 and {ceiling or 'any number'}, got {value}")
    return value


def limits_from_env(
    env: Mapping[str, str] | None = None, default_max_queued: int = DEFAULT_MAX_QUEUED
) -> ClassroomLimits:
    """The limits the environment asks for (CLOCKWORK_CLASSROOM, _MAX_QUEUED, _MAX_EPOCHS, _TEACHER_PASSWORD)."""
    env = os.environ if env is None else env
    enabled = env.get("CLOCKWORK_CLASSROOM", "").strip().lower() in TRUE_WORDS
    queued_default = CLASSROOM_MAX_QUEUED if enabled else default_max_queued
    epochs_default = CLASSROOM_MAX_EPOCHS if enabled else MAX_EPOCHS
    return ClassroomLimits(
        enabled=enabled,
        max_queued=_positive_int(env, "CLOCKWORK_MAX_QUEUED", queued_default),
        max_epochs=_positive_int(env, "CLOCKWORK_MAX_EPOCHS", epochs_default, MAX_EPOCHS),
        teacher_password=env.get("CLOCKWORK_TEACHER_PASSWORD", ""),
    )


def check_batch_size(config: RunConfig, train_count: int) -> None:
    """Refuse a batch larger than the images one epoch trains on (a ConfigError naming the key and both numbers)."""
    if train_count > 0 and config.batch_size > train_count:
        raise ConfigError(
            f"config key 'batch_size' is {config.batch_size}, more than the {train_count:,} training "
            f"images; choose a batch size of at most {train_count:,}"
        )


def check_submission(
    config: RunConfig,
    queued_by_owner: int,
    *,
    adding: int = 1,
    limits: ClassroomLimits | None = None,
    train_count: int | None = None,
) -> None:
    """Refuse a run this session may not queue: over the epochs or waiting-runs limit (ClassroomLimitError),
    or a batch larger than the training set (ConfigError).

    `queued_by_owner` counts the session's runs already waiting; `adding` is how many it queues now.
    `train_count` is the training-set size when known (the batch-size check is skipped when None).
    """
    limits = limits or limits_from_env()
    where = " in classroom mode" if limits.enabled else ""
    if config.epochs > limits.max_epochs:
        raise ClassroomLimitError(
            f"{config.epochs} epochs asked for; at most {limits.max_epochs} are allowed{where}. Choose fewer epochs."
        )
    if queued_by_owner + adding > limits.max_queued:
        raise ClassroomLimitError(
            f"You already have {queued_by_owner} run(s) waiting; at most {limits.max_queued} "
            f"may wait at once{where}. Wait for one to start, or stop one, then try again."
        )
    if train_count is not None:
        check_batch_size(config, train_count)


def teacher_password_ok(given: str, limits: ClassroomLimits | None = None) -> bool:
    """Whether `given` is the teacher password (constant-time compare); always False when none is set."""
    expected = (limits or limits_from_env()).teacher_password
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def describe(limits: ClassroomLimits) -> str:
    """One line for the UI: whether classroom mode is on and the limits in force."""
    mode = "Classroom mode is on" if limits.enabled else "Classroom mode is off"
    return (
        f"{mode}: at most {limits.max_queued} waiting run(s) per session and {limits.max_epochs} epochs per run; "
        f"the teacher control is {'on' if limits.teacher_control else 'off'}."
    )
