"""Shared test set-up: every module in tests/fixtures/ is a pytest plugin.

Session-scoped real servers (the simulated portal, SeaweedFS, PostgreSQL, Redis, Chromium) live
there, one per test session, so the whole suite shares them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI every real part is installed, so a skipped test means a part failed to start."""
    if os.environ.get("CI", "").lower() not in {"true", "1"}:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and exitstatus == 0:
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            reporter.write_line(f"CI forbids skips: {report.nodeid}: {reason}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
