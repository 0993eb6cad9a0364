"""Figures made of images: captioned grids (grayscale or colour), the pixel permutation, saliency overlays.

Images are uint8 [H, W] (grayscale) or [H, W, 3] (colour, e.g. CIFAR-10); every builder here takes both.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.data.permutation import displacement_distances, permutation_map
from core.figures.theme import SEQUENTIAL, apply_theme, font_size, gray_image

HIGHLIGHT_RGB = (213, 94, 0)  # Okabe-Ito vermillion, the frame of highlighted tiles


def _png_data_uri(rgb: np.ndarray) -> str:
    from PIL import Image  # Pillow is a runtime requirement; imported here to keep module import light

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _checked_images(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    colour = images.ndim == 4 and images.shape[-1] == 3
    if not (images.ndim == 3 or colour) or len(images) == 0:
        raise ValueError(f"expected images [N, H, W] or [N, H, W, 3] with N >= 1, got shape {images.shape}")
    return np.clip(images, 0, 255).astype(np.uint8)


def as_rgb(images: np.ndarray) -> np.ndarray:
    """A stack of images [N, H, W] or [N, H, W, 3] as RGB [N, H, W, 3]; grayscale repeats its one channel."""
    images = np.asarray(images)
    return images if images.ndim == 4 else np.repeat(images[..., None], 3, axis=-1)


def picture_trace(image: np.ndarray, name: str) -> go.Heatmap | go.Image:
    """One image as a trace: grayscale [H, W] as a gray heatmap, colour [H, W, 3] as RGB; each pixel's value on hover."""
    image = np.asarray(image)
    if image.ndim == 2:
        return gray_image(image, name)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected one grayscale image [H, W] or one colour image [H, W, 3], got shape {image.shape}")
    return go.Image(
        z=np.clip(image, 0, 255).astype(np.uint8),
        name=name,
        hovertemplate="row %{y}, column %{x}: RGB %{z}<extra></extra>",
    )


def signed_rgb(tiles: np.ndarray) -> np.ndarray:
    """Signed colour weights [N, H, W, 3] as uint8 pictures: zero is mid-gray, each tile stretched to its largest weight.

    A channel brighter than gray means the unit (or filter) wants that colour there, darker that it wants less.
    """
    tiles = np.asarray(tiles, np.float64)
    if tiles.ndim != 4 or tiles.shape[-1] != 3 or len(tiles) == 0:
        raise ValueError(f"expected colour weights [N, H, W, 3] with N >= 1, got shape {tiles.shape}")
    limit = np.abs(tiles).reshape(len(tiles), -1).max(axis=1)
    scaled = tiles / np.where(limit > 0, limit, 1.0)[:, None, None, None]
    return np.round(127.5 + 127.5 * scaled).astype(np.uint8)


def tile_mosaic(
    images: np.ndarray, columns: int, pad: int, band: int, highlight: list[bool] | None = None
) -> np.ndarray:
    """Tile [N, H, W] or [N, H, W, 3] images into one RGB mosaic: a `pad`-pixel frame and a caption band below each."""
    images = as_rgb(images)
    n, height, width = images.shape[:3]
    rows = -(-n // columns)
    cell_h, cell_w = height + 2 * pad + band, width + 2 * pad
    mosaic = np.full((rows * cell_h, columns * cell_w, 3), 255, np.uint8)
    for index, image in enumerate(images):
        top, left = (index // columns) * cell_h, (index % columns) * cell_w
        if highlight is not None and highlight[index]:
            mosaic[top : top + height + 2 * pad, left : left + cell_w] = HIGHLIGHT_RGB
        mosaic[top + pad : top + pad + height, left + pad : left + pad + width] = image
    return mosaic


def image_grid(
    images: np.ndarray,
    captions: list[str] | None = None,
    columns: int = 8,
    large_text: bool = False,
    highlight: list[bool] | None = None,
    title: str = "",
) -> go.Figure:
    """A captioned grid of images as one picture (samples, contact sheets, mistakes framed in vermillion)."""
    images = _checked_images(images)
    n, height, width = images.shape[:3]
    captions = [str(c).replace("\n", "<br>") for c in (captions if captions is not None else [""] * n)]
    if len(captions) != n or (highlight is not None and len(highlight) != n):
        raise ValueError(
            f"got {n} images but {len(captions)} captions"
            + ("" if highlight is None else f" and {len(highlight)} highlight flags")
        )
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    size = font_size(large_text) - 2
    screen_per_pixel = (150 if large_text else 110) / width
    pad = max(2, width // 14)
    lines = max(c.count("<br>") + 1 for c in captions) if any(captions) else 0
    band = int(np.ceil(lines * size * 1.35 / screen_per_pixel)) + (pad if lines else 0)
    mosaic = tile_mosaic(images, columns, pad, band, highlight)
    cell_h, cell_w = height + 2 * pad + band, width + 2 * pad
    index = np.arange(n)
    centre_x = (index % columns) * cell_w + cell_w / 2
    fig = go.Figure(go.Image(source=_png_data_uri(mosaic), name="images", hoverinfo="skip"))
    fig.add_trace(
        go.Scatter(
            x=centre_x,
            y=(index // columns) * cell_h + pad + height / 2,
            mode="markers",
            name="hover captions",
            hovertext=captions,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
            marker=dict(size=0.8 * width * screen_per_pixel, opacity=0, symbol="square"),
        )
    )
    if lines:
        fig.add_trace(
            go.Scatter(
                x=centre_x,
                y=(index // columns) * cell_h + height + 2 * pad + band / 2,
                mode="text",
                text=captions,
                name="captions",
                textfont=dict(size=size),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    hidden = dict(showgrid=False, zeroline=False, showticklabels=False, visible=False)
    fig.update_layout(
        title=title or None,
        xaxis=dict(hidden, range=[0, columns * cell_w]),
        yaxis=dict(hidden, range=[rows * cell_h, 0], scaleanchor="x"),
        width=int(columns * cell_w * screen_per_pixel) + 40,
        height=int(rows * cell_h * screen_per_pixel) + (110 if title else 50),
    )
    apply_theme(fig, large_text)
    fig.update_layout(margin=dict(l=20, r=20, t=90 if title else 30, b=20))
    return fig


def permutation_picture(perm: np.ndarray, side: int = 28, large_text: bool = False) -> go.Figure:
    """Where the permutation sends pixels: a colour-coded grid before and after, and how far each pixel moved."""
    source = permutation_map(perm, side)
    source_index = source[..., 0] * side + source[..., 1]
    distance = displacement_distances(perm, side)
    rows, cols = np.indices((side, side))
    where = np.stack([rows, cols, source[..., 0], source[..., 1], distance], axis=-1)
    panels = ("original pixel order", "after the permutation", "how far each pixel moved")
    fig = make_subplots(rows=1, cols=3, subplot_titles=panels, horizontal_spacing=0.06)
    position = dict(colorscale=SEQUENTIAL, zmin=0, zmax=side * side - 1, showscale=False)
    fig.add_trace(
        go.Heatmap(
            name=panels[0],
            z=rows * side + cols,
            customdata=where[..., :2],
            **position,
            hovertemplate="pixel (row %{customdata[0]}, col %{customdata[1]})<extra></extra>",
        ),
        row=1,
        col=1,
    )
    moved = (
        "pixel (row %{customdata[0]}, col %{customdata[1]}) comes from (row %{customdata[2]}, "
        "col %{customdata[3]}), moved %{customdata[4]:.1f} px<extra></extra>"
    )
    fig.add_trace(
        go.Heatmap(name=panels[1], z=source_index, customdata=where, hovertemplate=moved, **position), row=1, col=2
    )
    fig.add_trace(
        go.Heatmap(
            name=panels[2],
            z=distance,
            customdata=where,
            hovertemplate=moved,
            colorscale="Cividis",
            zmin=0,
            colorbar=dict(title="moved (px)"),
        ),
        row=1,
        col=3,
    )
    for col in (1, 2, 3):
        anchor = "x" if col == 1 else f"x{col}"
        fig.update_xaxes(showticklabels=False, showgrid=False, constrain="domain", row=1, col=col)
        fig.update_yaxes(showticklabels=False, showgrid=False, autorange="reversed", scaleanchor=anchor, row=1, col=col)
    fig.update_layout(title="The pixel permutation: same colours, new places", height=420 if large_text else 360)
    return apply_theme(fig, large_text)


def _transparent_colorscale(name: str = SEQUENTIAL, steps: int = 8, max_alpha: float = 0.8) -> list:
    """A sequential colourscale whose low end is see-through, so unimportant pixels keep the image visible."""
    scale = plotly.colors.get_colorscale(name)
    samples = plotly.colors.sample_colorscale(scale, np.linspace(0, 1, steps), colortype="tuple")
    stops = []
    for position, (red, green, blue) in zip(np.linspace(0, 1, steps), samples):
        rgb = plotly.colors.convert_to_RGB_255((red, green, blue))
        stops.append([float(position), f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{max_alpha * position:.2f})"])
    return stops


def saliency_overlay(
    image: np.ndarray,
    heat: np.ndarray,
    large_text: bool = False,
    title: str = "Where the network looks (occlusion saliency)",
) -> go.Figure:
    """The grayscale image under a see-through heat map (bright = covering this area changed the answer most)."""
    image, heat = np.asarray(image), np.asarray(heat, np.float64)
    if image.ndim != 2 or heat.shape != image.shape:
        raise ValueError(f"image and heat map must be the same [H, W] shape, got {image.shape} and {heat.shape}")
    fig = go.Figure(
        go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip", name="image")
    )
    fig.add_trace(
        go.Heatmap(
            name="importance",
            z=heat,
            colorscale=_transparent_colorscale(),
            zmin=0,
            zmax=1,
            colorbar=dict(title="importance"),
            hovertemplate="row %{y}, column %{x}<br>importance %{z:.2f}<extra></extra>",
        )
    )
    hidden = dict(showgrid=False, zeroline=False, showticklabels=False)
    fig.update_layout(
        title=title,
        xaxis=dict(hidden, constrain="domain"),
        yaxis=dict(hidden, autorange="reversed", scaleanchor="x"),
        height=520 if large_text else 440,
        plot_bgcolor="white",
    )
    return apply_theme(fig, large_text)
