"""What a crawl has finished, on disk line by line, so a killed crawl resumes where it stopped.

Scrapy's own JOBDIR queue writes its size header only on a clean close, so after SIGKILL it
reads back empty or wrong; this journal appends one URL per finished page, flushed to the OS at
once (a killed process loses nothing flushed), and is removed when its crawl ends cleanly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TextIO


class CrawlJournal:
    """``<jobs_dir>/<source>/done.jsonl``: the report URLs this unfinished crawl has recorded."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "done.jsonl"
        self._file: TextIO | None = None

    def load(self) -> set[str]:
        """URLs recorded by an earlier, interrupted crawl (a torn last line is ignored)."""
        done: set[str] = set()
        if not self.path.is_file():
            return done
        with self.path.open("r", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    done.add(json.loads(line)["url"])
                except (ValueError, KeyError, TypeError):
                    continue
        return done

    def open(self) -> None:
        """Create the journal now: a crawl killed before its first mark still leaves one behind."""
        if self._file is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")

    def mark(self, url: str, outcome: str) -> None:
        """Note that ``url`` is recorded; in the OS's hands before it returns."""
        self.open()
        assert self._file is not None
        self._file.write(json.dumps({"url": url, "outcome": outcome}, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def clear(self) -> None:
        """Forget the journal after a clean finish."""
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)
