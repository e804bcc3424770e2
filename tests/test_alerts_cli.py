"""``govarchive alerts …`` end to end: add, list (masked), test, dispatch, remove."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from govarchive.cli.context import open_home_archive
from govarchive.config import load_settings
from tests.cli_helpers import run_cli
from tests.fixtures.archive import Pages, html
from tests.fixtures.mail import Mailbox, Webhook


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "home"
    assert run_cli(capsys, "--home", str(path), "init").code == 0
    return str(path)


def test_add_list_test_dispatch_remove(
    home: str, capsys: pytest.CaptureFixture[str], webhook: Webhook, mailbox: Mailbox, pages: Pages
) -> None:
    added = run_cli(capsys, "--home", home, "alerts", "add", webhook.url(), "--events", "new,changed", "--json")
    mail = run_cli(capsys, "--home", home, "alerts", "add", mailbox.url(), "--keyword", "法治", "--digest", "daily",
                   "--json")
    secret = run_cli(capsys, "--home", home, "alerts", "add", "json://hook-user:hunter2@127.0.0.1:9/x", "--json")
    assert (added.code, mail.code, secret.code) == (0, 0, 0)
    assert added.json()["events"] == ["new", "changed"] and added.json()["idempotent"] is True
    assert mail.json()["digest"] == "daily" and mail.json()["idempotent"] is False

    listed = run_cli(capsys, "--home", home, "alerts", "list", "--json")
    assert [s["id"] for s in listed.json()] == [1, 2, 3]
    assert "hunter2" not in listed.out
    assert listed.json()[2]["url"] == "json://hook-user:********@127.0.0.1:9/x"

    tested = run_cli(capsys, "--home", home, "alerts", "test", "1", "--json")
    assert tested.code == 0 and tested.json() == [{"id": 1, "url": webhook.url(), "ok": True, "error": None}]
    [probe] = webhook.receipts
    assert probe.body["title"] == "govarchive 测试消息：订阅已连通"
    failing_test = run_cli(capsys, "--home", home, "alerts", "test", "3")
    assert failing_test.code == 1 and failing_test.err.strip() == "error: 1 of 1 channels failed"

    assert run_cli(capsys, "--home", home, "alerts", "remove", "3").code == 0
    archive = open_home_archive(load_settings(home))
    archive.ensure_source("mile", title="弥勒市人民政府")
    archive.record_report("mile", pages.page("http://gov.test/1.html", html("正文")), pages.report(text="正文"))
    dispatched = run_cli(capsys, "--home", home, "alerts", "dispatch", "--json")
    assert dispatched.code == 0
    assert {k: dispatched.json()[k] for k in ("events_read", "deliveries_created", "sent")} == {
        "events_read": 1, "deliveries_created": 2, "sent": 1,  # the daily digest waits for its hour
    }
    assert [r.body["title"] for r in webhook.receipts][-1].startswith("新报告：")
    counts = {s["id"]: s["deliveries"] for s in run_cli(capsys, "--home", home, "alerts", "list", "--json").json()}
    assert counts == {1: {"sent": 1}, 2: {"pending": 1}}
    assert run_cli(capsys, "--home", home, "alerts", "list", "--all", "--json").json()[2]["active"] is False


def test_an_english_speaking_team_gets_english_alerts(
    home: str, capsys: pytest.CaptureFixture[str], webhook: Webhook, pages: Pages
) -> None:
    (Path(home) / "govarchive.toml").write_text('language = "en"\n', encoding="utf-8")
    assert run_cli(capsys, "--home", home, "alerts", "add", webhook.url(), "--json").code == 0
    assert run_cli(capsys, "--home", home, "alerts", "test", "1").code == 0
    assert webhook.receipts[-1].body["title"] == "govarchive test message: the subscription is connected"
    archive = open_home_archive(load_settings(home))
    archive.ensure_source("mile", title="弥勒市人民政府")
    archive.record_report("mile", pages.page("http://gov.test/2.html", html("正文")),
                          pages.report(text="正文", publisher="弥勒市人民政府", pub_date=dt.date(2022, 3, 29)))
    assert run_cli(capsys, "--home", home, "alerts", "dispatch").code == 0
    alert = webhook.receipts[-1].body
    assert alert["title"].startswith("New report: ")
    assert "Issuing body: 弥勒市人民政府" in alert["message"] and "Published: Mar 29, 2022" in alert["message"]
    feed = run_cli(capsys, "--home", home, "feed").out
    assert "<title>New report: " in feed and 'xml:lang="en"' in feed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bogus://nothing"], "error: 'bogus://nothing' is not an Apprise URL Apprise can use (mailto://, json://, dingtalk:// …)"),
        (["notaurl"], "error: 'notaurl' is not an Apprise URL Apprise can use (mailto://, json://, dingtalk:// …)"),
        # a mistyped scheme in front of a password: the input is named, the secret is not echoed
        (["mailt://me:s3cret@example.org"],
         "error: 'mailt://me:********@example.org' is not an Apprise URL Apprise can use (mailto://, json://, dingtalk:// …)"),
        (["json://127.0.0.1/", "--events", "new,sometimes"],
         "error: unknown event kind 'sometimes' (one or more of new, changed, removed, restored, source_failing, "
         "source_recovered, overdue)"),
        (["json://127.0.0.1/", "--digest", "weekly"], "error: unknown digest 'weekly' (immediate or daily)"),
        (["json://127.0.0.1/", "--source", "no-such-source"],
         "error: unknown source 'no-such-source' (see `govarchive sources list`)"),
    ],
)
def test_bad_subscriptions_are_refused_in_one_line(
    home: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    result = run_cli(capsys, "--home", home, "alerts", "add", *args)
    assert (result.code, result.out, result.err.strip()) == (1, "", message)


def test_remove_or_test_an_unknown_subscription(home: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--home", home, "alerts", "remove", "7").err.strip() == "error: no subscription 7"
    assert run_cli(capsys, "--home", home, "alerts", "test", "7").code == 1
