"""What both object-store back-ends share: keys, the on-store layout, and the compression policy."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Iterator
from typing import BinaryIO, Protocol, cast

import zstandard

from archive.errors import CorruptObjectError, InvalidKeyError


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


CHUNK_SIZE = 1 << 20
ZSTD_LEVEL = 3
MIN_SAVING = 0.10  # store compressed only when that saves at least this share of the bytes
SAMPLE_SIZE = 1 << 20  # a stream's head decides whether compressing the whole of it is worth trying
COMPRESSED_SUFFIX = ".zst"

_KEY = re.compile(r"[0-9a-f]{64}")
# Formats that are compressed already; zstd would only spend time on them.
_COMPRESSED_MAGIC = (
    b"\x1f\x8b",  # gzip (WARC.gz too)
    b"PK\x03\x04",  # zip, docx, xlsx, odt, epub
    b"PK\x05\x06",  # empty zip
    b"\x28\xb5\x2f\xfd",  # zstd
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"7z\xbc\xaf\x27\x1c",  # 7z
    b"Rar!\x1a\x07",  # rar
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # jpeg
    b"GIF8",
    b"wOF2",  # woff2
    b"OggS",
)


def validate_key(key: object) -> str:
    """Return ``key`` if it is 64 lower-case hex digits; InvalidKeyError otherwise."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidKeyError(str(key))
    return key


def is_key(name: str) -> bool:
    """Whether ``name`` is a well-formed key."""
    return bool(_KEY.fullmatch(name))


def relative_path(key: str) -> str:
    """``sha256/ab/cd/<key>``: the object's place below an S3 store's prefix (a folder store
    chooses its own folder levels: ``FilesystemBlobStore._folder``)."""
    return f"sha256/{key[:2]}/{key[2:4]}/{key}"


def looks_compressed(head: bytes) -> bool:
    """True when ``head`` starts like a compressed format, or a WebP / MP4 container."""
    if head.startswith(_COMPRESSED_MAGIC):
        return True
    return (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[4:8] == b"ftyp"


def pays(original_size: int, stored_size: int) -> bool:
    """Whether storing ``stored_size`` compressed bytes instead of the original saves enough."""
    return original_size > 0 and stored_size <= original_size * (1 - MIN_SAVING)


_COMPRESSORS = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    """This thread's compressor: a context is costly to make (memory and CPU), and not thread safe."""
    found: zstandard.ZstdCompressor | None = getattr(_COMPRESSORS, "one", None)
    if found is None:
        # the frame checksum lets a damaged object fail loudly when it is decoded
        found = _COMPRESSORS.one = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
    return found


def compress_bytes(data: bytes) -> bytes | None:
    """The zstd frame of ``data`` when compression pays, else None (store ``data`` as it is)."""
    if not data or looks_compressed(data[:16]):
        return None
    if len(data) > SAMPLE_SIZE and not worth_trying(data[:SAMPLE_SIZE]):
        return None
    packed = _compressor().compress(data)
    return packed if pays(len(data), len(packed)) else None


def worth_trying(sample: bytes) -> bool:
    """Whether a stream whose first bytes are ``sample`` is likely to compress enough."""
    if not sample or looks_compressed(sample[:16]):
        return False
    return pays(len(sample), len(_compressor().compress(sample)))


def compress_stream(source: BinaryIO, target: Writable, size: int) -> int:
    """Compress ``size`` bytes of ``source`` into ``target`` in bounded memory; return bytes written."""
    # zstandard's stub asks for IO[bytes]; copy_stream only calls ofh.write (a raw fd writer here)
    _, written = _compressor().copy_stream(source, target, size=size)  # type: ignore[arg-type]
    return int(written)


def decompressing_reader(stored: BinaryIO) -> BinaryIO:
    """A buffered reader of the original bytes behind a zstd-compressed stream (closes ``stored``)."""
    raw = zstandard.ZstdDecompressor().stream_reader(stored, closefd=True)
    return cast(BinaryIO, io.BufferedReader(cast(io.RawIOBase, raw), buffer_size=CHUNK_SIZE))


def decode(key: str, stored: bytes, compressed: bool) -> bytes:
    """The original bytes of a stored object, checked against its key (CorruptObjectError)."""
    data = stored
    if compressed:
        try:
            data = zstandard.ZstdDecompressor().decompressobj().decompress(stored)
        except zstandard.ZstdError as exc:
            raise CorruptObjectError(key, "", detail=f"its zstd data does not decode ({exc})") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != key:
        raise CorruptObjectError(key, actual)
    return data


def check_stream(key: str, reader: BinaryIO) -> None:
    """Re-hash the original bytes read from ``reader``; CorruptObjectError when they do not match ``key``."""
    digest = hashlib.sha256()
    try:
        with reader:
            while chunk := reader.read(CHUNK_SIZE):
                digest.update(chunk)
    except zstandard.ZstdError as exc:
        raise CorruptObjectError(key, "", detail=f"its zstd data does not decode ({exc})") from exc
    if digest.hexdigest() != key:
        raise CorruptObjectError(key, digest.hexdigest())


class HashingReader:
    """Reads a stream in chunks, hashing and counting what passes through."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()
        self.size = 0

    def chunks(self) -> Iterator[bytes]:
        while True:
            chunk = self._stream.read(CHUNK_SIZE)
            if not chunk:
                return
            self._digest.update(chunk)
            self.size += len(chunk)
            yield chunk

    @property
    def key(self) -> str:
        return self._digest.hexdigest()
