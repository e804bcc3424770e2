"""The end-to-end path on the embedded default: simulated portal → crawl → archive → summary."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any

from govarchive.config import Settings, ensure_home_writable
from govarchive.portal import PortalServer

DEFAULT_PORT = 8741  # fixed, so report URLs stay the same from one demo run to the next


class DemoError(Exception):
    """The demo cannot run (port taken, home not writable …); one line for the user."""


@dataclass
class DemoResult:
    portal_url: str
    sources: list[str]
    crawl: dict[str, Any]


def start_portal(port: int) -> PortalServer:
    """Start the simulated portal on 127.0.0.1:port, with a clear error when the port is taken."""
    try:
        return PortalServer(host="127.0.0.1", port=port).start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DemoError(f"port {port} on 127.0.0.1 is in use; pick another with --port") from None
        raise DemoError(f"cannot start the simulated portal on port {port}: {exc}") from None


def install_demo_sources(settings: Settings, server: PortalServer) -> list[str]:
    """Write one source per portal family into the home's sources folder; return their names."""
    from spiders.sources import portal_sources, write_source_file

    ensure_home_writable(settings)
    settings.sources_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for source in portal_sources(server.world()):
        write_source_file(source, settings.sources_dir)
        names.append(source.name)
    return names


def run_demo(settings: Settings, server: PortalServer, *, progress: bool = True) -> DemoResult:
    """Crawl every family of the running simulated portal into the home's archive."""
    from govarchive.launch.runner import run_crawl

    names = install_demo_sources(settings, server)
    summary = run_crawl(settings, names, trigger="demo", progress=progress)
    return DemoResult(portal_url=server.url, sources=names, crawl=summary)
