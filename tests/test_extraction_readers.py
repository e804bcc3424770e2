"""Document readers on documents made from the real seed texts: text PDF, DOCX, DOC, WPS, OFD read
exactly; scans and garbage text layers through real Tesseract; legacy files through real
LibreOffice; limits with clear outcomes; the same scan never makes a new version."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from archive.recorder import Archive
from crawler.extraction import extract_attachment
from crawler.extraction.document import extract_document
from crawler.extraction.readers import (
    CONVERTER,
    OCR,
    TEXT_LAYER,
    OverLimitError,
    ReadLimits,
    magic_type,
    read_document,
    sniff_type,
)
from crawler.extraction.readers.garbage import everyday_share, is_garbage
from crawler.extraction.readers.office import convert
from crawler.extraction.readers.tools import Deadline, run
from crawler.extraction.scoring import text_score
from tests import documents
from tests.fixtures.archive import Pages

SEED = documents.seed_paragraphs(4)
TRUTH = "\n".join(SEED)


@pytest.fixture(scope="module")
def doc_bytes() -> bytes:
    return documents.doc(SEED)


@pytest.fixture(scope="module")
def scan_pdf() -> bytes:
    return documents.scan_pdf(SEED, max_pages=1)


@pytest.mark.parametrize(("kind", "source"), [("pdf", TEXT_LAYER), ("office.pdf", TEXT_LAYER), ("docx", TEXT_LAYER),
                                              ("ofd", TEXT_LAYER), ("doc", CONVERTER), ("wps", CONVERTER)])
def test_text_documents_read_exactly(kind: str, source: str, doc_bytes: bytes) -> None:
    makers = {"pdf": documents.text_pdf, "office.pdf": documents.office_pdf, "docx": documents.docx,
              "ofd": documents.ofd}
    body = doc_bytes if kind in ("doc", "wps") else makers[kind](SEED)
    record = extract_attachment(body, f"报告.{kind}", limits=ReadLimits())
    kind = kind.rsplit(".", 1)[-1]
    assert (record.type, record.text_status, record.text_source, record.ocr_confidence) == (
        kind, "extracted", source, None)
    assert record.text is not None
    assert text_score(TRUTH, record.text).f1 >= 0.99


def test_wps_by_content_type_and_doc_by_magic(doc_bytes: bytes) -> None:
    assert sniff_type(doc_bytes, "downfile.jsp", "application/kswps") == "wps"
    assert magic_type(doc_bytes) == "doc"
    assert sniff_type(documents.ofd(SEED), "download") == "ofd"


def test_spreadsheet_through_libreoffice() -> None:
    csv = "项目,数量,备注\n行政复议,212,\n行政诉讼,35,败诉2件\n".encode()
    xls = convert(csv, "csv", "xls:MS Excel 97", ReadLimits(), infilter="CSV:44,34,76")
    for name in ("统计表.xls", "统计表.et"):
        record = extract_attachment(xls, name)
        assert (record.text_status, record.text_source) == ("extracted", CONVERTER), record.text_status
        assert record.text is not None
        assert "行政诉讼| 35 |败诉2件" in record.text.split("\n")  # " | " less the spaces next to Chinese


def test_scanned_pdf_is_read_by_ocr_the_same_way_every_time(scan_pdf: bytes, tmp_path: Path,
                                                             archive: Archive, pages: Pages) -> None:
    expected = documents.page_text(SEED, 1)
    first = extract_document(scan_pdf, "扫描件.pdf", limits=ReadLimits())
    assert first.text_source == OCR
    assert first.ocr_confidence is not None and first.ocr_confidence > 80
    assert text_score(expected, first.text).f1 >= 0.95
    second = extract_document(scan_pdf, "扫描件.pdf", limits=ReadLimits())
    assert second.text == first.text and second.ocr_confidence == first.ocr_confidence
    # re-archiving the same scan makes no new version
    url = "http://example.gov.cn/scan.pdf"
    headers = {"content-type": "application/pdf"}
    one = archive.record_report("src", pages.page(url, scan_pdf, headers=headers), first)
    two = archive.record_report("src", pages.page(url, scan_pdf, headers=headers), second)
    assert (one.outcome, two.outcome, two.version) == ("new", "unchanged", 1)
    version = archive.version_text(one.report_id or 0)
    assert version == first.text


def test_garbage_text_layer_is_replaced_by_ocr() -> None:
    body = documents.garbage_layer_pdf(SEED)
    import io

    from pypdf import PdfReader

    layer = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert is_garbage(layer)  # the layer is there, and it is mojibake
    result = read_document(body, "pdf", ReadLimits())
    assert result.text_source == OCR
    assert text_score(documents.page_text(SEED, 1), result.text).f1 >= 0.95


def test_garbage_detector_on_real_and_broken_text() -> None:
    assert not is_garbage(TRUTH)
    assert everyday_share(TRUTH) > 0.95
    assert is_garbage(TRUTH[:300].encode("gbk").decode("big5", "replace"))
    assert is_garbage("\ue001\ue002\ue003" * 10)
    assert not is_garbage("第2页")  # too short to judge


def test_extract_cli_reads_an_image_and_a_doc(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              doc_bytes: bytes) -> None:
    from tests.cli_helpers import run_cli

    image = tmp_path / "第1页.png"
    image.write_bytes(documents.scan_png(SEED))
    result = run_cli(capsys, "--home", str(tmp_path / "home"), "extract", str(image), "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["text_source"] == "ocr" and doc["ocr_confidence"] > 80
    assert text_score(documents.page_text(SEED, 1), doc["text"]).f1 >= 0.95
    wps = tmp_path / "报告.wps"
    wps.write_bytes(doc_bytes)
    result = run_cli(capsys, "--home", str(tmp_path / "home"), "extract", str(wps), "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert (doc["text_source"], doc["ocr_confidence"], doc["report_year"]) == ("converter", None, 2024)
    assert doc["title"] == "报告"  # the first line is a sentence, not a title: the file name stands in


def test_extract_cli_unreadable_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tests.cli_helpers import run_cli

    broken = tmp_path / "坏.doc"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    result = run_cli(capsys, "--home", str(tmp_path / "home"), "extract", str(broken))
    assert result.code == 1
    assert result.err.count("\n") == 1 and "unreadable .doc file" in result.err


# -- limits ------------------------------------------------------------------------------------------

def test_too_many_pages_is_kept_and_marked() -> None:
    body = documents.scan_pdf(SEED, max_pages=2)
    record = extract_attachment(body, "长文件.pdf", limits=ReadLimits(max_pages=1))
    assert (record.body, record.text) == (body, None)
    assert record.text_status == "text not extracted: 2 pages, over the limit of 1"


def test_too_slow_is_kept_and_marked(scan_pdf: bytes) -> None:
    started = time.monotonic()
    record = extract_attachment(scan_pdf, "扫描件.pdf", limits=ReadLimits(max_seconds=0.3))
    assert time.monotonic() - started < 10
    assert record.text is None
    assert record.text_status == "text not extracted: took longer than the limit of 0.3 s"


def test_too_much_memory_is_kept_and_marked(scan_pdf: bytes) -> None:
    record = extract_attachment(scan_pdf, "扫描件.pdf", limits=ReadLimits(max_memory_mb=64))
    assert record.text is None
    assert "memory limit" in record.text_status, record.text_status


def test_overrun_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    with pytest.raises(OverLimitError, match="longer than the limit"):
        run(["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"], Deadline(0.5), 256)
    child = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the helper process {child} outlived the deadline")


def test_extract_url_of_a_page_of_scans_reads_them(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tests.cli_helpers import run_cli
    from tests.fixtures.static_site import serve_pages

    page = ('<html><head><meta charset="utf-8"><title>某县2024年法治政府建设情况报告</title></head><body>'
            '<h1>某县2024年法治政府建设情况报告</h1><div id="zoom"><img src="/p1.png" width="827">'
            '<img src="/missing.png" width="827"></div></body></html>').encode()
    for site in serve_pages({"/r.html": (200, page), "/p1.png": (200, documents.scan_png(SEED))}):
        url = f"http://127.0.0.1:{site.server_address[1]}/r.html"
        result = run_cli(capsys, "--home", str(tmp_path / "home"), "extract", url, "--json")
        assert result.code == 0, result.err
        doc = result.json()
        assert doc["text_source"] == "ocr" and [a["name"] for a in doc["attachments"]] == ["p1.png", "missing.png"]
        assert text_score(documents.page_text(SEED, 1), doc["text"]).f1 >= 0.95


def test_ocr_words_are_put_back_as_chinese_is_written() -> None:
    from crawler.extraction.readers.ocr import parse_tsv

    def word(line: int, left: int, width: int, text: str) -> str:
        return f"5\t1\t1\t1\t{line}\t1\t{left}\t{100 + 40 * line}\t{width}\t30\t90\t{text}"

    rows = ["level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
            # a paragraph indented two characters, reaching the margin: "依法，" with a full-width gap
            word(1, 160, 60, "依法"), word(1, 225, 10, ","), word(1, 255, 60, "行政"), word(1, 320, 700, "推进"),
            word(2, 100, 60, "工作"), word(2, 165, 10, ","), word(2, 180, 40, "2021"), word(2, 225, 400, "年"),
            word(3, 160, 100, "下一段")]
    page = parse_tsv("\n".join(rows))
    # a comma in a whole character's gap is "，", in a third of one ","; the unindented line continues
    assert page.lines == ["依法，行政推进工作,2021年", "下一段"]
    assert page.chars == 18 and page.weighted_confidence == 90 * 18


def test_red_seal_ink_is_taken_out_before_ocr() -> None:
    from PIL import Image

    from crawler.extraction.readers.ocr import without_seals

    page = Image.new("RGB", (3, 1), (255, 255, 255))
    page.putpixel((0, 0), (20, 20, 20))  # black text
    page.putpixel((1, 0), (220, 30, 30))  # seal ink
    page.putpixel((2, 0), (90, 20, 20))  # text under the seal: dark, not red enough to go
    grey = without_seals(page)
    assert grey.mode == "L"
    assert [grey.getpixel((x, 0)) for x in range(3)] == [20, 255, grey.getpixel((2, 0))]
    assert grey.getpixel((2, 0)) < 100


def test_ofd_runs_on_one_baseline_make_one_line() -> None:
    from crawler.extraction.readers.ofd import _lines

    runs = [(20.35, 60.0, "建设情况报告"), (20.3, 20.0, "某县2024年法治政府"), (28.0, 20.0, "一、主要举措")]
    assert _lines(runs) == ["某县2024年法治政府建设情况报告", "一、主要举措"]


def test_docx_paragraphs_inside_content_controls() -> None:
    import io

    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("第一段")
    document.element.body.insert(1, parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>控件中的段落</w:t></w:r></w:p></w:sdtContent></w:sdt>"))
    buffer = io.BytesIO()
    document.save(buffer)
    assert read_document(buffer.getvalue(), "docx", ReadLimits()).text == "第一段\n控件中的段落"
