"""Figures of the generative models page: image mosaics with labelled rows and columns, the epoch replay of
samples, the 2-D latent map, class histograms of samples and the GAN's duel of losses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.figures.images import _png_data_uri, image_grid, tile_mosaic
from core.figures.theme import NEUTRAL, apply_theme, colour, font_size, line_width, marker_size, scatter_class
from core.figures.training import batch_trace

BLANK = 255  # a tile of this value vanishes into the white mosaic background (padding of a short last row)
EVEN_SHARE = 0.1  # each of 10 classes in a perfectly diverse set of samples
COLLAPSE_SHARE = 0.05  # a class below this share of the samples is (nearly) missing: a sign of mode collapse
CLASS_SYMBOLS = ("circle", "diamond", "square")  # with 8 palette colours, classes 9 and 10 differ by shape
GAN_CURVES = (("d_loss", "discriminator loss"), ("g_loss", "generator loss"))
GAN_OUTPUTS = (("d_real", "D on real images"), ("d_fake", "D on generated images"))


def _uint8_images(images: np.ndarray, what: str) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"{what} must be grayscale images [N, H, W] with N >= 1, got shape {images.shape}")
    return np.clip(images, 0, 255).astype(np.uint8)


def labelled_mosaic(
    grid: np.ndarray,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    large_text: bool = False,
    title: str = "",
) -> go.Figure:
    """Images [rows, columns, H, W] tiled into one picture, each row and column named on its axis."""
    grid = np.asarray(grid)
    if grid.ndim != 4 or 0 in grid.shape:
        raise ValueError(f"expected an image grid [rows, columns, H, W], got shape {grid.shape}")
    rows, columns, height, width = grid.shape
    if len(row_labels) != rows or len(column_labels) != columns:
        raise ValueError(f"a {rows} x {columns} grid needs {rows} row and {columns} column labels")
    pad = max(2, width // 14)
    mosaic = tile_mosaic(np.clip(grid, 0, 255).astype(np.uint8).reshape(-1, height, width), columns, pad, 0)
    cell_h, cell_w = height + 2 * pad, width + 2 * pad
    screen_per_pixel = (150 if large_text else 110) / width
    size = font_size(large_text)
    fig = go.Figure(go.Image(source=_png_data_uri(mosaic), name="images", hoverinfo="skip"))
    ticks = dict(showgrid=False, zeroline=False, ticks="", tickfont=dict(size=size - 2))
    fig.update_layout(
        title=title or None,
        xaxis=dict(
            ticks,
            range=[0, columns * cell_w],
            tickvals=[(c + 0.5) * cell_w for c in range(columns)],
            ticktext=list(column_labels),
            side="top",
        ),
        yaxis=dict(
            ticks,
            range=[rows * cell_h, 0],
            scaleanchor="x",
            tickvals=[(r + 0.5) * cell_h for r in range(rows)],
            ticktext=list(row_labels),
        ),
        width=int(columns * cell_w * screen_per_pixel) + 160,
        height=int(rows * cell_h * screen_per_pixel) + (130 if title else 80),
    )
    apply_theme(fig, large_text)
    fig.update_layout(margin=dict(l=20 + 6 * size, r=20, t=(70 if title else 20) + 2 * size, b=20))
    return fig


def fit_width(fig: go.Figure, max_width: int) -> go.Figure:
    """Shrink a fixed-size picture (an image grid or mosaic) to at most `max_width` pixels wide, keeping its
    aspect ratio, so a wide grid shown at its own size leaves no empty band above and below; returns `fig`."""
    width, height, margin = fig.layout.width, fig.layout.height, fig.layout.margin
    if not width or not height or width <= max_width:
        return fig
    sides, ends = (margin.l or 0) + (margin.r or 0), (margin.t or 0) + (margin.b or 0)
    scale = max(1, max_width - sides) / max(1, width - sides)
    fig.update_layout(width=int(max_width), height=int(ends + (height - ends) * scale))
    return fig


def _rows_of(images: np.ndarray, per_row: int) -> np.ndarray:
    """[N, H, W] as [ceil(N / per_row), per_row, H, W], the last row padded with blank tiles."""
    n, height, width = images.shape
    rows = -(-n // per_row)
    padded = np.full((rows * per_row, height, width), BLANK, np.uint8)
    padded[:n] = images
    return padded.reshape(rows, per_row, height, width)


def reconstruction_pairs(
    originals: np.ndarray, reconstructions: np.ndarray, per_row: int = 8, large_text: bool = False, title: str = ""
) -> go.Figure:
    """Test images and what the autoencoder rebuilt from them: each row of originals over its row of rebuilds."""
    originals = _uint8_images(originals, "originals")
    reconstructions = _uint8_images(reconstructions, "reconstructions")
    if originals.shape != reconstructions.shape:
        raise ValueError(f"originals {originals.shape} and reconstructions {reconstructions.shape} differ in shape")
    per_row = max(1, min(per_row, len(originals)))
    top, bottom = _rows_of(originals, per_row), _rows_of(reconstructions, per_row)
    grid = np.stack([top, bottom], axis=1).reshape(-1, *top.shape[1:])
    labels = ["original", "rebuilt"] * len(top)
    return labelled_mosaic(grid, labels, [""] * per_row, large_text, title)


def interpolation_strip(images: np.ndarray, large_text: bool = False, title: str = "") -> go.Figure:
    """The images decoded along a straight line in latent space, from image A (left) to image B (right)."""
    images = _uint8_images(images, "interpolation")
    steps = len(images)
    fractions = np.linspace(0.0, 1.0, steps) if steps > 1 else np.zeros(1)
    labels = ["A" if i == 0 else "B" if i == steps - 1 else f"{t:.2f}" for i, t in enumerate(fractions)]
    return labelled_mosaic(images[None], ["A → B"], labels, large_text, title)


def decoder_grid(
    images: np.ndarray,
    coordinates: np.ndarray,
    large_text: bool = False,
    title: str = "The decoder across latent space",
) -> go.Figure:
    """Images decoded at the points of a square lattice in a 2-D latent space, placed where their points are."""
    images = _uint8_images(images, "decoded images")
    coordinates = np.asarray(coordinates, np.float64)
    if coordinates.shape != (len(images), 2):
        raise ValueError(f"expected one 2-D latent point per image, got coordinates of shape {coordinates.shape}")
    xs, ys = np.unique(coordinates[:, 0]), np.unique(coordinates[:, 1])[::-1]
    if len(xs) * len(ys) != len(images):
        raise ValueError("the latent points must form a full lattice (every z1 with every z2)")
    grid = np.empty((len(ys), len(xs), *images.shape[1:]), np.uint8)
    for image, (x, y) in zip(images, coordinates):
        grid[np.searchsorted(-ys, -y), np.searchsorted(xs, x)] = image
    return labelled_mosaic(grid, [f"z2 {y:+.1f}" for y in ys], [f"z1 {x:+.1f}" for x in xs], large_text, title)


def latent_map(
    latents: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    large_text: bool = False,
    indices: np.ndarray | None = None,
    title: str = "Where the encoder puts the test images",
) -> go.Figure:
    """Test images as points at their 2-D latent codes, one colour per class, each point's test index (`indices`,
    else its position) as customdata, so a click names the image."""
    latents = np.asarray(latents, np.float64)
    labels = np.asarray(labels).astype(int).reshape(-1)
    if latents.ndim != 2 or latents.shape[1] != 2 or len(latents) != len(labels):
        raise ValueError(f"expected 2-D latent codes [N, 2] and N labels, got {latents.shape} and {labels.shape}")
    indices = np.arange(len(latents)) if indices is None else np.asarray(indices).astype(int).reshape(-1)
    if len(indices) != len(latents):
        raise ValueError(f"got {len(indices)} test indices for {len(latents)} latent codes")
    trace = scatter_class(len(latents))
    fig = go.Figure()
    for index, name in enumerate(class_names):
        members = np.flatnonzero(labels == index)
        fig.add_trace(
            trace(
                x=latents[members, 0],
                y=latents[members, 1],
                mode="markers",
                name=str(name),
                customdata=indices[members],
                marker=dict(
                    color=colour(index),
                    size=marker_size(large_text),
                    symbol=CLASS_SYMBOLS[(index // 8) % len(CLASS_SYMBOLS)],
                    opacity=0.75,
                ),
                hovertemplate=f"{name}<br>test image #%{{customdata}}<br>z = (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        xaxis=dict(title="z1", zeroline=True),
        yaxis=dict(title="z2", zeroline=True, scaleanchor="x"),
        height=620 if large_text else 520,
        hovermode="closest",
        legend=dict(itemsizing="constant"),
    )
    return apply_theme(fig, large_text)


def class_histogram_chart(
    histograms: Sequence[tuple[str, Sequence[float]]],
    class_names: Sequence[str],
    large_text: bool = False,
    title: str = "Which classes the samples look like",
) -> go.Figure:
    """Grouped bars of each model's share of samples per class, with the even share and the collapse line."""
    fig = go.Figure()
    for index, (name, shares) in enumerate(histograms):
        shares = np.asarray(shares, np.float64).reshape(-1)
        if len(shares) != len(class_names):
            raise ValueError(f"{name}: {len(shares)} shares for {len(class_names)} classes")
        fig.add_trace(
            go.Bar(
                x=list(class_names),
                y=shares,
                name=str(name),
                marker_color=colour(index),
                hovertemplate=f"{name}<br>%{{x}}: %{{y:.1%}} of the samples<extra></extra>",
            )
        )
    for share, text, dash in ((EVEN_SHARE, "even share", "dot"), (COLLAPSE_SHARE, "nearly missing below", "dash")):
        fig.add_trace(
            go.Scatter(
                x=list(class_names),
                y=[share] * len(class_names),
                mode="lines",
                name=f"{text} ({share:.0%})",
                line=dict(color=NEUTRAL, dash=dash, width=line_width(large_text) / 2),
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title=title,
        barmode="group",
        xaxis=dict(title="class the pretrained classifier sees"),
        yaxis=dict(title="share of samples", tickformat=".0%", rangemode="tozero"),
        height=460 if large_text else 380,
    )
    return apply_theme(fig, large_text)


def _history_series(records: list[dict], key: str) -> tuple[list[float], list[float]]:
    kept = [record for record in records if record.get(key) is not None]
    return [float(record["epoch"]) for record in kept], [float(record[key]) for record in kept]


def gan_duel_chart(history: dict, large_text: bool = False) -> go.Figure:
    """The GAN's two losses over training (top) and the discriminator's mean output on real and fake images (bottom)."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("Generator and discriminator losses", "What the discriminator says (1 = real, 0 = fake)"),
    )
    epochs = list(history.get("epochs", []))
    for row, series in ((1, GAN_CURVES), (2, GAN_OUTPUTS)):
        for index, (key, label) in enumerate(series):
            colour_index = index + 2 * (row - 1)
            per_batch = batch_trace(label, history, key, colour_index, large_text)
            if per_batch is not None:
                fig.add_trace(per_batch, row=row, col=1)
            x, y = _history_series(epochs, key)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines+markers",
                    name=label,
                    legendgroup=key,
                    line=dict(color=colour(colour_index), width=line_width(large_text)),
                    marker=dict(size=marker_size(large_text)),
                    hovertemplate=f"{label}<br>epoch %{{x}}: %{{y:.3g}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    fig.add_hline(
        y=0.5,
        row=2,
        col=1,
        line=dict(color=NEUTRAL, dash="dot", width=line_width(large_text) / 2),
        annotation_text="cannot tell (0.5)",
        annotation_position="top left",
    )
    fig.update_yaxes(title_text="loss", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="mean D output", range=[0, 1], row=2, col=1)
    fig.update_xaxes(title_text="epoch", rangemode="tozero", row=2, col=1)
    fig.update_layout(height=640 if large_text else 560, hovermode="closest")
    return apply_theme(fig, large_text)


def sample_replay(
    samples: np.ndarray, epochs: Sequence[int], columns: int = 8, large_text: bool = False, title: str = ""
) -> go.Figure:
    """The fixed-noise samples after every epoch as an animation: a slider over the epochs and a play button."""
    samples = np.asarray(samples)
    if samples.ndim != 4 or len(samples) == 0 or len(samples) != len(epochs):
        raise ValueError(f"expected samples [E, N, H, W] for {len(epochs)} epochs, got shape {samples.shape}")
    labels = ["untrained" if int(epoch) == 0 else f"epoch {int(epoch)}" for epoch in epochs]
    grids = [image_grid(images, columns=columns, large_text=large_text) for images in samples]
    last = grids[-1]
    fig = go.Figure(data=[last.data[0]], layout=last.layout)
    fig.frames = [go.Frame(data=[grid.data[0]], name=label) for grid, label in zip(grids, labels)]
    frame_ms = 600
    step_args = dict(mode="immediate", frame=dict(duration=frame_ms, redraw=True), transition=dict(duration=0))
    size = font_size(large_text)
    fig.update_layout(
        title=title or None,
        height=last.layout.height + 120,
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0.0,
                y=0.0,
                xanchor="left",
                yanchor="top",
                pad=dict(t=10),
                buttons=[
                    dict(label="▶ Play", method="animate", args=[None, dict(step_args, fromcurrent=False)]),
                    dict(label="⏸ Pause", method="animate", args=[[None], step_args]),
                ],
            )
        ],
        sliders=[
            dict(
                active=len(labels) - 1,
                x=0.18,
                y=0.0,
                len=0.82,
                yanchor="top",
                pad=dict(t=10),
                currentvalue=dict(prefix="samples after: ", font=dict(size=size)),
                steps=[dict(label=label, method="animate", args=[[label], step_args]) for label in labels],
            )
        ],
    )
    fig.update_layout(margin=dict(l=20, r=20, t=90 if title else 30, b=110))
    return fig
