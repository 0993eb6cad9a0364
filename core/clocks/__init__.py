"""Analog clocks: time arithmetic, the renderer, rendered datasets, and users' own clock files and photos.

`time` is clock arithmetic on minutes after 12:00 (the common-sense error lives there); `render` draws clocks
as images (vectorised NumPy, no I/O) from dial designs in `faces`, numerals from `glyphs` and backgrounds from
`floors`; `dataset` makes balanced rendered datasets and caches them on disk; `userfiles` is the one validator
for a user's `images.npy` / `labels.npy` and uploaded pictures; `photo` finds the dial in a photo and crops it;
`contact_sheet` draws a captioned grid of rendered clocks.
"""
