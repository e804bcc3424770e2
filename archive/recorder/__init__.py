"""The archive's front door: record what the crawler fetched, decide new / changed / unchanged.

Every ``record_*`` call is one exchange and one catalog transaction. Objects (raw body, WARC
record, normalised text, attachments) are written to the store first, then the rows naming them
together with the events they cause, so a killed process leaves at most unnamed objects behind
(which the next identical recording names again: keys are content addresses). Each exchange has a
de-duplication key (method, URL, fetch time, status, payload digest): recording the same exchange
twice changes nothing the second time.

Rules (see archive/changes.py for the fingerprint):
- new report: a URL not seen before whose text is not the current text of another report of the
  same source; its version 1 and a ``new`` event.
- moved: an unknown URL whose normalised text equals a report's current text in the same source
  (the old URL gone or not): the URL is added to that report and becomes its canonical URL; no new
  report, no new version (unless the metadata changed too).
- changed: text or identity metadata differs from the current version: version N+1 with its diff
  summary and a ``changed`` event.
- removed: ``removal_checks`` consecutive checks found the report's canonical URL answering
  404/410 or a soft 404, or the report absent from its source's complete listing (at most one
  check per run); a ``removed`` event. Any successful fetch resets the count; a removed report that
  answers again is ``restored`` (event).
- blocked: an anti-bot answer, or a page of a known report that came back without any text, is a
  capture and nothing more (no version, no event, no missing check).

The parts, one job each, composed into ``Archive`` (front.py): core.py (sessions, transactions,
batches), runs.py (sources and runs), captures.py (objects and capture rows), versions.py
(versions, attachments, attribution), record.py (``record_report``), checks.py (304, missing,
blocked, listings), queries.py (what the crawler asks), factory.py (``open_archive``); and the
per-transaction helpers: lookups.py (the rows a batch reads, asked once), ids.py (ids handed out
before the INSERT, so a batch flushes once), rows.py (new rows built cheaply), scoped.py (their
common base, freed with the session).
"""

from archive.recorder.captures import capture_key
from archive.recorder.core import RecordResult
from archive.recorder.factory import open_archive
from archive.recorder.front import Archive
from archive.recorder.queries import KnownReport
from archive.recorder.record import EMPTY_TEXT_HASH

__all__ = ["EMPTY_TEXT_HASH", "Archive", "KnownReport", "RecordResult", "capture_key", "open_archive"]
