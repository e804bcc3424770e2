"""The grown-up object store: an S3 bucket (AWS, MinIO, SeaweedFS …), ``prefix/sha256/ab/cd/<key>``."""

from __future__ import annotations

import contextlib
import hashlib
import math
import mimetypes
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, cast
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from archive.errors import BlobNotFoundError, StoreUnavailableError

from .common import (
    SAMPLE_SIZE,
    HashingReader,
    check_stream,
    compress_bytes,
    compress_stream,
    decode,
    decompressing_reader,
    is_key,
    pays,
    relative_path,
    validate_key,
    worth_trying,
)

MIB = 1 << 20
MIN_PART_SIZE = 5 * MIB  # S3's floor for every part but the last
MAX_PARTS = 10_000
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4's ceiling
ENCODING_META = "encoding"  # x-amz-meta-encoding: zstd | identity

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ACCESS_CODES = frozenset({"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"})


class S3BlobStore:
    """Content-addressed objects in an S3 bucket.

    Writes are idempotent twice over: a HEAD skips content already there, and the PUT carries
    ``If-None-Match: *`` so a concurrent writer of the same bytes gets 412, taken as "stored".
    Compressed objects carry ``Content-Encoding: zstd`` and ``x-amz-meta-encoding: zstd``.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        compress: bool = True,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_attempts: int = 5,
        part_size: int = 8 * MIB,
        spool_dir: Path | None = None,
    ) -> None:
        """Args:
        bucket, prefix: where the objects live; keys go below ``prefix/sha256/``.
        endpoint_url: an S3-compatible server (MinIO, SeaweedFS …); None for AWS.
        access_key_id, secret_access_key: both or neither; neither uses the AWS credential chain.
        max_attempts: total tries per request (botocore "standard" retries with back-off).
        part_size: multipart part size for streamed objects (at least 5 MiB).
        spool_dir: where put_stream spools an object while hashing it (default: the system temp).
        """
        if not _BUCKET.fullmatch(bucket) or ".." in bucket:
            raise ValueError(f"{bucket!r} is not an S3 bucket name (3–63 of a-z 0-9 . -)")
        if (access_key_id is None) != (secret_access_key is None):
            raise ValueError("give both access_key_id and secret_access_key, or neither for the AWS chain")
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes, not {part_size}")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.compress = compress
        self.part_size = part_size
        self.location = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.endpoint = _without_userinfo(endpoint_url) if endpoint_url else "AWS S3"
        self._attempts = max_attempts
        self._spool_dir = spool_dir
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region or ("us-east-1" if endpoint_url else None),
        )
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._client: Any = session.client("s3", endpoint_url=endpoint_url, config=config)

    def __repr__(self) -> str:
        return f"S3BlobStore({self.location!r}, endpoint={self.endpoint!r})"

    # writing

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; return its key. Bytes already stored are not sent again."""
        key = hashlib.sha256(data).hexdigest()
        name = self._name(key)
        with self._calls():
            if self._head(name) is not None:
                return key
            packed = compress_bytes(data) if self.compress else None
            self._put_object(name, key, data if packed is None else packed, compressed=packed is not None)
        return key

    def put_stream(self, stream: BinaryIO) -> str:
        """Store a stream of any size: hashed while spooled to a temporary file, then sent in parts."""
        with contextlib.ExitStack() as files:
            spool = files.enter_context(tempfile.TemporaryFile(dir=self._spool_dir))
            reader = HashingReader(stream)
            for chunk in reader.chunks():
                spool.write(chunk)
            key, size = reader.key, reader.size
            name = self._name(key)
            with self._calls():
                if self._head(name) is not None:
                    return key
                body, stored_size, compressed = spool, size, False
                spool.seek(0)
                if self.compress and worth_trying(spool.read(SAMPLE_SIZE)):
                    packed = files.enter_context(tempfile.TemporaryFile(dir=self._spool_dir))
                    spool.seek(0)
                    written = compress_stream(spool, packed, size)
                    if pays(size, written):
                        body, stored_size, compressed = packed, written, True
                body.seek(0)
                if stored_size <= self.part_size:
                    self._put_object(name, key, body, compressed=compressed)
                else:
                    self._put_multipart(name, key, body, stored_size, compressed=compressed)
        return key

    def _put_object(self, name: str, key: str, body: bytes | IO[bytes], *, compressed: bool) -> None:
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=name, Body=body, IfNoneMatch="*", **_object_args(key, compressed)
            )
        except ClientError as exc:
            if _status(exc) != 412:  # 412: a concurrent writer stored the same bytes first
                raise

    def _put_multipart(self, name: str, key: str, body: IO[bytes], size: int, *, compressed: bool) -> None:
        part_size = max(self.part_size, math.ceil(size / MAX_PARTS))
        upload = self._client.create_multipart_upload(
            Bucket=self.bucket, Key=name, **_object_args(key, compressed)
        )
        upload_id = upload["UploadId"]
        try:
            parts: list[dict[str, Any]] = []
            while part := body.read(part_size):
                number = len(parts) + 1
                answer = self._client.upload_part(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=part
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                del part  # else two parts are alive while the next one is read
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=name,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                IfNoneMatch="*",
            )
        except BaseException as exc:
            # the parts would otherwise linger (and be billed) until a lifecycle rule removes them
            with contextlib.suppress(BotoCoreError, ClientError):
                self._client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            if isinstance(exc, ClientError) and _status(exc) == 412:
                return
            raise

    # reading

    def get_bytes(self, key: str) -> bytes:
        """The object's original bytes, checked against its key."""
        with self._calls():
            body, compressed = self._get(key)
            with body:
                stored = body.read()
        return decode(key, stored, compressed)

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object's original bytes, straight from the server."""
        with self._calls():
            body, compressed = self._get(key)
        return decompressing_reader(body) if compressed else body

    def exists(self, key: str) -> bool:
        with self._calls():
            return self._head(self._name(key)) is not None

    def size(self, key: str) -> int:
        """Stored size in bytes (after compression)."""
        with self._calls():
            head = self._head(self._name(key))
        if head is None:
            raise BlobNotFoundError(key)
        return int(head["ContentLength"])

    def iter_keys(self) -> Iterator[str]:
        """Every stored key, in the server's (lexical) listing order."""
        below = f"{self.prefix}/sha256/" if self.prefix else "sha256/"
        pages = iter(self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=below))
        while True:
            with self._calls():
                page = next(pages, None)
            if page is None:
                return
            for item in page.get("Contents", []):
                key = item["Key"].rpartition("/")[2]
                if is_key(key) and item["Key"] == self._name(key):
                    yield key

    def verify(self, key: str) -> None:
        """Re-read and re-hash the object; BlobNotFoundError or CorruptObjectError."""
        with self._calls():
            check_stream(key, self.open(key))

    def url_for(self, key: str, expires: int = 3600, filename: str | None = None) -> str | None:
        """A presigned GET URL, or None for a zstd-compressed object (serve it through ``open``).

        A URL would hand out the compressed bytes to clients that cannot decode zstd, so only
        objects stored as they are get one. ``filename`` sets the download's Content-Disposition.
        """
        if not 1 <= expires <= MAX_PRESIGN_SECONDS:
            raise ValueError(f"expires must be 1–{MAX_PRESIGN_SECONDS} seconds, not {expires}")
        name = self._name(key)
        with self._calls():
            head = self._head(name)
        if head is None:
            raise BlobNotFoundError(key)
        if _is_compressed(head):
            return None
        params = {"Bucket": self.bucket, "Key": name}
        if filename:
            params["ResponseContentDisposition"] = _content_disposition(filename)
            params["ResponseContentType"] = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return cast(str, self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires))

    def delete(self, key: str) -> bool:
        """Remove the object (for tests and garbage collection); False when it was not there."""
        name = self._name(key)
        with self._calls():
            if self._head(name) is None:
                return False
            self._client.delete_object(Bucket=self.bucket, Key=name)
        return True

    # plumbing

    def _name(self, key: str) -> str:
        path = relative_path(validate_key(key))
        return f"{self.prefix}/{path}" if self.prefix else path

    def _head(self, name: str) -> dict[str, Any] | None:
        try:
            return cast(dict[str, Any], self._client.head_object(Bucket=self.bucket, Key=name))
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise

    def _get(self, key: str) -> tuple[BinaryIO, bool]:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if _status(exc) == 404 and _code(exc) != "NoSuchBucket":
                raise BlobNotFoundError(key) from None
            raise
        return answer["Body"], _is_compressed(answer)

    @contextlib.contextmanager
    def _calls(self) -> Iterator[None]:
        """Turn "the store cannot serve us" failures into StoreUnavailableError (no secrets in it)."""
        try:
            yield
        except (BotoConnectionError, HTTPClientError) as exc:
            reason = f"cannot reach {self.endpoint} ({type(exc).__name__}, {self._attempts} attempts)"
            raise StoreUnavailableError(self.location, reason) from exc
        except (NoCredentialsError, PartialCredentialsError) as exc:
            reason = "no S3 credentials: give access_key_id/secret_access_key or set up the AWS chain"
            raise StoreUnavailableError(self.location, reason) from exc
        except ClientError as exc:
            refusal = _refusal(exc, self.bucket, self.endpoint)
            if refusal is None:
                raise
            raise StoreUnavailableError(self.location, refusal) from exc


def _object_args(key: str, compressed: bool) -> dict[str, Any]:
    args: dict[str, Any] = {
        "ContentType": "application/octet-stream",
        "Metadata": {"sha256": key, ENCODING_META: "zstd" if compressed else "identity"},
    }
    if compressed:
        args["ContentEncoding"] = "zstd"
    return args


def _is_compressed(answer: dict[str, Any]) -> bool:
    return bool(answer.get("Metadata", {}).get(ENCODING_META) == "zstd")


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _refusal(exc: ClientError, bucket: str, endpoint: str) -> str | None:
    """Why the server will not serve us at all, or None for an error that is the caller's to handle."""
    code, status = _code(exc), _status(exc)
    if code == "NoSuchBucket":
        return f"bucket {bucket!r} does not exist at {endpoint}"
    if code in _ACCESS_CODES or status == 403:
        return f"{endpoint} refused access to bucket {bucket!r} ({code or status})"
    if status >= 500:
        return f"{endpoint} failed with HTTP {status} ({code})"
    return None


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=host, query="", fragment="").geturl()


def _content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
