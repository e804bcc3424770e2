"""DOCX (python-docx): paragraphs and table rows in document order, cells joined by `` | ``, also
inside content controls (``w:sdt``) that Word and WPS wrap around blocks."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from lxml import etree

from crawler.extraction.readers.base import TEXT_LAYER, DocumentError, ReadLimits, ReadResult
from crawler.extraction.text import CELL_SEPARATOR, clean_line


def read(body: bytes, limits: ReadLimits) -> ReadResult:
    return ReadResult(docx_text(body), TEXT_LAYER)


def docx_text(body: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(body))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise DocumentError(f"unreadable .docx file ({type(exc).__name__})") from exc
    lines: list[str] = []

    def walk(container: Any) -> None:
        for block in container.iterchildren():
            tag = etree.QName(block).localname
            if tag == "p":
                lines.append(Paragraph(block, document).text)
            elif tag == "tbl":
                for row in Table(block, document).rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        value = clean_line(cell.text)
                        if not cells or cells[-1] != value:  # merged cells repeat
                            cells.append(value)
                    lines.append(clean_line(CELL_SEPARATOR.join(cells)))
            elif tag in ("sdt", "sdtContent", "customXml"):  # content controls wrap whole blocks
                walk(block)

    walk(document.element.body)
    return "\n".join(lines)
