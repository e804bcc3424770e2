"""``govarchive feed``: an Atom feed of the archive's events on stdout."""

from __future__ import annotations

import sys

import typer
from sqlmodel import Session

from alerts import FeedNotFoundError, render_feed
from govarchive.alerting import SPEECH, alert_options
from govarchive.i18n import use_language

from .alerts import text_loader
from .context import archive_errors, get_settings, open_for_command
from .output import fail


def feed(
    ctx: typer.Context,
    source: str | None = typer.Option(None, "--source", help="Only this source's reports."),
    subscription: int | None = typer.Option(None, "--subscription", help="What this subscription receives."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Entries, newest first."),
) -> None:
    """Print an Atom feed: every report event, one source's, or one subscription's."""
    settings = get_settings(ctx)
    archive = open_for_command(ctx)
    with archive_errors(), Session(archive.engine) as db, use_language(settings.language, settings.timezone):
        try:
            document = render_feed(
                db, base_url=alert_options(settings).base_url, source=source,
                subscription_id=subscription, limit=limit, text_loader=text_loader(archive), speech=SPEECH,
            )
        except FeedNotFoundError as exc:
            fail(str(exc))
    sys.stdout.buffer.write(document)
    sys.stdout.flush()
