"""The extraction corpus: every page extracted with per-page floors (text F1, no chrome,
exact metadata and attachments), and chrome-only variants giving the same text hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extraction import extract_page, normalise_text, text_hash
from crawler.extraction.scoring import (
    CorpusCase,
    leaked_phrases,
    load_corpus,
    metadata_mismatches,
    text_score,
)

CORPUS = load_corpus(Path(__file__).parent / "extraction_corpus")
BY_NAME = {case.name: case for case in CORPUS}
F1_FLOOR = 0.97


def test_corpus_is_broad() -> None:
    families = {case.family for case in CORPUS}
    assert len(CORPUS) >= 20
    assert {"trs", "hanweb", "ucap", "govcn", "table"} <= families
    assert all(sum(case.family == family for case in CORPUS) >= 2 for family in families)


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.id)
def test_corpus_page(case: CorpusCase) -> None:
    report = extract_page(case.body, case.url, case.headers)
    score = text_score(case.expected_text, report.text)
    assert score.f1 >= F1_FLOOR, f"F1 {score.f1:.4f} (P {score.precision:.4f}, R {score.recall:.4f})"
    assert leaked_phrases(report.text, case.expected_text) == []
    assert metadata_mismatches(case.expected, report.metadata()) == {}
    assert [{"url": a.url, "name": a.name, "type": a.type} for a in report.attachments] == case.expected["attachments"]
    assert report.text == normalise_text(report.text)
    assert report.text_hash == text_hash(report.text)


@pytest.mark.parametrize("case", [c for c in CORPUS if "same_text_as" in c.expected], ids=lambda case: case.id)
def test_chrome_only_changes_keep_the_text_hash(case: CorpusCase) -> None:
    other = BY_NAME[case.expected["same_text_as"]]
    assert case.body != other.body
    first = extract_page(case.body, case.url, case.headers)
    second = extract_page(other.body, other.url, other.headers)
    assert first.text_hash == second.text_hash
    assert first.metadata() == second.metadata()


def test_gbk_page_keeps_gbk_only_characters() -> None:
    case = BY_NAME["mile_gbk"]
    assert "charset=gb2312" in case.body[:200].decode("ascii", "replace")
    assert "喆".encode("gbk") in case.body  # a GBK character outside GB2312
    assert "经办人：李喆" in extract_page(case.body, case.url, case.headers).text
