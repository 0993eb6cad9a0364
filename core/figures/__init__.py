"""Pure figure builders (data in, Plotly figure out) for every Clockwork page; this module gathers them.

Each builder takes `large_text` for projectors, uses the Okabe-Ito palette for categories and viridis or
cividis for quantities, and labels axes in the lab's words (clock times like 3:30, class names).
"""

from core.figures.clocks import clock_circle, clock_prediction_overlay, error_histogram, regression_wraparound_chart
from core.figures.confusion import clock_class_labels, clock_confusion_heatmap, confusion_heatmap
from core.figures.encodings import encoding_output_chart
from core.figures.images import image_grid, permutation_picture, saliency_overlay, tile_mosaic
from core.figures.layers import (
    enlarged_map,
    feature_maps,
    layer_strip,
    polar_pair,
    prediction_bars,
    weight_tiles,
)
from core.figures.theme import OKABE_ITO, apply_theme
from core.figures.training import available_metrics, comparison_bar, permutation_accuracy_chart, training_curves

__all__ = [
    "OKABE_ITO",
    "apply_theme",
    "available_metrics",
    "clock_circle",
    "clock_class_labels",
    "clock_confusion_heatmap",
    "clock_prediction_overlay",
    "comparison_bar",
    "confusion_heatmap",
    "encoding_output_chart",
    "error_histogram",
    "image_grid",
    "permutation_accuracy_chart",
    "permutation_picture",
    "regression_wraparound_chart",
    "saliency_overlay",
    "tile_mosaic",
    "training_curves",
    "enlarged_map",
    "feature_maps",
    "layer_strip",
    "polar_pair",
    "prediction_bars",
    "weight_tiles",
]
