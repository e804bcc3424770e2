"""A bundle's verdict: the problems found, file by file, and the summary line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a bundle, about one file."""

    path: str
    kind: str  # bad / missing / extra / invalid
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The verdict on a bundle file or folder."""

    path: Path
    kind: str  # bag / wacz
    container: str  # zip / tar / folder
    files_checked: int
    problems: tuple[Problem, ...]
    info: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line: the verdict and the first problem."""
        if self.ok:
            return f"{self.kind} {self.path} is valid: {self.files_checked} files verified"
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{self.kind} {self.path} is not valid: {first.kind} {first}{more}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "kind": self.kind,
            "container": self.container,
            "valid": self.ok,
            "files_checked": self.files_checked,
            "problems": [{"path": p.path, "kind": p.kind, "detail": p.detail} for p in self.problems],
            "info": self.info,
        }


_SEVERITY = {"bad": 0, "missing": 1, "extra": 2, "invalid": 3}


def ordered(problems: list[Problem]) -> tuple[Problem, ...]:
    """Unique problems, damaged files first (the one-line summary names the first)."""
    unique = list(dict.fromkeys(problems))
    return tuple(sorted(unique, key=lambda p: (_SEVERITY.get(p.kind, 9), not p.path.startswith("data/"))))
