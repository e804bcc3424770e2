"""Report documents made from the real seed texts, as governments publish them: text PDFs (reportlab
with a CID font, and as an office suite exports them), DOCX,
DOC and WPS (written by LibreOffice), OFD, and scans (the text drawn with Noto CJK at 200 dpi,
then put in an image-only PDF). Used by the reader tests and ``bench/documents.py``; each maker
returns the bytes, and the expected text is the paragraphs joined by newlines."""

from __future__ import annotations

import io
import zipfile
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape

from crawler.extraction.readers import ReadLimits
from crawler.extraction.readers.office import convert
from govarchive.portal.files import docx_bytes, pdf_bytes

NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DPI = 200
_PAGE = (int(8.27 * DPI), int(11.69 * DPI))  # A4
_MARGIN = int(DPI * 0.9)
_FONT_PX = int(12 / 72 * DPI)  # 12 pt
_LEADING = int(_FONT_PX * 1.6)


@cache
def seed_paragraphs(number: int) -> tuple[str, ...]:
    """The non-empty lines of seed report ``number`` (0–4), as shipped in the package."""
    folder = resources.files("govarchive.portal") / "data" / "seeds"
    path = next(p for p in folder.iterdir() if p.name.startswith(f"{number:03d}_"))
    return tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def text_pdf(paragraphs: tuple[str, ...]) -> bytes:
    return pdf_bytes(paragraphs[0], paragraphs)


def docx(paragraphs: tuple[str, ...]) -> bytes:
    return docx_bytes(paragraphs[0], paragraphs)


def doc(paragraphs: tuple[str, ...]) -> bytes:
    """A Word 97 file written by LibreOffice from the DOCX (WPS Office saves ``.wps`` in this format)."""
    return convert(docx(paragraphs), "docx", "doc:MS Word 97", ReadLimits())


def office_pdf(paragraphs: tuple[str, ...]) -> bytes:
    """A PDF as Word or WPS Office export one: written by LibreOffice from the DOCX (embedded fonts,
    a gap between Chinese and digits, quotes in a fallback font)."""
    return convert(docx(paragraphs), "docx", "pdf:writer_pdf_Export", ReadLimits())


def ofd(paragraphs: tuple[str, ...], per_page: int = 30) -> bytes:
    """An OFD package: one TextObject per line, ``per_page`` lines a page."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        for page in range(0, len(paragraphs), per_page):
            objects = "".join(
                f'<ofd:TextObject Boundary="20 {20 + 8 * n} 170 8"><ofd:TextCode X="0" Y="6">{escape(line)}'
                "</ofd:TextCode></ofd:TextObject>" for n, line in enumerate(paragraphs[page:page + per_page]))
            package.writestr(f"Doc_0/Pages/Page_{page // per_page}/Content.xml",
                             '<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
                             f"<ofd:Content><ofd:Layer>{objects}</ofd:Layer></ofd:Content></ofd:Page>")
    return buffer.getvalue()


def scan_pages(paragraphs: tuple[str, ...], max_pages: int | None = None) -> list[object]:
    """The paragraphs typeset on A4 pages at 200 dpi (first lines indented two characters), as
    greyscale Pillow images."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(NOTO, _FONT_PX)
    width = _PAGE[0] - 2 * _MARGIN
    pages: list[object] = []
    page, draw, y = None, None, _PAGE[1]
    for paragraph in paragraphs:
        line, indent = "", 2 * _FONT_PX
        for char in paragraph + "\n":
            if char != "\n" and draw_width(font, line + char) + indent <= width:
                line += char
                continue
            if y + _LEADING > _PAGE[1] - _MARGIN:
                if max_pages is not None and len(pages) == max_pages:
                    return pages
                page = Image.new("L", _PAGE, 255)
                pages.append(page)
                draw, y = ImageDraw.Draw(page), _MARGIN
            assert draw is not None
            draw.text((_MARGIN + indent, y), line, font=font, fill=0)
            y += _LEADING
            line, indent = ("" if char == "\n" else char), 0
    return pages


def draw_width(font: object, text: str) -> float:
    return float(font.getlength(text))  # type: ignore[attr-defined]


def scan_pdf(paragraphs: tuple[str, ...], max_pages: int | None = None) -> bytes:
    """An image-only PDF of the scanned pages (no text layer)."""
    pages = scan_pages(paragraphs, max_pages)
    buffer = io.BytesIO()
    first, *rest = pages
    first.save(buffer, "PDF", resolution=DPI, save_all=True, append_images=rest)  # type: ignore[attr-defined]
    return buffer.getvalue()


def scan_png(paragraphs: tuple[str, ...]) -> bytes:
    """The first scanned page as a PNG that says its resolution."""
    buffer = io.BytesIO()
    scan_pages(paragraphs, 1)[0].save(buffer, "PNG", dpi=(DPI, DPI))  # type: ignore[attr-defined]
    return buffer.getvalue()


def garbage_layer_pdf(paragraphs: tuple[str, ...]) -> bytes:
    """The first scanned page with an invisible text layer of mojibake over it, as a PDF whose font
    has a broken ToUnicode map reads: the text the page shows is only in its image."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    image = scan_pages(paragraphs, 1)[0]
    png = io.BytesIO()
    image.save(png, "PNG")  # type: ignore[attr-defined]
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    width, height = 595.0, 842.0
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=True)
    pdf.drawImage(ImageReader(io.BytesIO(png.getvalue())), 0, 0, width, height)
    text = pdf.beginText(40, 800)
    text.setTextRenderMode(3)  # invisible, as an OCR layer or a broken font's text sits
    text.setFont("STSong-Light", 10)
    for paragraph in paragraphs[:20]:
        text.textLine(paragraph.encode("gbk", "replace").decode("latin-1")[:60])
    pdf.drawText(text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def page_text(paragraphs: tuple[str, ...], pages: int) -> str:
    """What ``scan_pages(paragraphs, pages)`` shows, as the expected text (whole paragraphs cut
    where the last page ends)."""
    from PIL import ImageFont

    font = ImageFont.truetype(NOTO, _FONT_PX)
    width = _PAGE[0] - 2 * _MARGIN
    lines_per_page = (_PAGE[1] - 2 * _MARGIN) // _LEADING + 1
    budget = lines_per_page * pages
    out: list[str] = []
    for paragraph in paragraphs:
        line, indent, kept = "", 2 * _FONT_PX, ""
        for char in paragraph + "\n":
            if char != "\n" and draw_width(font, line + char) + indent <= width:
                line += char
                continue
            if budget == 0:
                break
            budget -= 1
            kept += line
            line, indent = ("" if char == "\n" else char), 0
        if kept:
            out.append(kept)
        if budget == 0:
            break
    return "\n".join(out)
