"""Attachment bytes: Chinese PDFs (reportlab, CID font STSong-Light), DOCX (python-docx) and
opaque legacy Office/WPS files. Same input, same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
import zipfile
from functools import lru_cache
from xml.sax.saxutils import escape

_PDF_LOCK = threading.Lock()  # reportlab keeps module-level state while building
_FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)


@lru_cache(maxsize=4096)
def pdf_bytes(title: str, paragraphs: tuple[str, ...]) -> bytes:
    """A PDF whose text extracts back (pypdf) to ``paragraphs``, the first set as a heading."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

    with _PDF_LOCK:
        if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        body = ParagraphStyle("body", fontName="STSong-Light", fontSize=12, leading=20, wordWrap="CJK",
                              firstLineIndent=24, spaceAfter=4)
        head = ParagraphStyle("head", parent=body, fontSize=16, leading=26, alignment=1, firstLineIndent=0,
                              spaceAfter=12)
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, invariant=True, title=title, author="", creator="", subject="")
        flow: list[Flowable] = [Paragraph(escape(p), head if i == 0 else body) for i, p in enumerate(paragraphs)]
        doc.build(flow)
        return buf.getvalue()


@lru_cache(maxsize=4096)
def docx_bytes(title: str, paragraphs: tuple[str, ...]) -> bytes:
    """A DOCX with one paragraph per item of ``paragraphs``; zip entries carry a fixed time."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, "", ""
    props.created = props.modified = _FIXED_TIME
    props.revision = 1
    for p in paragraphs:
        document.add_paragraph(p)
    raw = io.BytesIO()
    document.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def opaque_bytes(kind: str, seed: str, size: int = 9216) -> bytes:
    """Bytes that look like a legacy Office (.doc) or WPS file: an OLE2 header, then noise."""
    magic = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header = magic + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + kind.encode("ascii").ljust(8, b"\x00")
    noise = bytearray()
    counter = 0
    while len(header) + len(noise) < size:
        noise += hashlib.sha256(f"{kind}:{seed}:{counter}".encode()).digest()
        counter += 1
    return (header + bytes(noise))[:size]


def render_attachment(kind: str, title: str, paragraphs: tuple[str, ...], seed: str) -> tuple[bytes, str]:
    """Bytes and Content-Type of an attachment of type ``kind`` (pdf, docx, doc, wps)."""
    if kind == "pdf":
        return pdf_bytes(title, paragraphs), "application/pdf"
    if kind == "docx":
        return docx_bytes(title, paragraphs), (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    if kind == "wps":
        return opaque_bytes(kind, seed), "application/kswps"
    return opaque_bytes(kind, seed), "application/msword"
