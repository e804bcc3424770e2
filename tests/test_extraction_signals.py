"""Metadata from the page's own visible signals, in the documented order of trust; page scans
(``<img>`` in a body with little text) listed for OCR; a stub page takes its documents' text."""

from __future__ import annotations

import datetime as dt

from archive.records import AttachmentRecord, ExtractedReport
from crawler.extraction import extract_page
from crawler.extraction.combine import with_document_text
from crawler.extraction.metadata import report_year
from crawler.extraction.text import normalised_hash

BODY = "".join(f"<p>第{n}段。依法行政工作稳步推进，行政执法更加规范，法治政府建设取得新成效。</p>" for n in range(12))


def test_report_year_order_of_trust() -> None:
    lines = ["为实现“九五”计划和2010年远景目标，现作出如下决定：", "到2000年，初步形成地方性法规体系框架。"]
    assert report_year("2023年度法治政府建设情况报告", lines, dt.date(2024, 3, 1)) == 2023  # the title
    assert report_year("关于加强依法治省工作的决定", lines, dt.date(1996, 5, 10)) == 1996  # the page's date
    assert report_year("法治政府建设情况报告", [], dt.date(2025, 3, 20)) == 2024  # a report in spring
    assert report_year("法治政府建设情况报告", [], dt.date(2025, 9, 20)) == 2025
    assert report_year("关于加强依法治省工作的决定", ["到2999年远景目标", "1996年全省"], None) == 1996


def test_information_index_label_and_hidden_metadata() -> None:
    page = (f"<html><head><title>某县2024年法治政府建设情况报告</title></head><body>"
            f"<div style='display:none'>索引号：HIDDEN/2024-1</div>"
            f"<div class='xxgk'>信息索引：11530000/2025-00012<br>发布日期：2025-03-01</div>"
            f"<h1>某县2024年法治政府建设情况报告</h1><div id='zoom'>{BODY}</div></body></html>")
    report = extract_page(page.encode(), "http://example.gov.cn/a.html")
    assert (report.index_no, report.pub_date, report.report_year) == ("11530000/2025-00012", dt.date(2025, 3, 1), 2024)
    assert "HIDDEN" not in report.text


def test_scans_in_a_page_with_little_text_are_listed_for_ocr() -> None:
    page = ("<html><head><title>某县2024年法治政府建设情况报告</title></head><body>"
            "<h1>某县2024年法治政府建设情况报告</h1><div id='zoom'><p>报告全文如下：</p>"
            "<p><img src='/images/logo.png'><img src='scan/p1.jpg' width='800'>"
            "<img src='scan/p2.jpg' alt='第2页'><img src='icon.gif' width='16'></p></div></body></html>")
    report = extract_page(page.encode(), "http://example.gov.cn/a/b.html")
    assert [(a.url, a.name, a.type) for a in report.attachments] == [
        ("http://example.gov.cn/a/scan/p1.jpg", "p1.jpg", "jpg"), ("http://example.gov.cn/a/scan/p2.jpg", "第2页", "jpg")]


def test_images_in_a_full_article_are_not_scans() -> None:
    page = (f"<html><body><h1>某县2024年法治政府建设情况报告</h1><div id='zoom'>{BODY * 3}"
            f"<img src='photo.jpg' width='800'></div></body></html>")
    assert extract_page(page.encode(), "http://example.gov.cn/a.html").attachments == ()


def test_a_stub_page_takes_the_text_of_its_documents() -> None:
    stub = ExtractedReport(title="某县报告", text="现将报告予以公开。", text_hash=normalised_hash("现将报告予以公开。"))
    scan = AttachmentRecord("http://x/p1.png", "p1.png", "png", b"png", "第一页文字", "extracted", "ocr", 91.5)
    doc = AttachmentRecord("http://x/r.doc", "r.doc", "doc", b"doc", "可编辑版文字", "extracted", "converter")
    report = with_document_text(stub, (scan, doc))
    assert report.text == "现将报告予以公开。\n第一页文字\n可编辑版文字"
    assert (report.text_source, report.ocr_confidence) == ("ocr", 91.5)
    assert report.text_hash == normalised_hash(report.text)
    full = ExtractedReport(title="某县报告", text=BODY, text_hash="h")
    assert with_document_text(full, (scan,)).text == BODY  # a page with its own text keeps it
