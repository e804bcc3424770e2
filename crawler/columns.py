"""The report columns a home-page source was found to have, remembered in the home between runs.

One small JSON file per source (``<home>/state/columns/<name>.json``): the column URLs that listed
reports, and whether the portal answers a sitemap. A later run lists those columns straight away;
when they are gone (404, soft 404, no report any more) it seeks again from the home page.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class RememberedColumns:
    """What the last successful search for a source's report column found."""

    columns: tuple[str, ...] = ()
    sitemap: bool = True

    def to_json(self) -> dict[str, object]:
        return {"columns": list(self.columns), "sitemap": self.sitemap}


class ColumnMemory:
    """Read and write remembered columns under ``folder`` (files written atomically)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, source: str) -> Path:
        return self.folder / f"{source}.json"

    def read(self, source: str) -> RememberedColumns:
        try:
            data = json.loads(self._path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return RememberedColumns()
        columns = data.get("columns") if isinstance(data, dict) else None
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            return RememberedColumns()
        return RememberedColumns(tuple(columns), bool(data.get("sitemap", True)))

    def write(self, source: str, remembered: RememberedColumns) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(source)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(remembered.to_json(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def forget(self, source: str) -> None:
        self._path(source).unlink(missing_ok=True)
