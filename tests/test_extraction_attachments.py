"""Attachment files: text from PDF, DOCX and OFD; the rest kept and marked."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from crawler.extraction import extract_attachment

LINES = ["静海区2023年度法治政府建设情况报告", "一、主要举措和成效", "（一）统筹推进法治政府建设。全年召开推进会2次。"]


def _pdf(lines: list[str], text: bool = True) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 14)
    for n, line in enumerate(lines):
        if text:
            page.drawString(72, 760 - 30 * n, line)
        else:
            page.rect(72, 760 - 30 * n, 300, 20, fill=1)  # a "scan": shapes, no text layer
    page.showPage()
    if text:
        page.setFont("STSong-Light", 14)
        page.drawString(72, 760, "第2页")
    page.save()
    return buffer.getvalue()


def test_pdf_text_with_a_cid_font() -> None:
    record = extract_attachment(_pdf(LINES), "报告.pdf")
    assert (record.type, record.text_status) == ("pdf", "extracted")
    assert record.text is not None
    assert record.text.split("\n")[:3] == LINES
    assert "第2页" in record.text


def test_scanned_pdf_is_marked() -> None:
    record = extract_attachment(_pdf(LINES, text=False), "扫描件.pdf")
    assert record.text is None
    assert record.text_status == "text not extracted: no text layer, and OCR found no text"


def test_corrupt_pdf_is_marked_not_raised() -> None:
    record = extract_attachment(b"%PDF-1.4\n1 0 obj<<>>\ngarbage", "坏文件.pdf")
    assert record.text is None
    assert record.text_status.startswith("text not extracted: ")


def test_docx_paragraphs_and_table_rows_in_order() -> None:
    document = docx.Document()
    document.add_paragraph(LINES[0])
    document.add_paragraph(LINES[1])
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [["项目", "数量", "备注"], ["行政复议", "212", ""]], strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.add_paragraph(LINES[2])
    buffer = io.BytesIO()
    document.save(buffer)
    record = extract_attachment(buffer.getvalue(), "统计表.docx")
    assert record.text_status == "extracted"
    # Cells are joined by " | "; the normal form drops a space next to a Chinese character.
    assert record.text == "\n".join([LINES[0], LINES[1], "项目|数量|备注", "行政复议| 212 |", LINES[2]])


def test_ofd_text() -> None:
    content = ('<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
               '<ofd:Content><ofd:Layer>'
               '<ofd:TextObject Boundary="20 30 150 10"><ofd:TextCode X="0" Y="8">一、主要举措和成效</ofd:TextCode></ofd:TextObject>'
               '<ofd:TextObject Boundary="20 10 150 10"><ofd:TextCode X="0" Y="8">静海区2023年度法治政府建设情况报告</ofd:TextCode></ofd:TextObject>'
               "</ofd:Layer></ofd:Content></ofd:Page>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        archive.writestr("Doc_0/Pages/Page_0/Content.xml", content)
    record = extract_attachment(buffer.getvalue(), "报告.ofd")
    assert record.text_status == "extracted"
    assert record.text == "静海区2023年度法治政府建设情况报告\n一、主要举措和成效"


@pytest.mark.parametrize(("name", "kind"), [("材料.rar", "rar"), ("材料.zip", "zip"), ("材料.7z", "7z")])
def test_archives_are_kept_and_marked(name: str, kind: str) -> None:
    body = b"PK\x03\x04" + b"\x00" * 512
    record = extract_attachment(body, name)
    assert (record.type, record.body, record.text) == (kind, body, None)
    assert record.text_status == f"text not extracted: no converter for .{kind} files"


@pytest.mark.parametrize(("name", "kind"), [("报告.doc", "doc"), ("报告.wps", "wps"), ("表.xls", "xls"),
                                            ("表.et", "et")])
def test_broken_legacy_files_are_kept_and_marked(name: str, kind: str) -> None:
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512  # an OLE2 header and nothing else
    record = extract_attachment(body, name)
    assert (record.type, record.body, record.text, record.text_source) == (kind, body, None, None)
    assert record.text_status.startswith(f"text not extracted: unreadable .{kind} file")


def test_type_from_content_type_and_magic_bytes() -> None:
    assert extract_attachment(_pdf(LINES), "download", "application/pdf").type == "pdf"
    assert extract_attachment(_pdf(LINES), "download").text_status == "extracted"
    assert extract_attachment(b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "downfile.jsp").type == "doc"


def test_empty_file() -> None:
    assert extract_attachment(b"", "报告.pdf").text_status == "text not extracted: empty file"


def test_plain_text_in_a_chinese_encoding() -> None:
    record = extract_attachment("法治政府建设情况说明\n第二行".encode("gbk"), "说明.txt")
    assert (record.type, record.text_status, record.text) == ("txt", "extracted", "法治政府建设情况说明\n第二行")


def test_other_extensions_keep_their_type() -> None:
    record = extract_attachment(b"\x00\x01binary", "报告.dat")
    assert (record.type, record.text_status) == ("dat", "text not extracted: no converter for .dat files")
