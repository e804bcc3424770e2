"""Run bookkeeping: sources (created or described), crawl runs opened and closed, and each
source's counts in a run."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, select

from archive.catalog.attribute import attribute_reports
from archive.catalog.models import CrawlRun, Source, SourceRun
from archive.divisions import registry
from archive.errors import NotFoundError
from archive.recorder.core import ArchiveCore
from archive.runsummary import COUNTERS
from archive.timeutil import utcnow as _now

_SOURCE_RUN_FIELDS = frozenset({*COUNTERS, "report_links", "status", "error"})


def _definition_json(definition: Mapping[str, Any]) -> str:
    return json.dumps(dict(definition), ensure_ascii=False, sort_keys=True, default=str)


def _describes(row: Source, entry: Mapping[str, Any]) -> bool:
    """Whether ``ensure_source(**entry)`` would leave the catalog's row as it is."""
    for name in ("title", "region", "level"):
        if entry.get(name) and getattr(row, name) != entry[name]:
            return False
    definition = entry.get("definition")
    if definition is None:
        return True
    code = str(definition.get("division_code") or "") or None
    return row.definition_json == _definition_json(definition) and row.division_code == code


class RunsMixin(ArchiveCore):
    """Sources and runs."""

    def ensure_source(
        self,
        name: str,
        *,
        title: str = "",
        region: str = "",
        level: str = "",
        definition: Mapping[str, Any] | None = None,
    ) -> int:
        """The id of source ``name``, created or updated with the given description."""

        moved: list[bool] = []

        def work(db: Session) -> int:
            source = self._source(db, name)
            before = source.division_code
            if title:
                source.title = title
            if region:
                source.region = region
            if level:
                source.level = level
            if definition is not None:
                source.definition_json = _definition_json(definition)
                source.division_code = str(definition.get("division_code") or "") or None
            moved[:] = [before != source.division_code]
            db.add(source)
            db.flush()
            assert source.id is not None
            return source.id

        source_id = self._transact(work)
        if moved and moved[0]:
            # the source now says another division: its reports are attributed again
            with self.engine.begin() as connection:
                attribute_reports(connection, registry(), source_id=source_id)
        return source_id

    def ensure_sources(self, sources: Iterable[Mapping[str, Any]]) -> None:
        """``ensure_source(**entry)`` for each entry, writing only the new and the changed ones.

        A run of thousands of sources registers them all; one read tells which differ from the
        catalog, instead of a transaction each.
        """
        entries = list(sources)
        with self._session() as db:
            rows = {row.name: row for row in db.exec(select(Source)).all()}
        for entry in entries:
            row = rows.get(entry["name"])
            if row is None or not _describes(row, entry):
                self.ensure_source(**entry)

    def start_run(self, sources: Iterable[str], *, trigger: str = "cli", pid: int | None = None) -> int:
        """Open a crawl run; return its id."""

        def work(db: Session) -> int:
            run = CrawlRun(sources=",".join(sources), trigger=trigger, pid=pid, started_at=_now())
            db.add(run)
            db.flush()
            assert run.id is not None
            return run.id

        return self._transact(work)

    def finish_run(
        self, run_id: int, *, status: str, stats: Mapping[str, Any] | None = None, error: str | None = None
    ) -> None:
        """Close a crawl run with its outcome and statistics."""

        def work(db: Session) -> None:
            run = db.get(CrawlRun, run_id)
            if run is None:
                raise NotFoundError("run", run_id)
            run.status = status
            run.finished_at = _now()
            run.error = error
            if stats is not None:
                run.stats_json = json.dumps(dict(stats), ensure_ascii=False, sort_keys=True, default=str)
            db.add(run)

        self._transact(work)

    def update_source_run(self, run_id: int, source: str, **counts: int | str | None) -> None:
        """Set a source's counts in a run (``discovered=…, new=…, status=…``); absolute values."""
        unknown = set(counts) - _SOURCE_RUN_FIELDS
        if unknown:
            raise ValueError(f"unknown source-run fields: {', '.join(sorted(unknown))}")

        def work(db: Session) -> None:
            src = self._source(db, source)
            assert src.id is not None
            row = db.exec(
                select(SourceRun).where(SourceRun.run_id == run_id, SourceRun.source_id == src.id)
            ).first()
            if row is None:
                row = SourceRun(run_id=run_id, source_id=src.id)
            for name, value in counts.items():
                setattr(row, name, value)
            db.add(row)
            if "status" in counts:
                src.last_run_at = _now()
                src.last_run_status = str(counts["status"])
                db.add(src)

        self._transact(work)
