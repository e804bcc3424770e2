"""Routers: ``pages`` (HTML), ``api`` (JSON), ``actions`` (forms that change state), ``files``, ``feeds``."""
