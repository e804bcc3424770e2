"""Content-addressed object storage: a local folder or S3, behind one small interface.

A key is the SHA-256 hex digest of an object's (uncompressed) bytes; keys never derive from
URLs or titles. Writing bytes already stored stores nothing. Back-ends live in ``archive/stores/``
(one module each); ``open_store`` picks one from a URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit

from archive.stores.common import validate_key
from archive.stores.filesystem import FilesystemBlobStore
from archive.urlmask import mask_url

if TYPE_CHECKING:
    from archive.stores.s3 import S3BlobStore

__all__ = ["BlobStore", "FilesystemBlobStore", "S3BlobStore", "StoreOptions", "open_store", "validate_key"]


@dataclass(frozen=True)
class StoreOptions:
    """Where the objects are and how to reach them: the store URL and, for S3, its connection.

    The secret never shows in ``repr`` (Scrapy logs its settings, and this travels in them).
    """

    url: str  # file:///DIR or s3://BUCKET[/PREFIX]
    endpoint_url: str | None = None  # an S3-compatible server; None for AWS
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    compress: bool = True

    def open(self) -> BlobStore:
        """The store these options name (see ``open_store``)."""
        return open_store(self.url, endpoint_url=self.endpoint_url, region=self.region,
                          access_key_id=self.access_key_id, secret_access_key=self.secret_access_key,
                          compress=self.compress)


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

    def delete(self, key: str) -> bool:
        """Remove the object (tests, garbage collection); False when it was not there."""
        ...


def open_store(
    url: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    compress: bool = True,
    connect_timeout: float = 5.0,
    read_timeout: float = 60.0,
    max_attempts: int = 5,
) -> BlobStore:
    """The store a URL names: ``file:///DIR`` (a folder) or ``s3://BUCKET[/PREFIX]``.

    The S3 arguments are ignored for a folder. A malformed URL raises ValueError, with any
    credentials in it masked.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/") or parts.query:
            raise ValueError(f"{mask_url(url)!r} is not a folder URL: use file:///absolute/path")
        return FilesystemBlobStore(Path(unquote(parts.path)), compress=compress)
    if scheme == "s3":
        if "@" in parts.netloc or ":" in parts.netloc:
            raise ValueError(
                f"{mask_url(url)!r}: put no credentials or port in an s3:// URL; pass access keys "
                "and endpoint_url separately"
            )
        if not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"{mask_url(url)!r} is not an S3 URL: use s3://bucket or s3://bucket/prefix")
        from archive.stores.s3 import S3BlobStore  # boto3 only where an S3 store is opened

        return S3BlobStore(
            parts.netloc,
            unquote(parts.path),
            endpoint_url=endpoint_url,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            compress=compress,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_attempts=max_attempts,
        )
    raise ValueError(f"{mask_url(url)!r} is not an object store URL: use file:///DIR or s3://BUCKET/PREFIX")


def __getattr__(name: str) -> Any:
    # ``S3BlobStore`` stays importable from here without importing boto3 for folder stores
    if name == "S3BlobStore":
        from archive.stores.s3 import S3BlobStore

        return S3BlobStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
