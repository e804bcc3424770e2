"""The archive's few exceptions; messages name the offending key with !r."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of everything the archive raises on purpose."""


class BlobNotFoundError(ArchiveError, LookupError):
    def __init__(self, key: str) -> None:
        super().__init__(f"object {key!r} is not in the store")
        self.key = key


class CorruptObjectError(ArchiveError):
    def __init__(self, key: str, actual: str, *, detail: str | None = None) -> None:
        # detail replaces the hash clause when the stored bytes cannot even be decoded
        super().__init__(f"object {key!r} is corrupt: {detail or f'its content hashes to {actual!r}'}")
        self.key = key
        self.actual = actual


class StoreUnavailableError(ArchiveError):
    """The object store cannot be reached or refuses writes (S3 down, disk full …)."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"object store {location!r} is unavailable: {reason}")
        self.location = location
        self.reason = reason


class InvalidKeyError(ArchiveError, ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"{key!r} is not an object key (64 lower-case hex digits)")
        self.key = key


class CatalogConflictError(ArchiveError):
    def __init__(self, what: str) -> None:
        super().__init__(f"catalog conflict: {what}")


class PayloadChangedError(ArchiveError, ValueError):
    """A page recorded as ``same_payload`` whose body is not its report's current version's."""

    def __init__(self, url: str) -> None:
        super().__init__(f"{url}: the body is not the current version's; extract it and record it as a report")


class NotFoundError(ArchiveError, LookupError):
    """A report, version, source or bundle that the catalog does not hold."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"no {kind} {ident!r}")
        self.kind = kind
        self.ident = ident
