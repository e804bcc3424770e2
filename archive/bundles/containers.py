"""Uniform read access to a bundle's files, whatever holds them: a zip, a tar or a folder."""

from __future__ import annotations

import hashlib
import os
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import BundleFormatError

CHUNK_SIZE = 1 << 20
#: What reading a damaged member raises.
UNREADABLE = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError)


class Container:
    """Uniform read access to the files of a zip, a tar or a folder."""

    kind = ""

    def names(self) -> list[str]:
        raise NotImplementedError

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        raise NotImplementedError
        yield  # pragma: no cover

    def close(self) -> None:
        pass


class ZipContainer(Container):
    kind = "zip"

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path)

    def names(self) -> list[str]:
        return [info.filename for info in self._zip.infolist() if not info.is_dir()]

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        with self._zip.open(name) as stream:
            yield stream

    def close(self) -> None:
        self._zip.close()


class TarContainer(Container):
    kind = "tar"

    def __init__(self, path: Path) -> None:
        self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by close())
        self._members = {m.name: m for m in self._tar.getmembers() if m.isfile()}

    def names(self) -> list[str]:
        return list(self._members)

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        stream = self._tar.extractfile(self._members[name])
        assert stream is not None
        with stream:
            yield stream

    def close(self) -> None:
        self._tar.close()


class FolderContainer(Container):
    kind = "folder"

    def __init__(self, path: Path) -> None:
        self._root = path

    def names(self) -> list[str]:
        found: list[str] = []
        for folder, dirs, files in os.walk(self._root):
            dirs.sort()
            for name in sorted(files):
                found.append((Path(folder) / name).relative_to(self._root).as_posix())
        return found

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        with (self._root / name).open("rb") as stream:
            yield stream


def open_container(path: Path) -> Container:
    """The zip, tar or folder at ``path``; BundleFormatError when it is none of them."""
    if path.is_dir():
        return FolderContainer(path)
    if not path.is_file():
        raise BundleFormatError(f"{path} does not exist")
    try:
        if zipfile.is_zipfile(path):
            return ZipContainer(path)
        if tarfile.is_tarfile(path):
            return TarContainer(path)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise BundleFormatError(f"{path} cannot be read: {exc}") from None
    raise BundleFormatError(f"{path} is neither a zip, a tar nor a folder")


def file_digests(container: Container, name: str, algorithms: tuple[str, ...]) -> tuple[dict[str, str], int]:
    """The member's hex digests by algorithm and its size, read as a stream."""
    hashers = {alg: hashlib.new(alg) for alg in algorithms}
    size = 0
    with container.open(name) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            size += len(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
    return {alg: h.hexdigest() for alg, h in hashers.items()}, size


def read_text(container: Container, name: str) -> str:
    """A small member (a manifest, a tag file) as UTF-8 text."""
    with container.open(name) as stream:
        return stream.read().decode("utf-8-sig")


def root_prefix(names: list[str], marker: str) -> str | None:
    """'' when ``marker`` is at the top, 'folder/' when everything sits in one folder, else None."""
    if marker in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1:
        top = tops.pop() + "/"
        if top + marker in names:
            return top
    return None
