"""The garbage collector set for a long crawl: what start-up built is frozen, and in the crawl
process young objects are collected in larger steps.

A crawl process holds hundreds of thousands of objects from start-up (Scrapy, Twisted, SQLAlchemy's
mappers, pydantic models) that live until it ends. With Python's defaults every full collection
walked all of them again: 80 ms each, 0.5 s of a 2,000-report crawl. Scrapy and Twisted also make
many short-lived containers per request (deferreds, coroutines, header dicts), most of them freed
by reference counting; a young generation of 700 allocations sent ~700 collections and their
promotions through a crawl of 2,000 reports. Frozen, with a young generation of 20,000, the crawl
process's collector cost 0.07 CPU-s instead of 0.75 (docs/benchmarks.md, "Throughput"). Cyclic
garbage is still collected, in larger steps: the crawl process's peak moved by 1-5 MB at 20,000
reports, the archive writer's (whose ORM sessions leave cycles) by 10 MB, so the writer keeps
Python's young generation and is only frozen.
"""

from __future__ import annotations

import gc

CRAWL_YOUNG_GENERATION = 20_000  # allocations between young collections (Python's default: 700)


def settle_after_start_up(young_generation: int | None = None) -> None:
    """Collect once, freeze what is left (it is never scanned again) and, when given, set the
    young generation's threshold.

    Call when start-up is over and the long work begins: before the reactor runs, or when a
    worker process has opened what it serves.
    """
    gc.collect()
    gc.freeze()
    if young_generation is not None:
        _, middle, old = gc.get_threshold()
        gc.set_threshold(young_generation, middle, old)
