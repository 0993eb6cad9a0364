"""The Encodings tab: what each label representation asks the network to output, the 12:00 seam, 720 classes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.clocks.time import format_time
from core.figures import encoding_output_chart, regression_wraparound_chart
from core.lab.clock_encodings import ENCODING_FAMILIES, class_budget, seam_example, target_description
from core.models.encodings import get_encoding
from ui.run_cache import pretrained_run, run_evaluation
from ui.widgets import time_slider


def draw_encodings_tab(large: bool) -> None:
    """Pick a time, see every encoding's target for it, then why regression and 720 classes are hard."""
    st.markdown(
        "The same clock can be taught with different **targets**. Pick a time and see what the network "
        "is trained to output for it under each encoding."
    )
    minutes = time_slider("Time to encode", 3 * 60 + 40, "clk_time")
    for name in ENCODING_FAMILIES:
        draw_family(name, minutes, large)
    st.divider()
    draw_seam(large)
    st.divider()
    draw_many_classes(minutes, large)


def draw_family(name: str, minutes: int, large: bool) -> None:
    """One encoding: its idea in a sentence, its target for `minutes` in words and as a chart."""
    encoding = get_encoding(name)
    st.subheader(encoding.title, anchor=False)
    st.markdown(f"{encoding.summary}  \n**Target for {format_time(minutes)}:** {target_description(name, minutes)}")
    st.plotly_chart(encoding_output_chart(encoding, minutes, large_text=large), width="stretch", key=f"clk_enc_{name}")


def draw_seam(large: bool) -> None:
    """Why plain regression breaks at 12:00: a worked example, then the pretrained regression model's errors."""
    seam = seam_example()
    st.subheader("Why plain regression breaks at 12:00", anchor=False)
    st.markdown(
        f"**{seam['before']}** and **{seam['after']}** are {seam['true_gap_min']:.0f} minutes apart on the dial, "
        f"but their regression targets are **{seam['before_target']:.3f}** and **{seam['after_target']:.3f}** hours: "
        f"{seam['target_gap_min']:.0f} minutes apart as numbers. A network that cannot tell them apart is pulled "
        f"towards the middle, about **{seam['midpoint']}**, which is wrong for both. Near 12:00 the loss punishes "
        "nearly-right answers as if they were six hours off, so the regression model's worst errors sit at the seam."
    )
    info = pretrained_run("clock_regression")
    arrays = run_evaluation(info) if info is not None else {}
    if "true_minutes" in arrays and "predicted_minutes" in arrays:
        st.plotly_chart(
            regression_wraparound_chart(arrays["true_minutes"], arrays["predicted_minutes"], large_text=large),
            width="stretch",
            key="clk_seam_chart",
        )
    else:
        st.info(
            "The pretrained regression model (clock_regression) is not installed yet, so its test "
            "predictions cannot be shown. Rebuild it with `python -m core pretrain --only clock_regression`."
        )


def draw_many_classes(minutes: int, large: bool) -> None:
    """Why 720 classes is hard (few images per class) and how soft targets share them between neighbours."""
    st.subheader("Why 720 classes is hard, and how soft targets help", anchor=False)
    budget = class_budget(18000)
    per_class = next(row for row in budget if row["classes"] == 720)
    st.markdown(
        f"18,000 images over 720 classes is **{per_class['images per class']:g} images per class**; after the "
        f"20% test split **{per_class['in train split']:g}** remain for training, and "
        f"**{per_class['fitted on (after validation)']:g}** once validation is carved off. With one-hot targets "
        "a class learns only from its own handful of clocks, and 3:41 is as wrong as 9:00 for a 3:40 clock."
    )
    st.dataframe(pd.DataFrame(budget), hide_index=True, width="stretch")
    sigma = st.slider(
        "Soft target sigma (minutes)",
        0.0,
        15.0,
        3.0,
        step=0.5,
        key="clk_sigma",
        bind="query-params",
        help="0 gives one-hot targets; larger values share each image with neighbouring minutes.",
    )
    st.markdown(
        "With a Gaussian over neighbouring minutes (wrapping at 12:00) every image also teaches the "
        "classes next to its own, so each class sees many more examples and near misses cost little. "
        f"**Target for {format_time(minutes)}:** {target_description('classes-720', minutes, sigma)}"
    )
    st.plotly_chart(
        encoding_output_chart(get_encoding("classes-720", soft_sigma=sigma), minutes, large_text=large),
        width="stretch",
        key="clk_soft_chart",
    )
