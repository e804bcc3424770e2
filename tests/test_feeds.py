"""Atom feeds of the archive's events: everything, one source, one subscription; the CLI prints them."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlmodel import Session

from alerts import FeedNotFoundError, render_feed
from alerts.subscriptions import SubscriptionFilter, add_subscription
from archive.recorder import Archive
from govarchive.alerting import SPEECH
from govarchive.cli.context import open_home_archive
from govarchive.config import load_settings
from tests.cli_helpers import run_cli
from tests.fixtures.archive import REPORT_TEXT, Pages, html

A = "{http://www.w3.org/2005/Atom}"
BASE = "http://archive.test"


def record(archive: Archive, pages: Pages) -> None:
    archive.ensure_source("mile", title="弥勒市人民政府", region="云南省红河州弥勒市", level="county")
    archive.ensure_source("gejiu", title="个旧市人民政府", region="云南省红河州个旧市", level="county")
    archive.record_report("mile", pages.page("http://gov.test/mile/1.html", html(REPORT_TEXT)), pages.report())
    archive.record_report("mile", pages.page("http://gov.test/mile/1.html", html(REPORT_TEXT + "补充。")),
                          pages.report(text=REPORT_TEXT + "补充。\n"))
    archive.record_report("gejiu", pages.page("http://gov.test/gejiu/9.html", html("个旧市报告正文")),
                          pages.report(text="个旧市报告正文", title="个旧市2021年法治政府建设年度报告",
                                       publisher="个旧市人民政府"))


def entries(document: bytes) -> list[ET.Element]:
    root = ET.fromstring(document)
    assert root.tag == f"{A}feed"
    return root.findall(f"{A}entry")


def links(entry: ET.Element) -> dict[str, str]:
    return {link.get("rel", ""): link.get("href", "") for link in entry.findall(f"{A}link")}


def test_feed_of_everything_newest_first_with_original_and_archived_links(archive: Archive, pages: Pages) -> None:
    record(archive, pages)
    with Session(archive.engine) as db:
        document = render_feed(db, speech=SPEECH, base_url=BASE)

    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(document)
    assert root.findtext(f"{A}title") == "govarchive：全部报告"
    assert root.findtext(f"{A}id") == f"{BASE}/feeds/all.atom"
    found = entries(document)
    assert [e.findtext(f"{A}title") for e in found] == [
        "新报告：个旧市2021年法治政府建设年度报告",
        "报告有变更：弥勒市人民政府关于2021年法治政府建设工作情况的报告",
        "新报告：弥勒市人民政府关于2021年法治政府建设工作情况的报告",
    ]
    assert links(found[0]) == {"alternate": "http://gov.test/gejiu/9.html", "related": f"{BASE}/reports/2"}
    assert found[0].findtext(f"{A}id") == f"{BASE}/events/3"
    assert found[0].findtext(f"{A}published") == "2022-03-29T00:00:00Z"
    assert "发布机构：个旧市人民政府" in (found[0].findtext(f"{A}summary") or "")
    assert root.findtext(f"{A}updated") == found[0].findtext(f"{A}updated")


def test_feed_per_source_and_per_subscription(archive: Archive, pages: Pages) -> None:
    with Session(archive.engine) as db:
        subscription = add_subscription(db, "json://127.0.0.1:9/", SubscriptionFilter(region="个旧", events="new")).id
        changes = add_subscription(db, "json://127.0.0.1:9/", SubscriptionFilter(keyword="补充", events="changed")).id
    record(archive, pages)
    with Session(archive.engine) as db:
        mile = entries(render_feed(db, speech=SPEECH, base_url=BASE, source="mile"))
        gejiu_subscription = entries(render_feed(db, speech=SPEECH, base_url=BASE, subscription_id=subscription))
        without_texts = entries(render_feed(db, speech=SPEECH, base_url=BASE, subscription_id=changes))
        with_texts = entries(render_feed(db, speech=SPEECH, base_url=BASE, subscription_id=changes, text_loader=lambda k: archive.store.get_bytes(k).decode()))
        limited = entries(render_feed(db, speech=SPEECH, base_url=BASE, limit=1))

    assert [links(e)["alternate"] for e in mile] == ["http://gov.test/mile/1.html"] * 2
    assert [e.findtext(f"{A}title") for e in gejiu_subscription] == ["新报告：个旧市2021年法治政府建设年度报告"]
    assert without_texts == []
    assert [e.find(f"{A}category").get("term") for e in with_texts] == ["changed"]  # type: ignore[union-attr]
    assert len(limited) == 1


def test_unknown_source_or_subscription_is_an_error(archive: Archive) -> None:
    with Session(archive.engine) as db, pytest.raises(FeedNotFoundError, match="no source 'nowhere'"):
        render_feed(db, speech=SPEECH, base_url=BASE, source="nowhere")
    with Session(archive.engine) as db, pytest.raises(FeedNotFoundError, match="no subscription 42"):
        render_feed(db, speech=SPEECH, base_url=BASE, subscription_id=42)


def test_cli_feed_prints_the_atom_document(tmp_path: Path, capsys: pytest.CaptureFixture[str], pages: Pages) -> None:
    home = tmp_path / "home"
    assert run_cli(capsys, "--home", str(home), "init").code == 0
    record(open_home_archive(load_settings(home)), pages)

    everything = run_cli(capsys, "--home", str(home), "feed")
    one = run_cli(capsys, "--home", str(home), "feed", "--source", "gejiu")
    missing = run_cli(capsys, "--home", str(home), "feed", "--source", "nowhere")

    assert everything.code == 0 and len(entries(everything.out.encode())) == 3
    assert "个旧市2021年法治政府建设年度报告" in one.out and "弥勒" not in one.out
    assert (missing.code, missing.out) == (1, "")
    assert missing.err.strip() == "error: no source 'nowhere'"
