"""Side-by-side rows for the diff page, built from ``archive.diffs`` (sentences, then characters).

Output is escaped HTML (``Markup``): ``<del>`` marks removed characters on the left, ``<ins>``
added ones on the right; long unchanged stretches fold to a few sentences of context.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from archive.diffs import TextDiff, split_sentences

CONTEXT = 2  # unchanged sentences shown around each change


@dataclass(frozen=True, slots=True)
class DiffRow:
    kind: str  # equal / replace / delete / insert / skip
    left: Markup
    right: Markup
    skipped: int = 0  # for "skip": how many unchanged sentences are folded


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in split_sentences(text) if s.strip()]


def _fragment(text: str, tag: str | None = None) -> Markup:
    """Escaped ``text`` with line breaks kept, wrapped in ``<tag>`` when given."""
    html = Markup("<br>").join(escape(line) for line in text.split("\n"))
    return Markup(f"<{tag}>{html}</{tag}>") if tag and text.strip() else html


def diff_rows(diff: TextDiff, *, context: int = CONTEXT) -> list[DiffRow]:
    """Rows for a two-column view of ``diff``."""
    rows: list[DiffRow] = []
    ops = diff.ops
    for index, op in enumerate(ops):
        if op.op == "equal":
            sentences = _sentences(op.old)
            head = context if index > 0 else 0
            tail = context if index < len(ops) - 1 else 0
            if len(sentences) > head + tail + 1:
                shown = [*sentences[:head], None, *sentences[len(sentences) - tail :]]
            else:
                shown = list(sentences)
            for sentence in shown:
                if sentence is None:
                    rows.append(DiffRow("skip", Markup(""), Markup(""), skipped=len(sentences) - head - tail))
                else:
                    rows.append(DiffRow("equal", escape(sentence), escape(sentence)))
        elif op.op == "delete":
            rows.append(DiffRow("delete", _fragment(op.old.strip("\n"), "del"), Markup("")))
        elif op.op == "insert":
            rows.append(DiffRow("insert", Markup(""), _fragment(op.new.strip("\n"), "ins")))
        else:
            left: list[Markup] = []
            right: list[Markup] = []
            for part in op.parts:
                if part.op == "equal":
                    left.append(_fragment(part.text))
                    right.append(_fragment(part.text))
                elif part.op == "delete":
                    left.append(_fragment(part.text, "del"))
                else:
                    right.append(_fragment(part.text, "ins"))
            rows.append(DiffRow("replace", Markup("").join(left), Markup("").join(right)))
    return rows
