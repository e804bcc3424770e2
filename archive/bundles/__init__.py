"""Snapshot bundles: a verifiable, reproducible download of the archive as of any date.

``create_bundle(engine, store, BundleSelection(...), out, fmt)`` writes a BagIt bag (zip or tar)
or a WACZ of the selected versions; ``verify_bundle(path)`` checks one. Same selection over the
same archive → byte-identical file.
"""

from __future__ import annotations

from .create import BUNDLE_FORMATS, BundleResult, ProgressCallback, create_bundle, source_folder
from .errors import (
    BadSelectionError,
    BundleError,
    BundleFormatError,
    BundleOutputError,
    EmptySelectionError,
    UnknownSourceError,
)
from .listing import BundleRecord, get_bundle, list_bundles
from .select import INCLUDE_CHOICES, BundleSelection
from .verify import Problem, VerifyResult, verify_bundle

__all__ = [
    "BUNDLE_FORMATS",
    "INCLUDE_CHOICES",
    "BadSelectionError",
    "BundleError",
    "BundleFormatError",
    "BundleOutputError",
    "BundleRecord",
    "BundleResult",
    "BundleSelection",
    "EmptySelectionError",
    "Problem",
    "ProgressCallback",
    "UnknownSourceError",
    "VerifyResult",
    "create_bundle",
    "get_bundle",
    "list_bundles",
    "source_folder",
    "verify_bundle",
]
