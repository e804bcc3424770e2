"""Challenge cookies kept between runs: ``<home>/cookies/<host>.json``, each cookie with its expiry.

A browser visit that passed an anti-bot challenge earns cookies that plain requests can reuse
(``crawler.middlewares.render``). Kept in the home, the next run of any source on that host starts
with them and needs no browser until they expire. Session cookies (no expiry of their own) are kept
for ``SESSION_HOURS``. Files are replaced atomically; a damaged file is ignored.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

SESSION_HOURS = 12.0
_SAFE = re.compile(r"[^a-z0-9.-]")


def _path(folder: Path, host: str) -> Path:
    return folder / f"{_SAFE.sub('_', host.lower())}.json"


def load_cookies(folder: Path, now: float | None = None) -> dict[str, list[dict[str, Any]]]:
    """Unexpired cookies by host."""
    now = time.time() if now is None else now
    out: dict[str, list[dict[str, Any]]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            jar = [c for c in document["cookies"] if float(c.get("expires", 0)) > now]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if jar:
            out[str(document["host"])] = jar
    return out


def save_cookies(folder: Path, host: str, jar: list[dict[str, Any]]) -> None:
    """Write one host's cookies (replacing the file)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = _path(folder, host)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"host": host, "cookies": jar}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def expiry_of(cookie: dict[str, Any], now: float | None = None) -> float:
    """The cookie's own expiry (epoch seconds), or ``SESSION_HOURS`` from now for a session cookie."""
    expires = cookie.get("expires")
    if isinstance(expires, int | float) and expires > 0:
        return float(expires)
    return (time.time() if now is None else now) + SESSION_HOURS * 3600
