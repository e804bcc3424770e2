"""Shared test set-up: every module in tests/fixtures/ is a pytest plugin.

Session-scoped real servers (the simulated portal, SeaweedFS, PostgreSQL, Redis, Chromium) live
there, one per test session, so the whole suite shares them.
"""

from __future__ import annotations

from pathlib import Path

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)
