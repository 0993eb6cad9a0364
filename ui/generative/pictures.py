"""Pictures (image grids, mosaics, the replay) drawn at their own size, shrunk to fit where they are shown."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.figures.generative import fit_width

FULL_WIDTH = 900  # pixels: a picture across the page
COLUMN_WIDTH = 330  # pixels: a picture in one of three columns


def draw_picture(fig: go.Figure, key: str | None = None, max_width: int = FULL_WIDTH) -> None:
    """A picture at its own size (never stretched, which would leave empty bands above and below it)."""
    st.plotly_chart(fit_width(fig, max_width), width="content", key=key)
