"""Small bar charts as inline SVG, rendered on the server (no JavaScript library)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def bar_chart(
    data: Sequence[tuple[str, int]],
    *,
    title: str,
    width: int = 520,
    height: int = 160,
    label_every: int = 1,
) -> Markup:
    """A labelled bar chart; ``data`` is (label, value) pairs in display order."""
    top, bottom, left, right = 18, 22, 28, 6
    inner_w = width - left - right
    inner_h = height - top - bottom
    peak = max((value for _, value in data), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="10" fill="#555">{peak}</text>',
        f'<text x="{left - 4}" y="{top + inner_h}" text-anchor="end" font-size="10" fill="#555">0</text>',
    ]
    if not data:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="12" fill="#777">—</text>'
        )
    slot = inner_w / max(len(data), 1)
    bar_w = min(max(2.0, slot * 0.7), 40.0)
    for index, (label, value) in enumerate(data):
        h = inner_h * value / peak
        x = left + index * slot + (slot - bar_w) / 2
        y = top + inner_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#2f6f9f">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if value:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="9" fill="#333">{value}</text>'
            )
        if index % max(label_every, 1) == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="9" '
                f'fill="#555">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
