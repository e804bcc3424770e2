"""Pages that are not reports: each gives NoReportText with a clear reason, or a clean
result — never a crash."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from crawler.extraction import ExtractionError, NoReportText, extract_page, leaks
from crawler.extraction.scoring import load_corpus, text_score

CORPUS = {case.name: case for case in load_corpus(Path(__file__).parent / "extraction_corpus")}
URL = "http://www.example.gov.cn/art/2025/3/1/art_1_1.html"


def _reason(body: bytes, headers: dict[str, str] | None = None) -> str:
    with pytest.raises(NoReportText) as info:
        extract_page(body, URL, headers)
    assert info.value.reason == str(info.value)
    return info.value.reason


@pytest.mark.parametrize("body", [b"", b"   \r\n\t ", b"\xef\xbb\xbf"])
def test_empty_body(body: bytes) -> None:
    reason = _reason(body)
    assert "empty" in reason or "no HTML" in reason or "no report" in reason


def test_javascript_shell() -> None:
    shell = (b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>\xe6\xb1\x9f\xe5\x8c\x97</title>'
             b'<script src="/static/js/chunk-vendors.js"></script></head><body><div id="app"></div>'
             b'<noscript>Please enable JavaScript</noscript><script src="/static/js/app.js"></script></body></html>')
    assert "JavaScript shell" in _reason(shell)


def test_anti_bot_challenge_page() -> None:
    challenge = (b'<html><head><meta content="qEzD5Jhw3d2Gk1kqNnb9qpYvL6eA0Gfw" r="m"><script r="m">'
                 b'$_ts=window["$_ts"];if(!$_ts)$_ts={};$_ts.nsd=4136;$_ts.cd="qEzD";</script>'
                 b'<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js" r="m">'
                 b"</script></head><body></body></html>")
    assert "challenge" in _reason(challenge)


def test_pdf_served_as_html() -> None:
    assert "PDF" in _reason(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n", {"content-type": "text/html"})


@pytest.mark.parametrize(("magic", "word"), [(b"PK\x03\x04", "ZIP"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE"),
                                               (b"\x89PNG\r\n\x1a\n", "PNG")])
def test_office_files_and_images_served_as_html(magic: bytes, word: str) -> None:
    assert word in _reason(magic + bytes(range(256)) * 8)


def test_binary_bytes_served_as_html() -> None:
    noise = random.Random(7).randbytes(50_000)
    assert "binary" in _reason(noise, {"content-type": "text/html; charset=utf-8"})


def test_binary_without_nul_bytes() -> None:
    noise = bytes(b for b in random.Random(8).randbytes(60_000) if b)
    with pytest.raises(NoReportText):
        extract_page(noise, URL, {"content-type": "text/html"})


def test_list_page_has_no_report() -> None:
    items = "".join(f'<li><a href="./202403/t202403{i:02d}_{i}.html">某某县2023年度法治政府建设情况报告（第{i}部分）</a>'
                    f"<span>2024-03-{i:02d}</span></li>" for i in range(1, 21))
    page = (f'<html><head><meta charset="utf-8"><title>法治政府建设年度报告_某某县人民政府</title></head><body>'
            f'<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>'
            f'<div class="list"><ul>{items}</ul><script>createPageHTML(3, 0, "index", "html");</script></div>'
            f'<div class="footer">主办单位：某某县人民政府办公室 版权所有 网站标识码：3302250001</div></body></html>')
    assert "no report text" in _reason(page.encode())


def test_not_found_page_has_no_report() -> None:
    page = ('<html><head><meta charset="utf-8"><title>404</title></head><body><div class="error">'
            '<h2>抱歉，您访问的页面不存在或已被删除！</h2><a href="/">返回首页</a></div></body></html>')
    assert "no report text" in _reason(page.encode())


@pytest.mark.parametrize("fraction", [0.2, 0.45, 0.7, 0.95])
def test_truncated_html(fraction: float) -> None:
    case = CORPUS["jiangbei_xxgk"]
    body = case.body[: int(len(case.body) * fraction)]
    try:
        report = extract_page(body, case.url)
    except NoReportText as exc:
        assert exc.reason
        return
    assert leaks(report.text) == []
    if fraction >= 0.7:  # the body is complete by then
        assert text_score(case.expected_text, report.text).recall > 0.5


def test_five_megabyte_page() -> None:
    case = CORPUS["mile_br_layout"]
    sidebar = "".join(f'<li><a href="/news/{i}.html">新闻标题第{i}条 某某县召开会议</a></li>' for i in range(60_000))
    body = case.body.replace(b"<body topmargin=\"0\">", b'<body topmargin="0"><div class="left"><ul>'
                             + sidebar.encode() + b"</ul></div>" + b"<!-- " + b"x" * 1_000_000 + b" -->")
    assert len(body) > 5_000_000
    report = extract_page(body, case.url)
    assert text_score(case.expected_text, report.text).f1 >= 0.97


def test_extraction_errors_are_one_family() -> None:
    assert issubclass(NoReportText, ExtractionError)
    with pytest.raises(ExtractionError):
        extract_page(b"\x00\x01\x02", URL)
