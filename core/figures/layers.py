"""Figures of a network's insides: the input it sees, its answer, every layer's output, its first-layer weights.

Maps are tiled into one grid per layer (channels separated by a blank line of cells), so a layer with 64
channels is still one trace; hovering a tile names its channel (or hidden unit). The layer strip, redrawn on
every stroke on the canvas, is one picture (core.figures.pictures) on one pair of axes, with a clickable point per
tile and small heatmaps over it where hover tells more. Activations use viridis, weights a diverging scale centred
on zero (red positive, blue negative).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.figures.images import picture_trace, signed_rgb
from core.figures.pictures import INK, colour_table, picture_uri, text_font, text_width
from core.figures.theme import NEUTRAL, SEQUENTIAL, apply_theme, colour, font_size, theme_layout

DIVERGING = "RdBu_r"
CHANNELS = 16  # feature maps shown per layer at once
STRIP_BOX = (172, 150)  # a strip panel's width and height in pixels: five across fill a ~900-pixel page at 1:1
STRIP_BOX_LARGE = (240, 210)
HOURS = ("12", "3", "6", "9")
HIDDEN_AXIS = dict(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")


def mosaic(tiles: np.ndarray, columns: int, gap: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Tile [N, H, W] arrays into one grid: (values with NaN in the gaps, each cell's tile index with -1 in gaps)."""
    tiles = np.asarray(tiles, np.float64)
    if tiles.ndim != 3 or len(tiles) == 0:
        raise ValueError(f"expected tiles [N, H, W] with N >= 1, got shape {tiles.shape}")
    n, height, width = tiles.shape
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    values = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan)
    index = np.full(values.shape, -1, np.int64)
    for number, tile in enumerate(tiles):
        top, left = (number // columns) * (height + gap), (number % columns) * (width + gap)
        values[top : top + height, left : left + width] = tile
        index[top : top + height, left : left + width] = number
    return values, index


def grid_columns(n: int, height: int, width: int) -> int:
    """Columns that make a grid of n tiles of height x width roughly square."""
    return max(1, min(n, int(round(np.sqrt(n * height / max(width, 1))))))


def channel_range(channels: int, first: int, count: int = CHANNELS) -> range:
    """At most `count` channels from `first`; a layer with fewer channels shows its last `count` instead."""
    first = int(np.clip(first, 0, max(channels - count, 0)))
    return range(first, min(channels, first + count))


def _hidden_axes(fig: go.Figure, row: int | None = None, col: int | None = None, anchor: str = "x") -> None:
    kwargs = {} if row is None else dict(row=row, col=col)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain", **kwargs)
    fig.update_yaxes(
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        autorange="reversed",
        scaleanchor=anchor,
        constrain="domain",
        **kwargs,
    )


def _picture_figure(trace: go.BaseTraceType, title: str, large_text: bool, **settings: Any) -> go.Figure:
    """One picture-like trace on hidden axes with square cells, rows downwards, themed; built in one call (fast)."""
    layout = theme_layout(large_text)
    layout["title"]["text"] = title or None
    layout.update(xaxis=HIDDEN_AXIS, yaxis=dict(HIDDEN_AXIS, autorange="reversed", scaleanchor="x"), **settings)
    return go.Figure(data=[trace], layout=layout)


def _tile_heatmap(
    tiles: np.ndarray,
    labels: Sequence[int],
    name: str,
    what: str,
    columns: int,
    signed: bool = False,
    showscale: bool = False,
) -> go.Heatmap:
    values, index = mosaic(tiles, columns)
    label_of = np.asarray(list(labels) + [-1])[index]  # -1 (the gaps) picks the appended -1
    finite = values[np.isfinite(values)]
    if signed:
        limit = float(np.abs(finite).max()) if finite.size else 1.0
        scale = dict(colorscale=DIVERGING, zmid=0.0, zmin=-(limit or 1.0), zmax=limit or 1.0)
    else:
        top = float(finite.max()) if finite.size else 1.0
        scale = dict(
            colorscale=SEQUENTIAL,
            zmin=min(0.0, float(finite.min())) if finite.size else 0.0,
            zmax=top if top > 0 else 1.0,
        )
    return go.Heatmap(
        z=values.astype(np.float32),  # half the bytes of float64 on the wire; hover shows 3 decimals anyway
        customdata=label_of,
        name=name,
        showscale=showscale,
        hoverongaps=False,
        **scale,
        hovertemplate=f"{what} %{{customdata}}<br>value %{{z:.3f}}<extra>{name}</extra>",
    )


def coloured(values: np.ndarray) -> np.ndarray:
    """Values [H, W] as RGBA uint8 in the sequential scale from min(0, lowest) to the highest; NaN transparent."""
    values = np.asarray(values, np.float64)
    finite = np.isfinite(values)
    low = min(0.0, float(values[finite].min())) if finite.any() else 0.0
    high = float(values[finite].max()) if finite.any() else 1.0
    scaled = (np.where(finite, values, low) - low) / (high - low if high > low else 1.0)
    rgb = colour_table(SEQUENTIAL)[np.clip(np.rint(scaled * 255), 0, 255).astype(np.uint8)]
    return np.concatenate([rgb, np.where(finite, 255, 0).astype(np.uint8)[..., None]], axis=-1)


def weight_picture(tiles: np.ndarray, columns: int = 8, tile_px: int = 84) -> np.ndarray:
    """Signed weights [N, H, W] as one RGB mosaic in the diverging scale around zero (NaN and gaps white), each tile
    enlarged to about `tile_px`: one picture for st.image where a chart per frame would cost a browser redraw.

    Colour weights [N, H, W, 3] are drawn as the inside view draws them (signed_rgb: mid-gray is zero, each tile
    stretched to its largest weight), with white gaps.
    """
    tiles = np.asarray(tiles)
    if tiles.ndim == 4:
        pictures = signed_rgb(tiles).astype(np.float64)
        planes = [mosaic(pictures[..., channel], columns)[0] for channel in range(3)]
        rgb = np.nan_to_num(np.stack(planes, axis=-1), nan=255.0).astype(np.uint8)
    else:
        values, _ = mosaic(tiles, columns)
        finite = np.isfinite(values)
        limit = float(np.abs(values[finite]).max()) if finite.any() else 0.0
        scaled = (np.where(finite, values, 0.0) / (limit or 1.0) + 1.0) / 2.0
        rgb = colour_table(DIVERGING)[np.clip(np.rint(scaled * 255), 0, 255).astype(np.uint8)]
        rgb[~finite] = 255
    factor = max(1, tile_px // max(tiles.shape[1:3]))
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def _vector_grid(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A vector laid out as a nearly square block of cells (NaN fill), with each cell's unit index."""
    values = np.asarray(values, np.float64).reshape(-1)
    columns = int(np.ceil(np.sqrt(len(values))))
    rows = -(-len(values) // columns)
    grid = np.full(rows * columns, np.nan)
    grid[: len(values)] = values
    index = np.full(rows * columns, -1)
    index[: len(values)] = np.arange(len(values))
    return grid.reshape(rows, columns), index.reshape(rows, columns)


def enlarged_pixels(image: np.ndarray, side: int = 224) -> np.ndarray:
    """An image [H, W] or [H, W, 3] scaled up by a whole factor (each pixel a square block) to about `side` pixels.

    A browser smooths a small image it enlarges; blocks keep every pixel the model sees sharp (for st.image).
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] != 3):
        raise ValueError(f"expected one grayscale image [H, W] or one colour image [H, W, 3], got shape {image.shape}")
    factor = max(1, side // max(image.shape[:2]))
    return np.repeat(np.repeat(np.clip(image, 0, 255).astype(np.uint8), factor, axis=0), factor, axis=1)


def prediction_bars(
    probabilities: np.ndarray,
    class_names: Sequence[str],
    title: str = "",
    large_text: bool = False,
    height: int | None = None,
) -> go.Figure:
    """The softmax output as horizontal bars, one per class, the top class in a strong colour."""
    probabilities = np.asarray(probabilities, np.float64).reshape(-1)
    if len(probabilities) != len(class_names):
        raise ValueError(f"got {len(probabilities)} probabilities for {len(class_names)} classes")
    top = int(np.argmax(probabilities))
    colours = [colour(0) if index == top else NEUTRAL for index in range(len(probabilities))]
    bars = go.Bar(
        x=probabilities,
        y=[str(name) for name in class_names],
        orientation="h",
        name="prediction",
        marker_color=colours,
        text=[f"{100 * p:.0f}%" for p in probabilities],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.1%}<extra></extra>",
    )
    layout = theme_layout(large_text)
    layout["title"]["text"] = title or None
    layout.update(
        height=height or (400 if large_text else 320),
        xaxis=dict(range=[0, 1.15], tickformat=".0%", showgrid=False, showticklabels=False),
        yaxis=dict(autorange="reversed", type="category"),
        bargap=0.25,
        showlegend=False,
        margin=dict(l=10, r=10, t=50 if title else 10, b=10),
    )
    return go.Figure(data=[bars], layout=layout)


def _panel_title(layer: Any, shown: range | None) -> str:
    values = np.asarray(layer.values)
    if layer.kind == "output":
        return "prediction"
    if values.ndim == 3:
        channels = values.shape[-1]
        if channels == 1:
            return f"{layer.name} ({values.shape[0]}x{values.shape[1]})"
        shown = shown or range(channels)
        return f"{layer.name}: {shown.start + 1}-{shown.stop} of {channels} maps"
    return f"{layer.name}: {values.size} units"


def _fitted(picture: np.ndarray, width: int, height: int) -> tuple[np.ndarray, float]:
    """A picture scaled (nearest pixel, so cells stay sharp) to fit a width x height box, and its scale factor."""
    from PIL import Image

    scale = min(width / picture.shape[1], height / picture.shape[0])
    size = (max(1, round(picture.shape[1] * scale)), max(1, round(picture.shape[0] * scale)))
    return np.asarray(Image.fromarray(picture).resize(size, Image.Resampling.NEAREST)), scale


def _placed(trace: dict, shape: tuple[int, ...], box: tuple[int, int, int, int]) -> dict:
    """A heatmap or image trace (as a dict) of `shape` cells scaled into a (left, top, width, height) box of the
    strip, centred."""
    left, top, width, height = box
    scale = min(width / shape[1], height / shape[0])
    left += (width - scale * shape[1]) / 2
    top += (height - scale * shape[0]) / 2
    return dict(trace, x0=left + scale / 2, dx=scale, y0=top + scale / 2, dy=scale)


def _bars_panel(draw, probabilities: np.ndarray, class_names: Sequence[str], box, size: int) -> dict:
    """The softmax as bars drawn into the strip picture (top class in the strong colour, each share written after
    its bar), and an invisible point per bar that names its class and share on hover."""
    from PIL import ImageColor

    left, top, width, height = box
    row = height / len(class_names)
    size = int(min(size, row - 2))
    labels = [str(name) for name in class_names]
    label_width = max(text_width(label, size) for label in labels) + 6
    longest = width - label_width - text_width("100%", size) - 8
    best = int(np.argmax(probabilities))
    ends, middles = [], []
    for number, (label, share) in enumerate(zip(labels, probabilities)):
        middle = top + (number + 0.5) * row
        end = left + label_width + max(1.0, float(share) * longest)
        fill = ImageColor.getrgb(colour(0) if number == best else NEUTRAL)
        draw.text((left + label_width - 6, middle), label, fill=INK, font=text_font(size), anchor="rm")
        draw.rectangle([left + label_width, middle - row * 0.35, end, middle + row * 0.35], fill=fill)
        draw.text((end + 4, middle), f"{100 * share:.0f}%", fill=INK, font=text_font(size), anchor="lm")
        ends.append(end)
        middles.append(middle)
    return dict(
        type="scatter",
        x=[(left + label_width + end) / 2 for end in ends],
        y=middles,
        mode="markers",
        marker=dict(size=row, opacity=0),
        name="prediction",
        text=labels,
        customdata=np.asarray(probabilities, np.float64).tolist(),
        hovertemplate="%{text}: %{customdata:.1%}<extra>prediction</extra>",
    )


def _maps_panel(picture: np.ndarray, tiles: np.ndarray, channels: Sequence[int], name: str, box) -> dict:
    """A layer's maps pasted into the strip picture as one grid, and over each tile an invisible point to hover
    (channel, strongest value) or click: heatmap cells cannot be clicked (Plotly selects points); the points
    carry the channel, `meta` the layer's name."""
    left, top, width, height = box
    columns = grid_columns(len(tiles), tiles.shape[1], tiles.shape[2])
    values, _ = mosaic(tiles, columns)
    rgba = coloured(values)
    fitted, scale = _fitted(np.where(rgba[..., 3:] > 0, rgba[..., :3], 255).astype(np.uint8), width, height)
    left += (width - fitted.shape[1]) // 2
    top += (height - fitted.shape[0]) // 2
    picture[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    map_height, map_width = tiles.shape[1:]
    numbers = np.arange(len(tiles))
    strongest = tiles.reshape(len(tiles), -1).max(axis=1)
    return dict(
        type="scatter",
        x=left + ((numbers % columns) * (map_width + 1) + map_width / 2) * scale,
        y=top + ((numbers // columns) * (map_height + 1) + map_height / 2) * scale,
        mode="markers",
        marker=dict(size=max(8, min(24, map_width * scale)), opacity=0),
        name=f"{name} channels",
        meta=name,
        # plain lists: a row of a typed array would reach Python as {"0": ..., "1": ...} when clicked
        customdata=np.stack([np.asarray(channels), strongest], axis=1).tolist(),
        hovertemplate=f"channel %{{customdata[0]}}<br>strongest %{{customdata[1]:.3f}}<extra>{name}</extra>",
    )


def _vector_panel(values: np.ndarray, name: str, box) -> dict:
    """A dense layer's activations as a block of cells, one per unit, each unit's value on hover."""
    grid, index = _vector_grid(values)
    heatmap = dict(
        type="heatmap",
        z=grid.astype(np.float32),
        customdata=index,
        name=name,
        colorscale=SEQUENTIAL,
        showscale=False,
        zmin=min(0.0, float(np.nanmin(grid))),
        hoverongaps=False,
        hovertemplate=f"unit %{{customdata}}: %{{z:.3f}}<extra>{name}</extra>",
    )
    return _placed(heatmap, grid.shape, box)


def layer_strip(
    image: np.ndarray,
    layers: Sequence[Any],
    class_names: Sequence[str] | None = None,
    first_channel: int = 0,
    channels: int = CHANNELS,
    columns: int = 5,
    large_text: bool = False,
) -> go.Figure:
    """Input, then each layer: feature maps as a grid, dense activations as a block of cells, softmax as bars.

    `layers` hold `.name`, `.kind` and `.values` (one image, no batch axis), e.g. core.evaluation.activations'
    LayerOutput. Redrawn on every stroke on the canvas, so it is one picture (the trace "strip": panel titles,
    maps, bars) on one pair of hidden axes in its pixels, with small traces laid over it where hover tells more:
    the input (named "input") and each dense layer as heatmaps with their values, each layer's maps as clickable
    points (meta: the layer's name, see _maps_panel), the prediction's bars as points named "prediction".
    """
    from PIL import Image, ImageDraw

    panels: list[tuple[str, Any]] = [("input", None)] + [(layer.name, layer) for layer in layers]
    columns = max(1, min(columns, len(panels)))
    rows = -(-len(panels) // columns)
    shown = {
        layer.name: channel_range(np.asarray(layer.values).shape[-1], first_channel, channels)
        for layer in layers
        if np.asarray(layer.values).ndim == 3
    }
    titles = ["what the model sees"] + [_panel_title(layer, shown.get(layer.name)) for layer in layers]
    size = font_size(large_text) - 2
    box_width, box_height = STRIP_BOX_LARGE if large_text else STRIP_BOX
    gap, title_height = 10, size + 10
    width = columns * (box_width + gap) - gap
    height = rows * (title_height + box_height + gap) - gap
    picture = np.full((height, width, 3), 255, np.uint8)
    boxes = [
        (
            (number % columns) * (box_width + gap),
            (number // columns) * (title_height + box_height + gap) + title_height,
            box_width,
            box_height,
        )
        for number in range(len(panels))
    ]
    overlays: list[dict] = []  # dicts: a figure validates them once, where trace objects are validated again
    drawn: list[tuple[Any, tuple[int, int, int, int]]] = []  # drawn after the maps are pasted in
    for (name, layer), box in zip(panels, boxes):
        values = None if layer is None else np.asarray(layer.values, np.float32)
        if layer is None:
            overlays.append(_placed(picture_trace(image, "input").to_plotly_json(), np.asarray(image).shape, box))
        elif layer.kind == "output" and class_names is not None and values.size == len(class_names):
            drawn.append((values, box))
        elif values.ndim == 3:
            picked = shown[name]
            tiles = np.moveaxis(values[..., picked.start : picked.stop], -1, 0)
            overlays.append(_maps_panel(picture, tiles, [c + 1 for c in picked], name, box))
        else:
            overlays.append(_vector_panel(values, name, box))
    canvas = Image.fromarray(picture)
    draw = ImageDraw.Draw(canvas)
    for title, (left, top, box_w, _) in zip(titles, boxes):
        draw.text((left + box_w / 2, top - title_height / 2), title, fill=INK, font=text_font(size), anchor="mm")
    for values, box in drawn:
        overlays.append(_bars_panel(draw, values, class_names, box, size))
    strip = dict(
        type="image",
        source=picture_uri(np.asarray(canvas)),
        x0=0.5,
        y0=0.5,
        dx=1,
        dy=1,
        name="strip",
        hoverinfo="skip",
    )
    maps_first = sorted(overlays, key=lambda trace: trace["name"] == "prediction")  # the prediction ends the strip
    layout = theme_layout(large_text)
    layout.update(
        xaxis=dict(HIDDEN_AXIS, range=[0, width]),
        yaxis=dict(HIDDEN_AXIS, range=[height, 0], scaleanchor="x"),
        height=height + 20,
        showlegend=False,
        plot_bgcolor="white",
        margin=dict(l=10, r=10, t=10, b=10),
    )
    return go.Figure(data=[strip, *maps_first], layout=layout)


def feature_maps(
    values: np.ndarray,
    first: int = 0,
    count: int = CHANNELS,
    title: str = "",
    name: str = "",
    columns: int | None = None,
    large_text: bool = False,
) -> go.Figure:
    """One layer's feature maps [H, W, C] from channel `first`, tiled in one heatmap with a colour bar."""
    values = np.asarray(values, np.float64)
    if values.ndim != 3:
        raise ValueError(f"expected feature maps [H, W, C], got shape {values.shape}")
    picked = channel_range(values.shape[-1], first, count)
    tiles = np.moveaxis(values[..., picked.start : picked.stop], -1, 0)
    columns = columns or grid_columns(len(tiles), tiles.shape[1], tiles.shape[2])
    rows = -(-len(tiles) // columns)
    aspect = rows * tiles.shape[1] / max(columns * tiles.shape[2], 1)
    return _picture_figure(
        _tile_heatmap(tiles, [c + 1 for c in picked], name or "feature maps", "channel", columns, showscale=True),
        title,
        large_text,
        plot_bgcolor="white",
        height=int(np.clip(700 * aspect, 220, 720)) + (80 if large_text else 60),
    )


def enlarged_map(
    values: np.ndarray, title: str = "", name: str = "feature map", signed: bool = False, large_text: bool = False
) -> go.Figure:
    """One 2-D map large, with a colour bar and each cell's value on hover."""
    values = np.asarray(values, np.float64)
    if values.ndim != 2:
        raise ValueError(f"expected one map [H, W], got shape {values.shape}")
    if signed:
        limit = float(np.abs(values).max()) or 1.0
        scale = dict(colorscale=DIVERGING, zmid=0.0, zmin=-limit, zmax=limit)
    else:
        scale = dict(colorscale=SEQUENTIAL)
    heatmap = go.Heatmap(z=values, name=name, **scale, hovertemplate="row %{y}, column %{x}: %{z:.3f}<extra></extra>")
    aspect = values.shape[0] / values.shape[1]
    return _picture_figure(
        heatmap, title, large_text, height=int(np.clip(400 * aspect, 200, 440)) + 60, plot_bgcolor="white"
    )


def weight_tiles(
    tiles: np.ndarray,
    labels: Sequence[int] | None = None,
    title: str = "",
    what: str = "unit",
    name: str = "weights",
    columns: int = 8,
    showscale: bool = True,
    height: int | None = None,
    large_text: bool = False,
) -> go.Figure:
    """Signed weights as small images (red: positive, blue: negative, NaN blank), e.g. first-layer filters or units."""
    tiles = np.asarray(tiles, np.float64)
    labels = list(range(len(tiles))) if labels is None else [int(label) for label in labels]
    if len(labels) != len(tiles):
        raise ValueError(f"got {len(tiles)} tiles but {len(labels)} labels")
    heatmap = _tile_heatmap(tiles, labels, name, what, columns, signed=True, showscale=showscale)
    aspect = np.asarray(heatmap.z).shape[0] / np.asarray(heatmap.z).shape[1]
    return _picture_figure(
        heatmap,
        title,
        large_text,
        height=height or int(np.clip(700 * aspect, 160, 700)) + 90,
        plot_bgcolor="white",
        margin=dict(l=10, r=10, t=60 if title else 10, b=10),
    )


def polar_pair(
    image: np.ndarray,
    polar: np.ndarray,
    max_radius: float = 1.0,
    turn_deg: float = 0.0,
    large_text: bool = False,
    dial: np.ndarray | None = None,
) -> go.Figure:
    """A clock and its polar resampling side by side: radius down (centre at the top), angle across from 12.

    `dial` (hub x, y and stretch, as core.clocks.render.dial_geometry) draws the dial a finder located on the clock:
    its hub and the outermost ring the polar image reaches."""
    image, polar = np.asarray(image, np.float64), np.asarray(polar, np.float64)
    if image.ndim != 2 or polar.ndim != 2:
        raise ValueError(f"expected two 2-D images, got shapes {image.shape} and {polar.shape}")
    radii, angles = polar.shape
    degrees = np.arange(angles) * 360.0 / angles
    radius = (np.arange(radii) + 0.5) / radii * max_radius
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.32, 0.68],
        horizontal_spacing=0.1,
        subplot_titles=("the clock", "its polar image: angle across, radius down (centre at top)"),
    )
    fig.add_trace(
        go.Heatmap(
            z=image,
            name="clock",
            colorscale="gray",
            zmin=0,
            zmax=255 if image.max() > 1 else 1,
            showscale=False,
            hovertemplate="row %{y}, column %{x}: %{z:.0f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Heatmap(
            z=polar,
            x=degrees,
            y=radius,
            name="polar",
            colorscale="gray",
            showscale=False,
            zmin=0,
            zmax=255 if polar.max() > 1 else 1,
            hovertemplate="%{x:.0f}° clockwise from 12, radius %{y:.2f}: %{z:.0f}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    if dial is not None:
        from core.models.dial_finder import dial_outline

        outline = dial_outline(dial, max_radius, *image.shape)
        fig.add_trace(
            go.Scatter(
                x=outline[:, 0],
                y=outline[:, 1],
                mode="lines+markers",
                marker=dict(size=[0] * (len(outline) - 1) + [9], color=colour(1)),
                line=dict(color=colour(1), width=2),
                name="found dial",
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    _hidden_axes(fig, 1, 1, "x")
    fig.update_xaxes(
        tickvals=[0, 90, 180, 270],
        ticktext=[f"{h} o'clock" for h in HOURS],
        showgrid=False,
        title="angle (clockwise from 12)",
        row=1,
        col=2,
    )
    fig.update_yaxes(autorange="reversed", title=dict(text="radius", standoff=4), showgrid=False, row=1, col=2)
    if turn_deg % 360:
        shift = float(turn_deg) % 360.0
        fig.add_vline(
            x=shift,
            line=dict(color=colour(1), width=2, dash="dash"),
            row=1,
            col=2,
            annotation_text="12 after the turn",
            annotation_position="bottom",
            annotation_font_color=colour(1),
        )
    fig.update_layout(height=400 if large_text else 340, plot_bgcolor="white")
    apply_theme(fig, large_text)
    fig.update_layout(margin=dict(l=20, r=20, t=60, b=60))
    return fig
