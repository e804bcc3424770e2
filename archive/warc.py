"""WARC records of captures (warcio), one object per HTTP exchange.

Each capture becomes a small gzipped WARC holding a request record and either a response record
or — when the payload is identical to an earlier capture of the same URL — a revisit record
(profile identical-payload-digest) that refers to it. Every record is its own gzip member, so
the per-capture objects concatenate into one valid WARC file (``write_combined_warc``).

Records are deterministic: their IDs derive from the capture's identity and their dates from the
fetch time, so re-recording the same exchange (after a crash) produces the same bytes and hence
the same object key.

The capture's WARC object is where the raw body is stored: a response record holds it, and the
recorder writes no separate payload object for it (``archive.payloads`` reads a body back by its
content address, ``Version.raw_key``, through ``response_payload``). Records are gzipped by Intel's
ISA-L (``isal``) at its level ``GZIP_LEVEL`` (3, its highest), not by zlib at warcio's 9: standard gzip
members, on portal pages (~17 KB of HTML) about 3× faster than zlib at level 3 for 3% more bytes
(docs/benchmarks.md, "Throughput").
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http
import io
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from archive.records import FetchedPage

if TYPE_CHECKING:
    from warcio.recordloader import ArcWarcRecord

    from archive.storage import BlobStore

WARC_VERSION = "1.1"
_RECORD_NAMESPACE = uuid.UUID("9b7c1f0e-4b8e-5c53-9a51-3f1f6f0a9c2d")
# Bodies reach us decoded (the crawler undoes gzip and chunking); headers describing the wire
# form would mislead a replay tool, so they are kept under the pywb X-Archive-Orig- prefix.
_WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
_COPY_CHUNK = 1 << 20
GZIP_LEVEL = 3  # isal's levels are 0–3
_GZIP_MAGIC = b"\x1f\x8b"


class _Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 digests (the store's content addresses) and each record its own
    gzip member written by ISA-L at ``GZIP_LEVEL`` (warcio's own gzip writer is zlib at level 9)."""

    def __init__(self, filebuf: BinaryIO, *, gzip: bool = True, warc_version: str = WARC_VERSION) -> None:
        super().__init__(filebuf, gzip=False, warc_version=warc_version)
        self._gzip_members = gzip
        self.known_payload_digest: str | None = None  # the response payload's, when the caller has it

    def ensure_digest(self, record: ArcWarcRecord, block: bool = True, payload: bool = True) -> None:
        # the header warcio would add, at the place it would add it, without hashing the body again
        known = self.known_payload_digest
        if payload and known and record.rec_type == "response" and not record.rec_headers.get_header(
                "WARC-Payload-Digest"):
            record.rec_headers.add_header("WARC-Payload-Digest", known)
        super().ensure_digest(record, block, payload)

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")

    def write_record(self, record: ArcWarcRecord, params: object = None) -> None:
        if not self._gzip_members:
            super().write_record(record, params)
            return
        plain = io.BytesIO()
        self._write_warc_record(plain, record)
        member = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)
        self.out.write(member.compress(plain.getvalue()) + member.flush())


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of ``body``: ``sha256:`` + base32 (as warcio writes it)."""
    return _digest_text(hashlib.sha256(body).digest())


def _digest_text(sha256: bytes) -> str:
    return "sha256:" + base64.b32encode(sha256).decode("ascii")


def record_id(seed: str, role: str) -> str:
    """A stable ``<urn:uuid:…>`` for the record ``role`` (request / response / revisit) of ``seed``."""
    return f"<urn:uuid:{uuid.uuid5(_RECORD_NAMESPACE, f'{seed}/{role}')}>"


def warc_date(moment: dt.datetime) -> str:
    """WARC-Date text (UTC, microseconds) of an aware or naive-UTC datetime."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return datetime_to_iso_date(moment, use_micros=True)


@dataclass(frozen=True, slots=True)
class RevisitTarget:
    """The earlier capture whose payload a revisit record stands for."""

    url: str
    fetched_at: dt.datetime
    seed: str  # that capture's record seed (its dedup key)


@dataclass(frozen=True, slots=True)
class CaptureWarc:
    """The WARC bytes of one exchange and what they contain."""

    data: bytes  # gzip members: request, then response or revisit
    record_type: str  # "response" or "revisit"
    payload_digest: str


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _response_headers(page: FetchedPage) -> StatusAndHeaders:
    headers: list[tuple[str, str]] = []
    for name, value in page.headers.items():
        if name.lower() in _WIRE_HEADERS:
            headers.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(len(page.body))))
    return StatusAndHeaders(f"{page.status} {_reason(page.status)}", headers, protocol="HTTP/1.1")


def _request_headers(page: FetchedPage) -> StatusAndHeaders:
    parts = urlsplit(page.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = [("Host", parts.netloc)]
    headers += [(name, value) for name, value in page.request_headers.items() if name.lower() != "host"]
    return StatusAndHeaders(f"{page.method} {target}", headers, protocol="HTTP/1.1", is_http_request=True)


def build_capture_warc(
    page: FetchedPage, *, seed: str, revisit_of: RevisitTarget | None = None, body_sha256: str | None = None
) -> CaptureWarc:
    """The WARC of one exchange: request + response, or request + revisit of ``revisit_of``.
    ``body_sha256`` (hex), when the caller has it, spares hashing the body for the payload digest."""
    out = io.BytesIO()
    writer = _Sha256WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
    date = warc_date(page.fetched_at)
    digest = payload_digest(page.body) if body_sha256 is None else _digest_text(bytes.fromhex(body_sha256))
    writer.known_payload_digest = digest
    if revisit_of is None:
        record_type = "response"
        main = writer.create_warc_record(
            page.url,
            "response",
            payload=io.BytesIO(page.body),
            length=len(page.body),
            http_headers=_response_headers(page),
            warc_headers_dict={"WARC-Record-ID": record_id(seed, "response"), "WARC-Date": date},
        )
    else:
        record_type = "revisit"
        main = writer.create_revisit_record(
            page.url,
            digest,
            revisit_of.url,
            warc_date(revisit_of.fetched_at),
            http_headers=_response_headers(page),
            warc_headers_dict={
                "WARC-Record-ID": record_id(seed, "revisit"),
                "WARC-Date": date,
                "WARC-Refers-To": record_id(revisit_of.seed, "response"),
            },
        )
    request = writer.create_warc_record(
        page.url,
        "request",
        http_headers=_request_headers(page),
        warc_headers_dict={
            "WARC-Record-ID": record_id(seed, "request"),
            "WARC-Date": date,
            "WARC-Concurrent-To": record_id(seed, record_type),
        },
    )
    writer.write_record(request)
    writer.write_record(main)
    return CaptureWarc(out.getvalue(), record_type, digest)


def response_payload(data: bytes) -> bytes | None:
    """The payload of the response record in the capture WARC ``data``; None when ``data`` is no
    WARC or holds no response record (a revisit, or an object that is a raw body itself)."""
    if not data.startswith(_GZIP_MAGIC):
        return None
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            if record.rec_type == "response":
                return bytes(record.raw_stream.read())
    except (ArchiveLoadFailed, OSError, ValueError):
        return None
    return None


def iter_warc_records(store: BlobStore, keys: Iterable[str]) -> Iterator[ArcWarcRecord]:
    """Every record of the capture objects ``keys``, in order (read each before advancing)."""
    for key in keys:
        with store.open(key) as stream:
            yield from ArchiveIterator(stream)


def warcinfo_record(info: Mapping[str, str], *, date: dt.datetime, filename: str | None = None) -> bytes:
    """A gzipped warcinfo record with a deterministic ID (derived from its content and date)."""
    out = io.BytesIO()
    writer = _Sha256WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
    record = writer.create_warcinfo_record(filename or "", dict(info))
    seed = "warcinfo/" + "\n".join(f"{k}={v}" for k, v in sorted(info.items())) + warc_date(date)
    record.rec_headers.replace_header("WARC-Record-ID", record_id(seed, "warcinfo"))
    record.rec_headers.replace_header("WARC-Date", warc_date(date))
    writer.write_record(record)
    return out.getvalue()


def write_combined_warc(
    store: BlobStore,
    keys: Iterable[str],
    out: BinaryIO,
    *,
    warcinfo: Mapping[str, str] | None = None,
    date: dt.datetime | None = None,
    filename: str | None = None,
) -> int:
    """Concatenate the capture objects ``keys`` into one gzipped WARC on ``out``; return bytes written.

    The same keys (and warcinfo/date) always give the same bytes. Streams: nothing is held whole.
    """
    written = 0
    if warcinfo:
        head = warcinfo_record(
            warcinfo, date=date or dt.datetime(1970, 1, 1, tzinfo=dt.UTC), filename=filename
        )
        out.write(head)
        written += len(head)
    for key in keys:
        with store.open(key) as stream:
            while chunk := stream.read(_COPY_CHUNK):
                out.write(chunk)
                written += len(chunk)
    return written
