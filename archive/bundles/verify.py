"""Check a bundle: a BagIt bag (zip, tar or folder) or a WACZ, naming every bad, missing or extra file.

Bag: every payload file under ``data/`` must be listed in each payload manifest with a matching
checksum, every listed file must exist, tag manifests must match, and Payload-Oxum (when given)
must agree. WACZ: every file must be listed in ``datapackage.json`` with matching hash and size,
and ``datapackage-digest.json`` must match ``datapackage.json``. Files are read as streams.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from .bag import decode_path
from .errors import BundleFormatError

CHUNK_SIZE = 1 << 20
_UNREADABLE = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a bundle, about one file."""

    path: str
    kind: str  # bad / missing / extra / invalid
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The verdict on a bundle file or folder."""

    path: Path
    kind: str  # bag / wacz
    container: str  # zip / tar / folder
    files_checked: int
    problems: tuple[Problem, ...]
    info: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line: the verdict and the first problem."""
        if self.ok:
            return f"{self.kind} {self.path} is valid: {self.files_checked} files verified"
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{self.kind} {self.path} is not valid: {first.kind} {first}{more}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "kind": self.kind,
            "container": self.container,
            "valid": self.ok,
            "files_checked": self.files_checked,
            "problems": [{"path": p.path, "kind": p.kind, "detail": p.detail} for p in self.problems],
            "info": self.info,
        }


class _Container:
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


class _Zip(_Container):
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


class _Tar(_Container):
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


class _Folder(_Container):
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


def _open_container(path: Path) -> _Container:
    if path.is_dir():
        return _Folder(path)
    if not path.is_file():
        raise BundleFormatError(f"{path} does not exist")
    try:
        if zipfile.is_zipfile(path):
            return _Zip(path)
        if tarfile.is_tarfile(path):
            return _Tar(path)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise BundleFormatError(f"{path} cannot be read: {exc}") from None
    raise BundleFormatError(f"{path} is neither a zip, a tar nor a folder")


def _digests(container: _Container, name: str, algorithms: tuple[str, ...]) -> tuple[dict[str, str], int]:
    hashers = {alg: hashlib.new(alg) for alg in algorithms}
    size = 0
    with container.open(name) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            size += len(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
    return {alg: h.hexdigest() for alg, h in hashers.items()}, size


def _read_text(container: _Container, name: str) -> str:
    with container.open(name) as stream:
        return stream.read().decode("utf-8-sig")


def _parse_manifest(text: str, manifest: str, problems: list[Problem]) -> dict[str, str]:
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


def _parse_bag_info(text: str) -> dict[str, str]:
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


def _root_prefix(names: list[str], marker: str) -> str | None:
    """'' when ``marker`` is at the top, 'folder/' when everything sits in one folder, else None."""
    if marker in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1:
        top = tops.pop() + "/"
        if top + marker in names:
            return top
    return None


_SEVERITY = {"bad": 0, "missing": 1, "extra": 2, "invalid": 3}


def _ordered(problems: list[Problem]) -> tuple[Problem, ...]:
    """Unique problems, damaged files first (the one-line summary names the first)."""
    unique = list(dict.fromkeys(problems))
    return tuple(sorted(unique, key=lambda p: (_SEVERITY.get(p.kind, 9), not p.path.startswith("data/"))))


def verify_bundle(path: Path | str) -> VerifyResult:
    """Check the bag or WACZ at ``path`` (zip, tar or folder); raise BundleFormatError if it is neither."""
    path = Path(path)
    container = _open_container(path)
    try:
        names = container.names()
        prefix = _root_prefix(names, "bagit.txt")
        if prefix is not None:
            return _verify_bag(path, container, names, prefix)
        if container.kind == "zip" and "datapackage.json" in names:
            return _verify_wacz(path, container, names)
        raise BundleFormatError(f"{path} is not a bag (no bagit.txt) nor a WACZ (no datapackage.json)")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        raise BundleFormatError(f"{path} cannot be read: {exc}") from None
    finally:
        container.close()


def _verify_bag(path: Path, container: _Container, names: list[str], prefix: str) -> VerifyResult:
    problems: list[Problem] = []
    inner = {name[len(prefix):]: name for name in names if name.startswith(prefix)}
    declaration = _parse_bag_info(_read_text(container, inner["bagit.txt"]))
    if "BagIt-Version" not in declaration:
        problems.append(Problem("bagit.txt", "invalid", "has no BagIt-Version"))
    info = _parse_bag_info(_read_text(container, inner["bag-info.txt"])) if "bag-info.txt" in inner else {}

    manifests: dict[str, dict[str, str]] = {}
    tag_manifests: dict[str, dict[str, str]] = {}
    for name in sorted(inner):
        for prefix_name, target in (("manifest-", manifests), ("tagmanifest-", tag_manifests)):
            if name.startswith(prefix_name) and name.endswith(".txt") and "/" not in name:
                algorithm = name[len(prefix_name):-4]
                if algorithm not in hashlib.algorithms_available:
                    problems.append(Problem(name, "invalid", f"unknown checksum algorithm {algorithm!r}"))
                    continue
                target[algorithm] = _parse_manifest(_read_text(container, inner[name]), name, problems)
    if not manifests:
        problems.append(Problem("manifest-sha256.txt", "missing", "the bag has no payload manifest"))

    algorithms = tuple(sorted(set(manifests) | set(tag_manifests)))
    listed_payload = set().union(*(m.keys() for m in manifests.values())) if manifests else set()
    payload_bytes = payload_files = 0
    checked = 0
    unreadable = False
    for name in sorted(inner):
        is_payload = name.startswith("data/")
        try:
            digests, size = _digests(container, inner[name], algorithms)
        except _UNREADABLE as exc:
            problems.append(Problem(name, "bad", f"cannot be read ({exc})"))
            unreadable = True
            continue
        checked += 1
        if is_payload:
            payload_bytes += size
            payload_files += 1
            if manifests and name not in listed_payload:
                problems.append(Problem(name, "extra", "is not listed in the manifest"))
                continue
            tables = manifests
        else:
            tables = tag_manifests
        for algorithm, table in tables.items():
            expected = table.get(name)
            if expected is None:
                if is_payload:
                    problems.append(Problem(name, "extra", f"is not listed in manifest-{algorithm}.txt"))
            elif expected != digests[algorithm]:
                problems.append(Problem(name, "bad", f"{algorithm} checksum does not match the manifest"))
    for algorithm, table in list(manifests.items()) + list(tag_manifests.items()):
        for listed in sorted(table):
            if listed not in inner:
                problems.append(Problem(listed, "missing", f"is listed in a {algorithm} manifest but absent"))
    oxum = info.get("Payload-Oxum")
    if oxum and not unreadable and oxum != f"{payload_bytes}.{payload_files}":
        problems.append(
            Problem("bag-info.txt", "bad", f"Payload-Oxum {oxum} does not match the payload ({payload_bytes}.{payload_files})")
        )
    return VerifyResult(path, "bag", container.kind, checked, _ordered(problems), info)


def _verify_wacz(path: Path, container: _Container, names: list[str]) -> VerifyResult:
    problems: list[Problem] = []
    try:
        package = json.loads(_read_text(container, "datapackage.json"))
        resources = {r["path"]: r for r in package["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(Problem("datapackage.json", "invalid", f"cannot be read ({exc})"))
        return VerifyResult(path, "wacz", container.kind, 0, tuple(problems))
    checked = 0
    for name in sorted(names):
        if name in ("datapackage.json", "datapackage-digest.json"):
            continue
        resource = resources.get(name)
        if resource is None:
            problems.append(Problem(name, "extra", "is not listed in datapackage.json"))
            continue
        algorithm, _, expected = str(resource.get("hash", "")).partition(":")
        if algorithm not in hashlib.algorithms_available:
            problems.append(Problem(name, "invalid", f"unknown hash {resource.get('hash')!r}"))
            continue
        try:
            digests, size = _digests(container, name, (algorithm,))
        except _UNREADABLE as exc:
            problems.append(Problem(name, "bad", f"cannot be read ({exc})"))
            continue
        checked += 1
        if digests[algorithm] != expected.lower():
            problems.append(Problem(name, "bad", f"{algorithm} hash does not match datapackage.json"))
        elif resource.get("bytes") not in (None, size):
            problems.append(Problem(name, "bad", f"size {size} does not match datapackage.json"))
    for listed in sorted(set(resources) - set(names)):
        problems.append(Problem(listed, "missing", "is listed in datapackage.json but absent"))
    if "datapackage-digest.json" in names:
        try:
            digest = json.loads(_read_text(container, "datapackage-digest.json"))
            algorithm, _, expected = str(digest["hash"]).partition(":")
            actual, _ = _digests(container, "datapackage.json", (algorithm,))
            if actual[algorithm] != expected.lower():
                problems.append(Problem("datapackage.json", "bad", "hash does not match datapackage-digest.json"))
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(Problem("datapackage-digest.json", "invalid", f"cannot be read ({exc})"))
        checked += 2
    info = {k: str(package.get(k)) for k in ("title", "created", "wacz_version", "software") if k in package}
    return VerifyResult(path, "wacz", container.kind, checked, _ordered(problems), info)
