"""Raw bodies, stored once: read a body by its content address from wherever it is kept.

A capture's body is kept in its WARC object (the response record's payload); since the body is
stored once, no separate payload object is written (``Capture.payload_key`` is None) and
``Version.raw_key`` is the body's SHA-256 — the key it would have as an object of its own, and
still the key of one in catalogs recorded before. ``raw_body`` serves both: the object under the
key when there is one, else the payload of a response capture with that payload digest, checked
against the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from archive.catalog.models import Capture, Version
from archive.errors import BlobNotFoundError, CorruptObjectError
from archive.storage import BlobStore
from archive.warc import response_payload

_CHUNK = 500


def holding_warcs(db: Session | Connection, digests: Iterable[str]) -> dict[str, str]:
    """Payload digest → the WARC object of a response capture holding that payload.

    The version's own capture first (a join on ``versions.capture_id``); a body first seen in an
    earlier capture (a version made from a revisit) by its payload digest.
    """
    conn = db.connection() if isinstance(db, Session) else db
    wanted = sorted(set(digests))
    found: dict[str, str] = {}
    own = (
        select(col(Version.raw_key), col(Capture.warc_key))
        .join(Capture, col(Capture.id) == Version.capture_id)
        .where(col(Capture.warc_type) == "response", col(Capture.payload_digest) == Version.raw_key)
    )
    anywhere = (
        select(col(Capture.payload_digest), col(Capture.warc_key))
        .where(col(Capture.warc_type) == "response", col(Capture.warc_key).is_not(None))
        .order_by(col(Capture.id))
    )
    for query, column in ((own, Version.raw_key), (anywhere, Capture.payload_digest)):
        left = [d for d in wanted if d not in found]
        open_keys = set(left)
        if len(left) > _CHUNK:  # many (verify): one pass over the table, not one scan per chunk
            parts: list[list[str] | None] = [None]
        else:
            parts = [left] if left else []
        for part in parts:
            statement = query if part is None else query.where(col(column).in_(part))
            for digest, warc_key in conn.execute(statement):
                if digest in open_keys and warc_key is not None:
                    found.setdefault(digest, warc_key)
    return found


def body_from_warc(store: BlobStore, key: str, warc_key: str) -> bytes:
    """The payload of the capture WARC ``warc_key``, which must hash to ``key``."""
    payload = response_payload(store.get_bytes(warc_key))
    if payload is None:
        raise CorruptObjectError(warc_key, "", detail="its WARC holds no response record")
    actual = hashlib.sha256(payload).hexdigest()
    if actual != key:
        raise CorruptObjectError(key, actual, detail=f"the payload of WARC object {warc_key!r} hashes to {actual!r}")
    return payload


def raw_body(store: BlobStore, engine: Engine | Session | Connection, key: str) -> bytes:
    """The raw body with SHA-256 ``key`` (a ``Version.raw_key``); BlobNotFoundError when nothing holds it."""
    try:
        return store.get_bytes(key)
    except BlobNotFoundError:
        if isinstance(engine, Engine):
            with Session(engine) as db:
                warc_key = holding_warcs(db, [key]).get(key)
        else:
            warc_key = holding_warcs(engine, [key]).get(key)
        if warc_key is None:
            raise
        return body_from_warc(store, key, warc_key)
