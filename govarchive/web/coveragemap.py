"""The coverage map: every division a dot at its coordinates, coloured by status (inline SVG)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from archive.divisions import Registry
from govarchive.i18n import N_
from govarchive.i18n import gettext as _
from govarchive.web.templating import COVERAGE_STATUS

COLOURS = {"on_time": "#2e7d32", "late": "#f9a825", "missing": "#c62828", "unwatched": "#c9c9c9"}
LEGEND = (("on_time", N_("published on time")), ("late", N_("published late")),
          ("missing", N_("missing")), ("unwatched", N_("unwatched")))
_RADIUS = {"province": 5.0, "city": 3.5, "county": 2.2}


def colour_key(row: dict[str, Any]) -> str:
    """Which legend entry a coverage row falls under."""
    if row["status"] == "published":
        return "on_time" if row["on_time"] is not False else "late"
    return str(row["status"])


def coverage_map(rows: Sequence[dict[str, Any]], reg: Registry, *, width: int = 900, title: str = "") -> Markup:
    """An SVG map of ``rows`` (coverage rows); divisions without coordinates sit at their parent's."""
    points = []
    for row in rows:
        where = reg.position(row["code"])
        if where is not None:
            points.append((row, where))
    lons = [lon for _, (lon, _) in points] or [73.0, 135.0]
    lats = [lat for _, (_, lat) in points] or [18.0, 54.0]
    west, east, south, north = min(lons) - 0.5, max(lons) + 0.5, min(lats) - 0.5, max(lats) + 0.5
    # equirectangular, squeezed by the cosine of the middle latitude so shapes look right
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = width / max((east - west) * squeeze, 1e-6)
    height = max(120, round((north - south) * scale)) + 28
    parts = [f'<svg class="coverage-map" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    # counties first, provinces last: the bigger dots stay visible on top
    order = {"county": 0, "city": 1, "province": 2}
    for row, (lon, lat) in sorted(points, key=lambda p: order.get(p[0]["level"], 0)):
        x = (lon - west) * squeeze * scale
        y = (north - lat) * scale
        label = f"{row['name']} {row['code']}: {_(COVERAGE_STATUS.get(row['status'], row['status']))}"
        if row.get("published_on"):
            label += f" {row['published_on']}"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{_RADIUS.get(row["level"], 2.0)}" '
            f'fill="{COLOURS[colour_key(row)]}" stroke="#fff" stroke-width="0.4" data-code="{row["code"]}">'
            f"<title>{escape(label)}</title></circle>")
    x = 8
    for key, message in LEGEND:
        text = _(message)
        parts.append(f'<circle cx="{x + 5}" cy="{height - 12}" r="5" fill="{COLOURS[key]}"/>'
                     f'<text x="{x + 14}" y="{height - 8}" font-size="11" fill="#333">{escape(text)}</text>')
        x += 24 + sum(11 if ord(c) > 0x2e80 else 6 for c in text)
    parts.append("</svg>")
    return Markup("".join(parts))
