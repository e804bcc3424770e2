"""Bytes → text: declared charsets are trusted only when they decode plausibly."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction import decode_html, extract_page
from crawler.extraction.encoding import plausibility

REPORT = ("2024年，区政府办公室坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，"
          "深入学习贯彻习近平法治思想。朱镕基同志题词的“不做假账”展板立于大厅。")  # 镕: GBK, not GB2312


def page(charset_meta: str | None, text: str = REPORT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">' if charset_meta else ""
    return (f"<html><head>{meta}<title>报告</title></head><body><div class=\"TRS_Editor\"><p>{text}</p>"
            f"<p>{text}</p></div></body></html>")


def test_gbk_mislabelled_as_gb2312_decodes_as_gb18030() -> None:
    body = page("gb2312").encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    text, encoding = decode_html(body, {"Content-Type": "text/html; charset=GB2312"})
    assert encoding == "gb18030"
    assert "朱镕基" in text
    assert "朱镕基" in extract_page(body, "http://a.gov.cn/t.html").text


def test_utf8_bom_beats_a_wrong_meta() -> None:
    body = codecs.BOM_UTF8 + page("gbk").encode("utf-8")
    text, encoding = decode_html(body, {})
    assert encoding == "utf-8"
    assert text.startswith("<html>")
    assert REPORT in extract_page(body, "http://a.gov.cn/t.html").text


def test_header_and_meta_disagree_the_bytes_decide() -> None:
    utf8_body = page("utf-8").encode("utf-8")
    text, encoding = decode_html(utf8_body, {"content-type": "text/html; charset=gbk"})
    assert (encoding, REPORT in text) == ("utf-8", True)
    gbk_body = page("utf-8").encode("gbk")
    text, encoding = decode_html(gbk_body, {"Content-Type": "text/html; charset=utf-8"})
    assert (encoding, REPORT in text) == ("gb18030", True)


def test_latin1_header_on_a_gbk_page_is_detected() -> None:
    body = page(None).encode("gbk")
    text, encoding = decode_html(body, {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert encoding == "gb18030"
    assert REPORT in text


def test_undeclared_gbk_page_is_detected() -> None:
    text, _encoding = decode_html(page(None).encode("gbk"), None)
    assert REPORT in text


def test_mojibake_scores_low() -> None:
    assert plausibility(REPORT * 3) > 0.95
    assert plausibility((REPORT * 3).encode("utf-8").decode("gb18030", "replace")) < 0.5
    assert plausibility((REPORT * 3).encode("gbk").decode("latin-1")) < 0.5


def test_unknown_or_bogus_charset_names_are_ignored() -> None:
    body = page("x-no-such-charset").encode("utf-8")
    assert decode_html(body, {"Content-Type": "text/html; charset=\"bogus\""}) == (body.decode("utf-8"), "utf-8")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([None, "utf-8", "gbk", "gb2312", "latin-1", "big5", "nonsense"]))
def test_decode_never_raises(body: bytes, charset: str | None) -> None:
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset else None
    text, encoding = decode_html(body, headers)
    assert isinstance(text, str)
    assert encoding
