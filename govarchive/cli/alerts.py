"""``govarchive alerts add|list|remove|test|dispatch``: subscriptions and their delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer
from sqlalchemy import func
from sqlmodel import Session, col, select

from alerts import dispatch, retry_failed
from alerts.channels import AppriseNotifier, supports_idempotency
from alerts.messages import connectivity_message
from alerts.subscriptions import (
    DEFAULT_EVENTS,
    SubscriptionError,
    SubscriptionFilter,
    add_subscription,
    list_subscriptions,
    remove_subscription,
)
from archive.catalog.models import Delivery, Subscription
from archive.urlmask import mask_url
from govarchive.alerting import SPEECH, alert_options
from govarchive.i18n import use_language

from .context import archive_errors, get_settings, open_for_command
from .output import JsonOption, console, counted, emit_json, fail, print_table

if TYPE_CHECKING:
    from archive.recorder import Archive
    from govarchive.config import Settings

app = typer.Typer(help="Alert subscriptions (Apprise URLs) and their delivery.", no_args_is_help=True)


def text_loader(archive: Archive) -> Callable[[str], str]:
    """Archived texts by object key, for keyword filters."""
    return lambda key: archive.store.get_bytes(key).decode("utf-8", "replace")


def _known_sources(settings: Settings) -> set[str] | None:
    try:
        from spiders.sources import load_sources, source_dirs
    except ImportError:  # source definitions not installed: accept any name
        return None
    return set(load_sources(source_dirs(settings.sources_dir, settings.sources_dirs), problems=[]))


def _row(subscription: Subscription, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "url": mask_url(subscription.url),
        "source": subscription.source,
        "region": subscription.region,
        "level": subscription.level,
        "keyword": subscription.keyword,
        "events": subscription.events.split(","),
        "digest": subscription.digest,
        "label": subscription.label,
        "active": subscription.active,
        "idempotent": supports_idempotency(subscription.url),
        "created_at": subscription.created_at,
        "deliveries": counts,
    }


def _delivery_counts(db: Session) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    rows = db.exec(
        select(Delivery.subscription_id, Delivery.status, func.count())
        .group_by(col(Delivery.subscription_id), col(Delivery.status))
    ).all()
    for subscription_id, status, count in rows:
        counts.setdefault(subscription_id, {})[status] = count
    return counts


@app.command("add")
def add(
    ctx: typer.Context,
    url: str = typer.Argument(..., metavar="URL", help="Apprise URL: mailto://, json://, dingtalk://, wecombot:// …"),
    source: str | None = typer.Option(None, "--source", help="Only this source."),
    region: str | None = typer.Option(None, "--region", help="Only sources whose region contains this."),
    level: str | None = typer.Option(None, "--level", help="Only sources of this level (province, city …)."),
    keyword: str | None = typer.Option(None, "--keyword", help="Only reports with this in the title or text."),
    events: str = typer.Option(
        DEFAULT_EVENTS, "--events",
        help="Comma-separated: new, changed, removed, restored, source_failing, source_recovered, overdue.",
    ),
    digest: str = typer.Option("immediate", "--digest", help="immediate, or daily (one message a day)."),
    label: str = typer.Option("", "--label", help="A name for this subscription."),
    json_: bool = JsonOption,
) -> None:
    """Subscribe a channel to new, changed or removed reports (or source health, overdue reports)."""
    settings = get_settings(ctx)
    if source is not None:
        known = _known_sources(settings)
        if known is not None and source not in known:
            fail(f"unknown source {source!r} (see `govarchive sources list`)")
    archive = open_for_command(ctx)
    wanted = SubscriptionFilter(source=source, region=region, level=level, keyword=keyword,
                                events=events, digest=digest)
    with archive_errors(), Session(archive.engine) as db:
        try:
            subscription = add_subscription(db, url, wanted, label=label)
        except SubscriptionError as exc:
            fail(str(exc))
        row = _row(subscription, {})
    if json_:
        emit_json(row)
        return
    console.print(f"subscription {row['id']} added: {row['url']} ({','.join(row['events'])}, {row['digest']})",
                  markup=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Also removed subscriptions."),
    json_: bool = JsonOption,
) -> None:
    """Every subscription, channel URL masked, with its delivery counts."""
    archive = open_for_command(ctx)
    with archive_errors(), Session(archive.engine) as db:
        counts = _delivery_counts(db)
        rows = [_row(s, counts.get(s.id or 0, {})) for s in list_subscriptions(db, include_removed=all_)]
    if json_:
        emit_json(rows)
        return
    if not rows:
        console.print("no subscriptions")
        return
    print_table(
        ["id", "channel", "filters", "events", "digest", "sent", "pending", "failed"],
        (
            [r["id"], r["url"],
             " ".join(f"{k}={r[k]}" for k in ("source", "region", "level", "keyword") if r[k]) or "(all)",
             ",".join(r["events"]), r["digest"] + ("" if r["active"] else " (removed)"),
             r["deliveries"].get("sent", 0),
             r["deliveries"].get("pending", 0) + r["deliveries"].get("sending", 0),
             r["deliveries"].get("failed", 0)]
            for r in rows
        ),
    )


@app.command("remove")
def remove(
    ctx: typer.Context,
    subscription_id: int = typer.Argument(..., metavar="ID", help="Subscription id (see 'alerts list')."),
    json_: bool = JsonOption,
) -> None:
    """Remove a subscription; what it had not sent yet is cancelled."""
    archive = open_for_command(ctx)
    with archive_errors(), Session(archive.engine) as db:
        removed = remove_subscription(db, subscription_id)
    if not removed:
        fail(f"no subscription {subscription_id}")
    if json_:
        emit_json({"id": subscription_id, "removed": True})
        return
    console.print(f"subscription {subscription_id} removed")


@app.command("test")
def test(
    ctx: typer.Context,
    subscription_id: int | None = typer.Argument(None, metavar="[ID]", help="One subscription (default: all)."),
    json_: bool = JsonOption,
) -> None:
    """Send a test message to one subscription or all; exit 1 if any channel failed."""
    settings = get_settings(ctx)
    archive = open_for_command(ctx)
    with archive_errors(), Session(archive.engine) as db:
        if subscription_id is None:
            targets = list_subscriptions(db)
        else:
            one = db.get(Subscription, subscription_id)
            if one is None or not one.active:
                fail(f"no subscription {subscription_id}")
            targets = [one]
    with use_language(settings.language, settings.timezone):
        message = connectivity_message(alert_options(settings).base_url, SPEECH)
    notifier = AppriseNotifier()
    results = []
    for target in targets:
        outcome = notifier.send(target.url, message)
        results.append({"id": target.id, "url": mask_url(target.url), "ok": outcome.ok, "error": outcome.error})
    if json_:
        emit_json(results)
    else:
        for r in results:
            console.print(f"{r['id']}  {r['url']}  {'ok' if r['ok'] else 'FAILED: ' + str(r['error'])}", markup=False)
        if not results:
            console.print("no subscriptions")
    failed = [r for r in results if not r["ok"]]
    if failed:
        fail(f"{len(failed)} of {len(results)} channels failed")


@app.command("dispatch")
def dispatch_(
    ctx: typer.Context,
    retry: bool = typer.Option(False, "--retry-failed", help="First re-queue deliveries that ran out of attempts."),
    json_: bool = JsonOption,
) -> None:
    """Run the dispatcher once: fan new events out, send what is due (the scheduler does this every minute)."""
    settings = get_settings(ctx)
    archive = open_for_command(ctx)
    requeued = 0
    with archive_errors():
        if retry:
            requeued = retry_failed(archive.engine)
        stats = dispatch(archive.engine, alert_options(settings), text_loader=text_loader(archive))
    document = {**stats.as_dict(), "requeued": requeued}
    if json_:
        emit_json(document)
        return
    console.print(
        f"{counted(stats.events_read, 'event')} read, {counted(stats.deliveries_created, 'delivery', 'deliveries')} "
        f"queued, {stats.sent} sent, "
        f"{stats.failed_attempts} failed attempts ({stats.gave_up} given up)",
        markup=False,
    )
