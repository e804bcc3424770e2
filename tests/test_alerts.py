"""The alert dispatcher against real channels: an SMTP server and a JSON webhook on loopback.

Events come from the real Archive (recording report pages), the outbox is the catalog.
"""

from __future__ import annotations

import datetime as dt
import email.header
import threading
from collections.abc import Callable

import pytest
import time_machine
from sqlmodel import Session, col, select

from alerts import AlertOptions, dispatch, retry_failed
from alerts.subscriptions import SubscriptionFilter, add_subscription, remove_subscription
from archive.catalog.models import Delivery, Event
from archive.recorder import Archive
from govarchive.alerting import SPEECH
from tests.fixtures.archive import REPORT_TEXT, Pages, html
from tests.fixtures.mail import Mailbox, Webhook

BASE = "http://archive.test"
OPTIONS = AlertOptions(base_url=BASE, retry_base_seconds=30, max_attempts=3, timezone="Asia/Shanghai", speech=SPEECH)
URL = "http://gov.test/zfxxgk/2022/t20220329_1.html"
TITLE = "弥勒市人民政府关于2021年法治政府建设工作情况的报告"


def subscribe(archive: Archive, url: str, **wanted: str) -> int:
    with Session(archive.engine) as db:
        subscription = add_subscription(db, url, SubscriptionFilter(**wanted))
        assert subscription.id is not None
        return subscription.id


def texts(archive: Archive) -> Callable[[str], str]:
    return lambda key: archive.store.get_bytes(key).decode("utf-8")


def deliveries(archive: Archive) -> list[Delivery]:
    with Session(archive.engine) as db:
        return list(db.exec(select(Delivery).order_by(col(Delivery.id))))


def publish(archive: Archive, pages: Pages, url: str = URL, text: str = REPORT_TEXT, **metadata: object) -> None:
    archive.ensure_source("mile", title="弥勒市人民政府", region="云南省红河州弥勒市", level="county")
    archive.record_report("mile", pages.page(url, html(text)), pages.report(text=text, **metadata))


def test_new_report_reaches_email_with_chinese_subject_and_body_intact(
    archive: Archive, pages: Pages, mailbox: Mailbox
) -> None:
    subscribe(archive, mailbox.url())
    publish(archive, pages)

    stats = dispatch(archive.engine, OPTIONS)

    assert (stats.deliveries_created, stats.sent) == (1, 1)
    [message] = mailbox.wait_for(1)
    raw = mailbox.raw[0]
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0].lower()  # the subject is MIME-encoded, not raw bytes
    assert message["Subject"] == f"新报告：{TITLE}"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert f"标题：{TITLE}" in body
    assert "发布机构：弥勒市人民政府" in body
    assert "发布日期：2022年3月29日" in body
    assert "来源：弥勒市人民政府（mile）" in body
    assert f"原文：{URL}" in body
    assert f"存档：{BASE}/reports/1" in body
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == f"新报告：{TITLE}"


def test_one_alert_per_matching_subscription_and_none_twice(archive: Archive, pages: Pages, webhook: Webhook) -> None:
    subscribe(archive, webhook.url("/all"))
    subscribe(archive, webhook.url("/mile"), source="mile")
    subscribe(archive, webhook.url("/other"), source="other-source")
    subscribe(archive, webhook.url("/yunnan"), region="云南")
    subscribe(archive, webhook.url("/province"), level="province")
    subscribe(archive, webhook.url("/in-text"), keyword="放管服")  # only in the body text
    subscribe(archive, webhook.url("/absent"), keyword="乡村振兴")
    subscribe(archive, webhook.url("/removed-only"), events="removed")
    publish(archive, pages)

    first = dispatch(archive.engine, OPTIONS, text_loader=texts(archive))
    second = dispatch(archive.engine, OPTIONS, text_loader=texts(archive))

    assert (first.sent, second.sent, second.deliveries_created) == (4, 0, 0)
    paths = sorted(r.path for r in webhook.receipts)
    assert paths == ["/all", "/in-text", "/mile", "/yunnan"]
    assert {r.body["title"] for r in webhook.receipts} == {f"新报告：{TITLE}"}


def test_keyword_without_texts_looks_at_the_title_only(archive: Archive, pages: Pages, webhook: Webhook) -> None:
    subscribe(archive, webhook.url("/title"), keyword="弥勒 法治政府")
    subscribe(archive, webhook.url("/text"), keyword="放管服")
    publish(archive, pages)

    dispatch(archive.engine, OPTIONS)

    assert [r.path for r in webhook.receipts] == ["/title"]


def test_changed_report_alert_says_what_changed(archive: Archive, pages: Pages, webhook: Webhook) -> None:
    subscribe(archive, webhook.url(), events="changed")
    publish(archive, pages)
    publish(archive, pages, text=REPORT_TEXT + "三、下一步工作安排\n继续推进。\n")

    dispatch(archive.engine, OPTIONS)

    [receipt] = webhook.receipts
    assert receipt.body["title"] == f"报告有变更：{TITLE}"
    assert "变更：第 2 版：+14 / -0 字，2 段" in receipt.body["message"]
    assert f"存档：{BASE}/reports/1" in receipt.body["message"]


def test_webhook_carries_the_idempotency_key_in_header_and_payload(
    archive: Archive, pages: Pages, webhook: Webhook
) -> None:
    subscription = subscribe(archive, webhook.url())
    publish(archive, pages)

    dispatch(archive.engine, OPTIONS)

    [receipt] = webhook.receipts
    [delivery] = deliveries(archive)
    assert receipt.key == delivery.idempotency_key == f"govarchive-{delivery.event_id}-{subscription}"
    assert receipt.body["idempotency_key"] == delivery.idempotency_key


def test_channel_down_delays_the_alert_and_loses_none(archive: Archive, pages: Pages, webhook: Webhook) -> None:
    subscribe(archive, webhook.url())
    publish(archive, pages)
    start = dt.datetime.now(dt.UTC)

    with webhook.outage():
        down = dispatch(archive.engine, OPTIONS, now=start)
        [waiting] = deliveries(archive)
        too_soon = dispatch(archive.engine, OPTIONS, now=start + dt.timedelta(seconds=10))

    back = dispatch(archive.engine, OPTIONS, now=start + dt.timedelta(seconds=31))
    again = dispatch(archive.engine, OPTIONS, now=start + dt.timedelta(hours=1))

    assert (down.sent, down.failed_attempts) == (0, 1)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.last_error
    assert waiting.next_attempt_at == start + dt.timedelta(seconds=30)
    assert (too_soon.sent, too_soon.failed_attempts) == (0, 0)
    assert (back.sent, again.sent) == (1, 0)
    assert len(webhook.receipts) == 1
    [sent] = deliveries(archive)
    assert (sent.status, sent.attempts) == ("sent", 2)


def test_back_off_doubles_and_gives_up_after_max_attempts_until_requeued(
    archive: Archive, pages: Pages, webhook: Webhook
) -> None:
    subscribe(archive, webhook.url())
    publish(archive, pages)
    start = dt.datetime.now(dt.UTC)
    retries = []
    with webhook.outage():
        when = start
        for _ in range(OPTIONS.max_attempts):
            dispatch(archive.engine, OPTIONS, now=when)
            [delivery] = deliveries(archive)
            retries.append((delivery.status, delivery.attempts))
            when = delivery.next_attempt_at
    assert retries == [("pending", 1), ("pending", 2), ("failed", 3)]
    assert dispatch(archive.engine, OPTIONS, now=when + dt.timedelta(days=1)).sent == 0

    assert retry_failed(archive.engine) == 1
    assert dispatch(archive.engine, OPTIONS).sent == 1
    assert len(webhook.receipts) == 1


def test_events_older_than_a_subscription_are_not_sent_to_it(archive: Archive, pages: Pages, webhook: Webhook) -> None:
    publish(archive, pages)
    subscribe(archive, webhook.url())

    stats = dispatch(archive.engine, OPTIONS)

    assert (stats.events_read, stats.sent) == (1, 0)
    assert webhook.receipts == []


def test_removing_a_subscription_cancels_what_it_had_not_sent(
    archive: Archive, pages: Pages, webhook: Webhook
) -> None:
    subscription = subscribe(archive, webhook.url())
    publish(archive, pages)
    with webhook.outage():
        dispatch(archive.engine, OPTIONS)
    with Session(archive.engine) as db:
        assert remove_subscription(db, subscription)
        assert not remove_subscription(db, subscription)

    stats = dispatch(archive.engine, OPTIONS, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))

    assert stats.sent == 0
    assert [d.status for d in deliveries(archive)] == ["cancelled"]
    assert webhook.receipts == []


def test_daily_digest_collects_the_day_into_one_message(archive: Archive, pages: Pages, mailbox: Mailbox) -> None:
    # 2025-03-03 10:00 in Shanghai: the digest leaves at 08:00 the next morning.
    with time_machine.travel(dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC), tick=True):
        subscribe(archive, mailbox.url(), digest="daily", events="new")
        publish(archive, pages)
        publish(archive, pages, url="http://gov.test/zfxxgk/2022/t20220330_2.html",
                text="弥勒市司法局2021年法治政府建设年度报告\n一、主要工作\n推进依法行政。\n",
                title="弥勒市司法局2021年法治政府建设年度报告", publisher="弥勒市司法局")
        today = dispatch(archive.engine, OPTIONS)
    at_eight = dt.datetime(2025, 3, 4, 0, 0, tzinfo=dt.UTC)
    before = dispatch(archive.engine, OPTIONS, now=at_eight - dt.timedelta(minutes=1))
    digest = dispatch(archive.engine, OPTIONS, now=at_eight)

    assert (today.deliveries_created, today.sent, before.sent, digest.sent) == (2, 0, 0, 2)
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "govarchive 每日摘要 2025年3月4日：2 条"
    body = message.get_content()
    assert f"1. 【新报告】{TITLE}" in body
    assert "2. 【新报告】弥勒市司法局2021年法治政府建设年度报告" in body


def test_two_dispatchers_at_once_send_each_alert_once(archive: Archive, pages: Pages, webhook: Webhook) -> None:
    for n in range(3):
        subscribe(archive, webhook.url(f"/s{n}"))
    for n in range(5):
        publish(archive, pages, url=f"http://gov.test/zfxxgk/2022/t{n}.html", title=f"{TITLE}（{n}）",
                text=REPORT_TEXT + f"第{n}稿。\n")
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            dispatch(archive.engine, OPTIONS)
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    assert len(deliveries(archive)) == 15
    assert len(webhook.receipts) == 15
    assert len({r.key for r in webhook.receipts}) == 15


def test_health_and_overdue_events_render_without_a_report(archive: Archive, webhook: Webhook) -> None:
    subscribe(archive, webhook.url(), events="source_failing,overdue")
    source_id = archive.ensure_source("mile", title="弥勒市人民政府")
    with Session(archive.engine) as db:
        db.add(Event(kind="source_failing", source_id=source_id, title="弥勒市人民政府",
                     detail_json='{"reason": "3 runs in a row failed: HTTP 503"}'))
        db.add(Event(kind="overdue", source_id=source_id, title="弥勒市人民政府：2024 年度报告逾期未发布",
                     detail_json='{"year": 2024, "due": "2025-04-01"}'))
        db.add(Event(kind="new", source_id=source_id, title="not subscribed"))
        db.commit()

    dispatch(archive.engine, OPTIONS)

    failing, overdue = webhook.receipts
    assert failing.body["title"] == "来源异常：弥勒市人民政府"
    assert "原因：3 runs in a row failed: HTTP 503" in failing.body["message"]
    assert overdue.body["title"] == "报告逾期未发布：弥勒市人民政府：2024 年度报告逾期未发布"
    assert "年度：2024（应于 2025-04-01 前发布）" in overdue.body["message"]


@pytest.mark.postgres
def test_fan_out_and_send_on_postgresql(any_archive: Archive, pages: Pages, webhook: Webhook) -> None:
    subscribe(any_archive, webhook.url())
    publish(any_archive, pages)

    first = dispatch(any_archive.engine, OPTIONS)
    second = dispatch(any_archive.engine, OPTIONS)

    assert (first.sent, second.sent) == (1, 0)
    assert len(webhook.receipts) == 1
