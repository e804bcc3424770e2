"""Names inside a bundle: source folders, attachment file names, extensions; none comes from a title or URL unchecked."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from archive.doctypes import BY_CONTENT_TYPE, COMPRESSED_TYPES

from .select import AttachmentInfo

_SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_SAFE_EXT = re.compile(r"[a-z0-9]{1,10}")
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*%]+')
_CONTENT_EXT = {
    **BY_CONTENT_TYPE,  # the document formats (archive.doctypes)
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
#: Members that are compressed already: deflating them again only costs time.
STORED_EXT = frozenset(COMPRESSED_TYPES | {"gz", "pptx", "parquet", "zst"})


def source_folder(name: str, source_id: int) -> str:
    """A source's folder name: its name when that is a safe lower-case slug, else ``_source-<id>``.

    The fallback cannot collide with a safe name (those start with a letter or digit), and names
    Windows reserves (con, nul, com1 …) are not used as they are.
    """
    if _SAFE_NAME.fullmatch(name) and name.split(".", 1)[0] not in _WINDOWS_RESERVED:
        return name
    return f"_source-{source_id}"


def content_ext(content_type: str | None) -> str:
    """The file extension of a raw capture's Content-Type (``bin`` when unknown)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return _CONTENT_EXT.get(media, "bin")


def attachment_ext(kind: str) -> str:
    """An attachment's extension from its type, when that is a safe one (else ``bin``)."""
    kind = kind.lower().lstrip(".")
    return kind if _SAFE_EXT.fullmatch(kind) else "bin"


def attachment_file_names(attachments: Iterable[AttachmentInfo]) -> dict[int, str]:
    """A file name per attachment: its own name (``报告.pdf``; else the URL's last part), without
    characters unsafe on common file systems, with the extension of its type, unique within the
    version (``附件-2.pdf``). The id is the fallback for a name with nothing left in it."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for a in attachments:
        ext = attachment_ext(a.type)
        raw = a.name or urlsplit(a.url).path.rsplit("/", 1)[-1]
        stem = _UNSAFE_IN_NAME.sub("_", raw).strip(" ._")
        if stem.lower().endswith(f".{ext}"):
            stem = stem[: -len(ext) - 1].rstrip(" ._")
        stem = stem[:80] or str(a.id)
        if stem.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
            stem = f"_{stem}"
        name, number = f"{stem}.{ext}", 1
        while name.lower() in taken:
            number += 1
            name = f"{stem}-{number}.{ext}"
        taken.add(name.lower())
        taken.add(f"{stem}.text.txt".lower())
        names[a.id] = name
    return names
