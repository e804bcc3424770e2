"""Snapshot bundles: a verifiable, reproducible download of the archive as of any date.

API (what the CLI and the web app call)::

    create_bundle(engine, store, BundleSelection(...), out: Path | BinaryIO | None, fmt="zip",
                  *, record=True, store_copy=False, progress=None, tmp_dir=None) -> BundleResult
    verify_bundle(path) -> VerifyResult          # a zip, tar or folder bag, or a .wacz
    list_bundles(engine) -> list[BundleRecord];  get_bundle(engine, id) -> BundleRecord

Formats live in :mod:`archive.bundles.formats` (one module per format, one registry):
``bundle_formats()`` lists them, ``register_format`` adds one. Shared parts: ``select`` (what goes
in), ``metadata`` (reports.jsonl/csv/parquet), ``naming``, ``warcs``, ``output`` (the atomic file),
``containers`` and ``verdict`` (reading and judging a bundle).

Bag layout (BagIt 1.0, SHA-256 manifests; zip or tar)::

    bagit.txt
    data/reports/<source>/<report id>/v<N>.txt                      the version's text (UTF-8)
    data/reports/<source>/<report id>/v<N>.raw.<html|pdf|…>          --include raw
    data/reports/<source>/<report id>/v<N>-attachments/<file name>.<ext>  --include attachments (its own name, made safe and unique)
    data/reports/<source>/<report id>/v<N>-attachments/<file name>.text.txt (its extracted text)
    data/metadata/reports.{csv,jsonl,parquet}                        one row per version
    data/metadata/removed.jsonl                                      deltas: reports removed since the base
    data/warc/captures.warc.gz                                       --include warc
    manifest-sha256.txt, bag-info.txt, tagmanifest-sha256.txt

``<source>`` is the source name when it is a safe lower-case slug, else ``_source-<id>``; no
name comes from a title or URL. Format ``wacz`` writes a WACZ 1.1.1 of the selected versions'
raw captures instead of a bag (for ReplayWeb.page). Every date the bundle adds (zip/tar member
times, Bagging-Date, the warcinfo record, the WACZ's "created") is its as-of instant, never the
clock, so the same selection over the same archive gives the same bytes.
"""

from __future__ import annotations

from .create import BundleResult, ProgressCallback, bundle_formats, create_bundle
from .errors import (
    BadSelectionError,
    BundleError,
    BundleFormatError,
    BundleOutputError,
    EmptySelectionError,
    UnknownSourceError,
)
from .formats import BundleFormat, WriteCounts, WriteJob, get_format, register_format, unregister_format
from .listing import BundleRecord, get_bundle, list_bundles
from .naming import source_folder
from .select import INCLUDE_CHOICES, BundleSelection
from .verify import Problem, VerifyResult, verify_bundle

__all__ = [
    "INCLUDE_CHOICES",
    "BadSelectionError",
    "BundleError",
    "BundleFormat",
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
    "WriteCounts",
    "WriteJob",
    "bundle_formats",
    "create_bundle",
    "get_bundle",
    "get_format",
    "list_bundles",
    "register_format",
    "source_folder",
    "unregister_format",
    "verify_bundle",
]
