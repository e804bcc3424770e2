"""Source health and overdue reports: one event when a source starts failing, one when it heals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import Session, col, select

from alerts import (
    AlertOptions,
    check_source_health,
    dispatch,
    overdue_sources,
    raise_overdue_events,
)
from alerts.subscriptions import SubscriptionFilter, add_subscription
from archive.catalog.database import create_catalog_engine, init_catalog
from archive.catalog.models import Event, Source
from archive.recorder import Archive
from archive.storage import BlobStore
from govarchive.alerting import SPEECH
from govarchive.config import Settings
from govarchive.web.routes.pages import overdue
from tests.fixtures.archive import Pages, html
from tests.fixtures.mail import Webhook

OPTIONS = AlertOptions(base_url="http://archive.test", failing_after_runs=3, drop_ratio=0.5, speech=SPEECH)


def crawl(archive: Archive, status: str, links: int = 20, error: str | None = None, source: str = "mile") -> None:
    """A finished crawl run of ``source`` as the crawler records it, then the health check."""
    run_id = archive.start_run([source])
    archive.update_source_run(run_id, source, status=status, report_links=links, error=error)
    archive.finish_run(run_id, status="ok" if status == "ok" else "failed")
    with Session(archive.engine) as db:
        check_source_health(db, OPTIONS, source)


def health_events(archive: Archive) -> list[tuple[str, dict]]:
    with Session(archive.engine) as db:
        events = db.exec(
            select(Event).where(col(Event.kind).in_(["source_failing", "source_recovered"])).order_by(col(Event.id))
        )
        return [(e.kind, json.loads(e.detail_json)) for e in events]


def source(archive: Archive, name: str = "mile") -> Source:
    with Session(archive.engine) as db:
        row = db.exec(select(Source).where(Source.name == name)).one()
        db.expunge(row)
        return row


@pytest.fixture
def mile(archive: Archive) -> Archive:
    archive.ensure_source("mile", title="弥勒市人民政府", region="云南省红河州弥勒市", level="county")
    return archive


def test_failing_runs_raise_one_event_and_recovery_one_more(mile: Archive) -> None:
    crawl(mile, "ok")
    crawl(mile, "failed", error="DNS lookup failed")
    crawl(mile, "failed", error="HTTP 503")
    assert health_events(mile) == []  # two in a row is not yet "failing"
    crawl(mile, "failed", error="HTTP 503")
    crawl(mile, "failed", error="HTTP 503")
    crawl(mile, "failed", error="HTTP 503")
    crawl(mile, "ok")
    crawl(mile, "ok")

    kinds = [kind for kind, _ in health_events(mile)]
    assert kinds == ["source_failing", "source_recovered"]
    failing = health_events(mile)[0][1]
    assert failing["reason"] == "3 runs in a row failed: HTTP 503"
    assert failing["consecutive_failures"] == 3
    assert (source(mile).health, source(mile).consecutive_failures) == ("ok", 0)


def test_blocked_by_a_challenge_is_its_own_health(mile: Archive) -> None:
    for _ in range(3):
        crawl(mile, "blocked", error="HTTP 412 challenge")
    assert source(mile).health == "blocked"
    assert [kind for kind, _ in health_events(mile)] == ["source_failing"]
    assert health_events(mile)[0][1]["health"] == "blocked"


def test_a_listing_that_shrank_is_failing_even_though_the_run_succeeded(mile: Archive) -> None:
    crawl(mile, "ok", links=40)
    crawl(mile, "ok", links=42)
    crawl(mile, "ok", links=5)  # the column's template changed: few report links found
    crawl(mile, "ok", links=4)
    assert source(mile).health == "failing"
    [(kind, detail)] = health_events(mile)
    assert kind == "source_failing"
    assert detail["reason"] == "the listing yielded 5 report links, usually 40 (page template changed?)"
    crawl(mile, "ok", links=43)
    assert [kind for kind, _ in health_events(mile)] == ["source_failing", "source_recovered"]


def test_a_run_without_change_is_healthy(mile: Archive) -> None:
    for _ in range(5):
        crawl(mile, "ok", links=20)
    assert health_events(mile) == []
    assert (source(mile).health, source(mile).usual_link_count) == ("ok", 20)


def test_health_events_reach_only_subscriptions_that_route_them(mile: Archive, webhook: Webhook) -> None:
    with Session(mile.engine) as db:
        add_subscription(db, webhook.url("/ops"), SubscriptionFilter(events="source_failing"))
        add_subscription(db, webhook.url("/reports"), SubscriptionFilter())
    for status in ("failed", "failed", "failed", "ok"):
        crawl(mile, status, error="HTTP 502")

    dispatch(mile.engine, OPTIONS)

    assert [r.path for r in webhook.receipts] == ["/ops", "/ops"]
    assert [r.body["title"] for r in webhook.receipts] == ["来源异常：弥勒市人民政府", "来源已恢复：弥勒市人民政府"]


def test_overdue_events_are_kept_on_an_in_memory_catalog(folder_store: BlobStore) -> None:
    """The divisions are read through the session's own connection: on an in-memory catalog (one
    shared connection) closing a second one rolled back the events raised before it."""
    engine = create_catalog_engine("sqlite://")
    init_catalog(engine)
    try:
        archive = Archive(engine, folder_store)
        archive.ensure_source("mile", title="弥勒市人民政府", region="云南省红河州弥勒市", level="county")
        crawl(archive, "ok")
        with Session(engine) as db:
            created = raise_overdue_events(db, dt.date(2025, 4, 2))
        with Session(engine) as db:
            stored = db.exec(select(Event.id).where(Event.kind == "overdue")).all()
    finally:
        engine.dispose()
    assert len(created) == 1 and list(stored) == created


def test_overdue_sources_after_the_due_date_only(mile: Archive, pages: Pages) -> None:
    mile.ensure_source("never-crawled")
    mile.ensure_source("punctual", title="准时县人民政府")
    crawl(mile, "ok")
    crawl(mile, "ok", source="punctual")
    mile.record_report("punctual", pages.page("http://gov.test/p.html", html("正文")),
                       pages.report(text="正文", report_year=2024))
    mile.record_report("mile", pages.page("http://gov.test/m.html", html("旧报告")),
                       pages.report(text="旧报告", report_year=2023))

    with Session(mile.engine) as db:
        before = overdue_sources(db, dt.date(2025, 3, 31))
        late = overdue_sources(db, dt.date(2025, 4, 1))
        custom = overdue_sources(db, dt.date(2025, 4, 10), month_day="04-15")

    assert before == [] and custom == []
    [item] = late
    assert (item.name, item.year, item.due, item.latest_report_year) == ("mile", 2024, dt.date(2025, 4, 1), 2023)


def test_overdue_event_is_raised_once_per_source_and_year(mile: Archive) -> None:
    crawl(mile, "ok")
    with Session(mile.engine) as db:
        first = raise_overdue_events(db, dt.date(2025, 4, 2))
        again = raise_overdue_events(db, dt.date(2025, 4, 3))
        next_year = raise_overdue_events(db, dt.date(2026, 5, 1))
        events = list(db.exec(select(Event).where(Event.kind == "overdue").order_by(col(Event.id))))

    assert (len(first), again, len(next_year)) == (1, [], 1)
    assert [json.loads(e.detail_json)["year"] for e in events] == [2024, 2025]
    assert events[0].title == "弥勒市人民政府：2024 年度报告逾期未发布"


def test_the_dashboard_lists_overdue_sources_by_the_configured_due_date(mile: Archive) -> None:
    crawl(mile, "ok")
    early = Settings().model_copy(update={"alerts": Settings().alerts.model_copy(update={"overdue_month_day": "02-01"})})
    with Session(mile.engine) as db:
        by_default = overdue(db, Settings(), dt.date(2025, 3, 1))
        by_config = overdue(db, early, dt.date(2025, 3, 1))
    assert by_default == []
    assert [(o.name, o.year, o.due) for o in by_config] == [("mile", 2024, dt.date(2025, 2, 1))]
