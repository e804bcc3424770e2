"""Check a bundle: open it as a zip, tar or folder, and let the format that recognises it verify it.

Each format names every bad, missing or extra file (see :mod:`archive.bundles.formats`); files
are read as streams.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

from .containers import open_container
from .errors import BundleFormatError
from .formats import registered_formats
from .verdict import Problem, VerifyResult

__all__ = ["Problem", "VerifyResult", "verify_bundle"]


def verify_bundle(path: Path | str) -> VerifyResult:
    """Check the bundle at ``path`` (zip, tar or folder); raise BundleFormatError if no format knows it."""
    path = Path(path)
    container = open_container(path)
    try:
        names = container.names()
        for fmt in registered_formats():
            if fmt.recognises(container, names):
                return fmt.verify(path, container, names)
        raise BundleFormatError(f"{path} is not a bag (no bagit.txt) nor a WACZ (no datapackage.json)")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        raise BundleFormatError(f"{path} cannot be read: {exc}") from None
    finally:
        container.close()
