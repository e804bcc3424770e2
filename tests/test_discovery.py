"""Discovery helpers on small pieces of real-shaped markup (no network)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from crawler.discovery import (
    canonical_url,
    classify_challenge,
    expand_cdata,
    extract_links,
    hanweb_pages,
    hanweb_record_count,
    is_attachment_url,
    is_soft_404,
    is_trap,
    json_endpoints,
    list_pages,
    looks_challenged,
    looks_js_only_list,
    looks_like_column,
    parse_json_list,
    script_pages,
    search_form,
    sitemap_urls,
)
from crawler.discovery.pages import may_be_challenge

BASE = "http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/index.html"


def test_truncated_link_text_takes_the_title_attribute() -> None:
    html = """<ul><li><a href="./202503/t20250328_14452968.html" target="_blank"
      title="重庆市江北区人民政府办公室2024年度法治政府建设情况报告">重庆市江北区人民政府办公室2024年度法治...</a>
      <span>2025-03-28</span></li>
      <li><a href="./202502/t20250210_1.html" title="短">关于2024年法治政府建设情况的报告</a></li></ul>"""
    links = {link.url: link.title for link in extract_links(html, BASE)}
    assert links["http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/202503/t20250328_14452968.html"] == (
        "重庆市江北区人民政府办公室2024年度法治政府建设情况报告"
    )
    # a title attribute shorter than the text does not replace it
    assert links["http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/202502/t20250210_1.html"] == "关于2024年法治政府建设情况的报告"


def test_hanweb_datastore_records_are_expanded_before_link_extraction() -> None:
    html = """<div id="764752"><script type="text/xml"><datastore>
      <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=73&columnid=103585&unitid=764752"></a>]]></nextgroup>
      <recordset><record><![CDATA[<li><a href="/art/2026/3/4/art_103585_10328790.html" title="象山县2025年法治政府建设情况的报告">象山县…</a></li>]]></record>
      <record><![CDATA[<li><a href="/art/2026/3/1/art_103585_10328700.html">象山县2025年政府信息公开工作年度报告</a></li>]]></record>
      </recordset></datastore></script></div>
      <script>var totalRecord = 50; var perpage = 5;</script>"""
    links = extract_links(html, "https://www.xiangshan.gov.cn/col/col103585/index.html")
    urls = [link.url for link in links]
    assert "https://www.xiangshan.gov.cn/art/2026/3/4/art_103585_10328790.html" in urls
    assert hanweb_record_count(html) == 2
    pages = hanweb_pages(html, "https://www.xiangshan.gov.cn/col/col103585/index.html", limit=50, records_seen=2)
    assert pages[0].url.startswith("https://www.xiangshan.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3")
    assert pages[0].formdata["columnid"] == "103585" and pages[0].formdata["unitid"] == "764752"
    # 48 records left in groups of 3 pages × 5 records
    assert len(pages) == 4
    assert "CDATA" not in expand_cdata(html)


def test_dataproxy_answer_is_read_as_records() -> None:
    xml = """<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>9</totalrecord><recordset>
      <record><![CDATA[<li><a href="/art/2025/3/10/art_1_2.html">2024年度法治政府建设工作报告</a></li>]]></record>
      </recordset></datastore>"""
    links = extract_links(xml, "https://www.xiangshan.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1")
    assert [link.title for link in links] == ["2024年度法治政府建设工作报告"]


def test_trs_page_scripts_name_every_list_page() -> None:
    html = '<div class="page"><script>createPageHTML(4, 0, "index", "html");</script></div>'
    assert script_pages(html, BASE, limit=200) == [
        "http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/index.html",
        "http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/index_1.html",
        "http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/index_2.html",
        "http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/index_3.html",
    ]
    assert len(script_pages('createPage(500,0,"index","shtml")', BASE, limit=10)) == 10
    assert script_pages("var countPage = 3;var currentPage = 0;", BASE, limit=200)[-1].endswith("index_2.html")


def test_jpage_script_gives_total_group_and_form() -> None:
    html = """<div id="7716293"><script type="text/xml"><datastore><recordset>
      <record><![CDATA[<li><a href="/art/2025/1/1/art_9_1.html">a</a></li>]]></record>
      </recordset></datastore></script></div>
      <script>var re = /<record><!\\[CDATA\\[([\\s\\S]*?)\\]\\]><\\/record>/g;
      var total = 130, perPage = 20, groupSize = 60, page = 1;
      x.open("POST", "/module/web/jpage/dataproxy.jsp?startrecord=" + start + "&endrecord=" + end);
      x.send("col=1&amp;appid=1&amp;webid=3185&amp;columnid=1229673407&amp;unitid=7716293");</script>"""
    assert hanweb_record_count(html) == 1  # the regular expression in the script is not a record
    pages = hanweb_pages(html, "http://h.gov.cn/col/col1229673407/index.html", limit=50, records_seen=1)
    assert [p.url.split("?")[1] for p in pages] == [
        "startrecord=2&endrecord=61&perpage=20",
        "startrecord=62&endrecord=121&perpage=20",
        "startrecord=122&endrecord=130&perpage=20",
    ]
    assert pages[0].formdata["webid"] == "3185" and pages[0].formdata["columnid"] == "1229673407"


def test_a_stated_page_count_gives_every_page() -> None:
    url = "http://www.xsbn.gov.cn/101.news.list.dhtml?cat_id=2107"
    html = """共24页&nbsp;当前第1页 首页 上一页 <a href="101.news.list.dhtml?cat_id=2107&amp;page=2">下一页</a>
      <a href="101.news.list.dhtml?cat_id=2107&amp;page=24">尾页</a>"""
    pages = list_pages(html, url, extract_links(html, url), limit=200)
    assert sorted(pages) == sorted(f"http://www.xsbn.gov.cn/101.news.list.dhtml?cat_id=2107&page={n}" for n in range(2, 25))
    assert len(list_pages(html, url, extract_links(html, url), limit=10)) == 10


def test_next_links_and_numbered_pages_are_pagination() -> None:
    url = "http://www.bjmy.gov.cn/zfxxgk/list.jsp?cat_id=7&cur_page=1"
    html = """<a href="list.jsp?cat_id=7&cur_page=2">2</a> <a href="list.jsp?cat_id=7&cur_page=3">3</a>
      <a href="/other/page.html">下一页</a> <a href="/art/1.html">新闻</a>"""
    links = extract_links(html, url)
    pages = list_pages(html, url, links, limit=200)
    assert "http://www.bjmy.gov.cn/zfxxgk/list.jsp?cat_id=7&cur_page=2" in pages
    assert "http://www.bjmy.gov.cn/other/page.html" in pages  # 下一页 wherever it points
    assert "http://www.bjmy.gov.cn/art/1.html" not in pages


def test_json_list_items_and_paging() -> None:
    answer = json.dumps({"code": 0, "data": {"page": 1, "totalPage": 3, "list": [
        {"title": "张掖市2024年法治政府建设情况的报告", "url": "/zfxxgk/content/post_1.html", "date": "2025-03-01"},
        {"title": "<em>张掖市</em>2024年政府信息公开工作年度报告", "url": "/zfxxgk/content/post_2.html"},
    ]}}, ensure_ascii=False)
    parsed = parse_json_list(answer, "https://www.zhangye.gov.cn/api/list.json?column=7", limit=200)
    assert parsed is not None
    assert [link.url for link in parsed.links] == [
        "https://www.zhangye.gov.cn/zfxxgk/content/post_1.html",
        "https://www.zhangye.gov.cn/zfxxgk/content/post_2.html",
    ]
    assert parsed.links[1].title == "张掖市2024年政府信息公开工作年度报告"
    assert parsed.pages == [
        "https://www.zhangye.gov.cn/api/list.json?column=7&page=2",
        "https://www.zhangye.gov.cn/api/list.json?column=7&page=3",
    ]
    assert parse_json_list("<html>not json</html>", "https://x.gov.cn/", 10) is None


def test_script_endpoints_and_js_only_lists() -> None:
    html = """<html><body><ul id="news-list" class="list"></ul>
      <script src="/js/jquery.js"></script>
      <script>$.getJSON("/zfxxgk/api/list.json?col=fzzf", function (d) { render(d) });</script></body></html>"""
    assert json_endpoints(html, "https://www.zhangye.gov.cn/zfxxgk/index.html") == [
        "https://www.zhangye.gov.cn/zfxxgk/api/list.json?col=fzzf"
    ]
    assert looks_js_only_list(html, extract_links(html, "https://www.zhangye.gov.cn/"))
    full = '<ul class="list"><li><a href="/a.html">a</a></li></ul><script>var x = 1;</script>'
    assert not looks_js_only_list(full, extract_links(full, "https://www.zhangye.gov.cn/"))


def test_challenges_are_told_from_content_and_from_404() -> None:
    ruishu = """<html><head><meta content="abcdefghijklmnopqrstuvwxyz0123456789" r="m">
      <script r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=4136;$_ts.cd="qEzD";</script>
      <script type="text/javascript" r='m' src="/abcdefghijkl/xyz.5f3a.js"></script></head><body></body></html>"""
    assert classify_challenge(412, {}, ruishu) == "challenge"
    assert classify_challenge(202, {}, ruishu) == "challenge"
    jsl = "<script>document.cookie=('__jsl_clearance=1590000000.1|0|abc');location.href=location.pathname</script>"
    assert classify_challenge(521, {"set-cookie": "__jsluid_s=abc; path=/"}, jsl) == "challenge"
    assert classify_challenge(404, {}, "<html><body><h1>404 Not Found</h1></body></html>") is None
    assert classify_challenge(200, {}, "<html><body>" + "正文" * 500 + "</body></html>") is None
    assert looks_challenged(ruishu)
    assert not looks_challenged("<html><body><p>" + "法治政府建设" * 200 + "</p><script>var $_ts=1</script></body></html>")


@given(st.sampled_from([200, 202, 204, 301, 403, 404, 405, 412, 418, 429, 468, 500, 503, 521]),
       st.lists(st.sampled_from([b"$_ts=window['$_ts'];", b"<script r='m'>", b"__jsl_clearance", b"WAF",
                                 "访问被拦截".encode(), "正文".encode(), b"\xff", b"\xe6\xad", b"a"]), max_size=4000))
def test_the_cheap_challenge_check_never_passes_over_a_challenge(status: int, parts: list[bytes]) -> None:
    """The render middleware skips decoding when may_be_challenge says no: it must only say no
    where classify_challenge would find nothing, whatever the body's bytes decode to."""
    body = b"".join(parts)
    text = body[:65536].decode("utf-8", "replace")
    for cookie in ({}, {"set-cookie": "__jsluid_s=abc"}):
        if not may_be_challenge(status, len(body)):
            assert classify_challenge(status, cookie, text) is None


def test_a_short_challenge_in_many_bytes_is_still_looked_at() -> None:
    """2,999 Chinese characters are 8,997 bytes: by its characters the page is short enough to be
    a challenge, so the byte count must not rule it out."""
    script = "<script r='m'>$_ts=window['$_ts'];</script>"
    body = (script + "验" * (2999 - len(script))).encode()
    assert len(body) > 8000 and classify_challenge(200, {}, body.decode()) == "challenge"
    assert may_be_challenge(200, len(body))
    page = ("<html><body>" + "正文" * 6000 + "</body></html>").encode()
    assert not may_be_challenge(200, len(page)) and classify_challenge(200, {}, page.decode()) is None


def test_soft_404_pages() -> None:
    assert is_soft_404("<html><head><title>提示</title></head><body><div>该信息不存在或已删除</div></body></html>")
    assert is_soft_404("<html><head><title>页面不存在</title></head><body>返回首页</body></html>")
    long_report = "<html><body><p>" + "依法行政工作稳步推进。" * 300 + "已删除的冗余规章予以清理。</p></body></html>"
    assert not is_soft_404(long_report)


def test_url_hygiene() -> None:
    assert canonical_url("/a/b.html;jsessionid=ABC123?id=7&sid=xyz#top", "http://WWW.Example.gov.cn:80/x/") == (
        "http://www.example.gov.cn/a/b.html?id=7"
    )
    assert canonical_url("list.jsp?cat_id=7&cur_page=2", "http://h.gov.cn/a/") == "http://h.gov.cn/a/list.jsp?cat_id=7&cur_page=2"
    assert is_trap("http://h.gov.cn/trs/calendar/2025-01-01.html")
    assert is_trap("http://h.gov.cn/list?year=2024&month=3")
    assert is_trap("http://h.gov.cn/a/b/a/b/a/b/index.html")
    assert not is_trap("http://h.gov.cn/zwgk_190/fzzfjsndbg/202503/t20250328_14452968.html")
    assert is_attachment_url("http://h.gov.cn/P020250328.pdf")
    assert is_attachment_url("http://h.gov.cn/module/download/downfile.jsp?classid=0&filename=a.docx")
    assert looks_like_column("http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/qzfb/", [BASE])
    assert not looks_like_column("http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/202503/t1.html", [BASE])
    assert not looks_like_column("http://www.cqjb.gov.cn/other/", [BASE])


def test_sitemaps_and_search_forms() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>http://h.gov.cn/col/a.html</loc></url><url><loc>http://h.gov.cn/col/b.html</loc></url></urlset>"""
    assert sitemap_urls(body) == (["http://h.gov.cn/col/a.html", "http://h.gov.cn/col/b.html"], [])
    assert sitemap_urls(b"<html>no</html>") == ([], [])
    form = search_form(
        """<form action="/was5/web/search" method="get"><input type="hidden" name="channelid" value="2001">
        <input type="text" name="searchword"><input type="submit"></form>""", BASE)
    assert form is not None
    assert form.url("法治政府建设").startswith("http://www.cqjb.gov.cn/was5/web/search?channelid=2001&searchword=")
