"""The one set of UTC helpers (archive/timeutil.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from archive.timeutil import as_utc, as_utc_or_none, utcnow

REPO = Path(__file__).resolve().parent.parent


def test_helpers() -> None:
    now = utcnow()
    assert now.tzinfo is dt.UTC and abs((dt.datetime.now(dt.UTC) - now).total_seconds()) < 60
    naive = dt.datetime(2026, 3, 1, 8, 0)
    assert as_utc(naive) == dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)  # SQLite's naive value is UTC
    beijing = dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert as_utc(beijing) == as_utc(naive) and as_utc(beijing).utcoffset() == dt.timedelta(0)
    assert as_utc_or_none(None) is None and as_utc_or_none("2026-03-01") is None
    assert as_utc_or_none(naive) == as_utc(naive)


def test_no_other_utc_helper_is_defined() -> None:
    """Seven copies existed; a new one goes in archive/timeutil.py."""
    found = subprocess.run(
        ["git", "grep", "-nE", r"^\s*def (_?utcnow|_utc|_now|_?as_utc|to_utc|_utc_now|now_utc)\(", "--", "*.py"],
        cwd=REPO, capture_output=True, text=True,
    ).stdout.splitlines()
    assert [line for line in found if not line.startswith(("archive/timeutil.py:", "tests/"))] == []
