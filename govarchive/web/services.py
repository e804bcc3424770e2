"""State-changing actions shared by the forms and the JSON API, and adapters to other packages.

Each function takes plain values and raises ``ActionError`` with one line a user can act on.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from archive.catalog.models import Source, Subscription

if TYPE_CHECKING:
    from archive.bundles import BundleRecord
    from govarchive.config import Settings

    from .state import WebState

EVENT_KINDS = ("new", "changed", "removed")


class ActionError(ValueError):
    """An action that cannot be done as asked; the message is one line."""


# Sources -------------------------------------------------------------------------------------


def add_source(
    settings: Settings,
    session: Session,
    *,
    name: str,
    start_urls: Sequence[str],
    title: str = "",
    region: str = "",
    level: str = "",
    match: str | None = None,
    render: str = "auto",
    schedule: str | None = None,
) -> dict[str, Any]:
    """Write the source's TOML into the home's ``sources/`` (as ``govarchive sources add``) and mirror it."""
    from pydantic import ValidationError

    from spiders.sources import SourceDefinition, load_sources, source_dirs, write_source_file

    values: dict[str, Any] = {
        "name": name.strip(),
        "title": title.strip(),
        "region": region.strip(),
        "level": level.strip(),
        "start_urls": [u.strip() for u in start_urls if u.strip()],
        "render": render or "auto",
        "schedule": (schedule or "").strip() or None,
    }
    if match and match.strip():
        values["match"] = match.strip()
    try:
        definition = SourceDefinition(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "source"
        raise ActionError(f"{where}: {first['msg']}") from None
    existing = load_sources(source_dirs(settings.sources_dir, settings.sources_dirs), problems=[])
    if definition.name in existing:
        raise ActionError(f"a source named {definition.name!r} already exists")
    path = write_source_file(definition, settings.sources_dir)
    row = session.exec(select(Source).where(Source.name == definition.name)).first()
    if row is None:
        row = Source(name=definition.name)
    row.title = definition.title
    row.region = definition.region
    row.level = definition.level
    row.definition_json = json.dumps(definition.model_dump(mode="json"), ensure_ascii=False)
    session.add(row)
    session.commit()
    return {"name": definition.name, "path": str(path)}


def defined_sources(settings: Settings) -> dict[str, dict[str, Any]]:
    """Source definitions from TOML (built-in and the user's), as JSON-ready dicts."""
    try:
        from spiders.sources import SourceError, load_sources, source_dirs
    except ImportError:
        return {}
    try:
        loaded = load_sources(source_dirs(settings.sources_dir, settings.sources_dirs), problems=[])
    except SourceError:
        return {}
    return {name: definition.model_dump(mode="json") for name, definition in loaded.items()}


# Crawls --------------------------------------------------------------------------------------


@dataclass(slots=True)
class CrawlProcess:
    pid: int
    sources: list[str]
    started_at: str
    log: str
    process: subprocess.Popen[bytes]

    def json(self) -> dict[str, Any]:
        code = self.process.poll()
        return {
            "pid": self.pid,
            "sources": self.sources,
            "started_at": self.started_at,
            "running": code is None,
            "exit_code": code,
            "log": self.log,
        }


_crawls: dict[int, CrawlProcess] = {}
_crawls_lock = threading.Lock()


def start_crawl(settings: Settings, names: Sequence[str], known: Sequence[str]) -> dict[str, Any]:
    """Start ``govarchive crawl NAME … --json`` as a child process; return its pid and log path."""
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ActionError(f"unknown source {unknown[0]!r}")
    if not names:
        raise ActionError("name at least one source to crawl")
    logs = (settings.home / "logs").resolve()
    logs.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    out_path = logs / f"web-crawl-{stamp}.json"
    err_path = logs / f"web-crawl-{stamp}.log"
    command = [
        sys.executable,
        "-m",
        "govarchive",
        "--home",
        str(settings.home.resolve()),
        "crawl",
        *names,
        "--json",
    ]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 — fixed argv, names checked against the catalog
            command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
        )
    entry = CrawlProcess(
        process.pid, list(names), dt.datetime.now(dt.UTC).isoformat(), str(out_path), process
    )
    with _crawls_lock:
        for pid in [pid for pid, c in _crawls.items() if c.process.poll() is not None]:
            if len(_crawls) > 20:
                del _crawls[pid]
        _crawls[process.pid] = entry
    return entry.json()


def crawl_processes() -> list[dict[str, Any]]:
    """Crawls started by this web process, newest first."""
    with _crawls_lock:
        return [c.json() for c in sorted(_crawls.values(), key=lambda c: c.started_at, reverse=True)]


# Subscriptions -------------------------------------------------------------------------------


def add_subscription(
    session: Session,
    *,
    url: str,
    source: str | None = None,
    region: str | None = None,
    level: str | None = None,
    keyword: str | None = None,
    events: Sequence[str] = EVENT_KINDS,
    digest: str = "immediate",
    label: str = "",
) -> Subscription:
    """Record a subscription through ``govarchive.alerts`` after checking its source exists."""
    from govarchive.alerts.subscriptions import SubscriptionError, SubscriptionFilter
    from govarchive.alerts.subscriptions import add_subscription as add

    if source and session.exec(select(Source).where(Source.name == source)).first() is None:
        raise ActionError(f"source: unknown source {source!r}")
    wanted = SubscriptionFilter(
        source=source or None,
        region=region or None,
        level=level or None,
        keyword=keyword or None,
        events=",".join(e for e in events if e),
        digest=digest,
    )
    try:
        return add(session, url, wanted, label=label.strip())
    except SubscriptionError as exc:
        raise ActionError(str(exc)) from None


def remove_subscription(session: Session, sub_id: int) -> bool:
    """Deactivate a subscription (its sent deliveries stay as history)."""
    from govarchive.alerts.subscriptions import remove_subscription as remove

    return remove(session, sub_id)


# Bundles -------------------------------------------------------------------------------------


def parse_day(value: str | None, name: str) -> dt.datetime | None:
    """``YYYY-MM-DD`` (end of that day, UTC) or a full ISO timestamp; None when empty."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ActionError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def create_bundle(
    state: WebState,
    *,
    as_of: str | None = None,
    since: str | None = None,
    since_bundle: int | None = None,
    sources: Sequence[str] = (),
    region: str | None = None,
    year: int | None = None,
    include: Sequence[str] = ("text",),
    fmt: str = "zip",
) -> BundleRecord:
    """Build a bundle with ``archive.bundles``: into the S3 store when the store is S3, else a file
    in the home's ``bundles/`` folder."""
    from archive.bundles import BundleError, BundleSelection, get_bundle
    from archive.bundles import create_bundle as create

    try:
        selection = BundleSelection(
            as_of=parse_day(as_of, "as_of"),
            since=parse_day(since, "since"),
            since_bundle=since_bundle,
            sources=tuple(s for s in sources if s),
            region=region or None,
            year=year,
            include=frozenset(include),
        )
        in_store = state.store.location.startswith("s3://")
        output: Path | None = None
        if not in_store:
            state.bundles_dir.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            output = state.bundles_dir / f"govarchive-{stamp}.{fmt}"
        result = create(
            state.engine, state.store, selection, output, fmt, store_copy=in_store, tmp_dir=state.bundles_dir
        )
    except (BundleError, ValueError) as exc:
        raise ActionError(str(exc).splitlines()[0]) from None
    if result.bundle_id is None:
        raise ActionError("the bundle was written but not recorded in the catalog")
    return get_bundle(state.engine, result.bundle_id)


def bundle_file(state: WebState, bundle: BundleRecord) -> Path | None:
    """The bundle's local file when it lies inside the home (never elsewhere), else None."""
    if not bundle.path:
        return None
    path = Path(bundle.path)
    if not path.is_absolute():
        path = state.settings.home / path
    resolved = path.resolve()
    if not resolved.is_relative_to(state.settings.home.resolve()) or not resolved.is_file():
        return None
    return resolved


def servable_check(state: WebState) -> Callable[[BundleRecord], bool]:
    """Whether this server may serve a bundle's local file (it lies inside the home)."""
    return lambda bundle: bundle_file(state, bundle) is not None
