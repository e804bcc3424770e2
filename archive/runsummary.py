"""A crawl run's bookkeeping in one shape, for the local, distributed and scheduled paths alike.

:class:`RunCounts` is what a source run counts (the catalog's ``source_runs`` columns),
:class:`SourceSummary` one source's counts with its status and error, and :class:`RunSummary`
the run: its status follows from its sources' by ``archive.outcomes.run_status``. The summary's
``as_dict`` is what ``govarchive crawl --json`` prints and what the run row's ``stats_json`` keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Self

from archive.outcomes import Outcome, is_ok, run_status


@dataclass(frozen=True, slots=True)
class RunCounts:
    """A source's counters in one run (absolute values)."""

    discovered: int = 0  # report links found by the listing
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0  # re-checked this run and found the same (304, same text, moved)
    not_checked: int = 0  # known pages the re-check cadence skipped
    resumed: int = 0  # recorded by the interrupted run this one resumes
    removed: int = 0
    blocked: int = 0
    errors: int = 0

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Self:
        """The counters found in ``values`` (a missing or empty one is 0; other keys are ignored)."""
        return cls(**{name: int(values.get(name) or 0) for name in COUNTERS})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def source_run_fields(self) -> dict[str, int]:
        """The catalog's source-run columns these counters fill."""
        return {**self.as_dict(), "report_links": self.discovered}


COUNTERS: tuple[str, ...] = tuple(f.name for f in fields(RunCounts))
# the per-source table at the end of a crawl (blocked shows as the status)
TABLE_COUNTERS: tuple[str, ...] = tuple(name for name in COUNTERS if name != "blocked")


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """How one source's part of a run ended."""

    name: str
    status: str
    counts: RunCounts = field(default_factory=RunCounts)
    error: str | None = None  # one line; None when ok
    requests: int = 0
    elapsed: float | None = None  # seconds, when the crawl ran in this process

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> Self:
        """A summary entry as ``as_dict`` wrote it (e.g. read back from a crawl child's JSON)."""
        elapsed = entry.get("elapsed")
        return cls(str(entry.get("name") or ""), str(entry.get("status") or Outcome.FAILED.value),
                   RunCounts.from_mapping(entry), entry.get("error"), int(entry.get("requests") or 0),
                   float(elapsed) if elapsed is not None else None)

    def ended(self, status: str, error: str | None) -> Self:
        """This summary with another status and error (a crash the stats do not show)."""
        return replace(self, status=status, error=error)

    def source_run_fields(self) -> dict[str, Any]:
        """The catalog's source-run columns: the counters, status and error."""
        return {**self.counts.source_run_fields(), "status": self.status, "error": self.error}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status, "error": self.error,
                               **self.counts.as_dict(), "requests": self.requests}
        if self.elapsed is not None:
            out["elapsed"] = self.elapsed
        return out


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run's sources and the status that follows from theirs."""

    run_id: int | None
    sources: tuple[SourceSummary, ...]
    skipped_files: tuple[str, ...] = ()  # source files that could not be read (one line each)
    incomplete: bool = False  # a source meant to run did not (its file could not be read)

    @classmethod
    def of(cls, run_id: int | None, sources: Iterable[SourceSummary], skipped_files: Iterable[str] = (),
           *, incomplete: bool = False) -> Self:
        return cls(run_id, tuple(sources), tuple(skipped_files), incomplete)

    @property
    def status(self) -> str:
        """ok when every source is (and none is missing); else ``archive.outcomes.run_status``'s rule."""
        status = run_status(s.status for s in self.sources)
        if self.incomplete and is_ok(status):
            return Outcome.FAILED.value
        return status

    def error(self) -> str | None:
        """One line naming each source that is not ok, and each skipped file; None when there is none."""
        errors = [f"{s.name}: {s.error}" for s in self.sources if not is_ok(s.status) and s.error]
        return "; ".join(errors + list(self.skipped_files)) or None

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "status": self.status, "sources": [s.as_dict() for s in self.sources],
                "skipped_files": list(self.skipped_files)}
