"""The one table of document formats the archive knows: extension, Content-Types, reader,
whether a link to it is an attachment, whether its bytes are compressed already.

Everything else is derived from :data:`FORMATS`: the attachment and readable types of extraction
(``crawler.extraction.readers``), what discovery never treats as a page (``crawler.discovery.urls``),
and a raw file's extension and packing in bundles (``archive.bundles.create``). A new format is
one row here (and, if it can be read, a reader module in ``crawler/extraction/readers/``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Format:
    """One document format: its extension, Content-Types, reader (``module:function`` in
    ``crawler.extraction.readers``, or none: archived as a file only), whether a link to it from a
    report page is an attachment, and whether its bytes are compressed already."""

    name: str
    content_types: tuple[str, ...] = ()
    reader: str | None = None
    linked: bool = True
    compressed: bool = False


FORMATS: tuple[Format, ...] = (
    Format("pdf", ("application/pdf", "application/x-pdf"), "pdf:read", compressed=True),
    Format("docx", ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",), "docx:read",
           compressed=True),
    Format("doc", ("application/msword",), "office:read_doc"),
    Format("wps", ("application/kswps", "application/vnd.ms-works", "application/wps-office.wps"), "office:read_wps"),
    Format("ofd", ("application/ofd",), "ofd:read", compressed=True),
    Format("xls", ("application/vnd.ms-excel",), "office:read_xls"),
    Format("xlsx", ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",), "office:read_xlsx",
           compressed=True),
    Format("et", ("application/kset", "application/wps-office.et"), "office:read_et"),
    Format("zip", ("application/zip", "application/x-zip-compressed"), compressed=True),
    Format("rar", ("application/x-rar-compressed", "application/vnd.rar"), compressed=True),
    Format("7z", ("application/x-7z-compressed",), linked=False, compressed=True),
    Format("txt", ("text/plain",), "txt:read", linked=False),
    Format("rtf", ("application/rtf", "text/rtf"), "office:read_rtf", linked=False),
    Format("png", ("image/png",), "image:read", linked=False, compressed=True),
    Format("jpg", ("image/jpeg", "image/pjpeg"), "image:read", linked=False, compressed=True),
    Format("jpeg", (), "image:read", linked=False, compressed=True),
    Format("tif", ("image/tiff",), "image:read", linked=False),
    Format("tiff", (), "image:read", linked=False),
    Format("gif", ("image/gif",), "image:read", linked=False, compressed=True),
    Format("bmp", ("image/bmp", "image/x-ms-bmp"), "image:read", linked=False),
)
BY_NAME = {f.name: f for f in FORMATS}
#: Content-Type (no parameters, lower case) → format name.
BY_CONTENT_TYPE = {ct: f.name for f in FORMATS for ct in f.content_types}
#: Extensions whose bytes deflate no further.
COMPRESSED_TYPES = frozenset(f.name for f in FORMATS if f.compressed)
