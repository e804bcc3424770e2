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
from archive.timeutil import as_utc, utcnow
from govarchive.i18n import gettext as _
from scheduler.children import default_crawl_command, launch_crawl

if TYPE_CHECKING:
    from archive.bundles import BundleRecord
    from govarchive.config import Settings

    from .state import WebState

EVENT_KINDS = ("new", "changed", "removed")


class ActionError(ValueError):
    """An action that cannot be done as asked; the message is one line."""


# Sources -------------------------------------------------------------------------------------


def _field_names() -> dict[str, str]:
    """The form's labels, for errors that name a field (the CLI names its options instead)."""
    return {"name": _("Name"), "title": _("Title"), "region": _("Region"), "level": _("Level"),
            "start_urls": _("Start URLs"), "match": _("Title pattern"), "render": _("Render"),
            "schedule": _("Schedule (cron)")}


def _mirror(session: Session, definition: Any) -> None:
    row = session.exec(select(Source).where(Source.name == definition.name)).first()
    if row is None:
        row = Source(name=definition.name)
    row.title = definition.title
    row.region = definition.region
    row.level = definition.level
    row.definition_json = json.dumps(definition.model_dump(mode="json"), ensure_ascii=False)
    session.add(row)
    session.commit()


def save_source(
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
    replace: bool = False,
) -> dict[str, Any]:
    """Write the source's TOML into the home's ``sources/`` (``govarchive.sources_admin``, as
    ``govarchive sources add`` does) and mirror it into the catalog. ``replace`` edits."""
    from govarchive.sources_admin import SourceChangeError, edited, loaded, save, source_values, validate

    values = source_values(name, start_urls, title=title, region=region, level=level, match=match,
                           render=render, schedule=schedule)
    try:
        current = loaded(settings).get(values["name"]) if replace else None
        if current is not None:
            values = edited(current[0], values)
        saved = save(settings, validate(values, _field_names()), replace=replace)
    except SourceChangeError as exc:
        raise ActionError(str(exc).replace(" (use --replace to overwrite it)", "")) from None
    _mirror(session, saved.definition)
    return {"name": saved.definition.name, "path": str(saved.path)}


def add_source(settings: Settings, session: Session, **fields: Any) -> dict[str, Any]:
    """A new source (refused when one of that name exists in the home)."""
    return save_source(settings, session, **fields, replace=False)


def change_source(settings: Settings, action: str, name: str) -> bool:
    """``enable`` / ``disable`` / ``remove`` a source, as the CLI's commands of those names do."""
    from govarchive import sources_admin

    try:
        if action == "remove":
            sources_admin.remove(settings, name)
            return True
        return sources_admin.switch(settings, name, action == "enable")
    except sources_admin.SourceChangeError as exc:
        raise ActionError(str(exc)) from None


def disabled_names(settings: Settings) -> set[str]:
    """The defined sources that ``crawl --all`` and the scheduler leave out."""
    from govarchive.sources_admin import SourceChangeError, is_builtin, loaded, switches

    try:
        on = switches(settings)
        return {name for name, (_, path) in loaded(settings).items()
                if not on.is_enabled(name, builtin=is_builtin(path))}
    except SourceChangeError:
        return set()


def is_builtin_source(settings: Settings, name: str) -> bool:
    from govarchive.sources_admin import SourceChangeError, is_builtin, loaded

    try:
        found = loaded(settings).get(name)
    except SourceChangeError:
        return False
    return found is not None and is_builtin(found[1])


CHECK_TIMEOUT_SECONDS = 300


def check_source(settings: Settings, name: str) -> dict[str, Any]:
    """Discovery only, as ``govarchive sources check NAME --json`` (run as a child process: a
    crawl's reactor cannot run inside the web server): the report pages a crawl would archive."""
    command = [sys.executable, "-m", "govarchive", "--home", str(settings.home.resolve()),
               "sources", "check", name, "--json"]
    try:
        done = subprocess.run(  # noqa: S603 — fixed argv; the name is checked by the command itself
            command, capture_output=True, stdin=subprocess.DEVNULL, timeout=CHECK_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise ActionError(f"{name}: discovery took longer than {CHECK_TIMEOUT_SECONDS} s") from None
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ActionError((lines[-1] if lines else f"check failed (exit {done.returncode})").removeprefix(
            "error: ")) from None
    return result


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
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    out_path = logs / f"web-crawl-{stamp}.json"
    err_path = logs / f"web-crawl-{stamp}.log"
    command = [*default_crawl_command(), "--home", str(settings.home.resolve())]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = launch_crawl(command, names, stdout=out, stderr=err)  # names checked against the catalog
    entry = CrawlProcess(
        process.pid, list(names), utcnow().isoformat(), str(out_path), process
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
    """Record a subscription through ``alerts`` after checking its source exists."""
    from alerts.subscriptions import SubscriptionError, SubscriptionFilter
    from alerts.subscriptions import add_subscription as add

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


def test_subscription(session: Session, settings: Settings, sub_id: int) -> str:
    """Send the connectivity message (``govarchive alerts test ID``); the masked URL, or ActionError."""
    from alerts.channels import AppriseNotifier
    from alerts.messages import connectivity_message
    from archive.urlmask import mask_url
    from govarchive.alerting import SPEECH, alert_options
    from govarchive.i18n import use_language

    sub = session.get(Subscription, sub_id)
    if sub is None or not sub.active:
        raise ActionError(f"no subscription {sub_id}")
    with use_language(settings.language, settings.timezone):
        message = connectivity_message(alert_options(settings).base_url, SPEECH)
    outcome = AppriseNotifier().send(sub.url, message)
    if not outcome.ok:
        raise ActionError(f"{mask_url(sub.url)}: FAILED: {outcome.error}")
    return mask_url(sub.url)


def remove_subscription(session: Session, sub_id: int) -> bool:
    """Deactivate a subscription (its sent deliveries stay as history)."""
    from alerts.subscriptions import remove_subscription as remove

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
    return as_utc(moment)


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
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
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
