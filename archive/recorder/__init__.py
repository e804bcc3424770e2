"""The archive's front door (see ``archive.recorder.record``)."""

from archive.recorder.record import EMPTY_TEXT_HASH, Archive, KnownReport, RecordResult, capture_key, open_archive

__all__ = ["EMPTY_TEXT_HASH", "Archive", "KnownReport", "RecordResult", "capture_key", "open_archive"]
