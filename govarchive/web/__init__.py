"""The web UI and HTTP API (FastAPI, server-rendered Jinja2): ``create_app(settings)``."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
