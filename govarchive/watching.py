"""Which divisions the switched-on source definitions watch (for coverage, before a first crawl)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spiders.sources import load_enabled_sources, source_dirs

if TYPE_CHECKING:
    from archive.coverage import SourceFacts
    from govarchive.config import Settings


def enabled_source_facts(settings: Settings) -> list[SourceFacts]:
    """(division_code, region, title) of every switched-on source; SourceError on a bad file."""
    sources = load_enabled_sources(source_dirs(settings.sources_dir, settings.sources_dirs),
                                   settings.source_state_file, builtin_default=settings.builtin_sources)
    return [(s.division_code or None, s.region, s.title) for s in sources.values()]
