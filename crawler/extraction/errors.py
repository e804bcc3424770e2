"""The few exceptions of the extraction package."""

from __future__ import annotations


class ExtractionError(Exception):
    """Base class: the page could not be turned into a report."""


class NoReportText(ExtractionError):
    """The page carries no report text (empty, binary, JS shell, challenge, list page …)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
