"""Sentence- and character-level diffs of Chinese texts (archive/diffs.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from archive.diffs import TextDiff, diff_texts, render_text, split_sentences

OLD = (
    "一、2023年工作情况\n"
    "全区共办理行政复议案件120件，纠错率8%。行政应诉案件出庭率100%。\n"
    "二、存在的不足\n"
    "部分执法人员法治意识不强；执法程序不够规范。\n"
    "三、2024年工作安排\n"
    "持续推进法治政府建设。"
)
NEW = (
    "一、2023年工作情况\n"
    "全区共办理行政复议案件126件，纠错率8%。行政应诉案件出庭率100%。\n"
    "二、存在的不足\n"
    "执法程序不够规范。\n"
    "三、2024年工作安排\n"
    "持续推进法治政府建设。深化行政执法体制改革！"
)


def test_split_sentences_on_chinese_marks_keeps_quotes() -> None:
    assert split_sentences("他说：“好。”然后走了！对吗？是；\n下一行") == [
        "他说：“好。”",
        "然后走了！",
        "对吗？",
        "是；\n",
        "下一行",
    ]


@given(st.text(alphabet=st.sampled_from(list("法治。！？；”\na ")), max_size=80))
def test_split_sentences_loses_nothing(text: str) -> None:
    assert "".join(split_sentences(text)) == text


def test_summary_counts_characters_sentences_and_paragraphs() -> None:
    diff = diff_texts(OLD, NEW)
    s = diff.summary
    # 120 → 126 (one character each way), a clause of 13 characters removed, a sentence of 11 added.
    assert (s.chars_removed, s.chars_added) == (
        1 + len("部分执法人员法治意识不强；"),
        1 + len("深化行政执法体制改革！"),
    )
    assert (s.chars_removed, s.chars_added) == (14, 12)
    assert s.sentences_changed == 3
    assert s.paragraphs_changed == 3


def test_identical_texts_have_no_change() -> None:
    diff = diff_texts(OLD, OLD)
    assert not diff.changed and diff.summary.chars_added == 0
    assert render_text(diff) == "(no change in text)\n"


def test_json_ops_rebuild_both_texts_and_round_trip() -> None:
    document = diff_texts(OLD, NEW).to_json()
    assert "".join(op["old"] for op in document["ops"]) == OLD
    assert "".join(op["new"] for op in document["ops"]) == NEW
    replaced = [op for op in document["ops"] if op["op"] == "replace"][0]
    assert {"op": "insert", "text": "6"} in replaced["parts"] and {"op": "delete", "text": "0"} in replaced[
        "parts"
    ]
    assert TextDiff.from_json(document).to_json() == document


def test_plain_rendering_marks_changes() -> None:
    out = render_text(diff_texts(OLD, NEW))
    assert "~ 全区共办理行政复议案件12[-0-]{+6+}件，纠错率8%。" in out
    assert "- 部分执法人员法治意识不强；" in out
    assert "+ 深化行政执法体制改革！" in out
