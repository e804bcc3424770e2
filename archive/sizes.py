"""Byte counts for people: one convention everywhere (CLI, web app, a bag's ``Bag-Size``).

Decimal units (1 KB = 1000 bytes), as disk makers, the BagIt spec's examples and most file
managers count.
"""

from __future__ import annotations


def human_size(size: int | None) -> str:
    """``812 bytes``, ``247.5 KB``, ``3.1 MB`` …; ``—`` when unknown."""
    if size is None:
        return "—"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
