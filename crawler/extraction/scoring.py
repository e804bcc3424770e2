"""How close an extraction is to the expected result: character precision/recall/F1,
leaked chrome phrases, exact metadata. Used by the corpus tests and ``bench/extraction.py``.

A corpus is a folder of ``<family>/<case>.html`` pages, each with ``<case>.json`` (the
expected ``text_lines`` and metadata in the ``govarchive extract --json`` shape, plus
``url``) and optionally ``<case>.headers.json`` (the HTTP response headers).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.extraction.boilerplate import leaks

METADATA_FIELDS = ("title", "publisher", "pub_date", "written_date", "index_no", "doc_no", "validity",
                   "report_year", "site_name", "column")


@dataclass(frozen=True)
class CorpusCase:
    """One page of the corpus and what extracting it must give."""

    family: str
    name: str
    body: bytes
    headers: dict[str, str]
    expected: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.expected["url"])

    @property
    def expected_text(self) -> str:
        return "\n".join(self.expected["text_lines"])

    @property
    def id(self) -> str:
        return f"{self.family}/{self.name}"


def load_corpus(folder: Path) -> list[CorpusCase]:
    """Every case under ``folder``, sorted by family and name."""
    cases = []
    for page in sorted(folder.glob("*/*.html")):
        expected_path = page.with_suffix(".json")
        if not expected_path.exists():
            continue
        headers_path = page.with_name(page.stem + ".headers.json")
        headers = json.loads(headers_path.read_text("utf-8")) if headers_path.exists() else {}
        cases.append(CorpusCase(page.parent.name, page.stem, page.read_bytes(), headers,
                                json.loads(expected_path.read_text("utf-8"))))
    return cases


@dataclass(frozen=True)
class TextScore:
    precision: float
    recall: float
    f1: float


def text_score(expected: str, got: str) -> TextScore:
    """Character-level precision/recall/F1 of ``got`` against ``expected`` (line breaks
    not counted): lines are aligned first, then characters inside differing blocks."""
    exp_lines, got_lines = expected.split("\n"), got.split("\n")
    matched = 0
    lines = difflib.SequenceMatcher(None, exp_lines, got_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        if tag == "equal":
            matched += sum(len(line) for line in exp_lines[i1:i2])
        elif tag == "replace":
            a, b = "".join(exp_lines[i1:i2]), "".join(got_lines[j1:j2])
            chars = difflib.SequenceMatcher(None, a, b, autojunk=False)
            matched += sum(block.size for block in chars.get_matching_blocks())
    total_expected = sum(len(line) for line in exp_lines)
    total_got = sum(len(line) for line in got_lines)
    precision = matched / total_got if total_got else float(total_expected == 0)
    recall = matched / total_expected if total_expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return TextScore(precision, recall, f1)


def leaked_phrases(text: str, expected: str = "") -> list[str]:
    """Chrome phrases and lines present in ``text`` (and not legitimately in ``expected``)."""
    legit = set(leaks(expected)) if expected else set()
    return [found for found in leaks(text) if found not in legit]


def metadata_mismatches(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose extracted value differs from the expected one: ``{field: (expected, got)}``."""
    return {name: (expected.get(name), got.get(name)) for name in METADATA_FIELDS
            if expected.get(name) != got.get(name)}
