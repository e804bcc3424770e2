"""The HTML side: pages, escaping, sandboxed raw captures, login with CSRF, bundles, feeds, privacy."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from govarchive.web import create_app
from govarchive.web.app import open_backends
from tests.fixtures.web_archive import EVIL_TITLE, WEB_PASSWORD, WEB_TOKEN, WEB_USER, WebSite, web_settings

AUTH = {"Authorization": f"Bearer {WEB_TOKEN}"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client: TestClient) -> str:
    """Log in through the form; return the new session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"username": WEB_USER, "password": WEB_PASSWORD, "next": "/alerts", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts"
    return csrf_of(client.get("/alerts").text)


@pytest.mark.parametrize(
    "path",
    ["/", "/sources", "/sources/jianghan", "/reports", "/reports/1", "/reports/1/diff?from=1&to=2", "/search",
     "/search?q=法治政府", "/runs", "/alerts", "/bundles", "/docs", "/login"],
)
def test_pages_render(web_site: WebSite, path: str) -> None:
    page = web_site.client.get(path)
    assert page.status_code == 200, page.text[:300]
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_dashboard_shows_sources_charts_and_changes(web_site: WebSite) -> None:
    page = web_site.client.get("/").text
    assert "武汉市江汉区人民政府" in page and "西双版纳州人民政府" in page
    assert page.count("<svg") == 2 and "<rect" in page
    assert f'href="/reports/{web_site.ids.jianghan_id}/diff?to=2"' in page


def test_report_page_shows_metadata_versions_and_text(web_site: WebSite) -> None:
    page = web_site.client.get(f"/reports/{web_site.ids.jianghan_id}").text
    for expected in ["弥政报〔2022〕12号", "000014348/2022-01024", "武汉市江汉区人民政府", "2023", "第 2 版",
                     "全年共受理办件7012件", "/reports/1/diff?from=1&amp;to=2", "/reports/1/versions/1/raw"]:
        assert expected in page, expected
    older = web_site.client.get(f"/reports/{web_site.ids.jianghan_id}?version=1").text
    assert "全年共受理办件6837件" in older
    assert web_site.client.get(f"/reports/{web_site.ids.jianghan_id}?version=7").status_code == 404


def test_archived_html_stays_text(web_site: WebSite) -> None:
    page = web_site.client.get(f"/reports/{web_site.ids.evil_id}").text
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;江汉区&lt;/b&gt;" in page
    search = web_site.client.get("/search", params={"q": "script"}).text
    assert "<script>alert" not in search and "&lt;<mark>script</mark>&gt;" in search
    dashboard = web_site.client.get("/").text
    assert EVIL_TITLE not in dashboard


def test_diff_page_highlights_characters(web_site: WebSite) -> None:
    page = web_site.client.get(f"/reports/{web_site.ids.jianghan_id}/diff", params={"from": 1, "to": 2}).text
    assert re.search(r"<del>[^<]*68[^<]*</del>", page)
    assert "<ins>三是深化行政复议体制改革" in page or "<ins>" in page and "行政复议" in page
    assert "全年共受理办件" in page
    assert 'class="replace"' in page


def test_raw_capture_is_sandboxed_text(web_site: WebSite) -> None:
    page = web_site.client.get(f"/reports/{web_site.ids.evil_id}/versions/1/raw").text
    match = re.search(r'<iframe class="raw" sandbox="" src="(/raw/[0-9a-f]{64})"', page)
    assert match, "raw capture not in a sandboxed frame"
    raw = web_site.client.get(match.group(1))
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "text/plain; charset=utf-8"
    assert raw.headers["content-security-policy"] == "sandbox"
    assert "<script>alert(1)</script>" in raw.text  # the source, as text, never as our page
    assert web_site.client.get("/raw/" + "0" * 64).status_code == 404  # well-formed, not in the catalog
    assert web_site.client.get("/raw/..%2F..%2Fcatalog.db").status_code == 404
    assert web_site.client.get("/raw/../../catalog.db").status_code == 404


def test_attachment_download(web_site: WebSite) -> None:
    report = web_site.client.get(f"/api/reports/{web_site.ids.xsbn_id}").json()
    attachment = report["versions"][0]["attachments"][0]
    got = web_site.client.get(f"/reports/{web_site.ids.xsbn_id}/versions/1/attachments/0")
    assert got.status_code == 200
    assert got.content.startswith(b"%PDF-1.4") and len(got.content) == attachment["size"]
    assert "attachment" in got.headers["content-disposition"]
    text = web_site.client.get(f"/reports/{web_site.ids.xsbn_id}/versions/1/attachments/0/text")
    assert "行政执法统计" in text.text
    assert web_site.client.get(f"/reports/{web_site.ids.xsbn_id}/versions/1/attachments/5").status_code == 404


def test_forms_refuse_anonymous_and_missing_csrf(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    refused = client.post("/alerts", data={"url": "json://127.0.0.1:9/x"})
    assert refused.status_code == 401 and "登录" in refused.text
    token = login(client)
    no_csrf = client.post("/alerts", data={"url": "json://127.0.0.1:9/x"})
    assert no_csrf.status_code == 403
    forged = client.post("/alerts", data={"url": "json://127.0.0.1:9/x", "csrf_token": "forged"})
    assert forged.status_code == 403
    made = client.post(
        "/alerts", data={"url": "json://127.0.0.1:9/x", "keyword": "复议", "events": ["new", "changed"], "csrf_token": token},
        follow_redirects=False,
    )
    assert made.status_code == 303 and "已添加" in unquote(made.headers["location"])
    page = client.get("/alerts").text
    assert "复议" in page and "json://127.0.0.1:9/" in page
    # A session cookie is no API token: JSON writes with it also need the CSRF header.
    assert client.post("/api/subscriptions", json={"url": "json://127.0.0.1:9/y"}).status_code == 403
    assert client.post(
        "/api/subscriptions", json={"url": "json://127.0.0.1:9/y"}, headers={"X-CSRF-Token": token}
    ).status_code == 201


def test_login_rejects_bad_password_and_tampered_cookie(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    token = csrf_of(client.get("/login").text)
    bad = client.post("/login", data={"username": WEB_USER, "password": "wrong", "csrf_token": token})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    login(client)
    cookie = client.cookies.get("govarchive_session")
    assert cookie
    payload, _, signature = cookie.rpartition(".")
    forged = TestClient(web_site.client.app, cookies={"govarchive_session": payload + "." + signature[::-1]})
    assert forged.post("/alerts/1/remove", data={"csrf_token": token}).status_code == 401
    assert "退出" not in forged.get("/").text
    open_redirect = client.post(
        "/login", data={"username": WEB_USER, "password": WEB_PASSWORD, "next": "//evil.example/", "csrf_token":
                        csrf_of(client.get("/login").text)}, follow_redirects=False,
    )
    assert open_redirect.headers["location"] == "/"


def test_bundle_create_list_and_ranged_download(web_site: WebSite) -> None:
    made = web_site.client.post("/api/bundles", json={"sources": ["jianghan"], "include": ["text", "raw"]}, headers=AUTH)
    assert made.status_code == 201, made.text
    bundle = made.json()
    assert bundle["reports"] >= 2 and bundle["format"] == "zip" and "path" not in bundle
    listed = web_site.client.get("/api/bundles").json()["items"]
    assert listed[0]["id"] == bundle["id"]
    whole = web_site.client.get(bundle["download"])
    assert whole.status_code == 200 and len(whole.content) == bundle["size"]
    assert whole.headers["accept-ranges"] == "bytes"
    names = zipfile.ZipFile(BytesIO(whole.content)).namelist()
    assert "bagit.txt" in [n.rsplit("/", 1)[-1] for n in names]
    part = web_site.client.get(bundle["download"], headers={"Range": "bytes=10-29"})
    assert part.status_code == 206 and part.content == whole.content[10:30]
    assert web_site.client.post("/api/bundles", json={"sources": ["nope"]}, headers=AUTH).status_code == 422
    assert web_site.client.get("/bundles/9999/download").status_code == 404
    page = web_site.client.get("/bundles").text
    assert bundle["download"] in page


def test_feeds(web_site: WebSite) -> None:
    feed = web_site.client.get("/feeds/all.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert "<feed" in feed.text and "西双版纳州人民政府办公室2024年法治政府建设工作情况报告" in feed.text
    per_source = web_site.client.get("/feeds/sources/xsbn.atom").text
    assert "西双版纳" in per_source and "弥勒市人民政府关于2021年" not in per_source
    assert web_site.client.get("/feeds/sources/nope.atom").status_code == 404
    made = web_site.client.post("/api/subscriptions", json={"url": "json://127.0.0.1:9/f", "source": "xsbn"}, headers=AUTH)
    sub_feed = web_site.client.get(made.json()["feed"])
    assert sub_feed.status_code == 200 and "西双版纳" in sub_feed.text
    assert web_site.client.get("/feeds/subscriptions/99999.atom").status_code == 404


def test_private_reading_needs_login(tmp_path_factory: pytest.TempPathFactory, web_site: WebSite) -> None:
    settings = web_settings(tmp_path_factory.mktemp("private-home"), public_read=False)
    engine, store = open_backends(settings)
    with TestClient(create_app(settings, engine=engine, store=store, background_sync=False)) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
        assert client.get("/api/reports").status_code == 401
        assert client.get("/feeds/all.atom").status_code == 401
        assert client.get("/static/style.css").status_code == 200
        assert client.get("/api/reports", headers=AUTH).status_code == 200
        login(client)
        assert client.get("/").status_code == 200
    engine.dispose()
