"""The portal's knobs (publish, edit, remove, slow, failing), world isolation, the request log and
the HTTP control API — each test in a world of its own."""

from __future__ import annotations

import httpx
import pytest

from govarchive.portal import PortalServer, World
from tests.fixtures.portal import body_text, column_links, decode


@pytest.fixture
def client() -> httpx.Client:
    with httpx.Client(timeout=30) as c:
        yield c


@pytest.mark.parametrize("family", ["trs", "hanweb", "ucap", "table", "jsonlist"])
def test_publish_puts_a_new_report_on_top(portal_world: World, client: httpx.Client, family: str) -> None:
    before = portal_world.expected_reports(family)
    report = portal_world.publish(family)
    assert report.url not in {r.url for r in before}
    assert portal_world.expected_reports(family)[0] == report
    links, _ = column_links(client, family, portal_world.family(family).list_url)
    assert links[0] == report.url
    page = decode(client.get(report.url))
    assert body_text(family, page) == report.text
    assert report.title in page and report.publisher in page


def test_publish_with_given_title_text_and_year(portal_world: World, client: httpx.Client) -> None:
    report = portal_world.publish("table", title="某某局2025年法治政府建设年度报告", text="第一段。\n\n第二段。", year=2025)
    assert (report.title, report.report_year, report.text) == ("某某局2025年法治政府建设年度报告", 2025, "第一段。\n第二段。")
    assert body_text("table", decode(client.get(report.url))) == "第一段。\n第二段。"
    with pytest.raises(ValueError, match="unknown family"):
        portal_world.publish("nope")


def test_edit_text_changes_the_text_and_the_etag(portal_world: World, client: httpx.Client) -> None:
    report = portal_world.expected_reports("trs")[1]
    first = client.get(report.url)
    edited = portal_world.edit_text(report.url)
    changed = [a for a, b in zip(edited.text.splitlines(), report.text.splitlines(), strict=True) if a != b]
    assert len(changed) == 1  # one figure corrected, as a real correction does
    second = client.get(report.url)
    assert second.headers["etag"] != first.headers["etag"]
    assert body_text("trs", decode(second)) == edited.text != body_text("trs", decode(first))
    assert client.get(report.url, headers={"If-None-Match": first.headers["etag"]}).status_code == 200
    assert client.get(report.url, headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 200
    replaced = portal_world.edit_text(report.url, "全新的正文。")
    assert replaced.text == "全新的正文。" == portal_world.expected_report(report.url).text


@pytest.mark.parametrize("family", ["trs", "hanweb", "table", "jsonlist", "ucap"])
def test_edit_chrome_changes_bytes_but_not_text(portal_world: World, client: httpx.Client, family: str) -> None:
    report = portal_world.expected_reports(family)[2]
    first = client.get(report.url)
    portal_world.edit_chrome(report.url)
    second = client.get(report.url)
    assert second.content != first.content
    if "etag" in first.headers:
        assert second.headers["etag"] != first.headers["etag"]
        assert client.get(report.url, headers={"If-None-Match": first.headers["etag"]}).status_code == 200
    assert body_text(family, decode(second)) == body_text(family, decode(first)) == report.text
    assert portal_world.expected_report(report.url) == report


def test_remove_soft_remove_and_restore(portal_world: World, client: httpx.Client) -> None:
    hard, soft = portal_world.expected_reports("hanweb")[1:3]
    portal_world.remove(hard.url)
    portal_world.remove(soft.url, soft=True)
    assert client.get(hard.url).status_code == 404
    for att in hard.attachments:
        assert client.get(att.url).status_code == 404
    gone = client.get(soft.url)
    assert gone.status_code == 200 and "该信息不存在或已删除" in decode(gone)
    assert soft.text[:50] not in decode(gone)
    listed = {r.url for r in portal_world.expected_reports("hanweb")}
    assert hard.url not in listed and soft.url not in listed
    links, _ = column_links(client, "hanweb", portal_world.family("hanweb").list_url)
    assert hard.url not in links and soft.url not in links
    portal_world.restore(hard.url)
    assert client.get(hard.url).status_code == 200
    assert hard.url in column_links(client, "hanweb", portal_world.family("hanweb").list_url)[0]


def test_failing_counts_down_with_retry_after(portal_world: World, client: httpx.Client) -> None:
    url = portal_world.family("trs").list_url
    other = portal_world.family("table").list_url
    portal_world.set_failing(503, family="trs", times=2, retry_after=7)
    for _ in range(2):
        resp = client.get(url)
        assert resp.status_code == 503 and resp.headers["retry-after"] == "7"
    assert client.get(other).status_code == 200
    assert client.get(url).status_code == 200
    portal_world.set_failing(500)
    assert client.get(other).status_code == 500 and client.get(url).status_code == 500
    assert client.get(portal_world.base_url + "/robots.txt").status_code == 200
    portal_world.reset()
    assert client.get(url).status_code == 200
    with pytest.raises(ValueError):
        portal_world.set_failing(200)


def test_slow_answers_outlast_a_short_timeout(portal_world: World) -> None:
    portal_world.set_slow(2.0, family="table")
    with httpx.Client(timeout=0.3) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            impatient.get(portal_world.family("table").list_url)
        assert impatient.get(portal_world.family("trs").list_url).status_code == 200
        portal_world.reset()
        assert impatient.get(portal_world.family("table").list_url).status_code == 200


def test_worlds_are_isolated(portal_server: PortalServer, portal_world: World, client: httpx.Client) -> None:
    other = portal_server.new_world("isolation-other")
    try:
        victim = portal_world.expected_reports("table")[0]
        twin = other.expected_reports("table")[0]
        assert victim.url != twin.url and victim.text == twin.text
        new = portal_world.publish("table")
        portal_world.remove(victim.url)
        portal_world.set_failing(503, family="trs")
        assert client.get(victim.url).status_code == 404
        assert client.get(twin.url).status_code == 200
        assert client.get(other.family("trs").list_url).status_code == 200
        assert client.get(portal_server.world().family("trs").list_url).status_code == 200
        assert new.title not in {r.title for r in other.expected_reports("table")}
        assert len(other.expected_reports("table")) == len(portal_server.world().expected_reports("table"))
        assert all(r.url.startswith(other.base_url + "/") for r in other.expected_reports())
    finally:
        portal_server.drop_world("isolation-other")


def test_request_log_records_conditional_headers(portal_world: World, client: httpx.Client) -> None:
    url = portal_world.expected_reports("trs")[0].url
    portal_world.clear_log()
    first = client.get(url, headers={"User-Agent": "govarchive-test/1"})
    client.get(url, headers={"If-None-Match": first.headers["etag"], "Cookie": "a=b"})
    client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    log = portal_world.request_log
    path = url.removeprefix(portal_world.base_url)
    assert [(r.method, r.path, r.status, r.family) for r in log] == [("GET", path, 200, "trs")] + [
        ("GET", path, 304, "trs")] * 2
    assert log[0].user_agent == "govarchive-test/1" and not log[0].cookie_present
    assert log[1].if_none_match == first.headers["etag"] and log[1].cookie_present
    assert log[2].if_modified_since == first.headers["last-modified"]
    portal_world.clear_log()
    assert portal_world.request_log == []


def test_http_control_api(portal_server: PortalServer, portal_world: World, client: httpx.Client) -> None:
    control = portal_world.base_url + "/_control"
    truth = client.get(control + "/truth").json()
    assert truth["base_url"] == portal_world.base_url
    assert len(truth["reports"]) == len(portal_world.expected_reports())
    assert {f["name"] for f in truth["families"]} == {f.name for f in portal_world.families}
    published = client.post(control + "/publish", json={"family": "jsonlist", "year": 2024}).json()
    assert published["report_year"] == 2024 and published["url"] == portal_world.expected_reports("jsonlist")[0].url
    edited = client.post(control + "/edit_text", json={"url": published["url"], "text": "改过的正文。"}).json()
    assert edited["text"] == "改过的正文。"
    assert client.post(control + "/remove", json={"url": published["url"], "soft": True}).json() == {"ok": True}
    assert "该信息不存在或已删除" in client.get(published["url"]).text
    assert client.post(control + "/set_failing", json={"status": 502, "family": "ucap", "times": 1}).json()["ok"]
    assert client.get(portal_world.family("ucap").list_url).status_code == 502
    log = client.get(control + "/log").json()["requests"]
    assert log[-1]["status"] == 502 and log[-1]["family"] == "ucap"
    assert client.post(control + "/publish", json={"family": "nope"}).status_code == 400
    assert client.post(control + "/publish", json={"bogus": 1}).status_code == 400
    assert client.post(control + "/no_such_knob", json={}).status_code == 404
    assert client.post(control + "/new_world", json={"name": "x"}).status_code == 404  # only at the root
    created = client.post(portal_server.url + "/_control/new_world", json={"name": "via-http"}).json()
    try:
        assert created["base_url"] == portal_server.url + "/w/via-http"
        assert client.get(created["base_url"] + "/_control/truth").json()["name"] == "via-http"
    finally:
        portal_server.drop_world("via-http")
