"""Diffs between two texts, made for Chinese: sentences first, then characters inside them.

Chinese has no spaces between words, so a word diff is meaningless and a line diff too coarse
(a paragraph is often one line of several hundred characters). The texts are cut into sentences
after 。！？； and line breaks; changed runs of sentences are then compared character by character.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

SENTENCE_ENDS = "。！？；"
CLOSERS = "”’」』）》】\"')"
# Character-level comparison of a changed run is quadratic; beyond this product of lengths a run
# is shown as removed + added.
MAX_CHAR_DIFF_WORK = 4_000_000


_SENTENCE = re.compile(
    f"[^{SENTENCE_ENDS}\n]*(?:[{SENTENCE_ENDS}][{SENTENCE_ENDS}{re.escape(CLOSERS)}]*\n?|\n)|[^{SENTENCE_ENDS}\n]+\\Z"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` with their end marks (and closing quotes) kept; ``"".join`` gives ``text`` back."""
    return [match for match in _SENTENCE.findall(text) if match]


def _visible_len(text: str) -> int:
    return len(text) - text.count("\n")


@dataclass(frozen=True, slots=True)
class Part:
    """A character-level piece of a replaced run."""

    op: str  # equal / delete / insert
    text: str


@dataclass(frozen=True, slots=True)
class DiffOp:
    """A run of sentences: kept, removed, added, or replaced (then ``parts`` has the characters)."""

    op: str  # equal / delete / insert / replace
    old: str
    new: str
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class DiffSummary:
    chars_added: int = 0
    chars_removed: int = 0
    paragraphs_changed: int = 0
    sentences_changed: int = 0


@dataclass(frozen=True, slots=True)
class TextDiff:
    """Everything about the difference between two texts."""

    ops: tuple[DiffOp, ...]
    summary: DiffSummary = field(default_factory=DiffSummary)

    @property
    def changed(self) -> bool:
        return any(op.op != "equal" for op in self.ops)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> TextDiff:
        """The inverse of ``to_json`` (extra keys are ignored)."""
        ops = tuple(
            DiffOp(
                op["op"], op["old"], op["new"], tuple(Part(p["op"], p["text"]) for p in op.get("parts", ()))
            )
            for op in document["ops"]
        )
        return cls(ops, DiffSummary(**document["summary"]))

    def to_json(self) -> dict[str, Any]:
        """``{"summary": {...}, "ops": [{"op", "old", "new", "parts": [{"op", "text"}]}]}``."""
        return {
            "summary": asdict(self.summary),
            "ops": [
                {"op": op.op, "old": op.old, "new": op.new, "parts": [asdict(p) for p in op.parts]}
                for op in self.ops
            ],
        }


def _char_parts(old: str, new: str) -> tuple[Part, ...]:
    if len(old) * len(new) > MAX_CHAR_DIFF_WORK:
        return (Part("delete", old), Part("insert", new))
    parts: list[Part] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(Part("equal", old[i1:i2]))
            continue
        if i2 > i1:
            parts.append(Part("delete", old[i1:i2]))
        if j2 > j1:
            parts.append(Part("insert", new[j1:j2]))
    return tuple(parts)


def _paragraphs_changed(old: str, new: str) -> int:
    a, b = old.split("\n"), new.split("\n")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def diff_texts(old: str, new: str) -> TextDiff:
    """Sentence-level diff with character-level detail inside changed sentences."""
    a, b = split_sentences(old), split_sentences(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    ops: list[DiffOp] = []
    added = removed = sentences = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_run, new_run = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            ops.append(DiffOp("equal", old_run, new_run))
            continue
        sentences += max(i2 - i1, j2 - j1)
        if tag == "delete":
            ops.append(DiffOp("delete", old_run, ""))
            removed += _visible_len(old_run)
        elif tag == "insert":
            ops.append(DiffOp("insert", "", new_run))
            added += _visible_len(new_run)
        else:
            parts = _char_parts(old_run, new_run)
            ops.append(DiffOp("replace", old_run, new_run, parts))
            removed += sum(_visible_len(p.text) for p in parts if p.op == "delete")
            added += sum(_visible_len(p.text) for p in parts if p.op == "insert")
    summary = DiffSummary(
        chars_added=added,
        chars_removed=removed,
        paragraphs_changed=_paragraphs_changed(old, new) if sentences else 0,
        sentences_changed=sentences,
    )
    return TextDiff(tuple(ops), summary)


def _lines(text: str) -> list[str]:
    return [s.rstrip("\n") for s in split_sentences(text) if s.strip()]


def render_text(diff: TextDiff, *, context: int = 1) -> str:
    """A unified-style plain rendering for terminals.

    ``-`` and ``+`` lines are removed and added sentences; ``~`` lines show a changed run with
    ``[-removed-]`` and ``{+added+}`` marks; ``…`` stands for unchanged sentences left out.
    """
    if not diff.changed:
        return "(no change in text)\n"
    lines: list[str] = []
    ops = diff.ops
    for index, op in enumerate(ops):
        if op.op == "equal":
            sentences = _lines(op.old)
            head = sentences[:context] if index > 0 else []
            tail = sentences[-context:] if context and index < len(ops) - 1 else []
            if len(sentences) <= len(head) + len(tail):
                lines.extend(f"  {s}" for s in sentences)
            else:
                lines.extend([*(f"  {s}" for s in head), "  …", *(f"  {s}" for s in tail)])
        elif op.op == "delete":
            lines.extend(f"- {s}" for s in _lines(op.old))
        elif op.op == "insert":
            lines.extend(f"+ {s}" for s in _lines(op.new))
        else:
            marked = "".join(
                p.text if p.op == "equal" else f"[-{p.text}-]" if p.op == "delete" else f"{{+{p.text}+}}"
                for p in op.parts
            )
            lines.extend(f"~ {line}" for line in marked.split("\n") if line)
    return "\n".join(lines) + "\n"


def summary_json(summary: DiffSummary, **extra: Any) -> str:
    """The compact JSON stored with a version (``Version.diff_summary``)."""
    return json.dumps({**asdict(summary), **extra}, ensure_ascii=False, sort_keys=True)
