"""The crawl's garbage-collector set-up: start-up frozen, young collections rarer, cycles still freed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SNIPPET = textwrap.dedent("""
    import gc, weakref
    from crawler.heap import CRAWL_YOUNG_GENERATION, settle_after_start_up

    class Node:
        pass

    before = Node(); before.me = before  # a cycle left by start-up
    gone_before = weakref.ref(before); del before
    kept = [Node() for _ in range(1000)]  # what start-up keeps
    settle_after_start_up()
    assert gc.get_threshold()[0] == 700 and gc.get_freeze_count() >= 1000, "frozen only, by default"
    settle_after_start_up(CRAWL_YOUNG_GENERATION)
    assert gone_before() is None, "start-up garbage is collected before the freeze"
    assert gc.get_freeze_count() >= 1000, gc.get_freeze_count()
    assert gc.get_threshold()[0] == CRAWL_YOUNG_GENERATION > 700
    after = Node(); after.me = after  # a cycle made during the crawl
    gone_after = weakref.ref(after); del after
    alive = [[] for _ in range(CRAWL_YOUNG_GENERATION // 2)]
    assert gone_after() is not None, "fewer allocations than the threshold: no collection yet"
    alive += [[] for _ in range(2 * CRAWL_YOUNG_GENERATION)]
    assert gone_after() is None, "past the threshold the collector runs by itself"
    print("ok")
""")


def test_start_up_is_frozen_and_cycles_made_later_are_still_collected() -> None:
    # in a child: the freeze and the threshold are process-wide, and pytest's own heap is not ours
    result = subprocess.run([sys.executable, "-c", SNIPPET], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr

