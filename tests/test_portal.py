"""The simulated portal over real HTTP: lists and pagination, markup, encodings, validators, the JS
challenge, attachments, search, robots/sitemap and ground truth."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
from collections import Counter

import docx
import httpx
import pypdf
import pytest
from protego import Protego

from archive.textnorm import normalise_text
from govarchive.portal import COOKIE_S, COOKIE_T, FAMILY_NAMES, PortalServer, World, solve_page
from tests.fixtures.portal import body_text, column_links, decode, meta, solve_challenge


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def client() -> httpx.Client:
    with httpx.Client(timeout=30) as c:
        yield c


@pytest.fixture
def passed_client(portal_server: PortalServer) -> httpx.Client:
    """A client holding a solved challenge cookie pair."""
    with httpx.Client(timeout=30) as c:
        solve_challenge(c, portal_server.world().family("challenge").list_url)
        yield c


# ---------------------------------------------------------------- lists, pagination, ground truth

@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_column_walk_finds_exactly_the_listed_items(portal_server: PortalServer, passed_client: httpx.Client,
                                                     family: str) -> None:
    world = portal_server.world()
    links, pages = column_links(passed_client, family, world.family(family).list_url)
    expected = [r.url for r in world.expected_reports(family)] + [n.url for n in world.non_reports(family)]
    assert pages >= 2, "default scale must still paginate"
    assert len(links) == len(set(links))
    assert set(links) == set(expected)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_report_pages_match_ground_truth(portal_server: PortalServer, passed_client: httpx.Client,
                                         family: str) -> None:
    world = portal_server.world()
    reports = world.expected_reports(family)
    assert len(reports) >= 6
    for report in reports:
        resp = passed_client.get(report.url)
        assert resp.status_code == 200, report.url
        page = decode(resp)
        assert body_text(family, page) == report.text, report.url
        assert meta(page, "ArticleTitle") == report.title
        assert (meta(page, "ContentSource") or meta(page, "contentSource")) == report.publisher
        assert (meta(page, "PubDate") or "").startswith(report.pub_date.isoformat())
        assert meta(page, "SiteName") == report.site_name
        for att in report.attachments:
            assert att.name in page


def test_ground_truth_carries_the_seed_reports(portal_server: PortalServer) -> None:
    reports = {r.seed: r for r in portal_server.world().expected_reports() if r.seed}
    assert set(reports) == {"000", "001", "002", "003", "004"}
    xsbn = reports["000"]
    assert (xsbn.family, xsbn.title) == ("table", "西双版纳州人民政府办公室2024年法治政府建设工作情况报告")
    assert str(xsbn.written_date) == "2025-01-08" and xsbn.text.endswith("西双版纳州人民政府办公室\n2025年1月8日")
    mile = reports["001"]
    assert (mile.family, mile.doc_no, mile.index_no, str(mile.pub_date), mile.report_year) == (
        "hanweb", "弥政报〔2022〕12号", "000014348/2022-01024", "2022-03-29", 2021)
    assert not mile.text.startswith("- ") and "索引号" not in mile.text
    assert mile.title not in mile.text.splitlines()
    gucheng = reports["002"]
    assert gucheng.family == "ucap" and gucheng.report_year == 2024
    assert not any(m in gucheng.text for m in ("责任编辑", "扫一扫在手机打开当前页", "相关新闻"))
    jiangbei = reports["003"]
    assert (jiangbei.family, str(jiangbei.pub_date)) == ("trs", "2025-03-28")
    assert jiangbei.url.endswith("/202503/t20250328_14452968.html")
    assert [a.type for a in jiangbei.attachments] == ["pdf"]
    xiangshan = reports["004"]
    assert (xiangshan.family, str(xiangshan.pub_date)) == ("hanweb", "2025-03-25")
    assert xiangshan.url.endswith("/art/2025/3/25/art_1229673407_4622334.html")


def test_generated_reports_differ_and_name_their_year_and_body(portal_server: PortalServer) -> None:
    reports = [r for r in portal_server.world().expected_reports() if r.seed is None and not r.text_in_attachment]
    assert len(reports) >= 30
    assert len({r.text for r in reports}) == len(reports)
    assert len({r.title for r in reports}) == len(reports)
    for r in reports:
        assert str(r.report_year) in r.title
        assert r.text.startswith(f"{r.report_year}年"), r.title
        assert r.publisher in r.text.splitlines()[0]
        assert 2019 <= r.report_year <= 2025
    assert {r.report_year for r in reports} >= {2019, 2020, 2021, 2022, 2023, 2024, 2025}


def test_every_column_mixes_in_non_reports(portal_server: PortalServer) -> None:
    world = portal_server.world()
    for family in FAMILY_NAMES:
        categories = Counter(n.category for n in world.non_reports(family))
        assert set(categories) == {"gov_info_annual", "interpretation", "notice", "news"}, family
    titles = [n.title for n in world.non_reports()]
    assert any("政府信息公开工作年度报告" in t for t in titles)
    assert any("印发" in t and "通知" in t for t in titles)


def test_same_seed_same_world() -> None:
    a, b = PortalServer(seed=7), PortalServer(seed=7)
    c = PortalServer(seed=8)
    texts = [[(r.url, r.title, r.text) for r in s.world().expected_reports()] for s in (a, b, c)]
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]


# ---------------------------------------------------------------- family markup

def test_trs_pages_are_gbk_and_defeat_a_gb2312_decoder(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    for url in (world.family("trs").list_url, world.expected_reports("trs")[0].url):
        resp = client.get(url)
        assert resp.headers["content-type"] == "text/html; charset=GBK"
        assert b'content="text/html; charset=gb2312"' in resp.content
        with pytest.raises(UnicodeDecodeError):
            resp.content.decode("gb2312")
        with pytest.raises(UnicodeDecodeError):
            resp.content.decode("utf-8")
        page = resp.content.decode("gb18030")
        assert "繁體" in page and "重庆市江北区人民政府" in page


def test_trs_markup(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    page = decode(client.get(world.family("trs").list_url))
    assert re.search(r'createPageHTML\(\d+,0,"index","html"\)', page)
    long_titles = re.findall(r'<li><a href="\./\d{6}/t\d{8}_\d+\.html" target="_blank" title="([^"]+)">([^<]+)</a>'
                             r"<span>\d{4}-\d{2}-\d{2}</span></li>", page)
    assert long_titles and any(short.endswith("...") and full.startswith(short[:-3]) for full, short in long_titles)
    report = next(r for r in world.expected_reports("trs") if r.seed == "003")
    article = decode(client.get(report.url))
    assert re.search(r'<div class="TRS_Editor"><style type="text/css">\.TRS_Editor P\{', article)
    assert re.search(r'<meta name="others" content="页面生成时间 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d"', article)
    pdf = report.attachments[0]
    href = re.search(r'<a href="(\./P0\d+\.pdf)"', article).group(1)  # type: ignore[union-attr]
    assert httpx.URL(report.url).join(href) == httpx.URL(pdf.url)


def test_hanweb_column_datastore_and_disclosure_table(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    column = decode(client.get(world.family("hanweb").list_url))
    assert '<script type="text/xml"><datastore><nextgroup><![CDATA[' in column
    assert re.search(r"jpageform_(\d+)", column)
    assert len(re.findall(r"<record><!\[CDATA\[<li><a href=", column)) < len(world.listing("hanweb"))
    report = next(r for r in world.expected_reports("hanweb") if r.seed == "001")
    page = decode(client.get(report.url))
    cells = re.findall(r'<td class="xxgk_label"[^>]*>([^<]*)</td><td class="xxgk_value"[^>]*>([^<]*)</td>', page)
    table = {re.sub(r"[\s\u3000：:]", "", label): value for label, value in cells}
    assert any("\u3000" in label for label, _ in cells)
    assert table == {"索引号": "000014348/2022-01024", "发布机构": "弥勒市人民政府", "文号": "弥政报〔2022〕12号",
                     "发布日期": "2022-03-29", "有效性": "有效", "成文日期": "2022年03月16日"}
    assert meta(page, "contentSource") == "弥勒市人民政府"
    assert (meta(page, "url") or "").startswith("http://www.xiangshan.gov.cn/art/2022/3/29/")
    docx_report = next(r for r in world.expected_reports("hanweb") if r.seed == "004")
    assert "/module/download/downfile.jsp?classid=0&amp;filename=" in decode(client.get(docx_report.url))


def test_hanweb_data_proxy_pages(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    proxy = world.base_url + "/hanweb/module/web/jpage/dataproxy.jsp"
    form = {"col": "1", "appid": "1", "webid": "3185", "columnid": "1229673407", "unitid": "7716293"}
    resp = client.post(f"{proxy}?startrecord=11&endrecord=13&perpage=5", data=form)
    assert resp.headers["content-type"].startswith("text/xml")
    listed = world.listing("hanweb")
    assert f"<totalrecord>{len(listed)}</totalrecord>" in resp.text
    hrefs = re.findall(r'<record><!\[CDATA\[<li><a href="([^"]+)"', resp.text)
    assert [world.base_url + h for h in hrefs] == [world.base_url + i.path for i in listed[10:13]]
    wrong = client.post(f"{proxy}?startrecord=1&endrecord=5&perpage=5", data={**form, "columnid": "1"})
    assert "<record>" not in wrong.text


def test_ucap_pages_change_on_every_request_and_carry_chrome(portal_server: PortalServer,
                                                             client: httpx.Client) -> None:
    world = portal_server.world()
    report = next(r for r in world.expected_reports("ucap") if r.seed == "002")
    first, second = client.get(report.url), client.get(report.url)
    assert first.content != second.content
    assert "etag" not in first.headers and "last-modified" not in first.headers
    page = decode(first)
    for chrome in ("扫一扫在手机打开当前页", "【字体：", "打印本页", "关闭窗口", "责任编辑：", "相关新闻", "分享到：",
                   "网站标识码", "ICP备", "公网安备", "版权所有", "网站地图", "jiucuo.js", "今天是：", "浏览次数："):
        assert chrome in page, chrome
    assert '<div class="article_content">\n<UCAPCONTENT>' in page
    assert body_text("ucap", page) == body_text("ucap", decode(second)) == report.text
    listing = decode(client.get(world.family("ucap").list_url))
    assert ">下一页</a>" in listing and "?page=2" in listing


def test_table_layout_article(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    report = next(r for r in world.expected_reports("table") if r.seed == "000")
    assert report.url.endswith("/table/101.news.detail.dhtml?news_id=2938280")
    page = decode(client.get(report.url))
    row = re.search(r'<td class="content" id="zoom".*?</tr>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "<br>" in row and "打印" in row and "关闭" in row and "字体：" in row
    assert report.attachments[0].type == "doc" and report.attachments[0].name in page


def test_jsonlist_column_is_empty_until_scripted(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    page = decode(client.get(world.family("jsonlist").list_url))
    assert '<ul id="list" class="news-list"></ul>' in page
    assert world.family("jsonlist").needs_js
    api = client.get(world.base_url + "/jsonlist/api/list", params={"page": 1}).json()
    assert set(api) == {"page", "pages", "total", "items"}
    assert api["total"] == len(world.listing("jsonlist"))
    assert set(api["items"][0]) == {"title", "url", "date"}
    assert client.get(world.base_url + "/jsonlist/api/list", params={"page": 99}).status_code == 400


# ---------------------------------------------------------------- validators

def _static_urls(world: World) -> dict[str, str]:
    reports = world.expected_reports()
    by = {r.seed: r for r in reports if r.seed}
    return {
        "trs-list": world.family("trs").list_url,
        "trs-article": by["003"].url,
        "trs-pdf": by["003"].attachments[0].url,
        "hanweb-column": world.family("hanweb").list_url,
        "hanweb-article": by["001"].url,
        "hanweb-docx": by["004"].attachments[0].url,
        "table-list": world.family("table").list_url,
        "table-article": by["000"].url,
        "table-doc": by["000"].attachments[0].url,
    }


@pytest.mark.parametrize("kind", ["trs-list", "trs-article", "trs-pdf", "hanweb-column", "hanweb-article",
                                  "hanweb-docx", "table-list", "table-article", "table-doc"])
def test_conditional_requests_answer_304(portal_server: PortalServer, client: httpx.Client, kind: str) -> None:
    url = _static_urls(portal_server.world())[kind]
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(url)
    assert again.headers["etag"] == etag and again.content == first.content
    by_tag = client.get(url, headers={"If-None-Match": etag})
    assert by_tag.status_code == 304 and by_tag.content == b""
    assert client.get(url, headers={"If-None-Match": f'W/"x", {etag}'}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"}).status_code == 200


# ---------------------------------------------------------------- challenge

def test_challenge_answers_412_until_the_js_cookie_is_sent(portal_server: PortalServer) -> None:
    world = portal_server.world()
    url = world.family("challenge").list_url
    with httpx.Client(timeout=30) as c:
        first = c.get(url)
        assert first.status_code == 412
        assert re.search(r'<meta content="[^"]{100,}" r="m">', first.text)
        assert re.search(r"<script r='m'>\$_ts=window\['\$_ts'\];if\(!\$_ts\)\$_ts=\{\};\$_ts\.nsd=\d+;\$_ts\.cd=\"",
                         first.text)
        assert COOKIE_S in c.cookies
        script = re.search(r'src="([^"]+\.js)" r=\'m\'', first.text).group(1)  # type: ignore[union-attr]
        js = c.get(httpx.URL(url).join(script))
        assert js.status_code == 200 and "document.cookie" in js.text and "Math.imul" in js.text
        c.cookies.set(COOKIE_T, "0")
        assert c.get(url).status_code == 412
        c.cookies.set(COOKIE_T, solve_page(first.text))
        listed = c.get(url)
        assert listed.status_code == 200 and "createPageHTML" in listed.text
        earned = {COOKIE_S: c.cookies[COOKIE_S], COOKIE_T: c.cookies[COOKIE_T]}
    report = world.expected_reports("challenge")[0]
    assert httpx.get(report.url, cookies=earned).status_code == 200  # reusable by a plain HTTP client
    assert httpx.get(report.url).status_code == 412
    forged = {COOKIE_S: "0123456789abcdef.0000000000000000", COOKIE_T: earned[COOKIE_T]}
    assert httpx.get(report.url, cookies=forged).status_code == 412


# ---------------------------------------------------------------- attachments

def test_attachments_give_their_text_back(portal_server: PortalServer, passed_client: httpx.Client) -> None:
    seen: Counter[str] = Counter()
    for report in portal_server.world().expected_reports():
        for att in report.attachments:
            resp = passed_client.get(att.url)
            assert resp.status_code == 200, att.url
            seen[att.type] += 1
            if att.type == "pdf":
                assert resp.headers["content-type"] == "application/pdf"
                text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(resp.content)).pages)
                assert _squash(text) == _squash(att.text or "")
            elif att.type == "docx":
                paragraphs = [p.text for p in docx.Document(io.BytesIO(resp.content)).paragraphs]
                assert normalise_text("\n".join(paragraphs)) == att.text
            else:
                assert resp.content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and att.text is None
            assert att.text is None or att.text.startswith(report.title)
    assert set(seen) == {"pdf", "docx", "doc", "wps"}


def test_stub_report_has_its_text_in_the_pdf(portal_server: PortalServer, client: httpx.Client) -> None:
    stubs = [r for r in portal_server.world().expected_reports() if r.text_in_attachment]
    assert len(stubs) == 1
    stub = stubs[0]
    assert len(stub.text) < 200 and "予以公开" in stub.text
    assert body_text("trs", decode(client.get(stub.url))) == stub.text
    assert len(stub.full_text) > 2000 and stub.full_text == stub.attachments[0].text
    pdf = pypdf.PdfReader(io.BytesIO(client.get(stub.attachments[0].url).content))
    assert _squash(stub.full_text)[:300] in _squash("".join(p.extract_text() for p in pdf.pages))


# ---------------------------------------------------------------- search, robots, sitemap, trap

def test_trs_search(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    search = world.family("trs").search_url
    assert search is not None
    target = next(r for r in world.expected_reports("trs") if r.seed == "003")
    hits = decode(client.get(search, params={"searchword": "江北区人民政府办公室2024", "channelid": "1"}))
    assert target.url.removeprefix(world.base_url) in hits
    gbk_query = "searchword=" + "".join(f"%{b:02X}" for b in "江北区人民政府办公室2024".encode("gbk"))
    assert target.url.removeprefix(world.base_url) in decode(client.get(f"{search}?{gbk_query}"))
    assert "共找到 <b>0</b> 条结果" in decode(client.get(search, params={"searchword": "不存在的词语组合"}))


def test_robots_sitemap_and_calendar_trap(portal_server: PortalServer, client: httpx.Client) -> None:
    world = portal_server.world()
    robots = client.get(portal_server.url + "/robots.txt").text
    rules = Protego.parse(robots)
    assert rules.can_fetch(world.family("trs").list_url, "govarchive")
    assert rules.can_fetch(world.expected_reports("table")[0].url, "govarchive")
    assert not rules.can_fetch(portal_server.url + "/_control/truth", "govarchive")
    assert not rules.can_fetch(portal_server.url + "/w/t9/_control/truth", "govarchive")
    calendar = world.base_url + "/trs/calendar/2025-01-01.html"
    assert not rules.can_fetch(calendar, "govarchive")
    day = client.get(calendar)
    assert day.status_code == 200 and 'href="2025-01-02.html"' in decode(day)
    assert "/calendar/2025-01-01.html" in decode(client.get(world.family("table").list_url))
    assert list(rules.sitemaps) == [portal_server.url + "/sitemap.xml"]
    sitemap = client.get(portal_server.url + "/sitemap.xml").text
    locs = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    expected = {r.url for r in world.expected_reports()} | {f.list_url for f in world.families}
    assert {loc.replace("&amp;", "&") for loc in locs} >= expected


def test_unknown_paths_answer_404(portal_server: PortalServer, client: httpx.Client) -> None:
    base = portal_server.url
    assert client.get(base + "/nowhere").status_code == 404
    assert client.get(base + "/trs/zwgk_190/fzzfjsndbg/202503/t20250328_1.html").status_code == 404
    assert client.get(base + "/trs/zwgk_190/fzzfjsndbg/index_99.html").status_code == 404
    assert client.get(base + "/w/no-such-world/trs/index.html").status_code == 404


# ---------------------------------------------------------------- scale and standalone

def test_scale_two_thousand_reports() -> None:
    server = PortalServer(scale=334)
    world = server.world()
    assert len(world.expected_reports()) == 6 * 334
    with server:
        with httpx.Client(timeout=30) as c:
            links, pages = column_links(c, "table", world.family("table").list_url)
        assert pages >= 20
        assert set(links) >= {r.url for r in world.expected_reports("table")}
    with pytest.raises(ValueError, match="exceeds"):
        PortalServer(scale=100_000)


def test_runs_standalone_until_sigterm() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "govarchive.portal", "--port", "0"], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert "/trs/zwgk_190/fzzfjsndbg/index.html" in proc.stdout.readline()
        assert httpx.get(url + "/trs/zwgk_190/fzzfjsndbg/index.html").status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()  # reaps it and closes its pipe
