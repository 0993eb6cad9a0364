"""Small widgets several views share: URL-bound toggle and clock-time slider, a captioned chart, a note on a missing
pretrained model, a table's CSV and Markdown downloads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module
from typing import Any, Literal

import plotly.graph_objects as go
import streamlit as st

from core.clocks.time import MINUTES, format_time
from core.lab import tables

# label, what writes the rows, file ending, MIME type: one download button each, side by side
TABLE_FORMATS = (
    ("Download CSV", tables.to_csv, "csv", "text/csv"),
    ("Download Markdown", tables.to_markdown, "md", "text/markdown"),
)


def lazy_tabs(views: dict[str, tuple[str, str]], key: str) -> Iterator[tuple[str, Callable[..., None]]]:
    """URL-bound tabs (?`key`=Label links to one) over `views` (label -> (module, function)): only the open tab's
    module is imported (some load models) and yielded, as (label, its draw function), inside that tab."""
    tabs = st.tabs(list(views), key=key, bind="query-params")
    for tab, (label, (module, function)) in zip(tabs, views.items()):
        if tab.open:
            with tab:
                yield label, getattr(import_module(module), function)


def url_toggle(label: str, key: str, help: str, where: Any = st) -> bool:
    """A toggle kept in the URL, on until switched off; `where` is the container it goes in (the page by default)."""
    return bool(where.toggle(label, value=True, key=key, bind="query-params", help=help))


def time_slider(label: str, default: int, key: str) -> int:
    """A slider over the 720 clock times (minutes after 12:00, shown as 3:40), kept in the URL."""
    return int(
        st.select_slider(
            label, list(range(MINUTES)), value=default, format_func=format_time, key=key, bind="query-params"
        )
    )


def captioned_chart(figure: go.Figure, key: str, caption: str) -> None:
    """A chart as wide as its container, with a caption under it."""
    st.plotly_chart(figure, width="stretch", key=key)
    st.caption(caption)


def missing_model_note(sentence: str, name: str, where: Any = st) -> None:
    """An info box: `sentence` about the pretrained model `name` not being here, and the command that rebuilds it."""
    where.info(f"{sentence}; rebuild it with `python -m core pretrain --only {name}`.", icon=":material/info:")


def table_downloads(
    rows: list[dict[str, Any]], file_stem: str, key: str, width: Literal["content", "stretch"] = "content"
) -> None:
    """The rows as CSV and as Markdown, two download buttons side by side (keys `{key}_csv` and `{key}_md`)."""
    for column, (label, write, ending, mime) in zip(st.columns(2), TABLE_FORMATS):
        column.download_button(
            label,
            write(rows),
            file_name=f"{file_stem}.{ending}",
            mime=mime,
            icon=":material/download:",
            key=f"{key}_{ending}",
            width=width,
        )
