"""Normalisation, fingerprints and the change decision (archive/changes.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.changes import (
    IDENTITY_FIELDS,
    Fingerprint,
    decide,
    is_soft_404,
    metadata_hash,
    normalise_text,
)
from archive.records import ExtractedReport


def report(text: str = "正文第一段。\n正文第二段。", **fields: object) -> ExtractedReport:
    base: dict[str, object] = {"title": "某某区2023年法治政府建设年度报告", "pub_date": dt.date(2024, 3, 1)}
    base.update(fields)
    return ExtractedReport(text=text, **base)  # type: ignore[arg-type]


def test_normalise_keeps_chinese_punctuation_and_drops_layout() -> None:
    raw = "\ufeff  一、总体情况\r\n\r\n\u3000\u30002023年，全区 推进“放管服”改革 。\u200b\n\n GDP  growth\t5%"
    assert normalise_text(raw) == "一、总体情况\n2023年，全区推进“放管服”改革。\nGDP growth 5%"


@given(st.text(alphabet=st.sampled_from(list("法治政府，。 \n\r\t\u3000ab1")), max_size=60))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once


def test_identity_metadata_excludes_site_name_and_column() -> None:
    assert "site_name" not in IDENTITY_FIELDS and "column" not in IDENTITY_FIELDS
    a = Fingerprint.of(report(site_name="区政府门户", column="法治政府建设"))
    b = Fingerprint.of(report(site_name="区人民政府网", column="政府信息公开"))
    assert a.metadata_hash == b.metadata_hash


def test_every_identity_field_changes_the_metadata_hash() -> None:
    base = Fingerprint.of(report()).metadata
    changed = {
        "title": "另一个标题",
        "publisher": "区司法局",
        "pub_date": "2024-03-02",
        "written_date": "2024-02-28",
        "index_no": "11/2024-00001",
        "doc_no": "区政发〔2024〕1号",
        "validity": "失效",
        "report_year": 2022,
    }
    assert set(changed) == set(IDENTITY_FIELDS)
    hashes = {metadata_hash({**base, name: value}) for name, value in changed.items()}
    assert len(hashes) == len(changed) and metadata_hash(base) not in hashes


def test_empty_and_missing_metadata_are_the_same() -> None:
    assert (
        Fingerprint.of(report(publisher="")).metadata_hash
        == Fingerprint.of(report(publisher=None)).metadata_hash
    )
    assert Fingerprint.of(report(publisher=" 区 政府 ")).metadata["publisher"] == "区政府"


def test_decide() -> None:
    fp = Fingerprint.of(report())
    assert decide(None, None, fp) == "new"
    assert decide(fp.text_hash, fp.metadata_hash, fp) == "unchanged"
    assert decide(fp.text_hash, "0" * 64, fp) == "changed"
    assert decide("0" * 64, fp.metadata_hash, fp) == "changed"


def test_soft_404() -> None:
    assert is_soft_404(404, "", "")
    assert is_soft_404(200, "提示", "对不起，您访问的页面不存在！")
    assert not is_soft_404(200, "报告", "正文" * 10)
    long_report = "本报告说明您访问的页面不存在时如何处理。" + "正文内容。" * 100
    assert not is_soft_404(200, "报告", long_report)


@pytest.mark.parametrize("raw", ["２０２４年　法治政府 建设\r\n\r\n一、 主要举措\u200b", "已是标准形式。\n第二段。", ""])
def test_a_fingerprint_is_the_same_whatever_text_hash_the_report_carries(raw: str) -> None:
    """``Fingerprint.of`` skips normalising a text whose ``text_hash`` shows it is already normal;
    the result must not depend on it."""
    from archive.textnorm import text_hash

    plain = Fingerprint.of(ExtractedReport(title="t", text=raw))
    assert plain.text == normalise_text(raw)
    for carried in (text_hash(raw), "0" * 64):
        assert Fingerprint.of(ExtractedReport(title="t", text=raw, text_hash=carried)) == plain
    normal = normalise_text(raw)
    assert Fingerprint.of(ExtractedReport(title="t", text=normal, text_hash=text_hash(normal))) == plain


def _normalise_line_by_line(text: str) -> str:
    """The normal form's definition, one line at a time (what ``normalise_text`` does in one pass)."""
    import unicodedata

    from archive.textnorm import _INVISIBLE, normalise_line

    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line for line in (normalise_line(part) for part in text.split("\n")) if line)


_TRICKY = ("报告 法治，。 ab1\n\r\t\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2002\u2028\u2029\u202f\u205f\u3000"
           "\u200b\u200d\u2060\ufeff\u00ad\x00\x7fe\u0301\u1100\u1161\uff21“”—…·")


@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=300))
def test_normalise_in_one_pass_is_the_line_by_line_rule(text: str) -> None:
    assert normalise_text(text) == _normalise_line_by_line(text)
