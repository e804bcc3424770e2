"""The one table of document formats (archive/doctypes.py) and what is derived from it."""

from __future__ import annotations

from archive.bundles.naming import STORED_EXT, content_ext
from archive.doctypes import COMPRESSED_TYPES, FORMATS
from crawler.discovery import is_attachment_url
from crawler.discovery.urls import ATTACHMENT_EXTENSIONS
from crawler.extraction.readers import ATTACHMENT_TYPES, FILE_TYPES, READABLE_TYPES, reader_for, sniff_type


def test_every_reader_named_in_the_table_exists() -> None:
    for fmt in FORMATS:
        assert (reader_for(fmt.name) is not None) == (fmt.reader is not None), fmt.name
        assert callable(reader_for(fmt.name)) or fmt.reader is None


def test_everything_derives_from_the_table() -> None:
    names = {f.name for f in FORMATS}
    assert len(names) == len(FORMATS)
    assert FILE_TYPES == ATTACHMENT_EXTENSIONS == names
    assert {f.name for f in FORMATS if f.linked} == ATTACHMENT_TYPES and {"pdf", "doc", "wps", "ofd"} <= ATTACHMENT_TYPES
    assert {f.name for f in FORMATS if f.reader} == READABLE_TYPES
    assert COMPRESSED_TYPES <= STORED_EXT and "doc" not in STORED_EXT and "html" not in STORED_EXT
    for fmt in FORMATS:
        assert is_attachment_url(f"http://a.gov.cn/u/file.{fmt.name}"), fmt.name
        for content_type in fmt.content_types:
            assert sniff_type(b"", "download.jsp", content_type) == fmt.name
            assert content_ext(f"{content_type}; charset=utf-8") == fmt.name  # a raw file's name in bundles
    assert content_ext("text/html") == "html" and content_ext("application/x-unknown") == "bin"
