"""Content-addressed object storage: a local folder or S3, behind one small interface.

A key is the SHA-256 hex digest of an object's (uncompressed) bytes; keys never derive from
URLs or titles. Writing bytes already stored stores nothing. CONTRACT — implemented by the
storage owner; see FilesystemBlobStore / S3BlobStore below.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol, runtime_checkable


@runtime_checkable
class BlobStore(Protocol):
    """What the archive needs of an object store."""

    location: str  # human-readable, secrets masked: "file:///…/objects", "s3://bucket/prefix"

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; return its key. Idempotent."""
        ...

    def put_stream(self, stream: BinaryIO) -> str:
        """Store a stream of any size without holding it whole in memory; return its key."""
        ...

    def get_bytes(self, key: str) -> bytes:
        """The object's original bytes (decompressed); BlobNotFoundError when absent."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object's original bytes."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """Stored size in bytes (after compression)."""
        ...

    def iter_keys(self) -> Iterator[str]: ...

    def verify(self, key: str) -> None:
        """Re-hash the object; raise BlobNotFoundError or CorruptObjectError."""
        ...

    def url_for(self, key: str, expires: int = 3600, filename: str | None = None) -> str | None:
        """A presigned download URL where the back-end has one (S3), else None."""
        ...
