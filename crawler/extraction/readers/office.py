"""Legacy Office and WPS files (DOC, WPS, RTF; XLS, ET, XLSX) through LibreOffice headless.

A word-processing file is converted to DOCX and read by :mod:`.docx` (so tables come out as
`` | ``-joined rows like any DOCX); a spreadsheet is converted to HTML and its tables rendered
row by row. WPS Office's ``.wps``/``.et`` are the Word/Excel binary formats under another name:
an OLE2 file is given the extension its streams say (``WordDocument`` → ``.doc``, ``Workbook`` →
``.xls``) so LibreOffice picks its Word or Excel filter, not the MS Works one.

Each conversion runs with a private, throw-away profile (``-env:UserInstallation``): concurrent
conversions never share LibreOffice's user directory, and none waits on another's lock.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from crawler.extraction.readers.base import CONVERTER, DocumentError, ReadLimits, ReadResult
from crawler.extraction.readers.docx import docx_text
from crawler.extraction.readers.garbage import is_garbage
from crawler.extraction.readers.tools import Deadline, run

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_SHEET_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
SOFFICE = "soffice"


def input_extension(body: bytes, kind: str) -> str:
    """The extension LibreOffice should see for a ``kind`` file with these bytes."""
    if body.startswith(OLE2):
        if _WORD_STREAM in body:
            return "doc"
        if any(stream in body for stream in _SHEET_STREAMS):
            return "xls"
        # LibreOffice would import such a file as plain text, bytes and all
        raise DocumentError(f"unreadable .{kind} file (no Word or Excel stream in it)")
    if body.startswith(b"{\\rtf"):
        return "rtf"
    return kind


def convert(body: bytes, extension: str, target: str, limits: ReadLimits, infilter: str | None = None) -> bytes:
    """``body`` (a ``.extension`` file) converted by LibreOffice to ``target`` (``docx``, ``html`` …)."""
    deadline = Deadline(limits.max_seconds)
    with tempfile.TemporaryDirectory(prefix="govarchive-office-") as tmp:
        source = Path(tmp) / f"in.{extension}"
        source.write_bytes(body)
        out = Path(tmp) / "out"
        run([SOFFICE, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless", "--norestore",
             "--nolockcheck", "--nodefault", *([f"--infilter={infilter}"] if infilter else []), "--convert-to", target, "--outdir", str(out), str(source)],
            deadline, limits.max_memory_mb, cwd=tmp)
        produced = sorted(out.glob("in.*")) if out.is_dir() else []
        if not produced:
            raise DocumentError(f"unreadable .{extension} file (LibreOffice could not convert it)")
        return produced[0].read_bytes()


def read_text_document(body: bytes, kind: str, limits: ReadLimits) -> ReadResult:
    extension = input_extension(body, kind)
    converted = convert(body, extension, "docx:MS Word 2007 XML", limits)
    return _checked(docx_text(converted), kind)


def read_spreadsheet(body: bytes, kind: str, limits: ReadLimits) -> ReadResult:
    import lxml.html

    from crawler.extraction.text import render_lines

    extension = input_extension(body, kind)
    converted = convert(body, extension, "html:HTML (StarCalc)", limits)
    root = lxml.html.document_fromstring(converted.decode("utf-8", "replace"))
    return _checked("\n".join(render_lines(root)), kind)


def _checked(text: str, kind: str) -> ReadResult:
    if is_garbage(text):  # a file LibreOffice took for plain text in some encoding
        raise DocumentError(f"unreadable .{kind} file (LibreOffice gave no readable text)")
    return ReadResult(text, CONVERTER)


def read_doc(body: bytes, limits: ReadLimits) -> ReadResult:
    return read_text_document(body, "doc", limits)


def read_wps(body: bytes, limits: ReadLimits) -> ReadResult:
    return read_text_document(body, "wps", limits)


def read_rtf(body: bytes, limits: ReadLimits) -> ReadResult:
    return read_text_document(body, "rtf", limits)


def read_xls(body: bytes, limits: ReadLimits) -> ReadResult:
    return read_spreadsheet(body, "xls", limits)


def read_et(body: bytes, limits: ReadLimits) -> ReadResult:
    return read_spreadsheet(body, "et", limits)


def read_xlsx(body: bytes, limits: ReadLimits) -> ReadResult:
    return read_spreadsheet(body, "xlsx", limits)
