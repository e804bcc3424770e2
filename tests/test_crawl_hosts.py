"""Politeness across runs: two crawls of one host never overlap; challenge cookies outlive a run."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.crawl_support import install_sources, run_crawl, start_crawl, world_sources

pytestmark = pytest.mark.slow


def test_two_crawls_of_one_host_take_turns(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    install_sources(home, world_sources(portal_world, ["trs", "hanweb"]))
    portal_world.set_slow(0.6)  # the first run lasts while the second starts
    first = start_crawl(home, ["demo-trs"])
    deadline = time.monotonic() + 60
    while not any(r.family == "trs" for r in portal_world.request_log) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = start_crawl(home, ["demo-hanweb"])
    _, first_err = first.communicate(timeout=240)
    _, second_err = second.communicate(timeout=240)
    assert (first.returncode, second.returncode) == (0, 0), first_err + second_err
    log = portal_world.request_log
    trs = [r.time for r in log if r.family == "trs"]
    hanweb = [r.time for r in log if r.family == "hanweb"]
    assert trs and hanweb
    assert max(trs) < min(hanweb)  # the second run waited for the host
    assert "waiting for 127.0.0.1" in second_err


@pytest.mark.browser
def test_challenge_cookies_are_kept_for_the_next_run(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["challenge"]))
    first = run_crawl(home, names)
    assert first.code == 0, first.stderr
    kept = json.loads((home / "cookies" / "127.0.0.1.json").read_text(encoding="utf-8"))
    assert kept["host"] == "127.0.0.1" and kept["cookies"]
    assert all(c["expires"] > time.time() for c in kept["cookies"])

    # the next run, without a browser at all, gets through on the kept cookies
    install_sources(home, world_sources(portal_world, ["challenge"], render="never"))
    portal_world.clear_log()
    again = run_crawl(home, names, {"recheck_hours": 0})
    entry = again.source("demo-challenge")
    assert again.code == 0 and entry["status"] == "ok" and entry["blocked"] == 0, again.stderr
    assert entry["unchanged"] == 8
    challenged = [r for r in portal_world.request_log if r.family == "challenge"]
    assert challenged and all(r.challenge_passed for r in challenged if r.status != 404)
