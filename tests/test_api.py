"""The HTTP API over a real archive (SQLite catalog, folder store) through FastAPI's TestClient."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.archive import Pages, html
from tests.fixtures.web_archive import JIANGHAN_URL, WEB_TOKEN, WebSite

CLI_REPORT_FIELDS = {
    "id", "source", "url", "title", "publisher", "pub_date", "report_year", "versions", "first_seen", "last_changed",
}
AUTH = {"Authorization": f"Bearer {WEB_TOKEN}"}


@pytest.fixture
def site(web_site: WebSite) -> WebSite:
    return web_site


def test_reports_list_uses_the_cli_field_names(site: WebSite) -> None:
    body = site.client.get("/api/reports").json()
    assert body["total"] == 3
    assert {item["id"] for item in body["items"]} == {site.ids.jianghan_id, site.ids.xsbn_id, site.ids.evil_id}
    for item in body["items"]:
        assert set(item) >= CLI_REPORT_FIELDS
    jianghan = next(i for i in body["items"] if i["id"] == site.ids.jianghan_id)
    assert jianghan["versions"] == 2
    assert jianghan["source"] == "jianghan"
    assert jianghan["pub_date"] == "2024-03-28"


def test_reports_list_filters_and_paginates(site: WebSite) -> None:
    first = site.client.get("/api/reports", params={"limit": 2, "order": "id"}).json()
    assert [i["id"] for i in first["items"]] == [1, 2]
    assert first["next_offset"] == 2
    rest = site.client.get("/api/reports", params={"limit": 2, "offset": 2, "order": "id"}).json()
    assert [i["id"] for i in rest["items"]] == [3]
    assert rest["next_offset"] is None
    by_year = site.client.get("/api/reports", params={"year": 2024}).json()
    assert [i["id"] for i in by_year["items"]] == [site.ids.xsbn_id]
    by_source = site.client.get("/api/reports", params={"source": "xsbn"}).json()
    assert by_source["total"] == 1
    assert site.client.get("/api/reports", params={"limit": 100000}).status_code == 422


def test_report_detail_versions_and_text(site: WebSite) -> None:
    report = site.client.get(f"/api/reports/{site.ids.jianghan_id}").json()
    assert [v["number"] for v in report["versions"]] == [1, 2]
    assert report["doc_no"] == "弥政报〔2022〕12号"
    assert report["index_no"] == "000014348/2022-01024"
    versions = site.client.get(f"/api/reports/{site.ids.jianghan_id}/versions").json()
    assert versions["total"] == 2
    second = site.client.get(f"/api/reports/{site.ids.jianghan_id}/versions/2").json()
    assert "全年共受理办件7012件" in second["text"]
    assert site.client.get(f"/api/reports/{site.ids.jianghan_id}/versions/9").status_code == 404
    assert site.client.get("/api/reports/999999").status_code == 404


def test_diff_is_character_level_for_chinese(site: WebSite) -> None:
    diff = site.client.get(f"/api/reports/{site.ids.jianghan_id}/diff", params={"from": 1, "to": 2}).json()
    assert diff["from"] == 1 and diff["to"] == 2
    replaced = [op for op in diff["ops"] if op["op"] == "replace"]
    inserted = "".join(p["text"] for op in replaced for p in op["parts"] if p["op"] == "insert")
    removed = "".join(p["text"] for op in replaced for p in op["parts"] if p["op"] == "delete")
    assert "按时办结率100%" in inserted and "012" in inserted and "68" in removed
    assert "全年共受理办件" not in inserted  # the shared characters are not marked
    assert diff["summary"]["chars_added"] > 0
    single = site.client.get(f"/api/reports/{site.ids.xsbn_id}/diff")
    assert single.status_code == 422


def test_search_finds_chinese_phrases_with_filters(site: WebSite) -> None:
    hits = site.client.get("/api/search", params={"q": "行政复议"}).json()
    assert [i["id"] for i in hits["items"]] == [site.ids.jianghan_id]
    assert "行政复议" in hits["items"][0]["snippet"]
    assert set(hits["items"][0]) >= {"id", "source", "url", "title", "publisher", "pub_date", "report_year"}
    short = site.client.get("/api/search", params={"q": "版纳"}).json()  # under three characters: LIKE
    assert [i["id"] for i in short["items"]] == [site.ids.xsbn_id]
    both = site.client.get("/api/search", params={"q": "法治政府建设"}).json()
    assert both["total"] == 3
    assert site.client.get("/api/search", params={"q": "法治政府建设", "source": "xsbn"}).json()["total"] == 1
    assert site.client.get("/api/search", params={"q": "法治政府建设", "year": 2023}).json()["total"] == 2
    assert site.client.get("/api/search", params={"q": "法治政府建设", "region": "云南省"}).json()["total"] == 1
    assert site.client.get("/api/search", params={"q": "法治政府建设", "level": "county"}).json()["total"] == 2
    assert site.client.get("/api/search", params={"q": "不存在的短语"}).json()["total"] == 0
    # FTS syntax in the query is taken literally, never as an operator
    assert site.client.get("/api/search", params={"q": 'NEAR("x" OR *'}).status_code == 200


def test_search_index_follows_new_versions(site: WebSite) -> None:
    pages = Pages()
    pages.clock = pages.clock.replace(year=2026)
    text = "江汉区2025年法治政府建设情况报告\n新增内容：推行柔性执法清单制度。\n"
    site.archive.record_report(
        "jianghan", pages.page(JIANGHAN_URL.replace("_1.html", "_9.html"), html(text)),
        Pages.report(text, title="江汉区2025年法治政府建设情况报告", report_year=2025),
    )
    found = site.client.get("/api/search", params={"q": "柔性执法清单"}).json()
    assert found["total"] == 1
    assert found["items"][0]["title"] == "江汉区2025年法治政府建设情况报告"


def test_changes_feed_cursor(site: WebSite) -> None:
    first = site.client.get("/api/changes", params={"after": 0, "limit": 2}).json()
    assert [e["kind"] for e in first["items"]] == ["new", "changed"]
    assert first["items"][0]["report_id"] == site.ids.jianghan_id
    assert first["next_cursor"] == first["items"][-1]["id"]
    assert first["has_more"] is True
    rest = site.client.get("/api/changes", params={"after": first["next_cursor"], "limit": 1000}).json()
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    end = site.client.get("/api/changes", params={"after": rest["next_cursor"]}).json()
    assert end["items"] == [] and end["next_cursor"] == rest["next_cursor"]


def test_sources_and_runs(site: WebSite) -> None:
    sources = {s["name"]: s for s in site.client.get("/api/sources").json()["items"]}
    assert sources["jianghan"]["reports"] >= 2
    assert sources["jianghan"]["region"] == "湖北省武汉市"
    assert sources["xsbn"]["last_run"]["new"] == 1
    runs = site.client.get("/api/runs").json()["items"]
    assert runs[0]["id"] == site.ids.run_id
    assert {p["name"] for p in runs[0]["per_source"]} == {"jianghan", "xsbn"}
    assert site.client.get("/api/sources/nope").status_code == 404


def test_state_changes_need_a_token(site: WebSite) -> None:
    for method, path, body in [
        ("post", "/api/bundles", {}),
        ("post", "/api/subscriptions", {"url": "json://127.0.0.1:9/hook"}),
        ("post", "/api/sources", {"name": "x", "start_urls": ["http://example.gov.cn/"]}),
        ("post", "/api/sources/jianghan/crawl", None),
        ("delete", "/api/subscriptions/1", None),
    ]:
        anonymous = site.client.request(method, path, json=body)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["www-authenticate"] == "Bearer"
        wrong = site.client.request(method, path, json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401, path
    assert site.client.post("/bundles", data={}).status_code == 401
    assert site.client.post("/sources/jianghan/crawl", data={}).status_code == 401


def test_subscriptions_through_the_api(site: WebSite) -> None:
    bad = site.client.post("/api/subscriptions", json={"url": "nonsense"}, headers=AUTH)
    assert bad.status_code == 422
    made = site.client.post(
        "/api/subscriptions",
        json={"url": "json://127.0.0.1:9/hook?secret=abc", "source": "jianghan", "keyword": "复议", "label": "法制办"},
        headers=AUTH,
    )
    assert made.status_code == 201, made.text
    sub = made.json()
    assert "abc" not in json.dumps(sub)
    listed = site.client.get("/api/subscriptions").json()["items"]
    assert any(s["id"] == sub["id"] and s["keyword"] == "复议" for s in listed)
    assert site.client.delete(f"/api/subscriptions/{sub['id']}", headers=AUTH).status_code == 200
    assert site.client.delete(f"/api/subscriptions/{sub['id']}", headers=AUTH).status_code == 404


def test_add_source_writes_toml(site: WebSite) -> None:
    body = {"name": "xiangshan-test", "start_urls": ["https://www.xiangshan.gov.cn/col/col1229673407/index.html"],
            "title": "象山县", "region": "浙江省宁波市", "level": "county"}
    made = site.client.post("/api/sources", json=body, headers=AUTH)
    assert made.status_code == 201, made.text
    path = Path(made.json()["path"])
    assert path.parent == site.settings.sources_dir
    assert "xiangshan.gov.cn" in path.read_text(encoding="utf-8")
    again = site.client.post("/api/sources", json=body, headers=AUTH)
    assert again.status_code == 422 and "already exists" in again.json()["detail"]
    bad = site.client.post("/api/sources", json={**body, "name": "Bad Name"}, headers=AUTH)
    assert bad.status_code == 422


def test_crawl_of_unknown_source_is_refused(site: WebSite) -> None:
    assert site.client.post("/api/sources/no-such-source/crawl", headers=AUTH).status_code == 404


def test_openapi_and_docs(site: WebSite) -> None:
    schema = site.client.get("/openapi.json").json()
    for path in ["/api/sources", "/api/reports", "/api/reports/{report_id}", "/api/reports/{report_id}/versions",
                 "/api/reports/{report_id}/diff", "/api/search", "/api/changes", "/api/runs", "/api/bundles",
                 "/api/subscriptions"]:
        assert path in schema["paths"], path
    docs = site.client.get("/docs")
    assert docs.status_code == 200 and "/api/changes" in docs.text
    assert "cdn" not in docs.text.lower()
