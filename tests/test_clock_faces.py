"""Dial families, the glyph atlas and the floors behind the renderer: names, designs, distances."""

from __future__ import annotations

import numpy as np
import pytest

from core.clocks import faces, floors, glyphs
from core.clocks.faces import FAR, Dial, DialBatch, design, dial_families, tick_table
from core.clocks.render import render_clocks, with_knobs


def test_the_family_names_are_stable():
    assert dial_families() == ("assignment", "station", "arabic", "roman", "quarters", "minimal", "oblique")


@pytest.mark.parametrize("family", dial_families())
def test_every_family_shows_which_way_is_up(family):
    """A dial turned by any angle needs numerals or a mark at 12; no family draws one with neither."""
    for index in range(40):
        dial = faces.FAMILIES[family](np.random.default_rng([0, index, 2]), 1.0, 0.5)
        assert dial.family == family
        assert dial.numerals in glyphs.GLYPH_SETS or dial.marker, (family, index)
        assert dial.numerals in ("", *glyphs.GLYPH_SETS) and dial.hands in ("bar", "tapered", "arrow")
        assert dial.marker in ("", "triangle", "small_triangle", "double_bar", "dot")
        assert 0 < dial.hour_length < dial.minute_length < 0.95 and dial.bezel > 1.0


def test_the_assignment_family_is_the_assignments_clock():
    dial = faces.FAMILIES["assignment"](np.random.default_rng(0), 0.0, 0.0)
    assert (dial.numerals, dial.radial, dial.marker, dial.hands, dial.shape) == ("arabic", False, "", "bar", "round")
    assert (dial.hour_length, dial.minute_length) == (0.55, 0.8) and not dial.second
    assert abs(dial.hour_width / dial.minute_width - 1) < 0.25  # hands of similar width
    assert dial.ink_tone < 0.2 < 0.8 < dial.face_tone and dial.case_tone < 0.25  # dark on white, dark bezel
    centre, half_length, half_width, rounding = dial.ticks
    assert (rounding[1::5] > 0).all() and (half_length[1::5] == 0).all()  # a dot at each minute ...
    assert (half_length[::5] > 0).all() and (rounding[::5] == 0).all()  # ... a short bar at each hour
    assert len(set(half_length[::5])) == 1  # the same at 12 as elsewhere


def test_the_station_family_is_the_old_dial():
    dial = faces.FAMILIES["station"](np.random.default_rng(0), 0.0, 0.0)
    assert (dial.numerals, dial.marker, dial.hands) == ("", "triangle", "tapered")
    assert (dial.ticks[0, 29:32] == FAR).all()  # no ticks under the triangle


def test_a_style_draws_only_its_families():
    pick = np.random.default_rng(1).random(200)
    batch = design(np.arange(200), 0, ("roman", "minimal"), pick, 1.0, 0.0)
    assert {dial.family for dial in batch.dials} == {"roman", "minimal"}
    assert {dial.numerals for dial in batch.dials} == {"roman", ""}


def test_designs_follow_the_seed_and_the_index_only():
    first = design(np.array([5, 9]), 3, dial_families(), np.array([0.5, 0.7]), 1.0, 0.3)
    again = design(np.array([9]), 3, dial_families(), np.array([0.7]), 1.0, 0.3)
    one, other = first.dials[1], again.dials[0]
    assert np.array_equal(one.ticks, other.ticks)
    assert all(getattr(one, name) == getattr(other, name) for name in vars(one) if name != "ticks")


def test_tick_tables_mark_minutes_hours_and_quarters():
    table = tick_table(("dot", 0.95, 0, 0.02), ("bar", 0.95, 0.1, 0.03), ("bar", 0.95, 0.2, 0.05), skip=0)
    slots = np.arange(-30, 31)
    assert (table[0, slots == 0] == FAR).all()
    assert np.allclose(table[1, slots == 15], 0.1) and np.allclose(table[1, slots == 10], 0.05)
    assert np.allclose(table[3, slots == 7], 0.01) and (table[1, slots == 7] == 0).all()


def test_a_batch_spreads_values_the_same_way_dense_and_compact():
    batch = DialBatch([Dial("assignment", hub=0.05), Dial("station", hub=0.07), Dial("roman", hub=0.09)])
    dense = batch.col("hub")
    assert dense.shape == (3, 1, 1) and np.allclose(dense[:, 0, 0], [0.05, 0.07, 0.09])
    compact = batch.on_pixels(np.array([0, 0, 1, 2, 2, 2]))
    assert np.allclose(compact.col("hub"), [0.05, 0.05, 0.07, 0.09, 0.09, 0.09])
    chosen = compact.select(np.array([False, True, True]))
    assert list(chosen) == [2, 3, 4, 5] and np.allclose(compact.col("hub", chosen), [0.07, 0.09, 0.09, 0.09])
    assert [value for value, _ in compact.groups("family")] == ["assignment", "station", "roman"]


def test_glyph_distances_are_negative_on_ink_and_exact_near_it():
    atlas = glyphs.atlas("arabic", 24)
    cells = atlas.sdf.reshape(13, atlas.rows, atlas.cols)
    assert cells.shape[0] == 13 and np.array_equal(cells[0], cells[12])  # 6 o'clock at both ends
    for cell in cells:
        assert cell.min() < 0 < cell.max() and cell.max() <= glyphs.FAR
        assert (cell[[0, -1]] > glyphs.MARGIN * 0.8).all() and (cell[:, [0, -1]] > glyphs.MARGIN * 0.8).all()
    inside = np.zeros((9, 9), dtype=bool)
    inside[4, 4] = True
    distance = glyphs._signed_distance(inside, 8)
    assert (
        distance[4, 4] == -0.5 and np.isclose(distance[4, 7], 2.5) and np.isclose(distance[0, 0], np.hypot(4, 4) - 0.5)
    )


def test_blank_hours_and_atlas_lookups():
    quarters = glyphs.atlas("arabic_quarters", 24)
    cells = quarters.sdf.reshape(13, quarters.rows, quarters.cols)
    assert (cells[6 + 1] == glyphs.FAR).all() and cells[6 + 3].min() < 0  # 1 o'clock blank, 3 drawn
    atlas = glyphs.atlas("roman", 24)
    far_away = atlas.distance(np.array([6]), np.array([5.0], np.float32), np.array([0.0], np.float32))
    assert far_away[0] > 0  # outside the cell: blank
    assert glyphs.texels_for(48) == 24 and glyphs.texels_for(150) == 48 and glyphs.texels_for(1024) == 96


def test_floor_tables_are_small_and_centred():
    p = {name: np.full(2, 0.5) for name in ("floor_scale", "floor_grain", "floor_contrast")}
    wood = np.array([True, False])
    tables = floors.floor_tables(wood, p, np.random.default_rng(0).random((2, floors.RANDOMS)))
    assert tables.shape == (2, floors.LENGTH) and tables.dtype == np.float32 and np.abs(tables).max() < 0.4
    assert tables[0].std() > 0.02 and tables[1].std() > 0.02  # planks and grain, stripes
    p["floor_angle"] = p["floor_wobble"] = np.zeros(2)
    grid = np.linspace(-1, 1, 64, dtype=np.float32)
    u, v = np.broadcast_to(grid[None, None, :], (2, 64, 64)), np.broadcast_to(grid[None, :, None], (2, 64, 64))
    texture = floors.floor_texture(tables, wood, p, u, v)
    assert texture.shape == (2, 64, 64) and texture.dtype == np.float32
    assert texture[0].std(axis=0).mean() < 0.2 * texture[0].std(axis=1).mean()  # wood lines run along v here


def test_light_on_dark_and_square_dials_render():
    style = with_knobs("varied", families=("arabic",), max_tilt_deg=0.0, rotation_deg=0.0)
    images = render_clocks(np.arange(40) * 17, 75, style, seed=4)
    centres = images[:, 30:45, 30:45].astype(float).mean(axis=(1, 2))
    assert centres.min() < 90 and centres.max() > 150  # dark faces and light faces


def test_the_held_out_families_never_appear_in_the_pretrained_models_mix():
    from core.clocks.render import DIFFICULTIES, HELD_OUT_FAMILIES

    assert not set(HELD_OUT_FAMILIES) & set(DIFFICULTIES["mixed"].families)
    assert DIFFICULTIES["unseen"].families == ("oblique",)


def test_the_oblique_numerals_lean_right_and_are_narrower():
    from core.clocks.glyphs import _glyph_mask

    upright, oblique = _glyph_mask("1", 48), _glyph_mask("1", 48, slant=(0.3, 0.8))
    top, bottom = oblique[: len(oblique) // 4], oblique[-len(oblique) // 4 :]
    assert np.mean(np.nonzero(top)[1]) > np.mean(np.nonzero(bottom)[1]) + 5
    assert oblique.sum() < upright.sum()
