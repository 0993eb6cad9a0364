"""Widgets and helpers shared by the pages (UI only; all computation lives in core)."""
