"""BagIt (RFC 8493) written entry by entry into a zip or tar, with SHA-256 manifests; read back.

The bag is laid out as ``bagit.txt``, the payload under ``data/``, then ``manifest-sha256.txt``,
``bag-info.txt`` and ``tagmanifest-sha256.txt``: the tag files that summarise the payload come
after it, so nothing needs to be known in advance. Manifest lines follow the write order, which
is fixed, and are spooled to a temporary file so memory does not grow with the file count.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import IO

from archive.sizes import human_size

from .verdict import Problem
from .writers import Entry, EntryWriter

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
PAYLOAD_DIR = "data/"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
BAG_INFO = "bag-info.txt"


def encode_path(path: str) -> str:
    """A path as a manifest line writes it (RFC 8493 §2.1.3: %, CR and LF percent-encoded)."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0a", "\n").replace("%0D", "\r").replace("%0d", "\r").replace(
        "%25", "%"
    )


def _tag_value(value: str) -> str:
    # one physical line per tag: line breaks inside a value would start a new tag
    return " ".join(value.split()) if ("\n" in value or "\r" in value) else value


class BagWriter:
    """Builds one bag inside an :class:`EntryWriter`."""

    def __init__(self, writer: EntryWriter, *, spool_dir: Path | None = None) -> None:
        self._writer = writer
        self._manifest = tempfile.SpooledTemporaryFile(4 << 20, dir=None if spool_dir is None else str(spool_dir))  # noqa: SIM115 (closed in finish or close)
        self._tags: list[Entry] = [writer.add_bytes("bagit.txt", BAGIT_TXT)]
        self.payload_bytes = 0
        self.payload_files = 0

    def _record(self, entry: Entry) -> Entry:
        self._manifest.write(f"{entry.sha256}  {encode_path(entry.name)}\n".encode())
        self.payload_bytes += entry.size
        self.payload_files += 1
        return entry

    def add_stream(self, path: str, stream: IO[bytes], *, size: int | None = None, compress: bool = True) -> Entry:
        """Add the payload file ``data/<path>``."""
        return self._record(self._writer.add_stream(PAYLOAD_DIR + path, stream, size=size, compress=compress))

    def add_bytes(self, path: str, data: bytes, *, compress: bool = True) -> Entry:
        return self._record(self._writer.add_bytes(PAYLOAD_DIR + path, data, compress=compress))

    def add_file(self, path: str, source: Path, *, compress: bool = True) -> Entry:
        with source.open("rb") as stream:
            return self.add_stream(path, stream, size=source.stat().st_size, compress=compress)

    def close(self) -> None:
        """Drop the spooled manifest (a bag abandoned part-way; ``finish`` closes it too)."""
        self._manifest.close()

    def finish(self, info: Iterable[tuple[str, str]]) -> int:
        """Write the manifest, ``bag-info.txt`` (``info`` plus size and Payload-Oxum) and the tag manifest.

        Returns the number of files in the bag.
        """
        self._manifest.seek(0)
        manifest_size = self._manifest.seek(0, 2)
        self._manifest.seek(0)
        self._tags.append(self._writer.add_stream(MANIFEST, self._manifest, size=manifest_size))
        self._manifest.close()
        lines = [f"{name}: {_tag_value(value)}" for name, value in info]
        lines.append(f"Payload-Oxum: {self.payload_bytes}.{self.payload_files}")
        lines.append(f"Bag-Size: {human_size(self.payload_bytes)}")
        self._tags.append(self._writer.add_bytes(BAG_INFO, ("\n".join(lines) + "\n").encode("utf-8")))
        tag_manifest = "".join(f"{e.sha256}  {encode_path(e.name)}\n" for e in self._tags)
        self._writer.add_bytes(TAG_MANIFEST, tag_manifest.encode("utf-8"))
        return self.payload_files + len(self._tags) + 1


def parse_manifest(text: str, manifest: str, problems: list[Problem]) -> dict[str, str]:
    """A manifest's path → checksum; a bad or unsafe line becomes a problem."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            problems.append(Problem(manifest, "invalid", f"line {number} is not 'checksum path'"))
            continue
        path = decode_path(parts[1].strip())
        if path.startswith("*"):
            path = path[1:]
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts:
            problems.append(Problem(manifest, "invalid", f"line {number} names an unsafe path {path!r}"))
            continue
        entries[path] = parts[0].lower()
    return entries


def parse_bag_info(text: str) -> dict[str, str]:
    """``bagit.txt`` or ``bag-info.txt`` as a dict (continuation lines joined)."""
    info: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and last is not None:
            info[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep:
            last = name.strip()
            info[last] = value.strip()
    return info
