"""What bundling raises on purpose; each message is one line a user can act on."""

from __future__ import annotations

from archive.errors import ArchiveError


class BundleError(ArchiveError):
    """Base of the bundle errors."""


class EmptySelectionError(BundleError):
    """The selection matches nothing (pass ``allow_empty`` for an empty but valid bag)."""


class UnknownSourceError(BundleError):
    def __init__(self, names: list[str]) -> None:
        super().__init__(f"unknown source {', '.join(repr(n) for n in names)}")
        self.names = names


class BadSelectionError(BundleError, ValueError):
    """Options that contradict each other (``since`` after ``as_of``, unknown include …)."""


class BundleOutputError(BundleError):
    """The bundle cannot be written where asked (missing folder, full disk …)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write bundle {path!r}: {reason}")
        self.path = path
        self.reason = reason


class BundleFormatError(BundleError):
    """A file that is not a bundle this code can read (not a bag, zip, tar or WACZ)."""
