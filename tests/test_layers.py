"""The clock CNN's own layers: a turned clock is a shifted polar map, and the model saves in safe mode."""

import numpy as np

from core.clocks.render import render_clocks
from core.config import DataConfig, ModelConfig, RunConfig
from core.models.build import build_model
from core.models.encodings import get_encoding
from core.models.layers import CircularPad, PolarResample


def test_a_quarter_turn_of_the_image_is_a_quarter_shift_of_the_polar_map():
    image = render_clocks(np.array([130]), 75, "easy", 0)[0].astype("float32")
    turned = np.rot90(image, k=-1).copy()  # a quarter turn clockwise
    layer = PolarResample(angles=120, radii=16)
    original, rotated = (np.asarray(layer(x[None, :, :, None]))[0, :, :, 0] for x in (image, turned))
    assert np.abs(np.roll(original, 30, axis=1) - rotated).mean() < 2.0
    assert np.abs(original - rotated).mean() > 10.0


def test_circular_padding_wraps_the_angle_axis():
    grid = np.arange(12, dtype="float32").reshape(1, 1, 12, 1)
    padded = np.asarray(CircularPad(angle_pad=2, radius_pad=0)(grid))[0, 0, :, 0]
    assert padded.tolist() == [10, 11] + list(range(12)) + [0, 1]


def test_the_compact_clock_cnn_reads_the_dial_on_a_polar_grid_and_saves_safely(tmp_path):
    import keras

    from core.models.saved import load_model_file

    config = RunConfig(
        data=DataConfig(dataset="clocks", clock_size=75),
        model=ModelConfig(kind="clock_cnn", preset="compact"),
        encoding="sincos",
    )
    model = build_model(config, (75, 75), get_encoding("sincos"))
    assert any(isinstance(layer, PolarResample) for layer in model.layers)
    images = render_clocks(np.array([0, 200]), 75, "assignment", 0)[..., None].astype("float32")
    before = model.predict(images, verbose=0)
    stripped = keras.Model.from_config(model.get_config())
    stripped.set_weights(model.get_weights())
    stripped.save(tmp_path / "model.keras")
    after = load_model_file(tmp_path / "model.keras").predict(images, verbose=0)
    assert np.allclose(before["sincos"], after["sincos"], atol=1e-5)
