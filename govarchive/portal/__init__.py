"""The simulated government portal: six CMS template families on one loopback HTTP server.

>>> server = PortalServer(port=0).start()
>>> world = server.new_world("t1")          # independent state under server.url + "/w/t1"
>>> world.expected_reports("trs")[0].title  # ground truth for crawler tests
>>> server.stop()

Run standalone: ``python -m govarchive.portal --port 8800 [--scale N]``.
"""

from __future__ import annotations

from govarchive.portal.model import ExpectedAttachment, ExpectedReport, Family, NonReport, RequestRecord
from govarchive.portal.render.challenge import COOKIE_S, COOKIE_T, solve, solve_page
from govarchive.portal.server import PortalServer
from govarchive.portal.specs import FAMILY_NAMES
from govarchive.portal.world import World

__all__ = [
    "COOKIE_S",
    "COOKIE_T",
    "FAMILY_NAMES",
    "ExpectedAttachment",
    "ExpectedReport",
    "Family",
    "NonReport",
    "PortalServer",
    "RequestRecord",
    "World",
    "solve",
    "solve_page",
]
