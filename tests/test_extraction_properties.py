"""Property tests: random and mutated HTML never crash the extractor (only ExtractionError
subclasses may come out) and never let page chrome into the text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extraction import (
    ATTACHMENT_TYPES,
    ExtractionError,
    extract_page,
    leaks,
    normalise_text,
    text_hash,
)
from crawler.extraction.readers import IMAGE_TYPES
from crawler.extraction.scoring import load_corpus

CORPUS = load_corpus(Path(__file__).parent / "extraction_corpus")
URL = "http://www.example.gov.cn/zwgk/202503/t20250301_1.html"

TEXTS = [
    "法治政府建设", "一、主要举措和成效", "（一）坚持党的领导", "一是强化组织保障。", "2024年", "，", "。", "、",
    "扫一扫在手机打开当前页", "扫一扫在手机打开当前页面", "【字体：大 中 小】", "字号：默认 大 超大", "打印本页",
    "关闭窗口", "【打印】", "【关闭】", "责任编辑：张三", "责任编辑:", "相关新闻", "相关稿件", "相关解读", "分享到：",
    "浏览次数：", "浏览次数：1024", "点击数：12", "网站标识码：5001050001", "京ICP备05070218号", "晋公网安备 14010502050691号",
    "版权所有", "网站地图", "无障碍浏览", "我要纠错", "返回顶部", "长者模式", "主办单位：某某县人民政府办公室",
    "今天是：2025年3月1日 星期六", "上一篇：", "下一篇：", "当前位置：首页 > 政务公开", "索引号：", "000014348/2022-01024",
    "发布机构：", "文号：弥政报〔2022〕12号", "发布日期：2022-03-29", "有效性：有效", "附件：报告.pdf", "2025年1月8日",
    "&nbsp;", "&#12288;", "\u3000", " ", "\n", "<", ">", "&", "]]>", "<!--", "-->", "扫一扫在手机", "打开当前页",
]
HREFS = ["./P02025.pdf", "/a/b.html", "javascript:void(0)", "x.docx?x=1", "", "http://[bad/x.pdf",
         "downfile.jsp?filename=%E6%8A%A5.doc", "mailto:a@b.cn", "http://a.gov.cn:99999/x.rar", "//cdn/x.ofd"]
TAGS = ["base", "div", "p", "span", "td", "tr", "table", "tbody", "a", "ul", "li", "h1", "h2", "script", "style", "font", "b",
        "UCAPCONTENT", "UCAPTITLE", "iframe", "pre", "center", "form", "th", "noscript", "section", "select"]
CLASSES = ["", "TRS_Editor", "TRS_UEDITOR", "article_content", "article-content", "wenz", "xxgkcont", "main-txt",
           "share", "footer", "editor", "related", "xg-list", "pages_content", "xxgk_table", "title", "dqwz"]
IDS = ["", "zoom", "Zoom", "UCAP-CONTENT", "qr_container", "content", "barrierfree_container"]
FRAGMENTS = [b"</div>", b"<div>", b"</p>", b"<p>", b"</td></tr></table>", b"<table><tr><td>", b"<br>", b"<!--",
             b"-->", b"<!--ZJEG_RSS.content.begin-->", b"<!--ZJEG_RSS.content.end-->", b"</html>", b"<script>",
             b"\xe6\x89\xab\xe4\xb8\x80\xe6\x89\xab", b"\x00", b"\xff\xfe", b"<UCAPCONTENT>", b'<a href="x.pdf">',
             "扫一扫在手机打开当前页".encode(), "【字体：大 中 小】".encode(), "<p>责任编辑：王敏</p>".encode()]

text_leaf = st.lists(st.one_of(st.sampled_from(TEXTS), st.text(max_size=12)), max_size=6).map("".join)


@st.composite
def element(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = ""
    cls, ident = draw(st.sampled_from(CLASSES)), draw(st.sampled_from(IDS))
    if cls:
        attrs += f' class="{cls}"'
    if ident:
        attrs += f' id="{ident}"'
    if tag in ("a", "base"):
        attrs += f' href="{draw(st.sampled_from(HREFS))}"'
    if draw(st.booleans()):
        attrs += ' style="display:none"' if draw(st.booleans()) else ' style="text-indent:2em"'
    inner = "".join(draw(st.lists(children, max_size=4)))
    closing = "" if draw(st.integers(0, 9)) == 0 else f"</{tag}>"
    return f"<{tag}{attrs}>{inner}{closing}"


html_tree = st.recursive(text_leaf, lambda children: element(children), max_leaves=40)


@st.composite
def page(draw: st.DrawFn) -> bytes:
    head = "".join(draw(st.lists(st.sampled_from([
        '<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=gbk">',
        '<meta name="ArticleTitle" content="某某县2024年法治政府建设情况报告">', '<meta name="PubDate" content="2025-03-01 10:00">',
        '<meta name="SiteName" content="">', "<title>报告_某某县人民政府</title>", '<meta name="firstpublishedtime" content="2021-08-01-06:08:00">',
    ]), max_size=4)))
    body = "".join(draw(st.lists(html_tree, min_size=1, max_size=5)))
    doc = f"<html><head>{head}</head><body>{body}</body></html>"
    return doc.encode(draw(st.sampled_from(["utf-8", "gb18030"])), "replace")


def _check(body: bytes) -> None:
    try:
        report = extract_page(body, URL, {"Content-Type": "text/html"})
    except ExtractionError as exc:
        assert str(exc)
        return
    assert leaks(report.text) == []
    assert report.text == normalise_text(report.text)
    assert report.text_hash == text_hash(report.text)
    # linked documents, plus <img> page scans found in the body
    assert all(a.type in ATTACHMENT_TYPES | IMAGE_TYPES for a in report.attachments)
    assert isinstance(report.title, str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(page())
def test_random_html(body: bytes) -> None:
    _check(body)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(st.sampled_from(CORPUS)).body)
    for _ in range(draw(st.integers(1, 12))):
        at = draw(st.integers(0, len(body)))
        size = draw(st.integers(0, 400))
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "flip"]))
        if op == "delete":
            del body[at: at + size]
        elif op == "insert":
            body[at:at] = draw(st.sampled_from(FRAGMENTS))
        elif op == "duplicate":
            body[at:at] = body[at: at + size]
        elif at < len(body):
            body[at] = draw(st.integers(0, 255))
    return bytes(body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_corpus_pages(body: bytes) -> None:
    _check(body)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=5000))
def test_random_bytes(body: bytes) -> None:
    _check(body)


@given(st.text(alphabet=st.sampled_from("报告法治 ab1,。\n"), max_size=400), st.integers(min_value=0, max_value=300))
def test_has_words_agrees_with_word_count(text: str, count: int) -> None:
    from crawler.extraction.containers import has_words, word_count

    assert has_words(text, count) == (word_count(text) >= count)


@given(st.text(alphabet=st.sampled_from("报告 法治，。 ab1\n\r\t\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2002\u2028\u2029\u202f"
                                        "\u205f\u3000\u200b\u200d\u2060\ufeff\u00ad\x00\x7f“”—…·"), max_size=200))
@settings(max_examples=500)
def test_clean_line_is_the_regular_expression_rule(raw: str) -> None:
    from crawler.extraction.text import _CJK_BREAK, _INVISIBLE, _WS, clean_line

    rule = _WS.sub(" ", _INVISIBLE.sub("", _CJK_BREAK.sub("", raw) if "\n" in raw else raw)).strip()
    assert clean_line(raw) == rule
