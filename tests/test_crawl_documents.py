"""A crawl of a small local site whose reports are files and page images: the scans are OCRed in
the crawl, the stub page takes their text, an unreadable file is archived with a status, and a
second crawl of the same bytes makes no new version."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from archive.catalog.models import Attachment, Report, Version
from archive.recorder import EMPTY_TEXT_HASH
from crawler.extraction.scoring import text_score
from tests import documents
from tests.crawl_support import archived, local_source, run_crawl
from tests.fixtures.static_site import serve_pages

pytestmark = pytest.mark.slow

SEED = documents.seed_paragraphs(2)
TITLE = "某县2024年法治政府建设情况报告"


def _rows(home: Path) -> list[tuple[Report, Version, list[Attachment]]]:
    engine = create_engine(f"sqlite:///{home / 'catalog.db'}")
    try:
        with Session(engine) as db:
            out = []
            for report in db.exec(select(Report)).all():
                version = db.exec(select(Version).where(Version.report_id == report.id)).one()
                attachments = list(db.exec(select(Attachment).where(Attachment.version_id == version.id)).all())
                out.append((report, version, attachments))
            return out
    finally:
        engine.dispose()


def test_scans_and_unreadable_files_in_a_crawl(tmp_path: Path) -> None:
    stub = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{TITLE}</title></head><body>'
            f'<h1>{TITLE}</h1><div class="info">发布时间：2025-03-20</div>'
            '<div id="zoom"><p>现将报告全文公布如下：</p><p><img src="/files/p1.png" width="827"></p></div>'
            "</body></html>").encode()
    listing = ('<html><head><meta charset="utf-8"></head><body><ul class="list">'
               f'<li><a href="/col/stub.html">{TITLE}</a></li>'
               '<li><a href="/files/2023report.pdf">某县2023年法治政府建设情况报告</a></li></ul></body></html>').encode()
    broken = b"%PDF-1.4\n1 0 obj<<>>\nnot a pdf at all"
    pages = {"/robots.txt": (200, b"User-agent: *\nAllow: /\n"), "/col/index.html": (200, listing),
             "/col/stub.html": (200, stub), "/files/p1.png": (200, documents.scan_png(SEED)),
             "/files/2023report.pdf": (200, broken)}
    for site in serve_pages(pages):
        home = tmp_path / "home"
        base = f"http://127.0.0.1:{site.server_address[1]}"
        names = local_source(home, base)
        first = run_crawl(home, names)
        assert first.code == 0, first.stderr
        rows = {report.canonical_url: (version, attachments) for report, version, attachments in _rows(home)}
        assert set(rows) == {f"{base}/col/stub.html", f"{base}/files/2023report.pdf"}

        version, attachments = rows[f"{base}/col/stub.html"]
        assert (version.text_source, [a.type for a in attachments]) == ("ocr", ["png"])
        assert version.ocr_confidence is not None and version.ocr_confidence > 80
        assert (attachments[0].text_source, attachments[0].text_status) == ("ocr", "extracted")
        text = (home / "objects").exists() and _text(home, version.text_key)
        assert text.startswith("现将报告全文公布如下：\n")
        assert text_score(documents.page_text(SEED, 1), text.split("\n", 1)[1]).f1 >= 0.95

        version, attachments = rows[f"{base}/files/2023report.pdf"]
        assert (version.text_source, version.text_hash) == (None, EMPTY_TEXT_HASH)
        assert attachments[0].blob_key is not None  # the file is kept
        assert attachments[0].text_status.startswith("text not extracted: unreadable .pdf file")

        again = run_crawl(home, names)
        assert again.code == 0, again.stderr
        assert again.total("new") == 0 and again.total("changed") == 0
        assert all(report.versions == 1 for report in archived(home).values())


def _text(home: Path, key: str) -> str:
    from archive.storage import open_store

    return open_store((home / "objects").resolve().as_uri()).get_bytes(key).decode("utf-8")
