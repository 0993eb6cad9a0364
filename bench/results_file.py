"""bench/RESULTS.md: each benchmark owns one '## ' section and replaces only that section."""

from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def record_section(heading: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section that starts with `heading` ('## ...'), leaving the others alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = f"{heading}\n\n{body.rstrip()}\n"
    if heading in text:
        head, _, rest = text.partition(heading)
        tail = rest.split("\n## ", 1)
        text = head + section + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def cpu_machine() -> str:
    """'2 CPU cores, x86_64, no GPU': the machine a CPU benchmark ran on, for its footer."""
    return f"{os.cpu_count()} CPU cores, {platform.machine()}, no GPU"
