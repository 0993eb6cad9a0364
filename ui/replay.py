"""Replay: watch a run learn. An epoch slider with a play button over a run's record (core.runs.replay).

One frame shows what the network predicted on the replay probe (a few hundred fixed test images) after that
epoch: for classifiers the confusion matrix, the mistakes it was surest about and, for an MLP, the first-layer
weights of some hidden units (put back in pixel order for an MLP trained on permuted pixels); for clocks the
hour circle and a half-hour confusion matrix. The frames come from core.evaluation.replay_views; what changes
with the epoch is drawn as pictures (core.figures.pictures, sent inside the page update) except the clock circle,
so a step costs the browser no chart redraw for classifiers.

The slider, the play button and the frame are one fragment: moving the slider reruns only the frame. The
fragment ticks while playing (one epoch per tick, stopping at the last) and while the run still trains (the
record grows; a slider left at the newest epoch follows it). Ticking starts and stops with one full rerun,
because a fragment's `run_every` is fixed when the page draws it. The probe's score per epoch is drawn below,
outside the fragment (a step redraws one chart fewer), or inside it while the run trains (it grows).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.data.datasets import CLASS_NAMES, DatasetError, load_dataset
from core.evaluation import activations
from core.evaluation import replay_views as views
from core.figures import clock_circle, training_curves
from core.figures.layers import weight_picture
from core.figures.pictures import captioned_tiles, confusion_picture, picture_uri
from core.lab.samples import mistake_captions
from core.runs import store as runs
from core.runs.replay import REPLAY_FILE, WRITE_EVERY_S, Replay, ReplayError, load_replay
from core.runs.store import ACTIVE_STATES, RunInfo
from ui.run_cache import out_of_gc_reach
from ui.state import large_text

PLAY_TICK_S = 0.8  # one epoch per tick while playing
LIVE_TICK_S = WRITE_EVERY_S  # a training run rewrites its record at most this often
MISTAKES = 12
MISTAKE_PX = 84  # how wide a mistake is drawn, each pixel a square block (3x3 for 28x28 images)
MISTAKE_COLUMNS = 4
COLOUR_TILES_CAPTION = (
    "Each tile is one unit's weights on the 32x32 photo, red, green and blue for every pixel: mid-gray is zero, "
    "brighter than gray pushes the unit up where the photo has that colour, darker pulls it down (each tile "
    "scaled to its own largest weight)."
)


def replay_section(title: str, key: str, expanded: bool = False) -> DeltaGenerator | None:
    """The 'Replay: `title`' expander, bound to the URL (?`key`=true); None while it is closed (nothing loads)."""
    section = st.expander(f"Replay: {title}", expanded=expanded, key=key, bind="query-params", icon=":material/replay:")
    return section if section.open else None


def draw_replay_section(info: RunInfo, key: str, title: str, expanded: bool = False) -> None:
    """A run's replay in its own 'Replay: `title`' expander (?`key`=true opens it)."""
    section = replay_section(title, key, expanded)
    if section is not None:
        with section:
            draw_replay(info, key=f"{key}_{info.run_id}")


@st.cache_data(max_entries=16, show_spinner=False)
def replay_record(run_path: str, modified: float) -> Replay | None:
    """A run's replay record (cached per file version, so a training run's growing record is re-read).

    Loading one also puts what the process holds out of the garbage collector's reach (ui.run_cache): Streamlit
    collects all garbage after every script run, and that pass, with the GIL held, would delay each slider step.
    """
    return out_of_gc_reach(load_replay(run_path))


def current_record(run_path: str) -> Replay | None:
    """The run's record as it is on disk now, or None when it has none; ReplayError when it is damaged."""
    file = Path(run_path) / REPLAY_FILE
    try:
        modified = file.stat().st_mtime
    except OSError:
        return None
    return replay_record(run_path, modified)


@st.cache_data(max_entries=16, show_spinner=False)
def probe_images(data_json: str, probe: tuple[int, ...], truth: tuple[int, ...]) -> np.ndarray | None:
    """The probe's test images as a person sees them (unpermuted); None when the data here is not what the run saw."""
    data = json.loads(data_json)
    try:
        dataset = load_dataset(data.get("dataset", ""), data.get("source") or "auto", data.get("path") or None)
    except (DatasetError, ValueError):
        return None
    return views.probe_images(dataset.x_test, dataset.y_test, np.asarray(probe), np.asarray(truth))


@st.cache_data(max_entries=4, show_spinner=False)
def quiet_pixels(data_json: str) -> np.ndarray | None:
    """Pixels inked in under 1% of a run's training images: their weights keep their random start (noise that
    hides the strokes units learn), so the tiles leave them blank. None for colour images or missing data."""
    data = json.loads(data_json)
    try:
        images = load_dataset(data.get("dataset", ""), data.get("source") or "auto", data.get("path") or None).x_train
    except (DatasetError, ValueError):
        return None
    return activations.rarely_inked(images) if images.ndim == 3 else None


def _playing_key(key: str) -> str:
    return f"{key}_playing"


def _epoch_key(key: str) -> str:
    return f"{key}_epoch"


def _play(key: str, first: int, last: int) -> None:
    if st.session_state.get(_epoch_key(key)) == last:
        st.session_state[_epoch_key(key)] = first  # play from the start when the slider sits at the end
    st.session_state[_playing_key(key)] = True


def _stop(key: str) -> None:
    st.session_state[_playing_key(key)] = False


def draw_replay(info: RunInfo, key: str) -> None:
    """The replay of one run: slider, play button and frame (or one sentence when the run has no readable record)."""
    live = info.state in ACTIVE_STATES
    ticking = live or st.session_state.get(_playing_key(key), False)
    tick = (PLAY_TICK_S if st.session_state.get(_playing_key(key), False) else LIVE_TICK_S) if ticking else None
    st.fragment(run_every=tick)(_draw_player)(info, key, ticking)
    if not live:  # drawn once, outside the fragment: a slider step then redraws one chart fewer
        with contextlib.suppress(ReplayError):  # the fragment has said so
            draw_score_curve(info, current_record(str(info.path)), key)


def _still_training(info: RunInfo) -> bool:
    """Whether the run trains now (re-read from disk: the info the page drew with may be a few ticks old)."""
    return info.state in ACTIVE_STATES and runs.read_run(info.path, with_history=False).state in ACTIVE_STATES


def _draw_player(info: RunInfo, key: str, ticking: bool) -> None:
    live = _still_training(info)
    try:
        replay = current_record(str(info.path))
    except ReplayError:
        st.warning(
            f"The replay record of **{info.name}** is damaged, so it cannot be replayed; its final results "
            "are not affected.",
            icon=":material/warning:",
        )
        return
    if replay is not None:
        _draw_controls_and_frame(info, replay, key, live, ticking)
    elif live:
        st.info(f"**{info.name}** records its first frame when training starts.", icon=":material/hourglass_top:")
    else:
        st.info(
            f"**{info.name}** has no replay record (it was trained before runs recorded one), so only its final "
            "state is shown.",
            icon=":material/info:",
        )
    if (live or st.session_state.get(_playing_key(key), False)) != ticking:
        st.rerun(scope="app")  # start or stop ticking


def _chosen_epoch(replay: Replay, key: str, live: bool, ticking: bool) -> int:
    """The epoch to show: the slider's, one further while playing, the newest for a slider that follows a live run."""
    epochs = [int(epoch) for epoch in replay.epochs]
    seen_key = f"{key}_newest"
    chosen = st.session_state.get(_epoch_key(key))
    if chosen not in epochs or (live and chosen == st.session_state.get(seen_key)):
        chosen = epochs[-1]
    if ticking and st.session_state.get(_playing_key(key), False):
        chosen = epochs[min(epochs.index(chosen) + 1, len(epochs) - 1)]
        if chosen == epochs[-1] and not live:
            _stop(key)
    st.session_state[seen_key] = epochs[-1]
    return chosen


def _draw_controls_and_frame(info: RunInfo, replay: Replay, key: str, live: bool, ticking: bool) -> None:
    epochs = [int(epoch) for epoch in replay.epochs]
    chosen = _chosen_epoch(replay, key, live, ticking)
    if len(epochs) > 1:
        st.session_state[_epoch_key(key)] = chosen
        playing = st.session_state.get(_playing_key(key), False)
        button, slider = st.columns([1, 6], vertical_alignment="bottom")
        button.button(
            "Pause" if playing else "Play",
            key=f"{key}_play",
            icon=":material/pause:" if playing else ":material/play_arrow:",
            on_click=_stop if playing else _play,  # not a toggle: a click seen by two reruns must not undo itself
            args=(key,) if playing else (key, epochs[0], epochs[-1]),
            width="stretch",
        )
        slider.select_slider(
            "Epoch", epochs, key=_epoch_key(key), on_change=_stop, args=(key,), format_func=lambda e: f"epoch {e}"
        )
    frame = views.frame_of_epoch(replay, chosen)
    planned = int((info.config or {}).get("epochs") or 0) if live else None
    st.markdown(f"**{views.frame_title(replay, frame, planned)}**")
    st.caption(
        "The full test score is computed once, after training; these frames replay the same "
        f"{len(replay.probe)} test {'clocks' if replay.is_clock else 'images'} after every epoch, so the numbers "
        "differ a little."
    )
    if replay.is_clock:
        draw_clock_frame(replay, frame, key)
    else:
        draw_classifier_frame(info, replay, frame, key)
    if live:
        draw_score_curve(info, replay, key)


def draw_classifier_frame(info: RunInfo, replay: Replay, frame: int, key: str) -> None:
    """Confusion over the probe and the surest mistakes at one frame, then an MLP's first-layer weights."""
    large = large_text()
    data = (info.config or {}).get("data", {})
    class_names = CLASS_NAMES.get(data.get("dataset", ""), [str(c) for c in range(views.class_count(replay))])
    epoch = int(replay.epochs[frame])
    left, right = st.columns(2)
    confusion = confusion_picture(
        views.probe_confusion(replay, frame), class_names, f"Confusion on the probe, epoch {epoch}", large_text=large
    )
    left.image(picture_uri(confusion))
    with right:
        draw_mistakes(replay, frame, data, class_names)
    perm = views.weight_permutation(replay, info.config or {})
    tiles = views.first_layer_tiles(replay, frame, perm)
    if tiles is not None:
        how = ", put back in pixel order (it was trained on permuted pixels)" if perm is not None else ""
        quiet = quiet_pixels(json.dumps(data, sort_keys=True))
        if quiet is not None and quiet.shape == tiles.shape[1:]:
            tiles, how = activations.blanked(tiles, quiet), how + "; pixels almost never inked left blank"
        st.markdown(f"**What {len(tiles)} hidden units look for, epoch {epoch}{how}**")
        st.image(
            picture_uri(weight_picture(tiles, columns=8)),
            caption=COLOUR_TILES_CAPTION
            if tiles.ndim == 4
            else "Each tile is one unit's weights on the 28x28 pixels: red where ink raises its output, blue where "
            "ink lowers it, white near zero (each frame scaled to its largest weight).",
        )


def draw_mistakes(replay: Replay, frame: int, data: dict, class_names: list[str]) -> None:
    """The probe images misclassified at one frame, the surest first, captioned 'predicted X / true Y'."""
    positions = views.probe_mistakes(replay, frame, MISTAKES)
    wrong = views.mistake_count(replay, frame)
    st.markdown(f"**{wrong} of {len(replay.probe)} probe images wrong** · the {len(positions)} surest mistakes:")
    if not len(positions):
        st.caption("No probe image is misclassified at this epoch.")
        return
    images = probe_images(
        json.dumps(data, sort_keys=True),
        tuple(int(i) for i in replay.probe),
        tuple(int(t) for t in replay.truth),
    )
    if images is None:
        st.warning("The test images this run was trained with are not available here.", icon=":material/warning:")
        return
    captions = mistake_captions(positions, replay.truth, replay.predicted[frame], class_names)
    st.image(picture_uri(captioned_tiles(images[positions], captions, MISTAKE_PX, MISTAKE_COLUMNS, large_text())))


def draw_clock_frame(replay: Replay, frame: int, key: str) -> None:
    """The hour circle and the half-hour confusion matrix over the probe clocks at one frame."""
    large = large_text()
    true_xy, predicted_xy = views.clock_circle_points(replay, frame)
    left, right = st.columns(2)
    circle = clock_circle(
        true_xy,
        predicted_xy,
        views.probe_errors(replay, frame),
        replay.truth,
        replay.predicted[frame],
        circle="hour",
        large_text=large,
    )
    circle.update_layout(title=f"Hour circle, epoch {int(replay.epochs[frame])}")
    left.plotly_chart(circle, width="stretch", key=f"{key}_circle")
    confusion = confusion_picture(
        views.probe_confusion(replay, frame),
        views.clock_class_names(),
        f"Confusion on the probe, epoch {int(replay.epochs[frame])} (half hours)",
        axis="time",
        large_text=large,
    )
    right.image(picture_uri(confusion))


def draw_score_curve(info: RunInfo, replay: Replay | None, key: str) -> None:
    """The probe's accuracy (or mean error) at every recorded epoch (nothing before the second frame)."""
    if replay is None or len(replay) < 2:
        return
    metric = views.PROBE_ERROR if replay.is_clock else views.PROBE_ACCURACY
    fig = training_curves([(info.name, views.probe_history(replay))], metric=metric, large_text=large_text())
    fig.update_layout(height=300, showlegend=False)
    st.plotly_chart(fig, width="stretch", key=f"{key}_scores")
