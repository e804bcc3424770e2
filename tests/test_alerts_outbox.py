"""At-least-once delivery across a crash: a dispatcher killed between sending and marking.

The dispatcher runs in a child process that dies (``os._exit``) right after a channel accepted a
message and before the delivery is marked sent. The next dispatcher re-sends it once the claim
expires. Measured: the webhook receives the alert twice under one idempotency key (a
de-duplicating receiver keeps one); the e-mail channel, which has no such key, shows exactly one
duplicate per crash. Nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, col, select

from alerts import AlertOptions, dispatch
from alerts.subscriptions import SubscriptionFilter, add_subscription
from archive.catalog.models import Delivery
from archive.recorder import Archive
from tests.fixtures.archive import Pages, html
from tests.fixtures.mail import Mailbox, Webhook

OPTIONS = AlertOptions(base_url="http://archive.test", send_lease_seconds=300)
CRASHING_DISPATCHER = """
import os, sys
from archive.catalog.database import create_catalog_engine
from alerts import AlertOptions, dispatch

engine = create_catalog_engine(sys.argv[1])
dispatch(engine, AlertOptions(base_url="http://archive.test", send_lease_seconds=300),
         after_send=lambda ids: os._exit(70))
sys.exit(0)
"""


def crash_once(script: Path, catalog_url: str) -> int:
    done = subprocess.run([sys.executable, str(script), catalog_url], capture_output=True, timeout=120, check=False)
    return done.returncode


def test_crash_between_send_and_mark_loses_nothing_and_repeats_at_most_once(
    archive: Archive, pages: Pages, webhook: Webhook, mailbox: Mailbox, tmp_path: Path
) -> None:
    with Session(archive.engine) as db:
        add_subscription(db, webhook.url(), SubscriptionFilter())
        add_subscription(db, mailbox.url(), SubscriptionFilter())
    archive.ensure_source("mile", title="弥勒市人民政府")
    archive.record_report("mile", pages.page("http://gov.test/a.html", html("正文")), pages.report(text="正文"))
    script = tmp_path / "crashing_dispatcher.py"
    script.write_text(CRASHING_DISPATCHER, encoding="utf-8")
    url = archive.engine.url.render_as_string(hide_password=False)

    # Two crashes: the first after the webhook accepted, the second after the e-mail went out.
    assert crash_once(script, url) == 70
    assert crash_once(script, url) == 70
    assert crash_once(script, url) == 0  # both claims still held: nothing to send, exits normally
    with Session(archive.engine) as db:
        assert [d.status for d in db.exec(select(Delivery).order_by(col(Delivery.id)))] == ["sending", "sending"]
    assert len(webhook.receipts) == 1 and len(mailbox.raw) == 1

    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=OPTIONS.send_lease_seconds + 1)
    recovered = dispatch(archive.engine, OPTIONS, now=later)
    settled = dispatch(archive.engine, OPTIONS, now=later + dt.timedelta(hours=1))

    assert (recovered.sent, settled.sent) == (2, 0)
    with Session(archive.engine) as db:
        assert [(d.status, d.attempts) for d in db.exec(select(Delivery).order_by(col(Delivery.id)))] == [
            ("sent", 2), ("sent", 2)
        ]
    # Webhook: two posts, one key -> one alert after the receiver's de-duplication.
    assert len(webhook.receipts) == 2
    assert len(webhook.distinct()) == 1
    # E-mail: no idempotency support -> exactly one duplicate for the crash.
    mails = mailbox.wait_for(2)
    assert len(mails) == 2
    assert mails[0]["Subject"] == mails[1]["Subject"]
