"""Document readers: one module per format, one table of the formats the archive knows.

Each reader is a plain function ``read(body, limits) -> ReadResult`` (see :mod:`.base`): no
settings, no network, no shared state, so it runs as well in a thread as in a worker process.
A new format is one module with a ``read`` function, one row in ``archive.doctypes.FORMATS`` (the one
table of formats), and its test.

=======  ===================================  ======================================
format   reader                               text source
=======  ===================================  ======================================
pdf      :mod:`.pdf` (pypdf; scans → OCR)     ``text_layer``, or ``ocr`` for scanned or
                                              garbage pages
docx     :mod:`.docx` (python-docx)           ``text_layer``
doc wps  :mod:`.office` (LibreOffice → DOCX)  ``converter``
rtf
xls et   :mod:`.office` (LibreOffice → HTML)  ``converter``
xlsx
ofd      :mod:`.ofd` (page XML)               ``text_layer``
txt      :mod:`.txt`                          ``text_layer``
images   :mod:`.image` (Tesseract)            ``ocr``
=======  ===================================  ======================================
"""

from __future__ import annotations

import importlib
import io
import re
import zipfile

from archive.doctypes import BY_CONTENT_TYPE, BY_NAME, FORMATS, Format
from crawler.extraction.readers.base import (
    CONVERTER,
    HTML,
    OCR,
    TEXT_LAYER,
    DocumentError,
    OverLimitError,
    Reader,
    ReadLimits,
    ReadResult,
)

#: Extensions of files (not pages): what discovery never treats as a page.
FILE_TYPES = frozenset(BY_NAME)
#: Links from a report page that are its attachments.
ATTACHMENT_TYPES = frozenset(f.name for f in FORMATS if f.linked)
#: Files worth downloading: a reader can get text out of them.
READABLE_TYPES = frozenset(f.name for f in FORMATS if f.reader)
IMAGE_TYPES = frozenset(f.name for f in FORMATS if f.reader == "image:read")
_FILE_EXT = re.compile(r"\.([A-Za-z0-9]{2,5})\s*$")
_SCRIPTS = ("jsp", "php", "asp", "aspx", "do", "html", "htm", "shtml", "action")
_MAGIC = (
    (b"%PDF", "pdf"), (b"\xd0\xcf\x11\xe0", "doc"), (b"Rar!", "rar"), (b"{\\rtf", "rtf"),
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF8", "gif"), (b"II*\x00", "tif"),
    (b"MM\x00*", "tif"), (b"BM", "bmp"), (b"7z\xbc\xaf\x27\x1c", "7z"),
)


def sniff_type(body: bytes, name: str = "", content_type: str | None = None) -> str | None:
    """The file type from its name, else its Content-Type, else its first bytes."""
    match = _FILE_EXT.search(name) if name else None
    if match and not match.group(1).isdigit() and match.group(1).lower() not in _SCRIPTS:
        return match.group(1).lower()
    if content_type:
        kind = BY_CONTENT_TYPE.get(content_type.split(";")[0].strip().lower())
        if kind:
            return kind
    return magic_type(body)


def magic_type(body: bytes) -> str | None:
    """The file type its first bytes say (ZIP packages by their first entries)."""
    head = body[:16]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return "xls" if kind == "doc" and _sheet_streams(body) else kind
    if body.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names:
            return "ofd"
        return "zip"
    return None


def _sheet_streams(body: bytes) -> bool:
    from crawler.extraction.readers.office import input_extension

    try:
        return input_extension(body, "doc") == "xls"
    except DocumentError:
        return False


def reader_for(kind: str) -> Reader | None:
    """The ``read`` function of format ``kind``, or ``None`` when it is only archived as a file."""
    spec = BY_NAME.get(kind)
    if spec is None or spec.reader is None:
        return None
    module, function = spec.reader.split(":")
    reader: Reader = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return reader


def read_document(body: bytes, kind: str, limits: ReadLimits) -> ReadResult:
    """The text of a ``kind`` file. Raises :class:`DocumentError` (or :class:`OverLimitError`)
    with the reason when there is none to be had."""
    reader = reader_for(kind)
    if reader is None:
        raise DocumentError(f"no converter for .{kind} files")
    return reader(body, limits)


__all__ = [
    "ATTACHMENT_TYPES", "CONVERTER", "FILE_TYPES", "FORMATS", "HTML", "IMAGE_TYPES", "OCR", "READABLE_TYPES",
    "TEXT_LAYER", "DocumentError", "Format", "OverLimitError", "ReadLimits", "ReadResult", "magic_type",
    "read_document", "reader_for", "sniff_type",
]
