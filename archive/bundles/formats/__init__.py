"""Bundle formats: one module per format, one registry. The CLI's and the web app's choices,
``create_bundle`` and ``verify_bundle`` all read this registry; a new format is one module
implementing :class:`~.base.BundleFormat`, one :func:`register_format` call, and its test.

======  ==================  ===========================================================
name    module              bundle
======  ==================  ===========================================================
zip     :mod:`.bagit`       BagIt bag in a zip: texts, metadata tables, optional raw/attachments/WARC
tar     :mod:`.bagit`       the same bag in a POSIX tar
wacz    :mod:`.wacz`        WACZ 1.1.1 of the raw captures, for ReplayWeb.page
======  ==================  ===========================================================
"""

from __future__ import annotations

from archive.bundles.errors import BadSelectionError

from .bagit import BagItFormat
from .base import BundleFormat, ProgressCallback, WriteCounts, WriteJob
from .wacz import WaczFormat

_FORMATS: dict[str, BundleFormat] = {}


def register_format(fmt: BundleFormat) -> BundleFormat:
    """Offer ``fmt`` under its name (replacing a format of that name); returns it."""
    _FORMATS[fmt.name] = fmt
    return fmt


def unregister_format(name: str) -> None:
    """Stop offering the format ``name`` (tests that registered a toy format)."""
    _FORMATS.pop(name, None)


def format_names() -> tuple[str, ...]:
    """The registered format names, in registration order (the first is the default)."""
    return tuple(_FORMATS)


def registered_formats() -> tuple[BundleFormat, ...]:
    """The registered formats, in registration order (the order verification tries them)."""
    return tuple(_FORMATS.values())


def get_format(name: str) -> BundleFormat:
    """The format ``name``; BadSelectionError naming the choices when there is none."""
    try:
        return _FORMATS[name]
    except KeyError:
        raise BadSelectionError(f"unknown bundle format {name!r} (choose from {', '.join(_FORMATS)})") from None


register_format(BagItFormat("zip", "application/zip", "a BagIt bag in a zip"))
register_format(BagItFormat("tar", "application/x-tar", "a BagIt bag in a tar"))
register_format(WaczFormat())

__all__ = [
    "BagItFormat", "BundleFormat", "ProgressCallback", "WaczFormat", "WriteCounts", "WriteJob", "format_names",
    "get_format", "register_format", "registered_formats", "unregister_format",
]
