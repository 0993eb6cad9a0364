"""The GAN's duel: generator and discriminator losses together, what the discriminator says, and how to read them."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.data.datasets import CLASS_NAMES
from core.figures.generative import COLLAPSE_SHARE, gan_duel_chart
from core.runs import store as runs
from core.runs.store import ACTIVE_STATES, RunInfo
from ui.generative.runs import is_conditional, offer_models, run_dataset, run_kind
from ui.live import TICK_S
from ui.run_cache import full_run

HEALTHY = (
    "**A healthy duel.** Neither player wins for good: both losses wobble around a level instead of one "
    "falling to 0. The discriminator's mean output on real images stays above its output on generated ones, "
    "and both drift towards 0.5 as the fakes improve; it never becomes certain."
)
COLLAPSE = (
    "**Mode collapse.** The generator finds a few images that fool the discriminator and makes only those: "
    "the samples look alike, whatever the noise. The losses can look calm while it happens, so look at the "
    "**class histogram**: classes falling towards 0% are the collapse detector. **A lost duel**: the "
    "discriminator's loss drops towards 0 (its output 1 on real, 0 on fake) and the generator's loss climbs; "
    "the generator no longer learns anything."
)


def collapse_sentence(info: RunInfo) -> str:
    """Which classes the samples (nearly) never show, from the run's class histogram ('' when unknown)."""
    shares = (info.metrics or {}).get("class_histogram")
    if shares is None:
        return ""
    shares = np.asarray(shares, np.float64)
    names = CLASS_NAMES[run_dataset(info)]
    rare = [f"{names[index]} ({shares[index]:.0%})" for index in np.flatnonzero(shares < COLLAPSE_SHARE)]
    if is_conditional(info):
        asked = (info.metrics or {}).get("asked_class_share")
        drawn = "" if asked is None else f" ({float(asked):.0%} of its samples read as the class asked for)"
        return (
            "This GAN is told the class and asked for each one equally often, so its histogram shows whether it "
            f"draws what it is asked{drawn}; its mode collapse would show as the samples of one class all alike."
        )
    if not rare:
        return f"Every class holds at least {COLLAPSE_SHARE:.0%} of this GAN's samples: no sign of mode collapse."
    return (
        f"Classes under {COLLAPSE_SHARE:.0%} of this GAN's samples: {', '.join(rare)}. After a full training run "
        "that is mode collapse; after a few epochs the generator may simply not have learned them yet."
    )


def draw_duel(info: RunInfo, large: bool) -> None:
    """The GAN's losses and discriminator outputs by epoch (live while it trains), with the notes on reading them."""
    if run_kind(info) != "gan":
        st.info(
            f"This run is a {run_kind(info).upper()}: it trains one network against the pixels, not two against "
            "each other. Pick a GAN to watch its generator and discriminator duel.",
            icon=":material/info:",
        )
        offer_models(info, ("gan",))
        return
    history = full_run(info).history
    if not history.get("epochs") and not history.get("batches"):
        st.info("The duel appears after the first epoch of training.", icon=":material/hourglass:")
        return
    st.plotly_chart(gan_duel_chart(history, large_text=large), width="stretch", key="gen_duel")
    healthy, collapse = st.columns(2)
    healthy.markdown(HEALTHY)
    collapse.markdown(COLLAPSE)
    sentence = collapse_sentence(info)
    if sentence:
        st.markdown(sentence)


def draw_live_duel(run_id: str, large: bool) -> None:
    """A training GAN's duel so far, reread from its history."""
    try:
        info = runs.read_run(runs.run_path(None, run_id))
    except runs.RunError:
        return
    if info.history.get("epochs"):
        st.plotly_chart(gan_duel_chart(info.history, large_text=large), width="stretch")
    else:
        st.caption("Its duel appears after the first epoch.")


def live_duel(info: RunInfo, large: bool) -> None:
    """draw_live_duel in a fragment that redraws every second while the GAN is queued or running."""
    active = info.state in ACTIVE_STATES
    st.fragment(run_every=TICK_S if active else None)(draw_live_duel)(info.run_id, large)
