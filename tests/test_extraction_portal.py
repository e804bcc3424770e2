"""Every report of every family of the simulated portal, extracted and compared with the
portal's ground truth (written independently of the extractor)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from crawler.extraction import NoReportText, extract_attachment, extract_page, leaks
from crawler.extraction.scoring import text_score
from govarchive.portal import COOKIE_T, ExpectedReport, PortalServer, World, solve_page

FIELDS = ("title", "publisher", "pub_date", "written_date", "index_no", "doc_no", "validity", "report_year",
          "site_name", "column")


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as session:
        yield session


def _get(client: httpx.Client, url: str) -> httpx.Response:
    response = client.get(url)
    if response.status_code == 412:  # the challenge family: earn the cookie as its script does
        client.cookies.set(COOKIE_T, solve_page(response.text))
        response = client.get(url)
    return response


def _truth(report: ExpectedReport) -> dict[str, object]:
    return {name: (value.isoformat() if isinstance(value, dt.date) else value)
            for name in FIELDS for value in [getattr(report, name)]}


def test_every_portal_report_is_extracted_exactly(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    reports = world.expected_reports()
    assert {r.family for r in reports} >= {"trs", "hanweb", "ucap", "table"}
    failures = []
    for expected in reports:
        response = _get(client, expected.url)
        assert response.status_code == 200, expected.url
        report = extract_page(response.content, str(response.url), dict(response.headers))
        score = text_score(expected.text, report.text)
        mismatched = {k: v for k, v in _truth(expected).items() if report.metadata()[k] != v}
        attachments = [(a.url, a.name, a.type) for a in report.attachments]
        if (score.f1 < 0.99 or mismatched or leaks(report.text)
                or attachments != [(a.url, a.name, a.type) for a in expected.attachments]):
            failures.append((expected.family, expected.url, round(score.f1, 4), mismatched, leaks(report.text)))
    assert failures == []


def test_portal_attachment_texts(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    files = [a for r in world.expected_reports() for a in r.attachments]
    assert {a.type for a in files} >= {"pdf", "docx"}
    for expected in files:
        response = _get(client, expected.url)
        record = extract_attachment(response.content, expected.name, response.headers.get("content-type"))
        if expected.text is None:
            assert record.text_status.startswith("text not extracted: "), expected.name
        else:
            assert record.text_status == "extracted", (expected.name, record.text_status)
            assert text_score(expected.text, record.text or "").f1 >= 0.99, expected.name


@pytest.mark.parametrize("family", ["trs", "hanweb", "ucap", "table", "jsonlist"])
def test_chrome_edits_keep_the_text_hash(portal_world: World, client: httpx.Client, family: str) -> None:
    expected = portal_world.expected_reports(family)[0]
    before = _get(client, expected.url)
    portal_world.edit_chrome(expected.url)
    after = _get(client, expected.url)
    assert before.content != after.content
    first = extract_page(before.content, expected.url, dict(before.headers))
    second = extract_page(after.content, expected.url, dict(after.headers))
    assert first.text_hash == second.text_hash
    portal_world.edit_text(expected.url)
    edited = _get(client, expected.url)
    assert extract_page(edited.content, expected.url, dict(edited.headers)).text_hash != first.text_hash


def test_soft_removed_page_has_no_report(portal_world: World, client: httpx.Client) -> None:
    expected = portal_world.expected_reports("ucap")[0]
    portal_world.remove(expected.url, soft=True)
    gone = _get(client, expected.url)
    assert gone.status_code == 200
    with pytest.raises(NoReportText):
        extract_page(gone.content, expected.url, dict(gone.headers))
